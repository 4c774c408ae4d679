"""Senders: the one pluggable step of the run loop, which puts a prepared request on the wire.

The transport's run loop (`cryptodata.core.transport`) does everything else: it charges the
limiter, logs, classifies statuses into typed errors, runs each request's `check`, retries and
counts. A sender only sends one [`PreparedRequest`][cryptodata.core.request.PreparedRequest]
and answers with a [`Response`][cryptodata.core.request.Response], or raises:

- [`TransportError`][cryptodata.TransportError] when nothing came back (timeout, connection):
  the loop retries it with backoff;
- a [`ProviderError`][cryptodata.ProviderError] subclass when the sender classifies the failure
  itself, as a library doing its own HTTP does. `status` may be `None`. A `RateLimitError`
  pauses the shared limiter (its `retry_after`, else a backoff) exactly as a 429 does, and a
  `ServerError` is retried.

Shipped: [`HttpxSender`][cryptodata.core.senders.HttpxSender] and
[`AsyncHttpxSender`][cryptodata.core.senders.AsyncHttpxSender]. Two others fit the same shape
(the interfaces are here; the senders come with their providers):

- **ccxt** does its own HTTP, sync (`ccxt.binance`) and async (`ccxt.async_support`). Its sender
  reads the call from `prepared.request` (path = the unified method, e.g. `"fetch_ohlcv"`;
  `json` = its arguments), calls it, and wraps the result as `Response(200, body=<JSON of the
  result>)`. It maps `ccxt.RateLimitExceeded` to `RateLimitError(status=None)`,
  `ccxt.NetworkError` to `TransportError`, `ccxt.AuthenticationError` to
  `AuthenticationError(status=None)` and other `ccxt.ExchangeError`s to
  `BadRequestError(status=None)` (not retried).
  Give ccxt `enableRateLimit=False`: the run loop's limiter is the one budget.
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

from .errors import TransportError
from .request import PreparedRequest, Response, redact_known

__all__ = ["AsyncHttpxSender", "AsyncSender", "HttpxSender", "Sender", "same_origin"]

MAX_REDIRECTS = 5
"""Same-origin redirects followed per request before the 3xx goes back to the run loop."""


class Sender(Protocol):
    """Sends one prepared request, blocking.

    Raises:
        TransportError: When no answer came back (retried by the run loop).
        ProviderError: A failure the sender classified itself (`status` may be `None`).
    """

    def send(self, request: PreparedRequest) -> Response:
        """Send `request` and return the provider's answer, whatever its status."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class AsyncSender(Protocol):
    """Sends one prepared request with asyncio; see [`Sender`][cryptodata.core.senders.Sender]."""

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


def _failure(prepared: PreparedRequest, exc: httpx.TransportError) -> TransportError:
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return TransportError(
        redact_known(message), provider=prepared.provider, endpoint=prepared.label
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
        """Send `request`; see [`Sender.send`][cryptodata.core.senders.Sender.send]."""
        outgoing = _build(self._client, request)
        origin = outgoing.url
        try:
            response = self._client.send(outgoing)
            for _ in range(self._max_redirects):
                hop = _next_hop(origin, response)
                if hop is None:
                    break
                response = self._client.send(hop)
        except httpx.TransportError as exc:
            failure = _failure(request, exc)
        else:
            return _answer(request, response)
        # Raised outside the handler: httpx's exception (its request holds the full URL, key
        # and all) must not ride along as __context__.
        raise failure

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class AsyncHttpxSender:
    """Sends with an `httpx.AsyncClient`; see [`HttpxSender`][cryptodata.core.senders.HttpxSender].

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
        """Send `request`; see [`Sender.send`][cryptodata.core.senders.Sender.send]."""
        outgoing = _build(self._client, request)
        origin = outgoing.url
        try:
            response = await self._client.send(outgoing)
            for _ in range(self._max_redirects):
                hop = _next_hop(origin, response)
                if hop is None:
                    break
                response = await self._client.send(hop)
        except httpx.TransportError as exc:
            failure = _failure(request, exc)
        else:
            return _answer(request, response)
        # Raised outside the handler: httpx's exception (its request holds the full URL, key
        # and all) must not ride along as __context__.
        raise failure

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
