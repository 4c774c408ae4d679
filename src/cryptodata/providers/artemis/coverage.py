"""What Artemis offers, known without I/O: the source protocol's `coverage()`.

Daily `metric` rows (`granularity=DAY`; the day string is the bar's UTC day); Artemis has no
markets. `DAY` and `day` are accepted as spellings of `1d`.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import PROVIDER
from .metrics import ARTEMIS_METRICS

__all__ = ["INTERVALS", "coverage"]

INTERVALS: Final = (Interval.D1,)
"""The intervals Artemis' metrics come in, here."""


@cache
def coverage() -> Coverage:
    """Artemis' coverage: daily metrics."""
    return Coverage(
        PROVIDER,
        (
            KindCoverage(
                Kind.METRIC,
                intervals=INTERVALS,
                metrics=tuple(entry.name for entry in ARTEMIS_METRICS),
            ),
        ),
        interval_aliases=(("DAY", Interval.D1), ("day", Interval.D1)),
        missing=((Kind.MARKETS, "Artemis is a research provider: metrics only, no markets"),),
    )
