"""`watch`: keep series current by polling on every interval boundary, until told to stop.

Each cycle runs an [`update`][cryptodata.pipeline.update]: every series resumes from its
newest stored bar, so a cycle after downtime back-fills the gap (as far as the provider still
keeps it), and the `lag` re-read replaces revised bars instead of duplicating them. SIGINT and
SIGTERM only raise a flag: the cycle in progress finishes its write, then the loop returns.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

import attrs

from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.schema import Kind
from cryptodata.core.time import TimeInput
from cryptodata.sinks.base import Sink

from .backfill import DEFAULT_LAG_BARS, HistorySource, update

__all__ = ["WatchStats", "watch"]

logger = logging.getLogger("cryptodata.pipeline")


@attrs.define
class WatchStats:
    """Health of a watch loop, logged after every cycle.

    Attributes:
        cycles: Cycles run.
        requests: Data requests sent.
        failures: Cycles that ended in an error (the loop carries on).
        rows_written: Rows the sink accepted.
        last_fetch: When the last successful cycle finished.
        last_error: The last error message, if any.
    """

    cycles: int = 0
    requests: int = 0
    failures: int = 0
    rows_written: int = 0
    last_fetch: datetime | None = None
    last_error: str | None = None


def watch(
    client: HistorySource,
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    delay: float = 5.0,
    lag: int = DEFAULT_LAG_BARS,
    start: TimeInput | None = None,
    convert_to_usd: bool = False,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    clock: Clock | None = None,
) -> WatchStats:
    """Poll closed bars of `kinds` for `symbols` every `interval`, `delay` seconds after the boundary.

    The first cycle runs at once (filling whatever is missing); later ones wait for the next
    boundary. Only closed bars are fetched: a cycle at 12:01:05 asks for bars up to 12:01.

    Args:
        client: A provider client.
        kinds: Series kinds.
        symbols: The provider's symbols.
        interval: Bar interval and polling period.
        sink: Where rows go.
        delay: Seconds after the boundary before polling (the provider needs a moment).
        lag: Bars re-read before each series' newest stored bar.
        start: Where series with nothing stored begin (see `update`).
        convert_to_usd: USD values for the kinds that offer them.
        stop: Set it to end the loop; SIGINT/SIGTERM set it too (main thread only).
        max_cycles: Stop after this many cycles (tests, cron-like runs).
        clock: Time source.

    Returns:
        The loop's health counters.
    """
    step = Interval.parse(interval)
    wanted = list(kinds)
    if delay < 0:
        raise ValidationError(f"delay must be >= 0 seconds, got {delay}")
    if max_cycles is not None and max_cycles < 1:
        raise ValidationError(f"max_cycles must be >= 1, got {max_cycles}")
    clock = clock or SystemClock()
    stop = stop or threading.Event()
    stats = WatchStats()
    with _stop_on_signals(stop):
        while not stop.is_set():
            now = clock.time()
            closed = datetime.fromtimestamp(
                math.floor((now - delay) / step.seconds) * step.seconds, UTC
            )
            try:
                report = update(
                    client,
                    wanted,
                    symbols,
                    step,
                    sink=sink,
                    start=start,
                    end=closed,
                    lag=lag,
                    convert_to_usd=convert_to_usd,
                )
            except CryptoDataError as exc:
                stats.failures += 1
                stats.last_error = str(exc)
                logger.error("watch cycle failed: %s", exc)
            else:
                stats.requests += report.requests
                stats.rows_written += report.rows_written
                stats.last_fetch = datetime.fromtimestamp(clock.time(), UTC)
            stats.cycles += 1
            logger.info(
                "watch health: cycles=%d requests=%d failures=%d rows=%d last_fetch=%s",
                stats.cycles,
                stats.requests,
                stats.failures,
                stats.rows_written,
                stats.last_fetch.isoformat() if stats.last_fetch else "never",
            )
            if max_cycles is not None and stats.cycles >= max_cycles:
                break
            next_run = (math.floor(clock.time() / step.seconds) + 1) * step.seconds + delay
            _sleep_until(clock, stop, next_run)
    return stats


def _sleep_until(clock: Clock, stop: threading.Event, deadline: float) -> None:
    """Sleep until `deadline` (clock time) or until `stop` is set, whichever comes first."""
    while not stop.is_set() and (remaining := deadline - clock.time()) > 0:
        if isinstance(clock, SystemClock):
            stop.wait(min(remaining, 1.0))
        else:
            clock.sleep(remaining)


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
