"""What Fear & Greed offers, known without I/O: the source protocol's `coverage()`."""

from __future__ import annotations

from functools import cache
from typing import Final

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import EARLIEST, PROVIDER
from .metrics import METRICS

__all__ = ["INTERVALS", "coverage"]

INTERVALS: Final = (Interval.D1,)
"""One value a day."""


@cache
def coverage() -> Coverage:
    """Fear & Greed's coverage: one daily `metric` series since 2018-02-01."""
    return Coverage(
        PROVIDER,
        (
            KindCoverage(
                Kind.METRIC,
                intervals=INTERVALS,
                earliest=EARLIEST,
                metrics=tuple(entry.name for entry in METRICS),
            ),
        ),
        missing=((Kind.MARKETS, "Fear & Greed is one market-wide index: no markets"),),
    )
