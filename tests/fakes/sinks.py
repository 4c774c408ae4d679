"""A model sink: the `Sink` contract in its simplest form, for pipeline tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Self

import polars as pl

from cryptodata import Kind, Table, primary_key, schema
from cryptodata.core.schema import series_key
from cryptodata.core.time import TimeInput
from cryptodata.sinks.base import (
    check_series,
    check_storable,
    check_where,
    rows_to_store,
    select_rows,
)

__all__ = ["MemorySink"]


class MemorySink:
    """The `Sink` contract in its simplest form: one frame per kind, upsert by key."""

    def __init__(self) -> None:
        self.frames: dict[Kind, pl.DataFrame] = {}
        self.writes = 0

    def write(self, table: Table) -> int:
        kind, rows = rows_to_store(table)
        key = list(primary_key(kind))
        fresh = rows.unique(subset=key, keep="last", maintain_order=True)
        old = self.frames.get(kind, pl.DataFrame(schema=schema(kind)))
        self.frames[kind] = pl.concat([old, fresh]).unique(subset=key, keep="last").sort(key)
        self.writes += 1
        return fresh.height

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        parsed = check_storable(kind)
        named = check_series(parsed, series)
        frame = self.frames.get(parsed)
        if frame is None:
            return None
        found = select_rows(frame, named).select(pl.col("ts").max())
        value: datetime | None = found.collect().item()
        return value

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        parsed = check_storable(kind)
        frame = self.frames.get(parsed)
        if frame is None:
            return []
        columns = list(series_key(parsed))
        return frame.select(columns).unique().sort(columns).to_dicts()

    def read(
        self,
        kind: Kind | str,
        *,
        start: TimeInput | None = None,
        end: TimeInput | None = None,
        **where: str | None,
    ) -> Table:
        parsed = check_storable(kind)
        wanted = check_where(parsed, where)
        frame = self.frames.get(parsed, pl.DataFrame(schema=schema(parsed)))
        rows = select_rows(frame, wanted, start=start, end=end)
        return Table.from_frame(parsed, rows.collect())

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
