"""Hyperliquid answers → raw columns: candles, funding, universes, asset contexts, predictions.

Prices, sizes and rates come as JSON strings (`"markPx": "14.3161"`); each is read with
`float()`, which rounds the decimal text to the nearest double exactly once. A field that is a
number where a string was expected is taken as it is (the API has changed shapes before), a
`null` stays null, and anything else is a `ResponseFormatError`
naming the endpoint. Times are epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

import msgspec
import polars as pl

from cryptodata.core.errors import ResponseFormatError, excerpt

from .endpoints import PROVIDER

__all__ = [
    "parse_candles",
    "parse_context",
    "parse_contexts",
    "parse_funding",
    "parse_predicted",
    "parse_spot_meta",
]

Number = str | float | None
"""A decimal as Hyperliquid sends it: text, or now and then a JSON number or null."""

S = TypeVar("S")


class _Candle(msgspec.Struct, gc=False):
    t: int
    T: int
    s: str
    i: str
    o: Number
    c: Number
    h: Number
    l: Number  # noqa: E741 - Hyperliquid's own field name
    v: Number
    n: int | None = None


class _Funding(msgspec.Struct, gc=False):
    coin: str
    fundingRate: Number  # noqa: N815 - the API's field names
    time: int
    premium: Number = None


class _Asset(msgspec.Struct, gc=False):
    name: str
    szDecimals: int = 0  # noqa: N815
    maxLeverage: int | None = None  # noqa: N815
    isDelisted: bool = False  # noqa: N815
    onlyIsolated: bool = False  # noqa: N815


class _Meta(msgspec.Struct, gc=False):
    universe: list[_Asset]


class _Context(msgspec.Struct, gc=False):
    markPx: Number = None  # noqa: N815
    oraclePx: Number = None  # noqa: N815
    midPx: Number = None  # noqa: N815
    prevDayPx: Number = None  # noqa: N815
    impactPxs: list[Number] | None = None  # noqa: N815
    funding: Number = None
    premium: Number = None
    openInterest: Number = None  # noqa: N815
    dayNtlVlm: Number = None  # noqa: N815
    dayBaseVlm: Number = None  # noqa: N815


class _Token(msgspec.Struct, gc=False):
    name: str
    index: int
    szDecimals: int = 0  # noqa: N815


class _Pair(msgspec.Struct, gc=False):
    name: str
    tokens: list[int]
    index: int


class _SpotMeta(msgspec.Struct, gc=False):
    tokens: list[_Token]
    universe: list[_Pair]


class _Prediction(msgspec.Struct, gc=False):
    fundingRate: Number  # noqa: N815
    nextFundingTime: int | None = None  # noqa: N815
    fundingIntervalHours: float | None = None  # noqa: N815


_CANDLES: Final = msgspec.json.Decoder(list[_Candle])
_FUNDING: Final = msgspec.json.Decoder(list[_Funding])
_META_AND_CONTEXTS: Final = msgspec.json.Decoder(tuple[_Meta, list[_Context]])
_SPOT_META_AND_CONTEXTS: Final = msgspec.json.Decoder(tuple[_SpotMeta, list[_Context]])
_SPOT_META: Final = msgspec.json.Decoder(_SpotMeta)
_CONTEXT: Final = msgspec.json.Decoder(_Context)
_PREDICTED: Final = msgspec.json.Decoder(list[tuple[str, list[tuple[str, _Prediction | None]]]])


def _decode(decoder: msgspec.json.Decoder[S], body: bytes, endpoint: str) -> S:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise ResponseFormatError(
            str(exc), provider=PROVIDER, endpoint=endpoint, body=excerpt(body)
        ) from None


def _floats(values: Sequence[Number], field: str, endpoint: str) -> pl.Series:
    try:
        return pl.Series(
            field, [None if value is None else float(value) for value in values], pl.Float64
        )
    except ValueError as exc:
        raise ResponseFormatError(
            f"{field} holds a value that is not a number ({exc})",
            provider=PROVIDER,
            endpoint=endpoint,
        ) from None


def parse_candles(body: bytes) -> pl.DataFrame:
    """A `candleSnapshot` answer as `t` (open time, ms), `o h l c v` and `n` (trade count).

    Raises:
        ResponseFormatError: The body is not a list of candles, or a price is not a number.

    Examples:
        >>> body = b'[{"t":1,"T":59999,"s":"BTC","i":"1m","o":"1.5","c":"2","h":"2","l":"1","v":"0.1","n":3}]'
        >>> parse_candles(body).row(0)
        (1, 1.5, 2.0, 1.0, 2.0, 0.1, 3)
    """
    endpoint = "info candleSnapshot"
    candles = _decode(_CANDLES, body, endpoint)
    columns = {
        "t": pl.Series("t", [candle.t for candle in candles], pl.Int64),
        **{
            name: _floats([getattr(candle, field) for candle in candles], name, endpoint)
            for field, name in (("o", "open"), ("h", "high"), ("l", "low"), ("c", "close"))
        },
        "volume": _floats([candle.v for candle in candles], "volume", endpoint),
        "trades": pl.Series("trades", [candle.n for candle in candles], pl.Int64),
    }
    return pl.DataFrame(columns)


def parse_funding(body: bytes) -> pl.DataFrame:
    """A `fundingHistory` answer as `coin`, `time` (ms, as sent), `rate` and `premium`.

    Examples:
        >>> body = b'[{"coin":"ETH","fundingRate":"-0.00022196","premium":"-0.0005","time":1683849600076}]'
        >>> parse_funding(body).row(0)
        ('ETH', 1683849600076, -0.00022196, -0.0005)
    """
    endpoint = "info fundingHistory"
    rows = _decode(_FUNDING, body, endpoint)
    return pl.DataFrame(
        {
            "coin": pl.Series("coin", [row.coin for row in rows], pl.String),
            "time": pl.Series("time", [row.time for row in rows], pl.Int64),
            "rate": _floats([row.fundingRate for row in rows], "rate", endpoint),
            "premium": _floats([row.premium for row in rows], "premium", endpoint),
        }
    )


def parse_contexts(body: bytes, *, spot: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A `metaAndAssetCtxs` (or `spotMetaAndAssetCtxs`) answer: the universe and its contexts.

    The contexts carry no coin name: the `i`-th belongs to the `i`-th asset of the universe,
    so both frames come in that order and the caller zips them. Perp universes list delisted
    coins too (`delisted`); spot universes are pairs, named through `parse_spot_meta`.

    Returns:
        The universe (perps: `coin, size_decimals, max_leverage, delisted, only_isolated`;
        spot: `coin, base, quote, index`), one row per asset in index order, and the contexts
        (`mark_price ... day_volume_base`), one row per asset.

    Raises:
        ResponseFormatError: The answer is not `[meta, contexts]` of equal lengths.
    """
    endpoint = "info spotMetaAndAssetCtxs" if spot else "info metaAndAssetCtxs"
    if spot:
        spot_meta, contexts = _decode(_SPOT_META_AND_CONTEXTS, body, endpoint)
        universe = _pairs(spot_meta)
    else:
        meta, contexts = _decode(_META_AND_CONTEXTS, body, endpoint)
        universe = _perps(meta.universe)
    if len(contexts) != universe.height:
        raise ResponseFormatError(
            f"{len(contexts)} contexts for {universe.height} assets; they are matched by "
            "position, so the answer cannot be read",
            provider=PROVIDER,
            endpoint=endpoint,
            body=excerpt(body),
        )
    return universe, _contexts(contexts, endpoint)


def _perps(assets: list[_Asset]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "coin": [asset.name for asset in assets],
            "size_decimals": [asset.szDecimals for asset in assets],
            "max_leverage": [asset.maxLeverage for asset in assets],
            "delisted": [asset.isDelisted for asset in assets],
            "only_isolated": [asset.onlyIsolated for asset in assets],
        },
        schema={
            "coin": pl.String,
            "size_decimals": pl.Int64,
            "max_leverage": pl.Float64,
            "delisted": pl.Boolean,
            "only_isolated": pl.Boolean,
        },
    )


def _impact(values: list[Number] | None, side: int) -> Number:
    return values[side] if values is not None and len(values) == 2 else None


def _contexts(contexts: list[_Context], endpoint: str) -> pl.DataFrame:
    fields = {
        "mark_price": [c.markPx for c in contexts],
        "oracle_price": [c.oraclePx for c in contexts],
        "mid_price": [c.midPx for c in contexts],
        "prev_day_price": [c.prevDayPx for c in contexts],
        "impact_bid": [_impact(c.impactPxs, 0) for c in contexts],
        "impact_ask": [_impact(c.impactPxs, 1) for c in contexts],
        "funding_rate": [c.funding for c in contexts],
        "premium": [c.premium for c in contexts],
        "open_interest": [c.openInterest for c in contexts],
        "day_volume_usd": [c.dayNtlVlm for c in contexts],
        "day_volume_base": [c.dayBaseVlm for c in contexts],
    }
    return pl.DataFrame([_floats(values, name, endpoint) for name, values in fields.items()])


def parse_context(body: bytes, endpoint: str = "activeAssetCtx") -> pl.DataFrame:
    """One asset context object (a websocket `activeAssetCtx` push's `ctx`) as one row.

    Examples:
        >>> parse_context(b'{"markPx":"2.5","midPx":null,"openInterest":"4"}').select(
        ...     "mark_price", "mid_price", "open_interest").row(0)
        (2.5, None, 4.0)
    """
    return _contexts([_decode(_CONTEXT, body, endpoint)], endpoint)


def parse_spot_meta(body: bytes) -> pl.DataFrame:
    """A `spotMeta` answer as one row per pair: `coin` (`@107`, `PURR/USDC`), `base`, `quote`.

    The pair's own `name` is what requests send; `base` and `quote` are its tokens' names.

    Examples:
        >>> body = (b'{"tokens":[{"name":"USDC","index":0},{"name":"PURR","index":1}],'
        ...         b'"universe":[{"name":"PURR/USDC","tokens":[1,0],"index":0}]}')
        >>> parse_spot_meta(body).row(0)
        ('PURR/USDC', 'PURR', 'USDC', 0)
    """
    return _pairs(_decode(_SPOT_META, body, "info spotMeta"))


def _pairs(meta: _SpotMeta) -> pl.DataFrame:
    names = {token.index: token.name for token in meta.tokens}
    rows = [
        (pair.name, names.get(pair.tokens[0]), names.get(pair.tokens[1]), pair.index)
        for pair in meta.universe
        if len(pair.tokens) == 2
    ]
    return pl.DataFrame(
        rows,
        schema={"coin": pl.String, "base": pl.String, "quote": pl.String, "index": pl.Int64},
        orient="row",
    )


_VENUES: Final = {"HlPerp": "hyperliquid", "BinPerp": "binance", "BybitPerp": "bybit"}
"""Hyperliquid's venue keys → canonical venue names."""
_PERIOD_HOURS: Final = {"hyperliquid": 1.0}
"""Funding periods where the answer does not say: Hyperliquid settles hourly; the others'
default is 8 hours, but their period varies by market, so it is left unknown."""


def parse_predicted(body: bytes) -> pl.DataFrame:
    """A `predictedFundings` answer: `coin`, `venue` (canonical), `rate`, `next_funding`, `period_hours`.

    Venues answering `null` are left out rather than given null rates; unknown venue keys are
    kept, lower-cased, with the `Perp` suffix dropped.

    Examples:
        >>> body = b'[["BTC",[["HlPerp",{"fundingRate":"0.0000125","nextFundingTime":1733958000000}],["BinPerp",null]]]]'
        >>> parse_predicted(body).rows()
        [('BTC', 'hyperliquid', 1.25e-05, 1733958000000, 1.0)]
    """
    endpoint = "info predictedFundings"
    rows: list[tuple[str, str, Number, int | None, float | None]] = []
    for coin, venues in _decode(_PREDICTED, body, endpoint):
        for key, prediction in venues:
            if prediction is None:
                continue
            venue = _VENUES.get(key, key.removesuffix("Perp").lower())
            period = prediction.fundingIntervalHours or _PERIOD_HOURS.get(venue)
            rows.append((coin, venue, prediction.fundingRate, prediction.nextFundingTime, period))
    return pl.DataFrame(
        {
            "coin": pl.Series([row[0] for row in rows], dtype=pl.String),
            "venue": pl.Series([row[1] for row in rows], dtype=pl.String),
            "rate": _floats([row[2] for row in rows], "rate", endpoint),
            "next_funding": pl.Series([row[3] for row in rows], dtype=pl.Int64),
            "period_hours": pl.Series([row[4] for row in rows], dtype=pl.Float64),
        }
    )
