"""Whole histories cut to the window, one row per complete UTC day (properties)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cryptodata import Kind, schema
from cryptodata.core.metric_names import MetricMap
from cryptodata.providers.defillama.frames import metric_frame
from cryptodata.providers.defillama.parse import Points

DAY = 86_400
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
TVL = MetricMap("TVL", "tvl")


def _frame(points: Points, start: datetime, end: datetime, now: datetime) -> list[datetime]:
    found = metric_frame(
        points, TVL, provider_id="aave", entity="aave", start=start, end=end, now=now
    )
    assert found.frame.schema == schema(Kind.METRIC)
    return found.frame["ts"].to_list()


@given(
    offsets=st.lists(st.integers(0, 60 * DAY), max_size=80),
    lo=st.integers(0, 60),
    span=st.integers(1, 60),
    now_hours=st.integers(0, 90 * 24),
)
def test_rows_are_distinct_begun_days_inside_the_window(
    offsets: list[int], lo: int, span: int, now_hours: int
) -> None:
    start = EPOCH + timedelta(days=lo)
    end = start + timedelta(days=span)
    now = EPOCH + timedelta(hours=now_hours)
    seconds = [int(EPOCH.timestamp()) + offset for offset in offsets]

    days = _frame(Points(seconds, [1.0] * len(seconds)), start, end, now)

    assert days == sorted(set(days))
    assert all(start <= day < end and day <= now for day in days)
    assert all(day.hour == day.minute == day.second == 0 for day in days)
    wanted = {
        datetime.fromtimestamp(s - s % DAY, UTC)
        for s in seconds
        if start.timestamp() <= s - s % DAY < end.timestamp() and s - s % DAY <= now.timestamp()
    }
    assert set(days) == wanted


def test_the_last_point_of_a_day_wins() -> None:
    base = int(EPOCH.timestamp())
    found = metric_frame(
        Points([base, base + 3600, base + DAY], [1.0, 2.0, 3.0]),
        TVL,
        provider_id="aave",
        entity="aave",
        start=EPOCH,
        end=EPOCH + timedelta(days=5),
        now=EPOCH + timedelta(days=5),
    )

    assert found.frame["value"].to_list() == [2.0, 3.0]
    assert found.warnings == ()


def test_a_gap_stays_a_null_value() -> None:
    base = int(EPOCH.timestamp())
    found = metric_frame(
        Points([base], [None]),
        TVL,
        provider_id="aave",
        entity="aave",
        start=EPOCH,
        end=EPOCH + timedelta(days=1),
        now=EPOCH + timedelta(days=2),
    )

    assert found.frame["value"].to_list() == [None]
