"""What blockchain.info offers, known without I/O: the source protocol's `coverage()`.

`metric` rows of the bitcoin network: daily bars of most charts, 15-minute bars of the
mempool and transactions-per-second charts (each chart has one interval: see
`metrics.CHARTS`). Most daily charts start in 2009. blockchain.info has no markets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Final

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import PROVIDER
from .metrics import METRICS

__all__ = ["EARLIEST", "INTERVALS", "coverage"]

INTERVALS: Final = (Interval.M15, Interval.D1)
"""The intervals blockchain.info's charts come in (each chart in one of them)."""
EARLIEST: Final = datetime(2009, 1, 3, tzinfo=UTC)
"""The genesis block: no chart starts earlier."""


@cache
def coverage() -> Coverage:
    """blockchain.info's coverage: daily and 15-minute metrics of the bitcoin network."""
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
        interval_aliases=(("day", Interval.D1),),
        missing=((Kind.MARKETS, "blockchain.info is a research provider: metrics only"),),
    )
