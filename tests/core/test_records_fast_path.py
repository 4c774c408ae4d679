"""`Table.to_records()` (columns zipped, collector paused) equals the row-by-row build it replaced."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from typing import Any

import attrs
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptodata.core.schema import Kind, record_type, schema
from cryptodata.core.table import Table

_VALUES: dict[type, st.SearchStrategy[Any]] = {
    str: st.text(max_size=8),
    float: st.floats(allow_nan=False, allow_infinity=False),
    int: st.integers(min_value=-(2**62), max_value=2**62),
    bool: st.booleans(),
    datetime: st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)),
}


def _column(annotation: Any) -> st.SearchStrategy[Any]:
    inner = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if inner:
        return st.none() | _VALUES[inner[0]]
    return _VALUES[annotation]


@st.composite
def _tables(draw: st.DrawFn) -> Table[Any]:
    kind = draw(st.sampled_from(list(Kind)))
    hints = typing.get_type_hints(record_type(kind))
    rows = draw(st.integers(min_value=0, max_value=30))
    columns = {
        field.name: draw(st.lists(_column(hints[field.name]), min_size=rows, max_size=rows))
        for field in attrs.fields(record_type(kind))
    }
    return Table.from_frame(kind, pl.DataFrame(columns, schema=schema(kind)))


def _row_by_row(table: Table[Any]) -> list[Any]:
    """The implementation `to_records` had before issue 9: one record per `iter_rows` tuple."""
    cls = record_type(table.kind)
    return [cls(*row) for row in table.to_polars().iter_rows()]


@settings(max_examples=150, deadline=None)
@given(table=_tables())
def test_to_records_equals_the_row_by_row_build_for_every_kind(table: Table[Any]) -> None:
    fast, slow = table.to_records(), _row_by_row(table)
    assert fast == slow
    assert [repr(record) for record in fast] == [repr(record) for record in slow]
    assert all(type(record) is record_type(table.kind) for record in fast)
    assert list(table) == slow


def test_to_records_leaves_the_collector_as_it_found_it() -> None:
    import gc

    table = Table.empty(Kind.OHLCV)
    gc.disable()
    try:
        table.to_records()
        assert not gc.isenabled()
    finally:
        gc.enable()
    table.to_records()
    assert gc.isenabled()
