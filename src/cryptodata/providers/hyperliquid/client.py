"""`Hyperliquid` and `AsyncHyperliquid`: thin shells over one set of sans-I/O flows.

Each public method validates its arguments (raising before any request), then hands a flow
(see `cryptodata.core.transport`) to its transport; the flows live in `_HyperliquidBase`
and serve both clients. Every call is a `POST /info` charged its documented weight; answers
whose weight grows with their size are sent at the weight the plan expects and charged the
difference once the answer shows it (`Transport.charge`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx
import polars as pl

from cryptodata.core._args import names
from cryptodata.core._checks import finite
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import UnsupportedError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.records import (
    AccountSummary,
    AssetContext,
    FundingRateSnapshot,
    FundingSettlement,
    LeaderboardEntry,
    Market,
    OhlcvBar,
    OpenInterestSnapshot,
    Position,
    PredictedFundingRateSnapshot,
)
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind, series_key
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range, to_ms
from cryptodata.core.transport import (
    AsyncTransport,
    Flow,
    RequestStats,
    SyncTransport,
    Transport,
)
from cryptodata.core.windows import time_windows

from . import endpoints as ep
from .coverage import LIQUIDATIONS, SNAPSHOTS, coverage
from .frames import asset_contexts, ohlcv
from .symbols import base_of, contract_size, size_unit, validate_address, validate_coin

if TYPE_CHECKING:
    from cryptodata.core.stream import Overflow, Stream, SyncStream, TableWriter

# `.parse` (msgspec with it), `.stream` and the streaming layer are imported by the flows and
# methods that use them: using the client class loads no decoder until the first answer.

__all__ = ["AsyncHyperliquid", "Hyperliquid"]

T = TypeVar("T")
Coins = str | Sequence[str]

_UTC_MS = pl.Datetime("ms", "UTC")
_FUNDING_WINDOW = timedelta(hours=480)
"""Hours of settlements asked per request: below the 500-row cap, so one request suffices."""
_STAMP_SLACK_MS = 10_000
"""How far past its hour a settlement's `time` may be stamped (a few hundred ms are seen)."""


class _HyperliquidBase:
    """Configuration, caches and every operation as a flow; I/O is the subclass's."""

    provider = ep.PROVIDER
    _transport: Transport

    def __init__(
        self,
        *,
        testnet: bool = False,
        base_url: str | None = None,
        ws_url: str | None = None,
        stats_url: str = ep.STATS_URL,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        timeout: float = 30.0,
        meta_ttl: float = 300.0,
        leaderboard_ttl: float = 3600.0,
    ) -> None:
        self._testnet = bool(testnet)
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(
            ep.DEFAULT_WEIGHT_PER_MINUTE, 60.0, clock=self._clock
        )
        self._ws_url = ws_url or (ep.TESTNET_WS_URL if testnet else ep.WS_URL)
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_urls": {
                "default": base_url or (ep.TESTNET_URL if testnet else ep.BASE_URL),
                "stats": stats_url,
            },
            "limiter": self._limiter,
            "retry": retry,
            "clock": self._clock,
            "timeout": timeout,
        }
        self._meta_ttl = finite("meta_ttl", meta_ttl, minimum=0, unit="seconds")
        self._leaderboard_ttl = finite(
            "leaderboard_ttl", leaderboard_ttl, minimum=0, unit="seconds"
        )
        self._cache: dict[str, tuple[float, Any]] = {}
        self._settings: dict[str, Any] = {
            "testnet": testnet,
            "base_url": base_url,
            "ws_url": ws_url,
            "stats_url": stats_url,
            "limiter": self._limiter,
            "retry": retry,
            "clock": self._clock,
            "timeout": timeout,
            "meta_ttl": meta_ttl,
            "leaderboard_ttl": leaderboard_ttl,
        }
        # One budget of new connections for every stream of this client (30 a minute per IP).
        self._connections = SlidingWindowLimiter(
            ep.WS_CONNECTIONS_PER_MINUTE, 60.0, clock=self._clock
        )

    @property
    def limiter(self) -> RateLimiter:
        """The weight limiter every request is charged to (1,000 a minute by default)."""
        return self._limiter

    @property
    def clock(self) -> Clock:
        """The time source of limits, retries, window ends, the forming candle and stamps."""
        return self._clock

    @property
    def ws_url(self) -> str:
        """The websocket URL streams connect to."""
        return self._ws_url

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What Hyperliquid offers, without I/O (see `hyperliquid.coverage.coverage`)."""
        return coverage()

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Coins,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        """The one-request steps of a history query, without network: one coin per step.

        Candles (`ohlcv`) come in windows of at most 5,000 bars from the oldest bar the venue
        still keeps, each costing the weight its bars will (20 + 1 per 60); funding
        settlements (`funding_settlement`, `interval` must be `1h`) in windows of 480 hours.
        Snapshots (`open_interest_snapshot`, `funding_rate_snapshot`, `asset_context`) have
        no history: a window reaching the present is one step for every coin (one request,
        its rows stamped when fetched), an older one none; this is how `watch` samples them.

        Raises:
            UnsupportedError: For liquidations (none are published) or any other kind or
                interval Hyperliquid does not offer.
            ValidationError: For other bad arguments.
        """
        wanted = _kind(kind)
        coins = _coins(symbols)
        step = coverage().interval(interval)
        lo, hi = self._window(start, end)
        if wanted is Kind.OHLCV:
            coverage().check(wanted, step)
            windows = self._candle_windows(step, lo, hi)
            return [
                Step(wanted, step, (coin,), a, b, cost=ep.candle_weight(bars))
                for coin in coins
                for a, b, bars in windows
            ]
        if wanted is Kind.FUNDING_SETTLEMENT:
            if step is not Interval.H1:
                raise UnsupportedError(
                    f"hyperliquid settles funding hourly; ask funding_settlement at 1h, not {step.value}",
                    provider=ep.PROVIDER,
                    what=f"funding_settlement {step.value}",
                )
            return [
                Step(wanted, step, (coin,), a, b, cost=ep.funding_weight(hours))
                for coin in coins
                for a, b, hours in _funding_windows(lo, hi)
            ]
        if wanted in SNAPSHOTS:
            coverage().check(wanted, step)
            # Only the present can be sampled: one request for every coin, stamped when sent.
            if hi < step.add(step.floor(self._now()), -1):
                return []
            return [Step(wanted, step, tuple(coins), lo, hi, cost=ep.BASE_WEIGHT)]
        coverage().check(wanted)
        raise UnsupportedError(
            f"hyperliquid keeps no history of {wanted.value}",
            provider=ep.PROVIDER,
            what=wanted.value,
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _cached(self, name: str, ttl: float, flow: Callable[[], Flow[T]]) -> Flow[T]:
        """`flow`'s result, fetched again only when `ttl` seconds have passed."""
        now = self._clock.monotonic()
        hit = self._cache.get(name)
        if hit is not None and now - hit[0] < ttl:
            value: T = hit[1]
            return value
        value = yield from flow()
        self._cache[name] = (now, value)
        return value

    def _post(self, kind: str, *, weight: int = ep.BASE_WEIGHT, **fields: Any) -> Flow[bytes]:
        request = ep.info(kind, weight=weight, **fields)
        return (yield from self._transport.fetch(request)).body

    # --- markets -------------------------------------------------------------------------

    def _spot_pairs(self) -> Flow[pl.DataFrame]:
        from .parse import parse_spot_meta

        def fetch() -> Flow[pl.DataFrame]:
            return parse_spot_meta((yield from self._post("spotMeta")))

        return (yield from self._cached("spotMeta", self._meta_ttl, fetch))

    def _bases(self, coins: Sequence[str]) -> Flow[dict[str, str]]:
        """Each coin's canonical asset; spot pairs (`@107`) are looked up in `spotMeta`."""
        spot = [coin for coin in coins if _is_spot(coin)]
        found = {coin: base_of(coin) for coin in coins if not _is_spot(coin)}
        if spot:
            pairs = yield from self._spot_pairs()
            named = dict(zip(pairs["coin"].to_list(), pairs["base"].to_list(), strict=True))
            found |= {coin: named.get(coin) or coin for coin in spot}
        return found

    def _markets(self) -> Flow[Table[Market]]:
        from .parse import parse_contexts

        universe, _ = parse_contexts((yield from self._post("metaAndAssetCtxs")))
        pairs = yield from self._spot_pairs()
        perps = universe.filter(~pl.col("delisted")).select(
            symbol=pl.col("coin"),
            base=pl.col("coin").map_elements(base_of, return_dtype=pl.String),
            quote=pl.lit("USDC"),
            market_type=pl.lit("future"),
            is_perpetual=pl.lit(True),
            margined=pl.lit("USDC"),
            contract_size=pl.col("coin").map_elements(contract_size, return_dtype=pl.Float64),
            max_leverage="max_leverage",
            size_decimals="size_decimals",
        )
        spots = pairs.select(
            symbol=pl.col("coin"),
            base=pl.coalesce("base", "coin"),
            quote=pl.coalesce("quote", pl.lit("USDC")),
            market_type=pl.lit("spot"),
            is_perpetual=pl.lit(False),
            margined=pl.lit(None, pl.String),
            contract_size=pl.lit(1.0),
            max_leverage=pl.lit(None, pl.Float64),
            size_decimals=pl.lit(None, pl.Int64),
        )
        frame = pl.concat([perps, spots]).with_columns(
            provider=pl.lit(ep.PROVIDER),
            exchange=pl.lit(ep.VENUE),
            symbol_on_exchange=pl.col("symbol"),
            expire_at=pl.lit(None, _UTC_MS),
            unit=pl.col("symbol").map_elements(size_unit, return_dtype=pl.String),
            has_long_short_ratio_data=pl.lit(False),
            has_ohlcv_data=pl.lit(True),
            has_buy_sell_data=pl.lit(False),
        )
        return Table.from_frame(Kind.MARKETS, frame)

    # --- candles -------------------------------------------------------------------------

    def _candle_windows(
        self, step: Interval, lo: datetime, hi: datetime
    ) -> list[tuple[datetime, datetime, int]]:
        """`[lo, hi)` from the oldest bar kept, in windows of at most 5,000 bars (and each
        window's bar count up to now, the weight it will draw)."""
        now = self._now()
        first = max(lo, self._oldest_candle(step, now))
        windows = []
        while first < hi:
            try:
                last = min(hi, step.add(first, ep.CANDLE_CAP))
            except OverflowError:
                last = hi
            windows.append((first, last, _bars(step, first, min(last, now))))
            first = last
        return windows

    def _oldest_candle(self, step: Interval, now: datetime) -> datetime:
        # The forming bar is one of the 5,000 kept.
        return step.add(step.floor(now), 1 - ep.CANDLE_CAP)

    def _candles(
        self,
        coin: str,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        strict: bool,
    ) -> Flow[Table[OhlcvBar]]:
        wanted = validate_coin(coin)
        step = coverage().interval(interval)
        coverage().check(Kind.OHLCV, step)
        lo, hi = self._window(start, end)
        warnings = []
        oldest = self._oldest_candle(step, self._now())
        if lo < oldest:
            note = (
                f"hyperliquid keeps only the newest {ep.CANDLE_CAP:,} {step.value} candles: "
                f"{wanted} {step.value} bars start at {oldest.isoformat()}, none before"
            )
            if strict:
                raise UnsupportedError(note, provider=ep.PROVIDER, what=f"ohlcv {step.value}")
            warnings.append(note)
        return self._candles_flow(wanted, step, lo, hi, warnings)

    def _candles_flow(
        self, coin: str, step: Interval, lo: datetime, hi: datetime, warnings: list[str]
    ) -> Flow[Table[OhlcvBar]]:
        from .parse import parse_candles

        frames = []
        for first, last, bars in self._candle_windows(step, lo, hi):
            body = yield from self._post(
                "candleSnapshot",
                weight=ep.candle_weight(bars),
                req={
                    "coin": coin,
                    "interval": step.value,
                    "startTime": to_ms(first),
                    # The server's end is inclusive; ours is not.
                    "endTime": to_ms(last) - 1,
                },
            )
            frame = parse_candles(body)
            yield from self._transport.charge(
                ep.candle_weight(frame.height) - ep.candle_weight(bars)
            )
            frames.append(frame)
        bases = yield from self._bases([coin])
        raw = pl.concat(frames) if frames else parse_candles(b"[]")
        # The newest bar is still forming: left out, so that a stored bar is always final.
        forming = to_ms(step.floor(self._now()))
        closed = raw.filter(
            pl.col("t").is_between(to_ms(lo), to_ms(hi), closed="left") & (pl.col("t") < forming)
        )
        table = ohlcv(coin, bases[coin], step, closed)
        if len(table) == 0 and hi > self._oldest_candle(step, self._now()):
            warnings.append(f"no {step.value} candles of {coin} in the window (is it listed?)")
        return Table.concat(Kind.OHLCV, [table], warnings)

    # --- funding -------------------------------------------------------------------------

    def _funding(
        self, coin: str, start: TimeInput, end: TimeInput | None
    ) -> Flow[Table[FundingSettlement]]:
        wanted = validate_coin(coin)
        if _is_spot(wanted):
            raise ValidationError(f"{wanted} is a spot pair: only perpetuals pay funding")
        lo, hi = self._window(start, end)
        return self._funding_flow(wanted, lo, hi)

    def _funding_flow(
        self, coin: str, lo: datetime, hi: datetime
    ) -> Flow[Table[FundingSettlement]]:
        from .parse import parse_funding

        frames = []
        for first, last, hours in _funding_windows(lo, hi):
            since = to_ms(first)
            while since < to_ms(last) + _STAMP_SLACK_MS:
                body = yield from self._post(
                    "fundingHistory",
                    weight=ep.funding_weight(hours),
                    coin=coin,
                    startTime=since,
                    # Slack past the end: a settlement is stamped a few hundred ms after its
                    # hour, and the last hour of the window must still come back.
                    endTime=to_ms(last) - 1 + _STAMP_SLACK_MS,
                )
                frame = parse_funding(body)
                yield from self._transport.charge(
                    ep.funding_weight(frame.height) - ep.funding_weight(hours)
                )
                frames.append(frame)
                # A full page may have more behind it: go on from the last settlement.
                if frame.height < ep.FUNDING_CAP:
                    break
                since, hours = int(frame["time"].max()) + 1, ep.FUNDING_CAP  # type: ignore[arg-type]
        raw = pl.concat(frames) if frames else parse_funding(b"[]")
        return Table.concat(Kind.FUNDING_SETTLEMENT, [_settlements(coin, raw, lo, hi)])

    # --- snapshots -----------------------------------------------------------------------

    def _contexts(self, spot: bool) -> Flow[Table[AssetContext]]:
        from .parse import parse_contexts

        body = yield from self._post("spotMetaAndAssetCtxs" if spot else "metaAndAssetCtxs")
        universe, contexts = parse_contexts(body, spot=spot)
        frame = pl.concat([universe, contexts], how="horizontal")
        if spot:
            frame = frame.with_columns(base=pl.coalesce("base", "coin"))
        else:
            frame = frame.filter(~pl.col("delisted")).with_columns(
                base=pl.col("coin").map_elements(base_of, return_dtype=pl.String)
            )
        return asset_contexts(frame, spot=spot, ts=self._now())

    def _contexts_of(self, coins: list[str]) -> Flow[Table[AssetContext]]:
        contexts = _only(coins, (yield from self._contexts(False)).to_polars())
        return Table.from_frame(Kind.ASSET_CONTEXT, contexts, _missing(coins, contexts))

    def _open_interest(
        self, coins: list[str] | None, convert_to_usd: bool
    ) -> Flow[Table[OpenInterestSnapshot]]:
        contexts = _only(coins, (yield from self._contexts(False)).to_polars())
        unit = (
            pl.lit("usd")
            if convert_to_usd
            else pl.col("symbol").map_elements(size_unit, return_dtype=pl.String)
        )
        frame = contexts.with_columns(
            value=pl.col("open_interest_usd" if convert_to_usd else "open_interest"), unit=unit
        )
        return Table.from_frame(Kind.OPEN_INTEREST_SNAPSHOT, frame, _missing(coins, frame))

    def _funding_rate(self, coins: list[str] | None) -> Flow[Table[FundingRateSnapshot]]:
        contexts = _only(coins, (yield from self._contexts(False)).to_polars())
        frame = contexts.with_columns(value="funding_rate")
        return Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame, _missing(coins, frame))

    def _predicted(self) -> Flow[Table[PredictedFundingRateSnapshot]]:
        from .parse import parse_predicted

        raw = parse_predicted((yield from self._post("predictedFundings")))
        frame = raw.select(
            provider=pl.lit(ep.PROVIDER),
            exchange="venue",
            symbol="coin",
            base=pl.col("coin").map_elements(base_of, return_dtype=pl.String),
            # The settlement the prediction is for: polling replaces it until it settles.
            ts=pl.from_epoch("next_funding", time_unit="ms").dt.replace_time_zone("UTC"),
            value="rate",
            period_hours="period_hours",
        )
        return Table.concat(
            Kind.PREDICTED_FUNDING_RATE_SNAPSHOT,
            [Table.from_frame(Kind.PREDICTED_FUNDING_RATE_SNAPSHOT, frame)],
        )

    # --- traders -------------------------------------------------------------------------

    def _leaderboard(
        self, window: str, top: int | None, min_account_value: float | None, rank_by: str
    ) -> Flow[Table[LeaderboardEntry]]:
        from .leaderboard import validate_leaderboard_args

        validate_leaderboard_args(
            window=window, top=top, min_account_value=min_account_value, rank_by=rank_by
        )
        return self._leaderboard_flow(window, top, min_account_value, rank_by)

    def _leaderboard_flow(
        self, window: str, top: int | None, min_account_value: float | None, rank_by: str
    ) -> Flow[Table[LeaderboardEntry]]:
        from .leaderboard import parse_leaderboard

        def fetch() -> Flow[tuple[bytes, datetime]]:
            response = yield from self._transport.fetch(ep.leaderboard(self._testnet))
            return response.body, self._now()

        body, fetched = yield from self._cached("leaderboard", self._leaderboard_ttl, fetch)
        frame = parse_leaderboard(
            body,
            window=window,
            ts=fetched,
            top=top,
            min_account_value=min_account_value,
            rank_by=rank_by,
        )
        return Table.from_frame(Kind.LEADERBOARD, frame)

    def _clearinghouse(self, address: str) -> Flow[tuple[pl.DataFrame, pl.DataFrame]]:
        from .positions import parse_clearinghouse

        body = yield from self._post("clearinghouseState", weight=ep.LIGHT_WEIGHT, user=address)
        return parse_clearinghouse(body, address=address, ts=self._now())

    def _positions(self, address: str) -> Flow[Table[Position]]:
        user = validate_address(address)
        return self._positions_flow(user)

    def _positions_flow(self, address: str) -> Flow[Table[Position]]:
        positions, _ = yield from self._clearinghouse(address)
        return Table.from_frame(Kind.POSITIONS, positions)

    def _account(self, address: str) -> Flow[Table[AccountSummary]]:
        user = validate_address(address)
        return self._account_flow(user)

    def _account_flow(self, address: str) -> Flow[Table[AccountSummary]]:
        _, account = yield from self._clearinghouse(address)
        return Table.from_frame(Kind.ACCOUNT_SUMMARY, account)

    # --- streams -------------------------------------------------------------------------

    def _stream(
        self,
        subscriptions: Iterable[str],
        backfill: Callable[[], Any],
        sink: TableWriter | None,
        queue_size: int,
        overflow: Overflow,
        silence: float | None,
        positions_changes_only: bool,
    ) -> Stream:
        from cryptodata.core.stream import Stream

        from .stream import HyperliquidAdapter

        adapter = HyperliquidAdapter(
            self._ws_url,
            clock=self._clock,
            client=backfill,
            positions_changes_only=positions_changes_only,
        )
        return Stream(
            adapter,
            subscriptions,
            sink=sink,
            clock=self._clock,
            limiter=self._connections,
            silence=silence,
            queue_size=queue_size,
            overflow=overflow,
        )

    # --- the source protocol -------------------------------------------------------------

    def _series(self, kind: Kind | str, symbols: Coins, interval: IntervalInput) -> SeriesIds:
        wanted = _kind(kind)
        step = coverage().interval(interval)
        coverage().check(wanted, step)
        values = {"provider": ep.PROVIDER, "exchange": ep.VENUE, "interval": step.value}
        return {
            coin: {
                column: coin
                if column == "symbol"
                else size_unit(coin)
                if column == "unit"
                else values[column]
                for column in series_key(wanted)
            }
            for coin in _coins(symbols)
        }

    def _fetch(self, step: Step) -> Flow[Table]:
        coins = [validate_coin(coin) for coin in step.symbols]
        if step.kind is Kind.OPEN_INTEREST_SNAPSHOT:
            return self._open_interest(coins, False)
        if step.kind is Kind.FUNDING_RATE_SNAPSHOT:
            return self._funding_rate(coins)
        if step.kind is Kind.ASSET_CONTEXT:
            return self._contexts_of(coins)
        (coin,) = step.symbols
        if step.kind is Kind.OHLCV:
            return self._candles(coin, step.interval, step.start, step.end, strict=False)
        if step.kind is Kind.FUNDING_SETTLEMENT:
            return self._funding(coin, step.start, step.end)
        raise UnsupportedError(
            f"hyperliquid cannot fetch a {step.kind.value} step",
            provider=ep.PROVIDER,
            what=step.kind.value,
        )

    def __repr__(self) -> str:
        network = ", testnet=True" if self._testnet else ""
        return f"{type(self).__name__}(limiter={self._limiter!r}{network})"


def _kind(kind: Kind | str) -> Kind:
    try:
        wanted = Kind(kind)
    except ValueError:
        raise ValidationError(f"unknown kind {kind!r}") from None
    if wanted in (Kind.LIQUIDATIONS, Kind.LIQUIDATIONS_AGGREGATE):
        raise UnsupportedError(LIQUIDATIONS, provider=ep.PROVIDER, what=wanted.value)
    return wanted


def _coins(symbols: Coins) -> list[str]:
    return [validate_coin(coin) for coin in names("symbols", symbols)]


def _is_spot(coin: str) -> bool:
    return coin.startswith("@") or "/" in coin


def _bars(step: Interval, start: datetime, end: datetime) -> int:
    """How many bars of `step` start in `[start, end)`."""
    if end <= start:
        return 0
    if step.fixed:
        return math.ceil((end - start).total_seconds() / step.seconds)
    found, at = 0, step.floor(start)
    at = at if at >= start else step.add(at, 1)
    while at < end:
        found, at = found + 1, step.add(at, 1)
    return found


def _funding_windows(lo: datetime, hi: datetime) -> list[tuple[datetime, datetime, int]]:
    """`[lo, hi)` in windows of 480 hours, with the settlements each may hold (one an hour)."""
    return [
        (first, last, math.ceil((last - first) / timedelta(hours=1)))
        for first, last in time_windows(lo, hi, _FUNDING_WINDOW)
    ]


def _settlements(
    coin: str, raw: pl.DataFrame, lo: datetime, hi: datetime
) -> Table[FundingSettlement]:
    """Settlement rows: `ts` floored to the hour (the server's `time` runs a few ms late) and
    each one's period from the spacing of settlements."""
    hour = 3_600_000
    frame = (
        raw.with_columns(ts_ms=(pl.col("time") // hour) * hour)
        .filter(pl.col("ts_ms").is_between(to_ms(lo), to_ms(hi), closed="left"))
        .unique("ts_ms", keep="last")
        .sort("ts_ms")
    )
    # Hourly since 2023; the early history settled every 8 hours. A settlement's period is
    # the gap since the one before (the first of an answer: to the one after), read as 8
    # hours when it is 8 or more and as 1 otherwise, so that a missing settlement cannot
    # pass for a longer period.
    gap = pl.col("ts_ms").diff().fill_null(pl.col("ts_ms").diff().shift(-1))
    frame = frame.with_columns(
        period_hours=pl.when(gap >= 8 * hour).then(8.0).otherwise(1.0),
        provider=pl.lit(ep.PROVIDER),
        exchange=pl.lit(ep.VENUE),
        symbol=pl.lit(coin),
        base=pl.lit(base_of(coin)),
        ts=pl.from_epoch("ts_ms", time_unit="ms").dt.replace_time_zone("UTC"),
    )
    return Table.from_frame(Kind.FUNDING_SETTLEMENT, frame)


def _only(coins: list[str] | None, contexts: pl.DataFrame) -> pl.DataFrame:
    return contexts if coins is None else contexts.filter(pl.col("symbol").is_in(coins))


def _missing(coins: list[str] | None, frame: pl.DataFrame) -> list[str]:
    if coins is None:
        return []
    found = set(frame["symbol"].to_list())
    lacking = [coin for coin in coins if coin not in found]
    return [f"hyperliquid lists no active perpetual {', '.join(lacking)}"] if lacking else []


def _optional_coins(coins: Coins | None) -> list[str] | None:
    return None if coins is None else _coins(coins)


class Hyperliquid(_HyperliquidBase):
    """Blocking client for Hyperliquid's public Info API: no key needed.

    Every request is charged its documented weight to a limiter (1,000 a minute by default,
    under the venue's 1,200 per IP), retried on 429/5xx/timeouts, and parsed into a typed
    `Table`.

    Args:
        testnet: Use the testnet hosts.
        base_url: The Info API root (default: mainnet's, or testnet's).
        ws_url: The websocket URL of streams (default: the network's).
        stats_url: The host of the leaderboard document.
        limiter: Weight limiter; share one between clients on one IP.
        retry: Retry policy; see `RetryPolicy`.
        clock: Time source (tests pass a `ManualClock`): window ends, the forming candle,
            snapshot stamps, limits.
        timeout: Seconds per request before it is abandoned and retried.
        meta_ttl: Seconds the spot pair names are cached.
        leaderboard_ttl: Seconds the leaderboard document is cached (it is tens of MB).
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Examples:
        >>> from cryptodata import Hyperliquid
        >>> hl = Hyperliquid()
        >>> hl.candles("BTC", interval="1h", start="2025-01-01")     # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        *,
        testnet: bool = False,
        base_url: str | None = None,
        ws_url: str | None = None,
        stats_url: str = ep.STATS_URL,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        timeout: float = 30.0,
        meta_ttl: float = 300.0,
        leaderboard_ttl: float = 3600.0,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            testnet=testnet,
            base_url=base_url,
            ws_url=ws_url,
            stats_url=stats_url,
            limiter=limiter,
            retry=retry,
            clock=clock,
            timeout=timeout,
            meta_ttl=meta_ttl,
            leaderboard_ttl=leaderboard_ttl,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def candles(
        self,
        coin: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        strict: bool = False,
    ) -> Table[OhlcvBar]:
        """OHLCV bars of `coin` over `[start, end)`, oldest first; the forming bar left out.

        Prices are as the venue quotes the market (a `kPEPE` price is per 1,000 PEPE);
        `volume` is in `unit` (`base`, or `contracts` for a 1,000x market); `trades` counts
        trades; buy volume and trades are null (not offered). Only the newest 5,000 bars of
        each interval exist: a `start` before them gives a warning on the table saying where
        the interval begins (an `UnsupportedError` with `strict=True`).

        Raises:
            ValidationError: Bad coin, interval (Hyperliquid has no 6h) or window.
            UnsupportedError: With `strict=True`, for a `start` older than the bars kept.
        """
        return self._transport.run(self._candles(coin, interval, start, end, strict))

    def funding_history(
        self, coin: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[FundingSettlement]:
        """Settled funding of a perpetual over `[start, end)`: one row per settlement.

        `ts` is the settlement's hour (the server's time runs a few ms past it), `rate` the
        fraction paid for the period, `period_hours` the period in force then (hourly now;
        8 hours in the early history), `premium` its premium component.
        """
        return self._transport.run(self._funding(coin, start, end))

    def predicted_fundings(self) -> Table[PredictedFundingRateSnapshot]:
        """The next funding of every perpetual on Hyperliquid, Binance and Bybit.

        One row per (coin, venue) listed there; `ts` is the settlement predicted (so polling
        replaces a row until it settles), `period_hours` 1 on Hyperliquid and where the answer
        gives it, else null.
        """
        return self._transport.run(self._predicted())

    def asset_contexts(self, *, spot: bool = False) -> Table[AssetContext]:
        """Every active perpetual's (or, with `spot=True`, spot pair's) live state.

        Mark, oracle, mid and previous-day prices, impact prices, the ongoing hour's funding
        and premium, open interest in base units and in USD (times the mark price), 24 h
        volumes; `ts` is when it was fetched (the answer has no time). Delisted perps are left
        out; nulls the venue sends stay null.
        """
        return self._transport.run(self._contexts(spot))

    def open_interest(
        self, coins: Coins | None = None, *, convert_to_usd: bool = False
    ) -> Table[OpenInterestSnapshot]:
        """Current open interest of `coins` (all perpetuals by default), stamped now.

        Hyperliquid keeps no open-interest history: `watch` this to build one. The unit is
        `base` (`contracts` for a 1,000x market), or `usd` with `convert_to_usd=True`.
        """
        return self._transport.run(self._open_interest(_optional_coins(coins), convert_to_usd))

    def funding_rate(self, coins: Coins | None = None) -> Table[FundingRateSnapshot]:
        """The ongoing hour's predicted funding rate of `coins` (all perpetuals by default)."""
        return self._transport.run(self._funding_rate(_optional_coins(coins)))

    def markets(self) -> Table[Market]:
        """Perpetuals (with max leverage, size decimals, contract size) and spot pairs.

        Spot pairs keep Hyperliquid's name (`@107`) as `symbol`; `base` and `quote` are their
        tokens' names from `spotMeta`.
        """
        return self._transport.run(self._markets())

    def leaderboard(
        self,
        *,
        window: str = "month",
        top: int | None = 100,
        min_account_value: float | None = None,
        rank_by: str = "pnl",
    ) -> Table[LeaderboardEntry]:
        """Trader rankings over `window` (`day`, `week`, `month`, `allTime`).

        The document (tens of MB, every trader) is undocumented and cached for
        `leaderboard_ttl` seconds; `ts` is when it was fetched.
        """
        return self._transport.run(self._leaderboard(window, top, min_account_value, rank_by))

    def positions(self, address: str) -> Table[Position]:
        """A trader's open positions (the master or sub-account address)."""
        return self._transport.run(self._positions(address))

    def account_summary(self, address: str) -> Table[AccountSummary]:
        """A trader's account value, margin in use, notional and withdrawable USD."""
        return self._transport.run(self._account(address))

    def liquidation_history(self, *args: Any, **kwargs: Any) -> Table[Any]:
        """Not offered: Hyperliquid publishes no market-wide liquidations.

        Raises:
            UnsupportedError: Always, before any request; use Coinalyze for them.
        """
        raise UnsupportedError(LIQUIDATIONS, provider=ep.PROVIDER, what="liquidations")

    def stream(
        self,
        subscriptions: Iterable[str],
        *,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        positions_changes_only: bool = True,
    ) -> SyncStream:
        """A blocking iterator over the websocket feed (see `AsyncHyperliquid.stream`).

        It runs the feed on a thread of its own, so it also works in a notebook whose event
        loop is already running; close it (or use `with`) to stop it.

        Examples:
            >>> with Hyperliquid().stream(["candle:BTC:1m"]) as feed:   # doctest: +SKIP
            ...     for item in feed:
            ...         print(item)
        """
        stream = self._stream(
            subscriptions,
            lambda: AsyncHyperliquid(**self._settings),
            sink,
            queue_size,
            overflow,
            silence,
            positions_changes_only,
        )
        from cryptodata.core.stream import SyncStream

        return SyncStream(stream)

    def series(self, kind: Kind | str, symbols: Coins, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns each coin's `kind` rows carry (no I/O)."""
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Any]:
        """The rows of one step of `Hyperliquid.history_steps`."""
        return self._transport.run(self._fetch(step))

    def close(self) -> None:
        """Close the HTTP connections."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncHyperliquid(_HyperliquidBase):
    """The asyncio twin of `Hyperliquid`: same arguments, same results.

    Examples:
        >>> async with AsyncHyperliquid() as hl:                      # doctest: +SKIP
        ...     t = await hl.candles("ETH", interval="1m", start="2025-06-01")
    """

    _transport: AsyncTransport

    def __init__(
        self,
        *,
        testnet: bool = False,
        base_url: str | None = None,
        ws_url: str | None = None,
        stats_url: str = ep.STATS_URL,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        timeout: float = 30.0,
        meta_ttl: float = 300.0,
        leaderboard_ttl: float = 3600.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            testnet=testnet,
            base_url=base_url,
            ws_url=ws_url,
            stats_url=stats_url,
            limiter=limiter,
            retry=retry,
            clock=clock,
            timeout=timeout,
            meta_ttl=meta_ttl,
            leaderboard_ttl=leaderboard_ttl,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def candles(
        self,
        coin: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        strict: bool = False,
    ) -> Table[OhlcvBar]:
        """See `Hyperliquid.candles`."""
        return await self._transport.run(self._candles(coin, interval, start, end, strict))

    async def funding_history(
        self, coin: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[FundingSettlement]:
        """See `Hyperliquid.funding_history`."""
        return await self._transport.run(self._funding(coin, start, end))

    async def predicted_fundings(self) -> Table[PredictedFundingRateSnapshot]:
        """See `Hyperliquid.predicted_fundings`."""
        return await self._transport.run(self._predicted())

    async def asset_contexts(self, *, spot: bool = False) -> Table[AssetContext]:
        """See `Hyperliquid.asset_contexts`."""
        return await self._transport.run(self._contexts(spot))

    async def open_interest(
        self, coins: Coins | None = None, *, convert_to_usd: bool = False
    ) -> Table[OpenInterestSnapshot]:
        """See `Hyperliquid.open_interest`."""
        return await self._transport.run(
            self._open_interest(_optional_coins(coins), convert_to_usd)
        )

    async def funding_rate(self, coins: Coins | None = None) -> Table[FundingRateSnapshot]:
        """See `Hyperliquid.funding_rate`."""
        return await self._transport.run(self._funding_rate(_optional_coins(coins)))

    async def markets(self) -> Table[Market]:
        """See `Hyperliquid.markets`."""
        return await self._transport.run(self._markets())

    async def leaderboard(
        self,
        *,
        window: str = "month",
        top: int | None = 100,
        min_account_value: float | None = None,
        rank_by: str = "pnl",
    ) -> Table[LeaderboardEntry]:
        """See `Hyperliquid.leaderboard`."""
        return await self._transport.run(self._leaderboard(window, top, min_account_value, rank_by))

    async def positions(self, address: str) -> Table[Position]:
        """See `Hyperliquid.positions`."""
        return await self._transport.run(self._positions(address))

    async def account_summary(self, address: str) -> Table[AccountSummary]:
        """See `Hyperliquid.account_summary`."""
        return await self._transport.run(self._account(address))

    async def liquidation_history(self, *args: Any, **kwargs: Any) -> Table[Any]:
        """See `Hyperliquid.liquidation_history`."""
        raise UnsupportedError(LIQUIDATIONS, provider=ep.PROVIDER, what="liquidations")

    def stream(
        self,
        subscriptions: Iterable[str],
        *,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        positions_changes_only: bool = True,
    ) -> Stream:
        """The websocket feed of `subscriptions`: data tables and connection events.

        Subscriptions (`hyperliquid.stream` lists them): `candle:BTC:1m` (each bar once
        closed), `trades:ETH`, `book:BTC`, `bbo:BTC`, `asset_context:BTC`,
        `positions:0x...` (at most 10 traders). All are checked before connecting. The
        stream reconnects across drops (at most 30 new connections a minute), pings every
        30 s, and after a reconnect fetches the missed span of every candle subscription by
        REST, so a `sink` gets a series without gaps. A slow consumer loses the oldest data
        items (`overflow="drop_oldest"`, counted in `stats.dropped`) or holds the feed back
        (`"block"`); see the streaming guide.

        Raises:
            ValidationError: For a bad subscription or setting, before any connection.

        Examples:
            >>> async with AsyncHyperliquid().stream(["trades:ETH"]) as feed:  # doctest: +SKIP
            ...     async for item in feed:
            ...         print(item)
        """
        return self._stream(
            subscriptions,
            lambda: self,
            sink,
            queue_size,
            overflow,
            silence,
            positions_changes_only,
        )

    async def series(
        self, kind: Kind | str, symbols: Coins, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `Hyperliquid.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Any]:
        """See `Hyperliquid.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
