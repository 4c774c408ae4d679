"""What DefiLlama offers, known without I/O: the source protocol's `coverage()`.

Daily `metric` series only (every chart the client reads is daily), in US dollars; no venues
and no markets. History depth differs per series (TVL from 2018, fees from about 2020), so
no `earliest` is declared: backfills name their `start`.
"""

from __future__ import annotations

from functools import cache

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import PROVIDER
from .metrics import METRICS

__all__ = ["coverage"]


@cache
def coverage() -> Coverage:
    """DefiLlama's coverage: what `DefiLlama.coverage()` returns."""
    return Coverage(
        PROVIDER,
        (
            KindCoverage(
                Kind.METRIC,
                intervals=(Interval.D1,),
                units=("usd",),
                metrics=tuple(entry.name for entry in METRICS),
            ),
        ),
        missing=(
            (Kind.MARKETS, "DefiLlama lists chains, protocols and coins, not markets"),
            (Kind.OHLCV, "DefiLlama has daily prices as metric rows (price_history), no bars"),
        ),
    )
