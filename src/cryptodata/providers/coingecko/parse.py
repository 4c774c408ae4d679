"""CoinGecko response bodies → typed rows (msgspec), validated while decoding.

A body that is not what the API documents is a
`ResponseFormatError` naming the endpoint, except CoinGecko's
error envelope `{"status": {"error_code": ..., "error_message": ...}}`: some error answers come
with HTTP 200, so a successful status does not prove success, and the envelope becomes the typed
error it stands for.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

import attrs
import msgspec
import polars as pl

from cryptodata.core.errors import ResponseFormatError, excerpt
from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import MetricMap
from cryptodata.core.request import Response
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table

from .endpoints import CATEGORIES_PATH, MARKETS_PATH, PROVIDER, VS_CURRENCY, envelope_error

__all__ = [
    "AGGREGATE_VENUE",
    "CATEGORY_SCHEMA",
    "Category",
    "CoinDetails",
    "MarketCoin",
    "categories_frame",
    "parse_categories",
    "parse_coin",
    "parse_market_chart",
    "parse_markets",
    "parse_ohlc",
]

AGGREGATE_VENUE: Final = "coingecko"
"""The `exchange` of CoinGecko's OHLC bars: an aggregate over many venues, not one of them."""

S = TypeVar("S")


class MarketCoin(msgspec.Struct, frozen=True):
    """One row of `/coins/markets`: only the fields the universe uses.

    Attributes:
        id: CoinGecko coin id (`"bitcoin"`, `"avalanche-2"`); unlike `symbol`, unique.
        symbol: Ticker as CoinGecko spells it, lower case (`"btc"`).
        name: Display name.
        market_cap: Market cap in USD; null for coins without supply data.
        market_cap_rank: CoinGecko's global rank; null when it has none.
    """

    id: str
    symbol: str
    name: str
    market_cap: float | None = None
    market_cap_rank: int | None = None


class Category(msgspec.Struct, frozen=True):
    """One row of `/coins/categories`.

    Attributes:
        id: Category id, the value `/coins/markets?category=` takes (`"stablecoins"`).
        name: Display name (`"Stablecoins"`), as coin pages list it.
        market_cap: Sum of its coins' market caps in USD; null when CoinGecko has none.
    """

    id: str
    name: str
    market_cap: float | None = None


class _CategoryRow(msgspec.Struct, frozen=True):
    """One row of `/coins/categories` with the market fields `categories_frame` shows."""

    id: str
    name: str
    market_cap: float | None = None
    market_cap_change_24h: float | None = None
    volume_24h: float | None = None
    updated_at: str | None = None


CATEGORY_SCHEMA: Final = pl.Schema(
    {
        "id": pl.String(),
        "name": pl.String(),
        "market_cap_usd": pl.Float64(),
        "market_cap_change_24h": pl.Float64(),
        "volume_usd_24h": pl.Float64(),
        "updated_at": pl.Datetime("ms", "UTC"),
    }
)
"""Columns of `CoinGecko.categories`: `market_cap_change_24h` is a percent."""


def categories_frame(body: bytes) -> pl.DataFrame:
    """A `/coins/categories` answer as a polars frame with `CATEGORY_SCHEMA`, largest
    market cap first.

    Raises:
        ProviderError: The body is CoinGecko's error envelope.
        ResponseFormatError: The body is not a list of categories.

    Examples:
        >>> categories_frame(b'[{"id":"layer-1","name":"Layer 1 (L1)","market_cap":2.1e12}]').row(0)[:3]
        ('layer-1', 'Layer 1 (L1)', 2100000000000.0)
    """
    categories = _decode(_CATEGORY_ROWS, body, CATEGORIES_PATH)
    frame = pl.DataFrame(
        {
            "id": [c.id for c in categories],
            "name": [c.name for c in categories],
            "market_cap_usd": [c.market_cap for c in categories],
            "market_cap_change_24h": [c.market_cap_change_24h for c in categories],
            "volume_usd_24h": [c.volume_24h for c in categories],
            "updated_at": [c.updated_at for c in categories],
        },
        schema_overrides={"updated_at": pl.String()},
    )
    updated = pl.col("updated_at").str.to_datetime(time_zone="UTC", strict=False)
    return (
        frame.with_columns(updated.dt.cast_time_unit("ms"))
        .cast(CATEGORY_SCHEMA)
        .sort("market_cap_usd", descending=True, nulls_last=True, maintain_order=True)
    )


_MARKETS: Final = msgspec.json.Decoder(list[MarketCoin])
_CATEGORIES: Final = msgspec.json.Decoder(list[Category])
_CATEGORY_ROWS: Final = msgspec.json.Decoder(list[_CategoryRow])


def parse_markets(body: bytes) -> list[MarketCoin]:
    """Decode a `/coins/markets` page.

    Raises:
        RateLimitError: The body is CoinGecko's rate-limit envelope (seen with HTTP 200).
        ResponseFormatError: The body is not a list of coins.

    Examples:
        >>> parse_markets(b'[{"id":"bitcoin","symbol":"btc","name":"Bitcoin","market_cap":1.3e12,"market_cap_rank":1}]')
        [MarketCoin(id='bitcoin', symbol='btc', name='Bitcoin', market_cap=1300000000000.0, market_cap_rank=1)]
    """
    return _decode(_MARKETS, body, MARKETS_PATH)


def parse_categories(body: bytes) -> list[Category]:
    """Decode `/coins/categories`.

    Raises:
        ProviderError: The body is CoinGecko's error envelope.
        ResponseFormatError: The body is not a list of categories.

    Examples:
        >>> parse_categories(b'[{"id":"stablecoins","name":"Stablecoins","market_cap":2.5e11}]')
        [Category(id='stablecoins', name='Stablecoins', market_cap=250000000000.0)]
    """
    return _decode(_CATEGORIES, body, CATEGORIES_PATH)


def _decode(decoder: msgspec.json.Decoder[list[S]], body: bytes, path: str) -> list[S]:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        error = envelope_error(body, path, status=200)
        if error is not None:
            raise error from None
        raise ResponseFormatError(
            str(exc), provider=PROVIDER, endpoint=path, body=excerpt(body)
        ) from None


# ------------------------------------------------------------------------------ history


_POINTS: Final = msgspec.json.Decoder(dict[str, list[tuple[float, float | None]]])
_CANDLES: Final = msgspec.json.Decoder(list[tuple[float, float, float, float, float]])
_KNOWN_SPACINGS: Final = (Interval.M5, Interval.H1, Interval.D1)


def _format_error(response: Response, message: str) -> ResponseFormatError:
    return ResponseFormatError(
        message, provider=PROVIDER, endpoint=response.label, body=excerpt(response.body)
    )


def spacing(times_ms: Sequence[float], asked: Interval) -> Interval:
    """The interval points `times_ms` are spaced by: the nearest of 5m, 1h and 1d to their
    median gap, or `asked` for fewer than three points.

    CoinGecko chooses the granularity itself (by the range's length), so rows carry what came,
    not what was asked. The last gap is left out: an answer reaching now ends with a point
    for "now", closer to the one before than the spacing.

    Examples:
        >>> spacing([0, 3_600_000, 7_200_500, 7_500_000], Interval.D1).value
        '1h'
        >>> spacing([0, 43_200_000], Interval.D1).value
        '1d'
    """
    if len(times_ms) < 3:
        return asked
    ordered = sorted(times_ms)
    gaps = sorted(b - a for a, b in itertools.pairwise(ordered[:-1]))
    median = gaps[len(gaps) // 2] / 1000
    return min(_KNOWN_SPACINGS, key=lambda interval: abs(interval.seconds - median))


def parse_market_chart(
    response: Response,
    *,
    coin_id: str,
    entity: str,
    metrics: Sequence[MetricMap],
    interval: Interval,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Table[Any]:
    """The `metric` rows of one market-chart answer: `metrics` of `coin_id` in `[start, end)`.

    Each point lands in the bucket of the interval its spacing shows (see `spacing`), at the
    bucket's start; the first point of a bucket is kept (the daily series ends with a point
    for "now", after that day's 00:00 one). A bucket not over at `now` is kept, with a
    warning: the next run replaces it.

    Raises:
        ResponseFormatError: For a body that is not the documented object of point lists.
    """
    try:
        series = _POINTS.decode(response.body)
    except msgspec.DecodeError as exc:
        raise _format_error(response, f"not a market chart: {exc}") from None
    warnings: list[str] = []
    times = [point[0] for point in series.get("prices", [])]
    came = spacing(times, interval)
    if came != interval:
        warnings.append(
            f"CoinGecko answered {came.value} points for {coin_id} where {interval.value} was "
            f"asked (it picks the granularity by the range's length); rows carry {came.value}"
        )
    columns: dict[str, list[Any]] = {"metric": [], "unit": [], "ts": [], "value": []}
    for metric in metrics:
        for ms, value in series.get(metric.provider_name, []):
            columns["metric"].append(metric.name)
            columns["unit"].append(metric.unit)
            columns["ts"].append(int(ms))
            columns["value"].append(None if value is None else float(value) * metric.scale)
    missing = [m.provider_name for m in metrics if m.provider_name not in series]
    if missing:
        warnings.append(f"CoinGecko answered no {', '.join(missing)} for {coin_id}")
    frame = (
        pl.DataFrame(
            columns,
            schema={"metric": pl.String, "unit": pl.String, "ts": pl.Int64, "value": pl.Float64},
        )
        .with_columns(
            pl.col("ts").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC").dt.truncate(came.value)
        )
        .unique(["metric", "ts"], keep="first", maintain_order=True)
        .filter(pl.col("ts").is_between(_utc(start), _utc(end), closed="left"))
        .with_columns(
            provider=pl.lit(PROVIDER),
            entity=pl.lit(entity),
            interval=pl.lit(came.value),
            provider_id=pl.lit(coin_id),
        )
    )
    open_from = now - timedelta(seconds=came.seconds)
    if frame.filter(pl.col("ts") > _utc(open_from)).height:
        warnings.append(
            f"the newest {came.value} bucket of {coin_id} is still filling: its value is "
            "CoinGecko's latest, and the next run replaces it"
        )
    return Table.from_frame(Kind.METRIC, frame.select(schema(Kind.METRIC).names()), warnings)


def parse_ohlc(
    response: Response, *, coin_id: str, interval: Interval, start: datetime, end: datetime
) -> Table[Any]:
    """The `ohlcv` bars of one OHLC answer in `[start, end)`.

    CoinGecko stamps a candle with its **close** time; bars here start at `ts`, so each is
    moved back by its length. The candles aggregate many venues: `exchange` is
    `AGGREGATE_VENUE`, `symbol` the coin id, `unit` the quote currency (`usd`), and volume
    and trade counts are null (CoinGecko's OHLC has none).

    Raises:
        ResponseFormatError: For a body that is not a list of `[ms, o, h, l, c]`.
    """
    try:
        candles = _CANDLES.decode(response.body)
    except msgspec.DecodeError as exc:
        raise _format_error(response, f"not a list of OHLC candles: {exc}") from None
    bar = int(interval.seconds * 1000)
    frame = (
        pl.DataFrame(
            {
                "ts": [int(c[0]) - bar for c in candles],
                "open": [c[1] for c in candles],
                "high": [c[2] for c in candles],
                "low": [c[3] for c in candles],
                "close": [c[4] for c in candles],
            },
            schema={"ts": pl.Int64, **dict.fromkeys(("open", "high", "low", "close"), pl.Float64)},
        )
        .with_columns(pl.col("ts").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"))
        .unique("ts", keep="last", maintain_order=True)
        .filter(pl.col("ts").is_between(_utc(start), _utc(end), closed="left"))
    )
    columns = schema(Kind.OHLCV)
    given = {"provider", "exchange", "symbol", "interval", "unit", "ts", "open", "high", "low"}
    frame = frame.with_columns(
        provider=pl.lit(PROVIDER),
        exchange=pl.lit(AGGREGATE_VENUE),
        symbol=pl.lit(coin_id),
        interval=pl.lit(interval.value),
        unit=pl.lit(VS_CURRENCY),
        # No base ticker, volume or trade count: CoinGecko's candles carry none.
        **{
            name: pl.lit(None, dtype=columns[name])
            for name in columns.names()
            if name not in given | {"close"}
        },
    )
    return Table.from_frame(Kind.OHLCV, frame.select(columns.names()))


def _utc(moment: datetime) -> pl.Expr:
    return pl.lit(moment).cast(pl.Datetime("ms", "UTC"))


@attrs.frozen
class CoinDetails:
    """One coin as `/coins/{id}` describes it, with its current market data in US dollars.

    Attributes:
        id: CoinGecko coin id (`"bitcoin"`).
        symbol: Ticker in upper case (`"BTC"`); not unique across coins.
        name: Display name.
        asset_platform_id: The chain a token lives on (`"ethereum"`), `None` for native coins.
        platforms: `(platform, contract address)` of each chain it is deployed on.
        categories: Display names of its categories (`"Layer 1 (L1)"`), not category ids.
        genesis_date: Its first day as CoinGecko records it (`"2009-01-03"`), where known.
        market_cap_rank: CoinGecko's global rank, where it has one.
        price_usd: Current price.
        market_cap_usd: Current market cap.
        fdv_usd: Fully diluted valuation.
        volume_usd_24h: Volume of the last 24 hours.
        circulating_supply: Units in circulation.
        total_supply: Units in existence.
        max_supply: Units there will ever be; `None` without a cap.
        last_updated: When CoinGecko last updated the coin (ISO 8601), where given.
    """

    id: str
    symbol: str
    name: str
    asset_platform_id: str | None = None
    platforms: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()
    genesis_date: str | None = None
    market_cap_rank: int | None = None
    price_usd: float | None = None
    market_cap_usd: float | None = None
    fdv_usd: float | None = None
    volume_usd_24h: float | None = None
    circulating_supply: float | None = None
    total_supply: float | None = None
    max_supply: float | None = None
    last_updated: str | None = None


class _MarketData(msgspec.Struct):
    current_price: dict[str, float | None] = {}
    market_cap: dict[str, float | None] = {}
    fully_diluted_valuation: dict[str, float | None] = {}
    total_volume: dict[str, float | None] = {}
    circulating_supply: float | None = None
    total_supply: float | None = None
    max_supply: float | None = None


class _Coin(msgspec.Struct):
    id: str
    symbol: str
    name: str
    asset_platform_id: str | None = None
    platforms: dict[str, str | None] = {}
    categories: list[str | None] = []
    genesis_date: str | None = None
    market_cap_rank: int | None = None
    market_data: _MarketData | None = None
    last_updated: str | None = None


_COIN: Final = msgspec.json.Decoder(_Coin)


def parse_coin(response: Response) -> CoinDetails:
    """The details of one `/coins/{id}` answer.

    Raises:
        ResponseFormatError: For a body without the coin's `id`, `symbol` and `name`.
    """
    try:
        coin = _COIN.decode(response.body)
    except msgspec.DecodeError as exc:
        raise _format_error(response, f"not a coin: {exc}") from None
    data = coin.market_data or _MarketData()
    return CoinDetails(
        id=coin.id,
        symbol=coin.symbol.upper(),
        name=coin.name,
        # Native coins list themselves under an empty platform name with an empty address.
        asset_platform_id=coin.asset_platform_id or None,
        platforms=tuple(
            (platform, address)
            for platform, address in coin.platforms.items()
            if platform and address
        ),
        categories=tuple(name for name in coin.categories if name),
        genesis_date=coin.genesis_date,
        market_cap_rank=coin.market_cap_rank,
        price_usd=data.current_price.get(VS_CURRENCY),
        market_cap_usd=data.market_cap.get(VS_CURRENCY),
        fdv_usd=data.fully_diluted_valuation.get(VS_CURRENCY),
        volume_usd_24h=data.total_volume.get(VS_CURRENCY),
        circulating_supply=data.circulating_supply,
        total_supply=data.total_supply,
        max_supply=data.max_supply,
        last_updated=coin.last_updated,
    )
