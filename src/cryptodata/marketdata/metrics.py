"""Derived metrics on canonical tables: the numbers the seed pipelines compute, in one place.

Each function takes a table of the kind it names and returns its frame with one more
column, computed per series (the kind's series key: provider, venue, symbol, interval,
unit) in time order, so rows of several venues and providers never mix:

| function | kind | column |
| --- | --- | --- |
| `change` | `open_interest`, `ohlcv` | `change`: `close` over the series' previous close, minus 1 |
| `range_fraction` | `open_interest`, `ohlcv` | `range`: `(high - low) / open` of the bar |
| `annualised_funding` | `funding_rate`, `funding_settlement` | `annualised`: the rate per year, with each row's own period |
| `long_short_skew` | `long_short_ratio` | `skew`: `long_pct - short_pct` (null where the venue gives no shares) |

`with_metrics` adds every column of the table's kind at once. All are fractions (0.05 =
5 %); a value without its inputs (a series' first bar, a period the provider does not
state, a zero open) is null, never invented.

The formulas are defined once, in `cryptodata.core.derived`; `PostgresSink`'s metric views
(`open_interest_metrics`, ...) are compiled from the same definitions and return the same
numbers on the same rows.

Examples:
    >>> import polars as pl
    >>> from datetime import datetime, UTC
    >>> from cryptodata import Kind, Table
    >>> t = Table.from_frame(Kind.FUNDING_SETTLEMENT, pl.DataFrame({
    ...     "provider": ["x"], "exchange": ["bybit"], "symbol": ["BTC"], "base": ["BTC"],
    ...     "ts": [datetime(2025, 6, 1, tzinfo=UTC)], "rate": [0.0001], "premium": [None],
    ...     "period_hours": [8.0]}))
    >>> round(annualised_funding(t).item(0, "annualised"), 4)
    0.1095
"""

from __future__ import annotations

from typing import Any

import polars as pl

from cryptodata.core.derived import (
    ANNUALISED_FUNDING,
    CHANGE,
    HOURS_PER_YEAR,
    LONG_SHORT_SKEW,
    METRIC_KINDS,
    RANGE_FRACTION,
    Metric,
    metrics_of,
    to_polars,
)
from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind, series_key
from cryptodata.core.table import Table

__all__ = [
    "HOURS_PER_YEAR",
    "annualised_funding",
    "change",
    "long_short_skew",
    "range_fraction",
    "with_metrics",
]


def change(table: Table[Any], periods: int = 1) -> pl.DataFrame:
    """`close` over the same series' close `periods` bars before, minus 1, as `change`.

    Null on a series' first `periods` bars and where that earlier close is 0.

    Raises:
        ValidationError: For a kind without closes, or `periods` below 1.
    """
    kind = _check(table, CHANGE.kinds, CHANGE.name)
    if not isinstance(periods, int) or periods < 1:
        raise ValidationError(f"periods must be a whole number of at least 1, got {periods!r}")
    return _with(table, kind, (CHANGE,), periods)


def range_fraction(table: Table[Any]) -> pl.DataFrame:
    """The bar's `(high - low) / open`, as `range` (null for a zero or missing open).

    Raises:
        ValidationError: For a kind without bars.
    """
    kind = _check(table, RANGE_FRACTION.kinds, RANGE_FRACTION.name)
    return _with(table, kind, (RANGE_FRACTION,))


def annualised_funding(table: Table[Any]) -> pl.DataFrame:
    """The funding rate per year, each row scaled by its own period, as `annualised`.

    Bars use their `close` (the period's last rate); settlements their `rate`. A row whose
    provider states no period (or a period that is not positive) stays null.

    Raises:
        ValidationError: For a kind that is not funding.
    """
    kind = _check(table, ANNUALISED_FUNDING.kinds, ANNUALISED_FUNDING.name)
    return _with(table, kind, (ANNUALISED_FUNDING,))


def long_short_skew(table: Table[Any]) -> pl.DataFrame:
    """`long_pct - short_pct`, as `skew`: positive when more accounts are long.

    Raises:
        ValidationError: For a kind that is not `long_short_ratio`.
    """
    kind = _check(table, LONG_SHORT_SKEW.kinds, LONG_SHORT_SKEW.name)
    return _with(table, kind, (LONG_SHORT_SKEW,))


def with_metrics(table: Table[Any]) -> pl.DataFrame:
    """The frame with every derived metric of its kind, each as its function adds it.

    For `open_interest` and `ohlcv`: `change` (over the previous bar) and `range`; for
    funding: `annualised`; for `long_short_ratio`: `skew`. The same columns and values as
    the kind's `PostgresSink` metric view (`open_interest_metrics`, ...) on the same rows.

    Raises:
        ValidationError: For a kind without derived metrics.

    Examples:
        >>> from cryptodata import Kind, Table
        >>> with_metrics(Table.empty(Kind.OHLCV)).columns[-2:]
        ['change', 'range']
    """
    kind = _check(table, METRIC_KINDS, "with_metrics")
    return _with(table, kind, metrics_of(kind))


def _check(table: Table[Any], kinds: tuple[Kind, ...], what: str) -> Kind:
    if not isinstance(table, Table) or table.kind not in kinds:
        got = table.kind.value if isinstance(table, Table) else type(table).__name__
        raise ValidationError(
            f"{what} takes a table of {' or '.join(kind.value for kind in kinds)}, got {got}"
        )
    return table.kind


def _with(
    table: Table[Any], kind: Kind, metrics: tuple[Metric, ...], periods: int = 1
) -> pl.DataFrame:
    """The table's frame sorted per series in time order (what `Before` needs), plus `metrics`."""
    frame = table.to_polars().sort([*series_key(kind), "ts"])
    return frame.with_columns(
        to_polars(metric.formula, kind, periods=periods).alias(metric.column) for metric in metrics
    )
