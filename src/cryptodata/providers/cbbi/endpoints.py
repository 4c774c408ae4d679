"""The CBBI data file described as data: host, path, headers, limits and the request.

Nothing here does I/O. Facts from `shared/providers/cbbi.md`:

- `GET https://colintalkscrypto.com/cbbi/data/latest.json`: one static JSON file (~1.4 MB)
  holding every series, no key, no parameters; updated a few times a day.
- The CDN may refuse library User-Agents: a browser-like one is sent (the official code's
  fallback fetch sends Firefox's), with `Accept: application/json`.
- The file is asked for conditionally (`If-None-Match` / `If-Modified-Since` from the last
  download's `ETag` / `Last-Modified`): a `304 Not Modified` carries no body, and the last
  body is read again (`cache.py`).
- Answers take 3-4 s: the timeout is generous.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from cryptodata.core.errors import ResponseFormatError, excerpt
from cryptodata.core.request import Request, Response

__all__ = [
    "BASE_URL",
    "CALLS_PER_MINUTE",
    "EARLIEST",
    "HEADERS",
    "NOT_MODIFIED",
    "PATH",
    "PROVIDER",
    "file_request",
    "format_error",
]

PROVIDER: Final = "cbbi"
BASE_URL: Final = "https://colintalkscrypto.com"
PATH: Final = "/cbbi/data/latest.json"
HEADERS: Final = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Accept": "application/json",
}
"""Sent on every request: a browser's User-Agent, as the official fallback fetch sends."""
CALLS_PER_MINUTE: Final = 10
"""No limit is documented: a static file read a few times a day needs few calls."""
EARLIEST: Final = datetime(2011, 6, 27, tzinfo=UTC)
"""The first day of the series."""
NOT_MODIFIED: Final = 304


def file_request(conditions: Sequence[tuple[str, str]] = ()) -> Request:
    """The request of the data file, with the conditional headers of the last download."""
    return Request(PATH, headers=tuple(conditions), label=PATH, accept=(NOT_MODIFIED,))


def format_error(response: Response, message: str) -> ResponseFormatError:
    """A `ResponseFormatError` about `response`."""
    return ResponseFormatError(
        message, provider=response.provider, endpoint=response.label, body=excerpt(response.body)
    )
