"""The Fear & Greed API described as data: host, path, limits, envelope and requests.

Nothing here does I/O. Facts from `shared/providers/feargreed.md`:

- `GET https://api.alternative.me/fng/`, no key. `limit` is the number of most recent days
  (`0`: the whole history, one small answer, no paging); `date_format` is never sent, so
  `timestamp` stays Unix seconds.
- The answer is `{"name", "data": [...], "metadata": {"error": null}}`; a failure may come as
  a message in `metadata.error` with HTTP 200, so every answer's envelope is checked.
- 60 requests a minute are allowed (measured over ten minutes): one a day is enough.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from cryptodata.core.errors import ProviderError, ResponseFormatError, excerpt
from cryptodata.core.request import Request, Response

__all__ = [
    "BASE_URL",
    "CALLS_PER_MINUTE",
    "EARLIEST",
    "PATH",
    "PROVIDER",
    "check_envelope",
    "format_error",
    "history_limit",
    "index_request",
]

PROVIDER: Final = "feargreed"
BASE_URL: Final = "https://api.alternative.me"
PATH: Final = "/fng/"
CALLS_PER_MINUTE: Final = 60
EARLIEST: Final = datetime(2018, 2, 1, tzinfo=UTC)
"""The index's first day."""

_DAY: Final = timedelta(days=1)
_FULL_HISTORY: Final = 0


def history_limit(start: datetime, now: datetime) -> int:
    """The `limit` that reaches back to `start` from `now`: `0` (all) from the first day on.

    The newest `limit` entries reach at least `limit` days back, further where days are
    missing; one day more than the count of day starts covers a value stamped ahead of `now`.

    Examples:
        >>> history_limit(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 3, 12, tzinfo=UTC))
        4
        >>> history_limit(EARLIEST, datetime(2024, 1, 3, tzinfo=UTC))
        0
    """
    if start <= EARLIEST:
        return _FULL_HISTORY
    days = (now.date() - start.date()) // _DAY
    return max(days, 0) + 2


def index_request(limit: int) -> Request:
    """The request of the newest `limit` days (`0`: the whole history)."""
    return Request(
        PATH, (("limit", str(limit)), ("format", "json")), label=PATH, check=check_envelope
    )


class _Metadata(msgspec.Struct):
    error: object = None


class _Envelope(msgspec.Struct):
    metadata: _Metadata | None = None


_ENVELOPE: Final = msgspec.json.Decoder(_Envelope)


def check_envelope(response: Response) -> None:
    """Raise for a `metadata.error` message in a 2xx answer.

    Raises:
        ProviderError: For a non-empty `metadata.error` (its message, the status of the
            answer); not retried, as the same request would get the same answer.
        ResponseFormatError: For a body that is no JSON object.
    """
    try:
        envelope = _ENVELOPE.decode(response.body)
    except msgspec.DecodeError:
        raise format_error(response, "the answer is no JSON object") from None
    error = envelope.metadata.error if envelope.metadata is not None else None
    if error:
        raise response.error(ProviderError, f"metadata.error says {error!s}")


def format_error(response: Response, message: str) -> ResponseFormatError:
    """A `ResponseFormatError` about `response`."""
    return ResponseFormatError(
        message, provider=response.provider, endpoint=response.label, body=excerpt(response.body)
    )
