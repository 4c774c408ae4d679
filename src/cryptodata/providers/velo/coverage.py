"""What Velo offers, known without I/O: `metric` rows at each bucket size it is asked in."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Final

from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import ALIASES, INTERVALS, PROVIDER

__all__ = ["EARLIEST", "coverage"]

EARLIEST: Final = datetime(2017, 8, 17, tzinfo=UTC)
"""The oldest catalogue `begin` the reference shows (Binance BTCUSDT, August 2017)."""


@cache
def coverage() -> Coverage:
    """Velo's coverage: `metric` at 1m to 1w; no markets (products are `Velo.products`).

    Examples:
        >>> coverage().supports("metric", "1h"), coverage().supports("metric", "3m")
        (True, False)
    """
    return Coverage(
        PROVIDER,
        (KindCoverage(Kind.METRIC, intervals=tuple(INTERVALS), earliest=EARLIEST),),
        interval_aliases=ALIASES,
        missing=(
            (Kind.OHLCV, "Velo's prices are metric rows (price@<exchange>:<product>)"),
            (Kind.MARKETS, "Velo's catalogue is Velo.products(), not a market table"),
        ),
    )
