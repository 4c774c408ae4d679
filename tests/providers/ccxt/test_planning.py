"""Pagination planned by us: pages cover the window exactly, each with its cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from cryptodata import Interval, Kind
from cryptodata.providers.ccxt import Ccxt
from cryptodata.providers.ccxt.endpoints import page_limit, pages

JAN1 = datetime(2025, 1, 1, tzinfo=UTC)

starts = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(
    start=starts,
    span=st.timedeltas(min_value=timedelta(milliseconds=1), max_value=timedelta(days=400)),
    step=st.sampled_from([Interval.M5, Interval.H1, Interval.D1, Interval.W1, Interval.MO1]),
    limit=st.integers(min_value=1, max_value=1500),
)
def test_planned_pages_cover_the_window_without_gap_or_overlap(
    start: datetime, span: timedelta, step: Interval, limit: int
) -> None:
    found = pages(start, start + span, step, limit)

    assert found[0][0] == start
    assert found[-1][1] == start + span
    assert all(a < b for a, b in found)
    assert all(prev[1] == nxt[0] for prev, nxt in pairwise(found))
    assert all(b <= step.add(a, limit) for a, b in found)


def test_history_steps_split_a_query_by_the_venues_page_limit(client: Ccxt) -> None:
    steps = client.history_steps(
        "ohlcv", ["BTC/USDT:USDT"], interval="1h", start=JAN1, end=JAN1 + timedelta(days=90)
    )

    limit = page_limit(client.exchange.id, "fetch_ohlcv", client.exchange.features, "linear")
    assert len(steps) == -(-90 * 24 // limit)
    assert {step.kind for step in steps} == {Kind.OHLCV}
    assert steps[0].start == JAN1
    assert steps[-1].end == JAN1 + timedelta(days=90)


def test_page_limits_come_from_ccxt_features_where_it_has_them(client: Ccxt) -> None:
    expected = {"binanceusdm": 500, "bybit": 1000}[client.exchange.id]

    assert (
        page_limit(client.exchange.id, "fetch_ohlcv", client.exchange.features, "linear")
        == expected
    )


def test_funding_pages_span_the_page_limit_in_hours(client: Ccxt) -> None:
    steps = client.history_steps(
        "funding_settlement",
        ["BTC/USDT:USDT"],
        interval="8h",
        start=JAN1,
        end=JAN1 + timedelta(days=60),
    )

    per_page = {"binanceusdm": 1000, "bybit": 200}[client.exchange.id]
    assert steps[0].end - steps[0].start == timedelta(hours=per_page)


def test_a_snapshot_window_reaching_now_is_one_step_for_every_symbol(client: Ccxt) -> None:
    now = datetime.fromtimestamp(client.clock.time(), UTC)

    steps = client.history_steps(
        "open_interest_snapshot",
        ["BTC/USDT:USDT", "BTC/USD:BTC"],
        interval="5m",
        start=now - timedelta(minutes=5),
    )

    assert [step.symbols for step in steps] == [("BTC/USDT:USDT", "BTC/USD:BTC")]


def test_a_fetched_step_holds_exactly_its_window(client: Ccxt) -> None:
    (step,) = client.history_steps(
        "ohlcv", ["BTC/USDT:USDT"], interval="1h", start=JAN1, end=JAN1 + timedelta(hours=5)
    )

    frame = client.fetch(step).to_polars()

    assert frame["ts"].to_list() == [JAN1 + timedelta(hours=h) for h in range(5)]


def test_series_names_the_key_columns_of_each_symbol(client: Ccxt) -> None:
    venue = {"binanceusdm": "binance", "bybit": "bybit"}[client.exchange.id]

    assert client.series("ohlcv", ["BTC/USDT:USDT"], interval="1h") == {
        "BTC/USDT:USDT": {
            "provider": "ccxt",
            "exchange": venue,
            "symbol": "BTC/USDT:USDT",
            "interval": "1h",
            "unit": "base",
        }
    }
