"""DefiLlama answers -> columns: the catalogues, and every history as `(seconds, value)` points.

Decoded with msgspec into structs shaped as `shared/providers/defillama.md` documents them,
quirks included: timestamps are Unix seconds everywhere, integers in the TVL and overview
charts but strings in the stablecoin and bridge charts; stablecoin amounts come per peg
(`peggedUSD`, `peggedEUR`, ...) and are summed; optional fields are optional. An answer of
another shape is a `ResponseFormatError` naming the endpoint.

Examples:
    >>> from cryptodata.core.request import Response
    >>> body = b'[{"date":"1609459200","totalCirculatingUSD":{"peggedUSD":4.0,"peggedEUR":1.5}}]'
    >>> parse_stablecoin_chart(Response(200, body=body)).values
    [5.5]
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs
import msgspec
import polars as pl

from cryptodata.core.errors import ResponseFormatError, excerpt
from cryptodata.core.request import Response

__all__ = [
    "Points",
    "parse_bridge_volume",
    "parse_chain_tvl",
    "parse_chains",
    "parse_dimension",
    "parse_price_chart",
    "parse_prices",
    "parse_protocol_tvl",
    "parse_protocols",
    "parse_stablecoin_chart",
    "parse_stablecoins",
]

T = TypeVar("T")
_Stamp = int | float | str
_Id = int | str | None


@attrs.frozen
class Points:
    """One series as an answer holds it: Unix seconds and values (`None` for a gap)."""

    seconds: list[int]
    values: list[float | None]


class _Chain(msgspec.Struct):
    name: str = ""
    gecko_id: str | None = None
    tokenSymbol: str | None = None  # noqa: N815 (the API's field name)
    cmcId: _Id = None  # noqa: N815
    chainId: _Id = None  # noqa: N815
    tvl: float | None = None


class _Protocol(msgspec.Struct):
    id: _Id = None
    name: str | None = None
    slug: str | None = None
    symbol: str | None = None
    category: str | None = None
    chains: list[str] = []
    gecko_id: str | None = None
    cmcId: _Id = None  # noqa: N815
    tvl: float | None = None
    parentProtocol: str | None = None  # noqa: N815


class _Stablecoin(msgspec.Struct):
    id: _Id = None
    name: str | None = None
    symbol: str | None = None
    gecko_id: str | None = None
    pegType: str | None = None  # noqa: N815
    pegMechanism: str | None = None  # noqa: N815
    chains: list[str] = []


class _Stablecoins(msgspec.Struct):
    peggedAssets: list[_Stablecoin]  # noqa: N815


class _TvlPoint(msgspec.Struct):
    date: _Stamp
    tvl: float | None = None


class _LiquidityPoint(msgspec.Struct):
    date: _Stamp
    totalLiquidityUSD: float | None = None  # noqa: N815


class _ProtocolHistory(msgspec.Struct):
    tvl: list[_LiquidityPoint] = []


class _Dimension(msgspec.Struct):
    totalDataChart: list[tuple[_Stamp, float | None]] = []  # noqa: N815


class _StablecoinPoint(msgspec.Struct):
    date: _Stamp
    totalCirculatingUSD: dict[str, float | None] | None = None  # noqa: N815


class _BridgePoint(msgspec.Struct):
    date: _Stamp
    depositUSD: float | None = None  # noqa: N815
    withdrawUSD: float | None = None  # noqa: N815


class _PricePoint(msgspec.Struct):
    timestamp: _Stamp
    price: float | None = None


class _CoinChart(msgspec.Struct):
    prices: list[_PricePoint] = []


class _Charts(msgspec.Struct):
    coins: dict[str, _CoinChart] = {}


class _Quote(msgspec.Struct):
    price: float | None = None
    symbol: str | None = None
    timestamp: _Stamp | None = None
    confidence: float | None = None
    decimals: int | None = None


class _Quotes(msgspec.Struct):
    coins: dict[str, _Quote] = {}


def _decode(response: Response, shape: type[T]) -> T:
    try:
        return msgspec.json.decode(response.body, type=shape)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _format_error(response, f"unexpected answer ({exc})") from None


def _format_error(response: Response, message: str) -> ResponseFormatError:
    return ResponseFormatError(
        message, provider=response.provider, endpoint=response.label, body=excerpt(response.body)
    )


def _seconds(response: Response, stamp: _Stamp | None) -> int:
    # Stablecoin and bridge charts send their dates as strings of seconds.
    try:
        return int(float(stamp)) if stamp is not None else _missing(response)
    except ValueError:
        raise _format_error(response, f"a date is not Unix seconds: {stamp!r}") from None


def _missing(response: Response) -> int:
    raise _format_error(response, "a point has no date")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_chains(response: Response) -> pl.DataFrame:
    """`/v2/chains` as a frame: `name gecko_id token_symbol cmc_id chain_id tvl`."""
    rows = _decode(response, list[_Chain])
    return pl.DataFrame(
        {
            "name": [row.name for row in rows],
            "gecko_id": [row.gecko_id for row in rows],
            "token_symbol": [row.tokenSymbol for row in rows],
            "cmc_id": [_text(row.cmcId) for row in rows],
            "chain_id": [_text(row.chainId) for row in rows],
            "tvl": [row.tvl for row in rows],
        },
        schema={
            "name": pl.String,
            "gecko_id": pl.String,
            "token_symbol": pl.String,
            "cmc_id": pl.String,
            "chain_id": pl.String,
            "tvl": pl.Float64,
        },
    )


def parse_protocols(response: Response) -> pl.DataFrame:
    """`/protocols` as a frame: `id name slug symbol category chains gecko_id cmc_id tvl parent`.

    Blank names and slugs are kept blank (as `None`): the catalogue decides what names them.
    """
    rows = _decode(response, list[_Protocol])
    return pl.DataFrame(
        {
            "id": [_text(row.id) for row in rows],
            "name": [row.name or None for row in rows],
            "slug": [row.slug or None for row in rows],
            "symbol": [row.symbol for row in rows],
            "category": [row.category for row in rows],
            "chains": [row.chains for row in rows],
            "gecko_id": [row.gecko_id or None for row in rows],
            "cmc_id": [_text(row.cmcId) for row in rows],
            "tvl": [row.tvl for row in rows],
            "parent": [row.parentProtocol for row in rows],
        },
        schema={
            "id": pl.String,
            "name": pl.String,
            "slug": pl.String,
            "symbol": pl.String,
            "category": pl.String,
            "chains": pl.List(pl.String),
            "gecko_id": pl.String,
            "cmc_id": pl.String,
            "tvl": pl.Float64,
            "parent": pl.String,
        },
    )


def parse_stablecoins(response: Response) -> pl.DataFrame:
    """`/stablecoins` as a frame: `id name symbol gecko_id peg_type peg_mechanism chains`.

    `id` is text here, though the charts take it as an integer query parameter.
    """
    rows = _decode(response, _Stablecoins).peggedAssets
    return pl.DataFrame(
        {
            "id": [_text(row.id) for row in rows],
            "name": [row.name for row in rows],
            "symbol": [row.symbol for row in rows],
            "gecko_id": [row.gecko_id or None for row in rows],
            "peg_type": [row.pegType for row in rows],
            "peg_mechanism": [row.pegMechanism for row in rows],
            "chains": [row.chains for row in rows],
        },
        schema={
            "id": pl.String,
            "name": pl.String,
            "symbol": pl.String,
            "gecko_id": pl.String,
            "peg_type": pl.String,
            "peg_mechanism": pl.String,
            "chains": pl.List(pl.String),
        },
    )


def parse_chain_tvl(response: Response) -> Points:
    """`/v2/historicalChainTvl/{chain}`: `[{date, tvl}]`."""
    rows = _decode(response, list[_TvlPoint])
    return Points([_seconds(response, row.date) for row in rows], [row.tvl for row in rows])


def parse_protocol_tvl(response: Response) -> Points:
    """`/protocol/{slug}`: its `tvl` list of `{date, totalLiquidityUSD}`."""
    rows = _decode(response, _ProtocolHistory).tvl
    return Points(
        [_seconds(response, row.date) for row in rows], [row.totalLiquidityUSD for row in rows]
    )


def parse_dimension(response: Response) -> Points:
    """An overview or summary answer: its `totalDataChart` of `[seconds, value]` pairs."""
    rows = _decode(response, _Dimension).totalDataChart
    return Points([_seconds(response, stamp) for stamp, _ in rows], [value for _, value in rows])


def parse_stablecoin_chart(response: Response) -> Points:
    """`/stablecoincharts/...`: `totalCirculatingUSD` summed over its pegs, per date."""
    rows = _decode(response, list[_StablecoinPoint])
    return Points(
        [_seconds(response, row.date) for row in rows],
        [_sum((row.totalCirculatingUSD or {}).values()) for row in rows],
    )


def parse_bridge_volume(response: Response) -> Points:
    """`/bridges/bridgevolume/{chain}`: deposits plus withdrawals in USD, per date."""
    rows = _decode(response, list[_BridgePoint])
    return Points(
        [_seconds(response, row.date) for row in rows],
        [_sum((row.depositUSD, row.withdrawUSD)) for row in rows],
    )


def parse_price_chart(response: Response) -> dict[str, Points]:
    """`/chart/{coins}`: each coin's `prices` (coins DefiLlama does not know are absent)."""
    charts = _decode(response, _Charts).coins
    return {
        coin: Points(
            [_seconds(response, point.timestamp) for point in chart.prices],
            [point.price for point in chart.prices],
        )
        for coin, chart in charts.items()
    }


def parse_prices(response: Response) -> pl.DataFrame:
    """`/prices/current/...` or `/prices/historical/...`: one row per coin DefiLlama knows.

    Columns `coin symbol price decimals confidence ts` (`ts` the quote's time, UTC ms).
    """
    quotes = _decode(response, _Quotes).coins
    frame = pl.DataFrame(
        {
            "coin": list(quotes),
            "symbol": [quote.symbol for quote in quotes.values()],
            "price": [quote.price for quote in quotes.values()],
            "decimals": [quote.decimals for quote in quotes.values()],
            "confidence": [quote.confidence for quote in quotes.values()],
            "ts": [
                None if quote.timestamp is None else _seconds(response, quote.timestamp) * 1000
                for quote in quotes.values()
            ],
        },
        schema={
            "coin": pl.String,
            "symbol": pl.String,
            "price": pl.Float64,
            "decimals": pl.Int64,
            "confidence": pl.Float64,
            "ts": pl.Int64,
        },
    )
    return frame.with_columns(pl.col("ts").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"))


def _sum(values: Any) -> float | None:
    present = [value for value in values if value is not None]
    return float(sum(present)) if present else None
