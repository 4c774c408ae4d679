"""What Hyperliquid offers, known without I/O: kinds, intervals, retention, units."""

from __future__ import annotations

from functools import cache

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import CANDLE_CAP, PROVIDER, VENUE

__all__ = ["INTERVALS", "LIQUIDATIONS", "OPEN_INTEREST", "SNAPSHOTS", "coverage"]

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


SNAPSHOTS = (Kind.OPEN_INTEREST_SNAPSHOT, Kind.FUNDING_RATE_SNAPSHOT, Kind.ASSET_CONTEXT)
"""Kinds a pipeline samples: each cycle fetches the current values, stamped when fetched."""
_CURRENT = tuple((interval, 4) for interval in INTERVALS)
"""A snapshot has no history: a window reaching the last few bars is sampled now, an older
one not at all (its `intervals` are the periods a pipeline may poll it at). Four bars cover
the two a watch re-reads by default, so its cycles do not warn of purged bars."""


@cache
def coverage() -> Coverage:
    """Hyperliquid's coverage.

    Candles keep only their newest 5,000 bars per interval; funding settlements go back to
    the venue's start. Snapshots (open interest, funding rates, asset contexts) have no
    history: `watch` samples them at any candle interval, each cycle stamping the values it
    fetched, which builds one. There is no open-interest history and no market-wide liquidation feed (Coinalyze publishes Hyperliquid's).

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
            KindCoverage(
                Kind.OPEN_INTEREST_SNAPSHOT,
                intervals=INTERVALS,
                units=("base", "contracts"),
                retention=_CURRENT,
            ),
            KindCoverage(Kind.FUNDING_RATE_SNAPSHOT, intervals=INTERVALS, retention=_CURRENT),
            KindCoverage(Kind.PREDICTED_FUNDING_RATE_SNAPSHOT),
            KindCoverage(Kind.ASSET_CONTEXT, intervals=INTERVALS, retention=_CURRENT),
            KindCoverage(Kind.MARKETS),
            KindCoverage(Kind.LEADERBOARD),
            KindCoverage(Kind.POSITIONS),
            KindCoverage(Kind.ACCOUNT_SUMMARY),
            KindCoverage(Kind.TRADES),
            KindCoverage(Kind.ORDER_BOOK),
        ),
        venues=(VENUE,),
        # A price is a coin's, and `kPEPE` (one coin) is a contract of 1,000 PEPE.
        price_unit="contracts",
        missing=(
            (Kind.LIQUIDATIONS, LIQUIDATIONS),
            (Kind.LIQUIDATIONS_AGGREGATE, LIQUIDATIONS),
            (Kind.OPEN_INTEREST, OPEN_INTEREST),
        ),
    )
