"""Polars expressions shared by the providers' frame builders."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import polars as pl

__all__ = ["per_run"]


def per_run(values: Sequence[object], lengths: Sequence[int], dtype: pl.DataType) -> pl.Expr:
    """A column holding `values[i]` over the `i`-th run of rows, the runs `lengths` long.

    One pass in polars whatever the number of runs (a literal for a single run), where
    repeating each value and joining the pieces costs a polars call per run.

    Examples:
        >>> frame = pl.DataFrame({"t": [1, 2, 3]})
        >>> frame.select(per_run(["a", "b"], [1, 2], pl.String()).alias("s"))["s"].to_list()
        ['a', 'b', 'b']
    """
    if len(values) == 1:
        return pl.lit(values[0], dtype)
    starts = pl.Series(list(accumulate(lengths[:-1], initial=0)), dtype=pl.Int64)
    # The run of a row is the last one starting at or before it (empty runs are passed over).
    run = pl.lit(starts).search_sorted(pl.int_range(pl.len()), side="right") - 1
    return pl.lit(pl.Series(values, dtype=dtype)).gather(run)
