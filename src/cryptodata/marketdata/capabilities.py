"""The capability table: what every source offers, per venue, kind and interval, as a frame.

Built from each source's `coverage()` alone (no request), it is what routing decides from,
laid out for a person: one row per provider, venue, kind and interval (`interval` null for
kinds without bars: snapshots, markets, events), with how many bars of that interval the
provider keeps (`retained_bars`, null for its whole history), the oldest data it has where
known (`earliest`) and the units its quantities come in.

Examples:
    >>> from cryptodata import Coverage, Interval, Kind, KindCoverage
    >>> class Demo:
    ...     provider = "demo"
    ...     def coverage(self):
    ...         ohlcv = KindCoverage(Kind.OHLCV, (Interval.H1,), ("base",), ((Interval.H1, 500),))
    ...         return Coverage("demo", (ohlcv,), ("binance", "bybit"))
    >>> capabilities([Demo()]).select("venue", "kind", "interval", "retained_bars").rows()
    [('binance', 'ohlcv', '1h', 500), ('bybit', 'ohlcv', '1h', 500)]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import polars as pl

from .routing import Covered

__all__ = ["CAPABILITIES", "capabilities"]

CAPABILITIES: Final = pl.Schema(
    [
        ("provider", pl.String),
        ("venue", pl.String),
        ("kind", pl.String),
        ("interval", pl.String),
        ("retained_bars", pl.Int64),
        ("earliest", pl.Datetime("ms", "UTC")),
        ("units", pl.List(pl.String)),
    ]
)
"""The columns of the capability table."""


def capabilities(sources: Iterable[Covered]) -> pl.DataFrame:
    """One row per provider, venue, kind and interval the sources offer (see the module).

    A source that is not venue-based has one row per kind and interval with `venue` null.
    """
    rows: list[dict[str, Any]] = []
    for source in sources:
        coverage = source.coverage()
        for venue in coverage.venues or (None,):
            for offer in coverage.kinds:
                for step in offer.intervals or (None,):
                    rows.append(
                        {
                            "provider": coverage.provider,
                            "venue": venue,
                            "kind": offer.kind.value,
                            "interval": None if step is None else step.value,
                            "retained_bars": None if step is None else offer.retained_bars(step),
                            "earliest": offer.earliest,
                            "units": list(offer.units),
                        }
                    )
    return (
        pl.DataFrame(rows, schema=CAPABILITIES, orient="row")
        if rows
        else pl.DataFrame(schema=CAPABILITIES)
    )
