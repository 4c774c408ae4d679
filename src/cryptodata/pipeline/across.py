"""Pipelines across providers: a `MarketData` question run as one resumable pipeline per share.

`backfill_across(md, kinds, assets, venues=..., ...)` asks the facade to route and resolve each
kind (no data request), plans every provider share with that provider's own symbols and
window (`plan_across`: each share plans with its source's costs and resumes from what the sink
stores for its series), then runs the plans, writing step by step. `update_across` does the
same with `update`'s resume rule (every series from its newest stored bar, up to now), and
`watch_across` (in `cryptodata.pipeline.watch`) runs it on every interval boundary.

Rows are written with the canonical asset in `base` (as the facade answers them). One share's
failure stops only that share: its error is in the report, what it wrote before stays
written, and running the same pipeline again resumes it.

The pipelines are written once, as flows (as the facade's questions are): generators that ask
for their I/O by yielding an effect (ask this question, plan this share, run this plan) and
get the answer back, or the error thrown in. `_run` performs them on a `MarketData`, `_arun`
on an `AsyncMarketData` (`abackfill_across` and its twins): the twins share every line of logic.

Examples:
    >>> from cryptodata import MarketData, ParquetSink                         # doctest: +SKIP
    >>> with ParquetSink("data/") as sink:                                     # doctest: +SKIP
    ...     backfill_across(MarketData(), ["open_interest", "ohlcv"], ["BTC", "ETH"],
    ...                     venues=["binance", "bybit", "hyperliquid"], interval="1h",
    ...                     start="2025-06-01", sink=sink)
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias, TypeVar

import attrs

from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.schema import Kind
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, to_utc
from cryptodata.marketdata.facade import AsyncMarketData, MarketData, Question, canonical
from cryptodata.marketdata.fanout import Outcome, Share
from cryptodata.sinks.base import Sink, SinkBase

from .backfill import (
    DEFAULT_LAG_BARS,
    BackfillPlan,
    BackfillReport,
    _aplan_update,
    _kinds,
    _plan_update,
    aplan_backfill,
    arun_plan,
    plan_backfill,
    run_plan,
)

__all__ = [
    "AcrossPlan",
    "AcrossReport",
    "SharePlan",
    "ShareRun",
    "abackfill_across",
    "aplan_across",
    "aupdate_across",
    "backfill_across",
    "plan_across",
    "update_across",
]

T = TypeVar("T")


@attrs.frozen
class SharePlan:
    """One provider share's plan, before any data request.

    Attributes:
        kind: The kind.
        share: The share (its route names the venue, the provider and its source).
        plan: The share's plan, resumed from the sink; `None` if it could not be planned.
        error: Why it could not be planned, or `None`.
    """

    kind: Kind
    share: Share
    plan: BackfillPlan | None = None
    error: CryptoDataError | None = None

    def describe(self) -> str:
        """One line: kind, venue, provider, and the plan or its error."""
        done = self.plan.describe() if self.plan is not None else _failed(self.error)
        return f"{_label(self.kind, self.share)}: {done}"


@attrs.frozen
class AcrossPlan:
    """Every share's plan, and the assets no provider of a venue lists.

    Attributes:
        plans: One per share, kind by kind.
        unresolved: An outcome for each asset a venue's provider lists no market of.
        assets: The canonical asset each `(provider, symbol)` stands for: what is stored in
            `base`.
    """

    plans: tuple[SharePlan, ...]
    unresolved: tuple[Outcome, ...]
    assets: Mapping[tuple[str, str], str] = attrs.field(factory=dict)

    @property
    def requests(self) -> int:
        """Requests planned, over every share."""
        return sum(share.plan.requests for share in self.plans if share.plan is not None)

    def summary(self) -> str:
        """One line per share (its plan or its error), then one per unresolved asset."""
        lines = [share.describe() for share in self.plans]
        return "\n".join([*lines, *map(_unresolved, self.unresolved)])


@attrs.frozen
class ShareRun:
    """What one provider share's pipeline did.

    Attributes:
        kind: The kind.
        share: The share (its route names the venue and provider).
        report: The share's report, or `None` if it failed before finishing.
        error: What stopped it, or `None`.
    """

    kind: Kind
    share: Share
    report: BackfillReport | None = None
    error: CryptoDataError | None = None

    def describe(self) -> str:
        """One line: kind, venue, provider, and rows written or the error."""
        done = (
            f"{self.report.rows_written} rows in {self.report.requests} requests"
            if self.report is not None
            else _failed(self.error)
        )
        return f"{_label(self.kind, self.share)}: {done}"


@attrs.frozen
class AcrossReport:
    """Every share's run, and the assets no provider of a venue lists.

    Attributes:
        runs: One per share, in the order run.
        unresolved: An outcome for each asset a venue's provider lists no market of.
    """

    runs: tuple[ShareRun, ...]
    unresolved: tuple[Outcome, ...]

    @property
    def rows_written(self) -> int:
        """Rows the sink accepted, over every share."""
        return sum(run.report.rows_written for run in self.runs if run.report is not None)

    @property
    def requests(self) -> int:
        """Data requests completed, over every share."""
        return sum(run.report.requests for run in self.runs if run.report is not None)

    @property
    def failures(self) -> tuple[ShareRun, ...]:
        """The shares whose run failed."""
        return tuple(run for run in self.runs if run.error is not None)

    def summary(self) -> str:
        """One line per share: kind, venue, provider, and rows written or the error."""
        lines = [run.describe() for run in self.runs]
        return "\n".join([*lines, *map(_unresolved, self.unresolved)])


def plan_across(
    md: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossPlan:
    """Plan `backfill_across`: each share's `plan_backfill`, resumed from `sink`, no data request.

    Market lists may be read (once per provider) to resolve the assets. A share its source
    cannot plan (its market list could not be read) carries the error instead of a plan.

    Raises:
        ValidationError: For an unknown asset, venue or kind (`UnsupportedError` when no
            provider offers a kind for a venue: every kind is routed before any request).
    """
    return _run(
        md,
        _plan_flow(
            md, kinds, assets, venues, interval, start, end, sink, lag, instrument, prefer, stitch
        ),
    )


async def aplan_across(
    md: AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossPlan:
    """The asyncio twin of `plan_across`, on an `AsyncMarketData`."""
    return await _arun(
        md,
        _plan_flow(
            md, kinds, assets, venues, interval, start, end, sink, lag, instrument, prefer, stitch
        ),
    )


def backfill_across(
    md: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport:
    """Backfill `kinds` of `assets` on `venues` over `[start, end)` into `sink` (see the module).

    `backfill(md, ...)` with a `MarketData` comes here.

    Raises:
        ValidationError: For an unknown asset, venue or kind (`UnsupportedError` when no
            provider offers a kind for a venue), before any data request.
    """
    planned = _plan_flow(
        md, kinds, assets, venues, interval, start, end, sink, lag, instrument, prefer, stitch
    )
    return _run(md, _run_flow(planned, sink))


async def abackfill_across(
    md: AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport:
    """The asyncio twin of `backfill_across`, on an `AsyncMarketData`; `abackfill(md, ...)`
    comes here. Shares run one after another; sink writes stay blocking."""
    planned = _plan_flow(
        md, kinds, assets, venues, interval, start, end, sink, lag, instrument, prefer, stitch
    )
    return await _arun(md, _run_flow(planned, sink))


def update_across(
    md: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    sink: Sink,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport:
    """Bring `kinds` of `assets` on `venues` up to `end` (default: the facade's now), per series.

    Each share runs `update` with its provider's symbols: a series resumes `lag` bars before
    its newest stored bar however old that is; a series with nothing stored starts at
    `start`, by default at the oldest bar its provider keeps (a provider that keeps its whole
    history needs `start`: that share fails with a `ValidationError` without it). Without
    `start` the venues are routed for the newest bar, so each goes to the provider routing
    prefers now.

    `assets` are required: a stored series is named by its provider's symbol, not by the
    canonical asset, and routing may now pick another provider for a venue than the one that
    stored it, so what the sink holds does not say which question to ask.
    `update(md, ...)` with a `MarketData` comes here.

    Raises:
        ValidationError: For missing assets, an unknown asset, venue or kind
            (`UnsupportedError` when no provider offers a kind for a venue), before any data
            request.

    Examples:
        >>> with ParquetSink("data/") as sink:                                 # doctest: +SKIP
        ...     update_across(MarketData(), "ohlcv", ["BTC", "ETH"], venues=["binance",
        ...                   "hyperliquid"], interval="1h", sink=sink)
    """
    planned = _plan_flow(
        md,
        kinds,
        _assets(assets),
        venues,
        interval,
        start,
        end,
        sink,
        lag,
        instrument,
        prefer,
        stitch,
        updating=True,
    )
    return _run(md, _run_flow(planned, sink))


async def aupdate_across(
    md: AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    sink: Sink,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport:
    """The asyncio twin of `update_across`, on an `AsyncMarketData`; `aupdate(md, ...)` comes
    here."""
    planned = _plan_flow(
        md,
        kinds,
        _assets(assets),
        venues,
        interval,
        start,
        end,
        sink,
        lag,
        instrument,
        prefer,
        stitch,
        updating=True,
    )
    return await _arun(md, _run_flow(planned, sink))


# --- flows (see the module) ----------------------------------------------------------------


@attrs.frozen
class _Ask:
    """Effect: ask the facade one kind's question (routed, resolved); the answer is a `Question`."""

    kind: Kind
    options: dict[str, Any]


@attrs.frozen
class _PlanShare:
    """Effect: plan one share on its source, resumed from the sink; the answer is its plan.

    With `updating`, `update`'s rule, series with nothing stored beginning at `first` (the
    source's oldest bar if `None`); else `plan_backfill`'s over the share's window.
    """

    kind: Kind
    share: Share
    interval: Interval
    first: datetime | None
    sink: Sink
    lag: int
    updating: bool


@attrs.frozen
class _RunShare:
    """Effect: run one share's plan into the sink; the answer is its `BackfillReport`."""

    source: Any
    plan: BackfillPlan
    sink: Sink


_Flow: TypeAlias = Generator[_Ask | _PlanShare | _RunShare, Any, T]
"""A pipeline's logic, asking for its I/O by yielding effects (see the module)."""


def _plan_flow(
    md: MarketData | AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    venues: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput | None,
    end: TimeInput | None,
    sink: Sink,
    lag: int,
    instrument: str | Sequence[str] | None,
    prefer: Sequence[str] | None,
    stitch: bool,
    *,
    updating: bool = False,
) -> _Flow[AcrossPlan]:
    """Every share's plan: `plan_backfill`'s, or with `updating`, `update`'s resume rule."""
    wanted = _kinds(kinds)
    step = Interval.parse(interval)
    hi = datetime.fromtimestamp(md.clock.time(), UTC) if end is None else to_utc(end, name="end")
    begin = None if start is None else to_utc(start, name="start")
    # Without a start, the question is routed for the newest bar: each series' own resume
    # point (or its provider's oldest bar) is the share's business.
    lo = step.add(step.floor(hi), -1) if begin is None else begin
    # Every kind is routed (no I/O) before the first question reads a market list, so a kind
    # no provider offers for a venue is refused before any request.
    for kind in wanted:
        md.routes(kind, venues, interval=step, start=lo, prefer=prefer, stitch=stitch)
    plans: list[SharePlan] = []
    unresolved: list[Outcome] = []
    found: dict[tuple[str, str], str] = {}
    for kind in wanted:
        options = {
            "assets": assets,
            "venues": venues,
            "interval": step,
            "start": lo,
            "end": hi,
            "instrument": instrument,
            "prefer": prefer,
            "stitch": stitch,
        }
        asked: Question = yield _Ask(kind, options)
        unresolved.extend(asked.unresolved)
        found.update(asked.assets)
        for share in asked.shares:
            first = None if begin is None else share.start
            try:
                plan = yield _PlanShare(kind, share, step, first, sink, lag, updating)
            except CryptoDataError as exc:
                plans.append(SharePlan(kind, share, error=exc))
            else:
                plans.append(SharePlan(kind, share, plan))
    return AcrossPlan(tuple(plans), tuple(unresolved), found)


def _run_flow(planned: _Flow[AcrossPlan], sink: Sink) -> _Flow[AcrossReport]:
    """Every share's plan run into `sink` through the canonical writer, one after another."""
    across = yield from planned
    writer = _Canonical(sink, dict(across.assets))
    runs: list[ShareRun] = []
    for share in across.plans:
        if share.plan is None:
            runs.append(ShareRun(share.kind, share.share, error=share.error))
            continue
        try:
            report = yield _RunShare(share.share.route.source, share.plan, writer)
        except CryptoDataError as exc:
            runs.append(ShareRun(share.kind, share.share, error=exc))
        else:
            runs.append(ShareRun(share.kind, share.share, report))
    return AcrossReport(tuple(runs), across.unresolved)


def _run(md: MarketData, flow: _Flow[T]) -> T:
    """Run a flow on a blocking facade; a `CryptoDataError` of an effect is thrown back in."""
    try:
        effect = next(flow)
        while True:
            try:
                answer = _perform(md, effect)
            except CryptoDataError as exc:
                effect = flow.throw(exc)
            else:
                effect = flow.send(answer)
    except StopIteration as done:
        result: T = done.value
        return result


async def _arun(md: AsyncMarketData, flow: _Flow[T]) -> T:
    """Run a flow on an asyncio facade; a `CryptoDataError` of an effect is thrown back in."""
    try:
        effect = next(flow)
        while True:
            try:
                answer = await _aperform(md, effect)
            except CryptoDataError as exc:
                effect = flow.throw(exc)
            else:
                effect = flow.send(answer)
    except StopIteration as done:
        result: T = done.value
        return result


def _perform(md: MarketData, effect: _Ask | _PlanShare | _RunShare) -> Any:
    if isinstance(effect, _Ask):
        return md.question(effect.kind, **effect.options)
    if isinstance(effect, _RunShare):
        return run_plan(effect.source, effect.plan, sink=effect.sink)
    share, symbols = effect.share, list(effect.share.symbols)
    if effect.updating:
        return _plan_update(
            share.route.source,
            effect.kind,
            symbols,
            effect.interval,
            effect.first,
            share.end,
            sink=effect.sink,
            lag=effect.lag,
        )
    return plan_backfill(
        share.route.source,
        effect.kind,
        symbols,
        effect.interval,
        share.start,
        share.end,
        sink=effect.sink,
        lag=effect.lag,
    )


async def _aperform(md: AsyncMarketData, effect: _Ask | _PlanShare | _RunShare) -> Any:
    if isinstance(effect, _Ask):
        return await md.question(effect.kind, **effect.options)
    if isinstance(effect, _RunShare):
        return await arun_plan(effect.source, effect.plan, sink=effect.sink)
    share, symbols = effect.share, list(effect.share.symbols)
    if effect.updating:
        return await _aplan_update(
            share.route.source,
            effect.kind,
            symbols,
            effect.interval,
            effect.first,
            share.end,
            sink=effect.sink,
            lag=effect.lag,
        )
    return await aplan_backfill(
        share.route.source,
        effect.kind,
        symbols,
        effect.interval,
        share.start,
        share.end,
        sink=effect.sink,
        lag=effect.lag,
    )


def _assets(assets: str | Sequence[str] | None) -> str | Sequence[str]:
    """An update's assets, which it cannot do without (see `update_across`)."""
    if assets is None:
        raise ValidationError(
            "a MarketData update needs its assets (e.g. ['BTC', 'ETH']): stored series are "
            "named by provider symbol, and routing may pick another provider now, so the sink "
            "does not say which assets to ask for"
        )
    return assets


def _label(kind: Kind, share: Share) -> str:
    return f"{kind.value} {share.route.venue} via {share.route.provider}"


def _failed(error: CryptoDataError | None) -> str:
    return f"failed: {type(error).__name__}: {error}"


def _unresolved(outcome: Outcome) -> str:
    return f"{_label(outcome.share.route.kind, outcome.share)}: {outcome.error}"


class _Canonical(SinkBase):
    """The sink, writing each table with the canonical asset in `base`; the rest delegated.

    Closing it leaves the caller's sink open: that one is theirs to close.
    """

    def __init__(self, sink: Sink, assets: dict[tuple[str, str], str]) -> None:
        self._sink = sink
        self._assets = assets

    def write(self, table: Table) -> int:
        return self._sink.write(canonical(table, self._assets))

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        return self._sink.last_ts(kind, series)

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        return self._sink.series(kind)

    def read(self, kind: Kind | str, **options: Any) -> Table:
        return self._sink.read(kind, **options)
