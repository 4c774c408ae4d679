"""A key never follows a redirect off the provider's origin, wherever the core places it.

Every placement the core supports (a transport header, a request header, a request query
parameter, a transport query parameter, a path segment) is sent through the real transport
and httpx sender, blocking and asyncio, to a fake provider that answers with a redirect to
another host, another scheme (an https to http downgrade), another port, or another host
after a first same-origin hop. The other origin is served by the same mock transport, so a
followed redirect would be recorded: it must receive nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import httpx
import pytest

from cryptodata.core.errors import ProviderError
from cryptodata.core.request import Request, Secret
from cryptodata.core.transport import RequestStats
from fakes.transports import failed_fetch
from providers.contract import texts_of

KEY = "REDIRECT-KEY-5d1c"
BASE = "https://api.fake.test/v2"
ORIGIN = ("https", "api.fake.test", 443)

Placement = Literal[
    "transport header", "request header", "request query", "transport query", "path"
]
PLACEMENTS: tuple[Placement, ...] = (
    "transport header",
    "request header",
    "request query",
    "transport query",
    "path",
)

TARGETS: dict[str, Callable[[httpx.URL], str]] = {
    "another host": lambda url: "https://evil.test/collect",
    "an https to http downgrade": lambda url: str(url.copy_with(scheme="http")),
    "another port": lambda url: str(url.copy_with(port=8443)),
    "a scheme-relative host": lambda url: "//evil.test/collect",
    "a userinfo look-alike": lambda url: "https://api.fake.test@evil.test/collect",
    "another host after a same-origin hop": lambda url: (
        "https://evil.test/collect" if url.path.endswith("/hop") else url.path + "/hop"
    ),
}


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


class Server:
    """The provider redirects every request to `target`; anyone else answers 200 (a thief)."""

    def __init__(self, target: Callable[[httpx.URL], str], status: int = 302) -> None:
        self.target = target
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if origin_of(request.url) != ORIGIN:
            return httpx.Response(200, json={"stolen": True})
        return httpx.Response(self.status, headers={"Location": self.target(request.url)})

    def strangers(self) -> list[httpx.Request]:
        return [request for request in self.requests if origin_of(request.url) != ORIGIN]


def placed(placement: Placement) -> tuple[Request, dict[str, Any]]:
    """The request and the transport options that carry the key in `placement`."""
    key = Secret(KEY)
    if placement == "transport header":
        return Request("/series"), {"secret_headers": {"X-Key": key}}
    if placement == "request header":
        return Request("/series", headers={"X-Key": key}), {}
    if placement == "request query":
        return Request("/series", (("apikey", key),)), {}
    if placement == "transport query":
        return Request("/series"), {"params": {"apikey": key}}
    return Request(("/", key, "/series")), {}


def key_sent(request: httpx.Request) -> bool:
    return (
        request.headers.get("X-Key") == KEY
        or request.url.params.get("apikey") == KEY
        or KEY in request.url.path.split("/")
    )


def run(server: Server, placement: Placement, executor: str) -> tuple[BaseException, RequestStats]:
    request, options = placed(placement)
    return failed_fetch(server, request, executor, ProviderError, base_url=BASE, **options)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("executor", ["sync", "async"])
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_no_redirect_takes_the_key_to_another_origin(
    placement: Placement, executor: str, target: str
) -> None:
    server = Server(TARGETS[target])

    error, stats = run(server, placement, executor)

    assert server.strangers() == []
    assert key_sent(server.requests[0]), "the key was not sent: the test would be vacuous"
    assert type(error) is ProviderError
    assert error.status == 302
    assert "redirected to another host" in str(error)
    assert stats == RequestStats(sent=1, failed=1)
    for text in texts_of(error):
        assert KEY not in text


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("executor", ["sync", "async"])
def test_no_redirect_status_takes_the_key_to_another_host(status: int, executor: str) -> None:
    server = Server(TARGETS["another host"], status=status)

    error, _ = run(server, "transport header", executor)

    assert server.strangers() == []
    assert error.status == status  # type: ignore[attr-defined]
