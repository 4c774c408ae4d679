"""`shift_point`: scaling by a power of ten on the decimal digits, rounding once."""

from __future__ import annotations

import math
from decimal import Decimal

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core.decimals import shift_point


def _shifted(values: list[float | None], places: int) -> list[float | None]:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    return frame.select(shift_point(pl.col("x"), places)).get_column("x").to_list()


def test_percent_to_fraction_is_the_double_nearest_the_decimal_result() -> None:
    assert -0.000011 / 100 == -1.0999999999999999e-07  # one rounding too many

    assert _shifted([-0.000011, -0.000642, 0.006066], -2) == [-1.1e-07, -6.42e-06, 6.066e-05]


@given(
    mantissa=st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1),
    exponent=st.integers(min_value=-30, max_value=30),
    places=st.integers(min_value=-4, max_value=4),
)
def test_shifting_matches_exact_decimal_arithmetic(
    mantissa: int, exponent: int, places: int
) -> None:
    value = float(f"{mantissa}e{exponent}")  # a decimal of at most 15 digits, as an API sends

    (shifted,) = _shifted([value], places)

    assert shifted == float(Decimal(repr(value)).scaleb(places))


def test_nulls_infinities_nan_and_signed_zero_are_kept() -> None:
    got = _shifted([None, math.inf, -math.inf, math.nan, -0.0], -2)

    assert got[:3] == [None, math.inf, -math.inf]
    assert math.isnan(got[3])  # type: ignore[arg-type]
    assert math.copysign(1.0, got[4]) == -1.0  # type: ignore[arg-type]


def test_the_result_keeps_the_column_name() -> None:
    frame = pl.DataFrame({"close": [1.0]}).select(shift_point(pl.col("close"), -2))

    assert frame.columns == ["close"]
