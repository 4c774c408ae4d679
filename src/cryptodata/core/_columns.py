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

    Meant to be selected beside the frame's other columns: one value over every run is a
    literal, which takes its height from them. Few long runs are slices of one repeat per
    distinct value, many short ones looked up per row in one pass (slicing each costs a
    polars call per run).

    Examples:
        >>> frame = pl.DataFrame({"t": [1, 2, 3]})
        >>> frame.select(per_run(["a", "b"], [1, 2]).alias("s"))["s"].to_list()
        ['a', 'b', 'b']
    """
    if len(set(values)) == 1:
        # A literal: polars keeps it one value (a scalar column) until something needs rows.
        return pl.lit(values[0], pl.String)
    if len(values) * _ROWS_PER_REPEAT <= sum(lengths):
        # Few long runs: each distinct value is repeated once, as long as its longest run, and
        # every run is a slice of that. The column's chunks share those few buffers, so a
        # 5 M-row column of a dozen venues holds a dozen runs' worth of memory rather than 16
        # bytes a row (fresh pages cost more than the copying: ~5 us a page fault here).
        longest: dict[str, int] = {}
        for value, rows in zip(values, lengths, strict=True):
            longest[value] = max(rows, longest.get(value, 0))
        repeated = {
            value: pl.repeat(value, rows, dtype=pl.String, eager=True)
            for value, rows in longest.items()
        }
        parts = [
            repeated[value].slice(0, rows) for value, rows in zip(values, lengths, strict=True)
        ]
        return pl.lit(pl.concat(parts, rechunk=False))
    starts = pl.Series(list(accumulate(lengths[:-1], initial=0)), dtype=pl.Int64)
    # The run of a row is the last one starting at or before it (empty runs are passed over).
    run = pl.lit(starts).search_sorted(pl.int_range(pl.len()), side="right") - 1
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(run)
