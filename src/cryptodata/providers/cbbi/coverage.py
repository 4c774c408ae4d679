"""What CBBI offers, known without I/O: the source protocol's `coverage()`."""

from __future__ import annotations

from functools import cache
from typing import Final

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import EARLIEST, PROVIDER
from .metrics import CBBI_METRICS

__all__ = ["INTERVALS", "coverage"]

INTERVALS: Final = (Interval.D1,)
"""One point a day per component."""


@cache
def coverage() -> Coverage:
    """CBBI's coverage: daily `metric` series of bitcoin since 2011-06-27."""
    return Coverage(
        PROVIDER,
        (
            KindCoverage(
                Kind.METRIC,
                intervals=INTERVALS,
                earliest=EARLIEST,
                metrics=tuple(entry.name for entry in CBBI_METRICS),
            ),
        ),
        missing=((Kind.MARKETS, "CBBI is an index of bitcoin: no markets"),),
    )
