"""Backfill and update: plan every request up front, resume per series, write step by step.

A backfill is planned before anything is sent: for each (kind, symbol) series the sink says
where it stopped (`last_ts`), the plan re-reads a small `lag` of recent bars from there (the
provider revises the newest bars), and symbols are batched into one-request steps. Steps run
in order and each result is written before the next request, so a run killed at any moment
resumes without a gap, and upserts make the overlap harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import attrs

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter, TokenBucketLimiter
from cryptodata.core.planning import HistoryStep
from cryptodata.core.schema import Kind
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range, to_utc
from cryptodata.sinks.base import Sink, check_storable

__all__ = [
    "AsyncHistorySource",
    "BackfillPlan",
    "BackfillReport",
    "HistorySource",
    "PlanStep",
    "StepPlanner",
    "abackfill",
    "aplan_backfill",
    "arun_plan",
    "aupdate",
    "backfill",
    "plan_backfill",
    "run_plan",
    "update",
]

logger = logging.getLogger("cryptodata.pipeline")

DEFAULT_LAG_BARS = 2
"""Bars re-read before the newest stored one, to pick up revisions of the open bar."""
DEFAULT_START_BARS = 1_500
"""How far back `update` starts a series that has nothing stored, in bars."""


class StepPlanner(Protocol):
    """What planning needs from a client, sync or async: its name, budget and step splitter."""

    provider: str

    @property
    def limiter(self) -> RateLimiter: ...

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Sequence[str],
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[HistoryStep]: ...


class HistorySource(StepPlanner, Protocol):
    """What a pipeline needs from a blocking client (`Coinalyze` is one)."""

    def history(
        self,
        kind: Kind | str,
        symbols: Sequence[str],
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool = False,
    ) -> Table: ...

    def future_markets(self) -> Table: ...

    def spot_markets(self) -> Table: ...


class AsyncHistorySource(StepPlanner, Protocol):
    """What a pipeline needs from an asyncio client (`AsyncCoinalyze` is one)."""

    async def history(
        self,
        kind: Kind | str,
        symbols: Sequence[str],
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool = False,
    ) -> Table: ...

    async def future_markets(self) -> Table: ...

    async def spot_markets(self) -> Table: ...


@attrs.frozen
class PlanStep:
    """One request of a backfill: a kind and a symbol batch over one window."""

    kind: Kind
    step: HistoryStep


@attrs.frozen
class BackfillPlan:
    """Every request a backfill will send, known before the first one.

    Attributes:
        interval: Bar interval.
        end: End of the backfill (exclusive).
        steps: The requests, in the order they run.
        series: Number of (kind, symbol) series covered.
        minimum_cost: Cost if every series were fetched on its own with no waste: the
            theoretical minimum the plan is measured against.
        calls_per_minute: The client's budget, when its limiter says (for the estimate).
    """

    interval: Interval
    end: datetime
    steps: tuple[PlanStep, ...]
    series: int
    minimum_cost: int
    calls_per_minute: float | None

    @property
    def requests(self) -> int:
        """Number of requests."""
        return len(self.steps)

    @property
    def cost(self) -> int:
        """Rate-limit budget the plan consumes."""
        return sum(item.step.cost for item in self.steps)

    @property
    def estimated_seconds(self) -> float | None:
        """Time the budget needs for the plan (the first minute's budget is free), if known."""
        if self.calls_per_minute is None:
            return None
        return max(self.cost - self.calls_per_minute, 0.0) / self.calls_per_minute * 60

    def describe(self) -> str:
        """One line for a log or a prompt: requests, cost, efficiency and estimated duration."""
        estimate = self.estimated_seconds
        duration = "unknown" if estimate is None else str(timedelta(seconds=round(estimate)))
        efficiency = self.cost / self.minimum_cost if self.minimum_cost else 1.0
        return (
            f"{self.requests} requests for {self.series} series, cost {self.cost} "
            f"({efficiency:.2f}x the minimum), about {duration} at the provider's budget"
        )


@attrs.define
class BackfillReport:
    """What a backfill did.

    Attributes:
        plan: The plan it ran.
        requests: Steps completed.
        rows_written: Rows the sink accepted.
        warnings: Distinct warnings from the provider's tables, in order of appearance.
        elapsed: Wall-clock seconds.
    """

    plan: BackfillPlan
    requests: int = 0
    rows_written: int = 0
    warnings: list[str] = attrs.field(factory=list)
    elapsed: float = 0.0


Progress = Callable[[int, BackfillPlan, Table], None]
"""Called after each written step with its index, the plan and the step's table."""


def plan_backfill(
    client: HistorySource,
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
) -> BackfillPlan:
    """Plan a backfill of `kinds` by `symbols` over `[start, end)`, resuming from the sink.

    No data request is sent; the client's market list is read (cached) to know each symbol's
    venue, which the sink's `last_ts` needs.

    Raises:
        ValidationError: For bad arguments, unknown kinds or symbols.
    """
    return _plan(client, _Query.parse(kinds, symbols, interval, start, end, lag), sink)


async def aplan_backfill(
    client: AsyncHistorySource,
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
) -> BackfillPlan:
    """The asyncio twin of [`plan_backfill`][cryptodata.plan_backfill]."""
    return await _aplan(client, _Query.parse(kinds, symbols, interval, start, end, lag), sink)


def _plan(client: HistorySource, query: _Query, sink: Sink) -> BackfillPlan:
    plan = query.plan(client, _venues([*client.future_markets(), *client.spot_markets()]), sink)
    logger.info("%s backfill: %s", client.provider, plan.describe())
    return plan


async def _aplan(client: AsyncHistorySource, query: _Query, sink: Sink) -> BackfillPlan:
    markets = [*(await client.future_markets()), *(await client.spot_markets())]
    plan = query.plan(client, _venues(markets), sink)
    logger.info("%s backfill: %s", client.provider, plan.describe())
    return plan


@attrs.frozen
class _Query:
    """Validated backfill arguments, and the planning that needs only them and the sink."""

    kinds: list[Kind]
    symbols: list[str]
    interval: Interval
    start: datetime
    end: datetime
    lag: int
    empty_only: bool = False
    """Whether `start` only places series with nothing stored (`update`), not every series."""

    @classmethod
    def parse(
        cls,
        kinds: Iterable[Kind | str],
        symbols: Sequence[str],
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        lag: int,
        *,
        empty_only: bool = False,
    ) -> _Query:
        wanted_kinds = _kinds(kinds)
        lo, hi = time_range(start, end if end is not None else datetime.now(UTC))
        if lag < 0:
            raise ValidationError(f"lag must be >= 0 bars, got {lag}")
        if not symbols:
            raise ValidationError("symbols must not be empty")
        return cls(
            wanted_kinds,
            list(dict.fromkeys(symbols)),
            Interval.parse(interval),
            lo,
            hi,
            lag,
            empty_only,
        )

    def _begin(self, last: datetime | None) -> datetime:
        """Where a series resumes: `lag` bars before its newest stored bar, else at `start`."""
        if last is None:
            return self.start
        resume = last - self.interval.timedelta * self.lag
        return resume if self.empty_only else max(self.start, resume)

    def plan(self, client: StepPlanner, venues: dict[str, str], sink: Sink) -> BackfillPlan:
        unknown = [symbol for symbol in self.symbols if symbol not in venues]
        if unknown:
            raise ValidationError(f"unknown {client.provider} symbols: {', '.join(unknown)}")
        steps: list[PlanStep] = []
        minimum = 0
        series = 0
        for kind in self.kinds:
            resume = {}
            for symbol in self.symbols:
                last = sink.last_ts(kind, client.provider, venues[symbol], symbol)
                begin = self._begin(last)
                if begin < self.end:
                    resume[symbol] = begin
            series += len(resume)
            alone = {
                symbol: self._steps(client, kind, [symbol], begin)
                for symbol, begin in resume.items()
            }
            minimum += sum(len(found) for found in alone.values())
            for group_symbols, group_start in _groups(resume, alone):
                steps.extend(
                    PlanStep(kind, step)
                    for step in self._steps(client, kind, group_symbols, group_start)
                )
        # Big batches first packs the per-minute budget tighter (a small step no longer blocks
        # the queue waiting for room a big one needs). The sort is stable and every step of one
        # batch costs the same, so each series still runs its windows in chronological order.
        steps.sort(key=lambda item: -item.step.cost)
        return BackfillPlan(
            self.interval,
            self.end,
            tuple(steps),
            series,
            minimum,
            _calls_per_minute(client.limiter),
        )

    def _steps(
        self, client: StepPlanner, kind: Kind, symbols: Sequence[str], start: datetime
    ) -> list[HistoryStep]:
        return client.history_steps(
            kind, symbols, interval=self.interval, start=start, end=self.end
        )


def backfill(
    client: HistorySource,
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    convert_to_usd: bool = False,
    progress: Progress | None = None,
) -> BackfillReport:
    """Fetch `kinds` by `symbols` over `[start, end)` into `sink`, resuming where it stopped.

    Args:
        client: A provider client, e.g. `Coinalyze()`.
        kinds: Series kinds, e.g. `["open_interest", "funding_rate", "ohlcv"]`.
        symbols: The provider's symbols.
        interval: Bar interval.
        start: Start of the history wanted (inclusive).
        end: End (exclusive); defaults to now.
        sink: Where rows go; also says where each series stopped.
        lag: Bars re-read before each series' newest stored bar.
        convert_to_usd: USD values for the kinds that offer them (OI, liquidations).
        progress: Called after each written step.

    Returns:
        A report with the plan, requests, rows written and the provider's warnings.

    Raises:
        ValidationError: Bad arguments, before any data request.
        ProviderError: A request failed after its retries; every earlier step is stored, so
            running the same backfill again resumes from there.
        TransportError: Likewise, for network failures.

    Examples:
        >>> from cryptodata import Coinalyze, ParquetSink                      # doctest: +SKIP
        >>> with ParquetSink("data/") as sink:                                 # doctest: +SKIP
        ...     backfill(Coinalyze(), ["open_interest"], ["BTCUSDT_PERP.A"], "1d",
        ...              "2020-01-01", sink=sink)
    """
    plan = plan_backfill(client, kinds, symbols, interval, start, end, sink=sink, lag=lag)
    return run_plan(client, plan, sink=sink, convert_to_usd=convert_to_usd, progress=progress)


async def abackfill(
    client: AsyncHistorySource,
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    convert_to_usd: bool = False,
    progress: Progress | None = None,
) -> BackfillReport:
    """The asyncio twin of [`backfill`][cryptodata.backfill], for `AsyncCoinalyze`.

    Examples:
        >>> async with AsyncCoinalyze() as cz:                                  # doctest: +SKIP
        ...     await abackfill(cz, ["ohlcv"], ["BTCUSDT_PERP.A"], "1d", "2020-01-01", sink=sink)
    """
    plan = await aplan_backfill(client, kinds, symbols, interval, start, end, sink=sink, lag=lag)
    return await arun_plan(
        client, plan, sink=sink, convert_to_usd=convert_to_usd, progress=progress
    )


def update(
    client: HistorySource,
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    convert_to_usd: bool = False,
    progress: Progress | None = None,
) -> BackfillReport:
    """Bring every series up to `end` (default now) from its newest stored bar.

    A series resumes `lag` bars before its newest stored bar however old that bar is, so a
    daily job that missed a year catches the whole year up. Series with nothing stored start
    at `start`, by default `DEFAULT_START_BARS` bars before `end` (about what Coinalyze keeps
    intraday).
    """
    plan = _plan(client, _update_query(kinds, symbols, interval, start, end, lag), sink)
    return run_plan(client, plan, sink=sink, convert_to_usd=convert_to_usd, progress=progress)


async def aupdate(
    client: AsyncHistorySource,
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    convert_to_usd: bool = False,
    progress: Progress | None = None,
) -> BackfillReport:
    """The asyncio twin of [`update`][cryptodata.update]."""
    plan = await _aplan(client, _update_query(kinds, symbols, interval, start, end, lag), sink)
    return await arun_plan(
        client, plan, sink=sink, convert_to_usd=convert_to_usd, progress=progress
    )


def _update_query(
    kinds: Iterable[Kind | str],
    symbols: Sequence[str],
    interval: IntervalInput,
    start: TimeInput | None,
    end: TimeInput | None,
    lag: int,
) -> _Query:
    step = Interval.parse(interval)
    hi = datetime.now(UTC) if end is None else to_utc(end, name="end")
    lo = hi - step.timedelta * DEFAULT_START_BARS if start is None else start
    return _Query.parse(kinds, symbols, step, lo, hi, lag, empty_only=True)


def run_plan(
    client: HistorySource,
    plan: BackfillPlan,
    *,
    sink: Sink,
    convert_to_usd: bool = False,
    progress: Progress | None = None,
) -> BackfillReport:
    """Run a plan step by step, writing each step's rows before the next request."""
    recorder = _Recorder(plan, sink, progress)
    for index, item in enumerate(plan.steps):
        recorder.record(index, client.history(item.kind, **_arguments(plan, item, convert_to_usd)))
    return recorder.finish(client.provider)


async def arun_plan(
    client: AsyncHistorySource,
    plan: BackfillPlan,
    *,
    sink: Sink,
    convert_to_usd: bool = False,
    progress: Progress | None = None,
) -> BackfillReport:
    """The asyncio twin of [`run_plan`][cryptodata.pipeline.backfill.run_plan]; sink writes stay blocking."""
    recorder = _Recorder(plan, sink, progress)
    for index, item in enumerate(plan.steps):
        recorder.record(
            index, await client.history(item.kind, **_arguments(plan, item, convert_to_usd))
        )
    return recorder.finish(client.provider)


def _arguments(plan: BackfillPlan, item: PlanStep, convert_to_usd: bool) -> dict[str, Any]:
    step = item.step
    return {
        "symbols": list(step.symbols),
        "interval": plan.interval,
        "start": step.start,
        "end": step.end,
        "convert_to_usd": convert_to_usd,
    }


class _Recorder:
    """Writes each step's table and keeps the report: the part both run loops share."""

    def __init__(self, plan: BackfillPlan, sink: Sink, progress: Progress | None) -> None:
        self.report = BackfillReport(plan)
        self.sink = sink
        self.progress = progress
        self.started = time.monotonic()
        self.seen: set[str] = set()

    def record(self, index: int, table: Table) -> None:
        self.report.rows_written += self.sink.write(table)
        self.report.requests += 1
        for warning in table.warnings:
            if warning not in self.seen:
                self.seen.add(warning)
                self.report.warnings.append(warning)
        if self.progress is not None:
            self.progress(index, self.report.plan, table)

    def finish(self, provider: str) -> BackfillReport:
        report = self.report
        report.elapsed = time.monotonic() - self.started
        logger.info(
            "%s backfill done: %d requests, %d rows written in %.1fs",
            provider,
            report.requests,
            report.rows_written,
            report.elapsed,
        )
        return report


def _kinds(kinds: Iterable[Kind | str]) -> list[Kind]:
    found = [check_storable(kind) for kind in kinds]
    if not found:
        raise ValidationError("kinds must not be empty")
    return list(dict.fromkeys(found))


def _venues(markets: Iterable[Any]) -> dict[str, str]:
    return {market.symbol: market.exchange for market in markets}


def _groups(
    resume: dict[str, datetime], alone: dict[str, list[HistoryStep]]
) -> list[tuple[list[str], datetime]]:
    """Symbol groups that can share requests without costing more than fetching each alone.

    Symbols whose remaining range fits in one window all share that window, from the earliest
    of their resume points (the cost is per symbol, not per bar). Longer ranges group by
    identical resume point.
    """
    single = [symbol for symbol, found in alone.items() if len(found) == 1]
    groups: list[tuple[list[str], datetime]] = []
    if single:
        groups.append((single, min(resume[symbol] for symbol in single)))
    by_start: dict[datetime, list[str]] = {}
    for symbol, found in alone.items():
        if len(found) > 1:
            by_start.setdefault(resume[symbol], []).append(symbol)
    groups.extend((members, begin) for begin, members in sorted(by_start.items()))
    return groups


def _calls_per_minute(limiter: RateLimiter) -> float | None:
    if isinstance(limiter, SlidingWindowLimiter):
        return limiter.limit / limiter.window * 60
    if isinstance(limiter, TokenBucketLimiter):
        return limiter.rate / limiter.per * 60
    return None
