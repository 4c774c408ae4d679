"""Request planning: time windows, symbol batches and cursor pages.

Windows and batches are planned in full before sending: computing a plan touches no network,
so tests and users can see the exact requests (and their cost) a query will make. Cursor
pagination cannot be known ahead (each answer names the next page), so
`CursorPaginator` is a pure rule — where the cursor
is, how it makes the next request — run as a flow by the transport.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import attrs

from .errors import ResponseFormatError, ValidationError
from .request import Request, Response, redact_known

__all__ = [
    "CursorPaginator",
    "HistoryStep",
    "Pages",
    "batched",
    "history_steps",
    "time_windows",
]

T = TypeVar("T")


def time_windows(
    start: datetime, end: datetime, step: timedelta
) -> list[tuple[datetime, datetime]]:
    """Split the half-open window `[start, end)` into consecutive windows of at most `step`.

    The windows are contiguous and non-overlapping, and together cover exactly `[start, end)`.

    Examples:
        >>> from datetime import UTC
        >>> w = time_windows(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 3, 12, tzinfo=UTC), timedelta(days=1))
        >>> [(a.day, b.day, b.hour) for a, b in w]
        [(1, 2, 0), (2, 3, 0), (3, 3, 12)]
    """
    if step <= timedelta(0):
        raise ValidationError(f"window step must be positive, got {step}")
    if start >= end:
        raise ValidationError(f"start ({start.isoformat()}) must be before end ({end.isoformat()})")
    windows = []
    lo = start
    while lo < end:
        # `lo + step` would overflow past year 9999 when the last window is short.
        hi = end if end - lo <= step else lo + step
        windows.append((lo, hi))
        lo = hi
    return windows


def batched(items: Iterable[T], size: int) -> list[list[T]]:
    """Split `items` into lists of at most `size`, in order.

    Examples:
        >>> batched("abcde", 2)
        [['a', 'b'], ['c', 'd'], ['e']]
    """
    if size < 1:
        raise ValidationError(f"batch size must be at least 1, got {size}")
    pending: Sequence[T] = list(items)
    return [list(pending[i : i + size]) for i in range(0, len(pending), size)]


@attrs.frozen
class HistoryStep:
    """One request's worth of a history query: a symbol batch over one window `[start, end)`.

    Pipelines run a plan step by step, writing each result before the next request, so a
    crash loses at most one step.
    """

    symbols: tuple[str, ...]
    start: datetime
    end: datetime

    @property
    def cost(self) -> int:
        """Rate-limit cost when each symbol counts as one call."""
        return len(self.symbols)


def history_steps(
    symbols: Sequence[str], start: datetime, end: datetime, *, window: timedelta, batch_size: int
) -> list[HistoryStep]:
    """Split a query into steps: batches of `batch_size` symbols, each over consecutive windows.

    Each batch's windows come in chronological order, so a series written step by step never
    has a gap before its newest stored bar.

    Examples:
        >>> from datetime import UTC
        >>> steps = history_steps(["A.1", "B.1", "C.1"], datetime(2025, 1, 1, tzinfo=UTC),
        ...                       datetime(2025, 1, 3, tzinfo=UTC), window=timedelta(days=1), batch_size=2)
        >>> [(s.symbols, s.start.day) for s in steps]
        [(('A.1', 'B.1'), 1), (('A.1', 'B.1'), 2), (('C.1',), 1), (('C.1',), 2)]
    """
    windows = time_windows(start, end, window)
    return [
        HistoryStep(tuple(batch), lo, hi)
        for batch in batched(symbols, batch_size)
        for lo, hi in windows
    ]


_LINK_NEXT = re.compile(r"<([^>]*)>\s*;[^,]*\brel=\"?next\"?", re.IGNORECASE)


@attrs.frozen
class Pages:
    """The answers of a paginated query, in page order.

    Attributes:
        responses: One response per page.
        truncated: Whether `max_pages` stopped the walk while a next page was announced.
    """

    responses: tuple[Response, ...]
    truncated: bool = False


def _max_pages(instance: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or value < 1):
        raise ValidationError(f"max_pages must be at least 1 or None, got {value!r}")


@attrs.frozen
class CursorPaginator:
    """Follows a next-page cursor (a token or a URL) that each answer carries.

    Exactly one of `body_field` and `header` says where the cursor is. The walk stops on an
    answer without one (absent, `null` or empty), or after `max_pages` pages; an answer that
    repeats an earlier cursor raises instead of looping forever.

    Attributes:
        body_field: Dotted path of the cursor in the JSON body, e.g. `"next_page_token"` or
            `"meta.next"`.
        header: Response header holding the cursor, e.g. `"X-Next-Page"`; for `"Link"` the
            URL of its `rel="next"` entry.
        param: Query parameter that carries the cursor in the next request (it replaces the
            previous value). `None`: the cursor is the next page's URL, absolute (on one of the
            transport's hosts) or a path, and replaces the request's path and query.
        max_pages: Most pages to fetch (`None`: no limit).

    Raises:
        ValidationError: Unless exactly one of `body_field` and `header` is given, or for
            `max_pages` below 1.

    Examples:
        >>> by_token = CursorPaginator(body_field="next_page_token", param="page_token")
        >>> first = Request("/timeseries", (("page_token", "a"), ("limit", "2")))
        >>> by_token.next_request(first, "b").params
        (('limit', '2'), ('page_token', 'b'))
        >>> by_token.cursor(Response(200, body=b'{"data": [], "next_page_token": "c"}'))
        'c'
    """

    body_field: str | None = None
    header: str | None = None
    param: str | None = None
    max_pages: int | None = attrs.field(default=None, validator=_max_pages)

    def __attrs_post_init__(self) -> None:
        if (self.body_field is None) == (self.header is None):
            raise ValidationError(
                "a CursorPaginator reads its cursor from body_field or from header: give one"
            )

    def cursor(self, response: Response) -> str | None:
        """The next page's cursor in `response`, or `None` on the last page.

        Raises:
            ResponseFormatError: If `body_field` is set and the body is not JSON.
        """
        if self.body_field is not None:
            return _body_cursor(response, self.body_field)
        value = response.headers.get(str(self.header))
        if value is not None and str(self.header).lower() == "link":
            found = _LINK_NEXT.search(value)
            value = found.group(1) if found else None
        return value or None

    def next_request(self, request: Request, cursor: str) -> Request:
        """The request for the page `cursor` names; label, cost and check stay the same."""
        if self.param is None:
            return attrs.evolve(request, path=cursor, params=())
        kept = tuple((name, value) for name, value in request.params if name != self.param)
        return attrs.evolve(request, params=(*kept, (self.param, cursor)))

    def pages(
        self, fetch: Callable[[Request], Generator[Any, Any, Response]], first: Request
    ) -> Generator[Any, Any, Pages]:
        """The flow that fetches `first` and every page after it.

        Args:
            fetch: The transport's `fetch` (or any flow function with its shape).
            first: The request of the first page.

        Raises:
            ResponseFormatError: When an answer repeats an earlier page's cursor.
        """
        responses: list[Response] = []
        seen: set[str] = set()
        request = first
        while True:
            response = yield from fetch(request)
            responses.append(response)
            cursor = self.cursor(response)
            if cursor is None:
                return Pages(tuple(responses))
            if self.max_pages is not None and len(responses) >= self.max_pages:
                return Pages(tuple(responses), truncated=True)
            if cursor in seen:
                raise ResponseFormatError(
                    f"page {len(responses)} repeats the next-page cursor "
                    f"{redact_known(cursor)!r} of an earlier page; stopping instead of looping",
                    provider=response.provider,
                    endpoint=response.label,
                )
            seen.add(cursor)
            request = self.next_request(request, cursor)


def _body_cursor(response: Response, field: str) -> str | None:
    found: Any = response.json()
    for name in field.split("."):
        if not isinstance(found, dict):
            return None
        found = found.get(name)
    if found is None or found == "":
        return None
    return found if isinstance(found, str) else str(found)
