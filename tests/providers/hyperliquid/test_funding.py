"""`Hyperliquid.funding_history`: one row per settlement, on the hour, with its period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptodata import Kind, ValidationError, schema
from cryptodata.core.clock import ManualClock
from cryptodata.providers.hyperliquid import client as hl_client
from cryptodata.providers.hyperliquid.client import Hyperliquid
from fakes.hyperliquid import HOURLY_SINCE, NOW, FakeHyperliquid, jitter, settlement_times

from .conftest import RecordingLimiter

NOW_DT = datetime.fromtimestamp(NOW, UTC)
HOUR = timedelta(hours=1)
CUTOVER = datetime.fromtimestamp(HOURLY_SINCE / 1000, UTC)


def _hours(start: datetime, end: datetime) -> list[datetime]:
    lo, hi = int(start.timestamp() * 1000), int(end.timestamp() * 1000) - 1
    return [datetime.fromtimestamp(ms / 1000, UTC) for ms in settlement_times(lo, hi)]


def test_settlements_are_rows_of_the_kind_stamped_on_their_hour(hl: Hyperliquid) -> None:
    table = hl.funding_history("ETH", start=NOW_DT - 3 * HOUR, end=NOW_DT)

    frame = table.to_polars()
    assert table.kind is Kind.FUNDING_SETTLEMENT
    assert frame.schema == schema(Kind.FUNDING_SETTLEMENT)
    assert frame["ts"].to_list() == [NOW_DT - 3 * HOUR, NOW_DT - 2 * HOUR, NOW_DT - HOUR]


def test_rates_and_premiums_are_the_strings_read_exactly(hl: Hyperliquid) -> None:
    (row,) = hl.funding_history("BTC", start=NOW_DT - HOUR, end=NOW_DT).to_records()

    hour = int((NOW_DT - HOUR).timestamp() * 1000) // 3_600_000
    assert row.rate == float(f"{(hour % 7 - 3) * 0.0000125:.7f}")
    assert row.premium == float(f"{(hour % 5 - 2) * 0.0001:.4f}")


def test_hourly_settlements_have_a_one_hour_period(hl: Hyperliquid) -> None:
    frame = hl.funding_history("BTC", start=NOW_DT - 48 * HOUR).to_polars()

    assert set(frame["period_hours"]) == {1.0}


def test_the_early_eight_hour_settlements_have_an_eight_hour_period(hl: Hyperliquid) -> None:
    start = CUTOVER - timedelta(days=3)
    frame = hl.funding_history("BTC", start=start, end=CUTOVER + 5 * HOUR).to_polars()

    before = frame.filter(frame["ts"] < CUTOVER)
    after = frame.filter(frame["ts"] > CUTOVER)
    assert before.height == 9
    assert set(before["period_hours"]) == {8.0}
    assert set(after["period_hours"]) == {1.0}


def test_a_long_range_is_asked_in_windows_below_the_500_row_cap(
    hl: Hyperliquid, fake: FakeHyperliquid
) -> None:
    start = NOW_DT - timedelta(days=60)

    table = hl.funding_history("SOL", start=start)

    assert table.to_polars()["ts"].to_list() == _hours(start, NOW_DT)
    calls = fake.of("fundingHistory")
    assert len(calls) == 3
    assert all(
        call.body["endTime"] - call.body["startTime"] < 480 * 3_600_000 + 10_000 for call in calls
    )


def test_a_full_page_goes_on_from_the_last_settlement(
    hl: Hyperliquid, fake: FakeHyperliquid, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hl_client, "_FUNDING_WINDOW", timedelta(hours=700))
    start = NOW_DT - 700 * HOUR

    table = hl.funding_history("BTC", start=start)

    _, second = fake.of("fundingHistory")
    last = int((start + 499 * HOUR).timestamp() * 1000)
    assert second.body["startTime"] == last + jitter(last) + 1
    assert len(table) == 700
    assert table.to_polars()["ts"].is_unique().all()


def test_each_request_is_charged_what_its_rows_will_weigh(
    hl: Hyperliquid, limiter: RecordingLimiter
) -> None:
    hl.funding_history("BTC", start=NOW_DT - 100 * HOUR)

    assert limiter.charged == [20 + 5]


def test_a_spot_pair_has_no_funding(hl: Hyperliquid, fake: FakeHyperliquid) -> None:
    with pytest.raises(ValidationError, match="spot pair"):
        hl.funding_history("@107", start=NOW_DT - HOUR)

    assert fake.calls == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    back=st.integers(min_value=1, max_value=24 * 90),
    length=st.integers(min_value=1, max_value=24 * 60),
    offset_ms=st.integers(min_value=0, max_value=3_599_999),
)
def test_any_window_gets_every_settlement_in_it_once(
    clock: ManualClock, back: int, length: int, offset_ms: int
) -> None:
    fake = FakeHyperliquid(clock)
    start = NOW_DT - back * HOUR + timedelta(milliseconds=offset_ms)
    end = min(NOW_DT, start + length * HOUR)
    client = Hyperliquid(clock=clock, http_transport=fake.transport())

    frame = client.funding_history("ETH", start=start, end=end).to_polars()

    assert frame["ts"].to_list() == _hours(start, end)
