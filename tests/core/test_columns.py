"""`per_run` gives each run's value over its rows, whichever way it builds the column."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core._columns import per_run

# Runs of up to 25,000 rows reach both ways: few long runs are repeated, many short looked up.
_runs = st.lists(
    st.tuples(st.text(max_size=20), st.integers(min_value=0, max_value=25_000)), min_size=1
).filter(lambda runs: sum(rows for _, rows in runs) > 0)


@given(_runs)
def test_each_row_holds_the_value_of_its_run(runs: list[tuple[str, int]]) -> None:
    values, lengths = [value for value, _ in runs], [rows for _, rows in runs]
    frame = pl.DataFrame({"row": range(sum(lengths))})

    # Selected beside a column of the frame, as the builders use it (a single run's literal
    # takes the frame's height from it).
    column = frame.select("row", per_run(values, lengths).alias("value"))["value"]

    assert column.dtype == pl.String
    assert column.to_list() == [value for value, rows in runs for _ in range(rows)]
