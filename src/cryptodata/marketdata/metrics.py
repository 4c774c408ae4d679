"""Derived metrics on canonical tables: the numbers the seed pipelines compute, in one place.

Each function takes a table (or its frame) of the kind it names and returns the frame with
one more column, computed per series (the kind's series key: provider, venue, symbol,
interval, unit) in time order, so rows of several venues and providers never mix:

| function | kind | column |
| --- | --- | --- |
| `change` | `open_interest`, `ohlcv` | `change`: `close` over the series' previous close, minus 1 |
| `range_fraction` | `open_interest`, `ohlcv` | `range`: `(high - low) / open` of the bar |
| `annualised_funding` | `funding_rate`, `funding_settlement` | `annualised`: the rate per year, with each row's own period |
| `long_short_skew` | `long_short_ratio` | `skew`: `long_pct - short_pct` (null where the venue gives no shares) |

All are fractions (0.05 = 5 %); a value without its inputs (a series' first bar, a period
the provider does not state, a zero open) is null, never invented.

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

from typing import Any, Final

import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind, series_key
from cryptodata.core.table import Table

__all__ = ["HOURS_PER_YEAR", "annualised_funding", "change", "long_short_skew", "range_fraction"]

HOURS_PER_YEAR: Final = 24.0 * 365
"""The year funding is annualised over: 365 days, as venues quote APRs."""

_BARS: Final = (Kind.OPEN_INTEREST, Kind.OHLCV)


def change(table: Table[Any], periods: int = 1) -> pl.DataFrame:
    """`close` over the same series' close `periods` bars before, minus 1, as `change`.

    Raises:
        ValidationError: For a kind without closes, or `periods` below 1.
    """
    kind = _check(table, _BARS, "change")
    if not isinstance(periods, int) or periods < 1:
        raise ValidationError(f"periods must be a whole number of at least 1, got {periods!r}")
    key = _series(kind)
    before = pl.col("close").shift(periods).over(key)
    return _sorted(table, kind).with_columns(
        change=pl.when(before != 0).then(pl.col("close") / before - 1)
    )


def range_fraction(table: Table[Any]) -> pl.DataFrame:
    """The bar's `(high - low) / open`, as `range` (null for a zero or missing open).

    Raises:
        ValidationError: For a kind without bars.
    """
    kind = _check(table, _BARS, "range_fraction")
    spread = (pl.col("high") - pl.col("low")) / pl.col("open")
    return _sorted(table, kind).with_columns(range=pl.when(pl.col("open") != 0).then(spread))


def annualised_funding(table: Table[Any]) -> pl.DataFrame:
    """The funding rate per year, each row scaled by its own period, as `annualised`.

    Bars use their `close` (the period's last rate); settlements their `rate`. A row whose
    provider states no period stays null.

    Raises:
        ValidationError: For a kind that is not funding.
    """
    kind = _check(table, (Kind.FUNDING_RATE, Kind.FUNDING_SETTLEMENT), "annualised_funding")
    rate = pl.col("close") if kind is Kind.FUNDING_RATE else pl.col("rate")
    period = pl.col("period_hours")
    return _sorted(table, kind).with_columns(
        annualised=pl.when(period > 0).then(rate * HOURS_PER_YEAR / period)
    )


def long_short_skew(table: Table[Any]) -> pl.DataFrame:
    """`long_pct - short_pct`, as `skew`: positive when more accounts are long.

    Raises:
        ValidationError: For a kind that is not `long_short_ratio`.
    """
    kind = _check(table, (Kind.LONG_SHORT_RATIO,), "long_short_skew")
    return _sorted(table, kind).with_columns(skew=pl.col("long_pct") - pl.col("short_pct"))


def _check(table: Table[Any], kinds: tuple[Kind, ...], what: str) -> Kind:
    if not isinstance(table, Table) or table.kind not in kinds:
        got = table.kind.value if isinstance(table, Table) else type(table).__name__
        raise ValidationError(
            f"{what} takes a table of {' or '.join(kind.value for kind in kinds)}, got {got}"
        )
    return table.kind


def _series(kind: Kind) -> list[str]:
    return [column for column in series_key(kind) if column != "ts"]


def _sorted(table: Table[Any], kind: Kind) -> pl.DataFrame:
    return table.to_polars().sort([*_series(kind), "ts"])
