"""Exact decimal scaling of float columns that were parsed from decimal text.

Providers send numbers as decimal text (`-0.000011`, a funding rate in percent). Dividing the
parsed double by 100 rounds a second time: `-1.1e-05 / 100` is `-1.0999999999999999e-07`, one
ulp away from `-1.1e-07`, the double nearest the decimal the provider meant. Shifting the
decimal point of the value's shortest text (the digits it was parsed from) and parsing that
rounds once, to the nearest double of the exact decimal result.

Examples:
    >>> import polars as pl
    >>> pl.select(shift_point(pl.lit(-0.000011), -2)).item()
    -1.1e-07
"""

from __future__ import annotations

import polars as pl

__all__ = ["shift_point"]

_TEXT = r"^(?P<digits>[^e]*)(?:e(?P<exponent>[+-]?\d+))?$"


def shift_point(values: pl.Expr, places: int) -> pl.Expr:
    """`values * 10**places`, as the double nearest the exact decimal result.

    Each finite value is written in its shortest round-trip form (what polars prints, the
    digits a JSON number was parsed from), its exponent is moved by `places`, and the text is
    parsed again. Nulls stay null; `inf` and `NaN` are scaled as floats (they stay what they are).

    Args:
        values: A `Float64` expression.
        places: Powers of ten to scale by; `-2` turns percent into a fraction.
    """
    text = values.cast(pl.String).str.extract_groups(_TEXT)
    exponent = text.struct.field("exponent").cast(pl.Int64).fill_null(0) + places
    shifted = pl.concat_str(text.struct.field("digits"), pl.lit("e"), exponent.cast(pl.String))
    # `values` leads the `when`, so the result keeps its column name.
    return (
        pl.when(~values.is_finite()).then(values * 10.0**places).otherwise(shifted.cast(pl.Float64))
    )
