"""Shards: whole series per shard, the plan's order kept, balanced by cost, and values that
travel (pickle) to any worker."""

from __future__ import annotations

import pickle
from datetime import timedelta

import pytest

from cryptodata import Kind, ManualClock, ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.source import Step
from cryptodata.pipeline import plan_backfill
from cryptodata.pipeline.backfill import BackfillPlan
from cryptodata.pipeline.configs import SinkConfig, SourceConfig
from cryptodata.pipeline.shards import plan_shards, run_shard
from fakes.sinks import MemorySink
from fakes.weighted import NOW, NOW_DT, SYMBOLS, WeightedSource

H = timedelta(hours=1)
KINDS = [Kind.OPEN_INTEREST, Kind.FUNDING_RATE]
SOURCE = SourceConfig("fakes.weighted:built")
SINK = SinkConfig("parquet:store")


@pytest.fixture
def plan() -> BackfillPlan:
    source = WeightedSource(ManualClock(start=NOW))
    return plan_backfill(source, KINDS, SYMBOLS, "1h", NOW_DT - 350 * H, sink=MemorySink())


def _series(steps: tuple[Step, ...]) -> set[tuple[Kind, str]]:
    return {(step.kind, symbol) for step in steps for symbol in step.symbols}


def test_each_series_is_in_exactly_one_shard(plan: BackfillPlan) -> None:
    shards = plan_shards(plan, SOURCE, SINK, shards=4)

    owned = [_series(shard.steps) for shard in shards]
    assert sum(len(series) for series in owned) == len(_series(plan.steps))
    assert set().union(*owned) == _series(plan.steps)


def test_every_step_runs_once_in_the_plans_order(plan: BackfillPlan) -> None:
    shards = plan_shards(plan, SOURCE, SINK, shards=4)

    assert sum(len(shard.steps) for shard in shards) == len(plan.steps)
    for shard in shards:
        assert list(shard.steps) == [step for step in plan.steps if step in shard.steps]


def test_shards_are_balanced_by_cost(plan: BackfillPlan) -> None:
    shards = plan_shards(plan, SOURCE, SINK, shards=2)

    costs = sorted(shard.plan.cost for shard in shards)
    # Six series of equal cost: three each.
    assert costs[0] == costs[1] == plan.cost // 2


def test_no_more_shards_than_groups_of_series(plan: BackfillPlan) -> None:
    shards = plan_shards(plan, SOURCE, SINK, shards=50)

    assert len(shards) == len(KINDS) * len(SYMBOLS)
    assert [shard.index for shard in shards] == list(range(len(shards)))


def test_series_that_share_a_request_travel_together() -> None:
    def step(symbols: tuple[str, ...], hour: int) -> Step:
        at = NOW_DT - 10 * H + hour * H
        return Step(Kind.OHLCV, Interval.H1, symbols, at, at + H, len(symbols))

    steps = (step(("A", "B"), 0), step(("C",), 0), step(("B", "D"), 1), step(("E",), 0))
    plan = BackfillPlan(Interval.H1, NOW_DT, steps, 5, 6, 1.0, 1.0)

    shards = plan_shards(plan, SOURCE, SINK, shards=3)

    assert sorted(sorted(symbol for _, symbol in _series(shard.steps)) for shard in shards) == [
        ["A", "B", "D"],
        ["C"],
        ["E"],
    ]


def test_a_retry_of_a_shard_keeps_only_the_steps_not_yet_stored(plan: BackfillPlan) -> None:
    (shard,) = plan_shards(plan, SOURCE, SINK, shards=1)

    rest = shard.after(3)

    assert rest.steps == shard.steps[3:]
    assert (rest.index, rest.source, rest.sink) == (shard.index, shard.source, shard.sink)


def test_a_shard_pickles_to_an_equal_shard(plan: BackfillPlan) -> None:
    (shard, *_) = plan_shards(plan, SOURCE, SINK, shards=2)

    assert pickle.loads(pickle.dumps(shard)) == shard


def test_a_shard_count_below_one_is_refused(plan: BackfillPlan) -> None:
    with pytest.raises(ValidationError, match="shards"):
        plan_shards(plan, SOURCE, SINK, shards=0)


def test_a_shard_whose_source_cannot_be_built_reports_the_error_as_text(
    plan: BackfillPlan,
) -> None:
    (shard, *_) = plan_shards(plan, SourceConfig("fakes.weighted:nothing_here"), SINK, shards=2)

    result = run_shard(shard)

    assert (result.requests, result.rows_written) == (0, 0)
    assert result.error is not None
    assert result.error.startswith("AttributeError: ")
