"""The `Sink` protocol every store implements, and the checks they share.

A sink stores `Table`s and answers two questions pipelines ask: "what is
the newest bar I hold for this series?" (`last_ts`, to resume) and "give me the rows back"
(`read`). Every write is an upsert on the kind's
`primary_key`: writing the same rows twice, or revised rows (the open
bar), leaves exactly one row per key holding the newest values. A series is named by the
kind's `series_key` columns, e.g. provider, exchange,
symbol, interval and unit for open interest, so 1h and 1d bars, or native and USD values, are
separate series in every sink.

A stored id (the value of a series-key column: provider, exchange, symbol, interval, unit,
base of an aggregate, entity, metric) is the same in every sink, so data can move between
them: non-empty text without control characters (`U+0000`-`U+001F`, `U+007F`-`U+009F`)
whose percent-encoded form after `column=` (the directory name the file sinks give it) fits
in 255 bytes. Other text values may hold anything but NUL, which PostgreSQL cannot store,
and `ts` lies in the years 1 to 9999, what a Python `datetime` holds. A table breaking a
rule is refused whole, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Final, Protocol, Self, runtime_checkable

import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind, is_time_series, primary_key, series_key
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, to_utc

from ._files import encode_component

__all__ = [
    "MAX_NAME_BYTES",
    "STORABLE_KINDS",
    "Sink",
    "SinkBase",
    "check_id",
    "check_series",
    "check_storable",
    "check_where",
    "rows_to_store",
    "select_rows",
]

STORABLE_KINDS: frozenset[Kind] = frozenset(kind for kind in Kind if is_time_series(kind))
"""Kinds a sink stores: every kind whose primary key is a series plus `ts`."""

MAX_NAME_BYTES: Final = 255
"""The longest directory name the file sinks build for an id (`symbol=<encoded id>`): the
limit of ext4, XFS, APFS, NTFS and most object stores' tools."""

# What a Python datetime holds: `last_ts` and `read` give rows back as datetimes.
_FIRST_TS: Final = datetime.min.replace(tzinfo=UTC)
_LAST_TS: Final = datetime.max.replace(tzinfo=UTC)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SHOWN_CHARS = 40


def check_storable(kind: Kind | str) -> Kind:
    """The kind, if sinks can store it.

    Raises:
        ValidationError: For an unknown kind, or one that is not a time series (markets,
            exchanges).
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
            f"sinks store series keyed by ts; {parsed.value!r} is not one ({storable})"
        )
    return parsed


def check_series(kind: Kind, series: Mapping[str, str]) -> dict[str, str]:
    """One series of `kind`, named by exactly its series-key columns, in key order.

    Raises:
        ValidationError: For a missing or unexpected column, or a value that is not a string.

    Examples:
        >>> check_series(Kind.FUNDING_RATE_SNAPSHOT,
        ...              {"symbol": "BTCUSDT_PERP.A", "provider": "coinalyze", "exchange": "binance"})
        {'provider': 'coinalyze', 'exchange': 'binance', 'symbol': 'BTCUSDT_PERP.A'}
    """
    columns = series_key(kind)
    missing = [column for column in columns if column not in series]
    extra = [column for column in series if column not in columns]
    if missing or extra:
        problems = [f"missing {', '.join(missing)}"] if missing else []
        problems += [f"unexpected {', '.join(extra)}"] if extra else []
        raise ValidationError(
            f"a {kind.value} series is named by {', '.join(columns)}; {'; '.join(problems)}"
        )
    return {
        column: check_id(kind, column, _text(kind, column, series[column])) for column in columns
    }


def check_where(kind: Kind, where: Mapping[str, str | None]) -> dict[str, str]:
    """`read` filters: series-key columns of `kind` with the value to match (`None` = any).

    Raises:
        ValidationError: For a column that is not in the kind's series key.
    """
    columns = series_key(kind)
    unknown = [column for column in where if column not in columns]
    if unknown:
        raise ValidationError(
            f"{kind.value} rows can be filtered by {', '.join(columns)}, not {', '.join(unknown)}"
        )
    return {
        column: check_id(kind, column, _text(kind, column, where[column]))
        for column in columns
        if where.get(column) is not None
    }


def _text(kind: Kind, column: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{kind.value} {column} must be a string, not {value!r}")
    return value


def check_id(kind: Kind, column: str, value: str) -> str:
    """`value`, if every sink can store it as the `column` id of a `kind` series.

    The empty id passes: a write refuses it with its row count, a filter matches nothing.

    Raises:
        ValidationError: For an id holding a control character or a lone surrogate, or whose
            percent-encoded directory name would exceed `MAX_NAME_BYTES`.

    Examples:
        >>> check_id(Kind.OHLCV, "symbol", "BTC/USDT:USDT")
        'BTC/USDT:USDT'
        >>> check_id(Kind.OHLCV, "symbol", "BTC\\nUSDT")
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.ValidationError: ohlcv symbol 'BTC\\nUSDT' cannot be stored: it holds the control character U+000A; remove it
    """
    if not value:
        return value
    shown = repr(value if len(value) <= _SHOWN_CHARS else value[: _SHOWN_CHARS - 1] + "…")
    refused = f"{kind.value} {column} {shown} cannot be stored"
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValidationError(f"{refused}: it is not valid Unicode (a lone surrogate)") from None
    control = _CONTROL.search(value)
    if control is not None:
        raise ValidationError(
            f"{refused}: it holds the control character U+{ord(control.group()):04X}; remove it"
        )
    size = len(column) + 1 + len(encode_component(value, field=column))
    if size > MAX_NAME_BYTES:
        raise ValidationError(
            f"{refused}: percent-encoded, its directory name {column}=... takes {size} bytes, "
            f"over the {MAX_NAME_BYTES} a file system allows; map it to a shorter id "
            f"(letters, digits and -_.~ take 1 byte each, other characters 3 to 12)"
        )
    return value


def rows_to_store(table: Table) -> tuple[Kind, pl.DataFrame]:
    """The kind and the rows of a table about to be written, checked for a usable key.

    The frame is conformed to the kind's exact schema (a `Table` built by hand may carry other
    dtypes or extra columns).

    Raises:
        ValidationError: For a kind sinks do not store, a null key column, an empty
            series-key value (which would name no file), a `ts` outside the years 1 to 9999,
            an id no sink can store (see `check_id`) or a text value holding NUL.
    """
    kind = check_storable(table.kind)
    frame = Table.from_frame(kind, table.to_polars()).to_polars()
    key, names = primary_key(kind), series_key(kind)
    texts = [n for n, dtype in frame.schema.items() if dtype == pl.String() and n not in names]
    # Every check in one `select`: polars runs the expressions in parallel over one frame,
    # where a query per check pays its own pass (and `Series.unique` its own slower path).
    found = frame.select(
        _nulls=pl.any_horizontal(pl.col(column).is_null() for column in key).sum(),
        _empty=pl.any_horizontal(pl.col(column) == "" for column in names).sum(),
        _outside=((pl.col("ts") < _FIRST_TS) | (pl.col("ts") > _LAST_TS)).sum(),
        **{f"_ids_{column}": pl.col(column).unique().implode() for column in names},
        **{f"_nul_{name}": pl.col(name).str.contains("\x00", literal=True).sum() for name in texts},
    ).row(0, named=True)
    if found["_nulls"]:
        raise ValidationError(
            f"{found['_nulls']} {kind.value} row(s) have a null key column; "
            f"{', '.join(key)} are required to store a row"
        )
    if found["_empty"]:
        listed = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
        raise ValidationError(f"{found['_empty']} {kind.value} row(s) have an empty {listed}")
    if found["_outside"]:
        raise ValidationError(
            f"{found['_outside']} {kind.value} row(s) have a ts outside the years 1 to 9999, "
            "which no sink can store; check the time unit of the source (milliseconds, not "
            "micro- or nanoseconds)"
        )
    for column in names:
        # Per distinct id (one per series, a few per table), with the rule `read` applies.
        for value in found[f"_ids_{column}"]:
            check_id(kind, column, value)
    for name in texts:
        with_nul = found[f"_nul_{name}"]
        if with_nul:
            raise ValidationError(
                f"{with_nul} {kind.value} row(s) hold a NUL character in {name}, which "
                "PostgreSQL cannot store, so no sink accepts it; remove it"
            )
    return kind, frame


def select_rows(
    frame: pl.DataFrame | pl.LazyFrame,
    where: Mapping[str, str],
    *,
    start: TimeInput | None = None,
    end: TimeInput | None = None,
) -> pl.LazyFrame:
    """Rows matching `where` (column → value) within `[start, end)`: the filter behind `read`."""
    query = frame.lazy()
    for column, value in where.items():
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

    Every sink stores the same ids: non-empty text without control characters, whose
    percent-encoded form after `column=` fits a 255-byte directory name; other text may hold
    anything but NUL. A table breaking that is a `ValidationError` before anything is
    written. What the store itself does wrong (database, file system) is a `SinkError`.
    """

    def write(self, table: Table) -> int:
        """Upsert the table's rows; returns how many rows were written."""
        ...

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        """The newest `ts` stored for one series (aware UTC), or `None` when it is empty.

        `series` maps exactly the kind's series-key columns to their values, e.g.
        `{"provider": "coinalyze", "exchange": "binance", "symbol": "BTCUSDT_PERP.A",
        "interval": "1h", "unit": "usd"}` for open interest; a missing or extra column is a
        `ValidationError`.
        """
        ...

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        """Every series of a kind that holds at least one row, sorted by its key values.

        Each series is named as `last_ts` takes it: exactly the kind's series-key columns
        (`series_key`) mapped to their values, e.g.
        `{"provider": "coinalyze", "exchange": "binance", "symbol": "BTCUSDT_PERP.A",
        "interval": "1h", "unit": "base"}` for open interest. `update` with no symbols
        brings each of them up to date.

        Raises:
            ValidationError: For a kind sinks do not store.
        """
        ...

    def read(
        self,
        kind: Kind | str,
        *,
        start: TimeInput | None = None,
        end: TimeInput | None = None,
        **where: str | None,
    ) -> Table:
        """Stored rows of a kind within `[start, end)`, sorted by key.

        `where` filters on series-key columns (`exchange="binance", interval="1h"`); another
        column is a `ValidationError`; `None` matches any value.
        """
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
