"""Scheduled pulls: named `update`s on a cadence, providers in parallel, each run logged.

A pull is an `update` with a name and a cadence: its kinds and series of one provider's
source, brought up to date from what the sink stores (a first run starts at its `start`).
`run_pulls` runs a set of pulls once, as cron or a systemd timer does: the pulls of different
providers at the same time (one thread per provider, each under its own source's limiter),
those of one provider one after another. `loop_pulls` keeps running them, each on its own
cadence (`every="1h", at=":05"`: five past every hour; `every="1d", at="00:05"`), until
SIGINT or SIGTERM, which let the runs in progress finish their writes first.

Every run of a pull writes one `pull_log` row to the sink (a table in Postgres, a series in
the file sinks): the pull, its provider, when it started and finished, `ok`, `partial` (it
wrote some rows, then failed) or `failed`, the rows and requests, and the first error. A
failed run loses nothing already written, and the next run resumes where it stopped.

Backfill and live semantics are `update`'s: rows keep the provider's bar timestamps, and
the `lag` bars re-read on each run replace the bars still filling (today's daily value is
stored at midnight UTC and upserted by each run during the day), so every run is
idempotent in every sink.

`load_pulls` reads a TOML file (see `docs/guides/pulls.md` and `examples/pulls.toml`):

```toml
sink = "postgres:postgresql://localhost/research"

[[pull]]
name = "defillama-tvl"
provider = "defillama"
kinds = ["metric"]
symbols = ["chain_tvl@Ethereum", "chain_tvl@Solana"]
interval = "1d"
start = "2020-01-01"
every = "1h"
at = ":05"
```
"""

from __future__ import annotations

import logging
import re
import threading
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import Any, Final

import attrs
import polars as pl

from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind, schema
from cryptodata.core.source import Source
from cryptodata.core.table import Table
from cryptodata.core.time import to_utc
from cryptodata.sinks.base import Sink, SinkBase

from .backfill import DEFAULT_LAG_BARS, BackfillPlan, update
from .watch import _stop_on_signals

__all__ = ["Cadence", "PullSpec", "PullsConfig", "load_pulls", "loop_pulls", "run_pulls"]

logger = logging.getLogger("cryptodata.pipeline")

_AT: Final = re.compile(r"(?:(\d{1,2}))?:(\d{2})")
_FIELDS: Final = frozenset(
    {"name", "provider", "kinds", "symbols", "interval", "start", "every", "at", "lag"}
)


@attrs.frozen
class Cadence:
    """When a pull runs: every `every`, `offset` after each boundary (UTC).

    Attributes:
        every: The period: `1h` (hourly), `1d` (daily), or any canonical interval.
        offset: How long after each boundary, shorter than the period.

    Examples:
        >>> hourly = Cadence.parse("1h", ":05")
        >>> hourly.next_after(datetime(2025, 6, 1, 10, 5, tzinfo=UTC))
        datetime.datetime(2025, 6, 1, 11, 5, tzinfo=datetime.timezone.utc)
        >>> Cadence.parse("1d", "00:05").next_after(datetime(2025, 6, 1, 0, 1, tzinfo=UTC))
        datetime.datetime(2025, 6, 1, 0, 5, tzinfo=datetime.timezone.utc)
    """

    every: Interval
    offset: timedelta = timedelta(0)

    @classmethod
    def parse(cls, every: str, at: str | None = None) -> Cadence:
        """`every` (an interval name) and `at` (`":MM"` past the hour, `"HH:MM"` of the day).

        Raises:
            ValidationError: For an unknown period, a badly written `at`, or an `at` as long
                as the period or longer.
        """
        period = Interval.parse(every)
        if at is None:
            return cls(period)
        found = _AT.fullmatch(at.strip()) if isinstance(at, str) else None
        if found is None:
            raise ValidationError(f"at= is ':MM' or 'HH:MM' (UTC), got {at!r}")
        offset = timedelta(hours=int(found.group(1) or 0), minutes=int(found.group(2)))
        # A month is at least 28 days: an offset within that fits every month.
        length = period.timedelta if period.fixed else timedelta(days=28)
        if offset >= length:
            raise ValidationError(f"at={at!r} is not within one {period.value} period")
        return cls(period, offset)

    def next_after(self, moment: datetime) -> datetime:
        """The first run time strictly after `moment`."""
        boundary = self.every.floor(moment - self.offset) + self.offset
        return boundary if boundary > moment else self.every.add(boundary, 1)


@attrs.frozen
class PullSpec:
    """One named pull: which series of which provider, from when, and how often.

    Attributes:
        name: Its name: the `pull` of its log rows (unique in a config).
        provider: The provider as `--provider` spells it (`defillama`, `ccxt:bybit`).
        kinds: What it pulls.
        symbols: The provider's series ids, or `None` for those the sink already stores.
        interval: The bars' interval.
        start: Where series with nothing stored start, or `None` for the oldest bar the
            provider keeps.
        cadence: When `loop_pulls` runs it.
        lag: Bars re-read before each series' newest stored bar (see `update`).
    """

    name: str
    provider: str
    kinds: tuple[Kind, ...]
    symbols: tuple[str, ...] | None
    interval: Interval
    start: datetime | None = None
    cadence: Cadence = Cadence(Interval.D1)
    lag: int = DEFAULT_LAG_BARS


@attrs.frozen
class PullsConfig:
    """A pulls file: where to write, and the pulls.

    Attributes:
        sink: The sink, as `--sink` spells it (`postgres:DSN`, `parquet:DIR`, `jsonl:DIR`), or
            `None` when the command line gives it.
        pulls: The pulls, in file order.
    """

    sink: str | None
    pulls: tuple[PullSpec, ...]

    def providers(self) -> list[str]:
        """The providers the pulls need, each once, in file order."""
        return list(dict.fromkeys(pull.provider for pull in self.pulls))


def load_pulls(path: str | PathLike[str]) -> PullsConfig:
    """Read a pulls file (TOML; see the module).

    Raises:
        ValidationError: For an unreadable file or a bad entry; the message names the pull
            and the field.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"cannot read the pulls file {path!s}: {exc}") from None
    entries = data.get("pull", [])
    if not isinstance(entries, list) or not entries:
        raise ValidationError(f"{path!s} has no [[pull]] entries")
    sink = data.get("sink")
    if sink is not None and not isinstance(sink, str):
        raise ValidationError(f"{path!s}: sink is a sink spec such as 'parquet:data/'")
    pulls = tuple(_pull(entry, index) for index, entry in enumerate(entries, 1))
    names = [pull.name for pull in pulls]
    if repeated := sorted({name for name in names if names.count(name) > 1}):
        raise ValidationError(f"{path!s}: pull names must be unique: {', '.join(repeated)}")
    return PullsConfig(sink, pulls)


def _pull(entry: object, index: int) -> PullSpec:
    if not isinstance(entry, dict):
        raise ValidationError(f"pull #{index} is not a table")
    name = entry.get("name")
    where = f"pull {name!r}" if isinstance(name, str) and name else f"pull #{index}"
    if unknown := sorted(set(entry) - _FIELDS):
        raise ValidationError(f"{where}: unknown field(s) {', '.join(unknown)}")
    try:
        if not isinstance(name, str) or not name:
            raise ValidationError("name is required (text)")
        provider = entry.get("provider")
        if not isinstance(provider, str) or not provider:
            raise ValidationError("provider is required (e.g. 'defillama', 'ccxt:bybit')")
        kinds = entry.get("kinds")
        if not isinstance(kinds, list) or not kinds:
            raise ValidationError("kinds is a list of kinds, e.g. ['metric']")
        symbols = entry.get("symbols")
        if symbols is not None and not (
            isinstance(symbols, list) and all(isinstance(s, str) and s for s in symbols)
        ):
            raise ValidationError("symbols is a list of the provider's series ids")
        start = entry.get("start")
        lag = entry.get("lag", DEFAULT_LAG_BARS)
        if not isinstance(lag, int) or isinstance(lag, bool) or lag < 0:
            raise ValidationError(f"lag is a whole number of bars, got {lag!r}")
        return PullSpec(
            name,
            provider,
            tuple(Kind(kind) for kind in kinds),
            None if symbols is None else tuple(symbols),
            Interval.parse(entry.get("interval", "1d")),
            None if start is None else to_utc(start, name="start"),
            Cadence.parse(entry.get("every", "1d"), entry.get("at")),
            lag,
        )
    except (ValidationError, ValueError) as exc:
        raise ValidationError(f"{where}: {exc}") from None


Sources = Mapping[str, Source]
"""Each pull's provider (its `PullSpec.provider`) → the source that answers it."""


def run_pulls(
    pulls: Sequence[PullSpec],
    sources: Sources,
    *,
    sink: Sink,
    clock: Clock | None = None,
) -> list[Table]:
    """Run every pull once (see the module): providers in parallel, each run logged.

    Args:
        pulls: The pulls.
        sources: The source of each pull's provider.
        sink: Where rows and log rows go (shared by the providers' threads: writes are
            serialised).
        clock: Stamps the log rows; by default each pull's source's clock (as pipelines read
            "now" from their source).

    Returns:
        Each pull's log row (a one-row `pull_log` table), in the order of `pulls`.

    Raises:
        ValidationError: For no pulls, or a pull whose provider has no source, before
            anything runs.
    """
    _check_sources(pulls, sources)
    shared = _Serialised(sink)
    by_provider: dict[str, list[PullSpec]] = {}
    for pull in pulls:
        by_provider.setdefault(pull.provider, []).append(pull)
    logs: dict[str, Table] = {}

    def provider_runs(provider: str) -> None:
        for pull in by_provider[provider]:
            source = sources[provider]
            logs[pull.name] = _run(pull, source, shared, clock or source.clock)

    with ThreadPoolExecutor(len(by_provider), thread_name_prefix="cryptodata-pull") as pool:
        list(pool.map(provider_runs, by_provider))
    return [logs[pull.name] for pull in pulls]


def loop_pulls(
    pulls: Sequence[PullSpec],
    sources: Sources,
    *,
    sink: Sink,
    clock: Clock | None = None,
    stop: threading.Event | None = None,
    on_run: Callable[[list[Table]], None] | None = None,
) -> int:
    """Run the pulls on their cadences until `stop` is set (or SIGINT/SIGTERM arrives).

    Each wake-up runs the pulls that are due (providers in parallel, as `run_pulls`), then
    sleeps until the next one is. A run that fails is logged and the loop goes on.

    Args:
        pulls: The pulls.
        sources: The source of each pull's provider.
        sink: Where rows and log rows go.
        clock: Time source of the schedule and the log rows; by default the first pull's
            source's clock.
        stop: Set it to stop after the runs in progress.
        on_run: Called with the log rows of each wake-up's runs.

    Returns:
        How many runs the loop made.

    Raises:
        ValidationError: As `run_pulls`, before the first run.
    """
    _check_sources(pulls, sources)
    clock = clock or sources[pulls[0].provider].clock
    stop = stop or threading.Event()
    due = {pull.name: pull.cadence.next_after(_now(clock)) for pull in pulls}
    runs = 0
    with _stop_on_signals(stop):
        while not stop.is_set():
            wake = min(due.values())
            wait = (wake - _now(clock)).total_seconds()
            if wait > 0:
                _sleep(clock, stop, wait)
                continue
            now = _now(clock)
            ready = [pull for pull in pulls if due[pull.name] <= now]
            logs = run_pulls(ready, sources, sink=sink, clock=clock)
            runs += len(logs)
            for pull in ready:
                due[pull.name] = pull.cadence.next_after(now)
            if on_run is not None:
                on_run(logs)
    return runs


def _check_sources(pulls: Sequence[PullSpec], sources: Sources) -> None:
    if not pulls:
        raise ValidationError("no pulls to run")
    if missing := sorted({pull.provider for pull in pulls} - set(sources)):
        raise ValidationError(f"no source for the pulls' provider(s) {', '.join(missing)}")


def _now(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.time(), UTC)


def _sleep(clock: Clock, stop: threading.Event, seconds: float) -> None:
    # The system clock waits on the event, so a signal wakes the loop at once; other clocks
    # (a test's manual clock) sleep as they do.
    if isinstance(clock, SystemClock):
        stop.wait(seconds)
    else:
        clock.sleep(seconds)


def _run(pull: PullSpec, source: Source, sink: Sink, clock: Clock) -> Table:
    started = _now(clock)
    written = [0, 0]  # rows, requests

    def progress(index: int, plan: BackfillPlan, table: Table) -> None:
        written[0] += len(table)
        written[1] += 1

    error: CryptoDataError | None = None
    try:
        update(
            source,
            pull.kinds,
            None if pull.symbols is None else list(pull.symbols),
            pull.interval,
            sink=sink,
            start=pull.start,
            lag=pull.lag,
            progress=progress,
        )
    except CryptoDataError as exc:
        error = exc
        logger.warning("pull %s failed: %s: %s", pull.name, type(exc).__name__, exc)
    status = "ok" if error is None else "partial" if written[0] else "failed"
    log = _log(pull, started, _now(clock), status, written, error)
    try:
        sink.write(log)
    except CryptoDataError as exc:
        logger.error("pull %s: its log row was not written: %s", pull.name, exc)
    logger.info("pull %s: %s, %d rows in %d requests", pull.name, status, *written)
    return log


def _log(
    pull: PullSpec,
    started: datetime,
    finished: datetime,
    status: str,
    written: list[int],
    error: CryptoDataError | None,
) -> Table:
    row: dict[str, Any] = {
        "pull": pull.name,
        "provider": pull.provider,
        "ts": started,
        "finished": finished,
        "status": status,
        "rows": written[0],
        "requests": written[1],
        "error": None if error is None else f"{type(error).__name__}: {error}",
    }
    return Table.from_frame(Kind.PULL_LOG, pl.DataFrame([row], schema=schema(Kind.PULL_LOG)))


class _Serialised(SinkBase):
    """A sink the providers' threads share: one call at a time (connections are not shared)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._lock = threading.Lock()

    def write(self, table: Table) -> int:
        with self._lock:
            return self._sink.write(table)

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        with self._lock:
            return self._sink.last_ts(kind, series)

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        with self._lock:
            return self._sink.series(kind)

    def read(self, kind: Kind | str, **options: Any) -> Table:
        with self._lock:
            return self._sink.read(kind, **options)
