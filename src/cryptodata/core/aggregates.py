"""Cross-venue sums: the one rule every aggregate table is built by.

Bars of one asset on several venues are summed per `(base, interval, ts, unit)`: quantities
in different units are never added. Each sum says how many venues it holds (`venues`) and
which (`exchanges`, sorted, comma-separated), so a bar a venue lacks shows as a smaller sum
over fewer venues, never as a silent gap. `MarketData.aggregate` sums what every provider
answered for the venues asked; `Coinalyze.aggregate` sums every Coinalyze perpetual of a base.

Examples:
    >>> import polars as pl
    >>> from datetime import datetime, UTC
    >>> from cryptodata import Table
    >>> bars = Table.from_frame(Kind.LIQUIDATIONS, pl.DataFrame({
    ...     "provider": ["x", "x"], "exchange": ["bybit", "okx"], "symbol": ["a", "b"],
    ...     "base": ["BTC", "BTC"], "interval": ["1h", "1h"],
    ...     "ts": [datetime(2025, 6, 1, tzinfo=UTC)] * 2, "longs": [1.0, 2.0],
    ...     "shorts": [0.5, 0.5], "unit": ["usd", "usd"]}))
    >>> summed = sum_venues(bars, provider="x").to_polars()
    >>> summed.select("longs", "shorts", "venues", "exchanges").row(0)
    (3.0, 1.0, 2, 'bybit,okx')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import polars as pl

from .errors import ValidationError
from .schema import Kind
from .table import Table

__all__ = ["AGGREGATES", "sum_venues"]

AGGREGATES: Final[Mapping[Kind, tuple[Kind, tuple[str, ...]]]] = {
    Kind.OPEN_INTEREST: (Kind.OPEN_INTEREST_AGGREGATE, ("open", "close")),
    Kind.LIQUIDATIONS: (Kind.LIQUIDATIONS_AGGREGATE, ("longs", "shorts")),
}
"""Per kind that sums across venues: the aggregate kind, and the columns summed."""


def sum_venues(table: Table[Any], *, provider: str, warnings: Iterable[str] = ()) -> Table[Any]:
    """`table`'s bars summed across venues per base, interval, time and unit (see the module).

    Args:
        table: Open interest or liquidation bars of one or several venues.
        provider: The `provider` of the sums: who summed them.
        warnings: The sums' warnings (the bars' own are not carried over).

    Raises:
        ValidationError: For a kind that is not summed across venues.
    """
    if table.kind not in AGGREGATES:
        summed = " or ".join(kind.value for kind in AGGREGATES)
        raise ValidationError(f"only {summed} bars sum across venues, not {table.kind.value}")
    kind, columns = AGGREGATES[table.kind]
    frame = (
        table.to_polars()
        .group_by("base", "interval", "ts", "unit")
        .agg(
            *(pl.col(column).sum() for column in columns),
            venues=pl.col("exchange").n_unique(),
            exchanges=pl.col("exchange").unique().sort().str.join(","),
        )
        .with_columns(provider=pl.lit(provider))
    )
    return Table.concat(kind, [Table.from_frame(kind, frame)], warnings)
