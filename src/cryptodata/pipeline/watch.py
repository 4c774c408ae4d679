"""`watch`: keep series current by polling on every interval boundary, until told to stop.

Each cycle runs an `update`: every series resumes from its
newest stored bar, so a cycle after downtime back-fills the gap (as far as the provider still
keeps it), and the `lag` re-read replaces revised bars instead of duplicating them. SIGINT and
SIGTERM only raise a flag: the cycle in progress finishes its write, then the loop returns.

Only bad arguments end a watch: they are checked before the first cycle, and the first
planning checks the symbols against the provider's market list. After that, whatever a cycle
meets (a provider or network error, an answer that cannot be parsed, a symbol the market list
dropped, a sink refusing a table, a full disk) fails that cycle: it is logged and counted,
and the loop waits for the next boundary.

`watch_across` (or `watch` given a `MarketData`) runs `update_across` in the same loop: each
cycle updates every provider share, and a share that fails is logged and counted
(`WatchStats.failed_shares`) while the others are written; a cycle fails when every share
does, or when its question cannot be asked (a market list that cannot be read).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import overload

import attrs

from cryptodata.core._checks import count, finite
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.schema import Kind
from cryptodata.core.source import AsyncSource, Source
from cryptodata.core.time import TimeInput, to_utc
from cryptodata.marketdata.facade import AsyncMarketData, MarketData
from cryptodata.sinks.base import Sink

from .across import AcrossReport, aupdate_across, update_across
from .backfill import (
    DEFAULT_LAG_BARS,
    BackfillReport,
    _aseries,
    _facade_venues,
    _finish_plan,
    _kinds,
    _Query,
    _series,
    _source_only,
    arun_plan,
    check_lag,
    run_plan,
)

__all__ = ["WatchStats", "awatch", "awatch_across", "watch", "watch_across"]

logger = logging.getLogger("cryptodata.pipeline")

MAX_DELAY = 86_400.0
"""Longest `delay` after a boundary, in seconds (a day): providers publish within minutes."""


@attrs.define
class WatchStats:
    """Health of a watch loop, logged after every cycle.

    Attributes:
        cycles: Cycles run.
        requests: Data requests sent.
        failures: Cycles that ended in an error of the provider, its data, the network, the
            sink or the file system (any `CryptoDataError` or `OSError`): the loop carries on.
            Only bad arguments, found before the first cycle or by its planning (a symbol the
            provider does not list), raise at once.
        rows_written: Rows the sink accepted.
        last_fetch: When the last successful cycle finished.
        last_error: The last error message, if any.
        failed_shares: Across providers (`watch_across`), the provider shares that failed in
            a cycle the others went on in; a cycle whose every share failed is also counted in
            `failures`.
    """

    cycles: int = 0
    requests: int = 0
    failures: int = 0
    rows_written: int = 0
    last_fetch: datetime | None = None
    last_error: str | None = None
    failed_shares: int = 0


@overload
def watch(
    source: Source,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
) -> WatchStats: ...


@overload
def watch(
    source: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    venues: str | Sequence[str],
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> WatchStats: ...


def watch(
    source: Source | MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
    venues: str | Sequence[str] | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> WatchStats:
    """Poll closed bars of `kinds` for `symbols` every `interval`, `delay` seconds after the boundary.

    The first cycle runs at once (filling whatever is missing); later ones wait for the next
    boundary. Only closed bars are fetched: a cycle at 12:01:05 asks for bars up to 12:01.
    A `start` that no bar has closed after yet (a daily watch starting today, or a clock
    stepped back) is not an error: those cycles have nothing new, and the loop waits.

    Given a `MarketData` instead of a source, `symbols` are canonical assets and `venues=` is
    required: see `watch_across`.

    Args:
        source: Any `Source` (a provider client), or a `MarketData`.
        kinds: Series kinds.
        symbols: The provider's symbols; for a `MarketData`, assets (`["BTC", "ETH"]`).
        interval: Bar interval and polling period.
        sink: Where rows go.
        delay: Seconds after the boundary before polling (the provider needs a moment),
            from 0 to 86,400.
        lag: Bars re-read before each series' newest stored bar, an integer of at least 0.
        start: Where series with nothing stored begin (see `update`); may be today.
        stop: Set it to end the loop; SIGINT/SIGTERM set it too (main thread only).
        max_cycles: Stop after this many cycles (tests, cron-like runs).
        clock: Time source; the source's clock by default.
        venues: The venues, for a `MarketData` only.
        instrument: See `MarketData.question` (a `MarketData` only).
        prefer: See `MarketData.question` (a `MarketData` only).
        stitch: See `MarketData.question` (a `MarketData` only).

    Returns:
        The loop's health counters.

    Raises:
        ValidationError: Bad arguments, before the first data request; see `WatchStats.failures`
            for everything else.
    """
    if isinstance(source, MarketData):
        return watch_across(
            source,
            kinds,
            symbols,
            venues=_facade_venues(venues, "watch"),
            interval=interval,
            sink=sink,
            delay=delay,
            lag=lag,
            start=start,
            stop=stop,
            max_cycles=max_cycles,
            clock=clock,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
    _source_only(source, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
    loop = _Loop.start(
        _kinds(kinds),
        source.coverage().interval(interval),
        delay,
        lag,
        stop,
        max_cycles,
        clock or source.clock,
    )
    query = loop.query(source, symbols, start, lag)

    def cycle() -> BackfillReport:
        cycled = loop.cycle(query)
        plan = _finish_plan(source, cycled, sink, _series(source, cycled))
        loop.checked = True
        return run_plan(source, plan, sink=sink)

    return _drive(loop, cycle)


def watch_across(
    md: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    sink: Sink,
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> WatchStats:
    """`watch` across providers: `update_across` of `kinds` of `assets` on `venues` each cycle.

    The loop is `watch`'s (boundaries, `delay`, signals, `stop`, `max_cycles`); each cycle
    updates every provider share up to the bars closed then. A share that fails is logged
    and counted in `WatchStats.failed_shares` while the others are written; a cycle whose every
    share fails, or whose question cannot be asked, counts in `WatchStats.failures`. Bad
    arguments end the watch: those found before the first cycle, and a `ValidationError` of
    the first cycle's question or of one of its shares (it would come back every cycle).

    Args:
        md: The facade; its clock (its first provider's) paces the loop unless `clock` is given.
        kinds: Series kinds.
        assets: Canonical assets, e.g. `["BTC", "ETH"]`.
        venues: The venues; each is routed to a provider.
        interval: Bar interval and polling period.
        sink: Where rows go, with the canonical asset in `base`.
        delay: See `watch`.
        lag: See `watch`.
        start: See `update_across`; may be today (cycles before a bar closes after it have
            nothing new).
        stop: See `watch`.
        max_cycles: See `watch`.
        clock: See `watch`.
        instrument: See `MarketData.question`.
        prefer: See `MarketData.question`.
        stitch: See `MarketData.question`.

    Returns:
        The loop's health counters.

    Raises:
        ValidationError: Bad arguments (see above).

    Examples:
        >>> with ParquetSink("data/") as sink:                                 # doctest: +SKIP
        ...     watch_across(MarketData(), "ohlcv", ["BTC", "ETH"], venues=["binance",
        ...                  "hyperliquid"], interval="1m", start="2025-06-01", sink=sink)
    """
    loop = _Loop.start(
        _kinds(kinds), Interval.parse(interval), delay, lag, stop, max_cycles, clock or md.clock
    )
    begin = None if start is None else to_utc(start, name="start")

    def cycle() -> AcrossReport:
        end = loop.end_after(begin)
        if end is None:
            return AcrossReport((), ())
        report = update_across(
            md,
            loop.kinds,
            assets,
            venues=venues,
            interval=loop.step,
            sink=sink,
            start=begin,
            end=end,
            lag=lag,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
        return loop.checked_across(report)

    return _drive(loop, cycle)


@overload
async def awatch(
    source: AsyncSource,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
) -> WatchStats: ...


@overload
async def awatch(
    source: AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    venues: str | Sequence[str],
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> WatchStats: ...


async def awatch(
    source: AsyncSource | AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
    venues: str | Sequence[str] | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> WatchStats:
    """The asyncio twin of `watch`, for `AsyncCoinalyze` and friends (or an `AsyncMarketData`:
    see `awatch_across`).

    Waits between cycles without blocking the event loop; `stop` (a `threading.Event`, so
    signal handlers and other threads can set it) is checked at least once a second.
    """
    if isinstance(source, AsyncMarketData):
        return await awatch_across(
            source,
            kinds,
            symbols,
            venues=_facade_venues(venues, "watch"),
            interval=interval,
            sink=sink,
            delay=delay,
            lag=lag,
            start=start,
            stop=stop,
            max_cycles=max_cycles,
            clock=clock,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
    _source_only(source, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
    loop = _Loop.start(
        _kinds(kinds),
        source.coverage().interval(interval),
        delay,
        lag,
        stop,
        max_cycles,
        clock or source.clock,
    )
    query = loop.query(source, symbols, start, lag)

    async def cycle() -> BackfillReport:
        cycled = loop.cycle(query)
        plan = _finish_plan(source, cycled, sink, await _aseries(source, cycled))
        loop.checked = True
        return await arun_plan(source, plan, sink=sink)

    return await _adrive(loop, cycle)


async def awatch_across(
    md: AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    sink: Sink,
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> WatchStats:
    """The asyncio twin of `watch_across`, on an `AsyncMarketData` (waiting as `awatch` does)."""
    loop = _Loop.start(
        _kinds(kinds), Interval.parse(interval), delay, lag, stop, max_cycles, clock or md.clock
    )
    begin = None if start is None else to_utc(start, name="start")

    async def cycle() -> AcrossReport:
        end = loop.end_after(begin)
        if end is None:
            return AcrossReport((), ())
        report = await aupdate_across(
            md,
            loop.kinds,
            assets,
            venues=venues,
            interval=loop.step,
            sink=sink,
            start=begin,
            end=end,
            lag=lag,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
        return loop.checked_across(report)

    return await _adrive(loop, cycle)


def _drive(loop: _Loop, cycle: Callable[[], BackfillReport | AcrossReport]) -> WatchStats:
    """Run `cycle` on every boundary until stopped: the blocking loop both watches share."""
    with _stop_on_signals(loop.stop):
        while not loop.stop.is_set():
            try:
                report = cycle()
            except (CryptoDataError, OSError) as exc:
                loop.failed(exc)
            else:
                loop.done(report)
            if loop.finished():
                break
            while (wait := loop.wait()) > 0:
                if isinstance(loop.clock, SystemClock):
                    loop.stop.wait(wait)  # returns early when the loop is told to stop
                else:
                    loop.clock.sleep(wait)
    return loop.stats


async def _adrive(
    loop: _Loop, cycle: Callable[[], Awaitable[BackfillReport | AcrossReport]]
) -> WatchStats:
    """The asyncio twin of `_drive`: waits without blocking the event loop."""
    with _stop_on_signals(loop.stop):
        while not loop.stop.is_set():
            try:
                report = await cycle()
            except (CryptoDataError, OSError) as exc:
                loop.failed(exc)
            else:
                loop.done(report)
            if loop.finished():
                break
            while (wait := loop.wait()) > 0:
                # A threading.Event cannot be awaited: real sleeps are cut into 1 s slices so a
                # stop request is seen within a second.
                await loop.clock.asleep(
                    min(wait, 1.0) if isinstance(loop.clock, SystemClock) else wait
                )
    return loop.stats


@attrs.define
class _Loop:
    """The state and arithmetic both watch loops share: boundaries, health stats, waiting."""

    kinds: list[Kind | str]
    step: Interval
    delay: float
    stop: threading.Event
    max_cycles: int | None
    clock: Clock
    stats: WatchStats = attrs.field(factory=WatchStats)
    wake_at: float = 0.0
    """Monotonic time of the next cycle."""
    checked: bool = False
    """Whether a cycle has planned: the arguments held against the provider's market list."""

    @classmethod
    def start(
        cls,
        kinds: Iterable[Kind | str],
        interval: Interval,
        delay: float,
        lag: int,
        stop: threading.Event | None,
        max_cycles: int | None,
        clock: Clock,
    ) -> _Loop:
        # Checked here, not by the first cycle: a NaN delay or cycle count would otherwise
        # make the loop wait or run forever, and a bad lag fail only once a cycle starts.
        delay = finite("delay", delay, minimum=0, maximum=MAX_DELAY, unit="seconds")
        check_lag(lag, interval, datetime.fromtimestamp(clock.time(), UTC))
        if max_cycles is not None:
            max_cycles = count("max_cycles", max_cycles)
        return cls(list(kinds), interval, delay, stop or threading.Event(), max_cycles, clock)

    def closed_end(self) -> datetime:
        """Start of the bar still open `delay` seconds ago: the end of what is closed."""
        return self.step.floor(datetime.fromtimestamp(self.clock.time() - self.delay, UTC))

    def query(
        self,
        source: Source | AsyncSource,
        symbols: str | Sequence[str],
        start: TimeInput | None,
        lag: int,
    ) -> _Query:
        """The arguments, checked once before the first cycle (no I/O): errors end the watch."""
        return _Query.parse(
            source,
            self.kinds,
            symbols,
            self.step,
            start,
            self.closed_end(),
            lag,
            empty_only=True,
            waiting=True,
        )

    def cycle(self, query: _Query) -> _Query:
        """This cycle's query: up to the bars closed now."""
        return query.until(self.closed_end(), datetime.fromtimestamp(self.clock.time(), UTC))

    def end_after(self, start: datetime | None) -> datetime | None:
        """An across cycle's end (the bars closed now), or `None` while no bar has closed
        after `start` (see `watch`: such a cycle has nothing new)."""
        end = self.closed_end()
        return None if start is not None and start >= end else end

    def checked_across(self, report: AcrossReport) -> AcrossReport:
        """The first across cycle's report, unless a share refused its arguments.

        A share's `ValidationError` at the first cycle (no `start` for a provider that keeps
        its whole history) would come back every cycle: it ends the watch, as bad symbols do.
        """
        if not self.checked:
            refused = [
                run.error for run in report.failures if isinstance(run.error, ValidationError)
            ]
            if refused:
                raise refused[0]
        self.checked = True
        return report

    def done(self, report: BackfillReport | AcrossReport) -> None:
        stats = self.stats
        stats.requests += report.requests
        stats.rows_written += report.rows_written
        runs = report.runs if isinstance(report, AcrossReport) else ()
        failed = [run for run in runs if run.error is not None]
        for run in failed:
            stats.failed_shares += 1
            stats.last_error = run.describe()
            logger.error("watch share failed: %s", stats.last_error)
        if failed and len(failed) == len(runs):
            # Every share failed: so did the cycle.
            stats.failures += 1
        else:
            stats.last_fetch = datetime.fromtimestamp(self.clock.time(), UTC)
        self._end_cycle()

    def failed(self, error: CryptoDataError | OSError) -> None:
        if isinstance(error, ValidationError) and not self.checked:
            # The first planning checks the symbols against the provider's market list: an
            # argument it refuses is refused the same way every cycle, so stop at once.
            raise error
        self.stats.failures += 1
        self.stats.last_error = str(error)
        logger.error("watch cycle failed: %s", error)
        self._end_cycle()

    def finished(self) -> bool:
        return self.max_cycles is not None and self.stats.cycles >= self.max_cycles

    def wait(self) -> float:
        """Seconds left before the next cycle; 0 to go (or to stop)."""
        if self.stop.is_set():
            return 0.0
        return max(self.wake_at - self.clock.monotonic(), 0.0)

    def _end_cycle(self) -> None:
        stats = self.stats
        stats.cycles += 1
        now = self.clock.time()
        next_run = self.step.add(self.step.floor(datetime.fromtimestamp(now, UTC)), 1).timestamp()
        # The wait is read off the wall clock once and counted down on the monotonic one: a
        # wall clock stepped back during the wait (NTP) would otherwise hold the loop until it
        # reached the boundary computed before the step.
        self.wake_at = self.clock.monotonic() + next_run + self.delay - now
        logger.info(
            "watch health: cycles=%d requests=%d failures=%d rows=%d last_fetch=%s",
            stats.cycles,
            stats.requests,
            stats.failures,
            stats.rows_written,
            stats.last_fetch.isoformat() if stats.last_fetch else "never",
        )


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Turn SIGINT/SIGTERM into `stop.set()` while the loop runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        logger.info(
            "watch: %s received, stopping after the current cycle", signal.Signals(signum).name
        )
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
