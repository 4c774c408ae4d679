"""`JsonlSink`: series stored as JSON Lines files, one file per series and UTC month (or day).

Layout: one directory level per series-key column of the kind, in key order, each value
percent-encoded (see docs/sinks/jsonl.md):

```
<root>/_sink.json              {"format": "cryptodata-jsonl", "split": "month", "layout": 2}
<root>/ohlcv/coinalyze/binance/BTCUSDT_PERP.A/1h/base/2025-06.jsonl
<root>/funding_rate/coinalyze/binance/BTCUSDT_PERP.A/1h/2025-06.jsonl
```

Each line is one row with every column of the kind's schema, `ts` as ISO-8601 UTC with
milliseconds (`"2025-06-01T00:00:00.000Z"`). Lines in a file are sorted by `ts` and unique.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import MAXYEAR, UTC, datetime, timedelta
from typing import IO, Annotated, Literal
from urllib.parse import unquote

import attrs
import msgspec
import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind, primary_key, schema, series_key, time_key
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, from_ms, to_ms, to_utc
from cryptodata.sinks._files import (
    DamagedFileError,
    LocalStorage,
    encode_component,
    fsync_dir,
    is_temp,
    latest_in_series,
    local_root,
    make_dirs,
    replace_file,
    split_series,
    storage_errors,
)
from cryptodata.sinks._migrate import STAGING, V1_KINDS, migrate, roll_forward
from cryptodata.sinks.base import (
    SinkBase,
    check_series,
    check_storable,
    check_where,
    rows_to_store,
    select_rows,
)
from cryptodata.sinks.layout import LayoutError

__all__ = ["LAYOUT", "JsonlSink", "Split"]

Split = Literal["month", "day"]
"""How a series is cut into files: one file per UTC month or per UTC day."""

_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.3fZ"
_FILE = {"month": re.compile(r"\d{4}-\d{2}\.jsonl"), "day": re.compile(r"\d{4}-\d{2}-\d{2}\.jsonl")}
_TRUNCATE = {"month": "1mo", "day": "1d"}
_MARKER = "_sink.json"
LAYOUT = 2
"""The layout version this release writes: 2 added `interval` and `unit` to series paths."""
_BLOCK = 64 * 1024


class _Stamp(msgspec.Struct):
    """The one field read from a line to resume: msgspec parses RFC 3339 to an aware datetime."""

    ts: Annotated[datetime, msgspec.Meta(tz=True)]


_STAMP = msgspec.json.Decoder(_Stamp)


@attrs.frozen
class _Tail:
    """Where a file's good lines end, the last one's `ts` (ms), and whether a torn line follows."""

    good: int
    last: int | None
    torn: bool


class JsonlSink(SinkBase):
    """Store series as JSON Lines files on the local disk, one file per series and UTC month/day.

    Writes are upserts on the kind's primary key. Rows newer than a file's last
    line are appended with one `write`, `flush` and `fsync` per file per batch, so a crash
    leaves at most one torn line at the end. Rows at or before a file's last `ts` go through
    compaction: the file is read, merged with the new rows (new values win) and replaced
    atomically (temp file, fsync, rename), so a file never holds two lines for one key.

    A torn last line (no trailing newline, or not valid JSON) is skipped on read, with a
    warning on the returned table, and cut off before the next append to that file.
    One process should write a root at a time; any number may read it.

    Args:
        root: The directory (or `file://` URL) holding the files.
        split: `"month"` (default) or `"day"`: the time span of one file. Compaction rewrites
            one file, so pick `"day"` for minute bars revised every minute. A root keeps the
            split it was first written with (recorded in `<root>/_sink.json`).
        migrate_interval: The interval the bars of a root written by cryptodata 0.1 (layout 1,
            no `interval` directories) were collected at, e.g. `"1h"`. Such a root is migrated
            in place on opening, crash-safely (see docs/sinks/jsonl.md); without it, one
            holding bar kinds is refused.

    Raises:
        ValidationError: For an unknown `split` or `migrate_interval`, a root that is not a
            non-empty path, a non-file URL, or a root written with another split.
        LayoutError: For a layout-1 root holding bars when `migrate_interval` is not given;
            nothing is changed then.
        SinkError: If the root cannot be read (a file where the directory belongs, no
            permission); the message names the path.

    Examples:
        >>> import tempfile
        >>> from cryptodata import Kind, Table
        >>> series = {"provider": "coinalyze", "exchange": "binance", "symbol": "BTCUSDT_PERP.A"}
        >>> frame = pl.DataFrame({**{k: [v] for k, v in series.items()}, "base": ["BTC"],
        ...     "ts": [datetime(2025, 6, 1)], "value": [0.0001], "period_hours": [8.0]})
        >>> with JsonlSink(tempfile.mkdtemp(), split="day") as sink:
        ...     sink.write(Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame))
        ...     sink.last_ts("funding_rate_snapshot", series)
        1
        datetime.datetime(2025, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        split: Split = "month",
        migrate_interval: str | None = None,
    ) -> None:
        if not isinstance(split, str) or split not in _FILE:
            raise ValidationError(f"split must be 'month' or 'day', not {split!r}")
        self._root = local_root(root, sink="JsonlSink")
        self._split: Split = split
        self._pattern = _FILE[split]
        interval = None if migrate_interval is None else Interval.parse(migrate_interval)
        with self._errors("open the root"):
            stored = self._open_marker(interval)
        if stored is not None and stored != split:
            raise ValidationError(
                f"{self._root} holds files split by {stored}; open it with split={stored!r}"
            )
        self._marked = stored is not None

    def write(self, table: Table) -> int:
        """Upsert the table's rows; returns how many distinct keys were written.

        Raises:
            ValidationError: For a kind sinks do not store, rows with a null or empty key, or
                a value no sink can store (see `Sink`). Nothing is written
                then.
            SinkError: If the file system fails (a full disk, no permission); some files may
                be written and others not, and writing the table again is harmless.
        """
        self._check_open()
        kind, frame = rows_to_store(table)
        with self._errors(f"write {kind.value} rows"):
            return self._write(kind, frame)

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        """The newest `ts` stored for one series, from the tail of its newest file.

        Args:
            kind: A storable kind.
            series: Exactly the kind's series-key columns and their values.

        Returns:
            An aware UTC `datetime`, or `None` when the series holds no rows.

        Raises:
            ValidationError: For a kind sinks do not store, a series missing a key column or
                naming another one, or an id no sink can store.
            SinkError: If a file cannot be read.
        """
        self._check_open()
        kind = check_storable(kind)
        values = tuple(check_series(kind, series).values())
        if not all(values):
            return None
        directory = self._series_dir(kind, values)
        with self._errors(f"read the last {kind.value} ts"):
            for name in sorted(self._files(directory), reverse=True):
                tail = _read_tail(os.path.join(directory, name))
                if tail.last is not None:
                    return from_ms(tail.last)
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
        `interval="1h"`); only the directories they name are listed, and only the files whose month (or day) meets `[start, end)` are read. A torn last line is
        skipped and reported in the table's `warnings`.

        Returns:
            A table with the kind's exact schema; empty (never `None`) when nothing matches.

        Raises:
            ValidationError: For a kind sinks do not store, a column outside its series key or
                an id no sink can store.
            SinkError: If a line before the last one is not valid JSON (the file was
                damaged by something other than an interrupted append), or a file cannot be
                read.
        """
        self._check_open()
        kind = check_storable(kind)
        wanted = check_where(kind, where)
        lo = to_utc(start, name="start") if start is not None else None
        hi = to_utc(end, name="end") if end is not None else None
        frames: list[pl.DataFrame] = []
        warnings: list[str] = []
        with self._errors(f"read {kind.value} rows"):
            for directory in self._series_dirs(kind, wanted):
                for name in self._files(directory):
                    first = self._bucket_start(name)
                    if (hi is not None and first >= hi) or (
                        lo is not None and self._next(first) <= lo
                    ):
                        continue
                    path = os.path.join(directory, name)
                    frame, torn = _read_file(path, kind)
                    frames.append(frame)
                    if torn:
                        warnings.append(f"skipped a torn last line in {path}")
        if not frames:
            return Table.empty(kind, warnings)
        query = select_rows(pl.concat(frames, how="vertical"), wanted, start=start, end=end)
        return Table.from_frame(kind, query.sort(primary_key(kind)).collect(), warnings)

    def __repr__(self) -> str:
        return f"JsonlSink({self._root!r}, split={self._split!r})"

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        """Every series of a kind holding at least one row, named by its series-key columns.

        Read from the directory tree and the tails of the files: a series whose files hold
        only a torn line holds no row.

        Returns:
            One dict per series, as `last_ts` takes it, sorted by its values.

        Raises:
            ValidationError: For a kind sinks do not store.
        """
        self._check_open()
        kind = check_storable(kind)
        columns = series_key(kind)
        top = os.path.join(self._root, kind.value)
        found = []
        with self._errors(f"list the {kind.value} series"):
            for directory in self._series_dirs(kind, {}):
                names = self._files(directory)
                if any(
                    _read_tail(os.path.join(directory, name)).last is not None for name in names
                ):
                    parts = os.path.relpath(directory, top).split(os.sep)
                    found.append(dict(zip(columns, map(unquote, parts), strict=True)))
        return sorted(found, key=lambda named: tuple(named.values()))

    def _errors(self, doing: str) -> AbstractContextManager[None]:
        return storage_errors(repr(self), doing)

    # -- writing ----------------------------------------------------------------------------

    def _write(self, kind: Kind, frame: pl.DataFrame) -> int:
        pieces = split_series(
            frame,
            series_key(kind),
            pl.col("ts").dt.truncate(_TRUNCATE[self._split]),
            order=time_key(kind),
        )
        if pieces and not self._marked:
            self._mark()
        cleaned: set[str] = set()
        for values, bucket, rows in pieces:
            directory = self._series_dir(kind, values)
            if directory not in cleaned:
                self._prepare_dir(directory)
                cleaned.add(directory)
            self._write_file(os.path.join(directory, self._file_name(bucket)), kind, rows)
        return sum(piece[-1].height for piece in pieces)

    def _write_file(self, path: str, kind: Kind, rows: pl.DataFrame) -> None:
        """Upsert sorted, unique rows of one series into one file."""
        tail = _read_tail(path) if os.path.exists(path) else None
        first = int(rows.get_column("ts").to_physical()[0])
        if tail is None or tail.last is None or first > tail.last:
            _append(path, _encode(rows), tail)
            return
        stored, _ = _read_file(path, kind)
        merged = latest_in_series(
            pl.concat([stored.lazy(), rows.lazy()], how="vertical"), time_key(kind)
        )
        data = _encode(merged.collect())

        def write(temp: str) -> None:
            with open(temp, "wb") as file:
                file.write(data)

        replace_file(path, write)

    def _prepare_dir(self, directory: str) -> None:
        """Create a series directory; remove temps a crashed compaction left there."""
        make_dirs(directory)
        for name in os.listdir(directory):
            if is_temp(name):
                os.remove(os.path.join(directory, name))

    def _open_marker(self, migrate_interval: Interval | None) -> Split | None:
        """The split the root was written with, after migrating an older layout in place."""
        stored = _read_marker(self._root)
        if stored is None:
            return None
        split = stored.get("split")
        if split not in _FILE:
            raise ValidationError(f"{self._root}/{_MARKER} is not a cryptodata JSONL marker")
        found: Split = "day" if split == "day" else "month"
        marker = self._marker_content(found)
        storage = LocalStorage(self._root)
        if stored.get("migrating_to") == LAYOUT:
            roll_forward(storage, marker_name=_MARKER, marker=marker)
        elif stored.get("layout", 1) == 1:
            self._migrate(storage, found, migrate_interval)
        elif stored.get("layout") != LAYOUT:
            raise LayoutError(self._root, stored.get("layout"), LAYOUT, f"jsonl:{self._root}")
        return found

    def _migrate(self, storage: LocalStorage, split: Split, interval: Interval | None) -> None:
        """Rewrite a layout-1 root in layout 2, in place (see `_migrate`)."""
        pattern = _FILE[split]
        files = [
            (Kind(name), path)
            for name in sorted(_listdir(self._root))
            if name in V1_KINDS
            for path in _files_below(os.path.join(self._root, name), depth=3, pattern=pattern)
        ]

        def read(kind: Kind, path: str) -> pl.DataFrame:
            # Layout-1 lines lack these fields; read as null, they are filled in by migrate.
            return _read_file(path, kind)[0].drop("interval", "period_hours", strict=False)

        migrate(
            storage,
            files=files,
            read=read,
            open_staging=lambda: JsonlSink(os.path.join(self._root, STAGING), split=split),
            marker_name=_MARKER,
            marker=self._marker_content(split),
            interval=interval,
            location=self._root,
            spec=f"jsonl:{self._root}",
        )

    @staticmethod
    def _marker_content(split: Split) -> dict[str, object]:
        return {"format": "cryptodata-jsonl", "split": split, "layout": LAYOUT}

    def _mark(self) -> None:
        """Record the split, so a later `JsonlSink` cannot mix month and day files."""
        make_dirs(self._root)
        marker = msgspec.json.encode(self._marker_content(self._split))

        def write(temp: str) -> None:
            with open(temp, "wb") as file:
                file.write(marker + b"\n")

        replace_file(os.path.join(self._root, _MARKER), write)
        self._marked = True

    # -- layout -----------------------------------------------------------------------------

    def _series_dir(self, kind: Kind, values: tuple[str, ...]) -> str:
        parts = (
            encode_component(value, field=column)
            for column, value in zip(series_key(kind), values, strict=True)
        )
        return os.path.join(self._root, kind.value, *parts)

    def _series_dirs(self, kind: Kind, wanted: Mapping[str, str]) -> list[str]:
        """Series directories that may hold rows matching the filters."""
        directories = [os.path.join(self._root, kind.value)]
        for column in series_key(kind):
            directories = [
                child
                for parent in directories
                for child in _level(parent, column, wanted.get(column))
            ]
        return [directory for directory in directories if os.path.isdir(directory)]

    def _files(self, directory: str) -> list[str]:
        return [name for name in _listdir(directory) if self._pattern.fullmatch(name)]

    def _file_name(self, bucket: datetime) -> str:
        # The year padded by hand: strftime's %Y gives "1", not "0001", on glibc.
        month = f"{bucket.year:04d}-{bucket.month:02d}"
        return f"{month}.jsonl" if self._split == "month" else f"{month}-{bucket.day:02d}.jsonl"

    def _bucket_start(self, name: str) -> datetime:
        fmt = "%Y-%m" if self._split == "month" else "%Y-%m-%d"
        return datetime.strptime(name.removesuffix(".jsonl"), fmt).replace(tzinfo=UTC)

    def _next(self, start: datetime) -> datetime:
        if (
            start.year == MAXYEAR
            and start.month == 12
            and (self._split == "month" or start.day == 31)
        ):
            return datetime.max.replace(tzinfo=UTC)  # the last file: nothing comes after it
        if self._split == "day":
            return start + timedelta(days=1)
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def _level(parent: str, field: str, wanted: str | None) -> list[str]:
    """Subdirectories of `parent`: all of them, or the one the id `wanted` names."""
    if wanted is None:
        children = (os.path.join(parent, name) for name in _listdir(parent) if not is_temp(name))
        return [child for child in children if os.path.isdir(child)]
    if not wanted:  # an empty id is never stored
        return []
    return [os.path.join(parent, encode_component(wanted, field=field))]


def _files_below(directory: str, depth: int, pattern: re.Pattern[str]) -> list[str]:
    """Data files `depth` directory levels below `directory`, in name order."""
    if depth == 0:
        return [
            os.path.join(directory, name)
            for name in sorted(_listdir(directory))
            if pattern.fullmatch(name)
        ]
    return [
        path
        for name in sorted(_listdir(directory))
        if not name.startswith(".")
        for path in _files_below(os.path.join(directory, name), depth - 1, pattern)
    ]


def _listdir(directory: str) -> list[str]:
    try:
        return os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _read_marker(root: str) -> dict[str, object] | None:
    """The root's `_sink.json`, or `None` when the root has none yet."""
    try:
        with open(os.path.join(root, _MARKER), "rb") as file:
            stored = msgspec.json.decode(file.read())
    except FileNotFoundError:
        return None
    except msgspec.DecodeError:
        stored = None
    if not isinstance(stored, dict):
        raise ValidationError(f"{root}/{_MARKER} is not a cryptodata JSONL marker")
    return stored


def _encode(rows: pl.DataFrame) -> bytes:
    """Rows as JSON Lines, encoded by polars in one pass; `ts` rendered as `...T...000Z`."""
    text = rows.with_columns(pl.col("ts").dt.strftime(_TS_FORMAT)).write_ndjson()
    return text.encode()


def _append(path: str, data: bytes, tail: _Tail | None) -> None:
    """Append whole lines with one write and one fsync, cutting a torn tail off first."""
    with open(path, "ab") as file:
        if tail is not None and tail.torn:
            file.truncate(tail.good)
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    if tail is None:
        fsync_dir(os.path.dirname(path))


def _line_ts(line: bytes) -> int | None:
    """The `ts` of one line in epoch ms, or `None` if the line is not a valid row."""
    try:
        return to_ms(_STAMP.decode(line).ts)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _rfind_newline(file: IO[bytes], end: int) -> int:
    """Offset of the last `\\n` before `end`, or -1; reads backwards a block at a time."""
    while end > 0:
        start = max(0, end - _BLOCK)
        file.seek(start)
        found = file.read(end - start).rfind(b"\n")
        if found >= 0:
            return start + found
        end = start
    return -1


def _last_line(file: IO[bytes], good: int) -> tuple[int, bytes] | None:
    """Offset and bytes (without `\\n`) of the last complete line in the first `good` bytes."""
    if good == 0:
        return None
    begin = _rfind_newline(file, good - 1) + 1
    file.seek(begin)
    return begin, file.read(good - 1 - begin)


def _read_tail(path: str) -> _Tail:
    """Find the last good line of a file by reading only its end."""
    with open(path, "rb") as file:
        return _tail(file, path)


def _tail(file: IO[bytes], path: str) -> _Tail:
    """Find the last good line of an open file.

    An interrupted append leaves a prefix of one batch: everything after the last newline is
    torn, and so is the last complete line if it does not parse (a crash can also leave a
    newline-terminated fragment on some filesystems). Only one such line can exist.

    Raises:
        DamagedFileError: If the line before a torn one does not parse either.
    """
    size = file.seek(0, os.SEEK_END)
    good = _rfind_newline(file, size) + 1
    torn = good < size
    line = _last_line(file, good)
    if line is None:
        return _Tail(good, None, torn)
    last = _line_ts(line[1])
    if last is None:
        good, torn = line[0], True
        before = _last_line(file, good)
        last = None if before is None else _line_ts(before[1])
        if before is not None and last is None:
            raise DamagedFileError(f"{path}: its last two lines are not valid rows")
    return _Tail(good, last, torn)


def _read_file(path: str, kind: Kind) -> tuple[pl.DataFrame, bool]:
    """The rows of one file and whether a torn last line was skipped."""
    with open(path, "rb") as file:
        tail = _tail(file, path)
        file.seek(0)
        data = file.read(tail.good)
    if not data:
        return pl.DataFrame(schema=schema(kind)), tail.torn
    columns = dict(schema(kind))
    columns["ts"] = pl.String()
    try:
        frame = pl.read_ndjson(data, schema=columns).with_columns(
            pl.col("ts").str.to_datetime(_TS_FORMAT, time_unit="ms", time_zone="UTC")
        )
    except pl.exceptions.PolarsError as error:
        raise DamagedFileError(f"{path} holds a line that is not a valid row: {error}") from None
    return frame, tail.torn
