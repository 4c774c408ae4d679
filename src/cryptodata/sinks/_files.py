"""Helpers shared by the file sinks: rows to store, safe path components, atomic writes, storage.

Directory names are built from the values of a series' key (provider, exchange, symbol ids), which may hold any character
(`BTC/USDT:USDT`, `BTCUSDT_PERP.A`). `encode_component` percent-encodes them the way Hive and
Spark escape partition values, so a name can neither climb out of the root (`..`), nest (`/`)
nor hide (a leading `.`), and decodes back exactly.

The file system's own errors (`OSError`: a root that is not writable, a full disk) and damaged
stored files leave the sinks as a `SinkError` naming the path and what to do
(`storage_errors`).

Every whole-file write goes through a temp name that is hidden (leading `.`) and does not end
in `.parquet` or `.jsonl`, so neither our readers nor a reader's glob (`**/*.parquet`) ever
match a half-written file; the temp is fsync'ed, then renamed over the final name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any, Final, Protocol, TypeVar
from urllib.parse import quote

import polars as pl

from cryptodata.core.errors import SinkError, ValidationError
from cryptodata.core.table import latest_per_key

__all__ = [
    "DamagedFileError",
    "FsspecStorage",
    "LocalStorage",
    "Storage",
    "check_root",
    "encode_component",
    "fsync_dir",
    "is_temp",
    "latest_in_series",
    "local_root",
    "make_dirs",
    "open_storage",
    "replace_file",
    "split_series",
    "storage_errors",
    "temp_name",
]

TEMP_PREFIX = ".tmp-"
_TEMP_SUFFIX = ".inprogress"

_Rows = TypeVar("_Rows", pl.DataFrame, pl.LazyFrame)

WriteTarget = str | IO[bytes]
"""What a writer callback receives: a local path, or an open binary file on object storage."""

_NOT_WRITABLE = "check that this process may create and write files there"
_FULL = "free some space, then write the table again (re-writing rows is harmless)"
_OS_HINTS: Final[dict[int, str]] = {
    errno.EACCES: _NOT_WRITABLE,
    errno.EPERM: _NOT_WRITABLE,
    errno.EROFS: "the file system is mounted read-only",
    errno.ENOSPC: _FULL,
    errno.ENOTDIR: "a file stands where a directory belongs; give the sink a directory as root",
    errno.EISDIR: "a directory stands where a file belongs; remove it",
    errno.ENAMETOOLONG: "the path is too long; choose a root with a shorter path",
}


class DamagedFileError(Exception):
    """A stored file holds something no sink wrote (raised inside a sink, turned into a
    `SinkError` by `storage_errors`)."""


@contextlib.contextmanager
def storage_errors(sink: str, doing: str) -> Iterator[None]:
    """Turn the file system's errors, and damaged files, into a `SinkError`.

    The original error stays the `__cause__`: a path holds no secret.

    Args:
        sink: The sink's `repr`.
        doing: What failed, completing "cannot ...", e.g. `"write ohlcv rows"`.

    Examples:
        >>> with storage_errors("JsonlSink('/data')", "read ohlcv rows"):
        ...     raise PermissionError(errno.EACCES, "Permission denied", "/data/ohlcv")
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.SinkError: JsonlSink('/data'): cannot read ohlcv rows: Permission denied: '/data/ohlcv'; check that this process may create and write files there
    """
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        if exc.filename is not None:
            reason += f": {os.fsdecode(exc.filename)!r}"
        hint = _OS_HINTS.get(exc.errno or 0)
        raise SinkError(
            f"cannot {doing}: {reason}" + (f"; {hint}" if hint else ""), sink=sink
        ) from exc
    except (DamagedFileError, pl.exceptions.ComputeError) as exc:
        # Polars reports a truncated or foreign Parquet file as a ComputeError.
        raise SinkError(
            f"cannot {doing}: a stored file is damaged ({_first_line(exc)}); restore it from "
            "a copy, or delete it and write its rows again",
            sink=sink,
        ) from exc


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def split_series(
    frame: pl.DataFrame,
    columns: Sequence[str],
    bucket: pl.Expr,
    *,
    order: Sequence[str] = ("ts",),
    include_key: bool = True,
) -> list[tuple[tuple[str, ...], Any, pl.DataFrame]]:
    """Split rows by series (the values of `columns`) and time bucket; one row per `order` each.

    Within a piece the key is the kind's `time_key` (`ts` alone for all but trades and book
    levels), so duplicates (last one wins) are found on one integer column instead of the
    whole key, and `latest_per_key` skips them entirely for the usual sorted, unique input.

    Args:
        frame: The rows, conformed to their kind's schema.
        columns: The series-key columns.
        bucket: The time bucket of a row (a UTC year, a month), as an expression on the rows.
        order: The key of a row within its series (`time_key(kind)`).
        include_key: Whether the pieces keep the `columns`; a sink that names series by
            directory leaves them out, which spares copying them into every piece.

    Returns:
        `(series values, bucket value, rows)` per piece, in first-seen order, each piece
        sorted by `ts`.
    """
    by = [*columns, "_bucket"]
    marked = frame.with_columns(_bucket=bucket, _row=pl.int_range(pl.len(), dtype=pl.UInt64))
    # Each piece is named by the key of its first row. `as_dict=True` with
    # `include_key=False` would name them by a second hashing pass over every row's key
    # (`unique`), which costs about as much as the partitioning itself.
    keys = marked.select(by)
    pieces = []
    for group in marked.partition_by(by, maintain_order=True, include_key=include_key):
        *values, slot = keys.row(group.get_column("_row")[0])
        rows = latest_in_series(group.drop("_row", "_bucket", strict=False), order)
        pieces.append((tuple(str(value) for value in values), slot, rows))
    return pieces


def latest_in_series(rows: _Rows, order: Sequence[str] = ("ts",)) -> _Rows:
    """One series' rows sorted by `order` (its kind's `time_key`), the last given of each kept."""
    return latest_per_key(rows, order)


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


def check_root(root: object, *, sink: str) -> str:
    """A sink's root as text, if it can name a directory or URL.

    Raises:
        ValidationError: For anything but a non-empty `str` or `os.PathLike` of text, or a
            path holding NUL.

    Examples:
        >>> check_root(42, sink="JsonlSink")
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.ValidationError: JsonlSink root must be a directory path or URL (str or os.PathLike), not int
    """
    text = os.fspath(root) if isinstance(root, os.PathLike) else root
    if not isinstance(text, str):
        raise ValidationError(
            f"{sink} root must be a directory path or URL (str or os.PathLike), "
            f"not {type(text).__name__}"
        )
    if not text.strip():
        raise ValidationError(f"{sink} root must name a directory, not {text!r}; use '.' for here")
    if "\x00" in text:
        raise ValidationError(f"{sink} root {text!r} holds a NUL character, which no path can")
    return text


def _scheme(root: str | os.PathLike[str]) -> tuple[str | None, str]:
    """`(scheme, rest)` of a URL, `(None, path)` for a plain path."""
    text = os.fspath(root)
    scheme, sep, rest = text.partition("://")
    return (scheme, rest) if sep else (None, text)


def local_root(root: str | os.PathLike[str], *, sink: str) -> str:
    """The absolute local directory a sink root names; `file://` URLs are accepted.

    Absolute, so a later `os.chdir` does not move the store.

    Raises:
        ValidationError: For a root `check_root` refuses, or a URL with another scheme (this
            sink writes local files only).
    """
    scheme, rest = _scheme(check_root(root, sink=sink))
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
        ValidationError: For a root `check_root` refuses, `storage_options` that are not a
            mapping, or a non-local URL when fsspec (extra `fsspec`) or the filesystem's own
            package (`s3fs`, `gcsfs`, ...) is not installed, or fsspec knows no such scheme.
    """
    text = check_root(root, sink="ParquetSink")
    if storage_options is not None and not isinstance(storage_options, Mapping):
        raise ValidationError(
            "storage_options must be a mapping of fsspec filesystem arguments, "
            f"not {type(storage_options).__name__}"
        )
    scheme, rest = _scheme(text)
    if scheme in (None, "file"):
        return LocalStorage(os.path.abspath(rest))
    try:
        import fsspec  # type: ignore[import-untyped]  # optional, loaded only for URLs
    except ImportError:
        raise ValidationError(
            f"{text!r} needs fsspec; install the extra: pip install 'cryptodata[fsspec]'"
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(text, **dict(storage_options or {}))
    except (ImportError, ValueError) as exc:
        # "Install s3fs to access S3", "Protocol not known: foo": fsspec says what to do.
        raise ValidationError(f"{text!r} cannot be opened: {exc}") from None
    return FsspecStorage(fs, str(path))
