"""Senders: the one pluggable step of the run loop, which puts a prepared request on the wire.

The transport's run loop (`cryptodata.core.transport`) does everything else: it charges the
limiter, logs, classifies statuses into typed errors, runs each request's `check`, retries and
counts. A sender only sends one `PreparedRequest`
and answers with a `Response`, or raises:

- `TransportError` when nothing came back (timeout, connection):
  the loop retries it with backoff;
- a `ProviderError` subclass when the sender classifies the failure
  itself, as a library doing its own HTTP does. `status` may be `None`. A `RateLimitError`
  pauses the shared limiter (its `retry_after`, else a backoff) exactly as a 429 does, and a
  `ServerError` is retried;
- a `ValidationError` when the request cannot be sent as built
  (a header value HTTP does not allow), or a
  `ResponseFormatError` when a 2xx body cannot be decoded:
  neither is retried, since a retry would fail the same way.

The httpx senders raise nothing else: every httpx exception becomes one of these, with its
message (secrets redacted) in ours.

Shipped: `HttpxSender` and
`AsyncHttpxSender`. Two others fit the same shape
(the interfaces are here; the senders come with their providers):

- **ccxt** does its own HTTP, sync (`ccxt.binance`) and async (`ccxt.async_support`). Its
  senders (`cryptodata.providers.ccxt.sender`) read the call from `prepared.request` (path =
  the unified method, e.g. `"fetch_ohlcv"`; `json` = its arguments), call it, and wrap the
  result as `Response(200, body=<JSON of the result>)`. They map ccxt's errors onto ours
  (`RateLimitExceeded` to `RateLimitError(status=None)`, `NetworkError` to `TransportError`,
  `ExchangeNotAvailable` to `ServerError`, other `ExchangeError`s to
  `BadRequestError(status=None)`, not retried, ...). The run loop's limiter is the one
  budget: ccxt's `throttle(cost)` hook is routed into it, so ccxt never waits on its own.
- **A websocket connection** is not a request/response sender: a stream owns one connection
  (reconnect, heartbeats, resubscription). It uses senders for what is request-shaped — the
  REST back-fill of a gap, or a one-shot subscribe that answers once — and its own
  connection object (`connect(url, headers) -> Connection` with `send(text)`, `receive() ->
  bytes`, `close()`) for the rest, charged to the same limiter through the same flows.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx

from .errors import (
    CryptoDataError,
    ProviderError,
    ResponseFormatError,
    TransportError,
    ValidationError,
)
from .request import PreparedRequest, Response, redact_known

__all__ = ["AsyncHttpxSender", "AsyncSender", "HttpxSender", "Sender", "same_origin"]

MAX_REDIRECTS = 5
"""Same-origin redirects followed per request before the 3xx goes back to the run loop."""


class Sender(Protocol):
    """Sends one prepared request, blocking.

    Raises:
        TransportError: When no answer came back (retried by the run loop).
        ProviderError: A failure the sender classified itself (`status` may be `None`).
        ValidationError: The request cannot be sent as built (not retried).
        ResponseFormatError: A 2xx answer whose body cannot be decoded (not retried).
    """

    def send(self, request: PreparedRequest) -> Response:
        """Send `request` and return the provider's answer, whatever its status."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class AsyncSender(Protocol):
    """Sends one prepared request with asyncio; see `Sender`."""

    async def send(self, request: PreparedRequest) -> Response:
        """Send `request` and return the provider's answer, whatever its status."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class _RedactSecrets(logging.Filter):
    """Rewrites httpx's own log lines (`HTTP Request: GET <full URL>`) with secrets as `***`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_known(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# httpx logs every request's full URL at INFO; a key in the query or path would be in it.
logging.getLogger("httpx").addFilter(_RedactSecrets())


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    """Whether two URLs share scheme, host and port (a redirect between them keeps keys home).

    Examples:
        >>> same_origin(httpx.URL("https://a.test/x"), httpx.URL("https://a.test:443/y"))
        True
        >>> same_origin(httpx.URL("https://a.test/x"), httpx.URL("http://a.test/x"))
        False
    """
    return (a.scheme, a.host, _port(a)) == (b.scheme, b.host, _port(b))


def _port(url: httpx.URL) -> int | None:
    return url.port or {"http": 80, "https": 443}.get(url.scheme)


def _build(client: httpx.Client | httpx.AsyncClient, prepared: PreparedRequest) -> httpx.Request:
    params: Any = prepared.params
    if "?" in prepared.url:
        # An absolute URL (a next-page link) carries a query of its own: keep it, add ours.
        params = [*httpx.URL(prepared.url).params.multi_items(), *prepared.params]
    return client.build_request(
        prepared.method,
        prepared.url,
        params=params,
        headers=dict(prepared.headers),
        json=prepared.request.json,
    )


def _next_hop(origin: httpx.URL, response: httpx.Response) -> httpx.Request | None:
    """The redirect to follow, or `None`: not a redirect, or one to another origin.

    An off-origin redirect is not followed (the request's headers, query or path may hold a
    key); the run loop turns the 3xx into a `ProviderError` naming where it pointed.
    """
    hop = response.next_request
    if hop is None or not same_origin(origin, hop.url):
        return None
    return hop


def _answer(prepared: PreparedRequest, response: httpx.Response) -> Response:
    return Response(
        response.status_code,
        response.headers.multi_items(),
        response.content,
        label=prepared.label,
        provider=prepared.provider,
    )


_RAISED = (httpx.RequestError, httpx.InvalidURL, UnicodeEncodeError)
"""What building and sending a request can raise. `httpx.RequestError` holds the transport
failures, `DecodingError` and `TooManyRedirects`; `InvalidURL` and `UnicodeEncodeError` (a
non-ASCII header value) come from building it. httpx's other exceptions cannot arise here: we
never call `raise_for_status` (`HTTPStatusError`) and read each body once (`StreamError`)."""

_UNSENDABLE = (
    httpx.InvalidURL,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
    UnicodeEncodeError,
)
"""Raised for a request that cannot be put on the wire as built (h11's `Illegal header value`
is a `LocalProtocolError`): nothing was sent, and every retry would fail the same way."""


def _what(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _failure(prepared: PreparedRequest, exc: Exception) -> CryptoDataError:
    """The typed error for what httpx raised while building or sending `prepared`.

    Every error class redacts known secrets from its message: httpx's text may hold the URL
    or a header value (`Illegal header value b'<key>\\n'`).
    """
    where = {"provider": prepared.provider, "endpoint": prepared.label}
    if isinstance(exc, _UNSENDABLE):
        return ValidationError(
            f"{prepared.provider} {prepared.label}: the request cannot be sent ({_what(exc)}): "
            "a header, query or path value holds a character HTTP does not allow; check the "
            "API key and the arguments for control or non-ASCII characters"
        )
    if isinstance(exc, httpx.TooManyRedirects):
        # Only a client that follows redirects itself raises it (an injected transport that
        # wraps one): its loop is as deterministic as ours, so it is not retried either.
        return ProviderError(f"redirected too many times ({_what(exc)})", status=None, **where)
    if isinstance(exc, httpx.DecodingError):
        # Raised by an injected transport before there is a response to describe.
        return ResponseFormatError(f"the body does not decode ({_what(exc)})", **where)
    return TransportError(_what(exc), **where)


def _undecodable(
    prepared: PreparedRequest, response: httpx.Response, exc: httpx.DecodingError
) -> Response | ResponseFormatError:
    """What an answer whose body does not decode as its `Content-Encoding` says comes to.

    A 2xx: a `ResponseFormatError` naming the status and encoding (a retry would get the same
    bytes). Another status still decides the outcome, so the run loop gets the answer without
    its body: a 429 still pauses the limiter and a 5xx is still retried.
    """
    if not 200 <= response.status_code < 300:
        return Response(
            response.status_code,
            response.headers.multi_items(),
            b"",
            label=prepared.label,
            provider=prepared.provider,
        )
    encoding = response.headers.get("Content-Encoding", "")
    return ResponseFormatError(
        f"the HTTP {response.status_code} body does not decode as its Content-Encoding "
        f"{encoding!r} says ({_what(exc)}); a proxy may be altering answers, else report it",
        provider=prepared.provider,
        endpoint=prepared.label,
    )


class HttpxSender:
    """Sends with a blocking `httpx.Client`, following same-origin redirects only.

    Args:
        http_transport: An httpx transport to send through (a proxy, a replay, a mock).
        timeout: Seconds before a request is abandoned (the run loop retries it).
        max_redirects: Same-origin redirects followed per request.
    """

    def __init__(
        self,
        http_transport: httpx.BaseTransport | None = None,
        *,
        timeout: float = 30.0,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self._client = httpx.Client(transport=http_transport, timeout=timeout)
        self._max_redirects = max_redirects

    def send(self, request: PreparedRequest) -> Response:
        """Send `request`; see `Sender.send`."""
        response: httpx.Response | None = None
        try:
            outgoing = _build(self._client, request)
            # Streamed: redirect answers are never read, and a body that does not decode
            # fails below, with the status and encoding it came with in hand.
            response = self._client.send(outgoing, stream=True)
            for _ in range(self._max_redirects):
                hop = _next_hop(outgoing.url, response)
                if hop is None:
                    break
                response.close()
                response = self._client.send(hop, stream=True)
            try:
                response.read()
            finally:
                response.close()
        except httpx.DecodingError as exc:
            outcome = (
                _failure(request, exc) if response is None else _undecodable(request, response, exc)
            )
        except _RAISED as exc:
            outcome = _failure(request, exc)
        else:
            return _answer(request, response)
        if isinstance(outcome, Response):
            return outcome
        # Raised outside the handler: httpx's exception (its request holds the full URL, key
        # and all) must not ride along as __context__.
        raise outcome

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class AsyncHttpxSender:
    """Sends with an `httpx.AsyncClient`; see `HttpxSender`.

    Args:
        http_transport: An async httpx transport to send through.
        timeout: Seconds before a request is abandoned (the run loop retries it).
        max_redirects: Same-origin redirects followed per request.
    """

    def __init__(
        self,
        http_transport: httpx.AsyncBaseTransport | None = None,
        *,
        timeout: float = 30.0,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self._client = httpx.AsyncClient(transport=http_transport, timeout=timeout)
        self._max_redirects = max_redirects

    async def send(self, request: PreparedRequest) -> Response:
        """Send `request`; see `Sender.send`."""
        response: httpx.Response | None = None
        try:
            outgoing = _build(self._client, request)
            # Streamed: redirect answers are never read, and a body that does not decode
            # fails below, with the status and encoding it came with in hand.
            response = await self._client.send(outgoing, stream=True)
            for _ in range(self._max_redirects):
                hop = _next_hop(outgoing.url, response)
                if hop is None:
                    break
                await response.aclose()
                response = await self._client.send(hop, stream=True)
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.DecodingError as exc:
            outcome = (
                _failure(request, exc) if response is None else _undecodable(request, response, exc)
            )
        except _RAISED as exc:
            outcome = _failure(request, exc)
        else:
            return _answer(request, response)
        if isinstance(outcome, Response):
            return outcome
        # Raised outside the handler: httpx's exception (its request holds the full URL, key
        # and all) must not ride along as __context__.
        raise outcome

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
