"""What Coin Metrics offers, known without I/O: the source protocol's `coverage()`.

Facts from `shared/providers/coinmetrics.md`: asset metrics at `1m`, `1h` and `1d` (community
serves mostly `1d`; the catalogue says what a tier may ask), the deepest history being BTC's
supply from 2009-01-03. No markets: `markets()` is an empty table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import FREQUENCIES, PROVIDER
from .metrics import MAPPINGS

__all__ = ["COVERAGE", "EARLIEST"]

EARLIEST: Final = datetime(2009, 1, 3, tzinfo=UTC)
"""The oldest bar Coin Metrics has: Bitcoin's genesis day."""

COVERAGE: Final = Coverage(
    PROVIDER,
    (
        KindCoverage(
            Kind.METRIC,
            intervals=tuple(FREQUENCIES),
            earliest=EARLIEST,
            metrics=tuple(entry.name for entry in MAPPINGS),
        ),
    ),
    missing=((Kind.MARKETS, "Coin Metrics serves asset metrics, not markets, here"),),
)
"""Coin Metrics' coverage: what `CoinMetrics.coverage()` returns."""
