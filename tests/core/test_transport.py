"""The transport: limit, send, classify, retry, count; sync and async, against pytest-httpx mocks.

Every test runs on a `ManualClock`, so backoffs and `Retry-After` waits take no real time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator, Iterator
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from cryptodata._version import __version__
from cryptodata.core.clock import ManualClock
from cryptodata.core.errors import (
    AuthenticationError,
    BadRequestError,
    CryptoDataError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.request import Response
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.transport import (
    AsyncTransport,
    Flow,
    PlannedRequest,
    RequestStats,
    Secret,
    SyncTransport,
)

KEY = "SECRET-KEY-123"
BASE_URL = "https://api.example.test/v1"
URL = "https://api.example.test/v1/x?a=1"
REQUEST = PlannedRequest("/x", (("a", "1"),), cost=2)
BODY = b'[{"symbol":"BTCUSDT","value":1.5}]'


def transport_kwargs(clock: ManualClock, **overrides: Any) -> dict[str, Any]:
    return {
        "provider": "demo",
        "base_url": BASE_URL,
        "limiter": SlidingWindowLimiter(40, 60, clock=clock),
        "clock": clock,
        "secret_headers": {"api_key": Secret(KEY)},
        "seed": 1,
        **overrides,
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def transport(clock: ManualClock) -> Iterator[SyncTransport]:
    sync = SyncTransport(**transport_kwargs(clock))
    yield sync
    sync.close()


def fetch(transport: SyncTransport, request: PlannedRequest = REQUEST) -> bytes:
    return transport.run(transport.fetch(request)).body


def afetch(
    clock: ManualClock, request: PlannedRequest = REQUEST, **overrides: Any
) -> tuple[AsyncTransport, Callable[[], bytes]]:
    """An async transport, and a function running one fetch on it under `asyncio.run`."""
    transport = AsyncTransport(**transport_kwargs(clock, **overrides))

    async def main() -> bytes:
        try:
            return (await transport.run(transport.fetch(request))).body
        finally:
            await transport.aclose()

    return transport, lambda: asyncio.run(main())


def stamp_requests(
    httpx_mock: HTTPXMock, clock: ManualClock, responses: list[httpx.Response]
) -> list[float]:
    """Serve `responses` in order, recording the ManualClock time of each request."""
    times: list[float] = []
    queue = list(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        times.append(clock.monotonic())
        return queue.pop(0)

    for _ in responses:
        httpx_mock.add_callback(answer, url=URL)
    return times


# --- success ---------------------------------------------------------------------------------


def test_success_returns_the_body(httpx_mock: HTTPXMock, transport: SyncTransport) -> None:
    httpx_mock.add_response(url=URL, content=BODY)

    assert fetch(transport) == BODY


def test_success_counts_one_request_and_its_bytes(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, content=BODY)

    fetch(transport)

    assert transport.stats == RequestStats(sent=1, bytes_received=len(BODY))


def test_request_goes_to_base_url_plus_endpoint_with_params(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(content=BODY)

    fetch(transport, PlannedRequest("/ohlcv-history", (("symbols", "A,B"), ("from", "1"))))

    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "GET"
    assert str(request.url) == "https://api.example.test/v1/ohlcv-history?symbols=A%2CB&from=1"


def test_trailing_slash_of_base_url_is_dropped(httpx_mock: HTTPXMock, clock: ManualClock) -> None:
    httpx_mock.add_response(url=URL, content=BODY)
    transport = SyncTransport(**transport_kwargs(clock, base_url=BASE_URL + "/"))

    assert fetch(transport) == BODY
    transport.close()


def test_api_key_header_is_sent(httpx_mock: HTTPXMock, transport: SyncTransport) -> None:
    httpx_mock.add_response(url=URL, content=BODY, match_headers={"api_key": KEY})

    assert fetch(transport) == BODY


def test_default_headers_are_sent(httpx_mock: HTTPXMock, clock: ManualClock) -> None:
    httpx_mock.add_response(url=URL, content=BODY)
    transport = SyncTransport(**transport_kwargs(clock, headers={"X-Extra": "yes"}))

    fetch(transport)
    transport.close()

    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["User-Agent"] == f"cryptodata/{__version__}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["X-Extra"] == "yes"
    assert request.headers["api_key"] == KEY


def test_request_cost_is_charged_to_the_limiter(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, content=BODY)

    fetch(transport)

    assert transport.limiter.wait_time(38) == 0.0  # type: ignore[attr-defined]
    assert transport.limiter.wait_time(39) == 60.0  # type: ignore[attr-defined]


def test_full_limiter_delays_the_request_on_the_manual_clock(
    httpx_mock: HTTPXMock, clock: ManualClock, transport: SyncTransport
) -> None:
    times = stamp_requests(httpx_mock, clock, [httpx.Response(200, content=BODY)])
    transport.limiter.acquire(39)

    fetch(transport)

    assert times == [60.0]


def test_flows_compose_with_yield_from(httpx_mock: HTTPXMock, transport: SyncTransport) -> None:
    httpx_mock.add_response(url=URL, content=b"one")
    httpx_mock.add_response(url=BASE_URL + "/y", content=b"two")

    def both() -> Flow[bytes]:
        first = yield from transport.fetch(REQUEST)
        second = yield from transport.fetch(PlannedRequest("/y"))
        return first.body + b"+" + second.body

    assert transport.run(both()) == b"one+two"
    assert transport.stats == RequestStats(sent=2, bytes_received=6)


def test_debug_log_describes_each_attempt(
    httpx_mock: HTTPXMock, transport: SyncTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cryptodata.transport")
    httpx_mock.add_response(url=URL, content=BODY)

    fetch(transport)

    assert [
        (r.levelno, r.getMessage()) for r in caplog.records if r.name == "cryptodata.transport"
    ] == [(logging.DEBUG, "demo GET /x a=1 (cost 2, attempt 1)")]


def test_planned_request_param_dict() -> None:
    assert PlannedRequest("/x", (("a", "1"), ("b", "2"))).param_dict == {"a": "1", "b": "2"}


def test_planned_request_defaults() -> None:
    request = PlannedRequest("/x")

    assert (request.params, request.cost) == ((), 1)


# --- retries ---------------------------------------------------------------------------------


def test_503_twice_then_200_returns_the_body(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, content=BODY)

    assert fetch(transport) == BODY


def test_503_twice_then_200_counts_two_retries(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, content=BODY)

    fetch(transport)

    assert transport.stats == RequestStats(sent=3, retried=2, bytes_received=len(BODY))


def test_retries_back_off_with_jitter_within_a_doubling_cap(
    httpx_mock: HTTPXMock, clock: ManualClock, transport: SyncTransport
) -> None:
    times = stamp_requests(
        httpx_mock,
        clock,
        [httpx.Response(503), httpx.Response(503), httpx.Response(200, content=BODY)],
    )

    fetch(transport)

    first_gap, second_gap = times[1] - times[0], times[2] - times[1]
    assert times[0] == 0.0
    assert 0.25 <= first_gap <= 0.5  # default backoff_base 0.5: uniform(cap/2, cap)
    assert 0.5 <= second_gap <= 1.0


def test_same_seed_gives_the_same_backoff(httpx_mock: HTTPXMock) -> None:
    runs = []
    for _ in range(2):
        clock = ManualClock()
        times = stamp_requests(
            httpx_mock, clock, [httpx.Response(503), httpx.Response(200, content=BODY)]
        )
        transport = SyncTransport(**transport_kwargs(clock))
        fetch(transport)
        transport.close()
        runs.append(times)

    assert runs[0] == runs[1]


def test_retry_logs_a_warning(
    httpx_mock: HTTPXMock, transport: SyncTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cryptodata.transport")
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, content=BODY)

    fetch(transport)

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("demo /x: HTTP 503; retry 1 of 4 in 0.")


@pytest.mark.parametrize("status", [408, 425, 500, 502, 504])
def test_other_retried_statuses_are_retried(
    httpx_mock: HTTPXMock, transport: SyncTransport, status: int
) -> None:
    httpx_mock.add_response(url=URL, status_code=status)
    httpx_mock.add_response(url=URL, content=BODY)

    assert fetch(transport) == BODY
    assert transport.stats.retried == 1


def test_exhausting_max_attempts_on_500_raises_server_error(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=500, text="boom", is_reusable=True)

    with pytest.raises(ServerError) as info:
        fetch(transport)

    assert (info.value.provider, info.value.endpoint, info.value.status, info.value.body) == (
        "demo",
        "/x",
        500,
        "boom",
    )
    assert str(info.value) == "demo /x answered HTTP 500: server error (body: boom)"


def test_exhausting_max_attempts_sends_max_attempts_requests(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=500, is_reusable=True)

    with pytest.raises(ServerError):
        fetch(transport)

    assert len(httpx_mock.get_requests()) == 5
    assert transport.stats == RequestStats(sent=5, retried=4, failed=1)


def test_max_attempts_one_disables_retries(httpx_mock: HTTPXMock, clock: ManualClock) -> None:
    httpx_mock.add_response(url=URL, status_code=503)
    transport = SyncTransport(**transport_kwargs(clock, retry=RetryPolicy(max_attempts=1)))

    with pytest.raises(ServerError):
        fetch(transport)
    transport.close()

    assert transport.stats == RequestStats(sent=1, failed=1)


def test_read_timeout_is_retried_then_succeeds(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=URL)
    httpx_mock.add_response(url=URL, content=BODY)

    assert fetch(transport) == BODY
    assert transport.stats == RequestStats(sent=2, retried=1, bytes_received=len(BODY))


def test_read_timeout_on_every_attempt_raises_transport_error(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=URL, is_reusable=True)

    with pytest.raises(TransportError) as info:
        fetch(transport)

    assert str(info.value) == "demo /x: ReadTimeout: timed out"
    assert (info.value.provider, info.value.endpoint) == ("demo", "/x")
    assert len(httpx_mock.get_requests()) == 5
    assert transport.stats == RequestStats(sent=5, retried=4, failed=1)


def test_connect_error_without_message_is_named_by_its_type(
    httpx_mock: HTTPXMock, clock: ManualClock
) -> None:
    httpx_mock.add_exception(httpx.ConnectError(""), url=URL)
    transport = SyncTransport(**transport_kwargs(clock, retry=RetryPolicy(max_attempts=1)))

    with pytest.raises(TransportError) as info:
        fetch(transport)
    transport.close()

    assert str(info.value) == "demo /x: ConnectError"


# --- 429 and Retry-After ---------------------------------------------------------------------


def test_429_with_retry_after_retries_exactly_that_much_later(
    httpx_mock: HTTPXMock, clock: ManualClock, transport: SyncTransport
) -> None:
    times = stamp_requests(
        httpx_mock,
        clock,
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, content=BODY)],
    )

    assert fetch(transport) == BODY
    assert times == [0.0, 7.0]


def test_429_is_counted_as_rate_limited_and_retried(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=URL, content=BODY)

    fetch(transport)

    assert transport.stats == RequestStats(
        sent=2, retried=1, rate_limited=1, bytes_received=len(BODY)
    )


def test_429_pauses_the_shared_limiter_for_other_callers(
    httpx_mock: HTTPXMock, clock: ManualClock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=URL, content=BODY)
    seen: list[float] = []

    def observe() -> Generator[Any, Any, Response]:
        flow = transport.fetch(REQUEST)
        effect = next(flow)
        while True:
            try:
                result = yield effect
                effect = flow.send(result)
                seen.append(transport.limiter.wait_time(1))  # type: ignore[attr-defined]
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]

    transport.run(observe())

    # After: the first acquire, the 429 (limiter paused 7 s for everyone), the second acquire.
    assert seen == [0.0, 7.0, 0.0]


def test_429_without_retry_after_pauses_for_a_backoff(httpx_mock: HTTPXMock) -> None:
    clock = ManualClock(start=0.0)
    transport = SyncTransport(**transport_kwargs(clock))
    times = stamp_requests(
        httpx_mock, clock, [httpx.Response(429), httpx.Response(200, content=BODY)]
    )

    fetch(transport)
    transport.close()

    assert 0.25 <= times[1] - times[0] <= 0.5
    assert transport.stats.rate_limited == 1


class _BoundedManualClock(ManualClock):
    """A ManualClock that fails instead of sleeping forever."""

    def __init__(self, max_sleeps: int = 100) -> None:
        super().__init__()
        self.sleeps = 0
        self.max_sleeps = max_sleeps

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        if self.sleeps > self.max_sleeps:
            raise RuntimeError(f"still waiting after {self.max_sleeps} sleeps: livelock")
        super().sleep(seconds)


def test_429_without_retry_after_terminates_on_the_default_manual_clock(
    httpx_mock: HTTPXMock,
) -> None:
    clock = _BoundedManualClock()
    transport = SyncTransport(**transport_kwargs(clock))
    httpx_mock.add_response(url=URL, status_code=429)
    httpx_mock.add_response(url=URL, content=BODY, is_optional=True)

    try:
        assert fetch(transport) == BODY
    finally:
        transport.close()


def test_429_with_http_date_retry_after_waits_until_that_date(httpx_mock: HTTPXMock) -> None:
    # ManualClock's default wall time is 1_700_000_000 = Tue, 14 Nov 2023 22:13:20 GMT.
    clock = ManualClock()
    transport = SyncTransport(**transport_kwargs(clock))
    times = stamp_requests(
        httpx_mock,
        clock,
        [
            httpx.Response(429, headers={"Retry-After": "Tue, 14 Nov 2023 22:13:32 GMT"}),
            httpx.Response(200, content=BODY),
        ],
    )

    fetch(transport)
    transport.close()

    assert times == [0.0, 12.0]


def test_429_retry_after_above_max_raises_without_retrying(
    httpx_mock: HTTPXMock, clock: ManualClock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(
        url=URL, status_code=429, headers={"Retry-After": "600"}, text="slow down"
    )

    with pytest.raises(RateLimitError) as info:
        fetch(transport)

    assert info.value.retry_after == 600.0
    assert (info.value.provider, info.value.endpoint, info.value.status) == ("demo", "/x", 429)
    assert str(info.value) == (
        "demo /x answered HTTP 429: rate limited; the provider asks to wait 600s, "
        "more than max_retry_after=120s (body: slow down)"
    )
    assert len(httpx_mock.get_requests()) == 1
    assert clock.monotonic() == 0.0
    assert transport.stats == RequestStats(sent=1, rate_limited=1, failed=1)


def test_429_retry_after_above_max_pauses_the_limiter_for_max_retry_after_only(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "600"})

    with pytest.raises(RateLimitError):
        fetch(transport)

    assert transport.limiter.wait_time(1) == 120.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("retry_after", ["99999999", "1e300"])
def test_a_huge_retry_after_leaves_the_next_acquire_waiting_max_retry_after(
    httpx_mock: HTTPXMock, clock: ManualClock, transport: SyncTransport, retry_after: str
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": retry_after})
    with pytest.raises(RateLimitError) as caught:
        fetch(transport)

    transport.limiter.acquire(1)  # another caller sharing the limiter

    assert clock.monotonic() == 120.0
    assert caught.value.retry_after == float(retry_after)


def test_429_retry_after_equal_to_max_is_waited_out(
    httpx_mock: HTTPXMock, clock: ManualClock, transport: SyncTransport
) -> None:
    times = stamp_requests(
        httpx_mock,
        clock,
        [httpx.Response(429, headers={"Retry-After": "120"}), httpx.Response(200, content=BODY)],
    )

    assert fetch(transport) == BODY
    assert times == [0.0, 120.0]


def test_429_on_every_attempt_raises_rate_limit_error_with_retry_after(
    httpx_mock: HTTPXMock, clock: ManualClock
) -> None:
    httpx_mock.add_response(
        url=URL, status_code=429, headers={"Retry-After": "3"}, is_reusable=True
    )
    transport = SyncTransport(**transport_kwargs(clock, retry=RetryPolicy(max_attempts=3)))

    with pytest.raises(RateLimitError) as info:
        fetch(transport)
    transport.close()

    assert info.value.retry_after == 3.0
    assert str(info.value) == "demo /x answered HTTP 429: rate limited"
    assert clock.monotonic() == 6.0
    assert transport.stats == RequestStats(sent=3, retried=2, rate_limited=3, failed=1)


# --- errors that are not retried -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, AuthenticationError, "the API key is missing, invalid or not allowed here"),
        (403, AuthenticationError, "the API key is missing, invalid or not allowed here"),
        (404, NotFoundError, "not found"),
        (400, BadRequestError, "request rejected"),
        (422, BadRequestError, "request rejected"),
    ],
)
def test_client_error_status_raises_its_error_without_retrying(
    httpx_mock: HTTPXMock,
    transport: SyncTransport,
    status: int,
    error: type[ProviderError],
    message: str,
) -> None:
    httpx_mock.add_response(url=URL, status_code=status, json={"error": "nope"})

    with pytest.raises(error) as info:
        fetch(transport)

    assert type(info.value) is error
    assert str(info.value) == (
        f'demo /x answered HTTP {status}: {message} (body: {{"error":"nope"}})'
    )
    assert len(httpx_mock.get_requests()) == 1
    assert transport.stats == RequestStats(sent=1, failed=1)


def test_a_304_is_an_error_unless_the_request_accepts_it(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=304)

    with pytest.raises(ProviderError) as info:
        fetch(transport)

    assert info.value.status == 304


def test_an_accepted_304_is_returned_as_the_answer_without_retry(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=304, headers={"ETag": '"v1"'})
    conditional = PlannedRequest(
        "/x", (("a", "1"),), headers={"If-None-Match": '"v1"'}, accept=(304,)
    )

    answer = transport.run(transport.fetch(conditional))

    assert (answer.status, answer.body, answer.headers["etag"]) == (304, b"", '"v1"')
    assert httpx_mock.get_requests()[0].headers["If-None-Match"] == '"v1"'
    assert transport.stats == RequestStats(sent=1)


def test_error_carries_provider_endpoint_status_and_body(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=400, text="bad\n   symbol\tXYZ")

    with pytest.raises(BadRequestError) as info:
        fetch(transport)

    error = info.value
    assert (error.provider, error.endpoint, error.status, error.body) == (
        "demo",
        "/x",
        400,
        "bad symbol XYZ",
    )


def test_error_body_is_cut_to_an_excerpt(httpx_mock: HTTPXMock, transport: SyncTransport) -> None:
    httpx_mock.add_response(url=URL, status_code=404, text="x" * 1_000)

    with pytest.raises(NotFoundError) as info:
        fetch(transport)

    assert info.value.body == "x" * 299 + "…"


def test_error_without_body_has_no_body_suffix(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=401)

    with pytest.raises(AuthenticationError) as info:
        fetch(transport)

    assert info.value.body == ""
    assert str(info.value) == (
        "demo /x answered HTTP 401: the API key is missing, invalid or not allowed here"
    )


def test_provider_errors_are_cryptodata_errors(
    httpx_mock: HTTPXMock, transport: SyncTransport
) -> None:
    httpx_mock.add_response(url=URL, status_code=404)

    with pytest.raises(CryptoDataError):
        fetch(transport)


# --- secrets ---------------------------------------------------------------------------------


def test_secret_repr_and_str_hide_the_value() -> None:
    secret = Secret(KEY)

    assert repr(secret) == "Secret('********')"
    assert str(secret) == "Secret('********')"
    assert f"{secret}" == "Secret('********')"


def test_secret_reveal_returns_the_value() -> None:
    assert Secret(KEY).reveal() == KEY


def test_secret_truthiness_follows_the_value() -> None:
    assert bool(Secret(KEY)) is True
    assert bool(Secret("")) is False


def test_transport_repr_hides_the_key(transport: SyncTransport) -> None:
    assert repr(transport) == (
        "SyncTransport(provider='demo', base_url='https://api.example.test/v1', "
        "limiter=SlidingWindowLimiter(limit=40, window=60))"
    )


def test_transport_attributes_do_not_show_the_key(transport: SyncTransport) -> None:
    assert KEY not in repr(vars(transport))


LEAK_SCENARIOS: dict[str, list[Any]] = {
    "success": [200],
    "503-503-200": [503, 503, 200],
    "429-retry-after-7": [("429", "7"), 200],
    "429-retry-after-too-long": [("429", "600")],
    "401": [401],
    "404": [404],
    "400": [400],
    "500-exhausted": [500] * 5,
    "read-timeout-exhausted": ["timeout"] * 5,
}


def register(httpx_mock: HTTPXMock, steps: list[Any]) -> None:
    for step in steps:
        if step == "timeout":
            httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=URL)
        elif isinstance(step, tuple):
            httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": step[1]})
        else:
            httpx_mock.add_response(url=URL, status_code=step, text=f"status {step}")


def assert_no_key_in(error: BaseException | None, caplog: pytest.LogCaptureFixture) -> None:
    if error is not None:
        assert KEY not in str(error)
        assert KEY not in repr(error)
        assert KEY not in repr(error.args)
        assert KEY not in repr(vars(error))
    assert caplog.records, "nothing was logged: the leak check would be vacuous"
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
        assert KEY not in (record.exc_text or "")
    assert KEY not in caplog.text


@pytest.mark.parametrize("steps", list(LEAK_SCENARIOS.values()), ids=list(LEAK_SCENARIOS))
def test_api_key_never_appears_in_errors_or_logs(
    httpx_mock: HTTPXMock,
    transport: SyncTransport,
    caplog: pytest.LogCaptureFixture,
    steps: list[Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    register(httpx_mock, steps)

    error: CryptoDataError | None = None
    try:
        fetch(transport)
    except CryptoDataError as exc:
        error = exc

    assert all(r.headers["api_key"] == KEY for r in httpx_mock.get_requests())
    assert_no_key_in(error, caplog)
    assert KEY not in repr(transport)


@pytest.mark.parametrize("steps", list(LEAK_SCENARIOS.values()), ids=list(LEAK_SCENARIOS))
def test_async_api_key_never_appears_in_errors_or_logs(
    httpx_mock: HTTPXMock,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    steps: list[Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    register(httpx_mock, steps)
    transport, run = afetch(clock)

    error: CryptoDataError | None = None
    try:
        run()
    except CryptoDataError as exc:
        error = exc

    assert all(r.headers["api_key"] == KEY for r in httpx_mock.get_requests())
    assert_no_key_in(error, caplog)
    assert KEY not in repr(transport)


# --- AsyncTransport --------------------------------------------------------------------------


def test_async_success_returns_the_body_and_counts_bytes(
    httpx_mock: HTTPXMock, clock: ManualClock
) -> None:
    httpx_mock.add_response(url=URL, content=BODY)
    transport, run = afetch(clock)

    assert run() == BODY
    assert transport.stats == RequestStats(sent=1, bytes_received=len(BODY))


def test_async_api_key_header_is_sent(httpx_mock: HTTPXMock, clock: ManualClock) -> None:
    httpx_mock.add_response(url=URL, content=BODY, match_headers={"api_key": KEY})
    _, run = afetch(clock)

    assert run() == BODY


def test_async_503_twice_then_200_retries_twice(httpx_mock: HTTPXMock, clock: ManualClock) -> None:
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, content=BODY)
    transport, run = afetch(clock)

    assert run() == BODY
    assert transport.stats == RequestStats(sent=3, retried=2, bytes_received=len(BODY))


def test_async_backoff_matches_sync_backoff_for_the_same_seed(httpx_mock: HTTPXMock) -> None:
    sync_clock, async_clock = ManualClock(), ManualClock()
    sync_times = stamp_requests(
        httpx_mock, sync_clock, [httpx.Response(503), httpx.Response(200, content=BODY)]
    )
    sync = SyncTransport(**transport_kwargs(sync_clock))
    fetch(sync)
    sync.close()
    async_times = stamp_requests(
        httpx_mock, async_clock, [httpx.Response(503), httpx.Response(200, content=BODY)]
    )
    _, run = afetch(async_clock)
    run()

    assert async_times == sync_times


def test_async_429_with_retry_after_retries_7_seconds_later(
    httpx_mock: HTTPXMock, clock: ManualClock
) -> None:
    times = stamp_requests(
        httpx_mock,
        clock,
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, content=BODY)],
    )
    transport, run = afetch(clock)

    assert run() == BODY
    assert times == [0.0, 7.0]
    assert transport.stats == RequestStats(
        sent=2, retried=1, rate_limited=1, bytes_received=len(BODY)
    )


def test_async_429_retry_after_above_max_raises_without_retrying(
    httpx_mock: HTTPXMock, clock: ManualClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "600"})
    transport, run = afetch(clock)

    with pytest.raises(RateLimitError) as info:
        run()

    assert info.value.retry_after == 600.0
    assert transport.stats == RequestStats(sent=1, rate_limited=1, failed=1)


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthenticationError), (404, NotFoundError), (400, BadRequestError)],
)
def test_async_client_error_status_raises_without_retrying(
    httpx_mock: HTTPXMock, clock: ManualClock, status: int, error: type[ProviderError]
) -> None:
    httpx_mock.add_response(url=URL, status_code=status, text="no")
    transport, run = afetch(clock)

    with pytest.raises(error) as info:
        run()

    assert (info.value.provider, info.value.endpoint, info.value.status, info.value.body) == (
        "demo",
        "/x",
        status,
        "no",
    )
    assert transport.stats == RequestStats(sent=1, failed=1)


def test_async_exhausting_max_attempts_on_500_raises_server_error(
    httpx_mock: HTTPXMock, clock: ManualClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=500, is_reusable=True)
    transport, run = afetch(clock)

    with pytest.raises(ServerError):
        run()

    assert transport.stats == RequestStats(sent=5, retried=4, failed=1)


def test_async_read_timeout_is_retried_then_raises_transport_error(
    httpx_mock: HTTPXMock, clock: ManualClock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=URL, is_reusable=True)
    transport, run = afetch(clock)

    with pytest.raises(TransportError) as info:
        run()

    assert str(info.value) == "demo /x: ReadTimeout: timed out"
    assert transport.stats == RequestStats(sent=5, retried=4, failed=1)


def test_async_flow_is_the_same_flow_as_sync(httpx_mock: HTTPXMock, clock: ManualClock) -> None:
    httpx_mock.add_response(url=URL, content=b"one")
    httpx_mock.add_response(url=BASE_URL + "/y", content=b"two")
    transport = AsyncTransport(**transport_kwargs(clock))

    def both() -> Flow[bytes]:
        first = yield from transport.fetch(REQUEST)
        second = yield from transport.fetch(PlannedRequest("/y"))
        return first.body + b"+" + second.body

    async def main() -> bytes:
        try:
            return await transport.run(both())
        finally:
            await transport.aclose()

    assert asyncio.run(main()) == b"one+two"


@pytest.mark.parametrize("timeout", [-1, 0, float("nan"), float("inf"), 1e9, True, "30"])
def test_a_timeout_that_is_not_a_positive_finite_number_of_seconds_is_refused(
    clock: ManualClock, timeout: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        SyncTransport(**transport_kwargs(clock, timeout=timeout))

    assert str(caught.value) == (
        f"timeout must be a number of seconds greater than 0 and at most 3600, got {timeout!r}"
    )
