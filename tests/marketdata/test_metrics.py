"""Derived metrics: per series, in time order, null rather than invented."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata import Kind, MarketData, Table, ValidationError
from cryptodata.marketdata.metrics import (
    HOURS_PER_YEAR,
    annualised_funding,
    change,
    long_short_skew,
    range_fraction,
    with_metrics,
)
from cryptodata.providers.ccxt.replay import SAMPLE
from cryptodata.providers.ccxt.replay import sample_client as ccxt_sample
from cryptodata.providers.hyperliquid.replay import sample_client as hyperliquid_sample

START = SAMPLE.start
T0 = datetime(2025, 6, 1, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def md() -> Iterator[MarketData]:
    with MarketData([ccxt_sample("binanceusdm"), ccxt_sample("bybit"), hyperliquid_sample()]) as md:
        yield md


def oi(closes: dict[str, list[float]]) -> Table:
    rows = [
        {
            "provider": "p",
            "exchange": venue,
            "symbol": "BTC",
            "base": "BTC",
            "interval": "1h",
            "ts": T0 + n * H,
            "open": close,
            "high": close,
            "low": close,
            "close": close,
            "unit": "base",
        }
        for venue, series in closes.items()
        for n, close in enumerate(series)
    ]
    return Table.from_frame(Kind.OPEN_INTEREST, pl.DataFrame(rows))


def test_change_is_per_series_and_null_on_each_series_first_bar(md: MarketData) -> None:
    table = md.open_interest("BTC", venues=["binance", "bybit"], interval="1h", start=START)

    frame = change(table)

    firsts = frame.group_by("exchange", "unit").agg(pl.col("change").first())
    assert firsts["change"].null_count() == firsts.height == 3  # binance base and quote, bybit
    bybit = frame.filter(exchange="bybit")
    closes = bybit["close"].to_list()
    assert bybit["change"].to_list()[1:] == pytest.approx(
        [b / a - 1 for a, b in itertools.pairwise(closes)]
    )


@given(
    series=st.dictionaries(
        st.sampled_from(["binance", "bybit", "okx"]),
        st.lists(st.floats(0.01, 1e9), min_size=1, max_size=12),
        min_size=1,
    )
)
def test_change_never_compares_bars_of_two_series(series: dict[str, list[float]]) -> None:
    frame = change(oi(series))

    for venue, closes in series.items():
        got = frame.filter(exchange=venue)["change"].to_list()
        assert got[0] is None
        assert got[1:] == pytest.approx([b / a - 1 for a, b in itertools.pairwise(closes)])


def test_change_over_several_bars() -> None:
    frame = change(oi({"bybit": [100.0, 110.0, 121.0]}), periods=2)

    assert frame["change"].to_list()[:2] == [None, None]
    assert frame["change"].to_list()[2] == pytest.approx(0.21)


def test_range_is_the_bars_spread_over_its_open(md: MarketData) -> None:
    frame = range_fraction(md.ohlcv("BTC", venues="bybit", interval="1h", start=START))

    first = frame.row(0, named=True)
    assert first["range"] == pytest.approx((first["high"] - first["low"]) / first["open"])


def test_funding_is_annualised_with_each_rows_own_period(md: MarketData) -> None:
    settlements = md.funding_settlements("BTC", venues=["bybit", "hyperliquid"], start=START)

    frame = annualised_funding(settlements)

    for row in frame.iter_rows(named=True):
        assert row["annualised"] == pytest.approx(
            row["rate"] * HOURS_PER_YEAR / row["period_hours"]
        )
    assert set(frame["period_hours"]) == {1.0, 8.0}


def test_skew_is_long_share_minus_short_share_and_null_without_shares() -> None:
    frame = pl.DataFrame(
        {
            "provider": ["p", "p"],
            "exchange": ["binance", "okx"],
            "symbol": ["BTC", "BTC"],
            "base": ["BTC", "BTC"],
            "interval": ["1h", "1h"],
            "ts": [T0, T0],
            "ratio": [1.5, 1.2],
            "long_pct": [0.6, None],
            "short_pct": [0.4, None],
        }
    )

    skew = long_short_skew(Table.from_frame(Kind.LONG_SHORT_RATIO, frame))

    assert skew["skew"].to_list() == [pytest.approx(0.2), None]


def test_a_metric_of_another_kind_is_refused(md: MarketData) -> None:
    candles = md.ohlcv("BTC", venues="bybit", interval="1h", start=START)

    with pytest.raises(ValidationError, match="annualised_funding takes a table of funding_rate"):
        annualised_funding(candles)
    with pytest.raises(ValidationError, match="periods"):
        change(candles, periods=0)


def test_with_metrics_adds_every_column_the_kinds_functions_add(md: MarketData) -> None:
    candles = md.ohlcv("BTC", venues="bybit", interval="1h", start=START)

    frame = with_metrics(candles)

    assert frame.columns == [*candles.to_polars().columns, "change", "range"]
    assert frame["change"].equals(change(candles)["change"])
    assert frame["range"].equals(range_fraction(candles)["range"])


def test_with_metrics_refuses_a_kind_without_metrics() -> None:
    with pytest.raises(ValidationError, match="with_metrics takes a table of open_interest or"):
        with_metrics(Table.empty(Kind.LIQUIDATIONS))
