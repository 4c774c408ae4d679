"""What Hyperliquid offers, known without I/O: kinds, intervals, retention, units."""

from __future__ import annotations

from functools import cache

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import CANDLE_CAP, PROVIDER, VENUE

__all__ = ["INTERVALS", "LIQUIDATIONS", "OPEN_INTEREST", "coverage"]

LIQUIDATIONS = (
    "Hyperliquid publishes no market-wide liquidations (only each trader's own); "
    "Coinalyze's liquidation_history covers Hyperliquid's perpetuals"
)
OPEN_INTEREST = (
    "Hyperliquid keeps no open-interest history; watch open_interest_snapshot to build one, "
    "or use Coinalyze's open_interest_history"
)

INTERVALS = (
    Interval.M1,
    Interval.M3,
    Interval.M5,
    Interval.M15,
    Interval.M30,
    Interval.H1,
    Interval.H2,
    Interval.H4,
    Interval.H8,
    Interval.H12,
    Interval.D1,
    Interval.D3,
    Interval.W1,
    Interval.MO1,
)
"""Candle intervals `candleSnapshot` takes (no 6h), spelt as the canonical names are."""


@cache
def coverage() -> Coverage:
    """Hyperliquid's coverage.

    Candles keep only their newest 5,000 bars per interval; funding settlements go back to
    the venue's start. There is no open-interest history (poll `open_interest` with `watch`
    to build one) and no market-wide liquidation feed (Coinalyze publishes Hyperliquid's).

    Examples:
        >>> coverage().check("ohlcv", "1m").retained_bars(Interval.M1)
        5000
        >>> coverage().supports("liquidations")
        False
    """
    return Coverage(
        PROVIDER,
        (
            KindCoverage(
                Kind.OHLCV,
                intervals=INTERVALS,
                units=("base", "contracts"),
                retention=tuple((interval, CANDLE_CAP) for interval in INTERVALS),
            ),
            # Asked an hour at a time; each row says its own period (8 hours early on).
            KindCoverage(Kind.FUNDING_SETTLEMENT, intervals=(Interval.H1,)),
            KindCoverage(Kind.OPEN_INTEREST_SNAPSHOT, units=("base", "contracts", "usd")),
            KindCoverage(Kind.FUNDING_RATE_SNAPSHOT),
            KindCoverage(Kind.PREDICTED_FUNDING_RATE_SNAPSHOT),
            KindCoverage(Kind.ASSET_CONTEXT),
            KindCoverage(Kind.MARKETS),
            KindCoverage(Kind.LEADERBOARD),
            KindCoverage(Kind.POSITIONS),
            KindCoverage(Kind.ACCOUNT_SUMMARY),
            KindCoverage(Kind.TRADES),
            KindCoverage(Kind.ORDER_BOOK),
        ),
        venues=(VENUE,),
        missing=(
            (Kind.LIQUIDATIONS, LIQUIDATIONS),
            (Kind.LIQUIDATIONS_AGGREGATE, LIQUIDATIONS),
            (Kind.OPEN_INTEREST, OPEN_INTEREST),
        ),
    )
