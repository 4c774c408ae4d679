"""Long/short ratio history: the venue's ratio, its shares where given, within its reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ccxt
import pytest

from cryptodata import ManualClock, UnsupportedError, schema
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import NOW, FakeVenue, exchange, long_share

from .conftest import RecordingLimiter

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)


def test_long_short_ratio_is_a_table_of_the_kinds_schema_over_the_half_open_window(
    client: Ccxt, venue_id: str
) -> None:
    table = client.long_short_ratio_history(
        "BTC/USDT:USDT", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
    )
    frame = table.to_polars()

    assert frame.schema == schema(table.kind)
    assert frame["ts"].to_list() == [NOW_DT - 3 * H, NOW_DT - 2 * H, NOW_DT - H]
    venue = {"binanceusdm": "binance", "bybit": "bybit"}[venue_id]
    assert frame.select("provider", "exchange", "symbol", "base", "interval").unique().rows() == [
        ("ccxt", venue, "BTC/USDT:USDT", "BTC", "1h")
    ]
    assert table.warnings == []


def test_the_ratio_is_ccxts_and_the_percentages_are_the_venues_shares(client: Ccxt) -> None:
    row = client.long_short_ratio_history(
        "BTC/USDT:USDT", interval="1h", start=NOW_DT - H, end=NOW_DT
    ).to_records()[0]

    share = float(long_share(int((NOW_DT - H).timestamp() * 1000)))
    assert row.ratio == pytest.approx(share / (1 - share))
    assert row.long_pct == pytest.approx(share * 100)
    assert row.short_pct == pytest.approx(100 - share * 100)


def test_bybit_periods_are_spelt_its_way_and_asked_without_bounds(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    client.long_short_ratio_history("BTC/USDT:USDT", interval="5m", start=NOW_DT - H)

    (url,) = venue.calls
    assert "period=5min" in url
    assert "limit=500" in url
    assert "start" not in url
    assert "end" not in url
    assert "until" not in url


def test_bybit_beyond_its_newest_500_periods_is_cut_with_a_warning(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    table = client.long_short_ratio_history(
        "BTC/USDT:USDT", interval="1h", start=NOW_DT - 1000 * H, end=NOW_DT
    )

    assert len(venue.calls) == 1
    assert table.to_polars()["ts"].min() == NOW_DT - 499 * H
    assert any("none before" in note for note in table.warnings)


def test_binance_before_its_30_days_warns_and_long_ranges_are_paged(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("binanceusdm"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    table = client.long_short_ratio_history(
        "BTC/USDT:USDT", interval="1h", start=NOW_DT - timedelta(days=60), end=NOW_DT
    )

    assert len(venue.calls) == 2  # 720 periods in pages of 500
    assert len(table) == 720
    assert table.to_polars()["ts"].is_unique().all()
    assert any("none before" in note for note in table.warnings)


def test_a_period_the_venue_lacks_is_unsupported_before_any_request(
    client: Ccxt, venue: FakeVenue
) -> None:
    with pytest.raises(UnsupportedError, match="long_short_ratio at 1m"):
        client.long_short_ratio_history("BTC/USDT:USDT", interval="1m", start=NOW_DT - H)

    assert venue.calls == []


def test_a_venue_without_long_short_history_is_named_before_any_request(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(ccxt.hyperliquid(), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    with pytest.raises(UnsupportedError, match=r"hyperliquid: .*fetchLongShortRatioHistory"):
        client.long_short_ratio_history("BTC/USDC:USDC", interval="1h", start=NOW_DT - H)

    assert venue.calls == []


def test_history_steps_plan_the_pages_and_fetch_runs_one(client: Ccxt) -> None:
    steps = client.history_steps(
        "long_short_ratio", ["BTC/USDT:USDT"], interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
    )

    assert len(steps) == 1
    assert len(client.fetch(steps[0])) == 3
