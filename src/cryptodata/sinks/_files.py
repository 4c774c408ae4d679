"""Helpers shared by the file sinks: rows to store, safe path components, atomic writes, storage.

Directory names are built from the values of a series' key (provider, exchange, symbol ids), which may hold any character
(`BTC/USDT:USDT`, `BTCUSDT_PERP.A`). `encode_component` percent-encodes them the way Hive and
Spark escape partition values, so a name can neither climb out of the root (`..`), nest (`/`)
nor hide (a leading `.`), and decodes back exactly.

Every whole-file write goes through a temp name that is hidden (leading `.`) and does not end
in `.parquet` or `.jsonl`, so neither our readers nor a reader's glob (`**/*.parquet`) ever
match a half-written file; the temp is fsync'ed, then renamed over the final name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, Protocol
from urllib.parse import quote

import polars as pl

from cryptodata.core.errors import ValidationError

__all__ = [
    "FsspecStorage",
    "LocalStorage",
    "Storage",
    "encode_component",
    "fsync_dir",
    "is_temp",
    "latest_per_ts",
    "local_root",
    "make_dirs",
    "open_storage",
    "replace_file",
    "split_series",
    "temp_name",
]

TEMP_PREFIX = ".tmp-"
_TEMP_SUFFIX = ".inprogress"

WriteTarget = str | IO[bytes]
"""What a writer callback receives: a local path, or an open binary file on object storage."""


def split_series(
    frame: pl.DataFrame, columns: Sequence[str], bucket: pl.Expr
) -> list[tuple[tuple[str, ...], Any, pl.DataFrame]]:
    """Split rows by series (the values of `columns`) and time bucket; one row per `ts` each.

    Within a piece the key is `ts` alone, so duplicates (last one wins) are found on one
    integer column instead of the whole key, and skipped entirely for the usual sorted,
    unique input.

    Returns:
        `(series values, bucket value, rows)` per piece, in first-seen order, each piece
        sorted by `ts`.
    """
    groups = frame.with_columns(_bucket=bucket).partition_by(
        [*columns, "_bucket"], as_dict=True, maintain_order=True
    )
    pieces = []
    for values, group in groups.items():
        rows = group.drop("_bucket")
        ts = rows.get_column("ts")
        if not (ts.is_sorted() and ts.n_unique() == rows.height):
            rows = latest_per_ts(rows.lazy()).collect()
        pieces.append((tuple(str(value) for value in values[:-1]), values[-1], rows))
    return pieces


def latest_per_ts(rows: pl.LazyFrame) -> pl.LazyFrame:
    """One series' rows sorted by `ts`, keeping the last row given for each `ts`.

    A stable sort then "keep a row unless the next one has the same ts": several times faster
    than `unique(keep="last", maintain_order=True)`, which hashes every row.
    """
    return rows.sort("ts", maintain_order=True).filter(
        pl.col("ts").shift(-1).ne_missing(pl.col("ts"))
    )


def encode_component(value: str, *, field: str) -> str:
    """Percent-encode an id into one safe path component, reversibly.

    Letters, digits and `-_.~` are kept; every other character becomes `%XX` (UTF-8 bytes,
    upper-case hex), and so does a leading `.`, so `.`, `..` and hidden names cannot occur.
    `urllib.parse.unquote` gives the id back.

    Raises:
        ValidationError: If `value` is empty (it would name no directory).

    Examples:
        >>> encode_component("BTC/USDT:USDT", field="symbol")
        'BTC%2FUSDT%3AUSDT'
        >>> encode_component("BTCUSDT_PERP.A", field="symbol")
        'BTCUSDT_PERP.A'
        >>> encode_component("..", field="symbol")
        '%2E.'
    """
    if not value:
        raise ValidationError(f"{field} must be a non-empty string to be stored")
    encoded = quote(value, safe="")
    return "%2E" + encoded[1:] if encoded.startswith(".") else encoded


def temp_name(final_name: str) -> str:
    """A unique hidden temp name for `final_name` that no `*.parquet` / `*.jsonl` glob matches."""
    return f"{TEMP_PREFIX}{uuid.uuid4().hex}-{final_name}{_TEMP_SUFFIX}"


def is_temp(name: str) -> bool:
    """Whether a directory entry is a temp file left by an interrupted write."""
    return name.startswith(TEMP_PREFIX)


def _scheme(root: str | os.PathLike[str]) -> tuple[str | None, str]:
    """`(scheme, rest)` of a URL, `(None, path)` for a plain path."""
    text = os.fspath(root)
    scheme, sep, rest = text.partition("://")
    return (scheme, rest) if sep else (None, text)


def local_root(root: str | os.PathLike[str], *, sink: str) -> str:
    """The absolute local directory a sink root names; `file://` URLs are accepted.

    Absolute, so a later `os.chdir` does not move the store.

    Raises:
        ValidationError: For a URL with another scheme (this sink writes local files only).
    """
    scheme, rest = _scheme(root)
    if scheme not in (None, "file"):
        raise ValidationError(
            f"{sink} writes local files; {os.fspath(root)!r} is a {scheme}:// URL"
        )
    return os.path.abspath(rest)


def fsync_dir(path: str) -> None:
    """Make a rename or a new entry in `path` durable (POSIX needs the directory fsync'ed)."""
    if os.name == "nt":  # Windows cannot open a directory; its renames are journaled anyway.
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: str) -> None:
    """Create a directory and its missing parents, fsyncing each parent that gained an entry.

    Without those fsyncs a file fsync'ed below a new directory could lose its path on power
    loss, even though its bytes are on disk.
    """
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path) or "."
    if parent != path:
        make_dirs(parent)
    try:
        os.mkdir(path)
    except FileExistsError:  # created meanwhile by another writer: nothing to make durable
        return
    fsync_dir(parent)


def replace_file(path: str, write: Callable[[str], None]) -> None:
    """Write a local file atomically: `write(temp)`, fsync, rename over `path`, fsync the dir.

    A crash at any point leaves either the old file or the new one under `path`, never a mix;
    a leftover temp is hidden from readers and removed by the sink's next write there.
    """
    directory = os.path.dirname(path) or "."
    temp = os.path.join(directory, temp_name(os.path.basename(path)))
    try:
        write(temp)
        fd = os.open(temp, os.O_RDWR)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        # Best effort: an error (or KeyboardInterrupt) must not leave the temp behind.
        if os.path.exists(temp):
            os.remove(temp)
        raise
    fsync_dir(directory)


class Storage(Protocol):
    """The few file operations the Parquet sink needs, on a local disk or through fsspec."""

    def path(self, *parts: str) -> str:
        """The path of `parts` below the root, `/`-separated."""
        ...

    def listdir(self, path: str) -> list[str]:
        """Names of the entries of a directory; empty when it does not exist."""
        ...

    def write_atomic(self, path: str, write: Callable[[WriteTarget], None]) -> None:
        """Write a file through a temp name and rename it to `path`."""
        ...

    def remove(self, path: str) -> None:
        """Delete a file; a file that is already gone is fine."""
        ...

    def read_bytes(self, path: str) -> bytes | None:
        """A small file's content, or `None` when it does not exist."""
        ...

    def isdir(self, path: str) -> bool:
        """Whether `path` is a directory."""
        ...

    def move(self, source: str, target: str) -> None:
        """Rename a file or directory tree; the target's parent is created."""
        ...

    def remove_tree(self, path: str) -> None:
        """Delete a directory and everything below it; a missing one is fine."""
        ...

    def read_parquet(self, paths: list[str]) -> pl.LazyFrame:
        """The rows of some Parquet files, stacked in the order given."""
        ...


class LocalStorage:
    """Files on the local disk, with fsync'ed renames.

    Examples:
        >>> LocalStorage("data").path("kind=ohlcv", "provider=coinalyze")
        'data/kind=ohlcv/provider=coinalyze'
    """

    def __init__(self, root: str) -> None:
        self.root = root

    def path(self, *parts: str) -> str:
        return "/".join((self.root.rstrip("/"), *parts))

    def listdir(self, path: str) -> list[str]:
        try:
            return os.listdir(path)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def write_atomic(self, path: str, write: Callable[[WriteTarget], None]) -> None:
        make_dirs(os.path.dirname(path))
        replace_file(path, write)

    def remove(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)

    def read_bytes(self, path: str) -> bytes | None:
        try:
            with open(path, "rb") as file:
                return file.read()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def isdir(self, path: str) -> bool:
        return os.path.isdir(path)

    def move(self, source: str, target: str) -> None:
        make_dirs(os.path.dirname(target))
        os.replace(source, target)
        fsync_dir(os.path.dirname(target))

    def remove_tree(self, path: str) -> None:
        shutil.rmtree(path, ignore_errors=True)

    def read_parquet(self, paths: list[str]) -> pl.LazyFrame:
        # One scan over every file: polars reads them in parallel and pushes filters down.
        # `glob=False`: a root path may hold `[` or `*`, which are not patterns here.
        return pl.scan_parquet(paths, glob=False, hive_partitioning=False)


class FsspecStorage:
    """Files on any fsspec filesystem (`s3://`, `gs://`, `memory://`, ...).

    Renames are the filesystem's `mv` (on object stores a server-side copy then delete), so
    readers still never see a partial object.
    """

    def __init__(self, fs: Any, root: str) -> None:
        self.fs = fs
        self.root = root

    def path(self, *parts: str) -> str:
        return "/".join((self.root.rstrip("/"), *parts))

    def listdir(self, path: str) -> list[str]:
        try:
            entries = self.fs.ls(path, detail=False)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [str(entry).rstrip("/").rsplit("/", 1)[-1] for entry in entries]

    def write_atomic(self, path: str, write: Callable[[WriteTarget], None]) -> None:
        directory, _, name = path.rpartition("/")
        temp = f"{directory}/{temp_name(name)}"
        self.fs.makedirs(directory, exist_ok=True)
        try:
            with self.fs.open(temp, "wb") as file:
                write(file)
            self.fs.mv(temp, path)
        except BaseException:
            if self.fs.exists(temp):
                self.fs.rm(temp)
            raise

    def remove(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(path)

    def read_bytes(self, path: str) -> bytes | None:
        try:
            data: bytes = self.fs.cat_file(path)
        except FileNotFoundError:
            return None
        return data

    def isdir(self, path: str) -> bool:
        return bool(self.fs.isdir(path))

    def move(self, source: str, target: str) -> None:
        self.fs.makedirs(target.rpartition("/")[0], exist_ok=True)
        self.fs.mv(source, target, recursive=True)

    def remove_tree(self, path: str) -> None:
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)

    def read_parquet(self, paths: list[str]) -> pl.LazyFrame:
        frames = []
        for path in paths:
            with self.fs.open(path, "rb") as file:
                frames.append(pl.read_parquet(file))
        return pl.concat(frames, how="vertical").lazy()


def open_storage(
    root: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
) -> Storage:
    """Storage for a local path, a `file://` URL or any other fsspec URL.

    Raises:
        ValidationError: For a non-local URL when fsspec is not installed (extra `fsspec`).
    """
    scheme, rest = _scheme(root)
    if scheme in (None, "file"):
        return LocalStorage(os.path.abspath(rest))
    text = os.fspath(root)
    try:
        import fsspec  # type: ignore[import-untyped]  # optional, loaded only for URLs
    except ImportError:
        raise ValidationError(
            f"{text!r} needs fsspec; install the extra: pip install 'cryptodata[fsspec]'"
        ) from None
    fs, path = fsspec.core.url_to_fs(text, **dict(storage_options or {}))
    return FsspecStorage(fs, str(path))
