"""The run loop with the request model: POST bodies, headers for the parser, checks inside the
retry loop, several base URLs, origin rules for absolute URLs and redirects, pluggable senders.

Fake servers are `httpx.MockTransport` handlers; every test runs on a `ManualClock`.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from cryptodata.core.clock import ManualClock
from cryptodata.core.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.replay import AsyncRecorder, Recorder
from cryptodata.core.request import PreparedRequest, Request, Response, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.senders import AsyncHttpxSender, HttpxSender
from cryptodata.core.transport import AsyncTransport, RequestStats, SyncTransport

KEY = "RUN-LOOP-KEY-77"
BASE = "https://api.example.test/v1"
COINS = "https://coins.example.test"

Handler = Callable[[httpx.Request], httpx.Response]


class Server:
    """A fake API: answers with `handler`, remembering every request and its ManualClock time."""

    def __init__(self, clock: ManualClock, handler: Handler) -> None:
        self.clock = clock
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.monotonic())
        return self.handler(request)


def ok(body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=[] if body is None else body, headers=headers)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def limiter(clock: ManualClock) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(40, 60, clock=clock)


def transport_for(server: Server, limiter: SlidingWindowLimiter, **overrides: Any) -> SyncTransport:
    options: dict[str, Any] = {
        "provider": "demo",
        "base_url": BASE,
        "limiter": limiter,
        "clock": server.clock,
        "secret_headers": {"X-Key": Secret(KEY)},
        "seed": 1,
        **overrides,
    }
    return SyncTransport(http_transport=httpx.MockTransport(server), **options)


@pytest.fixture
def make(clock: ManualClock, limiter: SlidingWindowLimiter) -> Iterator[Callable[..., Any]]:
    """Build a (server, transport) pair from a handler; transports are closed afterwards."""
    made: list[SyncTransport] = []

    def build(handler: Handler, **overrides: Any) -> tuple[Server, SyncTransport]:
        server = Server(clock, handler)
        transport = transport_for(server, limiter, **overrides)
        made.append(transport)
        return server, transport

    yield build
    for transport in made:
        transport.close()


def send(transport: SyncTransport, request: Request) -> Response:
    return transport.run(transport.fetch(request))


# --- POST, headers, response ----------------------------------------------------------------


def test_a_post_sends_its_json_body(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok({"universe": []}))

    send(transport, Request("/info", method="POST", json={"type": "meta", "n": 2}))

    sent = server.requests[0]
    assert (sent.method, str(sent.url)) == ("POST", BASE + "/info")
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.content) == {"type": "meta", "n": 2}


def test_the_response_hands_status_headers_and_body_to_the_parser(
    make: Callable[..., Any],
) -> None:
    _, transport = make(lambda request: ok({"a": 1}, **{"X-Next-Page": "p2"}))

    response = send(transport, Request("/items", label="items"))

    assert (response.status, response.headers["x-next-page"], response.json()) == (
        200,
        "p2",
        {"a": 1},
    )
    assert (response.label, response.provider) == ("items", "demo")


def test_request_headers_are_added_to_the_transport_headers(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok())

    send(transport, Request("/x", headers=(("X-Trace", "t1"),)))

    assert server.requests[0].headers["X-Trace"] == "t1"
    assert server.requests[0].headers["X-Key"] == KEY


def test_transport_params_follow_the_request_params(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok(), params={"api_key": Secret(KEY)})

    send(transport, Request("/x", (("a", "1"),)))

    assert list(server.requests[0].url.params.multi_items()) == [("a", "1"), ("api_key", KEY)]


def test_a_secret_path_segment_is_sent_revealed(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok())

    send(transport, Request(("/", Secret(KEY), "/api/protocols")))

    assert server.requests[0].url.path == f"/v1/{KEY}/api/protocols"


def test_a_path_without_a_leading_slash_is_joined_with_one(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok())

    send(transport, Request("coins/list"))

    assert str(server.requests[0].url) == BASE + "/coins/list"


# --- several base URLs and absolute URLs -----------------------------------------------------


def test_a_request_goes_to_the_base_url_it_names(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok(), base_urls={"coins": COINS})

    send(transport, Request("/prices", base="coins"))
    send(transport, Request("/protocols"))

    assert [str(r.url) for r in server.requests] == [COINS + "/prices", BASE + "/protocols"]


def test_a_transport_may_have_only_named_base_urls(make: Callable[..., Any]) -> None:
    server, transport = make(
        lambda request: ok(), base_url=None, base_urls={"api": BASE, "coins": COINS}
    )

    send(transport, Request("/prices", base="coins"))

    assert str(server.requests[0].url) == COINS + "/prices"
    assert transport.base_url == BASE


def test_an_unknown_base_name_is_rejected_before_any_request(
    make: Callable[..., Any], limiter: SlidingWindowLimiter
) -> None:
    server, transport = make(lambda request: ok(), base_urls={"coins": COINS})

    with pytest.raises(
        ValidationError, match="no base URL named 'yields'; use one of default, coins"
    ):
        transport.fetch(Request("/pools", base="yields"))

    assert server.requests == []
    assert limiter.wait_time(40) == 0.0


def test_an_absolute_url_on_a_configured_host_is_sent(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok(), base_urls={"coins": COINS})

    send(transport, Request(COINS + "/prices/current/x?searchWidth=4h"))

    assert str(server.requests[0].url) == COINS + "/prices/current/x?searchWidth=4h"


def test_an_absolute_url_sends_the_transport_params_once(make: Callable[..., Any]) -> None:
    server, transport = make(lambda request: ok(), params={"api_key": Secret(KEY)})

    send(transport, Request(f"{BASE}/timeseries?page=2&api_key={KEY}"))

    assert list(server.requests[0].url.params.multi_items()) == [("page", "2"), ("api_key", KEY)]


def test_an_absolute_url_on_another_host_is_rejected_before_any_request(
    make: Callable[..., Any], limiter: SlidingWindowLimiter
) -> None:
    server, transport = make(lambda request: ok())

    with pytest.raises(ValidationError) as caught:
        transport.fetch(Request("https://evil.example.test/steal"))

    assert str(caught.value) == (
        "demo /steal: https://evil.example.test is not one of this transport's hosts "
        "(https://api.example.test); absolute URLs must stay on them"
    )
    assert server.requests == []
    assert limiter.wait_time(40) == 0.0


def test_an_absolute_url_with_another_scheme_is_another_origin(make: Callable[..., Any]) -> None:
    _, transport = make(lambda request: ok())

    with pytest.raises(ValidationError, match=r"http://api\.example\.test is not one"):
        transport.fetch(Request("http://api.example.test/v1/x"))


def test_a_base_url_that_is_not_http_is_rejected(clock: ManualClock) -> None:
    with pytest.raises(ValidationError, match="must be an http"):
        SyncTransport(
            provider="demo",
            base_url="ftp://files.example.test",
            limiter=SlidingWindowLimiter(1, 1, clock=clock),
        )


def test_a_transport_without_base_url_is_rejected(clock: ManualClock) -> None:
    with pytest.raises(ValidationError, match="needs base_url"):
        SyncTransport(provider="demo", limiter=SlidingWindowLimiter(1, 1, clock=clock))


def test_repr_lists_every_base_url(make: Callable[..., Any]) -> None:
    _, transport = make(lambda request: ok(), base_urls={"coins": COINS})

    assert repr(transport) == (
        "SyncTransport(provider='demo', base_urls={'default': 'https://api.example.test/v1', "
        "'coins': 'https://coins.example.test'}, limiter=SlidingWindowLimiter(limit=40, window=60))"
    )


# --- redirects -------------------------------------------------------------------------------


def test_a_same_origin_redirect_is_followed(make: Callable[..., Any]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/old":
            return httpx.Response(301, headers={"Location": "/v1/new"})
        return ok({"moved": True})

    server, transport = make(handler)

    assert send(transport, Request("/old")).json() == {"moved": True}
    assert [r.url.path for r in server.requests] == ["/v1/old", "/v1/new"]
    assert server.requests[1].headers["X-Key"] == KEY


def test_an_off_origin_redirect_is_refused_with_a_provider_error(
    make: Callable[..., Any],
) -> None:
    server, transport = make(
        lambda request: httpx.Response(302, headers={"Location": "https://evil.example.test/x"})
    )

    with pytest.raises(ProviderError) as caught:
        send(transport, Request("/x"))

    assert type(caught.value) is ProviderError
    assert caught.value.status == 302
    assert str(caught.value) == (
        "demo /x answered HTTP 302: redirected to another host (https://evil.example.test); "
        "not followed, so that no key leaves the provider's hosts"
    )
    assert [r.url.host for r in server.requests] == ["api.example.test"]
    assert transport.stats == RequestStats(sent=1, failed=1)


def test_a_redirect_from_https_to_http_is_refused(make: Callable[..., Any]) -> None:
    server, transport = make(
        lambda request: httpx.Response(307, headers={"Location": "http://api.example.test/v1/x"})
    )

    with pytest.raises(ProviderError, match=r"another host \(http://api.example.test\)"):
        send(transport, Request("/x"))

    assert len(server.requests) == 1


def test_endless_same_origin_redirects_stop_with_a_provider_error(
    make: Callable[..., Any],
) -> None:
    server, transport = make(lambda request: httpx.Response(302, headers={"Location": "/v1/x"}))

    with pytest.raises(ProviderError, match="redirected too many times"):
        send(transport, Request("/x"))

    assert len(server.requests) == 6  # the request and 5 redirects followed


# --- the check hook --------------------------------------------------------------------------


def rate_limit_envelope(response: Response) -> None:
    """A provider that answers 200 with `{"error": {"code": 429, "retry_after": s}}`."""
    body = response.json()
    if isinstance(body, dict) and "error" in body:
        error = body["error"]
        if error["code"] == 429:
            raise response.error(RateLimitError, "rate limited", retry_after=error["retry_after"])
        if error["code"] == 500:
            raise response.error(ServerError, "internal error")
        raise response.error(BadRequestError, error["message"])


def answers(*bodies: Any) -> Handler:
    queue = list(bodies)
    return lambda request: ok(queue.pop(0))


THROTTLED = {"error": {"code": 429, "retry_after": 7}}


def test_a_rate_limit_envelope_in_a_200_is_retried_after_its_wait(
    make: Callable[..., Any],
) -> None:
    server, transport = make(answers(THROTTLED, {"data": [1]}))

    response = send(transport, Request("/x", check=rate_limit_envelope))

    assert response.json() == {"data": [1]}
    assert server.times == [0.0, 7.0]
    assert transport.stats.rate_limited == 1
    assert transport.stats.retried == 1


def test_a_rate_limit_envelope_pauses_the_limiter_for_every_caller(
    make: Callable[..., Any], limiter: SlidingWindowLimiter
) -> None:
    _, transport = make(answers(THROTTLED, {"data": [1]}))
    seen: list[float] = []

    def watched(response: Response) -> None:
        try:
            rate_limit_envelope(response)
        finally:
            seen.append(limiter.wait_time(1))

    def observe() -> Any:
        flow = transport.fetch(Request("/x", check=watched))
        effect = next(flow)
        while True:
            try:
                effect = flow.send((yield effect))
                seen.append(limiter.wait_time(1))
            except StopIteration as stop:
                return stop.value

    transport.run(observe())

    # After: the first acquire; the envelope checked; the pause (7 s for everyone); the second
    # acquire; the good answer checked; the flow returned.
    assert seen == [0.0, 0.0, 7.0, 0.0, 0.0]


def test_a_long_rate_limit_envelope_raises_and_keeps_other_callers_waiting_max_retry_after(
    make: Callable[..., Any], clock: ManualClock, limiter: SlidingWindowLimiter
) -> None:
    _, transport = make(answers({"error": {"code": 429, "retry_after": 600}}))

    with pytest.raises(RateLimitError) as caught:
        send(transport, Request("/x", check=rate_limit_envelope))
    before = clock.time()
    limiter.acquire(1)

    assert clock.time() - before == 120.0  # the policy's max_retry_after, not the 600 asked
    assert (caught.value.status, caught.value.retry_after) == (200, 600)
    assert str(caught.value).startswith(
        "demo /x answered HTTP 200: rate limited; the provider asks to wait 600s"
    )
    assert isinstance(caught.value.__cause__, RateLimitError)


def test_a_server_error_envelope_is_retried_with_backoff(make: Callable[..., Any]) -> None:
    server, transport = make(answers({"error": {"code": 500}}, {"data": []}))

    send(transport, Request("/x", check=rate_limit_envelope))

    assert len(server.requests) == 2
    assert 0.25 <= server.times[1] <= 0.5


def test_a_bad_request_envelope_fails_without_retrying(make: Callable[..., Any]) -> None:
    server, transport = make(answers({"error": {"code": 400, "message": "unknown metric"}}))

    with pytest.raises(BadRequestError) as caught:
        send(transport, Request("/x", check=rate_limit_envelope))

    assert str(caught.value) == (
        'demo /x answered HTTP 200: unknown metric (body: {"error":{"code":400,'
        '"message":"unknown metric"}})'
    )
    assert len(server.requests) == 1
    assert transport.stats == RequestStats(sent=1, failed=1)


def test_the_check_is_not_run_on_error_statuses(make: Callable[..., Any]) -> None:
    checked: list[Response] = []
    _, transport = make(lambda request: httpx.Response(401, text="no"))

    with pytest.raises(AuthenticationError):
        send(transport, Request("/x", check=checked.append))

    assert checked == []


def test_a_retry_after_an_envelope_logs_what_was_in_the_answer(
    make: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="cryptodata.transport")
    _, transport = make(answers(THROTTLED, {}))

    send(transport, Request("/x", check=rate_limit_envelope))

    assert [r.getMessage() for r in caplog.records] == [
        "demo /x: RateLimitError in an HTTP 200 answer; retry 1 of 4 in 7.0s"
    ]


# --- pluggable senders -----------------------------------------------------------------------


class LibrarySender:
    """A sender for a library that does its own HTTP: it classifies failures itself."""

    def __init__(self, *outcomes: Response | Exception) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[PreparedRequest] = []
        self.closed = False

    def send(self, request: PreparedRequest) -> Response:
        self.sent.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def close(self) -> None:
        self.closed = True


def library_transport(
    sender: LibrarySender, clock: ManualClock, limiter: SlidingWindowLimiter
) -> SyncTransport:
    return SyncTransport(
        sender=sender,
        provider="lib",
        base_url="https://api.lib.test",
        limiter=limiter,
        clock=clock,
        seed=1,
    )


def test_a_custom_sender_receives_the_prepared_request(
    clock: ManualClock, limiter: SlidingWindowLimiter
) -> None:
    sender = LibrarySender(Response(200, body=b"[]"))
    transport = library_transport(sender, clock, limiter)

    transport.run(transport.fetch(Request("fetch_ohlcv", method="POST", json={"symbol": "BTC"})))
    transport.close()

    prepared = sender.sent[0]
    assert (prepared.method, prepared.url, prepared.request.json) == (
        "POST",
        "https://api.lib.test/fetch_ohlcv",
        {"symbol": "BTC"},
    )
    assert repr(prepared) == "PreparedRequest('lib', POST fetch_ohlcv)"
    assert sender.closed


def test_an_error_without_status_from_a_sender_is_raised_as_is(
    clock: ManualClock, limiter: SlidingWindowLimiter
) -> None:
    failure = ProviderError("unknown market", provider="lib", endpoint="fetch_ohlcv", status=None)
    transport = library_transport(LibrarySender(failure), clock, limiter)

    with pytest.raises(ProviderError) as caught:
        transport.run(transport.fetch(Request("fetch_ohlcv")))

    assert caught.value is failure
    assert str(caught.value) == "lib fetch_ohlcv failed: unknown market"
    assert transport.stats == RequestStats(sent=1, failed=1)


def test_a_rate_limit_from_a_sender_pauses_the_limiter_like_a_429(
    clock: ManualClock, limiter: SlidingWindowLimiter
) -> None:
    throttled = RateLimitError(
        "slow down", provider="lib", endpoint="x", status=None, retry_after=9
    )
    sender = LibrarySender(throttled, Response(200, body=b"[]"))
    transport = library_transport(sender, clock, limiter)

    transport.run(transport.fetch(Request("x")))

    assert clock.monotonic() == 9.0
    assert transport.stats == RequestStats(sent=2, retried=1, rate_limited=1, bytes_received=2)


def test_a_transport_error_from_a_sender_is_retried(
    clock: ManualClock, limiter: SlidingWindowLimiter
) -> None:
    lost = TransportError("NetworkError", provider="lib", endpoint="x")
    transport = library_transport(LibrarySender(lost, Response(200)), clock, limiter)

    assert transport.run(transport.fetch(Request("x"))).status == 200
    assert transport.stats.retried == 1


def test_a_sender_and_an_http_transport_together_are_rejected(clock: ManualClock) -> None:
    with pytest.raises(ValidationError, match="not both"):
        SyncTransport(
            sender=LibrarySender(),
            http_transport=httpx.MockTransport(lambda request: ok()),
            provider="demo",
            base_url=BASE,
            limiter=SlidingWindowLimiter(1, 1, clock=clock),
        )


# --- async parity ----------------------------------------------------------------------------


def test_async_runs_the_same_post_and_check(clock: ManualClock) -> None:
    server = Server(clock, answers(THROTTLED, {"data": [2]}))
    transport = AsyncTransport(
        http_transport=httpx.MockTransport(server),
        provider="demo",
        base_url=BASE,
        limiter=SlidingWindowLimiter(40, 60, clock=clock),
        clock=clock,
        retry=RetryPolicy(),
        seed=1,
    )

    async def main() -> Response:
        try:
            request = Request("/info", method="POST", json={"a": 1}, check=rate_limit_envelope)
            return await transport.run(transport.fetch(request))
        finally:
            await transport.aclose()

    assert asyncio.run(main()).json() == {"data": [2]}
    assert server.times == [0.0, 7.0]
    assert json.loads(server.requests[1].content) == {"a": 1}


def test_async_refuses_an_off_origin_redirect(clock: ManualClock) -> None:
    server = Server(
        clock, lambda request: httpx.Response(302, headers={"Location": "https://evil.test/"})
    )
    transport = AsyncTransport(
        http_transport=httpx.MockTransport(server),
        provider="demo",
        base_url=BASE,
        limiter=SlidingWindowLimiter(40, 60, clock=clock),
        clock=clock,
    )

    async def main() -> Response:
        try:
            return await transport.run(transport.fetch(Request("/x")))
        finally:
            await transport.aclose()

    with pytest.raises(ProviderError, match="another host"):
        asyncio.run(main())
    assert len(server.requests) == 1


def _comparable(function: Any) -> str:
    """A signature with the async spellings of types erased: the one allowed difference."""
    text = str(inspect.signature(function))
    for spelling in ("AsyncBase", "AsyncSender"):
        text = text.replace(spelling, spelling.removeprefix("Async"))
    return text


@pytest.mark.parametrize(
    ("blocking", "concurrent"),
    [
        (SyncTransport.__init__, AsyncTransport.__init__),
        (SyncTransport.run, AsyncTransport.run),
        (SyncTransport.close, AsyncTransport.aclose),
        (HttpxSender.__init__, AsyncHttpxSender.__init__),
        (HttpxSender.send, AsyncHttpxSender.send),
        (HttpxSender.close, AsyncHttpxSender.aclose),
        (Recorder.__init__, AsyncRecorder.__init__),
        (Recorder.send, AsyncRecorder.send),
        (Recorder.close, AsyncRecorder.aclose),
    ],
    ids=lambda function: function.__qualname__,
)
def test_sync_and_async_twins_have_the_same_signature(blocking: Any, concurrent: Any) -> None:
    assert _comparable(concurrent) == _comparable(blocking)
    assert inspect.iscoroutinefunction(concurrent) != (concurrent.__name__ == "__init__")


def test_a_live_key_held_as_plain_text_in_a_path_is_hidden_in_the_repr() -> None:
    # A provider's next-page URL may echo the key; the request built from it holds it as text.
    key = Secret("echoed-key-0123456789")
    request = Request(f"https://api.example.com/v4/rows?api_key={key.reveal()}&page=2")

    assert "echoed-key-0123456789" not in repr(request)
    assert "api_key=***&page=2" in repr(request)
