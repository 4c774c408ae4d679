"""The one HTTP transport: rate limit, send, classify, retry, count — for sync and async alike.

Request handling is written once, as a *flow*: a generator that yields effects (take budget
from the limiter, send this request, sleep) and receives their results. `SyncTransport` and
`AsyncTransport` only perform effects, so both run the exact same retry and error logic, and
so do provider clients built on top of them (their operations are flows too).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Generator, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from cryptodata._version import __version__

from .clock import Clock, SystemClock
from .errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
    excerpt,
)
from .limiters import RateLimiter
from .retry import RetryPolicy, parse_retry_after

__all__ = [
    "AsyncTransport",
    "Flow",
    "PlannedRequest",
    "RequestStats",
    "Secret",
    "SyncTransport",
    "Transport",
]

logger = logging.getLogger("cryptodata.transport")

T = TypeVar("T")


@attrs.frozen
class PlannedRequest:
    """One HTTP request of a plan, computed before anything is sent.

    Attributes:
        endpoint: Path relative to the provider's base URL, e.g. `"/ohlcv-history"`.
        params: Query parameters, in order.
        cost: Units of rate-limit budget the request consumes.
    """

    endpoint: str
    params: tuple[tuple[str, str], ...] = ()
    cost: int = 1

    @property
    def param_dict(self) -> dict[str, str]:
        """The query parameters as a dict."""
        return dict(self.params)


@attrs.frozen
class _Acquire:
    cost: int


@attrs.frozen
class _Send:
    request: PlannedRequest


@attrs.frozen
class _Sleep:
    seconds: float


Effect = _Acquire | _Send | _Sleep
Flow = Generator[Effect, Any, T]
"""A sans-I/O operation: yields effects, returns a `T` when the transport has run it."""


class Secret:
    """A credential that never shows itself in `repr`, `str`, logs or tracebacks.

    Examples:
        >>> Secret("abc123")
        Secret('********')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The credential itself; only the transport calls this, to build a header."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@attrs.define
class RequestStats:
    """Counters a transport keeps; read them to monitor a bot or a pipeline.

    Attributes:
        sent: Requests sent, retries included.
        retried: Attempts that failed and were tried again.
        rate_limited: Responses with status 429.
        failed: Requests that ended in an error after all retries.
        bytes_received: Response body bytes of successful requests.
    """

    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    failed: int = 0
    bytes_received: int = 0


class Transport:
    """Request handling shared by the sync and async transports.

    Args:
        provider: Provider name, used in errors and logs.
        base_url: Common prefix of every endpoint.
        limiter: Rate limiter charged with each request's cost before it is sent.
        retry: Retry policy.
        headers: Extra headers sent on every request.
        secret_headers: Headers holding credentials; never logged or shown.
        clock: Time source for sleeping and `Retry-After` dates.
        timeout: Seconds before a request is abandoned (then retried).
        seed: Seed of the jitter generator, for reproducible tests.
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        limiter: RateLimiter,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        secret_headers: Mapping[str, Secret] | None = None,
        clock: Clock | None = None,
        timeout: float = 30.0,
        seed: int | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.clock: Clock = clock or SystemClock()
        self.timeout = timeout
        self.stats = RequestStats()
        self._headers = {
            "User-Agent": f"cryptodata/{__version__}",
            "Accept": "application/json",
            **(headers or {}),
        }
        self._secret_headers = dict(secret_headers or {})
        self._rng = random.Random(seed)

    def fetch(self, request: PlannedRequest) -> Flow[bytes]:
        """The flow of one request: acquire, send, classify, retry; returns the body."""
        attempt = 0
        while True:
            attempt += 1
            yield _Acquire(request.cost)
            self.stats.sent += 1
            logger.debug(
                "%s GET %s %s (cost %d, attempt %d)",
                self.provider,
                request.endpoint,
                _describe(request),
                request.cost,
                attempt,
            )
            outcome = yield _Send(request)
            if isinstance(outcome, httpx.Response) and outcome.is_success:
                self.stats.bytes_received += len(outcome.content)
                return outcome.content
            error, delay = self._classify(request, outcome, attempt)
            if isinstance(error, RateLimitError) and delay is not None:
                # Pausing the limiter (rather than sleeping here) makes every caller that
                # shares it wait too, and keeps them quiet for the server's penalty even when
                # this request gives up: requests sent while throttled extend the penalty.
                self.limiter.pause(delay)
            if delay is None or attempt >= self.retry.max_attempts:
                self.stats.failed += 1
                raise error
            self.stats.retried += 1
            logger.warning(
                "%s %s: %s; retry %d of %d in %.1fs",
                self.provider,
                request.endpoint,
                _reason(outcome),
                attempt,
                self.retry.max_attempts - 1,
                delay,
            )
            if not isinstance(error, RateLimitError):
                yield _Sleep(delay)

    def _classify(
        self, request: PlannedRequest, outcome: httpx.Response | httpx.TransportError, attempt: int
    ) -> tuple[Exception, float | None]:
        """The error this outcome means, and the delay before a retry (`None`: do not retry)."""
        backoff = self.retry.backoff(attempt, self._rng)
        if isinstance(outcome, httpx.TransportError):
            message = (
                f"{type(outcome).__name__}: {outcome}" if str(outcome) else type(outcome).__name__
            )
            return TransportError(
                message, provider=self.provider, endpoint=request.endpoint
            ), backoff
        status = outcome.status_code
        body = excerpt(outcome.content)
        common: dict[str, Any] = {
            "provider": self.provider,
            "endpoint": request.endpoint,
            "status": status,
            "body": body,
        }
        if status == 429:
            self.stats.rate_limited += 1
            retry_after = parse_retry_after(outcome.headers.get("Retry-After"), self.clock.time())
            wait = retry_after or backoff
            if wait > self.retry.max_retry_after:
                self.limiter.pause(wait)
                message = f"rate limited; the provider asks to wait {wait:.0f}s, more than max_retry_after={self.retry.max_retry_after:g}s"
                return RateLimitError(message, retry_after=retry_after, **common), None
            return RateLimitError("rate limited", retry_after=retry_after, **common), wait
        retry_delay = backoff if self.retry.retries_status(status) else None
        if status in (401, 403):
            return AuthenticationError(
                "the API key is missing, invalid or not allowed here", **common
            ), None
        if status == 404:
            return NotFoundError("not found", **common), None
        if status >= 500:
            return ServerError("server error", **common), retry_delay
        if 400 <= status < 500:
            return BadRequestError("request rejected", **common), retry_delay
        return ProviderError("unexpected status", **common), None

    def _request_headers(self) -> dict[str, str]:
        return {
            **self._headers,
            **{name: secret.reveal() for name, secret in self._secret_headers.items()},
        }

    def _url(self, request: PlannedRequest) -> str:
        return self.base_url + request.endpoint

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, base_url={self.base_url!r}, limiter={self.limiter!r})"


class SyncTransport(Transport):
    """Runs flows with blocking I/O on an `httpx.Client`.

    Args:
        http_transport: An httpx transport to send through (a proxy, a replay, a mock).
        **kwargs: See [`Transport`][cryptodata.core.transport.Transport].
    """

    def __init__(self, *, http_transport: httpx.BaseTransport | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = httpx.Client(
            transport=http_transport, timeout=self.timeout, follow_redirects=True
        )

    def run(self, flow: Flow[T]) -> T:
        """Perform every effect of `flow` and return its result."""
        try:
            effect = next(flow)
            while True:
                effect = flow.send(self._perform(effect))
        except StopIteration as stop:
            result: T = stop.value
            return result

    def _perform(self, effect: Effect) -> object:
        if isinstance(effect, _Acquire):
            self.limiter.acquire(effect.cost)
            return None
        if isinstance(effect, _Sleep):
            self.clock.sleep(effect.seconds)
            return None
        try:
            return self._client.get(
                self._url(effect.request),
                params=effect.request.params,
                headers=self._request_headers(),
            )
        except httpx.TransportError as exc:
            return exc

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


class AsyncTransport(Transport):
    """Runs flows with asyncio on an `httpx.AsyncClient`.

    Args:
        http_transport: An async httpx transport to send through.
        **kwargs: See [`Transport`][cryptodata.core.transport.Transport].
    """

    def __init__(
        self, *, http_transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._client = httpx.AsyncClient(
            transport=http_transport, timeout=self.timeout, follow_redirects=True
        )

    async def run(self, flow: Flow[T]) -> T:
        """Perform every effect of `flow` and return its result."""
        try:
            effect = next(flow)
            while True:
                effect = flow.send(await self._perform(effect))
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def _perform(self, effect: Effect) -> object:
        if isinstance(effect, _Acquire):
            await self.limiter.aacquire(effect.cost)
            return None
        if isinstance(effect, _Sleep):
            await self.clock.asleep(effect.seconds)
            return None
        try:
            return await self._client.get(
                self._url(effect.request),
                params=effect.request.params,
                headers=self._request_headers(),
            )
        except httpx.TransportError as exc:
            return exc

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def _describe(request: PlannedRequest) -> str:
    return " ".join(f"{name}={value}" for name, value in request.params)


def _reason(outcome: httpx.Response | httpx.TransportError) -> str:
    if isinstance(outcome, httpx.Response):
        return f"HTTP {outcome.status_code}"
    return type(outcome).__name__
