"""ccxt's unified structures → our canonical tables.

ccxt hands back Python floats (`safe_number`) and epoch milliseconds; this module only
renames, filters to the half-open window and tags rows with their series columns. Units:

- `ohlcv` volume is `base` for spot and for linear markets of contract size 1, else
  `contracts` (of `contract_size` base for linear, quote for inverse markets);
- open interest comes as ccxt's `openInterestAmount` (`base`, or `contracts` on OKX and on
  inverse markets) and `openInterestValue` (`quote`), two series told apart by `unit`; a
  venue that gives one of them gives one series.
- a liquidation's `amount` is ccxt's `baseValue` (contracts times contract size, `base`) and
  its `value` ccxt's `quoteValue` (quote currency); ccxt.pro leaves both empty, so they are
  worked out from the contracts the same way (for inverse contracts, whose size is in the
  quote, the value first); its `side` is the liquidated position's;
- a trade's `amount` is in the market's size unit (`volume_unit`), as candle volume.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import polars as pl

from cryptodata.core.errors import ResponseFormatError
from cryptodata.core.intervals import Interval
from cryptodata.core.records import (
    FundingRateSnapshot,
    FundingSettlement,
    LiquidationEvent,
    LongShortRatioBar,
    Market,
    OhlcvBar,
    OpenInterestBar,
    OpenInterestSnapshot,
    Trade,
)
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table
from cryptodata.core.time import to_ms

from .endpoints import LIQUIDATIONS, PROVIDER

__all__ = [
    "amount_unit",
    "event_id",
    "funding_rates",
    "liquidation_events",
    "liquidation_side",
    "long_short_ratios",
    "markets",
    "ohlcv",
    "open_interest_bars",
    "open_interest_unit",
    "open_interests",
    "period_hours",
    "settlements",
    "trades",
    "volume_unit",
]

_HOUR_MS: Final = 3_600_000
_CONTRACT_AMOUNTS: Final = frozenset({"okx"})
"""Venues whose `openInterestAmount` counts contracts even on linear markets."""


def volume_unit(market: Mapping[str, Any]) -> str:
    """The unit of a market's sizes: `base`, or `contracts` where a contract is not one base.

    Examples:
        >>> volume_unit({"contract": True, "linear": True, "contractSize": 1})
        'base'
        >>> volume_unit({"contract": True, "linear": False, "contractSize": 100})
        'contracts'
    """
    if not market.get("contract"):
        return "base"
    return (
        "base" if market.get("linear") and market.get("contractSize") in (1, 1.0) else "contracts"
    )


def amount_unit(venue: str, market: Mapping[str, Any]) -> str:
    """The unit of ccxt's `openInterestAmount` on `venue` for `market`.

    Examples:
        >>> amount_unit("okx", {"linear": True}), amount_unit("binance", {"linear": True})
        ('contracts', 'base')
    """
    if venue in _CONTRACT_AMOUNTS or not market.get("linear", True):
        return "contracts"
    return "base"


_VALUE_ONLY: Final = frozenset({("bybit", "inverse")})
"""Venues and market types whose open interest ccxt gives as a value only (Bybit's inverse
contracts count it in USD)."""


def open_interest_unit(venue: str, market: Mapping[str, Any]) -> str:
    """The unit of the open-interest series the venue always gives for `market`.

    That is the amount's (`amount_unit`), or `quote` where the venue gives only the value:
    the series a pipeline resumes from.

    Examples:
        >>> open_interest_unit("bybit", {"linear": False, "inverse": True})
        'quote'
        >>> open_interest_unit("binance", {"linear": True})
        'base'
    """
    kind = "inverse" if market.get("inverse") else "linear" if market.get("linear") else ""
    if (venue, kind) in _VALUE_ONLY:
        return "quote"
    return amount_unit(venue, market)


def _ts(column: str) -> pl.Expr:
    return pl.from_epoch(column, time_unit="ms").dt.replace_time_zone("UTC")


def _series(venue: str, symbol: str, base: str) -> dict[str, pl.Expr]:
    return {
        "provider": pl.lit(PROVIDER),
        "exchange": pl.lit(venue),
        "symbol": pl.lit(symbol),
        "base": pl.lit(base),
    }


def _constant(value: object, dtype: type[pl.DataType], count: int) -> pl.Series:
    """`count` copies of `value`: repeated natively, not converted from a list of copies."""
    return pl.Series([value], dtype=dtype).new_from_index(0, count)


def _series_columns(venue: str, market: Mapping[str, Any], count: int) -> dict[str, pl.Series]:
    """`_series` as the columns of `count` rows (for a frame built in one constructor)."""
    return {
        "provider": _constant(PROVIDER, pl.String, count),
        "exchange": _constant(venue, pl.String, count),
        "symbol": _constant(market["symbol"], pl.String, count),
        "base": _constant(market["base"], pl.String, count),
    }


def _bounds(lo: datetime | None, hi: datetime | None) -> tuple[float, float]:
    """`[lo, hi)` in epoch ms; everything without bounds (a stream's rows)."""
    if lo is None or hi is None:
        return -math.inf, math.inf
    return to_ms(lo), to_ms(hi)


def _within(frame: pl.DataFrame, lo: datetime | None, hi: datetime | None) -> pl.DataFrame:
    """The rows inside `[lo, hi)`; all of them without bounds (a stream's)."""
    if lo is None or hi is None:
        return frame
    return frame.filter(pl.col("t").is_between(to_ms(lo), to_ms(hi), closed="left"))


def ohlcv(
    rows: list[list[Any]],
    *,
    venue: str,
    market: Mapping[str, Any],
    interval: Interval,
    lo: datetime | None = None,
    hi: datetime | None = None,
) -> Table[OhlcvBar]:
    """`[[ms, open, high, low, close, volume], ...]` as `ohlcv` rows (inside `[lo, hi)`).

    Buy volume, trades and buy trades are null: ccxt's unified candle has none.
    """
    # The window is kept and the columns built in Python, then one constructor: a polling
    # bot's page is a few bars, and each polars query (a cast, a filter, a select) would
    # cost ~0.2 ms whatever its height, several times what ccxt takes for the call.
    first, last = _bounds(lo, hi)
    kept = [row for row in rows if row[0] is not None and first <= row[0] < last]
    count = len(kept)
    frame = pl.DataFrame(
        {
            **_series_columns(venue, market, count),
            "interval": _constant(interval.value, pl.String, count),
            "ts": [int(row[0]) for row in kept],
            **{name: [row[index] for row in kept] for index, name in _CANDLE},
            "buy_volume": _constant(None, pl.Float64, count),
            "trades": _constant(None, pl.Int64, count),
            "buy_trades": _constant(None, pl.Int64, count),
            "unit": _constant(volume_unit(market), pl.String, count),
        },
        schema=schema(Kind.OHLCV),
    )
    return Table.from_frame(Kind.OHLCV, frame)


_CANDLE: Final = ((1, "open"), (2, "high"), (3, "low"), (4, "close"), (5, "volume"))
"""The columns of ccxt's candle after its time, by position."""


def _amounts(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "t": [row.get("timestamp") for row in rows],
            "amount": [row.get("openInterestAmount") for row in rows],
            "value": [row.get("openInterestValue") for row in rows],
        },
        schema={"t": pl.Int64, "amount": pl.Float64, "value": pl.Float64},
    )


def _two_units(frame: pl.DataFrame, amount: str) -> pl.DataFrame:
    """One row per sample and unit the venue gave: the amount, then the value."""
    parts = [
        frame.filter(pl.col(column).is_not_null()).with_columns(x=pl.col(column), unit=pl.lit(unit))
        for column, unit in (("amount", amount), ("value", "quote"))
    ]
    return pl.concat(parts)


def open_interest_bars(
    rows: list[dict[str, Any]],
    *,
    venue: str,
    market: Mapping[str, Any],
    interval: Interval,
    lo: datetime,
    hi: datetime,
) -> Table[OpenInterestBar]:
    """ccxt `OpenInterest` samples as `open_interest` bars inside `[lo, hi)`.

    A sample is the open interest at its `ts`; ccxt gives no range within the period, so
    open, high, low and close all hold that one value.
    """
    # One constructor of the final columns (see `ohlcv`): the amounts' series, then the
    # values', as `_two_units` stacks them.
    first, last = to_ms(lo), to_ms(hi)
    kept = [
        row for row in rows if row.get("timestamp") is not None and first <= row["timestamp"] < last
    ]
    samples = [
        (int(row["timestamp"]), row[field], unit)
        for field, unit in (
            ("openInterestAmount", amount_unit(venue, market)),
            ("openInterestValue", "quote"),
        )
        for row in kept
        if row.get(field) is not None
    ]
    count = len(samples)
    x = pl.Series([sample[1] for sample in samples], dtype=pl.Float64)
    frame = pl.DataFrame(
        {
            **_series_columns(venue, market, count),
            "interval": _constant(interval.value, pl.String, count),
            "ts": [sample[0] for sample in samples],
            "open": x,
            "high": x,
            "low": x,
            "close": x,
            "unit": [sample[2] for sample in samples],
        },
        schema=schema(Kind.OPEN_INTEREST),
    )
    return Table.from_frame(Kind.OPEN_INTEREST, frame)


def open_interests(
    rows: list[dict[str, Any]], *, venue: str, markets: Mapping[str, Any], now: datetime
) -> Table[OpenInterestSnapshot]:
    """ccxt `OpenInterest` structures as snapshots; `ts` is the venue's time, else `now`."""
    parts = []
    for row in rows:
        market = markets[row["symbol"]]
        frame = _two_units(_amounts([row]), amount_unit(venue, market))
        parts.append(
            frame.select(
                **_series(venue, market["symbol"], market["base"]),
                ts=_ts("t").fill_null(pl.lit(now).dt.cast_time_unit("ms")),
                value="x",
                unit="unit",
            )
        )
    if not parts:
        return Table.empty(Kind.OPEN_INTEREST_SNAPSHOT)
    return Table.from_frame(Kind.OPEN_INTEREST_SNAPSHOT, pl.concat(parts))


def period_hours(market: Mapping[str, Any]) -> float | None:
    """The funding period a market's description gives, in hours, or `None` when it gives none.

    ccxt keeps it only in the venue's raw payload: Bybit's `fundingInterval` (minutes).

    Examples:
        >>> period_hours({"info": {"fundingInterval": "480"}}), period_hours({"info": {}})
        (8.0, None)
    """
    info = market.get("info")
    minutes = info.get("fundingInterval") if isinstance(info, dict) else None
    try:
        return float(minutes) / 60 if minutes is not None else None
    except (TypeError, ValueError):
        return None


def _interval_hours(text: object) -> float | None:
    """ccxt's `interval` of a funding rate (`'8h'`) in hours."""
    if isinstance(text, str) and text.endswith("h") and text[:-1].isdigit():
        return float(text[:-1])
    return None


def funding_rates(
    rows: list[dict[str, Any]], *, venue: str, markets: Mapping[str, Any], now: datetime
) -> Table[FundingRateSnapshot]:
    """ccxt `FundingRate` structures as snapshots: the rate accruing now and its period.

    `ts` is the venue's update time (the fetch time where it gives none); `period_hours` is
    ccxt's `interval`, else the market's funding interval, else null.
    """
    # One constructor of the final columns (see `ohlcv`): a snapshot is a row or a few.
    stamp = to_ms(now)
    frame = pl.DataFrame(
        {
            "provider": [PROVIDER] * len(rows),
            "exchange": [venue] * len(rows),
            "symbol": [row["symbol"] for row in rows],
            "base": [markets[row["symbol"]]["base"] for row in rows],
            "ts": [
                stamp if row.get("timestamp") is None else int(row["timestamp"]) for row in rows
            ],
            "value": [row.get("fundingRate") for row in rows],
            "period_hours": [
                _interval_hours(row.get("interval")) or period_hours(markets[row["symbol"]])
                for row in rows
            ],
        },
        schema=schema(Kind.FUNDING_RATE_SNAPSHOT),
    )
    return Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame)


def settlements(
    rows: list[dict[str, Any]],
    *,
    venue: str,
    market: Mapping[str, Any],
    lo: datetime,
    hi: datetime,
) -> Table[FundingSettlement]:
    """ccxt `FundingRateHistory` rows as `funding_settlement` rows inside `[lo, hi)`.

    `period_hours` is the market's funding interval where ccxt's market gives it; otherwise
    the spacing of settlements (the gap since the one before; for the first, to the one
    after), rounded to the hour; null for a lone settlement.
    """
    raw = pl.DataFrame(
        {
            "t": [row.get("timestamp") for row in rows],
            "rate": [row.get("fundingRate") for row in rows],
        },
        schema={"t": pl.Int64, "rate": pl.Float64},
    )
    frame = _within(raw, lo, hi).unique("t", keep="last").sort("t")
    given = period_hours(market)
    gap = pl.col("t").diff().fill_null(pl.col("t").diff().shift(-1))
    spacing = (gap / _HOUR_MS).round(0).cast(pl.Float64)
    frame = frame.with_columns(
        **_series(venue, market["symbol"], market["base"]),
        ts=_ts("t"),
        premium=pl.lit(None, pl.Float64),
        period_hours=pl.lit(given, pl.Float64) if given is not None else spacing,
    )
    return Table.from_frame(Kind.FUNDING_SETTLEMENT, frame)


_SHARES: Final = (("longAccount", "shortAccount"), ("buyRatio", "sellRatio"))
"""Where the venue's raw row gives the long and short shares (fractions of 1): Binance's
account ratio, Bybit's buy and sell ratio. Other venues give the ratio only."""


def _percentages(info: object) -> tuple[float | None, float | None]:
    """The long and short shares of a raw long/short row, in percent, where it gives them."""
    if isinstance(info, Mapping):
        for long, short in _SHARES:
            if info.get(long) is not None and info.get(short) is not None:
                return float(info[long]) * 100, float(info[short]) * 100
    return None, None


def long_short_ratios(
    rows: list[dict[str, Any]],
    *,
    venue: str,
    market: Mapping[str, Any],
    interval: Interval,
    lo: datetime,
    hi: datetime,
) -> Table[LongShortRatioBar]:
    """ccxt `LongShortRatio` rows as `long_short_ratio` bars inside `[lo, hi)`.

    `ratio` is ccxt's `longShortRatio`; `long_pct` and `short_pct` only where the venue's
    raw row gives the shares (see `_SHARES`), else null.
    """
    shares = [_percentages(row.get("info")) for row in rows]
    raw = pl.DataFrame(
        {
            "t": [row.get("timestamp") for row in rows],
            "ratio": [row.get("longShortRatio") for row in rows],
            "long_pct": [long for long, _ in shares],
            "short_pct": [short for _, short in shares],
        },
        schema={
            "t": pl.Int64,
            "ratio": pl.Float64,
            "long_pct": pl.Float64,
            "short_pct": pl.Float64,
        },
    )
    frame = _within(raw, lo, hi).with_columns(
        **_series(venue, market["symbol"], market["base"]),
        interval=pl.lit(interval.value),
        ts=_ts("t"),
    )
    return Table.from_frame(Kind.LONG_SHORT_RATIO, frame)


def _sign_side(amount: Any) -> str | None:
    """`long` for a positive position size, `short` for a negative one."""
    try:
        size = float(amount)
    except (TypeError, ValueError):
        return None
    return "long" if size > 0 else "short" if size < 0 else None


def _gate_side(row: Mapping[str, Any]) -> str | None:
    # ccxt's side is the sign of the liquidated position's size: `buy` for a long.
    return {"buy": "long", "sell": "short"}.get(str(row.get("side")))


def _htx_side(row: Mapping[str, Any]) -> str | None:
    # Linear swaps name the position (`position_side`); the others give only the side of
    # the liquidation order (`direction`, ccxt's side), which closes the opposite position.
    info = row.get("info")
    named = info.get("position_side") if isinstance(info, Mapping) else None
    if named in ("long", "short"):
        return str(named)
    return {"sell": "long", "buy": "short"}.get(str(row.get("side")))


def _bitfinex_side(row: Mapping[str, Any]) -> str | None:
    # ccxt's side is Bitfinex's IS_MATCH flag, not a side; the raw row's AMOUNT (index 5)
    # is the liquidated position's size, positive for a long.
    info = row.get("info")
    return _sign_side(info[5]) if isinstance(info, list) and len(info) > 5 else None


def _order_side(row: Mapping[str, Any]) -> str | None:
    # The side of the liquidation order, which closes the opposite position: a forced sell
    # liquidates a long (Binance's force orders).
    return {"sell": "long", "buy": "short"}.get(str(row.get("side")))


def _position_side(row: Mapping[str, Any]) -> str | None:
    # Bybit's liquidation stream states the position: "Buy" is a long liquidated.
    return {"buy": "long", "sell": "short"}.get(str(row.get("side")))


def _okx_side(row: Mapping[str, Any]) -> str | None:
    # OKX names the position (`posSide`) in long/short mode; in net mode it says `net`
    # and only the order's side tells.
    info = row.get("info")
    details = info.get("details") if isinstance(info, Mapping) else None
    named = details[0].get("posSide") if isinstance(details, list) and details else None
    if named in ("long", "short"):
        return str(named)
    return _order_side(row)


_SIDES: Final[dict[str, Callable[[Mapping[str, Any]], str | None]]] = {
    "gateio": _gate_side,
    "huobi": _htx_side,
    "bitfinex": _bitfinex_side,
    "binance": _order_side,
    "bybit": _position_side,
    "okx": _okx_side,
}
"""How each venue states the side of a liquidation, read as the side of the position."""


def liquidation_side(venue: str, row: Mapping[str, Any]) -> str | None:
    """The side (`long`/`short`) of the position a ccxt `Liquidation` row liquidated.

    Examples:
        >>> liquidation_side("huobi", {"side": "sell", "info": {"direction": "sell"}})
        'long'
        >>> liquidation_side("bitfinex", {"side": "buy", "info": ["pos", 1, 2, None, "t", -8]})
        'short'
    """
    side = _SIDES.get(venue)
    return side(row) if side is not None else None


_IDS: Final = {"huobi": ("id", "query_id"), "bitfinex": (1,)}
"""Where the venue's raw row holds the event's id (HTX: by name; Bitfinex: the position id)."""


def event_id(venue: str, info: Any) -> str:
    """The venue's id of a liquidation, else a deterministic one derived from the raw row.

    The derived id is the first 16 hex digits of the SHA-256 of the raw row as canonical
    JSON (sorted keys, no spaces), so two different liquidations in one millisecond stay
    apart and the same one always gets the same id.

    Examples:
        >>> event_id("huobi", {"id": "150153038758"})
        '150153038758'
        >>> event_id("gateio", {"time": 1696736132, "size": -165})
        '856dc1e4a2424ef1'
    """
    for where in _IDS.get(venue, ()):
        try:
            found = info[where]
        except (KeyError, IndexError, TypeError):
            continue
        if found is not None:
            return str(found)
    canonical = json.dumps(info, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _sizes(row: Mapping[str, Any], market: Mapping[str, Any]) -> tuple[Any, Any]:
    """A liquidation's amount in base and value in quote: ccxt's, else from its contracts."""
    amount, value = row.get("baseValue"), row.get("quoteValue")
    contracts, price = row.get("contracts"), row.get("price")
    size = market.get("contractSize") or 1
    if amount is None and value is None and contracts is not None and price:
        if market.get("inverse"):
            value = float(contracts) * float(size)
            amount = value / float(price)
        else:
            amount = float(contracts) * float(size)
            value = amount * float(price)
    return amount, value


def liquidation_events(
    rows: list[dict[str, Any]],
    *,
    venue: str,
    market: Mapping[str, Any],
    lo: datetime | None = None,
    hi: datetime | None = None,
    endpoint: str = LIQUIDATIONS,
) -> Table[LiquidationEvent]:
    """ccxt `Liquidation` rows as `liquidation_events` (inside `[lo, hi)` when given).

    `side` is the side of the liquidated position (see `liquidation_side`); `amount` is
    ccxt's `baseValue` (contracts times contract size) in `base`; `value` its `quoteValue`.

    Raises:
        ResponseFormatError: For a row whose side the venue's answer does not state (the
            error names `endpoint`).
    """
    sides = [liquidation_side(venue, row) for row in rows]
    if None in sides:
        raise ResponseFormatError(
            f"{venue} sent a liquidation whose position side is not stated",
            provider=PROVIDER,
            endpoint=endpoint,
            body=str(rows[sides.index(None)].get("info"))[:200],
        )
    sizes = [_sizes(row, market) for row in rows]
    raw = pl.DataFrame(
        {
            "t": [row.get("timestamp") for row in rows],
            "event_id": [event_id(venue, row.get("info")) for row in rows],
            "side": sides,
            "price": [row.get("price") for row in rows],
            "amount": [amount for amount, _ in sizes],
            "value": [value for _, value in sizes],
        },
        schema={
            "t": pl.Int64,
            "event_id": pl.String,
            "side": pl.String,
            "price": pl.Float64,
            "amount": pl.Float64,
            "value": pl.Float64,
        },
    )
    frame = _within(raw, lo, hi).with_columns(
        **_series(venue, market["symbol"], market["base"]), ts=_ts("t"), unit=pl.lit("base")
    )
    return Table.from_frame(Kind.LIQUIDATION_EVENTS, frame)


def trades(rows: list[dict[str, Any]], *, venue: str, market: Mapping[str, Any]) -> Table[Trade]:
    """ccxt `Trade` rows as `trades`: `side` the taker's, `amount` in the market's size unit.

    A trade without the venue's id gets one derived from its raw row, as liquidations do
    (`event_id`), so the key still tells trades in one millisecond apart.
    """
    frame = pl.DataFrame(
        {
            "t": [row.get("timestamp") for row in rows],
            "trade_id": [
                str(row["id"]) if row.get("id") is not None else event_id(venue, row.get("info"))
                for row in rows
            ],
            "side": [row.get("side") for row in rows],
            "price": [row.get("price") for row in rows],
            "amount": [row.get("amount") for row in rows],
        },
        schema={
            "t": pl.Int64,
            "trade_id": pl.String,
            "side": pl.String,
            "price": pl.Float64,
            "amount": pl.Float64,
        },
    ).with_columns(
        **_series(venue, market["symbol"], market["base"]),
        ts=_ts("t"),
        unit=pl.lit(volume_unit(market)),
    )
    return Table.from_frame(Kind.TRADES, frame)


_TYPES: Final = {"swap": "future", "future": "future", "spot": "spot", "option": "option"}


def markets(catalogue: Mapping[str, Mapping[str, Any]], *, venue: str) -> Table[Market]:
    """ccxt's loaded markets as the canonical `markets` table.

    `symbol` is ccxt's unified symbol and `symbol_on_exchange` the venue's id; swaps are
    `future` rows with `is_perpetual`; `margined` is the settle currency (the quote for a
    linear contract, the base for an inverse one); `expire_at` the expiry of dated futures;
    `unit` the unit of the market's sizes (see `volume_unit`).
    """
    entries = list(catalogue.values())
    frame = pl.DataFrame(
        {
            "symbol": [m["symbol"] for m in entries],
            "symbol_on_exchange": [str(m.get("id")) for m in entries],
            "base": [m.get("base") or "" for m in entries],
            "quote": [m.get("quote") or "" for m in entries],
            "market_type": [_TYPES.get(str(m.get("type")), str(m.get("type"))) for m in entries],
            "is_perpetual": [m.get("type") == "swap" for m in entries],
            "margined": [m.get("settle") for m in entries],
            "expiry": [m.get("expiry") for m in entries],
            "unit": [volume_unit(m) for m in entries],
            "contract_size": [
                float(m["contractSize"]) if m.get("contractSize") is not None else None
                for m in entries
            ],
        },
        schema={
            "symbol": pl.String,
            "symbol_on_exchange": pl.String,
            "base": pl.String,
            "quote": pl.String,
            "market_type": pl.String,
            "is_perpetual": pl.Boolean,
            "margined": pl.String,
            "expiry": pl.Int64,
            "unit": pl.String,
            "contract_size": pl.Float64,
        },
    ).with_columns(
        provider=pl.lit(PROVIDER),
        exchange=pl.lit(venue),
        expire_at=_ts("expiry"),
        has_long_short_ratio_data=pl.lit(False),
        has_ohlcv_data=pl.lit(True),
        has_buy_sell_data=pl.lit(False),
        max_leverage=pl.lit(None, pl.Float64),
        size_decimals=pl.lit(None, pl.Int64),
    )
    return Table.from_frame(Kind.MARKETS, frame.sort("symbol"))
