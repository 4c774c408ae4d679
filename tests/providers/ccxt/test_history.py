"""History methods: canonical tables over half-open windows, pages planned by us."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from cryptodata import ManualClock, schema
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import FakeVenue, exchange

from .conftest import RecordingLimiter

JAN1 = datetime(2025, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)


def test_ohlcv_is_a_table_of_the_kinds_schema_with_canonical_series_columns(
    client: Ccxt, venue_id: str
) -> None:
    table = client.ohlcv("BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + 3 * H)
    frame = table.to_polars()

    assert frame.schema == schema(table.kind)
    venue = {"binanceusdm": "binance", "bybit": "bybit"}[venue_id]
    assert frame.select(
        "provider", "exchange", "symbol", "base", "interval", "unit"
    ).unique().rows() == [("ccxt", venue, "BTC/USDT:USDT", "BTC", "1h", "base")]


def test_ohlcv_holds_the_bars_of_the_half_open_window_oldest_first(client: Ccxt) -> None:
    frame = client.ohlcv("BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + 3 * H).to_polars()

    assert frame["ts"].to_list() == [JAN1, JAN1 + H, JAN1 + 2 * H]


def test_ohlcv_string_numbers_are_parsed_to_the_values_they_hold(client: Ccxt) -> None:
    row = client.ohlcv("BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + H).to_records()[0]

    t = int(JAN1.timestamp() * 1000)
    assert (row.open, row.volume) == (100 + (t // 60_000) % 97, 1_000 + (t // 300_000) % 89)
    assert (row.buy_volume, row.trades) == (None, None)


def test_a_long_ohlcv_range_is_paged_without_duplicates(client: Ccxt, venue: FakeVenue) -> None:
    table = client.ohlcv("BTC/USDT:USDT", interval="5m", start=JAN1, end=JAN1 + 100 * H)

    assert len(venue.calls) > 1
    assert table.to_polars()["ts"].is_unique().all()
    assert len(table) == 1200
    assert table.warnings == []


def test_a_venue_answering_less_than_asked_leaves_a_warning(client: Ccxt, venue: FakeVenue) -> None:
    venue.cap = 10

    table = client.ohlcv("BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + 24 * H)

    assert len(table) == 10
    assert len(table.warnings) == 1
    assert "answered 10 of the 24 ohlcv 1h bars of BTC/USDT:USDT" in table.warnings[0]


def test_the_forming_bar_is_left_out(client: Ccxt, clock: ManualClock) -> None:
    hour = datetime.fromtimestamp(clock.time(), UTC)
    clock.advance(1800)  # half-way through the bar of `hour`

    frame = client.ohlcv("BTC/USDT:USDT", interval="1h", start=hour - 2 * H).to_polars()

    assert frame["ts"].to_list() == [hour - 2 * H, hour - H]


def test_funding_settlements_carry_the_settlement_time_rate_and_period(client: Ccxt) -> None:
    table = client.funding_history("BTC/USDT:USDT", start=JAN1, end=JAN1 + 24 * H)
    frame = table.to_polars()

    assert frame.schema == schema(table.kind)
    assert frame["ts"].to_list() == [JAN1, JAN1 + 8 * H, JAN1 + 16 * H]
    assert frame["rate"].to_list() == [0.0001] * 3
    assert frame["period_hours"].to_list() == [8.0] * 3


def test_a_lone_binance_settlement_has_no_period_to_invent(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    # Binance's markets give no funding interval: the period is the settlements' spacing.
    venue = FakeVenue(exchange("binanceusdm"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    frame = client.funding_history("BTC/USDT:USDT", start=JAN1, end=JAN1 + 4 * H).to_polars()

    assert frame["period_hours"].to_list() == [None]


def test_bybit_funding_period_comes_from_the_markets_funding_interval(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    frame = client.funding_history("BTC/USDT:USDT", start=JAN1, end=JAN1 + 4 * H).to_polars()

    assert frame["period_hours"].to_list() == [8.0]


def test_binance_open_interest_amount_and_value_are_two_series_told_apart_by_unit(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("binanceusdm"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    table = client.open_interest_history(
        "BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + 2 * H
    )
    frame = table.to_polars()

    assert frame.schema == schema(table.kind)
    by_unit = {unit: group for (unit,), group in frame.group_by("unit")}
    assert sorted(by_unit) == ["base", "quote"]
    base, quote = by_unit["base"].sort("ts"), by_unit["quote"].sort("ts")
    assert base["ts"].to_list() == [JAN1, JAN1 + H]
    assert (base["close"] * 0 + quote["close"] / base["close"]).to_list() == [
        float(100 + (int(t.timestamp() * 1000) // 60_000) % 97) for t in (JAN1, JAN1 + H)
    ]


def test_an_open_interest_sample_fills_open_high_low_and_close(client: Ccxt) -> None:
    frame = client.open_interest_history(
        "BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + H
    ).to_polars()

    assert (
        frame.select(
            (pl.col("open") == pl.col("close"))
            & (pl.col("high") == pl.col("close"))
            & (pl.col("low") == pl.col("close"))
        )
        .to_series()
        .all()
    )


def test_bybit_linear_open_interest_is_the_amount_only(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    frame = client.open_interest_history(
        "BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + 2 * H
    ).to_polars()

    assert frame["unit"].to_list() == ["base", "base"]


def test_binance_open_interest_before_its_30_days_warns_and_starts_where_it_can(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("binanceusdm"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)
    now = datetime.fromtimestamp(clock.time(), UTC)

    table = client.open_interest_history(
        "BTC/USDT:USDT", interval="1d", start=now - timedelta(days=60), end=now
    )

    assert table.to_polars()["ts"].min() == now - timedelta(days=30)
    assert any("from " in note and "none before" in note for note in table.warnings)


def test_the_newest_open_interest_sample_is_kept(client: Ccxt, clock: ManualClock) -> None:
    hour = datetime.fromtimestamp(clock.time(), UTC)
    clock.advance(1800)

    frame = client.open_interest_history("BTC/USDT:USDT", interval="1h", start=hour - H).to_polars()

    assert sorted(set(frame["ts"].to_list())) == [hour - H, hour]


def test_bybit_inverse_open_interest_is_the_value_only(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    frame = client.open_interest_history(
        "BTC/USD:BTC", interval="1h", start=JAN1, end=JAN1 + 2 * H
    ).to_polars()

    assert frame["unit"].to_list() == ["quote", "quote"]
    assert "category=inverse" in venue.calls[0]
