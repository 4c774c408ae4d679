"""Coinalyze response bodies → polars frames, through typed columns (msgspec), never row dicts.

Each parser validates the body's shape while decoding; anything else is a
[`ResponseFormatError`][cryptodata.ResponseFormatError] naming the endpoint. Frames come out
with raw Coinalyze values (`t` in seconds, funding in percent); the client turns them into the
canonical schema.
"""

from __future__ import annotations

import functools
import itertools
from operator import attrgetter
from typing import Any, Final, TypeVar

import msgspec
import polars as pl

from cryptodata.core.errors import ResponseFormatError, excerpt

from .endpoints import PROVIDER, Endpoint

__all__ = [
    "parse_exchanges",
    "parse_future_markets",
    "parse_history",
    "parse_snapshot",
    "parse_spot_markets",
]

S = TypeVar("S")


class _Snapshot(msgspec.Struct, gc=False):
    symbol: str
    value: float | None = None
    update: int | None = None


class _Exchange(msgspec.Struct):
    name: str
    code: str


class _FutureMarket(msgspec.Struct):
    symbol: str
    exchange: str
    symbol_on_exchange: str
    base_asset: str
    quote_asset: str
    is_perpetual: bool = False
    margined: str | None = None
    expire_at: int | None = None
    oi_lq_vol_denominated_in: str | None = None
    has_long_short_ratio_data: bool = False
    has_ohlcv_data: bool = False
    has_buy_sell_data: bool = False


class _SpotMarket(msgspec.Struct):
    symbol: str
    exchange: str
    symbol_on_exchange: str
    base_asset: str
    quote_asset: str
    has_buy_sell_data: bool = False


_SNAPSHOTS: Final = msgspec.json.Decoder(list[_Snapshot])
_EXCHANGES: Final = msgspec.json.Decoder(list[_Exchange])
_FUTURES: Final = msgspec.json.Decoder(list[_FutureMarket])
_SPOTS: Final = msgspec.json.Decoder(list[_SpotMarket])


@functools.cache
def _history_decoder(endpoint: Endpoint) -> msgspec.json.Decoder[list[Any]]:
    """A decoder whose bar struct holds exactly the endpoint's fields: fewer slots, faster decoding."""
    point = msgspec.defstruct(
        "Point",
        [("t", int), *((field, float | None, None) for field, _ in endpoint.fields)],
        gc=False,
    )
    series = msgspec.defstruct("Series", [("symbol", str), ("history", list[point], [])], gc=False)  # type: ignore[valid-type]
    return msgspec.json.Decoder(list[series])  # type: ignore[valid-type]


def _decode(decoder: msgspec.json.Decoder[list[S]], body: bytes, path: str) -> list[S]:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise ResponseFormatError(
            str(exc), provider=PROVIDER, endpoint=path, body=excerpt(body)
        ) from None


def parse_history(endpoint: Endpoint, body: bytes) -> pl.DataFrame:
    """Decode a history body into `symbol`, `t` (UNIX seconds) and the endpoint's columns.

    Examples:
        >>> from cryptodata.providers.coinalyze.endpoints import LIQUIDATION_HISTORY
        >>> parse_history(LIQUIDATION_HISTORY, b'[{"symbol":"BTC.H","history":[{"t":60,"l":1,"s":2.5}]}]').row(0)
        ('BTC.H', 60, 1.0, 2.5)
    """
    series = _decode(_history_decoder(endpoint), body, endpoint.path)
    points = list(itertools.chain.from_iterable(entry.history for entry in series))
    counts = pl.Series([len(entry.history) for entry in series], dtype=pl.UInt32)
    symbols = pl.Series("symbol", [entry.symbol for entry in series], dtype=pl.String)
    columns: dict[str, Any] = {
        "symbol": symbols.repeat_by(counts).explode() if points else symbols.clear(),
        "t": pl.Series("t", list(map(attrgetter("t"), points)), dtype=pl.Int64),
    }
    for field, column in endpoint.fields:
        columns[column] = pl.Series(column, list(map(attrgetter(field), points)), dtype=pl.Float64)
    return pl.DataFrame(columns)


def parse_snapshot(endpoint: Endpoint, body: bytes) -> pl.DataFrame:
    """Decode a current-value body into `symbol`, `update` (UNIX ms) and `value`."""
    rows = _decode(_SNAPSHOTS, body, endpoint.path)
    return pl.DataFrame(
        {
            "symbol": [row.symbol for row in rows],
            "update": [row.update for row in rows],
            "value": [row.value for row in rows],
        },
        schema={"symbol": pl.String, "update": pl.Int64, "value": pl.Float64},
    )


def parse_exchanges(body: bytes) -> pl.DataFrame:
    """Decode `/exchanges` into `code` and `display_name`."""
    rows = _decode(_EXCHANGES, body, "/exchanges")
    return pl.DataFrame(
        {"code": [row.code for row in rows], "display_name": [row.name for row in rows]},
        schema={"code": pl.String, "display_name": pl.String},
    )


_UNITS: Final = {"BASE_ASSET": "base", "QUOTE_ASSET": "quote", "CONTRACTS": "contracts"}


def _unit(denominated_in: str | None) -> str:
    # Spot markets carry no unit field; their volume is in the base asset.
    if denominated_in is None:
        return "base"
    return _UNITS.get(denominated_in, denominated_in.lower())


_MARKET_SCHEMA: Final = {
    "symbol": pl.String,
    "exchange_code": pl.String,
    "symbol_on_exchange": pl.String,
    "base": pl.String,
    "quote": pl.String,
    "market_type": pl.String,
    "is_perpetual": pl.Boolean,
    "margined": pl.String,
    "expire_at": pl.Int64,
    "unit": pl.String,
    "has_long_short_ratio_data": pl.Boolean,
    "has_ohlcv_data": pl.Boolean,
    "has_buy_sell_data": pl.Boolean,
}


def parse_future_markets(body: bytes) -> pl.DataFrame:
    """Decode `/future-markets`; `expire_at` of 0 or null becomes null (perpetuals)."""
    rows = _decode(_FUTURES, body, "/future-markets")
    return pl.DataFrame(
        [
            (
                m.symbol,
                m.exchange,
                m.symbol_on_exchange,
                m.base_asset,
                m.quote_asset,
                "future",
                m.is_perpetual,
                m.margined,
                m.expire_at or None,
                _unit(m.oi_lq_vol_denominated_in),
                m.has_long_short_ratio_data,
                m.has_ohlcv_data,
                m.has_buy_sell_data,
            )
            for m in rows
        ],
        schema=_MARKET_SCHEMA,
        orient="row",
    )


def parse_spot_markets(body: bytes) -> pl.DataFrame:
    """Decode `/spot-markets`; spot markets have OHLCV and no long/short ratio."""
    rows = _decode(_SPOTS, body, "/spot-markets")
    return pl.DataFrame(
        [
            (
                m.symbol,
                m.exchange,
                m.symbol_on_exchange,
                m.base_asset,
                m.quote_asset,
                "spot",
                False,
                None,
                None,
                _unit(None),
                False,
                True,
                m.has_buy_sell_data,
            )
            for m in rows
        ],
        schema=_MARKET_SCHEMA,
        orient="row",
    )
