"""429 storms, 5xx bursts and timeouts: a backfill ends complete or with a typed error, never a gap."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import httpx
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cryptodata import (
    Coinalyze,
    ManualClock,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from cryptodata.pipeline import backfill
from fakes.coinalyze import NOW, NOW_DT, FakeCoinalyze, synthetic
from fakes.sinks import MemorySink

H = timedelta(hours=1)
SYMBOLS = [synthetic(i) for i in range(22)]
START, END = NOW_DT - 300 * H, NOW_DT - 2 * H
KINDS = {"open_interest": "open_interest_history", "liquidations": "liquidation_history"}

Fault = str | None
FAULTS = st.lists(
    st.sampled_from([None, None, None, "429", "429-long", "500", "503", "timeout"]), max_size=40
)


class _Storm:
    """Answers data requests from a schedule of faults, passing the rest to the fake."""

    def __init__(self, fake: FakeCoinalyze, schedule: list[Fault]) -> None:
        self.fake = fake
        self.schedule = deque(schedule)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("-history") and self.schedule:
            fault = self.schedule.popleft()
            if fault == "timeout":
                raise httpx.ReadTimeout("simulated", request=request)
            if fault == "429":
                return httpx.Response(
                    429, headers={"Retry-After": "3"}, json={"message": "slow down"}
                )
            if fault == "429-long":
                return httpx.Response(
                    429, headers={"Retry-After": "900"}, json={"message": "slow down"}
                )
            if fault is not None:
                return httpx.Response(int(fault), json={"message": "unwell"})
        return self.fake.handle(request)


def _client(fake: FakeCoinalyze, clock: ManualClock, schedule: list[Fault]) -> Coinalyze:
    return Coinalyze(
        api_key=fake.api_key,
        clock=clock,
        http_transport=httpx.MockTransport(_Storm(fake, schedule)),
        max_points_per_request=60,
        retry=RetryPolicy(max_attempts=3),
    )


def _assert_prefix_of_truth(sink: MemorySink, fake: FakeCoinalyze) -> None:
    """Every stored series is the server's series up to its newest stored bar: no gaps."""
    for kind, method in KINDS.items():
        stored = sink.read(kind).to_polars()
        truth = fake.truth(method, SYMBOLS, "1h", START, END)
        newest = stored.group_by("symbol").agg(newest=pl.col("ts").max())
        expected = (
            truth.join(newest, on="symbol").filter(pl.col("ts") <= pl.col("newest")).drop("newest")
        )
        assert_frame_equal(stored, expected, check_exact=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=FAULTS)
def test_a_faulty_backfill_is_complete_or_raises_typed_and_leaves_no_gap(
    schedule: list[Fault],
) -> None:
    clock = ManualClock(start=NOW)
    fake = FakeCoinalyze(clock)
    sink = MemorySink()

    try:
        backfill(_client(fake, clock, schedule), list(KINDS), SYMBOLS, "1h", START, END, sink=sink)
    except (RateLimitError, ServerError, TransportError):
        _assert_prefix_of_truth(sink, fake)
        backfill(_client(fake, clock, []), list(KINDS), SYMBOLS, "1h", START, END, sink=sink)

    for kind, method in KINDS.items():
        assert_frame_equal(
            sink.read(kind).to_polars(),
            fake.truth(method, SYMBOLS, "1h", START, END),
            check_exact=True,
        )


def test_a_429_storm_longer_than_the_retry_budget_raises_rate_limit_error() -> None:
    clock = ManualClock(start=NOW)
    fake = FakeCoinalyze(clock)
    sink = MemorySink()

    with pytest.raises(RateLimitError) as refused:
        backfill(
            _client(fake, clock, ["429"] * 3), list(KINDS), SYMBOLS, "1h", START, END, sink=sink
        )

    assert refused.value.retry_after == 3
    assert len(sink.read("open_interest")) == 0
