"""Fan-out: each provider's share of a question fetched at once, one failure losing nothing else.

A question routed across providers becomes `Share`s: a route (who answers which venue, over
which part of the range) with the provider's own symbols. `fetch_shares` plans every share
with its source's `history_steps` (no I/O, so a bad argument fails before any request), then
runs the sources (the clients: each has its own limiter) concurrently, one thread each: a
source's steps go one after another under its limiter, so no budget is spent faster than
alone, and a slow or failing source holds up none of the others. Threads rather than an event loop: the
blocking clients are what the facade holds, and threads work the same in a script and inside
a notebook's running loop.

The rows every share answered come back in one table of the kind, de-duplicated and sorted,
those of a share that failed half-way included; what each share did (rows, requests, the
error that stopped it) is in the `Report`. With `strict=True` the first failure is raised
instead, after every share has finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

import attrs

from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.schema import Kind
from cryptodata.core.source import Source, Step
from cryptodata.core.table import Table

from .routing import Route

__all__ = ["Outcome", "Report", "Share", "fetch_shares", "plan_shares"]


@attrs.frozen
class Share:
    """One route with the symbols its provider is asked for, over `[start, end)`.

    Attributes:
        route: Who answers, for which venue and part of the range.
        symbols: The provider's own symbols (what the asset registry resolved).
        start: The share's start.
        end: The share's end.
    """

    route: Route
    symbols: tuple[str, ...]
    start: datetime
    end: datetime


@attrs.frozen
class Outcome:
    """What one share did.

    Attributes:
        share: The share.
        requests: Requests planned for it (its steps).
        cost: Their cost, in the provider's own limiter units.
        rows: Rows it answered (before its error, if it failed).
        seconds: Wall time its requests took.
        error: The error that stopped it, or `None`.
    """

    share: Share
    requests: int
    cost: int
    rows: int = 0
    seconds: float = 0.0
    error: CryptoDataError | None = None

    @property
    def ok(self) -> bool:
        """Whether the share answered."""
        return self.error is None


@attrs.frozen
class Report:
    """What a fan-out asked, who answered and what failed, share by share.

    Attributes:
        kind: What was asked.
        outcomes: One per share, in the order planned.
    """

    kind: Kind
    outcomes: tuple[Outcome, ...]

    @property
    def failures(self) -> tuple[Outcome, ...]:
        """The shares that failed."""
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)

    @property
    def ok(self) -> bool:
        """Whether every share answered."""
        return not self.failures

    def summary(self) -> str:
        """One line per share: venue, provider, rows or the error."""
        lines = []
        for outcome in self.outcomes:
            route = outcome.share.route
            done = (
                f"{outcome.rows} rows in {outcome.requests} requests"
                if outcome.ok
                else f"failed: {type(outcome.error).__name__}: {outcome.error}"
            )
            lines.append(f"{route.venue} via {route.provider}: {done}")
        return "\n".join(lines)


@attrs.frozen
class _Planned:
    share: Share
    steps: tuple[Step, ...]


def plan_shares(kind: Kind, shares: Sequence[Share]) -> list[tuple[Share, list[Step]]]:
    """Every share's steps, planned by its source without I/O.

    Raises:
        ValidationError: For arguments a source refuses (`UnsupportedError` for what it
            lacks), before any request.
    """
    planned = []
    for share in shares:
        route = share.route
        if route.interval is None:
            raise ValidationError(f"{kind.value} for {route.venue}: a fan-out needs an interval")
        source: Source = route.source
        steps = source.history_steps(
            kind,
            list(share.symbols),
            interval=route.interval,
            start=share.start,
            end=share.end,
        )
        planned.append((share, steps))
    return planned


def fetch_shares(
    kind: Kind, shares: Sequence[Share], *, strict: bool = False, pool: Executor | None = None
) -> tuple[Table[Any], Report]:
    """Fetch every share of blocking sources, sources concurrently (see the module).

    Shares of one source (one client, one limiter) run one after another in one thread; the
    sources' threads come from `pool` (one made for the call if `None`), and a lone source
    runs in the caller's thread.

    Returns:
        The rows of every share that answered, as one table, and the report.

    Raises:
        ValidationError: For arguments a source refuses, before any request.
        CryptoDataError: With `strict=True`, the first share's error, once all have run.
    """
    planned, groups = _planned(kind, shares)
    results: list[_Fetched | None] = [None] * len(planned)

    def run(indices: list[int]) -> None:
        for index in indices:
            item = planned[index]
            fetched = _Fetched(item)
            try:
                for step in item.steps:
                    fetched.tables.append(item.share.route.source.fetch(step))
            except CryptoDataError as exc:
                fetched.error = exc
            results[index] = fetched.done()

    if len(groups) == 1:
        run(groups[0])
    elif pool is not None:
        for future in [pool.submit(run, indices) for indices in groups]:
            future.result()
    else:
        with ThreadPoolExecutor(max_workers=len(groups)) as own:
            for future in [own.submit(run, indices) for indices in groups]:
                future.result()
    return _collected(kind, results, strict)


async def afetch_shares(
    kind: Kind, shares: Sequence[Share], *, strict: bool = False
) -> tuple[Table[Any], Report]:
    """The asyncio twin of `fetch_shares`, for asyncio sources: each source's shares in one
    task, one after another; the sources' tasks at once."""
    planned, groups = _planned(kind, shares)
    results: list[_Fetched | None] = [None] * len(planned)

    async def run(indices: list[int]) -> None:
        for index in indices:
            item = planned[index]
            fetched = _Fetched(item)
            try:
                for step in item.steps:
                    fetched.tables.append(await item.share.route.source.fetch(step))
            except CryptoDataError as exc:
                fetched.error = exc
            results[index] = fetched.done()

    await asyncio.gather(*(run(indices) for indices in groups))
    return _collected(kind, results, strict)


@attrs.define
class _Fetched:
    """One share's fetch as it goes: its tables so far, the error that stopped it, its time."""

    item: _Planned
    tables: list[Table[Any]] = attrs.field(factory=list)
    error: CryptoDataError | None = None
    began: float = attrs.field(factory=time.perf_counter)
    seconds: float = 0.0

    def done(self) -> _Fetched:
        self.seconds = time.perf_counter() - self.began
        return self

    def outcome(self) -> Outcome:
        steps = self.item.steps
        rows = sum(len(table) for table in self.tables)
        cost = sum(step.cost for step in steps)
        return Outcome(self.item.share, len(steps), cost, rows, self.seconds, self.error)


def _planned(kind: Kind, shares: Sequence[Share]) -> tuple[list[_Planned], list[list[int]]]:
    """Every share planned, and the shares' indices grouped by source (one client each)."""
    planned = [_Planned(share, tuple(steps)) for share, steps in plan_shares(kind, shares)]
    by_source: dict[int, list[int]] = {}
    for index, item in enumerate(planned):
        by_source.setdefault(id(item.share.route.source), []).append(index)
    return planned, list(by_source.values())


def _collected(
    kind: Kind, results: Sequence[_Fetched | None], strict: bool
) -> tuple[Table[Any], Report]:
    """One table of every share's rows and the report; with `strict`, the first error."""
    done = [result for result in results if result is not None]
    report = Report(kind, tuple(result.outcome() for result in done))
    if strict and report.failures:
        failure = report.failures[0].error
        assert failure is not None
        raise failure
    return Table.concat(kind, [table for result in done for table in result.tables]), report
