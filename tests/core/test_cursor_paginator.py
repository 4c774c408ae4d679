"""The cursor paginator, against fake servers that page by a response header and by a body field."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core.clock import ManualClock
from cryptodata.core.errors import ResponseFormatError, ValidationError
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.planning import CursorPaginator, Pages
from cryptodata.core.request import Request, Response
from cryptodata.core.transport import AsyncTransport, SyncTransport

BASE = "https://api.example.test/v4"
ITEMS = list(range(7))


class HeaderPagedServer:
    """Serves ITEMS `size` at a time; the next page's token is in `X-Next-Page`.

    With `token`, a broken server: every page announces that same token (read as page one).
    """

    def __init__(self, size: int = 3, token: str | None = None) -> None:
        self.size = size
        self.stuck_token = token
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        token = request.url.params.get("page_token", "0")
        start = int(token) if token.isdigit() else 0
        page = ITEMS[start : start + self.size]
        headers = {}
        if start + self.size < len(ITEMS):
            headers["X-Next-Page"] = self.stuck_token or str(start + self.size)
        return httpx.Response(200, json={"data": page}, headers=headers)


class BodyPagedServer:
    """Serves ITEMS 3 at a time; the body's `next_page_url` is the next page's full URL."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        start = int(request.url.params.get("start", "0"))
        body: dict[str, Any] = {"data": ITEMS[start : start + 3]}
        if start + 3 < len(ITEMS):
            body["next_page_url"] = f"{BASE}/timeseries?metric=price&start={start + 3}"
        return httpx.Response(200, json=body)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def transports(clock: ManualClock) -> Iterator[list[SyncTransport]]:
    made: list[SyncTransport] = []
    yield made
    for transport in made:
        transport.close()


def sync_transport(
    handler: Any, clock: ManualClock, transports: list[SyncTransport]
) -> SyncTransport:
    transport = SyncTransport(
        http_transport=httpx.MockTransport(handler),
        provider="demo",
        base_url=BASE,
        limiter=SlidingWindowLimiter(100, 60, clock=clock),
        clock=clock,
    )
    transports.append(transport)
    return transport


def items(pages: Pages) -> list[int]:
    return [item for response in pages.responses for item in response.json()["data"]]


BY_HEADER = CursorPaginator(header="X-Next-Page", param="page_token")
BY_BODY_URL = CursorPaginator(body_field="next_page_url")
FIRST = Request("/timeseries", (("metric", "price"),))


def test_header_cursor_pages_until_the_header_is_absent(
    clock: ManualClock, transports: list[SyncTransport]
) -> None:
    server = HeaderPagedServer()
    transport = sync_transport(server, clock, transports)

    pages = transport.run(BY_HEADER.pages(transport.fetch, FIRST))

    assert items(pages) == ITEMS
    assert pages.truncated is False
    assert [list(r.url.params.multi_items()) for r in server.requests] == [
        [("metric", "price")],
        [("metric", "price"), ("page_token", "3")],
        [("metric", "price"), ("page_token", "6")],
    ]


def test_body_url_cursor_follows_the_next_page_url(
    clock: ManualClock, transports: list[SyncTransport]
) -> None:
    server = BodyPagedServer()
    transport = sync_transport(server, clock, transports)

    pages = transport.run(BY_BODY_URL.pages(transport.fetch, FIRST))

    assert items(pages) == ITEMS
    assert [str(r.url) for r in server.requests] == [
        BASE + "/timeseries?metric=price",
        BASE + "/timeseries?metric=price&start=3",
        BASE + "/timeseries?metric=price&start=6",
    ]


def test_pages_keep_the_first_requests_label(
    clock: ManualClock, transports: list[SyncTransport]
) -> None:
    transport = sync_transport(BodyPagedServer(), clock, transports)

    pages = transport.run(BY_BODY_URL.pages(transport.fetch, FIRST))

    assert {response.label for response in pages.responses} == {"/timeseries"}


def test_max_pages_stops_early_and_says_so(
    clock: ManualClock, transports: list[SyncTransport]
) -> None:
    server = HeaderPagedServer(size=2)
    transport = sync_transport(server, clock, transports)
    paginator = CursorPaginator(header="X-Next-Page", param="page_token", max_pages=2)

    pages = transport.run(paginator.pages(transport.fetch, FIRST))

    assert (items(pages), pages.truncated, len(server.requests)) == ([0, 1, 2, 3], True, 2)


def test_a_repeated_cursor_raises_instead_of_looping(
    clock: ManualClock, transports: list[SyncTransport]
) -> None:
    server = HeaderPagedServer(size=1, token="same")
    transport = sync_transport(server, clock, transports)

    with pytest.raises(ResponseFormatError) as caught:
        transport.run(BY_HEADER.pages(transport.fetch, FIRST))

    assert str(caught.value) == (
        "demo /timeseries sent a response we cannot parse: page 2 repeats the next-page cursor "
        "'same' of an earlier page; stopping instead of looping"
    )
    assert len(server.requests) == 2


def test_async_pages_through_the_same_flow(clock: ManualClock) -> None:
    server = HeaderPagedServer()
    transport = AsyncTransport(
        http_transport=httpx.MockTransport(server),
        provider="demo",
        base_url=BASE,
        limiter=SlidingWindowLimiter(100, 60, clock=clock),
        clock=clock,
    )

    async def main() -> Pages:
        try:
            return await transport.run(BY_HEADER.pages(transport.fetch, FIRST))
        finally:
            await transport.aclose()

    assert items(asyncio.run(main())) == ITEMS
    assert len(server.requests) == 3


# --- the rule itself, without a server -------------------------------------------------------


def test_a_nested_body_field_is_read_by_its_dotted_path() -> None:
    paginator = CursorPaginator(body_field="meta.next", param="cursor")

    assert paginator.cursor(Response(200, body=b'{"meta": {"next": "abc"}}')) == "abc"


def test_a_numeric_cursor_is_read_as_text() -> None:
    paginator = CursorPaginator(body_field="next", param="offset")

    assert paginator.cursor(Response(200, body=b'{"next": 500}')) == "500"


@pytest.mark.parametrize(
    "body", [b'{"next": null}', b'{"next": ""}', b"{}", b'{"meta": 3}', b"[1, 2]"]
)
def test_an_absent_null_or_empty_body_cursor_ends_the_walk(body: bytes) -> None:
    assert CursorPaginator(body_field="meta.next").cursor(Response(200, body=body)) is None


def test_an_empty_header_cursor_ends_the_walk() -> None:
    paginator = CursorPaginator(header="X-Next-Page", param="page")

    assert paginator.cursor(Response(200, {"X-Next-Page": ""})) is None


def test_a_link_header_gives_the_url_of_its_next_entry() -> None:
    link = '<https://a.test/x?page=1>; rel="prev", <https://a.test/x?page=3>; rel="next"'

    assert CursorPaginator(header="Link").cursor(Response(200, {"Link": link})) == (
        "https://a.test/x?page=3"
    )


def test_a_link_header_without_a_next_entry_ends_the_walk() -> None:
    link = '<https://a.test/x?page=1>; rel="prev"'

    assert CursorPaginator(header="Link").cursor(Response(200, {"Link": link})) is None


def test_a_token_replaces_the_previous_one_and_keeps_the_rest() -> None:
    request = Request("/x", (("page_token", "a"), ("limit", "5")), cost=3, label="x")

    following = BY_HEADER.next_request(request, "b")

    assert following.params == (("limit", "5"), ("page_token", "b"))
    assert (following.cost, following.label, following.path) == (3, "x", "/x")


def test_a_url_cursor_replaces_path_and_query() -> None:
    following = BY_BODY_URL.next_request(FIRST, BASE + "/timeseries?start=3")

    assert (following.path, following.params, following.label) == (
        BASE + "/timeseries?start=3",
        (),
        "/timeseries",
    )


@pytest.mark.parametrize(
    "options",
    [{}, {"body_field": "next", "header": "X-Next"}],
    ids=["neither", "both"],
)
def test_exactly_one_cursor_place_is_required(options: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="body_field or from header"):
        CursorPaginator(**options)


@pytest.mark.parametrize("max_pages", [0, -1])
def test_max_pages_below_one_is_rejected(max_pages: int) -> None:
    with pytest.raises(ValidationError, match="max_pages must be at least 1"):
        CursorPaginator(header="X-Next", max_pages=max_pages)


@given(size=st.integers(1, 10), count=st.integers(0, 30))
def test_every_item_is_fetched_once_whatever_the_page_size(size: int, count: int) -> None:
    data = list(range(count))

    def fetch(request: Request) -> Any:
        start = int(request.param_dict.get("page_token", "0"))  # type: ignore[arg-type]
        headers = {"X-Next-Page": str(start + size)} if start + size < count else {}
        return Response(200, headers, str(data[start : start + size]).encode())
        yield  # a flow that needs no effect

    flow = BY_HEADER.pages(fetch, FIRST)
    with pytest.raises(StopIteration) as done:
        next(flow)
    pages: Pages = done.value.value

    assert [item for r in pages.responses for item in r.json()] == data
    assert len(pages.responses) == max(1, -(-count // size))
