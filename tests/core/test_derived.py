"""Derived-metric definitions and their polars compiler: each operation, then the definitions."""

from __future__ import annotations

import polars as pl
import pytest

from cryptodata.core.derived import (
    METRIC_KINDS,
    METRICS,
    Arithmetic,
    Before,
    ByKind,
    Column,
    Constant,
    Formula,
    Guard,
    Metric,
    NullUnless,
    Operator,
    metrics_of,
    to_polars,
)
from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind, schema

X, Y = Column("x"), Column("y")


def computed(formula: Formula, frame: pl.DataFrame, **options: int) -> list[float | None]:
    return frame.select(out=to_polars(formula, Kind.OPEN_INTEREST, **options))["out"].to_list()


def series(*closes: tuple[str, float | None]) -> pl.DataFrame:
    """Open interest closes of venues, in time order within each venue."""
    return pl.DataFrame(
        {
            "provider": ["p"] * len(closes),
            "exchange": [venue for venue, _ in closes],
            "symbol": ["BTC"] * len(closes),
            "interval": ["1h"] * len(closes),
            "unit": ["base"] * len(closes),
            "close": [close for _, close in closes],
        }
    )


def test_operators_on_formulas_build_arithmetic_and_numbers_become_constants() -> None:
    ratio, weighted = X / Y - 1, X * 2 + Y

    assert ratio == Arithmetic(Operator.SUBTRACT, Arithmetic(Operator.DIVIDE, X, Y), Constant(1.0))
    assert weighted == Arithmetic(Operator.ADD, Arithmetic(Operator.MULTIPLY, X, Constant(2)), Y)


def test_a_formula_refuses_operands_that_are_neither_formulas_nor_numbers() -> None:
    with pytest.raises(TypeError, match="not str"):
        X - "y"  # type: ignore[operator]
    with pytest.raises(TypeError, match="not bool"):
        X * True


def test_arithmetic_runs_in_the_order_the_tree_gives() -> None:
    frame = pl.DataFrame({"x": [0.1, 3.0], "y": [0.2, None]})

    assert computed((X + Y) * 10, frame) == [(0.1 + 0.2) * 10, None]
    assert computed(X / Y - 1, frame) == [0.1 / 0.2 - 1, None]


def test_before_looks_back_within_each_series_only() -> None:
    frame = series(("binance", 1.0), ("binance", 2.0), ("bybit", 10.0), ("bybit", 20.0))

    assert computed(Before(Column("close")), frame) == [None, 1.0, None, 10.0]


def test_before_looks_back_as_many_bars_as_compiled_for() -> None:
    frame = series(("binance", 1.0), ("binance", 2.0), ("binance", 3.0))

    assert computed(Before(Column("close")), frame, periods=2) == [None, None, 1.0]


def test_null_unless_nonzero_keeps_the_value_only_where_the_operand_is_not_zero() -> None:
    frame = pl.DataFrame({"x": [1.0, 1.0, 1.0, 1.0], "y": [2.0, 0.0, -2.0, None]})

    assert computed(NullUnless(X / Y, Y, Guard.NONZERO), frame) == [0.5, None, -0.5, None]


def test_null_unless_positive_keeps_the_value_only_where_the_operand_is_above_zero() -> None:
    frame = pl.DataFrame({"x": [1.0, 1.0, 1.0, 1.0], "y": [2.0, 0.0, -2.0, None]})

    assert computed(NullUnless(X / Y, Y, Guard.POSITIVE), frame) == [0.5, None, None, None]


def test_by_kind_reads_each_kinds_own_column() -> None:
    rate = ByKind(((Kind.FUNDING_RATE, "close"), (Kind.FUNDING_SETTLEMENT, "rate")))
    frame = pl.DataFrame({"close": [1.0], "rate": [2.0]})

    assert frame.select(to_polars(rate, Kind.FUNDING_RATE)).item() == 1.0
    assert frame.select(to_polars(rate, Kind.FUNDING_SETTLEMENT)).item() == 2.0
    with pytest.raises(ValidationError, match="no column is given for ohlcv"):
        to_polars(rate, Kind.OHLCV)


def test_the_metrics_of_a_kind_follow_the_definitions_order() -> None:
    assert [metric.column for metric in metrics_of(Kind.OHLCV)] == ["change", "range"]
    assert [metric.column for metric in metrics_of(Kind.FUNDING_RATE)] == ["annualised"]
    assert [metric.column for metric in metrics_of(Kind.LONG_SHORT_RATIO)] == ["skew"]
    assert metrics_of(Kind.LIQUIDATIONS) == ()
    assert METRIC_KINDS == (
        Kind.OPEN_INTEREST,
        Kind.OHLCV,
        Kind.FUNDING_RATE,
        Kind.FUNDING_SETTLEMENT,
        Kind.LONG_SHORT_RATIO,
    )


@pytest.mark.parametrize(
    ("kind", "metric"),
    [(kind, metric) for metric in METRICS for kind in metric.kinds],
    ids=lambda value: getattr(value, "name", str(value)),
)
def test_every_metric_compiles_to_a_float_column_on_each_kind_it_names(
    kind: Kind, metric: Metric
) -> None:
    frame = pl.DataFrame(schema=schema(kind))

    derived = frame.with_columns(to_polars(metric.formula, kind).alias(metric.column))

    assert derived.schema[metric.column] == pl.Float64
