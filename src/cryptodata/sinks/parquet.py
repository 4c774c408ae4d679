"""`ParquetSink`: series stored as a Hive-partitioned Parquet dataset, upserted by merge-on-write.

Layout (every directory value percent-encoded, see docs/sinks/parquet.md):

```
<root>/kind=ohlcv/provider=coinalyze/exchange=A/symbol=BTCUSDT_PERP.A/year=2025/
    part-000007-20250101T000000000Z-20250630T230000000Z.parquet
    part-000009-20250701T000000000Z-20250701T010000000Z.parquet
```

A leaf directory is one series in one UTC year. Its part files hold disjoint `ts` ranges,
named by write generation, first and last `ts`, so resuming (`last_ts`) and choosing which
parts a write touches need a directory listing and no file reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Literal

import attrs
import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import SERIES_KEY, Kind
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, from_ms, to_ms, to_utc
from cryptodata.sinks._files import (
    Storage,
    WriteTarget,
    encode_component,
    is_temp,
    latest_per_ts,
    open_storage,
    split_series,
)
from cryptodata.sinks.base import SinkBase, check_storable, rows_to_store, select_rows

__all__ = ["Compression", "ParquetSink"]

Compression = Literal["zstd", "snappy", "lz4", "gzip", "brotli", "uncompressed"]
"""Parquet codecs `ParquetSink` can write (polars' own list)."""

_READ_ATTEMPTS = 5
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
    return f"{moment:%Y%m%dT%H%M%S}{moment.microsecond // 1000:03d}"


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

    Writes are upserts on `(provider, exchange, symbol, ts)`. Rows in a `ts` range no stored
    part covers (a fresh range, or older history) become a new part file without reading
    anything; rows overlapping stored parts are merged with them (new values win) into new
    parts, and the old parts are removed after the rename. A partition holding more than
    `max_parts` files is compacted, so a minutely watch loop keeps a bounded number of files.

    Every file is written under a hidden temp name and renamed, so readers never see half a
    file; a temp left by a crash is ignored and removed by the next write to its partition.
    One process should write a dataset at a time; any number may read it.

    Args:
        root: A directory, a `file://` URL or any fsspec URL (`s3://bucket/data`,
            `memory://data`; needs the `fsspec` extra and the filesystem's own package).
        max_parts: Part files a partition (series x UTC year) may hold before it is compacted.
        compression: Parquet codec passed to polars (`zstd`, `snappy`, `lz4`, ...).
        max_workers: Partitions one `write` writes in parallel (raise it for object storage,
            where each file costs a network round trip).
        storage_options: Keyword arguments for the fsspec filesystem (credentials, endpoint).

    Raises:
        ValidationError: If `max_parts < 2`, `max_workers < 1`, or a URL needs fsspec and it
            is not installed.

    Examples:
        >>> import tempfile
        >>> from cryptodata import Kind, Table
        >>> frame = pl.DataFrame({"provider": ["coinalyze"], "exchange": ["A"],
        ...     "symbol": ["BTCUSDT_PERP.A"], "base": ["BTC"], "ts": [datetime(2025, 6, 1)],
        ...     "value": [0.0001]})
        >>> with ParquetSink(tempfile.mkdtemp()) as sink:
        ...     sink.write(Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame))
        ...     sink.last_ts("funding_rate_snapshot", "coinalyze", "A", "BTCUSDT_PERP.A")
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
    ) -> None:
        if max_parts < 2:
            raise ValidationError(f"max_parts must be at least 2, not {max_parts}")
        if max_workers < 1:
            raise ValidationError(f"max_workers must be at least 1, not {max_workers}")
        self._root = os.fspath(root)
        self._storage: Storage = open_storage(root, storage_options)
        self._max_parts = max_parts
        self._compression = compression
        self._max_workers = max_workers

    def write(self, table: Table) -> int:
        """Upsert the table's rows; returns how many distinct keys were written.

        Partitions are independent, so the table's partitions are written in parallel: each
        file has a fixed cost (an fsync locally, a round trip on object storage) that
        overlaps with the encoding of the others.

        Raises:
            ValidationError: For a kind sinks do not store, or rows with a null or empty key.
                Nothing is written then. Other errors (a full disk) can leave some partitions
                written and others not; writing the table again is harmless.
        """
        self._check_open()
        kind, frame = rows_to_store(table)
        jobs = [
            (self._storage.path(*self._series_dirs(kind, p, e, s), f"year={year}"), rows)
            for p, e, s, year, rows in split_series(frame, pl.col("ts").dt.year())
        ]
        if len(jobs) == 1 or self._max_workers == 1:
            for directory, rows in jobs:
                self._write_partition(directory, rows)
        elif jobs:
            with ThreadPoolExecutor(min(self._max_workers, len(jobs))) as pool:
                # list() re-raises the first error; the pool still finishes the other partitions.
                list(pool.map(lambda job: self._write_partition(*job), jobs))
        return sum(rows.height for _, rows in jobs)

    def last_ts(
        self, kind: Kind | str, provider: str, exchange: str, symbol: str
    ) -> datetime | None:
        """The newest `ts` stored for one series, from file names alone (no file is read).

        Returns:
            An aware UTC `datetime`, or `None` when the series holds no rows.
        """
        self._check_open()
        kind = check_storable(kind)
        if not (provider and exchange and symbol):
            return None
        series = self._storage.path(*self._series_dirs(kind, provider, exchange, symbol))
        for year in sorted(self._values(series, "year"), key=_year_order, reverse=True):
            parts = self._parts(_child(series, f"year={year}"))
            if parts:
                return from_ms(max(part.last for part in parts))
        return None

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
        """Stored rows of a kind, filtered by series and by `[start, end)`, sorted by key.

        Only the partitions and part files that can hold matching rows are read.

        Returns:
            A table with the kind's exact schema; empty (never `None`) when nothing matches.
        """
        self._check_open()
        kind = check_storable(kind)
        lo = to_ms(to_utc(start, name="start")) if start is not None else None
        hi = to_ms(to_utc(end, name="end")) if end is not None else None
        series = {"provider": provider, "exchange": exchange, "symbol": symbol}
        attempts = _READ_ATTEMPTS
        while True:
            try:
                frame = self._read_once(kind, series, lo, hi)
                break
            except FileNotFoundError:
                # A writer replaced a part between our listing and our read: list again.
                attempts -= 1
                if not attempts:
                    raise
        if frame is None:
            return Table.empty(kind)
        query = select_rows(frame, **series, start=start, end=end)
        return Table.from_frame(kind, query.sort(SERIES_KEY).collect())

    def _read_once(
        self, kind: Kind, series: dict[str, str | None], lo: int | None, hi: int | None
    ) -> pl.LazyFrame | None:
        """The stored rows that may match, as one frame (`None` when no file can match)."""
        clean: list[str] = []
        repaired: list[pl.DataFrame] = []
        for directory in self._leaf_dirs(kind, series, lo, hi):
            parts = [
                part
                for part in self._parts(directory)
                if (lo is None or part.last >= lo) and (hi is None or part.first < hi)
            ]
            conflicts = _overlapping(parts)
            clean += [_child(directory, p.name) for p in parts if p not in conflicts]
            if conflicts:
                repaired.append(self._merge(directory, conflicts))
        if not clean and not repaired:
            return None
        # Collected here, inside the retry: a lazy scan would only open the files later.
        frames = [self._storage.read_parquet(clean).collect()] if clean else []
        return pl.concat([*frames, *repaired], how="vertical").lazy()

    def __repr__(self) -> str:
        return f"ParquetSink({self._root!r})"

    # -- writing ----------------------------------------------------------------------------

    def _write_partition(self, directory: str, rows: pl.DataFrame) -> None:
        """Upsert sorted, unique rows of one series-year into its partition directory."""
        parts = self._parts(directory, clean_temps=True)
        gen = max((part.gen for part in parts), default=0) + 1
        ts = rows.get_column("ts").to_physical()
        first, last = int(ts[0]), int(ts[-1])
        touched = {p for p in parts if p.first <= last and p.last >= first} | _overlapping(parts)
        if not touched:
            written = [self._write_part(directory, gen, rows)]
        else:
            merged = self._merge(directory, touched, rows)
            # Split at the first new ts: the next overlapping write (a watch loop re-sending its
            # open bar) then rewrites only the small tail, not everything before it.
            split = int(merged.get_column("ts").to_physical().search_sorted(first, side="left"))
            pieces = (merged.slice(0, split), merged.slice(split))
            written = [self._write_part(directory, gen, piece) for piece in pieces if piece.height]
            for part in touched:
                self._storage.remove(_child(directory, part.name))
        kept = [part for part in parts if part not in touched] + written
        if len(kept) > self._max_parts:
            self._compact(directory, kept, gen + 1)

    def _compact(self, directory: str, parts: list[_Part], gen: int) -> None:
        """Merge every part but the newest-ranged one into a single file.

        The newest range is left alone because that is where the next revision lands; merging
        it would make the next overlapping write rewrite the whole compacted file.
        """
        tail = max(parts, key=lambda part: part.last)
        rest = sorted((part for part in parts if part is not tail), key=lambda part: part.first)
        if _overlapping(rest):
            self._write_part(directory, gen, self._merge(directory, rest))
        else:
            # Disjoint ranges in `first` order are one sorted run already: stream them into
            # one file rather than holding a year of bars in memory.
            stream = self._storage.read_parquet([_child(directory, p.name) for p in rest])
            self._write_file(directory, _Part.named(gen, rest[0].first, rest[-1].last), stream)
        for part in rest:
            self._storage.remove(_child(directory, part.name))

    def _merge(
        self, directory: str, parts: Iterable[_Part], rows: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Stored parts (oldest generation first) and new rows, one row per `ts`, newest wins."""
        ordered = sorted(parts, key=lambda part: part.gen)
        stored = self._storage.read_parquet([_child(directory, p.name) for p in ordered])
        frames = [stored] if rows is None else [stored, rows.lazy()]
        return latest_per_ts(pl.concat(frames, how="vertical")).collect()

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

    def _series_dirs(self, kind: Kind, provider: str, exchange: str, symbol: str) -> list[str]:
        return [
            f"kind={kind.value}",
            f"provider={encode_component(provider, field='provider')}",
            f"exchange={encode_component(exchange, field='exchange')}",
            f"symbol={encode_component(symbol, field='symbol')}",
        ]

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
        """The `key=value` subdirectories of `parent`: all of them, or the one `wanted` names."""
        if wanted is None:
            return [_child(parent, f"{key}={value}") for value in self._values(parent, key)]
        if not wanted:  # an empty id is never stored
            return []
        return [_child(parent, f"{key}={encode_component(wanted, field=key)}")]

    def _leaf_dirs(
        self, kind: Kind, series: dict[str, str | None], lo: int | None, hi: int | None
    ) -> list[str]:
        """Leaf partitions that may hold rows matching the filters; a filter prunes listings."""
        directories = [self._storage.path(f"kind={kind.value}")]
        for key, wanted in series.items():
            directories = [
                child for parent in directories for child in self._level(parent, key, wanted)
            ]
        first_year = from_ms(lo).year if lo is not None else None
        last_year = from_ms(hi - 1).year if hi is not None else None
        return [
            _child(series, f"year={year}")
            for series in directories
            for year in self._values(series, "year")
            if (first_year is None or _year_order(year) >= first_year)
            and (last_year is None or _year_order(year) <= last_year)
        ]


def _child(directory: str, name: str) -> str:
    return f"{directory}/{name}"


def _year_order(value: str) -> int:
    """A `year=` directory's year; a foreign directory gets -1, so it sorts after every year."""
    return int(value) if value.isdigit() else -1
