"""Whatever httpx raises while building, sending or reading becomes a typed error, once.

A request that cannot be sent as built (a header value HTTP forbids, a URL that does not
parse, a scheme httpx has no transport for) is a `ValidationError`, and a body that does not
decode as its `Content-Encoding` says is a `ResponseFormatError`: neither is retried, since a
retry would fail the same way, and neither message holds the key. Both the blocking and the
asyncio sender are driven through the real run loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from cryptodata.core.clock import ManualClock
from cryptodata.core.errors import (
    CryptoDataError,
    ProviderError,
    ResponseFormatError,
    ServerError,
    ValidationError,
)
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.request import Request, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.transport import RequestStats, SyncTransport
from fakes.transports import failed_fetch
from providers.contract import texts_of

BASE = "https://api.fake.test/v1"
NEWLINE_KEY = "SENDER-KEY-8e2f\n"
"""A key with the newline `open("key.txt").read()` leaves, put in a `Secret` unchecked."""

Handler = Callable[[httpx.Request], httpx.Response]


def raising(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def gzip_garbage(status: int) -> Handler:
    """Answers `status` with a body that says it is gzip and is not (read when it streams)."""
    return lambda request: httpx.Response(
        status, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip at all")
    )


def run(
    handler: Handler, request: Request, executor: str, **options: Any
) -> tuple[CryptoDataError, RequestStats, list[httpx.Request]]:
    """Send `request` through a transport on `handler`; return the error, stats and requests."""
    sent: list[httpx.Request] = []

    def record(outgoing: httpx.Request) -> httpx.Response:
        sent.append(outgoing)
        return handler(outgoing)

    error, stats = failed_fetch(
        record,
        request,
        executor,
        CryptoDataError,
        base_url=BASE,
        **{"retry": RetryPolicy(max_attempts=3), **options},
    )
    return error, stats, sent


EXECUTORS = pytest.mark.parametrize("executor", ["sync", "async"])


class _GzipGarbage(BaseHTTPRequestHandler):
    """Answers every GET with 200, `Content-Encoding: gzip` and a body that is not gzip."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", "8")
        self.end_headers()
        self.wfile.write(b"not gzip")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def loopback() -> Iterator[str]:
    """A real HTTP server on a loopback port: the whole httpx/httpcore/h11 stack runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GzipGarbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_on(
    base_url: str, request: Request, executor: str, **options: Any
) -> tuple[CryptoDataError, RequestStats]:
    """Send `request` over a real connection to `base_url`; return the error and stats."""
    retry = RetryPolicy(max_attempts=3)
    return failed_fetch(
        None, request, executor, CryptoDataError, base_url=base_url, retry=retry, **options
    )


# --- a request that cannot be sent ----------------------------------------------------------


@EXECUTORS
def test_an_illegal_header_value_is_refused_once_without_the_key(executor: str) -> None:
    secret = Secret(NEWLINE_KEY)
    # What h11 raises on the wire for a header value with a newline in it.
    illegal = httpx.LocalProtocolError(f"Illegal header value {secret.reveal().encode()!r}")

    error, stats, _ = run(raising(illegal), Request("/x"), executor, secret_headers={"k": secret})

    assert type(error) is ValidationError
    assert str(error) == (
        "fake /x: the request cannot be sent (LocalProtocolError: Illegal header value "
        "b'***'): a header, query or path value holds a character HTTP does not allow; check "
        "the API key and the arguments for control or non-ASCII characters"
    )
    assert stats == RequestStats(sent=1, failed=1)
    for text in texts_of(error):
        assert "SENDER-KEY-8e2f" not in text


@EXECUTORS
def test_a_key_with_a_newline_fails_once_on_a_real_connection_without_the_key(
    loopback: str, executor: str
) -> None:
    error, stats = run_on(
        loopback, Request("/x"), executor, secret_headers={"api_key": Secret(NEWLINE_KEY)}
    )

    assert type(error) is ValidationError
    assert "(LocalProtocolError: Illegal header value b'***')" in str(error)
    assert stats == RequestStats(sent=1, failed=1)
    for text in texts_of(error):
        assert "SENDER-KEY-8e2f" not in text


@EXECUTORS
def test_a_non_ascii_header_value_is_refused_before_anything_is_sent(executor: str) -> None:
    secret = Secret("SENDER-KEY-\u00e9t\u00e9")

    error, stats, sent = run(
        lambda request: httpx.Response(200), Request("/x"), executor, secret_headers={"k": secret}
    )

    assert type(error) is ValidationError
    assert "the request cannot be sent (UnicodeEncodeError" in str(error)
    assert (sent, stats) == ([], RequestStats(sent=1, failed=1))
    for text in texts_of(error):
        assert "SENDER-KEY" not in text


@EXECUTORS
def test_a_path_secret_that_breaks_the_url_is_refused_before_anything_is_sent(
    executor: str,
) -> None:
    request = Request(("/", Secret(NEWLINE_KEY), "/series"))

    error, stats, sent = run(lambda request: httpx.Response(200), request, executor)

    assert type(error) is ValidationError
    assert str(error).startswith(
        "fake /***/series: the request cannot be sent (InvalidURL: Invalid non-printable ASCII "
        "character in URL"
    )
    assert (sent, stats) == ([], RequestStats(sent=1, failed=1))
    for text in texts_of(error):
        assert "SENDER-KEY-8e2f" not in text


@EXECUTORS
def test_an_unsupported_protocol_is_refused_without_retry(executor: str) -> None:
    error, stats, _ = run(
        raising(httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'.")),
        Request("/x"),
        executor,
    )

    assert type(error) is ValidationError
    assert stats == RequestStats(sent=1, failed=1)


def test_an_absolute_url_that_does_not_parse_is_a_validation_error() -> None:
    clock = ManualClock()
    transport = SyncTransport(
        provider="fake", base_url=BASE, limiter=SlidingWindowLimiter(40, 60, clock=clock)
    )

    with pytest.raises(ValidationError, match=r"^fake /x: not a valid URL \(Invalid port"):
        transport.fetch(Request("https://api.fake.test:99x/x"))
    transport.close()


def test_a_base_url_that_does_not_parse_is_a_validation_error() -> None:
    clock = ManualClock()

    with pytest.raises(ValidationError, match=r"^base URL 'default' is not a valid URL"):
        SyncTransport(
            provider="fake",
            base_url="https://api.fake.test:99x/v1",
            limiter=SlidingWindowLimiter(40, 60, clock=clock),
        )


# --- a body that does not decode ------------------------------------------------------------


@EXECUTORS
def test_a_bad_gzip_body_is_a_response_format_error_without_retry(executor: str) -> None:
    error, stats, _ = run(gzip_garbage(200), Request("/x"), executor)

    assert type(error) is ResponseFormatError
    assert str(error) == (
        "fake /x sent a response we cannot parse: the HTTP 200 body does not decode as its "
        "Content-Encoding 'gzip' says (DecodingError: Error -3 while decompressing data: "
        "incorrect header check); a proxy may be altering answers, else report it"
    )
    assert stats == RequestStats(sent=1, failed=1)


@EXECUTORS
def test_a_bad_gzip_body_on_a_real_connection_is_a_response_format_error(
    loopback: str, executor: str
) -> None:
    error, stats = run_on(loopback, Request("/x"), executor)

    assert type(error) is ResponseFormatError
    assert "the HTTP 200 body does not decode as its Content-Encoding 'gzip' says" in str(error)
    assert stats == RequestStats(sent=1, failed=1)


@EXECUTORS
def test_a_bad_gzip_body_on_a_5xx_is_still_a_retried_server_error(executor: str) -> None:
    error, stats, _ = run(gzip_garbage(503), Request("/x"), executor)

    assert type(error) is ServerError
    assert (error.status, error.body) == (503, "")
    assert stats == RequestStats(sent=3, retried=2, failed=1)


@EXECUTORS
def test_a_decoding_error_from_an_injected_transport_is_a_response_format_error(
    executor: str,
) -> None:
    error, stats, _ = run(raising(httpx.DecodingError("bad brotli")), Request("/x"), executor)

    assert str(error) == (
        "fake /x sent a response we cannot parse: the body does not decode "
        "(DecodingError: bad brotli)"
    )
    assert stats == RequestStats(sent=1, failed=1)


# --- redirects --------------------------------------------------------------------------------


@EXECUTORS
def test_endless_same_origin_redirects_name_where_they_point_and_are_not_retried(
    executor: str,
) -> None:
    error, stats, sent = run(
        lambda request: httpx.Response(302, headers={"Location": "/v1/loop"}),
        Request("/x"),
        executor,
    )

    assert type(error) is ProviderError
    assert str(error) == (
        "fake /x answered HTTP 302: redirected too many times (the last answer still points "
        "to /v1/loop); not followed further"
    )
    assert len(sent) == 6  # the request and 5 redirects followed, once
    assert stats == RequestStats(sent=1, failed=1)


@EXECUTORS
def test_too_many_redirects_from_an_injected_transport_is_a_provider_error_without_retry(
    executor: str,
) -> None:
    error, stats, _ = run(
        raising(httpx.TooManyRedirects("Exceeded maximum allowed redirects.")),
        Request("/x"),
        executor,
    )

    assert type(error) is ProviderError
    assert str(error) == (
        "fake /x failed: redirected too many times "
        "(TooManyRedirects: Exceeded maximum allowed redirects.)"
    )
    assert stats == RequestStats(sent=1, failed=1)
