"""Shards: a backfill plan split into independent pieces that run anywhere.

A shard holds whole series: every step that touches one of its series is in it, so no two
workers ever write one series (a Parquet partition is merged on write by one writer at a
time). Its steps keep the plan's order, so each series' windows still run oldest first and a
shard stopped at any step resumes from the sink without a gap. Shards are balanced by cost,
the costliest series first onto the least loaded shard.

A shard carries what a worker needs and nothing that cannot travel: its steps (as a plan),
the `SourceConfig` to build a client from and the `SinkConfig` to open the sink from.
`run_shard` is what a worker runs: it builds both, runs the steps, closes both, and returns
counts, warnings and the error as text (an exception may not pickle back to the driver).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from cryptodata.core._checks import count
from cryptodata.core.schema import Kind
from cryptodata.core.source import Source, Step

from .backfill import BackfillPlan, _Recorder, _run_steps
from .configs import SinkConfig, SourceConfig

__all__ = ["Shard", "ShardResult", "plan_shards", "run_shard"]

_Series = tuple[Kind, str]


@attrs.frozen
class Shard:
    """One worker's part of a backfill: whole series, their steps in plan order.

    Attributes:
        index: Its place among the plan's shards, from 0.
        plan: Its steps as a plan (the whole plan's interval, end and budget; its own steps,
            series count and cost, which is also its `minimum_cost`: batching was judged on
            the whole plan).
        source: How the worker builds its client.
        sink: How the worker opens the sink.
    """

    index: int
    plan: BackfillPlan
    source: SourceConfig
    sink: SinkConfig

    @property
    def steps(self) -> tuple[Step, ...]:
        """Its steps, in the order they run."""
        return self.plan.steps

    def after(self, done: int) -> Shard:
        """The same shard without its first `done` steps (stored by an attempt that failed)."""
        return attrs.evolve(self, plan=attrs.evolve(self.plan, steps=self.plan.steps[done:]))


@attrs.frozen
class ShardResult:
    """What one run of a shard did, as plain data the driver can receive from anywhere.

    Attributes:
        index: The shard's index.
        requests: Steps completed (each one written).
        rows_written: Rows the sink accepted.
        warnings: Distinct warnings of the provider's tables, in order.
        error: The error that stopped it, as `"TypeName: message"`; `None` when every step ran.
        elapsed: Wall-clock seconds on the worker.
    """

    index: int
    requests: int
    rows_written: int
    warnings: tuple[str, ...] = ()
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every step ran."""
        return self.error is None


def plan_shards(
    plan: BackfillPlan, source: SourceConfig, sink: SinkConfig, *, shards: int
) -> tuple[Shard, ...]:
    """Split `plan` into at most `shards` shards of whole series, balanced by cost.

    Args:
        plan: The plan, as `plan_backfill` or `plan_update` made it with a client built from
            `source`.
        source: How workers build their clients.
        sink: How workers open the sink.
        shards: The most shards wanted; fewer come back when the plan has fewer groups of
            series (series that share a request travel together).

    Raises:
        ValidationError: When `shards` is not an integer of at least 1.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from cryptodata.core.intervals import Interval
        >>> day = lambda d: datetime(2025, 1, d, tzinfo=UTC)
        >>> steps = tuple(Step(Kind.OHLCV, Interval.D1, (s,), day(d), day(d + 1), cost)
        ...               for s, cost in (("A", 3), ("B", 1), ("C", 1)) for d in (1, 2))
        >>> plan = BackfillPlan(Interval.D1, day(3), steps, 3, 10, 1.0, 1.0)
        >>> parts = plan_shards(plan, SourceConfig("hyperliquid"), SinkConfig("parquet:d"),
        ...                     shards=2)
        >>> [sorted({step.symbols[0] for step in shard.steps}) for shard in parts]
        [['A'], ['B', 'C']]
    """
    wanted = count("shards", shards, minimum=1)
    groups = _groups(plan.steps)
    loads = [0] * min(wanted, len(groups))
    members: list[set[_Series]] = [set() for _ in loads]
    for group in sorted(groups, key=lambda found: -found[1]):
        lightest = loads.index(min(loads))
        loads[lightest] += group[1]
        members[lightest] |= group[0]
    return tuple(
        Shard(
            index,
            _part(plan, [step for step in plan.steps if _series(step)[0] in series], series),
            source,
            sink,
        )
        for index, series in enumerate(members)
    )


def run_shard(shard: Shard) -> ShardResult:
    """Run one shard where it is called: build the client, open the sink, run the steps.

    Never raises for a failed step: the error comes back as text in the result, with the
    steps done before it (their rows are stored), so the driver can retry the rest.
    """
    started = time.monotonic()
    recorder: _Recorder | None = None
    error: str | None = None
    try:
        with _built(shard.source) as source, shard.sink.open() as sink:
            recorder = _Recorder(shard.plan, sink, None)
            _run_steps(source, recorder)
    # Any failure ends this attempt only; the driver decides whether to retry it.
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    report = recorder.report if recorder is not None else None
    return ShardResult(
        shard.index,
        report.requests if report is not None else 0,
        report.rows_written if report is not None else 0,
        tuple(report.warnings) if report is not None else (),
        error,
        time.monotonic() - started,
    )


@contextmanager
def _built(config: SourceConfig) -> Iterator[Source]:
    """The client a config builds, closed after use when it can be (the protocol has no close)."""
    source = config.build()
    try:
        yield source
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()


def _series(step: Step) -> list[_Series]:
    return [(step.kind, symbol) for symbol in step.symbols]


def _groups(steps: tuple[Step, ...]) -> list[tuple[set[_Series], int]]:
    """The plan's series, grouped so that series sharing a step are together, with each
    group's cost, in order of first appearance."""
    parent: dict[_Series, _Series] = {}

    def root(series: _Series) -> _Series:
        while parent[series] != series:
            parent[series] = parent[parent[series]]
            series = parent[series]
        return series

    for step in steps:
        named = _series(step)
        for series in named:
            parent.setdefault(series, series)
        for series in named[1:]:
            parent[root(series)] = root(named[0])
    members: dict[_Series, set[_Series]] = {}
    costs: dict[_Series, int] = {}
    for step in steps:
        group = root(_series(step)[0])
        members.setdefault(group, set()).update(_series(step))
        costs[group] = costs.get(group, 0) + step.cost
    return [(members[group], costs[group]) for group in members]


def _part(plan: BackfillPlan, steps: list[Step], series: set[_Series]) -> BackfillPlan:
    cost = sum(step.cost for step in steps)
    return attrs.evolve(
        plan, steps=tuple(steps), series=len(series), minimum_cost=cost, warnings=()
    )
