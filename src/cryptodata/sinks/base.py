"""The `Sink` protocol every store implements, and the checks they share.

A sink stores [`Table`][cryptodata.Table]s and answers two questions pipelines ask: "what is
the newest bar I hold for this series?" (`last_ts`, to resume) and "give me the rows back"
(`read`). Every write is an upsert on the kind's primary key
`(provider, exchange, symbol, ts)`: writing the same rows twice, or revised rows (the open bar),
leaves exactly one row per key holding the newest values.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import SERIES_KEY, Kind, primary_key
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, to_utc

__all__ = ["STORABLE_KINDS", "Sink", "SinkBase", "check_storable", "rows_to_store", "select_rows"]

STORABLE_KINDS: frozenset[Kind] = frozenset(
    kind for kind in Kind if primary_key(kind) == SERIES_KEY
)
"""Kinds a sink stores: every kind keyed by `(provider, exchange, symbol, ts)`."""


def check_storable(kind: Kind | str) -> Kind:
    """The kind, if sinks can store it.

    Raises:
        ValidationError: For kinds without a series key (markets, exchanges, aggregates).
    """
    try:
        parsed = Kind(kind)
    except ValueError:
        raise ValidationError(
            f"unknown kind {kind!r}; use one of {', '.join(k.value for k in Kind)}"
        ) from None
    if parsed not in STORABLE_KINDS:
        storable = ", ".join(sorted(k.value for k in STORABLE_KINDS))
        raise ValidationError(
            f"sinks store series keyed by {SERIES_KEY}; {parsed.value!r} is not one ({storable})"
        )
    return parsed


def rows_to_store(table: Table) -> tuple[Kind, pl.DataFrame]:
    """The kind and the rows of a table about to be written, checked for a usable key.

    The frame is conformed to the kind's exact schema (a `Table` built by hand may carry other
    dtypes or extra columns).

    Raises:
        ValidationError: For a kind sinks do not store, a null key column, or an empty
            provider, exchange or symbol (which would name no file).
    """
    kind = check_storable(table.kind)
    frame = Table.from_frame(kind, table.to_polars()).to_polars()
    bad = frame.select(
        nulls=pl.any_horizontal(pl.col(column).is_null() for column in SERIES_KEY).sum(),
        empty=pl.any_horizontal(pl.col(column) == "" for column in SERIES_KEY[:3]).sum(),
    ).row(0)
    if bad[0]:
        raise ValidationError(
            f"{bad[0]} {kind.value} row(s) have a null key column; "
            f"{', '.join(SERIES_KEY)} are required to store a row"
        )
    if bad[1]:
        raise ValidationError(
            f"{bad[1]} {kind.value} row(s) have an empty provider, exchange or symbol"
        )
    return kind, frame


def select_rows(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    provider: str | None = None,
    exchange: str | None = None,
    symbol: str | None = None,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
) -> pl.LazyFrame:
    """Rows of one or more series within `[start, end)`: the filter behind every `Sink.read`."""
    query = frame.lazy()
    for column, value in (("provider", provider), ("exchange", exchange), ("symbol", symbol)):
        if value is not None:
            query = query.filter(pl.col(column) == value)
    if start is not None:
        query = query.filter(pl.col("ts") >= to_utc(start, name="start"))
    if end is not None:
        query = query.filter(pl.col("ts") < to_utc(end, name="end"))
    return query


@runtime_checkable
class Sink(Protocol):
    """A store of series tables with idempotent writes.

    Use it as a context manager; `close()` releases files or connections.
    """

    def write(self, table: Table) -> int:
        """Upsert the table's rows; returns how many rows were written."""
        ...

    def last_ts(
        self, kind: Kind | str, provider: str, exchange: str, symbol: str
    ) -> datetime | None:
        """The newest `ts` stored for one series (aware UTC), or `None` when it is empty."""
        ...

    def read(
        self,
        kind: Kind | str,
        *,
        provider: str | None = None,
        exchange: str | None = None,
        symbol: str | None = None,
        start: TimeInput | None = None,
        end: TimeInput | None = None,
    ) -> Table:
        """Stored rows of a kind, filtered by series and by `[start, end)`, sorted by key."""
        ...

    def close(self) -> None:
        """Flush and release resources; the sink is unusable afterwards."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class SinkBase:
    """What every sink does the same way: `with sink:` closes it, and a closed sink refuses work."""

    _closed = False

    def close(self) -> None:
        """Mark the sink closed; subclasses release their resources first."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise ValidationError(f"{self!r} is closed; open a new one")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
