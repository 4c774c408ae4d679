"""Request planning: time windows, symbol batches and cursor pages.

Windows and batches (defined in `windows`, re-exported here) are planned in full before
sending: computing a plan touches no network,
so tests and users can see the exact requests (and their cost) a query will make. Cursor
pagination cannot be known ahead (each answer names the next page), so
`CursorPaginator` is a pure rule — where the cursor
is, how it makes the next request — run as a flow by the transport.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from typing import Any

import attrs

from .errors import ResponseFormatError, ValidationError
from .request import Request, Response, redact_known
from .windows import HistoryStep, batched, history_steps, time_windows

__all__ = [
    "CursorPaginator",
    "HistoryStep",
    "Pages",
    "batched",
    "history_steps",
    "time_windows",
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
