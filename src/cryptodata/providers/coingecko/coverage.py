"""What CoinGecko offers per plan, known without I/O: the source protocol's `coverage()`.

`metric` rows of price, market cap and 24-hour volume: daily on every plan, hourly on every
plan (CoinGecko's automatic granularity for ranges of 2 to 90 days), 5-minutely on paid
keys (`interval=5m`, an Enterprise feature). Keyless and Demo history reaches back 365
days only: `retention` says so for their intervals. No markets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Final

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import HISTORY_DAYS_FREE, PROVIDER, Plan
from .metrics import COINGECKO_METRICS

__all__ = ["EARLIEST", "coverage", "intervals"]

EARLIEST: Final = datetime(2013, 4, 28, tzinfo=UTC)
"""CoinGecko's first day of bitcoin data (paid plans reach it)."""

_BARS_PER_DAY: Final = {Interval.D1: 1, Interval.H1: 24, Interval.M5: 288}


def intervals(plan: Plan) -> tuple[Interval, ...]:
    """The metric intervals of a plan."""
    if plan == "pro":
        return (Interval.D1, Interval.H1, Interval.M5)
    return (Interval.D1, Interval.H1)


@cache
def coverage(plan: Plan) -> Coverage:
    """CoinGecko's coverage on `plan`."""
    offered = intervals(plan)
    retention = (
        ()
        if plan == "pro"
        else tuple((interval, HISTORY_DAYS_FREE * _BARS_PER_DAY[interval]) for interval in offered)
    )
    return Coverage(
        PROVIDER,
        (
            KindCoverage(
                Kind.METRIC,
                intervals=offered,
                retention=retention,
                earliest=EARLIEST,
                metrics=tuple(entry.name for entry in COINGECKO_METRICS),
            ),
        ),
        interval_aliases=(("daily", Interval.D1), ("hourly", Interval.H1)),
        missing=((Kind.MARKETS, "CoinGecko's history client gives metrics, not markets"),),
    )
