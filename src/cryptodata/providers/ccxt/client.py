"""`Ccxt` and `AsyncCcxt`: any ccxt exchange as a provider, thin shells over shared flows.

Each public method validates its arguments against the instance's coverage (raising before
any request), then hands a flow to its transport; the transport runs ccxt's unified methods
through `CcxtSender` (or `AsyncCcxtSender`), so our limiter, retries, stats and error classes
apply. ccxt's throttle hook charges our limiter with ccxt's own cost of every HTTP call (see
`sender`): the limiter is the one thing that waits.

Pagination is ours, never ccxt's `paginate`: `history_steps` splits a `[start, end)` window
into pages of the method's page limit (`endpoints.page_limit`) before anything is sent; each
page is one call with `since`, `limit` and `until`; rows are de-duplicated on the kind's key
and sorted; a page that answers fewer rows than the window holds leaves a warning on the
table, never a silent gap.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from cryptodata.core._args import names, text
from cryptodata.core._checks import finite
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import UnsupportedError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, TokenBucketLimiter
from cryptodata.core.records import (
    FundingRateSnapshot,
    FundingSettlement,
    LiquidationEvent,
    LongShortRatioBar,
    Market,
    OhlcvBar,
    OpenInterestBar,
    OpenInterestSnapshot,
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
from cryptodata.core.venues import normalize_venue

from . import endpoints as ep
from . import frames
from .coverage import SNAPSHOTS, coverage, offers

if TYPE_CHECKING:
    from cryptodata.core.stream import Overflow, Stream, SyncStream, TableWriter

    from .market_cache import MarketCache

# `.sender` (ccxt's boundary) is imported when a client is built, `difflib` when a symbol is
# misspelt, `.market_cache` when one is asked for, `.stream` and the streaming layer by the
# stream methods: naming the client classes loads none of them.

__all__ = ["AsyncCcxt", "Ccxt"]

Symbols = str | Sequence[str]

_HISTORY = {
    Kind.OHLCV: ep.OHLCV,
    Kind.OPEN_INTEREST: ep.OPEN_INTEREST_HISTORY,
    Kind.FUNDING_SETTLEMENT: ep.FUNDING_HISTORY,
    Kind.LONG_SHORT_RATIO: ep.LONG_SHORT_HISTORY,
    Kind.LIQUIDATION_EVENTS: ep.LIQUIDATIONS,
}
_SHAPES: dict[Kind, Callable[..., Table[Any]]] = {
    Kind.OHLCV: frames.ohlcv,
    Kind.OPEN_INTEREST: frames.open_interest_bars,
    Kind.LONG_SHORT_RATIO: frames.long_short_ratios,
}
"""The frame builder of each bar kind's pages."""
_FUNDING_PAGE_STEP = Interval.H1
"""Funding pages span `limit` hours: a full page even where the venue settles hourly."""
_EVENT_PAGE = Interval.H1
"""Liquidation pages span one hour each: events are irregular, so a page is a window."""
_MIN_CAPACITY = 10.0
"""The default limiter's burst, in ccxt cost units: one Binance 1,000-bar klines call fits."""


def _default_limiter(exchange: Any, clock: Clock) -> TokenBucketLimiter:
    """ccxt's own budget as a token bucket: one cost unit every `rateLimit` ms, its burst
    big enough for the dearest call (Bitfinex's liquidations cost 80)."""
    rate = 1000.0 / float(exchange.rateLimit or 1000)
    burst = max(rate, _MIN_CAPACITY, ep.dearest(str(exchange.id)))
    return TokenBucketLimiter(rate, 1.0, capacity=burst, clock=clock)


def _market_type(symbol: str) -> str:
    """`spot`, `linear` or `inverse`, from the unified symbol alone (`BTC/USD:BTC` is inverse)."""
    pair, _, settle = symbol.partition(":")
    if not settle:
        return "spot"
    base = pair.partition("/")[0]
    return "inverse" if settle.split("-")[0] == base else "linear"


def _market_cache(directory: object, exchange: Any) -> MarketCache | None:
    """The market cache of `exchange` in `directory`, or `None` without one."""
    if directory is None:
        return None
    if not isinstance(directory, str | os.PathLike):
        raise ValidationError(
            f"market_cache must be a directory path, got {type(directory).__name__}"
        )
    from .market_cache import MarketCache

    return MarketCache(directory, exchange)


class _CcxtBase:
    """The exchange instance, caches and every operation as a flow; I/O is the subclass's."""

    provider = ep.PROVIDER
    _transport: Transport

    def __init__(
        self,
        exchange: Any,
        *,
        config: Mapping[str, Any] | None,
        limiter: RateLimiter | None,
        retry: RetryPolicy | None,
        clock: Clock | None,
        market_ttl: float,
        market_cache: str | os.PathLike[str] | None,
        asynchronous: bool,
    ) -> None:
        from .sender import build_exchange, install_budget, is_async, is_exchange

        if isinstance(exchange, str):
            instance = build_exchange(exchange, config or {}, asynchronous=asynchronous)
        elif is_exchange(exchange):
            if config:
                raise ValidationError(
                    "config= configures an exchange built from its id; "
                    "configure your own ccxt instance before passing it"
                )
            if is_async(exchange) != asynchronous:
                wanted = "ccxt.async_support" if asynchronous else "ccxt (not async_support)"
                raise ValidationError(
                    f"{type(self).__name__} needs an exchange instance of {wanted}"
                )
            instance = exchange
        else:
            raise ValidationError(
                f"exchange must be a ccxt exchange id or instance, got {type(exchange).__name__}"
            )
        self._exchange = instance
        self._config = dict(config or {})
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or _default_limiter(instance, self._clock)
        self._secrets = install_budget(instance, self._limiter)
        self._venue = normalize_venue(str(instance.id))
        self._coverage = coverage(instance)
        self._market_ttl = finite("market_ttl", market_ttl, minimum=0, unit="seconds")
        self._market_cache = _market_cache(market_cache, instance)
        # Markets the caller loaded (or set) on their instance count as loaded now.
        self._loaded_at = self._clock.monotonic() if instance.markets else None
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": ep.BASE_URL,
            "limiter": self._limiter,
            "retry": retry,
            "clock": self._clock,
        }

    @property
    def exchange(self) -> Any:
        """The ccxt exchange instance the client runs on (its throttle hook is ours)."""
        return self._exchange

    @property
    def venue(self) -> str:
        """The canonical venue name in every `exchange` column (`binanceusdm` → `binance`)."""
        return self._venue

    @property
    def limiter(self) -> RateLimiter:
        """The limiter every ccxt call is charged to, in ccxt's cost units."""
        return self._limiter

    @property
    def clock(self) -> Clock:
        """The time source of limits, retries, window ends and snapshot stamps."""
        return self._clock

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What this exchange offers, from ccxt's `has` and `timeframes` (no I/O)."""
        return self._coverage

    # --- planning (no I/O) ------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _limit(self, method: str, symbol: str) -> int:
        return ep.page_limit(
            str(self._exchange.id), method, self._exchange.features, _market_type(symbol)
        )

    def _pages(
        self, kind: Kind, step: Interval, symbol: str, lo: datetime, hi: datetime
    ) -> tuple[list[tuple[datetime, datetime, int, int]], list[str]]:
        """`[lo, hi)` as `(start, end, limit, cost)` pages, and the warnings of the plan.

        A kind with a documented depth starts at the oldest bar the venue still serves; a
        method that can only answer the newest rows is one page (its reach is the depth).
        """
        method = _HISTORY[kind]
        limit = self._limit(method, symbol)
        spacing = _FUNDING_PAGE_STEP if kind is Kind.FUNDING_SETTLEMENT else step
        oldest = self._coverage.check(kind).oldest(step, self._now())
        notes = []
        if oldest is not None and lo < oldest:
            notes.append(
                f"{self._exchange.id} serves {kind.value} {step.value} from "
                f"{oldest.isoformat()} only: none before"
            )
            lo = max(lo, oldest)
        cost = ep.cost(str(self._exchange.id), method, limit)
        if ep.newest_only(str(self._exchange.id), method):
            return ([(lo, hi, limit, cost)] if lo < hi else []), notes
        windows = (
            ep.pages(lo, hi, _EVENT_PAGE, 1)
            if kind is Kind.LIQUIDATION_EVENTS
            else ep.pages(lo, hi, spacing, limit)
        )
        return [(a, b, limit, cost) for a, b in windows], notes

    def _checked(self, kind: Kind | str, interval: IntervalInput | None) -> tuple[Kind, Interval]:
        wanted = _kind(kind)
        step = self._coverage.interval(interval if interval is not None else Interval.H1)
        self._check(wanted, step)
        return wanted, step

    def _check(self, kind: Kind, step: Interval | None = None) -> None:
        """`Coverage.check`, its message naming the exchange (the provider is always ccxt)."""
        try:
            self._coverage.check(kind, step)
        except UnsupportedError as exc:
            raise UnsupportedError(
                f"{self._exchange.id}: {exc}", provider=ep.PROVIDER, what=exc.what
            ) from None

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        """The one-request steps of a history query, without I/O: one symbol per step.

        `ohlcv`, `open_interest` and `long_short_ratio` pages hold the method's page limit
        of bars (one page where the venue answers only the newest); `liquidation_events`
        pages span an hour each (any interval: events have none);
        `funding_settlement` pages span that many hours (full even for hourly settlement).
        Each step's cost is ccxt's cost of the call. Snapshots (`open_interest_snapshot`,
        `funding_rate_snapshot`) have no history: a window reaching the present is one step
        for every symbol (its rows stamped when fetched), an older one none.

        Raises:
            UnsupportedError: For a kind or interval this exchange does not offer.
            ValidationError: For other bad arguments.
        """
        wanted, step = self._checked(kind, interval)
        wanted_symbols = _symbols(symbols)
        lo, hi = self._window(start, end)
        if wanted in SNAPSHOTS:
            if hi < step.add(step.floor(self._now()), -1):
                return []
            return [Step(wanted, step, tuple(wanted_symbols), lo, hi)]
        if wanted not in _HISTORY:
            raise UnsupportedError(
                f"ccxt keeps no history of {wanted.value}", provider=ep.PROVIDER, what=wanted.value
            )
        return [
            Step(wanted, step, (symbol,), a, b, cost=cost)
            for symbol in wanted_symbols
            for a, b, _, cost in self._pages(wanted, step, symbol, lo, hi)[0]
        ]

    # --- markets ------------------------------------------------------------------------

    def _call(self, method: str, *args: Any, cost: int = 1) -> Flow[Any]:
        response = yield from self._transport.fetch(ep.call(method, *args, cost=cost))
        return response.json()

    def _catalogue(self) -> Flow[dict[str, Any]]:
        """ccxt's markets, loaded through the run loop once per `market_ttl` seconds, or
        read from the market cache's file while it is younger than that."""
        now = self._clock.monotonic()
        if self._loaded_at is None or now - self._loaded_at >= self._market_ttl:
            cache = self._market_cache
            age = None if cache is None else cache.load(self._clock.time(), self._market_ttl)
            if age is not None:
                self._loaded_at = now - age  # they expire when the file does
            else:
                # ccxt keeps them on the instance; the answer's copy is not needed. A file
                # that failed half-way through `set_markets` must not pass for loaded ones.
                reload = self._loaded_at is not None or cache is not None
                yield from self._transport.fetch(ep.call("load_markets", reload))
                self._loaded_at = now
                if cache is not None:
                    cache.store(self._clock.time())
        catalogue: dict[str, Any] = self._exchange.markets
        return catalogue

    def _market(self, symbol: str) -> Flow[dict[str, Any]]:
        catalogue = yield from self._catalogue()
        market = catalogue.get(symbol)
        if market is None:
            import difflib

            close = difflib.get_close_matches(symbol, list(catalogue), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ValidationError(
                f"{self._exchange.id} lists no market {symbol!r}{hint} "
                "(symbols are ccxt's unified ones, e.g. 'BTC/USDT:USDT')"
            )
        found: dict[str, Any] = market
        return found

    def _markets(self) -> Flow[Table[Market]]:
        catalogue = yield from self._catalogue()
        return frames.markets(catalogue, venue=self._venue)

    # --- history ------------------------------------------------------------------------

    def _history(
        self,
        kind: Kind,
        symbol: str,
        interval: IntervalInput | None,
        start: TimeInput,
        end: TimeInput | None,
    ) -> Flow[Table[Any]]:
        wanted, step = self._checked(kind, interval)
        name = _symbol(symbol)
        lo, hi = self._window(start, end)
        return self._history_flow(wanted, step, name, lo, hi)

    def _history_flow(
        self, kind: Kind, step: Interval, symbol: str, lo: datetime, hi: datetime
    ) -> Flow[Table[Any]]:
        market = yield from self._market(symbol)
        pages, notes = self._pages(kind, step, symbol, lo, hi)
        method = _HISTORY[kind]
        forming = step.floor(self._now())
        tables: list[Table[Any]] = []
        rows_of_all: list[Any] = []
        for a, b, limit, cost in pages:
            until = {"until": to_ms(b) - 1}  # ccxt's until is inclusive; our end is not
            if kind is Kind.FUNDING_SETTLEMENT:
                rows = yield from self._call(method, symbol, to_ms(a), limit, until, cost=cost)
                rows_of_all += rows
                continue
            if kind is Kind.LIQUIDATION_EVENTS:
                tables.append((yield from self._liquidation_page(market, a, b, limit, cost, notes)))
                continue
            if kind is Kind.LONG_SHORT_RATIO:
                rows = yield from self._long_short_page(symbol, step, a, limit, until, cost)
            else:
                rows = yield from self._call(
                    method, symbol, step.value, to_ms(a), limit, until, cost=cost
                )
            # The forming candle is left out, so that a stored bar is always final; an
            # open-interest sample is final when taken.
            upto = min(b, forming) if kind is Kind.OHLCV else b
            table = self._bars(kind, rows, market, step, a, upto)
            # The newest period may not be published yet: it is not counted as missing.
            expected = _bars(step, a, min(b, step.add(forming, -1)))
            if len(table) < expected:
                notes.append(
                    f"{self._exchange.id} answered {len(table)} of the {expected} "
                    f"{kind.value} {step.value} bars of {symbol} in "
                    f"[{a.isoformat()}, {b.isoformat()})"
                )
            tables.append(table)
        if kind is Kind.FUNDING_SETTLEMENT:
            tables.append(
                frames.settlements(rows_of_all, venue=self._venue, market=market, lo=lo, hi=hi)
            )
        return Table.concat(kind, tables, notes)

    def _liquidation_page(
        self,
        market: dict[str, Any],
        lo: datetime,
        hi: datetime,
        limit: int,
        cost: int,
        notes: list[str],
    ) -> Flow[Table[Any]]:
        """The liquidations of one window; a full page may not be all of them: it warns."""
        exchange_id = str(self._exchange.id)
        since, params = ep.bounds(exchange_id, ep.LIQUIDATIONS, to_ms(lo), to_ms(hi) - 1)
        rows = yield from self._call(
            ep.LIQUIDATIONS, market["symbol"], since, limit, params, cost=cost
        )
        if len(rows) >= limit:
            notes.append(
                f"{exchange_id} answered a full page of {limit} liquidations of "
                f"{market['symbol']} in [{lo.isoformat()}, {hi.isoformat()}): "
                "some may be missing"
            )
        return frames.liquidation_events(rows, venue=self._venue, market=market, lo=lo, hi=hi)

    def _long_short_page(
        self, symbol: str, step: Interval, lo: datetime, limit: int, until: Any, cost: int
    ) -> Flow[Any]:
        """One call of ccxt's long/short method: the newest `limit` rows where it takes no
        bounds (Bybit would send an `until` on as an unknown query parameter)."""
        exchange_id = str(self._exchange.id)
        period = ep.period(exchange_id, step)
        if ep.newest_only(exchange_id, ep.LONG_SHORT_HISTORY):
            return (
                yield from self._call(
                    ep.LONG_SHORT_HISTORY, symbol, period, None, limit, {}, cost=cost
                )
            )
        return (
            yield from self._call(
                ep.LONG_SHORT_HISTORY, symbol, period, to_ms(lo), limit, until, cost=cost
            )
        )

    def _bars(
        self,
        kind: Kind,
        rows: Any,
        market: dict[str, Any],
        step: Interval,
        lo: datetime,
        hi: datetime,
    ) -> Table[Any]:
        if lo >= hi:
            return Table.empty(kind)
        return _SHAPES[kind](rows, venue=self._venue, market=market, interval=step, lo=lo, hi=hi)

    # --- snapshots ----------------------------------------------------------------------

    def _snapshot(self, kind: Kind, symbols: Symbols) -> Flow[Table[Any]]:
        self._check(kind)
        return self._snapshot_flow(kind, _symbols(symbols))

    def _snapshot_flow(self, kind: Kind, symbols: list[str]) -> Flow[Table[Any]]:
        markets = {}
        for symbol in symbols:
            markets[symbol] = yield from self._market(symbol)
        has = self._exchange.has
        single, bulk = (
            ("fetch_open_interest", "fetchOpenInterests")
            if kind is Kind.OPEN_INTEREST_SNAPSHOT
            else ("fetch_funding_rate", "fetchFundingRates")
        )
        if offers(has, bulk):
            answer = yield from self._call(_snake(bulk), symbols)
            rows = [answer[symbol] for symbol in symbols if symbol in answer]
        else:
            rows = []
            for symbol in symbols:
                rows.append((yield from self._call(single, symbol)))
        shape = (
            frames.open_interests if kind is Kind.OPEN_INTEREST_SNAPSHOT else frames.funding_rates
        )
        table = shape(rows, venue=self._venue, markets=markets, now=self._now())
        lacking = [symbol for symbol in symbols if symbol not in {row["symbol"] for row in rows}]
        notes = (
            [f"{self._exchange.id} answered nothing for {', '.join(lacking)}"] if lacking else []
        )
        return Table.concat(kind, [table], notes)

    # --- the source protocol ------------------------------------------------------------

    def _series(
        self, kind: Kind | str, symbols: Symbols, interval: IntervalInput
    ) -> Flow[SeriesIds]:
        wanted, step = self._checked(kind, interval)
        return self._series_flow(wanted, step, _symbols(symbols))

    def _series_flow(self, kind: Kind, step: Interval, symbols: list[str]) -> Flow[SeriesIds]:
        found: SeriesIds = {}
        for symbol in symbols:
            market = yield from self._market(symbol)
            unit = (
                frames.volume_unit(market)
                if kind is Kind.OHLCV
                else frames.open_interest_unit(self._venue, market)
            )
            values = {
                "provider": ep.PROVIDER,
                "exchange": self._venue,
                "symbol": symbol,
                "interval": step.value,
                "unit": unit,
            }
            found[symbol] = {column: values[column] for column in series_key(kind)}
        return found

    def _fetch(self, step: Step) -> Flow[Table[Any]]:
        if step.kind in SNAPSHOTS:
            return self._snapshot(step.kind, list(step.symbols))
        (symbol,) = step.symbols
        return self._history(step.kind, symbol, step.interval, step.start, step.end)

    # --- streams ------------------------------------------------------------------------

    def _stream_markets(self, symbols: list[str]) -> Flow[Mapping[str, Any]]:
        """ccxt's markets, loaded through the budget, once every symbol is checked in them."""
        for symbol in symbols:
            yield from self._market(symbol)
        catalogue = yield from self._catalogue()
        return catalogue

    def _stream(
        self,
        channel: str,
        symbols: Symbols,
        interval: IntervalInput | None,
        *,
        pro: Any,
        own_pro: bool,
        markets: Callable[[list[str]], Awaitable[Mapping[str, Any]]],
        history: Callable[[Kind, str, Interval, datetime, datetime], Awaitable[Table[Any]]],
        sink: TableWriter | None,
        queue_size: int,
        overflow: Overflow,
        silence: float | None,
    ) -> Stream:
        """A `Stream` of `channel` for `symbols` over ccxt.pro (see `stream` in this package)."""
        from cryptodata.core.stream import Stream

        from .sender import build_stream_exchange, install_budget, is_stream_exchange
        from .stream import CONNECTIONS_PER_MINUTE, CcxtAdapter

        wanted = _symbols(symbols)
        suffix = "" if interval is None else f":{self._coverage.interval(interval).value}"
        exchange_id = str(self._exchange.id)
        if pro is not None and not is_stream_exchange(pro, exchange_id):
            raise ValidationError(f"pro= must be a ccxt.pro instance of {exchange_id}")

        def exchange() -> tuple[Any, bool]:
            if pro is not None:
                # The blocking client runs the caller's instance on the stream's own event
                # loop, which ends with the stream: its session is closed with the connection
                # (ccxt opens a new one if the instance is used again).
                return pro, own_pro
            made = build_stream_exchange(self._exchange, self._config)
            # What ccxt.pro asks by REST (a listen key, markets) is charged to the budget.
            install_budget(made, self._limiter)
            return made, True

        backfilled = frozenset(
            kind for kind in (Kind.OHLCV, Kind.LIQUIDATION_EVENTS) if self._coverage.supports(kind)
        )
        adapter = CcxtAdapter(
            exchange,
            venue=self._venue,
            market_type=_market_type(wanted[0]),
            markets=markets,
            history=history,
            backfilled=backfilled,
            connections_per_minute=CONNECTIONS_PER_MINUTE.get(self._venue, 30),
        )
        return Stream(
            adapter,
            [f"{channel}:{symbol}{suffix}" for symbol in wanted],
            sink=sink,
            clock=self._clock,
            silence=silence,
            queue_size=queue_size,
            overflow=overflow,
        )

    def _history_of(
        self, kind: Kind, symbol: str, step: Interval, start: datetime, end: datetime
    ) -> Flow[Table[Any]]:
        """A stream's back-fill: `kind` rows of `symbol` over `[start, end)`."""
        return self._history(
            kind, symbol, None if kind is Kind.LIQUIDATION_EVENTS else step, start, end
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._exchange.id!r}, limiter={self._limiter!r})"


def _kind(kind: Kind | str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise ValidationError(f"unknown kind {kind!r}") from None


def _symbol(symbol: object) -> str:
    return text("symbol", symbol)


def _symbols(symbols: Symbols) -> list[str]:
    return names("symbols", symbols)


def _snake(name: str) -> str:
    """`fetchOpenInterests` → `fetch_open_interests` (ccxt's Python method names)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _bars(step: Interval, start: datetime, end: datetime) -> int:
    """How many bars of `step` start in `[start, end)`."""
    found, at = 0, step.floor(start)
    at = at if at >= start else step.add(at, 1)
    while at < end:
        found, at = found + 1, step.add(at, 1)
    return found


class Ccxt(_CcxtBase):
    """Blocking client over any ccxt exchange: OHLCV, open interest, funding, long/short
    ratios, liquidations, markets.

    Args:
        exchange: A ccxt exchange id (`"binanceusdm"`, `"bybit"`, ...) or your own configured
            ccxt instance (proxies, sandbox mode, credentials), used as is except for its
            throttle hook, which charges `limiter`.
        config: ccxt's constructor options for an exchange built from its id.
        limiter: The one budget, in ccxt's cost units; by default a token bucket of the
            exchange's `rateLimit` (one unit every `rateLimit` ms). Share one (a
            `RedisRateLimiter` across processes) to share the venue's budget.
        retry: Retry policy; see `RetryPolicy` (ccxt's own retries stay off).
        clock: Time source (tests pass a `ManualClock`).
        market_ttl: Seconds the loaded markets are kept before they are loaded again.
        market_cache: A directory where the markets loaded from the venue are kept on disk
            (one JSON file per exchange and market set, see `market_cache`), so that a new
            client, in this process or another, uses them without a request while they are
            younger than `market_ttl`; markets only, never credentials. `None`: memory only.

    Raises:
        ValidationError: For an id ccxt does not know, an async instance, or a bad setting.
        MissingDependencyError: When ccxt is not installed (`pip install 'cryptodata[ccxt]'`).

    Examples:
        >>> from cryptodata import Ccxt
        >>> bn = Ccxt("binanceusdm")                                    # doctest: +SKIP
        >>> bn.ohlcv("BTC/USDT:USDT", interval="1h", start="2025-01-01")  # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        exchange: Any,
        *,
        config: Mapping[str, Any] | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        market_ttl: float = 3600.0,
        market_cache: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(
            exchange,
            config=config,
            limiter=limiter,
            retry=retry,
            clock=clock,
            market_ttl=market_ttl,
            market_cache=market_cache,
            asynchronous=False,
        )
        from .sender import CcxtSender

        self._transport = SyncTransport(
            sender=CcxtSender(self._exchange, self._clock), **self._transport_options
        )

    def markets(self) -> Table[Market]:
        """Every market ccxt lists for the exchange (loaded once per `market_ttl`)."""
        return self._transport.run(self._markets())

    def ohlcv(
        self,
        symbol: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[OhlcvBar]:
        """OHLCV bars of `symbol` (ccxt's unified symbol) over `[start, end)`, oldest first.

        The forming bar is left out. `volume` is in `unit` (see `frames.volume_unit`); buy
        volume and trade counts are null (ccxt's unified candle has none).

        Raises:
            UnsupportedError: For an interval the exchange does not offer.
            ValidationError: For an unknown symbol (naming close matches) or a bad window.
        """
        return self._transport.run(self._history(Kind.OHLCV, symbol, interval, start, end))

    def funding_history(
        self, symbol: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[FundingSettlement]:
        """Settled funding of a perpetual over `[start, end)`: one row per settlement.

        `ts` is the settlement time, `rate` the fraction paid for the period, `period_hours`
        the market's funding interval where ccxt's market gives it (Bybit), else the spacing
        of the settlements; `premium` is null.
        """
        return self._transport.run(self._history(Kind.FUNDING_SETTLEMENT, symbol, None, start, end))

    def open_interest_history(
        self,
        symbol: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[OpenInterestBar]:
        """Open-interest samples of `symbol` over `[start, end)`, one bar per period.

        Each sample is the open interest the venue reports at `ts`: open, high, low and
        close all hold it (ccxt gives no range within the period). The amount (`base`, or
        `contracts`) and the value (`quote`) are two series told apart by `unit`, each only
        where the venue gives it.
        """
        return self._transport.run(self._history(Kind.OPEN_INTEREST, symbol, interval, start, end))

    def long_short_ratio_history(
        self,
        symbol: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[LongShortRatioBar]:
        """The venue's long/short ratio of `symbol` over `[start, end)`, one bar per period.

        `ratio` is ccxt's `longShortRatio` (Binance: global accounts; Bybit: buy over sell
        ratio; OKX: accounts), not one metric across venues. `long_pct` and `short_pct` are
        filled only where the venue gives the shares (Binance, Bybit). Binance keeps ~30
        days; ccxt's Bybit and Bitget methods take no bounds, so one call answers the newest
        periods and a window reaching further back is cut, with a warning.

        Raises:
            UnsupportedError: For a venue or period without long/short history.
            ValidationError: For an unknown symbol (naming close matches) or a bad window.
        """
        return self._transport.run(
            self._history(Kind.LONG_SHORT_RATIO, symbol, interval, start, end)
        )

    def liquidations(
        self, symbol: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[LiquidationEvent]:
        """Every liquidation of `symbol` the venue reports over `[start, end)`, oldest first.

        `side` is the side of the liquidated position (`long`/`short`) on every venue (see
        the provider docs for how each venue states it); `amount` is in base, `value` in the
        quote currency; `event_id` is the venue's id, or one derived from the event (see
        `LiquidationEvent`). Pages span an hour; a page the venue fills to its limit may not
        hold every event of its hour, and says so in `warnings`.

        Raises:
            UnsupportedError: For a venue without REST liquidation history (Binance and
                Bybit stream theirs), before any request.
            ValidationError: For an unknown symbol (naming close matches) or a bad window.
        """
        return self._transport.run(self._history(Kind.LIQUIDATION_EVENTS, symbol, None, start, end))

    def open_interest(self, symbols: Symbols) -> Table[OpenInterestSnapshot]:
        """Current open interest of `symbols`: amount and value as the venue gives them.

        One bulk call where ccxt has `fetch_open_interests`, else one call per symbol. `ts`
        is the venue's time, or the fetch time where it gives none (Hyperliquid).
        """
        return self._transport.run(self._snapshot(Kind.OPEN_INTEREST_SNAPSHOT, symbols))

    def funding_rate(self, symbols: Symbols) -> Table[FundingRateSnapshot]:
        """The funding rate accruing now for `symbols`, with its period where it is known."""
        return self._transport.run(self._snapshot(Kind.FUNDING_RATE_SNAPSHOT, symbols))

    def stream_liquidations(
        self,
        symbols: Symbols,
        *,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        pro: Any = None,
    ) -> SyncStream:
        """A blocking iterator over the venue's liquidations, streamed by ccxt.pro.

        Each `Data` item holds `liquidation_events` rows as `liquidations` returns them
        (`side` = the liquidated position's); where the venue's stream is a sample
        (Binance: at most one per symbol per second) every table's `warnings` says so.
        The stream runs on a thread of its own, so it also works in a notebook; close it
        (or use `with`) to stop it. See `AsyncCcxt.stream_liquidations` for the arguments;
        a `pro=` instance runs on the stream's event loop, which ends with the stream, so its
        session is closed with each connection (ccxt opens a new one when it is used again).

        Raises:
            ValidationError: For a symbol the venue does not list (markets are loaded
                through the budget first), or a bad setting.
            UnsupportedError: If ccxt.pro does not stream the venue's liquidations.

        Examples:
            >>> with Ccxt("bybit").stream_liquidations(["BTC/USDT:USDT"]) as feed:  # doctest: +SKIP
            ...     for item in feed:
            ...         print(item)
        """
        return self._sync_stream(
            "liquidations", symbols, None, pro, sink, queue_size, overflow, silence
        )

    def stream_trades(
        self,
        symbols: Symbols,
        *,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        pro: Any = None,
    ) -> SyncStream:
        """A blocking iterator over the venue's public trades (`trades` rows), by ccxt.pro.

        See `stream_liquidations`; `side` is the taker's, `amount` in the market's size unit.
        """
        return self._sync_stream("trades", symbols, None, pro, sink, queue_size, overflow, silence)

    def stream_ohlcv(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        pro: Any = None,
    ) -> SyncStream:
        """A blocking iterator over the venue's candles (`ohlcv` rows), by ccxt.pro.

        Only closed bars are emitted: the forming bar is held until a later one shows it
        closed. After a reconnect the missed bars come by REST (`backfill=True`). See
        `stream_liquidations` for the rest.
        """
        return self._sync_stream(
            "ohlcv", symbols, interval, pro, sink, queue_size, overflow, silence
        )

    def _sync_stream(
        self,
        channel: str,
        symbols: Symbols,
        interval: IntervalInput | None,
        pro: Any,
        sink: TableWriter | None,
        queue_size: int,
        overflow: Overflow,
        silence: float | None,
    ) -> SyncStream:
        from cryptodata.core.stream import SyncStream

        loaded: list[Mapping[str, Any]] = []

        async def markets(_: list[str]) -> Mapping[str, Any]:
            return loaded[0]

        def history(
            kind: Kind, symbol: str, step: Interval, start: datetime, end: datetime
        ) -> Awaitable[Table[Any]]:
            import asyncio

            return asyncio.to_thread(
                self._transport.run, self._history_of(kind, symbol, step, start, end)
            )

        stream = self._stream(
            channel,
            symbols,
            interval,
            pro=pro,
            own_pro=True,
            markets=markets,
            history=history,
            sink=sink,
            queue_size=queue_size,
            overflow=overflow,
            silence=silence,
        )
        # Blocking code may load the markets now, once the rest is checked: a bad symbol
        # fails here rather than in the feed.
        loaded.append(self._transport.run(self._stream_markets(_symbols(symbols))))
        return SyncStream(stream)

    def series(self, kind: Kind | str, symbols: Symbols, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns each symbol's rows carry (open interest: the amount's unit)."""
        return self._transport.run(self._series(kind, symbols, interval))

    def fetch(self, step: Step) -> Table[Any]:
        """The rows of one step of `Ccxt.history_steps`."""
        return self._transport.run(self._fetch(step))

    def close(self) -> None:
        """Release the sender (ccxt's blocking session needs no closing)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCcxt(_CcxtBase):
    """The asyncio twin of `Ccxt` (ccxt's `async_support`): same arguments, same results.

    Examples:
        >>> async with AsyncCcxt("bybit") as by:                             # doctest: +SKIP
        ...     t = await by.funding_history("BTC/USDT:USDT", start="2025-06-01")
    """

    _transport: AsyncTransport

    def __init__(
        self,
        exchange: Any,
        *,
        config: Mapping[str, Any] | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        market_ttl: float = 3600.0,
        market_cache: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(
            exchange,
            config=config,
            limiter=limiter,
            retry=retry,
            clock=clock,
            market_ttl=market_ttl,
            market_cache=market_cache,
            asynchronous=True,
        )
        from .sender import AsyncCcxtSender

        self._transport = AsyncTransport(
            sender=AsyncCcxtSender(self._exchange, self._clock), **self._transport_options
        )

    async def markets(self) -> Table[Market]:
        """See `Ccxt.markets`."""
        return await self._transport.run(self._markets())

    async def ohlcv(
        self,
        symbol: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[OhlcvBar]:
        """See `Ccxt.ohlcv`."""
        return await self._transport.run(self._history(Kind.OHLCV, symbol, interval, start, end))

    async def funding_history(
        self, symbol: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[FundingSettlement]:
        """See `Ccxt.funding_history`."""
        return await self._transport.run(
            self._history(Kind.FUNDING_SETTLEMENT, symbol, None, start, end)
        )

    async def open_interest_history(
        self,
        symbol: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[OpenInterestBar]:
        """See `Ccxt.open_interest_history`."""
        return await self._transport.run(
            self._history(Kind.OPEN_INTEREST, symbol, interval, start, end)
        )

    async def long_short_ratio_history(
        self,
        symbol: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[LongShortRatioBar]:
        """See `Ccxt.long_short_ratio_history`."""
        return await self._transport.run(
            self._history(Kind.LONG_SHORT_RATIO, symbol, interval, start, end)
        )

    async def liquidations(
        self, symbol: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[LiquidationEvent]:
        """See `Ccxt.liquidations`."""
        return await self._transport.run(
            self._history(Kind.LIQUIDATION_EVENTS, symbol, None, start, end)
        )

    async def open_interest(self, symbols: Symbols) -> Table[OpenInterestSnapshot]:
        """See `Ccxt.open_interest`."""
        return await self._transport.run(self._snapshot(Kind.OPEN_INTEREST_SNAPSHOT, symbols))

    async def funding_rate(self, symbols: Symbols) -> Table[FundingRateSnapshot]:
        """See `Ccxt.funding_rate`."""
        return await self._transport.run(self._snapshot(Kind.FUNDING_RATE_SNAPSHOT, symbols))

    def stream_liquidations(
        self,
        symbols: Symbols,
        *,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        pro: Any = None,
    ) -> Stream:
        """The venue's liquidations, streamed by ccxt.pro: an async iterator of stream items.

        Each `Data` item holds `liquidation_events` rows as `liquidations` returns them
        (`side` = the liquidated position's); where the venue's stream is a sample
        (Binance: at most one per symbol per second) every table's `warnings` says so. The
        venue's bulk method serves all symbols where ccxt has one. ccxt.pro keeps the
        websockets alive; the stream reconnects when ccxt loses them (`Disconnected`,
        `Reconnected`) and back-fills the missed span where the venue has REST history.

        Args:
            symbols: ccxt unified symbols, e.g. `["BTC/USDT:USDT", "ETH/USDT:USDT"]`.
            sink: Where every data table is also written.
            queue_size: Most items waiting for the consumer.
            overflow: `"drop_oldest"` or `"block"` (see `Stream`).
            silence: Seconds without any push after which the stream reconnects (30
                minutes by default: ccxt watches the connection itself).
            pro: Your own ccxt.pro instance of the venue (proxies, URLs), used as is and
                left open; by default one is made per connection from the exchange id and
                the client's `config` (sandbox mode kept), charged to the client's budget.

        Raises:
            ValidationError: For a bad setting at once, or (from the first item) a symbol
                the venue does not list: markets load through the budget before the
                first connection.
            UnsupportedError: If ccxt.pro does not stream the venue's liquidations.

        Examples:
            >>> async with AsyncCcxt("bybit") as by:                          # doctest: +SKIP
            ...     async with by.stream_liquidations(["BTC/USDT:USDT"]) as feed:
            ...         async for item in feed:
            ...             print(item)
        """
        return self._async_stream(
            "liquidations", symbols, None, pro, sink, queue_size, overflow, silence
        )

    def stream_trades(
        self,
        symbols: Symbols,
        *,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        pro: Any = None,
    ) -> Stream:
        """The venue's public trades (`trades` rows), by ccxt.pro; see `stream_liquidations`."""
        return self._async_stream("trades", symbols, None, pro, sink, queue_size, overflow, silence)

    def stream_ohlcv(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        sink: TableWriter | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        silence: float | None = None,
        pro: Any = None,
    ) -> Stream:
        """The venue's closed candles (`ohlcv` rows), by ccxt.pro; see `Ccxt.stream_ohlcv`."""
        return self._async_stream(
            "ohlcv", symbols, interval, pro, sink, queue_size, overflow, silence
        )

    def _async_stream(
        self,
        channel: str,
        symbols: Symbols,
        interval: IntervalInput | None,
        pro: Any,
        sink: TableWriter | None,
        queue_size: int,
        overflow: Overflow,
        silence: float | None,
    ) -> Stream:
        def markets(wanted: list[str]) -> Awaitable[Mapping[str, Any]]:
            return self._transport.run(self._stream_markets(wanted))

        def history(
            kind: Kind, symbol: str, step: Interval, start: datetime, end: datetime
        ) -> Awaitable[Table[Any]]:
            return self._transport.run(self._history_of(kind, symbol, step, start, end))

        return self._stream(
            channel,
            symbols,
            interval,
            pro=pro,
            own_pro=False,
            markets=markets,
            history=history,
            sink=sink,
            queue_size=queue_size,
            overflow=overflow,
            silence=silence,
        )

    async def series(
        self, kind: Kind | str, symbols: Symbols, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `Ccxt.series`."""
        return await self._transport.run(self._series(kind, symbols, interval))

    async def fetch(self, step: Step) -> Table[Any]:
        """See `Ccxt.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def aclose(self) -> None:
        """Close ccxt's aiohttp session."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
