"""`ParquetSink`: series stored as a Hive-partitioned Parquet dataset, upserted by merge-on-write.

Layout: one Hive partition level per series-key column of the kind, in key order, then the
UTC year (every value percent-encoded, see docs/sinks/parquet.md):

```
<root>/_cryptodata.json        {"format": "cryptodata-parquet", "layout": 2}
<root>/kind=ohlcv/provider=coinalyze/exchange=binance/symbol=BTCUSDT_PERP.A/interval=1h/
    unit=base/year=2025/
        part-000007-20250101T000000000Z-20250630T230000000Z.parquet
        part-000009-20250701T000000000Z-20250701T010000000Z.parquet
```

A leaf directory is one series in one UTC year. Its part files hold disjoint `ts` ranges,
named by write generation, first and last `ts`, so resuming (`last_ts`) and choosing which
parts a write touches need a directory listing and no file reads. Partition columns live in
the directory names only, never inside the files, so polars, pyarrow, pandas and DuckDB all
read the root as one Hive-partitioned dataset without duplicated columns.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Final, Literal, get_args
from urllib.parse import unquote

import attrs
import msgspec
import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind, primary_key, series_key, time_key
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, from_ms, to_ms, to_utc
from cryptodata.sinks._files import (
    Storage,
    WriteTarget,
    encode_component,
    is_temp,
    latest_in_series,
    open_storage,
    split_series,
    storage_errors,
)
from cryptodata.sinks._migrate import STAGING, V1_KINDS, migrate, roll_forward, write_marker
from cryptodata.sinks.base import (
    SinkBase,
    check_series,
    check_storable,
    check_where,
    rows_to_store,
    select_rows,
)
from cryptodata.sinks.layout import LayoutError

__all__ = ["LAYOUT", "Compression", "ParquetSink"]

Compression = Literal["zstd", "snappy", "lz4", "gzip", "brotli", "uncompressed"]
"""Parquet codecs `ParquetSink` can write (polars' own list)."""

_READ_ATTEMPTS = 5
_MARKER = "_cryptodata.json"
LAYOUT = 2
"""The layout version this release writes: 2 added `interval` and `unit` partitions and took
the partition columns out of the files."""
_MARKER_CONTENT: Final = {"format": "cryptodata-parquet", "layout": LAYOUT}
_PART = re.compile(r"part-(\d+)-(\d{8}T\d{9})Z-(\d{8}T\d{9})Z\.parquet")


@attrs.frozen
class _Part:
    """One part file of a leaf partition: its name, write generation and `ts` range (epoch ms)."""

    name: str
    gen: int
    first: int
    last: int

    @classmethod
    def parse(cls, name: str) -> _Part | None:
        match = _PART.fullmatch(name)
        if match is None:
            return None
        gen, first, last = match.groups()
        return cls(name, int(gen), _parse_stamp(first), _parse_stamp(last))

    @classmethod
    def named(cls, gen: int, first: int, last: int) -> _Part:
        return cls(f"part-{gen:06d}-{_stamp(first)}Z-{_stamp(last)}Z.parquet", gen, first, last)


def _stamp(ms: int) -> str:
    moment = from_ms(ms)
    # The year padded by hand: strftime's %Y gives "1", not "0001", on glibc.
    return f"{moment.year:04d}{moment:%m%dT%H%M%S}{moment.microsecond // 1000:03d}"


def _parse_stamp(text: str) -> int:
    moment = datetime.strptime(text[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return to_ms(moment) + int(text[15:])


def _overlapping(parts: Iterable[_Part]) -> set[_Part]:
    """Parts whose `ts` ranges overlap another part's.

    Writes keep ranges disjoint, so an overlap means a crash between renaming a merged part in
    and removing the parts it replaced; the newer generation holds the right values.
    """
    conflicts: set[_Part] = set()
    group: list[_Part] = []
    reach = 0
    for part in sorted(parts, key=lambda p: p.first):
        if group and part.first <= reach:
            group.append(part)
            reach = max(reach, part.last)
            continue
        if len(group) > 1:
            conflicts.update(group)
        group, reach = [part], part.last
    if len(group) > 1:
        conflicts.update(group)
    return conflicts


class ParquetSink(SinkBase):
    """Store series in a Hive-partitioned Parquet dataset on a local disk or any fsspec URL.

    Writes are upserts on the kind's primary key. Rows in a `ts` range no stored
    part covers (a fresh range, or older history) become a new part file without reading
    anything; rows overlapping stored parts are merged with them (new values win) into new
    parts, and the old parts are removed after the rename. A partition holding more than
    `max_parts` files is compacted, so a minutely watch loop keeps a bounded number of files.

    Every file is written under a hidden temp name and renamed, so readers never see half a
    file; a temp left by a crash is ignored and removed by the next write to its partition.
    Any number of processes may read a dataset, and write different series of it at once
    (each series is its own partition directory, as a sharded backfill writes); one series
    should have one writer at a time.

    Args:
        root: A directory, a `file://` URL or any fsspec URL (`s3://bucket/data`,
            `memory://data`; needs the `fsspec` extra and the filesystem's own package).
        max_parts: Part files a partition (series x UTC year) may hold before it is compacted.
        compression: Parquet codec passed to polars: `zstd`, `snappy`, `lz4`, `gzip`,
            `brotli` or `uncompressed`.
        max_workers: Partitions one `write` writes in parallel (raise it for object storage,
            where each file costs a network round trip).
        storage_options: Keyword arguments for the fsspec filesystem (credentials, endpoint).
        migrate_interval: The interval the bars of a dataset written by cryptodata 0.1
            (layout 1, no marker, no `interval` partition) were collected at, e.g. `"1h"`.
            Such a dataset is migrated in place on opening, crash-safely (see
            docs/sinks/parquet.md); without it, one holding bar kinds is refused.

    Raises:
        ValidationError: If `max_parts` is not an integer of at least 2, `max_workers` not
            one of at least 1, `compression` not a codec listed above, `storage_options` not
            a mapping, `migrate_interval` not an interval, the root not a non-empty path or
            URL, or a URL needs fsspec (or its filesystem's package) and it is not installed.
        LayoutError: For a layout-1 dataset holding bars when `migrate_interval` is not
            given; nothing is changed then.
        SinkError: If the root's marker cannot be read (no permission); the message names
            the path.

    Examples:
        >>> import tempfile
        >>> from cryptodata import Kind, Table
        >>> series = {"provider": "coinalyze", "exchange": "binance", "symbol": "BTCUSDT_PERP.A"}
        >>> frame = pl.DataFrame({**{k: [v] for k, v in series.items()}, "base": ["BTC"],
        ...     "ts": [datetime(2025, 6, 1)], "value": [0.0001], "period_hours": [8.0]})
        >>> with ParquetSink(tempfile.mkdtemp()) as sink:
        ...     sink.write(Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame))
        ...     sink.last_ts("funding_rate_snapshot", series)
        1
        datetime.datetime(2025, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        max_parts: int = 32,
        compression: Compression = "zstd",
        max_workers: int = 4,
        storage_options: Mapping[str, Any] | None = None,
        migrate_interval: str | None = None,
    ) -> None:
        _check_count("max_parts", max_parts, 2)
        _check_count("max_workers", max_workers, 1)
        if not isinstance(compression, str) or compression not in get_args(Compression):
            raise ValidationError(
                f"compression must be one of {', '.join(get_args(Compression))}, "
                f"not {compression!r}"
            )
        self._storage: Storage = open_storage(root, storage_options)
        self._root = os.fspath(root)
        self._storage_options = storage_options
        self._max_parts = max_parts
        self._compression = compression
        self._max_workers = max_workers
        interval = None if migrate_interval is None else Interval.parse(migrate_interval)
        with self._errors("open the dataset"):
            self._marked = self._check_layout(interval)

    def write(self, table: Table) -> int:
        """Upsert the table's rows; returns how many distinct keys were written.

        Partitions are independent, so the table's partitions are written in parallel: each
        file has a fixed cost (an fsync locally, a round trip on object storage) that
        overlaps with the encoding of the others.

        Raises:
            ValidationError: For a kind sinks do not store, rows with a null or empty key, or
                a value no sink can store (see `Sink`). Nothing is written
                then.
            SinkError: If the storage fails (a full disk, no permission) or a stored part it
                merges with is damaged; some partitions may be written and others not, and
                writing the table again is harmless.
        """
        self._check_open()
        kind, frame = rows_to_store(table)
        with self._errors(f"write {kind.value} rows"):
            return self._write(kind, frame)

    def _write(self, kind: Kind, frame: pl.DataFrame) -> int:
        columns = series_key(kind)
        # The series columns live in the directory names, never in the files.
        order = time_key(kind)
        pieces = split_series(
            frame, columns, pl.col("ts").dt.year(), order=order, include_key=False
        )
        jobs = [
            (self._storage.path(*self._series_dirs(kind, values), f"year={year}"), rows, order)
            for values, year, rows in pieces
        ]
        if jobs and not self._marked:
            self._mark()
        if len(jobs) == 1 or self._max_workers == 1:
            for directory, rows, order in jobs:
                self._write_partition(directory, rows, order)
        elif jobs:
            with ThreadPoolExecutor(min(self._max_workers, len(jobs))) as pool:
                # list() re-raises the first error; the pool still finishes the other partitions.
                list(pool.map(lambda job: self._write_partition(*job), jobs))
        return sum(rows.height for _, rows, _ in jobs)

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        """The newest `ts` stored for one series, from file names alone (no file is read).

        Args:
            kind: A storable kind.
            series: Exactly the kind's series-key columns and their values.

        Returns:
            An aware UTC `datetime`, or `None` when the series holds no rows.

        Raises:
            ValidationError: For a kind sinks do not store, a series missing a key column or
                naming another one, or an id no sink can store.
            SinkError: If a directory cannot be listed.
        """
        self._check_open()
        kind = check_storable(kind)
        values = tuple(check_series(kind, series).values())
        if not all(values):
            return None
        directory = self._storage.path(*self._series_dirs(kind, values))
        with self._errors(f"read the last {kind.value} ts"):
            for year in sorted(self._values(directory, "year"), key=_year_order, reverse=True):
                parts = self._parts(_child(directory, f"year={year}"))
                if parts:
                    return from_ms(max(part.last for part in parts))
        return None

    def read(
        self,
        kind: Kind | str,
        *,
        start: TimeInput | None = None,
        end: TimeInput | None = None,
        **where: str | None,
    ) -> Table:
        """Stored rows of a kind within `[start, end)`, filtered on series-key columns, sorted by key.

        `where` names series-key columns and the value to match (`exchange="binance"`,
        `interval="1h"`). Only the partitions and part files that can hold matching rows are
        read.

        Returns:
            A table with the kind's exact schema; empty (never `None`) when nothing matches.

        Raises:
            ValidationError: For a kind sinks do not store, a column outside its series key or
                an id no sink can store.
            SinkError: If the storage fails or a part file is damaged.
        """
        self._check_open()
        kind = check_storable(kind)
        wanted = check_where(kind, where)
        lo = to_ms(to_utc(start, name="start")) if start is not None else None
        hi = to_ms(to_utc(end, name="end")) if end is not None else None
        with self._errors(f"read {kind.value} rows"):
            frame = self._read_retrying(kind, wanted, lo, hi)
        if frame is None:
            return Table.empty(kind)
        query = select_rows(frame, {}, start=start, end=end)
        return Table.from_frame(kind, query.sort(primary_key(kind)).collect())

    def _read_retrying(
        self, kind: Kind, wanted: Mapping[str, str], lo: int | None, hi: int | None
    ) -> pl.LazyFrame | None:
        attempts = _READ_ATTEMPTS
        while True:
            try:
                return self._read_once(kind, wanted, lo, hi)
            except FileNotFoundError:
                # A writer replaced a part between our listing and our read: list again.
                attempts -= 1
                if not attempts:
                    raise

    def _read_once(
        self, kind: Kind, wanted: Mapping[str, str], lo: int | None, hi: int | None
    ) -> pl.LazyFrame | None:
        """The stored rows that may match, as one frame (`None` when no file can match)."""
        frames: list[pl.LazyFrame] = []
        for directory, values in self._leaf_dirs(kind, wanted, lo, hi):
            parts = [
                part
                for part in self._parts(directory)
                if (lo is None or part.last >= lo) and (hi is None or part.first < hi)
            ]
            conflicts = _overlapping(parts)
            clean = [_child(directory, p.name) for p in parts if p not in conflicts]
            stored = [self._storage.read_parquet(clean)] if clean else []
            if conflicts:
                stored.append(self._merge(directory, conflicts, time_key(kind)).lazy())
            # The series columns live in the directory names: put them back on the rows.
            named = [pl.lit(value).alias(column) for column, value in values.items()]
            frames += [frame.with_columns(named) for frame in stored]
        if not frames:
            return None
        # Collected here, inside the retry: a lazy scan would only open the files later.
        return pl.concat(frames, how="diagonal").collect().lazy()

    def __repr__(self) -> str:
        return f"ParquetSink({self._root!r})"

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        """Every series of a kind holding at least one row, named by its series-key columns.

        Read from the partition directories and part-file names alone (no file is read).

        Returns:
            One dict per series, as `last_ts` takes it, sorted by its values.

        Raises:
            ValidationError: For a kind sinks do not store.
        """
        self._check_open()
        kind = check_storable(kind)
        with self._errors(f"list the {kind.value} series"):
            found = {
                tuple(values.items()): values
                for directory, values in self._leaf_dirs(kind, {}, None, None)
                if self._parts(directory)
            }
        return sorted(found.values(), key=lambda named: tuple(named.values()))

    def _errors(self, doing: str) -> AbstractContextManager[None]:
        return storage_errors(repr(self), doing)

    # -- writing ----------------------------------------------------------------------------

    def _write_partition(self, directory: str, rows: pl.DataFrame, order: Sequence[str]) -> None:
        """Upsert sorted, unique rows of one series-year into its partition directory."""
        parts = self._parts(directory, clean_temps=True)
        gen = max((part.gen for part in parts), default=0) + 1
        ts = rows.get_column("ts").to_physical()
        first, last = int(ts[0]), int(ts[-1])
        touched = {p for p in parts if p.first <= last and p.last >= first} | _overlapping(parts)
        if not touched:
            written = [self._write_part(directory, gen, rows)]
        else:
            merged = self._merge(directory, touched, order, rows)
            # Split at the first new ts: the next overlapping write (a watch loop re-sending its
            # open bar) then rewrites only the small tail, not everything before it.
            split = int(merged.get_column("ts").to_physical().search_sorted(first, side="left"))
            pieces = (merged.slice(0, split), merged.slice(split))
            written = [self._write_part(directory, gen, piece) for piece in pieces if piece.height]
            for part in touched:
                self._storage.remove(_child(directory, part.name))
        kept = [part for part in parts if part not in touched] + written
        if len(kept) > self._max_parts:
            self._compact(directory, kept, gen + 1, order)

    def _compact(self, directory: str, parts: list[_Part], gen: int, order: Sequence[str]) -> None:
        """Merge every part but the newest-ranged one into a single file.

        The newest range is left alone because that is where the next revision lands; merging
        it would make the next overlapping write rewrite the whole compacted file.
        """
        tail = max(parts, key=lambda part: part.last)
        rest = sorted((part for part in parts if part is not tail), key=lambda part: part.first)
        if _overlapping(rest):
            self._write_part(directory, gen, self._merge(directory, rest, order))
        else:
            # Disjoint ranges in `first` order are one sorted run already: stream them into
            # one file rather than holding a year of bars in memory.
            stream = self._storage.read_parquet([_child(directory, p.name) for p in rest])
            self._write_file(directory, _Part.named(gen, rest[0].first, rest[-1].last), stream)
        for part in rest:
            self._storage.remove(_child(directory, part.name))

    def _merge(
        self,
        directory: str,
        parts: Iterable[_Part],
        order: Sequence[str],
        rows: pl.DataFrame | None = None,
    ) -> pl.DataFrame:
        """Stored parts (oldest generation first) and new rows, one row per `order` (the
        kind's `time_key`), newest wins."""
        ordered = sorted(parts, key=lambda part: part.gen)
        stored = self._storage.read_parquet([_child(directory, p.name) for p in ordered])
        frames = [stored] if rows is None else [stored, rows.lazy()]
        return latest_in_series(pl.concat(frames, how="vertical"), order).collect()

    def _write_part(self, directory: str, gen: int, rows: pl.DataFrame) -> _Part:
        """Write sorted rows as a new part of generation `gen`."""
        ts = rows.get_column("ts").to_physical()
        return self._write_file(directory, _Part.named(gen, int(ts[0]), int(ts[-1])), rows)

    def _write_file(self, directory: str, part: _Part, rows: pl.DataFrame | pl.LazyFrame) -> _Part:
        def write(target: WriteTarget) -> None:
            if isinstance(rows, pl.LazyFrame):
                rows.sink_parquet(target, compression=self._compression)
            else:
                rows.write_parquet(target, compression=self._compression)

        self._storage.write_atomic(_child(directory, part.name), write)
        return part

    # -- layout -----------------------------------------------------------------------------

    def _series_dirs(self, kind: Kind, values: Sequence[str]) -> list[str]:
        return [
            f"kind={kind.value}",
            *(
                f"{column}={encode_component(value, field=column)}"
                for column, value in zip(series_key(kind), values, strict=True)
            ),
        ]

    def _check_layout(self, migrate_interval: Interval | None) -> bool:
        """Whether the root is marked with this layout, after migrating an older one.

        Layout 1 wrote no marker: a root holding `kind=` directories but no marker is layout 1.
        """
        data = self._storage.read_bytes(self._storage.path(_MARKER))
        if data is None:
            if not any(
                name.startswith("kind=") for name in self._storage.listdir(self._root_dir())
            ):
                return False
            stored: dict[str, Any] = {"layout": 1}
        else:
            try:
                stored = msgspec.json.decode(data)
                layout = stored.get("layout")
            except (msgspec.DecodeError, AttributeError):
                raise ValidationError(
                    f"{self._root}/{_MARKER} is not a cryptodata marker"
                ) from None
        if stored.get("migrating_to") == LAYOUT:
            roll_forward(self._storage, marker_name=_MARKER, marker=_MARKER_CONTENT)
            return True
        layout = stored.get("layout")
        if layout == 1:
            self._migrate(migrate_interval)
            return True
        if layout != LAYOUT:
            raise LayoutError(self._root, layout, LAYOUT, f"parquet:{self._root}")
        return True

    def _migrate(self, interval: Interval | None) -> None:
        """Rewrite a layout-1 dataset in layout 2, in place (see `_migrate`)."""
        files = [
            (Kind(name.removeprefix("kind=")), path)
            for name in sorted(self._storage.listdir(self._root_dir()))
            if name.removeprefix("kind=") in V1_KINDS
            for path in self._v1_parts(self._storage.path(name), depth=4)
        ]
        staging = f"{self._root.rstrip('/')}/{STAGING}"
        migrate(
            self._storage,
            files=files,
            read=lambda _, path: self._storage.read_parquet([path]).collect(),
            open_staging=lambda: ParquetSink(
                staging,
                max_parts=self._max_parts,
                compression=self._compression,
                max_workers=self._max_workers,
                storage_options=self._storage_options,
            ),
            marker_name=_MARKER,
            marker=_MARKER_CONTENT,
            interval=interval,
            location=self._root,
            spec=f"parquet:{self._root}",
        )

    def _v1_parts(self, directory: str, depth: int) -> list[str]:
        """Part files `depth` levels of `key=value` directories below `directory`, by name.

        Sorted by name, which sorts a leaf's parts by generation: a newer part left
        overlapping an older one by a crash is written last, so it still wins.
        """
        if depth == 0:
            return [
                _child(directory, name)
                for name in sorted(self._storage.listdir(directory))
                if _Part.parse(name) is not None
            ]
        return [
            path
            for name in sorted(self._storage.listdir(directory))
            if "=" in name and not is_temp(name)
            for path in self._v1_parts(_child(directory, name), depth - 1)
        ]

    def _mark(self) -> None:
        write_marker(self._storage, _MARKER, _MARKER_CONTENT)
        self._marked = True

    def _root_dir(self) -> str:
        return self._storage.path()

    def _parts(self, directory: str, *, clean_temps: bool = False) -> list[_Part]:
        """Part files of a leaf directory; with `clean_temps`, remove temps left by a crash."""
        parts = []
        for name in self._storage.listdir(directory):
            if is_temp(name):
                if clean_temps:
                    self._storage.remove(_child(directory, name))
            elif (part := _Part.parse(name)) is not None:
                parts.append(part)
        return parts

    def _values(self, directory: str, key: str) -> list[str]:
        """The raw (still encoded) values of the `key=value` subdirectories of a directory.

        Kept encoded: a directory another tool named (`%2f` in lower case) is still found.
        """
        prefix = f"{key}="
        return [
            name[len(prefix) :]
            for name in self._storage.listdir(directory)
            if name.startswith(prefix)
        ]

    def _level(self, parent: str, key: str, wanted: str | None) -> list[str]:
        """The encoded values of the `key=` subdirectories of `parent`: all, or `wanted`'s."""
        if wanted is None:
            return self._values(parent, key)
        if not wanted:  # an empty id is never stored
            return []
        return [encode_component(wanted, field=key)]

    def _leaf_dirs(
        self, kind: Kind, wanted: Mapping[str, str], lo: int | None, hi: int | None
    ) -> list[tuple[str, dict[str, str]]]:
        """Leaf partitions that may hold matching rows, with their series values.

        A filter prunes listings: a column it names is one directory, not a listing.
        """
        directories: list[tuple[str, dict[str, str]]] = [
            (self._storage.path(f"kind={kind.value}"), {})
        ]
        for column in series_key(kind):
            directories = [
                (_child(parent, f"{column}={value}"), {**values, column: unquote(value)})
                for parent, values in directories
                for value in self._level(parent, column, wanted.get(column))
            ]
        first_year = from_ms(lo).year if lo is not None else None
        last_year = from_ms(hi - 1).year if hi is not None else None
        return [
            (_child(directory, f"year={year}"), values)
            for directory, values in directories
            for year in self._values(directory, "year")
            if (first_year is None or _year_order(year) >= first_year)
            and (last_year is None or _year_order(year) <= last_year)
        ]


def _check_count(name: str, value: object, least: int) -> None:
    # bool is an int, and NaN or a float would pass `<`: only a real integer is a count.
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValidationError(f"{name} must be an integer of at least {least}, not {value!r}")


def _child(directory: str, name: str) -> str:
    return f"{directory}/{name}"


def _year_order(value: str) -> int:
    """A `year=` directory's year; a foreign directory gets -1, so it sorts after every year."""
    return int(value) if value.isdigit() else -1
