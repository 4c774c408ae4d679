"""Window planning as properties: each request spans exactly the buckets starting in the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st

from cryptodata import BlockchainInfo, ManualClock
from cryptodata.providers.blockchaininfo.endpoints import bucket_window, chart_request, plan_queries
from cryptodata.providers.blockchaininfo.metrics import resolve_chart
from providers.blockchaininfo.fake import NOW, FakeBlockchainInfo

ORIGIN = datetime(2020, 1, 1, tzinfo=UTC)
_UNITS = {"minute": 60, "minutes": 60, "hour": 3_600, "hours": 3_600, "day": 86_400, "days": 86_400}


def _span_seconds(timespan: str) -> int:
    digits = "".join(c for c in timespan if c.isdigit())
    return int(digits) * _UNITS[timespan[len(digits) :]]


@given(
    chart=st.sampled_from(["hash-rate", "mempool-size"]),
    offset=st.integers(min_value=0, max_value=1_000 * 86_400),
    length=st.integers(min_value=1, max_value=1_000 * 86_400),
)
def test_a_request_spans_exactly_the_buckets_starting_in_the_window(
    chart: str, offset: int, length: int
) -> None:
    found = resolve_chart(chart)
    start = ORIGIN + timedelta(seconds=offset)
    end = start + timedelta(seconds=length)

    plan = plan_queries([found], start, end)

    window = bucket_window(found.interval, start, end)
    if window is None:
        assert plan == []
        return
    (query,) = plan
    step = found.interval.timedelta
    assert query.start >= start > query.start - step
    assert query.end >= end > query.end - step
    params = dict(chart_request(query).params)
    assert timedelta(seconds=_span_seconds(str(params["timespan"]))) == query.end - query.start
    assert params["sampled"] == "false"


@given(
    offset=st.integers(min_value=0, max_value=1_400),
    length=st.integers(min_value=1, max_value=400),
)
def test_the_rows_of_any_daily_window_are_the_fakes_points_in_it(offset: int, length: int) -> None:
    fake = FakeBlockchainInfo()
    clock = ManualClock(start=NOW)
    start = ORIGIN + timedelta(days=offset, hours=offset % 24)
    end = start + timedelta(days=length)
    with BlockchainInfo(clock=clock, http_transport=httpx.MockTransport(fake.handle)) as bc:
        frame = bc.chart("n-transactions", start=start, end=end).to_polars()

    rows = dict(zip(frame.get_column("ts"), frame.get_column("value"), strict=True))
    assert rows == fake.truth("n-transactions", start, end)
    assert len(fake.requests) == 1
