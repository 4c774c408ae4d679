"""The derived metrics compiled to PostgreSQL: one view per kind, and `derived_metrics` over them.

Each metric view is its kind's table with one column per metric of
`cryptodata.core.derived`, compiled from the formulas `to_polars` compiles, operation for
operation and in the same order (every operation parenthesised), over the same series
partition, so a view returns the floats `cryptodata.marketdata.metrics.with_metrics`
computes on the same rows. It needs psycopg: `cryptodata.sinks.postgres` imports it only
where psycopg is installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from psycopg import sql

from cryptodata.core.derived import (
    ANNUALISED_FUNDING,
    CHANGE,
    RANGE_FRACTION,
    Arithmetic,
    Before,
    ByKind,
    Column,
    Constant,
    Formula,
    Guard,
    NullUnless,
    metrics_of,
)
from cryptodata.core.schema import Kind, schema, series_key

__all__ = ["derived_metrics_sql", "metrics_view_sql", "to_sql"]

_GUARDS: Final = {Guard.NONZERO: sql.SQL("<> 0"), Guard.POSITIVE: sql.SQL("> 0")}

# `derived_metrics` joins price and funding bars to each open interest bar on these.
_BAR_JOIN: Final = ("provider", "exchange", "symbol", "interval", "ts")


def to_sql(formula: Formula, kind: Kind) -> sql.Composable:
    """`formula` as a SQL expression over a table of `kind`; `Before` looks one bar back.

    The SQL twin of `to_polars`: `Before` is `lag` over the kind's series key in `ts` order.

    Examples:
        >>> to_sql(RANGE_FRACTION.formula, Kind.OHLCV).as_string()
        'CASE WHEN "open" <> 0 THEN (("high" - "low") / "open") END'
    """
    match formula:
        case Column(name):
            return sql.Identifier(name)
        case Constant(value):
            return sql.SQL("CAST({} AS double precision)").format(sql.Literal(value))
        case Before(of):
            return sql.SQL("lag({}) OVER (PARTITION BY {} ORDER BY ts)").format(
                to_sql(of, kind), sql.SQL(", ").join(map(sql.Identifier, series_key(kind)))
            )
        case Arithmetic(op, left, right):
            return sql.SQL("({} {} {})").format(
                to_sql(left, kind), sql.SQL(op.value), to_sql(right, kind)
            )
        case NullUnless(value, operand, guard):
            # CASE evaluates its result only where the test holds: no division by zero.
            return sql.SQL("CASE WHEN {} {} THEN {} END").format(
                to_sql(operand, kind), _GUARDS[guard], to_sql(value, kind)
            )
        case ByKind():
            return sql.Identifier(formula.column(kind).name)


def metrics_view_sql(table: sql.Identifier, kind: Kind) -> sql.Composed:
    """The table's columns in schema order, then one column per metric of the kind."""
    columns: list[sql.Composable] = [sql.Identifier(name) for name in schema(kind)]
    columns += [
        sql.SQL("{} AS {}").format(to_sql(metric.formula, kind), sql.Identifier(metric.column))
        for metric in metrics_of(kind)
    ]
    return sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(columns), table)


def derived_metrics_sql(schema_name: str, views: Mapping[Kind, str]) -> sql.Composed:
    """Per open interest bar: its change and the price bar's range and funding, in percent.

    Read from the metric views (`views`), so each number is 100 times the view's (and the
    polars function's) fraction: no formula is written here. Price and funding bars join on
    `(provider, exchange, symbol, interval, ts)` (left joins: a missing one gives NULLs).
    """

    def view(kind: Kind) -> sql.Identifier:
        return sql.Identifier(schema_name, views[kind])

    def joined(alias: str) -> sql.Composable:
        return sql.SQL(" AND ").join(
            sql.SQL("{0}.{1} = oi.{1}").format(sql.Identifier(alias), sql.Identifier(name))
            for name in _BAR_JOIN
        )

    return sql.SQL(
        "SELECT oi.provider, oi.exchange, oi.symbol, oi.base, oi.interval, oi.ts, "
        "oi.close AS open_interest, oi.unit AS open_interest_unit, "
        "100 * oi.{change} AS open_interest_change_pct, "
        "px.close AS price, 100 * px.{range} AS range_pct, "
        "fr.close AS funding_rate, fr.period_hours AS funding_period_hours, "
        "100 * fr.{annualised} AS funding_annualised_pct "
        "FROM {oi} AS oi "
        "LEFT JOIN {ohlcv} AS px ON {px_joined} "
        "LEFT JOIN {funding} AS fr ON {fr_joined}"
    ).format(
        change=sql.Identifier(CHANGE.column),
        range=sql.Identifier(RANGE_FRACTION.column),
        annualised=sql.Identifier(ANNUALISED_FUNDING.column),
        oi=view(Kind.OPEN_INTEREST),
        ohlcv=view(Kind.OHLCV),
        funding=view(Kind.FUNDING_RATE),
        px_joined=joined("px"),
        fr_joined=joined("fr"),
    )
