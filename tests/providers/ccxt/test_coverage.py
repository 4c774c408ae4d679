"""Coverage comes from ccxt's `has` and `timeframes`, plus the venues' documented limits."""

from __future__ import annotations

import ccxt
import pytest

from cryptodata import Interval, Kind
from cryptodata.providers.ccxt.coverage import coverage


def test_bybit_ohlcv_intervals_are_ccxts_timeframes_with_a_canonical_name() -> None:
    entry = coverage(ccxt.bybit()).check(Kind.OHLCV)

    assert Interval.H8 not in entry.intervals
    assert {Interval.M1, Interval.H1, Interval.D1, Interval.MO1} <= set(entry.intervals)


def test_okx_open_interest_history_has_5m_1h_and_1d_only() -> None:
    entry = coverage(ccxt.okx()).check(Kind.OPEN_INTEREST)

    assert entry.intervals == (Interval.M5, Interval.H1, Interval.D1)


def test_binance_open_interest_history_keeps_30_days() -> None:
    entry = coverage(ccxt.binanceusdm()).check(Kind.OPEN_INTEREST)

    assert entry.retained_bars(Interval.H1) == 720


def test_hyperliquid_lacks_open_interest_history_and_says_why() -> None:
    cov = coverage(ccxt.hyperliquid())

    assert not cov.supports(Kind.OPEN_INTEREST)
    assert "has no fetchOpenInterestHistory" in dict(cov.missing)[Kind.OPEN_INTEREST]
    assert cov.supports(Kind.OPEN_INTEREST_SNAPSHOT)


def test_an_emulated_method_counts_as_offered() -> None:
    bybit = ccxt.bybit()
    assert bybit.has["fetchFundingRate"] == "emulated"

    assert coverage(bybit).supports(Kind.FUNDING_RATE_SNAPSHOT)


@pytest.mark.parametrize("exchange_id", ["binanceusdm", "bybit", "okx"])
def test_the_venue_is_the_canonical_name(exchange_id: str) -> None:
    assert coverage(getattr(ccxt, exchange_id)()).venues == (
        {"binanceusdm": "binance"}.get(exchange_id, exchange_id),
    )


@pytest.mark.parametrize("exchange_id", ["binanceusdm", "binancecoinm", "bybit", "okx", "bitget"])
def test_long_short_ratio_history_is_where_ccxt_has_it(exchange_id: str) -> None:
    assert coverage(getattr(ccxt, exchange_id)()).supports(Kind.LONG_SHORT_RATIO)


def test_long_short_ratio_reach_binance_30_days_bybit_its_newest_periods() -> None:
    binance = coverage(ccxt.binanceusdm()).check(Kind.LONG_SHORT_RATIO)
    bybit = coverage(ccxt.bybit()).check(Kind.LONG_SHORT_RATIO)

    assert binance.retained_bars(Interval.H1) == 720
    assert bybit.retained_bars(Interval.H1) == 499
    assert Interval.H2 not in bybit.intervals


def test_hyperliquid_lacks_long_short_ratio_history_and_says_why() -> None:
    cov = coverage(ccxt.hyperliquid())

    assert "has no fetchLongShortRatioHistory" in dict(cov.missing)[Kind.LONG_SHORT_RATIO]


@pytest.mark.parametrize("exchange_id", ["gate", "htx", "bitfinex"])
def test_liquidation_events_are_where_ccxt_has_rest_liquidations(exchange_id: str) -> None:
    assert coverage(getattr(ccxt, exchange_id)()).supports(Kind.LIQUIDATION_EVENTS)


@pytest.mark.parametrize(
    ("exchange_id", "reason"),
    [
        ("binanceusdm", "has no fetchLiquidations (only as a stream"),
        ("bybit", "has no fetchLiquidations (only as a stream"),
        ("hyperliquid", "has no fetchLiquidations"),
        ("deribit", "bankruptcy settlements"),
    ],
)
def test_venues_without_liquidation_events_say_why(exchange_id: str, reason: str) -> None:
    cov = coverage(getattr(ccxt, exchange_id)())

    assert not cov.supports(Kind.LIQUIDATION_EVENTS)
    assert reason in dict(cov.missing)[Kind.LIQUIDATION_EVENTS]
