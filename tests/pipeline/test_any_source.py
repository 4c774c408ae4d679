"""The pipeline on a source that is not Coinalyze: variable step costs, page-aligned windows.

Everything here goes through the source protocol only, so these tests hold for any provider.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cryptodata import Kind, ManualClock, Table, TransportError, ValidationError
from cryptodata.core.errors import UnsupportedError
from cryptodata.core.intervals import Interval
from cryptodata.pipeline import abackfill, backfill, plan_backfill, update, watch
from fakes.sinks import MemorySink
from fakes.weighted import (
    NOW,
    NOW_DT,
    PROVIDER,
    RETAINED_HOURLY_BARS,
    SYMBOLS,
    AsyncWeightedSource,
    WeightedSource,
)

H = timedelta(hours=1)
OI = Kind.OPEN_INTEREST


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def source(clock: ManualClock) -> WeightedSource:
    return WeightedSource(clock)


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


def _truth(source: WeightedSource, symbols: list[str], start: datetime, end: datetime) -> Table:
    return Table.concat(OI, [source.truth(OI, symbols, Interval.H1, start, end)])


def _assert_holds_truth(
    sink: MemorySink, source: WeightedSource, symbols: list[str], start: datetime, end: datetime
) -> None:
    assert_frame_equal(
        sink.read(OI).to_polars(), _truth(source, symbols, start, end).to_polars(), check_exact=True
    )


def test_each_series_runs_its_windows_oldest_first_whatever_their_cost(
    source: WeightedSource, sink: MemorySink
) -> None:
    start = NOW_DT - 350 * H - 30 * timedelta(minutes=1)

    plan = plan_backfill(source, [OI], ["AAA", "BBB"], "1h", start, NOW_DT, sink=sink)

    costs = {step.cost for step in plan.steps}
    assert len(costs) > 1  # the partial first window is cheaper than the full ones
    for symbol in ("AAA", "BBB"):
        starts = [step.start for step in plan.steps if step.symbols == (symbol,)]
        assert starts == sorted(starts)
        assert starts[0] == start


def test_a_crash_after_the_later_windows_leaves_no_gap_once_resumed(
    clock: ManualClock, sink: MemorySink
) -> None:
    start = NOW_DT - 350 * H - 30 * timedelta(minutes=1)
    first = WeightedSource(clock, fail_after=2)

    with pytest.raises(TransportError):
        backfill(first, [OI], ["AAA"], "1h", start, NOW_DT, sink=sink)
    backfill(WeightedSource(clock), [OI], ["AAA"], "1h", start, NOW_DT, sink=sink)

    _assert_holds_truth(sink, first, ["AAA"], start, NOW_DT)


def test_plan_cost_is_the_sum_of_the_sources_own_step_costs(
    source: WeightedSource, sink: MemorySink
) -> None:
    start = NOW_DT - 250 * H

    plan = plan_backfill(source, [OI], ["AAA", "BBB", "CCC"], "1h", start, NOW_DT, sink=sink)

    expected = source.history_steps(OI, ["AAA"], interval="1h", start=start, end=NOW_DT)
    assert plan.cost == 3 * sum(step.cost for step in expected)
    assert plan.minimum_cost == plan.cost
    assert plan.series == 3
    assert source.fetched == []


def test_plan_estimates_duration_from_the_limiters_rate_and_burst(
    source: WeightedSource, sink: MemorySink
) -> None:
    plan = plan_backfill(source, [OI], ["AAA", "BBB", "CCC"], "1h", NOW_DT - 900 * H, sink=sink)

    assert (plan.rate, plan.burst) == (50.0, 50.0)
    assert plan.estimated_seconds == pytest.approx((plan.cost - 50) / 50)


def test_plan_flags_requested_history_the_provider_has_purged_before_sending_anything(
    source: WeightedSource, sink: MemorySink
) -> None:
    start = NOW_DT - (RETAINED_HOURLY_BARS + 500) * H

    plan = plan_backfill(source, [OI], ["AAA", "BBB"], "1h", start, NOW_DT, sink=sink)

    (warning,) = plan.warnings
    assert f"only the newest {RETAINED_HOURLY_BARS:,} bars of open_interest at 1h" in warning
    assert "AAA, BBB" in warning
    assert source.fetched == []


def test_history_within_retention_is_not_flagged(source: WeightedSource, sink: MemorySink) -> None:
    plan = plan_backfill(source, [OI], ["AAA"], "1h", NOW_DT - 100 * H, NOW_DT, sink=sink)

    assert plan.warnings == ()


def test_plan_warnings_reach_the_report(source: WeightedSource, sink: MemorySink) -> None:
    start = NOW_DT - (RETAINED_HOURLY_BARS + 10) * H

    report = backfill(source, [OI], ["AAA"], "1h", start, NOW_DT, sink=sink)

    assert report.warnings[0] == report.plan.warnings[0]


def test_an_interval_the_source_lacks_is_refused_before_any_request(
    source: WeightedSource, sink: MemorySink
) -> None:
    with pytest.raises(UnsupportedError, match=r"weighted does not offer funding_rate at 1d"):
        backfill(source, ["funding_rate"], ["AAA"], "1d", NOW_DT - 30 * 24 * H, sink=sink)

    assert source.fetched == []
    assert source.series_calls == 0


def test_a_kind_the_source_lacks_is_refused_as_unsupported(
    source: WeightedSource, sink: MemorySink
) -> None:
    with pytest.raises(UnsupportedError) as caught:
        plan_backfill(source, ["ohlcv"], ["AAA"], "1h", NOW_DT - 10 * H, sink=sink)

    assert caught.value.provider == PROVIDER
    assert caught.value.what == "ohlcv"
    assert isinstance(caught.value, ValidationError)


def test_update_starts_an_empty_series_at_the_oldest_bar_the_source_keeps(
    source: WeightedSource, sink: MemorySink
) -> None:
    update(source, [OI], ["AAA"], "1h", sink=sink)

    first = sink.read(OI).to_polars().get_column("ts").min()
    assert first == NOW_DT - RETAINED_HOURLY_BARS * H


def test_update_of_an_unbounded_history_needs_a_start(
    source: WeightedSource, sink: MemorySink
) -> None:
    with pytest.raises(ValidationError, match="whole open_interest history at 1d; pass start="):
        update(source, [OI], ["AAA"], "1d", sink=sink)

    assert source.fetched == []


def test_update_resumes_each_series_from_its_own_last_bar(
    source: WeightedSource, clock: ManualClock, sink: MemorySink
) -> None:
    start = NOW_DT - 48 * H
    backfill(source, [OI], ["AAA", "BBB"], "1h", start, NOW_DT, sink=sink)
    clock.advance(5 * 3_600)

    report = update(source, [OI], ["AAA", "BBB"], "1h", sink=sink, lag=1)

    assert {step.start for step in report.plan.steps} == {NOW_DT - 2 * H}  # last bar - 1 lag
    _assert_holds_truth(sink, source, ["AAA", "BBB"], start, NOW_DT + 5 * H)


def test_the_end_defaults_to_the_sources_clock_not_the_wall_clock(
    source: WeightedSource, sink: MemorySink
) -> None:
    plan = plan_backfill(source, [OI], ["AAA"], "1h", NOW_DT - 10 * H, sink=sink)

    assert plan.end == NOW_DT
    assert abs(datetime.now(UTC) - NOW_DT) > timedelta(days=30)


def test_watch_reads_time_from_the_sources_clock(source: WeightedSource, sink: MemorySink) -> None:
    stats = watch(
        source, [OI], ["AAA"], "1h", sink=sink, start=NOW_DT - 5 * H, delay=0, max_cycles=1
    )

    assert stats.cycles == 1
    assert stats.failures == 0
    assert sink.read(OI).to_polars().get_column("ts").max() == NOW_DT - H


def test_async_backfill_stores_what_the_blocking_one_stores(clock: ManualClock) -> None:
    start = NOW_DT - 330 * H
    blocking, concurrent = MemorySink(), MemorySink()

    backfill(WeightedSource(clock), [OI], list(SYMBOLS), "1h", start, NOW_DT, sink=blocking)
    asyncio.run(
        abackfill(
            AsyncWeightedSource(clock),
            [OI],
            list(SYMBOLS),
            "1h",
            start,
            NOW_DT,
            sink=concurrent,
        )
    )

    assert_frame_equal(blocking.read(OI).to_polars(), concurrent.read(OI).to_polars())


@pytest.mark.parametrize("crash_after", range(1, 6))  # the plan has 6 steps
def test_resume_after_a_crash_at_any_step_gives_the_full_history(
    clock: ManualClock, crash_after: int
) -> None:
    sink = MemorySink()
    start = NOW_DT - 260 * H - 17 * timedelta(minutes=1)
    symbols = ["AAA", "BBB"]
    assert plan_backfill(WeightedSource(clock), [OI], symbols, "1h", start, sink=sink).requests == 6

    with pytest.raises(TransportError):
        backfill(
            WeightedSource(clock, fail_after=crash_after), [OI], symbols, "1h", start, sink=sink
        )
    backfill(WeightedSource(clock), [OI], symbols, "1h", start, sink=sink)

    stored = sink.read(OI).to_polars()
    assert stored.select(pl.struct("symbol", "ts").is_duplicated().any()).item() is False
    _assert_holds_truth(sink, WeightedSource(clock), symbols, start, NOW_DT)
