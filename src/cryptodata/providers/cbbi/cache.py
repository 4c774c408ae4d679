"""The last download of the data file and its validators, so that a repeat costs a `304`.

The file is ~1.4 MB and changes a few times a day. After a download the body is kept with
its `ETag` and `Last-Modified`; the next request sends them back (`If-None-Match`,
`If-Modified-Since`) and a `304 Not Modified`, which has no body, is answered with the body
kept. The copy lives in the client (memory) and, given a directory, in one file there, so a
new process starts from it too: `latest-<digest>.msgpack`, the digest taken over the file's
URL (a copy of another host's file is never sent validators it did not give).

A missing, unreadable or malformed file is ignored (logged) and the file downloaded again.
Files are written to a temp file in the same directory, then renamed over the old one, so a
reader in another process never sees half a file; failing to write only costs the next
process a full download: it is logged, never raised.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Final

import attrs
import msgspec

from cryptodata.core._files import write_atomically
from cryptodata.core.errors import ProviderError
from cryptodata.core.request import Response

from .endpoints import NOT_MODIFIED

__all__ = ["Download", "FileCache"]

logger = logging.getLogger("cryptodata.cbbi")

_FORMAT: Final = 1
"""The file layout's version: a file of another one is ignored."""


@attrs.frozen
class Download:
    """The body of one download and the validators it came with.

    Attributes:
        body: The file, as sent.
        etag: Its `ETag`, or `None`.
        last_modified: Its `Last-Modified`, or `None`.
    """

    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    etag: str | None = None
    last_modified: str | None = None

    def conditions(self) -> tuple[tuple[str, str], ...]:
        """The headers asking for the file only if it changed since this download."""
        found = []
        if self.etag:
            found.append(("If-None-Match", self.etag))
        if self.last_modified:
            found.append(("If-Modified-Since", self.last_modified))
        return tuple(found)


class _CacheFile(msgspec.Struct):
    format: int
    url: str
    body: bytes
    etag: str | None = None
    last_modified: str | None = None


_DECODER: Final = msgspec.msgpack.Decoder(_CacheFile)


class FileCache:
    """The data file's last download: in memory, and on disk when given a directory.

    Args:
        url: The file's URL (the cache file is named after it).
        directory: Where the copy is kept across processes; memory only when `None`.
    """

    def __init__(self, url: str, directory: str | os.PathLike[str] | None = None) -> None:
        self._url = url
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]
        self.path = None if directory is None else Path(directory) / f"latest-{digest}.msgpack"
        self._last: Download | None = None
        self._loaded = False

    @property
    def last(self) -> Download | None:
        """The last download (read from the directory the first time it is asked), if any."""
        if not self._loaded:
            self._loaded = True
            self._last = self._read()
        return self._last

    def conditions(self) -> tuple[tuple[str, str], ...]:
        """The conditional headers of the next request: none before a first download."""
        last = self.last
        return () if last is None else last.conditions()

    def body(self, response: Response) -> bytes:
        """The file an answer means: its body, or the kept one for a `304`, which it keeps.

        Raises:
            ProviderError: For a `304` when no download is kept (a server that answers one
                unasked).
        """
        if response.status == NOT_MODIFIED:
            if self.last is None:
                raise response.error(ProviderError, "304 Not Modified, but no copy is kept")
            return self.last.body
        download = Download(
            response.body,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )
        self._last, self._loaded = download, True
        self._write(download)
        return download.body

    def _read(self) -> Download | None:
        if self.path is None:
            return None
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("cannot read the CBBI cache %s: %s", self.path, exc)
            return None
        try:
            cached = _DECODER.decode(raw)
        except msgspec.DecodeError as exc:
            logger.warning("ignoring the unreadable CBBI cache %s: %s", self.path, exc)
            return None
        if cached.format != _FORMAT or cached.url != self._url:
            logger.warning("ignoring the CBBI cache %s: another format or URL", self.path)
            return None
        return Download(cached.body, cached.etag, cached.last_modified)

    def _write(self, download: Download) -> None:
        if self.path is None or not download.conditions():
            # Without a validator the copy could never be asked for conditionally.
            return
        cached = _CacheFile(
            _FORMAT, self._url, download.body, download.etag, download.last_modified
        )
        try:
            write_atomically(self.path, msgspec.msgpack.encode(cached))
        except OSError as exc:
            logger.warning("cannot write the CBBI cache %s: %s", self.path, exc)

    def __repr__(self) -> str:
        where = "memory" if self.path is None else repr(str(self.path))
        return f"FileCache({where})"
