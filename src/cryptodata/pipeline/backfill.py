"""Backfill and update: plan every request up front, resume per series, write step by step.

A backfill is planned before anything is sent: for each series the source names
(`Source.series`) the sink says where it stopped
(`last_ts`), the plan re-reads a small `lag` of recent bars from there (providers revise the
newest bars), and the source splits the rest into one-request steps with their cost. Steps
run in order and each result is written before the next request; every series' windows run
oldest first, so a run killed at any moment resumes from `last_ts` without a gap, and upserts
make the overlap harmless.

The pipeline knows sources only through the protocol in
`cryptodata.core.source`: any provider that implements it can be
backfilled, updated and watched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast, overload

import attrs

from cryptodata.core._args import names
from cryptodata.core._checks import count
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.metric_names import metric_symbol
from cryptodata.core.schema import Kind, series_key
from cryptodata.core.source import AsyncSource, Coverage, SeriesIds, Source, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range, to_utc
from cryptodata.marketdata.facade import AsyncMarketData, MarketData
from cryptodata.sinks.base import Sink, check_storable

from .configs import SinkConfig, SourceConfig

if TYPE_CHECKING:
    from .across import AcrossReport
    from .executors import ShardedReport, ShardProgress

__all__ = [
    "BackfillPlan",
    "BackfillReport",
    "abackfill",
    "aplan_backfill",
    "arun_plan",
    "aupdate",
    "backfill",
    "plan_backfill",
    "plan_update",
    "run_plan",
    "update",
]

logger = logging.getLogger("cryptodata.pipeline")

DEFAULT_LAG_BARS = 2
"""Bars re-read before the newest stored one, to pick up revisions of the open bar."""

DEFAULT_RETRIES = 2
"""Times a failed shard of a backfill on an executor is submitted again before it is reported."""


@attrs.frozen
class BackfillPlan:
    """Every request a backfill will send, known before the first one.

    Attributes:
        interval: Bar interval.
        end: End of the backfill (exclusive).
        steps: The requests, in the order they run; each series' windows oldest first.
        series: Number of series covered.
        minimum_cost: Cost if every series were fetched on its own: the reference the plan's
            batching is measured against.
        rate: The source limiter's sustained budget (cost units per second).
        burst: Cost the limiter grants at once before its rate applies (its capacity).
        warnings: What the plan already knows will disappoint: requested history the provider
            has purged, by kind.
    """

    interval: Interval
    end: datetime
    steps: tuple[Step, ...]
    series: int
    minimum_cost: int
    rate: float
    burst: float
    warnings: tuple[str, ...] = ()

    @property
    def requests(self) -> int:
        """Number of requests."""
        return len(self.steps)

    @property
    def cost(self) -> int:
        """Rate-limit budget the plan consumes, in the source limiter's units."""
        return sum(step.cost for step in self.steps)

    @property
    def estimated_seconds(self) -> float:
        """Time the limiter needs to grant the plan (its first `burst` is free)."""
        return max(self.cost - self.burst, 0.0) / self.rate

    def describe(self) -> str:
        """One line for a log or a prompt: requests, cost, efficiency and estimated duration."""
        duration = timedelta(seconds=round(self.estimated_seconds))
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
        warnings: Distinct warnings from the plan and the provider's tables, in order.
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
    source: Source,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
) -> BackfillPlan:
    """Plan a backfill of `kinds` by `symbols` over `[start, end)`, resuming from the sink.

    No data request is sent; the source may read its (cached) market list to name each
    symbol's series, which the sink's `last_ts` needs.

    Args:
        source: Any `Source`, e.g. `Coinalyze()`.
        kinds: Series kinds, e.g. `["open_interest", "funding_rate"]`.
        symbols: The provider's symbols.
        interval: Bar interval (canonical name).
        start: Start of the history wanted (inclusive).
        end: End (exclusive); defaults to the source clock's now.
        sink: Says where each series stopped.
        lag: Bars re-read before each series' newest stored bar.

    Raises:
        ValidationError: For bad arguments or unknown symbols; `UnsupportedError` when the
            source does not offer a kind at the interval. Nothing is sent then.
    """
    query = _Query.parse(source, kinds, symbols, interval, start, end, lag)
    return _finish_plan(source, query, sink, _series(source, query))


async def aplan_backfill(
    source: AsyncSource,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
) -> BackfillPlan:
    """The asyncio twin of `plan_backfill`."""
    query = _Query.parse(source, kinds, symbols, interval, start, end, lag)
    return _finish_plan(source, query, sink, await _aseries(source, query))


@overload
def backfill(
    source: Source,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | None = None,
) -> BackfillReport: ...


@overload
def backfill(
    source: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    venues: str | Sequence[str],
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport: ...


@overload
def backfill(
    source: SourceConfig,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: SinkConfig,
    executor: Any,
    lag: int = DEFAULT_LAG_BARS,
    shards: int | None = None,
    retries: int | None = None,
    progress: ShardProgress | None = None,
) -> ShardedReport: ...


def backfill(
    source: Source | MarketData | SourceConfig,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink | SinkConfig,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | ShardProgress | None = None,
    venues: str | Sequence[str] | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
    executor: Any = None,
    shards: int | None = None,
    retries: int | None = None,
) -> BackfillReport | AcrossReport | ShardedReport:
    """Fetch `kinds` by `symbols` over `[start, end)` into `sink`, resuming where it stopped.

    Given a `MarketData` instead of a source, `symbols` are canonical assets and `venues=` is
    required: the backfill runs across providers (`backfill_across`), and the report is an
    `AcrossReport`, one run per provider share.

    Given an `executor=` (any `concurrent.futures.Executor`, or a Dask `distributed.Client`),
    the source is a `SourceConfig` and the sink a `SinkConfig`: the plan is split into shards
    of whole series that workers run, each with a client and a sink of its own (see
    `cryptodata.pipeline.executors`), and the report is a `ShardedReport`.

    Args:
        source: Any `Source`, e.g. `Coinalyze()`; provider
            options such as Coinalyze's `convert_to_usd` are the client's arguments. Or a
            `MarketData`.
        kinds: Series kinds, e.g. `["open_interest", "funding_rate", "ohlcv"]`.
        symbols: The provider's symbols; for a `MarketData`, assets (`["BTC", "ETH"]`).
        interval: Bar interval.
        start: Start of the history wanted (inclusive).
        end: End (exclusive); defaults to the source clock's now.
        sink: Where rows go; also says where each series stopped.
        lag: Bars re-read before each series' newest stored bar.
        progress: Called after each written step (a source's backfill only); on an
            executor, as each shard attempt ends (a `ShardProgress`).
        venues: The venues, for a `MarketData` only (see `backfill_across`).
        instrument: See `MarketData.question` (a `MarketData` only).
        prefer: See `MarketData.question` (a `MarketData` only).
        stitch: See `MarketData.question` (a `MarketData` only).
        executor: Where shards run; needs a `SourceConfig` and a `SinkConfig`.
        shards: Shards to split the plan into (on an executor; default: its worker count).
        retries: Times a failed shard is submitted again (on an executor; default 2).

    Returns:
        A report with the plan, requests, rows written and the warnings; for a `MarketData`,
        an `AcrossReport`; on an executor, a `ShardedReport` whose `failures` name the shards
        that failed after their retries (a rerun resumes them).

    Raises:
        ValidationError: Bad arguments, before any data request: `venues=` missing for a
            `MarketData`, or a facade option given with a source; an `executor=` without
            configurations (or configurations without an `executor=`), or a JSONL sink on
            an executor of more than one worker.
        ProviderError: A request failed after its retries; every earlier step is stored, so
            running the same backfill again resumes from there. (Across providers, a share's
            error is in its run instead.)
        TransportError: Likewise, for network failures.

    Examples:
        >>> from cryptodata import Coinalyze, ParquetSink                      # doctest: +SKIP
        >>> with ParquetSink("data/") as sink:                                 # doctest: +SKIP
        ...     backfill(Coinalyze(), ["open_interest"], ["BTCUSDT_PERP.A"], "1d",
        ...              "2020-01-01", sink=sink)
        ...     backfill(MarketData(), "open_interest", ["BTC", "ETH"], "1h", "2025-06-01",
        ...              sink=sink, venues=["binance", "hyperliquid"])
    """
    if executor is not None or isinstance(source, SourceConfig) or isinstance(sink, SinkConfig):
        config, target = _configs(source, sink, executor)
        _source_only(config, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
        return _on_executor(
            config,
            target,
            executor,
            lambda client, store: plan_backfill(
                client, kinds, symbols, interval, start, end, sink=store, lag=lag
            ),
            shards=shards,
            retries=retries,
            progress=progress,
        )
    _sequential(shards=shards, retries=retries)
    if isinstance(source, MarketData):
        # Imported here: `across` builds on this module.
        from .across import backfill_across

        return backfill_across(
            source,
            kinds,
            symbols,
            venues=_facade_venues(venues, "backfill", progress=progress),
            interval=interval,
            start=start,
            end=end,
            sink=sink,
            lag=lag,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
    _source_only(source, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
    plan = plan_backfill(source, kinds, symbols, interval, start, end, sink=sink, lag=lag)
    # Off an executor, the overloads give a step `Progress`.
    return run_plan(source, plan, sink=sink, progress=cast("Progress | None", progress))


@overload
async def abackfill(
    source: AsyncSource,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | None = None,
) -> BackfillReport: ...


@overload
async def abackfill(
    source: AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    venues: str | Sequence[str],
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport: ...


async def abackfill(
    source: AsyncSource | AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | None = None,
    venues: str | Sequence[str] | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> BackfillReport | AcrossReport:
    """The asyncio twin of `backfill`, for `AsyncCoinalyze` and friends, or an
    `AsyncMarketData` (see `abackfill_across`).

    Examples:
        >>> async with AsyncCoinalyze() as cz:                                  # doctest: +SKIP
        ...     await abackfill(cz, ["ohlcv"], ["BTCUSDT_PERP.A"], "1d", "2020-01-01", sink=sink)
    """
    if isinstance(source, AsyncMarketData):
        # Imported here: `across` builds on this module.
        from .across import abackfill_across

        return await abackfill_across(
            source,
            kinds,
            symbols,
            venues=_facade_venues(venues, "backfill", progress=progress),
            interval=interval,
            start=start,
            end=end,
            sink=sink,
            lag=lag,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
    _source_only(source, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
    plan = await aplan_backfill(source, kinds, symbols, interval, start, end, sink=sink, lag=lag)
    return await arun_plan(source, plan, sink=sink, progress=progress)


@overload
def update(
    source: Source,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str] | None,
    interval: IntervalInput,
    *,
    sink: Sink,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | None = None,
) -> BackfillReport: ...


@overload
def update(
    source: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    venues: str | Sequence[str],
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport: ...


@overload
def update(
    source: SourceConfig,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str] | None,
    interval: IntervalInput,
    *,
    sink: SinkConfig,
    executor: Any,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    shards: int | None = None,
    retries: int | None = None,
    progress: ShardProgress | None = None,
) -> ShardedReport: ...


def update(
    source: Source | MarketData | SourceConfig,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str] | None,
    interval: IntervalInput,
    *,
    sink: Sink | SinkConfig,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | ShardProgress | None = None,
    venues: str | Sequence[str] | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
    executor: Any = None,
    shards: int | None = None,
    retries: int | None = None,
) -> BackfillReport | AcrossReport | ShardedReport:
    """Bring every series up to `end` (default: the source clock's now) from its newest bar.

    A series resumes `lag` bars before its newest stored bar however old that bar is, so a
    daily job that missed a year catches the whole year up. Series with nothing stored start
    at `start`, by default at the oldest bar the source still keeps (its `coverage()`
    retention or earliest data).

    With `symbols=None`, the series are the ones the sink already stores (`sink.series(kind)`)
    for this source's provider at `interval`, per kind (a `metric` series by its
    `"<metric>@<provider id>"` symbol). A stored series the source would not write as it is (another unit
    than the client's, a symbol the provider no longer lists) is left alone, with a warning
    in the report.

    Given a `MarketData` instead of a source, `symbols` are canonical assets (required) and
    `venues=` is required: see `update_across`; the report is an `AcrossReport`.

    Given an `executor=`, `update` plans as above on the driver and runs the plan shard by
    shard, exactly as `backfill` does (a `SourceConfig`, a `SinkConfig`, `shards=`,
    `retries=`, a `ShardedReport`).

    Raises:
        ValidationError: For bad arguments; when a series has nothing stored, `start` is
            not given and the source keeps unbounded history (there is no natural start); or,
            with `symbols=None`, when the sink stores none of the series asked for. For a
            `MarketData`, when `venues=` or the assets are missing; for a source, when a
            facade option (`venues=`, `instrument=`, `prefer=`, `stitch=`) is given.

    Examples:
        >>> with ParquetSink("data/") as sink:                                 # doctest: +SKIP
        ...     update(Coinalyze(), ["open_interest", "ohlcv"], None, "1d", sink=sink)
        ...     update(MarketData(), "ohlcv", ["BTC"], "1h", sink=sink, venues="bybit")
    """
    if executor is not None or isinstance(source, SourceConfig) or isinstance(sink, SinkConfig):
        config, target = _configs(source, sink, executor)
        _source_only(config, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
        return _on_executor(
            config,
            target,
            executor,
            lambda client, store: plan_update(
                client, kinds, symbols, interval, start, end, sink=store, lag=lag
            ),
            shards=shards,
            retries=retries,
            progress=progress,
        )
    _sequential(shards=shards, retries=retries)
    if isinstance(source, MarketData):
        # Imported here: `across` builds on this module.
        from .across import _assets, update_across

        return update_across(
            source,
            kinds,
            _assets(symbols),
            venues=_facade_venues(venues, "update", progress=progress),
            interval=interval,
            sink=sink,
            start=start,
            end=end,
            lag=lag,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
    _source_only(source, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
    plan = plan_update(source, kinds, symbols, interval, start, end, sink=sink, lag=lag)
    # Off an executor, the overloads give a step `Progress`.
    return run_plan(source, plan, sink=sink, progress=cast("Progress | None", progress))


def plan_update(
    source: Source,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str] | None,
    interval: IntervalInput,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    *,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
) -> BackfillPlan:
    """The plan `update` runs, each series from its newest stored bar, without a data request.

    Raises:
        ValidationError: As `update` does.
    """
    if symbols is not None:
        return _plan_update(source, kinds, symbols, interval, start, end, sink=sink, lag=lag)
    query = _Query.parse(source, kinds, symbols, interval, start, end, lag, empty_only=True)
    stored = _stored_series(source.provider, query, sink)
    ids: dict[Kind, SeriesIds] = {}
    unknown: dict[Kind, list[str]] = {}
    for kind, named in stored.items():
        ids[kind], unknown[kind] = _series_of_each(source, kind, list(named), query.interval)
    query, ids, notes = _keep_stored(query, stored, ids, unknown)
    return _finish_plan(source, query, sink, ids, notes)


def _facade_venues(
    venues: str | Sequence[str] | None, pipeline: str, *, progress: object = None
) -> str | Sequence[str]:
    """The `venues=` a pipeline over a `MarketData` needs.

    Raises:
        ValidationError: When it is missing, or `progress=` (a source's steps) is given.
    """
    if venues is None:
        raise ValidationError(
            f"a MarketData {pipeline} needs venues= (e.g. venues=['binance', 'hyperliquid']): "
            "the facade routes each venue to a provider"
        )
    if progress is not None:
        raise ValidationError(
            f"progress= follows one source's steps; a MarketData {pipeline} reports each "
            "provider share in its AcrossReport"
        )
    return venues


def _configs(
    source: Source | MarketData | SourceConfig, sink: Sink | SinkConfig, executor: Any
) -> tuple[SourceConfig, SinkConfig]:
    """The configurations a backfill on an executor takes.

    Raises:
        ValidationError: Unless the source is a `SourceConfig`, the sink a `SinkConfig` and
            an executor is given.
    """
    if not isinstance(source, SourceConfig) or not isinstance(sink, SinkConfig) or executor is None:
        raise ValidationError(
            "a backfill on an executor takes executor=, a SourceConfig for the source and a "
            "SinkConfig for the sink: an open client or sink cannot travel to a worker, so "
            "each worker builds its own from them"
        )
    return source, sink


def _on_executor(
    source: SourceConfig,
    sink: SinkConfig,
    executor: Any,
    planner: Callable[[Source, Sink], BackfillPlan],
    *,
    shards: int | None,
    retries: int | None,
    progress: Progress | ShardProgress | None,
) -> ShardedReport:
    """A backfill or update on `executor` (see `cryptodata.pipeline.executors`)."""
    # Imported here: `executors` builds on this module.
    from .executors import _sharded

    return _sharded(
        source,
        planner,
        sink=sink,
        executor=executor,
        shards=shards,
        retries=DEFAULT_RETRIES if retries is None else retries,
        # On an executor, the overloads give a `ShardProgress`.
        progress=cast("ShardProgress | None", progress),
    )


def _sequential(*, shards: int | None, retries: int | None) -> None:
    """Refuse the executor's options without an executor.

    Raises:
        ValidationError: Naming them.
    """
    if named := [name for name, value in (("shards=", shards), ("retries=", retries)) if value]:
        raise ValidationError(
            f"{', '.join(named)} split a backfill on an executor; pass executor= (with a "
            "SourceConfig and a SinkConfig), or drop them"
        )


def _source_only(
    source: Source | AsyncSource | SourceConfig,
    *,
    venues: object,
    instrument: object,
    prefer: object,
    stitch: bool,
) -> None:
    """Refuse the `MarketData` options given with a plain source.

    Raises:
        ValidationError: Naming them.
    """
    given = {"venues": venues, "instrument": instrument, "prefer": prefer, "stitch": stitch}
    if named := [f"{name}=" for name, value in given.items() if value not in (None, False)]:
        raise ValidationError(
            f"{', '.join(named)} route a MarketData across providers; {source.provider}'s own "
            "symbols already name their venues (pass a MarketData to route, or drop them)"
        )


@overload
async def aupdate(
    source: AsyncSource,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str] | None,
    interval: IntervalInput,
    *,
    sink: Sink,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | None = None,
) -> BackfillReport: ...


@overload
async def aupdate(
    source: AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    *,
    sink: Sink,
    venues: str | Sequence[str],
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport: ...


async def aupdate(
    source: AsyncSource | AsyncMarketData,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str] | None,
    interval: IntervalInput,
    *,
    sink: Sink,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
    lag: int = DEFAULT_LAG_BARS,
    progress: Progress | None = None,
    venues: str | Sequence[str] | None = None,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> BackfillReport | AcrossReport:
    """The asyncio twin of `update`, `symbols=None` included, for an `AsyncMarketData` too
    (see `aupdate_across`)."""
    if isinstance(source, AsyncMarketData):
        # Imported here: `across` builds on this module.
        from .across import _assets, aupdate_across

        return await aupdate_across(
            source,
            kinds,
            _assets(symbols),
            venues=_facade_venues(venues, "update", progress=progress),
            interval=interval,
            sink=sink,
            start=start,
            end=end,
            lag=lag,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
    _source_only(source, venues=venues, instrument=instrument, prefer=prefer, stitch=stitch)
    if symbols is not None:
        plan = await _aplan_update(source, kinds, symbols, interval, start, end, sink=sink, lag=lag)
        return await arun_plan(source, plan, sink=sink, progress=progress)
    query = _Query.parse(source, kinds, symbols, interval, start, end, lag, empty_only=True)
    stored = _stored_series(source.provider, query, sink)
    ids: dict[Kind, SeriesIds] = {}
    unknown: dict[Kind, list[str]] = {}
    for kind, named in stored.items():
        ids[kind], unknown[kind] = await _aseries_of_each(source, kind, list(named), query.interval)
    query, ids, notes = _keep_stored(query, stored, ids, unknown)
    plan = _finish_plan(source, query, sink, ids, notes)
    return await arun_plan(source, plan, sink=sink, progress=progress)


def _plan_update(
    source: Source,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput | None,
    end: TimeInput | None,
    *,
    sink: Sink,
    lag: int,
) -> BackfillPlan:
    """The plan `update` runs for named symbols: each series from its newest stored bar."""
    query = _Query.parse(source, kinds, symbols, interval, start, end, lag, empty_only=True)
    return _finish_plan(source, query, sink, _series(source, query))


async def _aplan_update(
    source: AsyncSource,
    kinds: Kind | str | Iterable[Kind | str],
    symbols: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput | None,
    end: TimeInput | None,
    *,
    sink: Sink,
    lag: int,
) -> BackfillPlan:
    """The asyncio twin of `_plan_update`."""
    query = _Query.parse(source, kinds, symbols, interval, start, end, lag, empty_only=True)
    return _finish_plan(source, query, sink, await _aseries(source, query))


def run_plan(
    source: Source, plan: BackfillPlan, *, sink: Sink, progress: Progress | None = None
) -> BackfillReport:
    """Run a plan step by step, writing each step's rows before the next request."""
    recorder = _Recorder(plan, sink, progress)
    _run_steps(source, recorder)
    return recorder.finish(source.provider)


def _run_steps(source: Source, recorder: _Recorder) -> None:
    """The blocking step loop: each step of the recorder's plan fetched, then written.

    A shard's run (`cryptodata.pipeline.shards`) shares it, and reads the recorder's report
    even when a step raises.
    """
    for index, step in enumerate(recorder.report.plan.steps):
        recorder.record(index, source.fetch(step))


async def arun_plan(
    source: AsyncSource, plan: BackfillPlan, *, sink: Sink, progress: Progress | None = None
) -> BackfillReport:
    """The asyncio twin of `run_plan`; sink writes stay blocking."""
    recorder = _Recorder(plan, sink, progress)
    for index, step in enumerate(plan.steps):
        recorder.record(index, await source.fetch(step))
    return recorder.finish(source.provider)


_AnySource = Source | AsyncSource


@attrs.frozen
class _Query:
    """Validated backfill arguments, checked against the source's coverage before any I/O."""

    kinds: list[Kind]
    symbols: list[str]
    interval: Interval
    start: datetime | None
    end: datetime
    now: datetime
    lag: int
    coverage: Coverage
    empty_only: bool = False
    """Whether `start` only places series with nothing stored (`update`), not every series."""

    @classmethod
    def parse(
        cls,
        source: _AnySource,
        kinds: Kind | str | Iterable[Kind | str],
        symbols: str | Sequence[str] | None,
        interval: IntervalInput,
        start: TimeInput | None,
        end: TimeInput | None,
        lag: int,
        *,
        empty_only: bool = False,
        waiting: bool = False,
    ) -> _Query:
        """Check the arguments against the source's coverage, without I/O.

        `symbols=None` (an update of what is stored) leaves them empty. With `waiting` (a
        watch), a `start` at or after `end` is not an error: series with nothing stored have
        nothing to fetch until the clock passes `start`.
        """
        wanted_kinds = _kinds(kinds)
        step = source.coverage().interval(interval)
        now = datetime.fromtimestamp(source.clock.time(), UTC)
        hi = now if end is None else to_utc(end, name="end")
        lo = None if start is None else to_utc(start, name="start")
        if lo is not None and not (waiting and lo >= hi):
            lo, hi = time_range(lo, hi)
        lag = check_lag(lag, step, now)
        wanted_symbols = [] if symbols is None else names("symbols", symbols)
        coverage = source.coverage()
        for kind in wanted_kinds:
            coverage.check(kind, step)
        return cls(
            wanted_kinds,
            wanted_symbols,
            step,
            lo,
            hi,
            now,
            lag,
            coverage,
            empty_only,
        )

    def until(self, end: datetime, now: datetime) -> _Query:
        """The same query up to another `end`, planned at `now` (a watch's next cycle)."""
        return attrs.evolve(self, end=end, now=now)

    def first_bar(self, kind: Kind) -> datetime:
        """Where a series with nothing stored begins: `start`, else the oldest bar kept."""
        if self.start is not None:
            return self.start
        oldest = self.coverage.check(kind).oldest(self.interval, self.now)
        if oldest is None:
            raise ValidationError(
                f"{self.coverage.provider} keeps its whole {kind.value} history at "
                f"{self.interval.value}; pass start= to say where series with nothing stored begin"
            )
        return oldest

    def resume_at(self, kind: Kind, last: datetime | None) -> datetime:
        """Where a series resumes: `lag` bars before its newest stored bar, else at its first bar."""
        if last is None:
            return self.first_bar(kind)
        resume = self.interval.add(last, -self.lag)
        return resume if self.empty_only or self.start is None else max(self.start, resume)


def check_lag(lag: int, interval: Interval, now: datetime) -> int:
    """`lag` as a number of bars, if it is an integer of at least 0 that reaches no earlier than year 1.

    Raises:
        ValidationError: Otherwise (a float such as NaN or 1e20 included), before any request.
    """
    bars = count("lag", lag, minimum=0)
    try:
        interval.add(now, -bars)
    except ValidationError:
        raise ValidationError(
            f"lag must be a number of bars that stays after the year 1, got {lag!r} bars of "
            f"{interval.value}; a few bars re-read the ones a provider revises"
        ) from None
    return bars


def _series(source: Source, query: _Query) -> dict[Kind, SeriesIds]:
    return {
        kind: source.series(kind, query.symbols, interval=query.interval) for kind in query.kinds
    }


async def _aseries(source: AsyncSource, query: _Query) -> dict[Kind, SeriesIds]:
    return {
        kind: await source.series(kind, query.symbols, interval=query.interval)
        for kind in query.kinds
    }


def _stored_series(
    provider: str, query: _Query, sink: Sink
) -> dict[Kind, dict[str, list[dict[str, str]]]]:
    """Per kind asked, the sink's series of `provider` at the query's interval, by symbol.

    Raises:
        ValidationError: When the sink stores none of them: there is nothing to update.
    """
    stored: dict[Kind, dict[str, list[dict[str, str]]]] = {}
    for kind in query.kinds:
        if "symbol" not in series_key(kind) and kind is not Kind.METRIC:
            raise ValidationError(
                f"{kind.value} series are not named by symbol; pass the series to update"
            )
        for series in sink.series(kind):
            if series["provider"] == provider and series["interval"] == query.interval.value:
                stored.setdefault(kind, {}).setdefault(_symbol_of(series), []).append(series)
    if not stored:
        kinds = ", ".join(kind.value for kind in query.kinds)
        raise ValidationError(
            f"{sink!r} stores no {provider} series of {kinds} at {query.interval.value}: "
            "nothing to update; backfill them first, or name the symbols"
        )
    return stored


def _symbol_of(series: Mapping[str, str]) -> str:
    """The symbol a source names a stored series by: a market's symbol, or a metric series'
    `"<metric>@<provider id>"`."""
    if "symbol" in series:
        return series["symbol"]
    return metric_symbol(series["provider_id"], series["metric"])


def _series_of_each(
    source: Source, kind: Kind, symbols: list[str], interval: Interval
) -> tuple[SeriesIds, list[str]]:
    """The source's series ids of `symbols`, and the symbols it no longer knows."""
    try:
        return source.series(kind, symbols, interval=interval), []
    except ValidationError:
        if len(symbols) == 1:
            return {}, symbols
    ids: SeriesIds = {}
    unknown: list[str] = []
    for symbol in symbols:
        found, lost = _series_of_each(source, kind, [symbol], interval)
        ids.update(found)
        unknown += lost
    return ids, unknown


async def _aseries_of_each(
    source: AsyncSource, kind: Kind, symbols: list[str], interval: Interval
) -> tuple[SeriesIds, list[str]]:
    """The asyncio twin of `_series_of_each`."""
    try:
        return await source.series(kind, symbols, interval=interval), []
    except ValidationError:
        if len(symbols) == 1:
            return {}, symbols
    ids: SeriesIds = {}
    unknown: list[str] = []
    for symbol in symbols:
        found, lost = await _aseries_of_each(source, kind, [symbol], interval)
        ids.update(found)
        unknown += lost
    return ids, unknown


def _keep_stored(
    query: _Query,
    stored: dict[Kind, dict[str, list[dict[str, str]]]],
    ids: dict[Kind, SeriesIds],
    unknown: dict[Kind, list[str]],
) -> tuple[_Query, dict[Kind, SeriesIds], list[str]]:
    """Only the stored series the source writes as they are; a warning for the others.

    A symbol's series as the source names it may differ from every stored one (the client
    asks for USD values, the stored series holds native ones): updating would start a new
    series instead of extending the stored one, so it is left out.
    """
    kept: dict[Kind, SeriesIds] = {kind: {} for kind in query.kinds}
    notes: list[str] = []
    for kind, by_symbol in stored.items():
        other: list[str] = []
        for symbol, series in by_symbol.items():
            named = ids[kind].get(symbol)
            if named is not None and named in series:
                kept[kind][symbol] = named
            elif symbol not in unknown[kind]:
                other.append(symbol)
        if unknown[kind]:
            notes.append(
                f"not updated: stored {kind.value} series of {', '.join(unknown[kind])}, "
                f"which {query.coverage.provider} no longer lists"
            )
        if other:
            notes.append(
                f"not updated: stored {kind.value} series of {', '.join(other)}, which this "
                "client would write under another series key (check its unit options, "
                "e.g. convert_to_usd)"
            )
    symbols = sorted({symbol for named in kept.values() for symbol in named})
    return attrs.evolve(query, symbols=symbols), kept, notes


def _finish_plan(
    source: _AnySource,
    query: _Query,
    sink: Sink,
    ids: dict[Kind, SeriesIds],
    notes: Sequence[str] = (),
) -> BackfillPlan:
    """The plan, from the series' resume points: the part both planners share.

    `notes` are warnings found before planning; each kind plans the symbols `ids` names.
    """
    chains: list[list[Step]] = []
    warnings: list[str] = list(notes)
    minimum = 0
    series = 0
    for kind in query.kinds:
        resume: dict[str, datetime] = {}
        for symbol in query.symbols:
            if symbol not in ids[kind]:
                continue
            last = sink.last_ts(kind, ids[kind][symbol])
            begin = query.resume_at(kind, last)
            if begin < query.end:
                resume[symbol] = begin
        series += len(resume)
        if note := _purged(query, kind, resume):
            warnings.append(note)
        alone = {
            symbol: _steps(source, query, kind, [symbol], begin) for symbol, begin in resume.items()
        }
        minimum += sum(step.cost for found in alone.values() for step in found)
        for members, begin in _groups(resume, alone):
            shared = _steps(source, query, kind, members, begin)
            if _cost(shared) <= sum(_cost(alone[symbol]) for symbol in members):
                chains.extend(_chains(shared))
            else:
                chains.extend(alone[symbol] for symbol in members)
    # Costlier chains first packs the budget tighter (a small request no longer blocks the
    # queue waiting for room a big one needs). Chains move whole and the sort is stable, so
    # each series still runs its windows oldest first, whatever the costs of its windows:
    # resuming from `last_ts` after a crash then never skips an unfetched older window.
    chains.sort(key=lambda chain: -max(step.cost for step in chain))
    plan = BackfillPlan(
        query.interval,
        query.end,
        tuple(step for chain in chains for step in chain),
        series,
        minimum,
        source.limiter.rate,
        source.limiter.capacity,
        tuple(warnings),
    )
    logger.info("%s backfill: %s", source.provider, plan.describe())
    for warning in plan.warnings:
        logger.warning("%s backfill: %s", source.provider, warning)
    return plan


def _steps(
    source: _AnySource, query: _Query, kind: Kind, symbols: Sequence[str], start: datetime
) -> list[Step]:
    return source.history_steps(kind, symbols, interval=query.interval, start=start, end=query.end)


def _cost(steps: Iterable[Step]) -> int:
    return sum(step.cost for step in steps)


def _chains(steps: list[Step]) -> list[list[Step]]:
    """Steps split by symbol batch: each batch's windows, in the source's (chronological) order."""
    by_batch: dict[tuple[str, ...], list[Step]] = {}
    for step in steps:
        by_batch.setdefault(step.symbols, []).append(step)
    return list(by_batch.values())


def _purged(query: _Query, kind: Kind, resume: dict[str, datetime]) -> str | None:
    """A warning naming the series whose requested start the provider has already purged."""
    coverage = query.coverage.check(kind)
    oldest = coverage.oldest(query.interval, query.now)
    if oldest is None:
        return None
    early = sorted(symbol for symbol, begin in resume.items() if begin < oldest)
    if not early:
        return None
    bars = coverage.retained_bars(query.interval)
    kept = f"only the newest {bars:,} bars" if bars is not None else "no older data"
    return (
        f"{query.coverage.provider} keeps {kept} of {kind.value} at {query.interval.value}: "
        f"bars before {oldest:%Y-%m-%d %H:%M} UTC are gone, so {', '.join(early)} will start "
        "later than asked"
    )


def _groups(
    resume: dict[str, datetime], alone: dict[str, list[Step]]
) -> list[tuple[list[str], datetime]]:
    """Symbol groups that may share requests.

    Symbols whose remaining range fits in one request share one window, from the earliest of
    their resume points; longer ranges group by identical resume point. The planner keeps a
    group only if it costs no more than fetching its members alone.
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


class _Recorder:
    """Writes each step's table and keeps the report: the part both run loops share."""

    def __init__(self, plan: BackfillPlan, sink: Sink, progress: Progress | None) -> None:
        self.report = BackfillReport(plan)
        self.sink = sink
        self.progress = progress
        self.started = time.monotonic()
        self.seen: set[str] = set()
        self._note(plan.warnings)

    def record(self, index: int, table: Table) -> None:
        self.report.rows_written += self.sink.write(table)
        self.report.requests += 1
        self._note(table.warnings)
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

    def _note(self, warnings: Iterable[str]) -> None:
        for warning in warnings:
            if warning not in self.seen:
                self.seen.add(warning)
                self.report.warnings.append(warning)


def _kinds(kinds: Kind | str | Iterable[Kind | str]) -> list[Kind]:
    return list(dict.fromkeys(check_storable(kind) for kind in names("kinds", kinds)))
