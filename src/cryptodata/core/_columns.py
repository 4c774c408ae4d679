"""Polars expressions shared by the providers' frame builders."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import polars as pl

__all__ = ["per_run"]

_ROWS_PER_REPEAT = 10_000
"""Runs this long on average are repeated one by one (a polars call each, ~50 us), shorter
ones looked up per row (~15 ns a row); measured on 1 M and 5 M-row Coinalyze answers."""


def per_run(values: Sequence[str], lengths: Sequence[int]) -> pl.Expr:
    """A text column holding `values[i]` over the `i`-th run of rows, the runs `lengths` long.

    Meant to be selected beside the frame's other columns: a single run is a literal, which
    takes its height from them. Few long runs are repeated one by one, many short ones looked
    up per row in one pass (repeating each costs a polars call per run).

    Examples:
        >>> frame = pl.DataFrame({"t": [1, 2, 3]})
        >>> frame.select(per_run(["a", "b"], [1, 2]).alias("s"))["s"].to_list()
        ['a', 'b', 'b']
    """
    if len(values) == 1:
        return pl.lit(values[0], pl.String)
    if len(values) * _ROWS_PER_REPEAT <= sum(lengths):
        # Few long runs: a repeated value per run, joined, costs a call per run and no per-row
        # lookup.
        parts = [
            pl.repeat(value, rows, dtype=pl.String, eager=True)
            for value, rows in zip(values, lengths, strict=True)
        ]
        return pl.lit(pl.concat(parts))
    starts = pl.Series(list(accumulate(lengths[:-1], initial=0)), dtype=pl.Int64)
    # The run of a row is the last one starting at or before it (empty runs are passed over).
    run = pl.lit(starts).search_sorted(pl.int_range(pl.len()), side="right") - 1
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(run)
