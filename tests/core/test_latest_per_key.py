"""`latest_per_key`, the one de-duplication of tables and sinks, is `unique(keep="last")` + sort."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cryptodata.core.table import latest_per_key

_rows = st.lists(
    st.tuples(
        st.sampled_from(["binance", "bybit", None]),
        st.integers(min_value=0, max_value=4) | st.none(),
        st.floats(allow_nan=False) | st.none(),
    ),
    max_size=40,
)


def _frame(rows: list[tuple[str | None, int | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"exchange": pl.String, "ts": pl.Int64, "value": pl.Float64}, orient="row"
    )


@given(_rows)
def test_it_equals_unique_keeping_the_last_then_sorting(
    rows: list[tuple[str | None, int | None, float | None]],
) -> None:
    frame = _frame(rows)
    key = ["exchange", "ts"]
    expected = frame.unique(subset=key, keep="last", maintain_order=True).sort(key)

    assert_frame_equal(latest_per_key(frame, key), expected)


@given(_rows)
def test_a_lazy_frame_gives_the_same_rows(
    rows: list[tuple[str | None, int | None, float | None]],
) -> None:
    frame = _frame(rows)

    assert_frame_equal(
        latest_per_key(frame.lazy(), ["ts"]).collect(), latest_per_key(frame, ["ts"])
    )


def test_the_last_row_given_for_a_key_wins() -> None:
    frame = pl.DataFrame({"ts": [2, 1, 2, 2], "value": [1.0, 2.0, 3.0, 4.0]})

    assert latest_per_key(frame, ["ts"]).rows() == [(1, 2.0), (2, 4.0)]


@given(_rows, st.booleans())
def test_a_frame_already_sorted_and_unique_comes_back_unchanged(
    rows: list[tuple[str | None, int | None, float | None]], swap_last_two: bool
) -> None:
    key = ["exchange", "ts"]
    ordered = _frame(rows).unique(subset=key, keep="last").sort(key)
    # Swapping two rows of a sorted frame breaks its order: that frame must be sorted again.
    indices = list(range(ordered.height))
    if swap_last_two and len(indices) >= 2:
        indices[-2:] = indices[-1], indices[-2]
    frame = ordered[indices]

    assert_frame_equal(latest_per_key(frame, key), ordered)


@given(_rows, st.sampled_from(["coinalyze", None]))
def test_a_key_column_holding_one_value_gives_the_same_rows(
    rows: list[tuple[str | None, int | None, float | None]], provider: str | None
) -> None:
    frame = _frame(rows).with_columns(provider=pl.lit(provider, pl.String))
    key = ["provider", "exchange", "ts"]
    expected = frame.unique(subset=key, keep="last", maintain_order=True).sort(key)

    assert_frame_equal(latest_per_key(frame, key), expected)


def test_a_key_with_one_value_everywhere_keeps_the_last_row() -> None:
    frame = pl.DataFrame({"ts": [5, 5, 5], "value": [1.0, 2.0, 3.0]})

    assert latest_per_key(frame, ["ts"]).rows() == [(5, 3.0)]


@given(
    st.lists(
        st.tuples(st.sampled_from(["binance", "bybit"]), st.integers(0, 200), st.just(1.0)),
        min_size=40,
        max_size=130,
    )
)
def test_frames_on_both_sides_of_the_python_check_height_agree_with_unique(
    rows: list[tuple[str | None, int | None, float | None]],
) -> None:
    # Up to 64 rows the sorted-and-unique check compares key tuples in Python, above it polars
    # does; both must send exactly the unsorted or repeated frames to the sort.
    key = ["exchange", "ts"]
    for frame in (_frame(rows), _frame(sorted(set(rows)))):
        expected = frame.unique(subset=key, keep="last", maintain_order=True).sort(key)

        assert_frame_equal(latest_per_key(frame, key), expected)
