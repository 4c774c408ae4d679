"""The run loop: rate limit, send, classify, check, retry, count — for sync and async alike.

Request handling is written once, as a *flow*: a generator that yields effects (take budget
from the limiter, send this request, sleep) and receives their results. `SyncTransport` and
`AsyncTransport` only perform effects, so both run the exact same retry and error logic, and
so do provider clients built on top of them (their operations are flows too).

Sending is the one pluggable step: a *sender* (`cryptodata.core.senders`) puts a
`PreparedRequest` on the wire and answers with a
`Response`. httpx is the default; a library that does its
own HTTP (ccxt) plugs in as another sender and goes through the same limiter, retries and
error classes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Generator, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from cryptodata._version import __version__

from ._checks import MAX_TIMEOUT, finite
from .clock import Clock, SystemClock
from .errors import (
    BadRequestError,
    CryptoDataError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
    error_for_status,
    excerpt,
)
from .limiters import RateLimiter
from .request import (
    PreparedRequest,
    Request,
    Response,
    Secret,
    Value,
    reveal_pairs,
    reveal_path,
)
from .retry import RetryPolicy, parse_retry_after
from .senders import AsyncHttpxSender, AsyncSender, HttpxSender, Sender

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

PlannedRequest = Request
"""A request of a plan, computed before anything is sent: a
`Request` (plans returned `PlannedRequest`s before requests
had a model of their own; the name stays for them)."""


# Effects are messages from a flow to its transport, read once and never compared or hashed:
# they skip generating those methods (import time).
@attrs.frozen(eq=False)
class _Acquire:
    cost: int


@attrs.frozen(eq=False)
class _Send:
    request: PreparedRequest


@attrs.frozen(eq=False)
class _Sleep:
    seconds: float


Effect = _Acquire | _Send | _Sleep
Flow = Generator[Effect, Any, T]
"""A sans-I/O operation: yields effects, returns a `T` when the transport has run it."""


@attrs.define
class RequestStats:
    """Counters a transport keeps; read them to monitor a bot or a pipeline.

    Attributes:
        sent: Requests sent, retries included.
        retried: Attempts that failed and were tried again.
        rate_limited: Answers that were rate limits: status 429, or a rate-limit envelope a
            request's `check` recognised.
        failed: Requests that ended in an error after all retries.
        bytes_received: Response body bytes of successful requests.
    """

    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    failed: int = 0
    bytes_received: int = 0


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def _origin_text(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


def _base(name: str, url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValidationError(f"base URL {name!r} is not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValidationError(f"base URL {name!r} must be an http(s) URL with a host, got {url!r}")
    return url.rstrip("/")


class Transport:
    """The run loop shared by the sync and async transports.

    Args:
        provider: Provider name, used in errors and logs.
        base_url: The `"default"` base URL: common prefix of every request's path.
        limiter: Rate limiter charged with each request's cost before it is sent.
        retry: Retry policy.
        headers: Extra headers sent on every request; a value may be a `Secret`.
        secret_headers: Headers holding credentials; never logged or shown.
        params: Query parameters sent on every request (after the request's own), e.g. a key
            the provider wants in the query: `{"api_key": Secret(key)}`.
        base_urls: More base URLs by name, for providers with several hosts; a request picks
            one with `Request(base=...)`. Absolute request URLs must be on the origin of one
            of the base URLs.
        clock: Time source for sleeping and `Retry-After` dates.
        timeout: Seconds before a request is abandoned (then retried): above 0, at most 3600.
        seed: Seed of the jitter generator, for reproducible tests.

    Raises:
        ValidationError: If no base URL is given, or one is not a valid http(s) URL, or
            `timeout` is not a finite number of seconds in range.
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str | None = None,
        limiter: RateLimiter,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, Value] | None = None,
        secret_headers: Mapping[str, Secret] | None = None,
        params: Mapping[str, Value] | None = None,
        base_urls: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        timeout: float = 30.0,
        seed: int | None = None,
    ) -> None:
        bases = {**({"default": base_url} if base_url is not None else {}), **(base_urls or {})}
        if not bases:
            raise ValidationError("a transport needs base_url= or base_urls=")
        self.provider = provider
        self.base_urls = {name: _base(name, url) for name, url in bases.items()}
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.clock: Clock = clock or SystemClock()
        self.timeout = finite("timeout", timeout, above=0, maximum=MAX_TIMEOUT, unit="seconds")
        self.stats = RequestStats()
        self._headers: dict[str, Value] = {
            "User-Agent": f"cryptodata/{__version__}",
            "Accept": "application/json",
            **(headers or {}),
            **(secret_headers or {}),
        }
        self._params = tuple((params or {}).items())
        self._origins = {_origin(httpx.URL(url)) for url in self.base_urls.values()}
        self._rng = random.Random(seed)

    @property
    def base_url(self) -> str:
        """The `"default"` base URL (the first one given when there is no default)."""
        return self.base_urls.get("default", next(iter(self.base_urls.values())))

    def prepare(self, request: Request) -> PreparedRequest:
        """Resolve `request` against this transport: full URL, query and headers.

        Raises:
            ValidationError: For an unknown base name, an absolute URL that does not parse, or
                one on none of this transport's origins (nothing is sent, so no key goes to a
                stranger).
        """
        path = reveal_path(request)
        if request.is_absolute:
            try:
                target = httpx.URL(path)
            except httpx.InvalidURL as exc:
                raise ValidationError(
                    f"{self.provider} {request.label}: not a valid URL ({exc})"
                ) from None
            if _origin(target) not in self._origins:
                hosts = ", ".join(
                    sorted({_origin_text(httpx.URL(u)) for u in self.base_urls.values()})
                )
                raise ValidationError(
                    f"{self.provider} {request.label}: {_origin_text(target)} is not one of this "
                    f"transport's hosts ({hosts}); absolute URLs must stay on them"
                )
            # A next-page URL may repeat the transport's own params (Coin Metrics echoes the
            # key): they are sent once, from the transport.
            ours = {name for name, _ in self._params}
            query = target.params.multi_items()
            kept = [(name, value) for name, value in query if name not in ours]
            url = path if len(kept) == len(query) else str(target.copy_with(params=kept))
        else:
            if request.base not in self.base_urls:
                raise ValidationError(
                    f"{self.provider} has no base URL named {request.base!r}; "
                    f"use one of {', '.join(self.base_urls)}"
                )
            url = self.base_urls[request.base] + ("" if path.startswith("/") else "/") + path
        headers = {**self._headers, **dict(request.headers)}
        return PreparedRequest(
            request=request,
            provider=self.provider,
            method=request.method,
            url=url,
            params=reveal_pairs((*request.params, *self._params)),
            headers=reveal_pairs(headers.items()),
        )

    def fetch(self, request: Request) -> Flow[Response]:
        """The flow of one request: acquire, send, classify, check, retry; returns the response.

        Raises:
            ValidationError: At once, before any request, when the request cannot be prepared.
        """
        return self._attempts(self.prepare(request))

    def charge(self, cost: int) -> Flow[None]:
        """The flow of charging `cost` more units to the limiter, once an answer shows them.

        Weight-based APIs price a request by what it returns (Hyperliquid: +1 per 60 candles).
        A flow sends the request at its expected cost and charges the difference when the
        answer weighed more, so the limiter keeps the server's count; nothing when it did not.
        """
        if cost > 0:
            yield _Acquire(cost)

    def _attempts(self, prepared: PreparedRequest) -> Flow[Response]:
        request = prepared.request
        attempt = 0
        while True:
            attempt += 1
            yield _Acquire(request.cost)
            self.stats.sent += 1
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s %s (cost %d, attempt %d)",
                    self.provider,
                    request.method,
                    " ".join(filter(None, (request.label, request.describe()))),
                    request.cost,
                    attempt,
                )
            outcome: Response | CryptoDataError = yield _Send(prepared)
            if isinstance(outcome, Response):
                failure = self._error_of(request, outcome)
                if failure is None:
                    self.stats.bytes_received += len(outcome.body)
                    return outcome
            else:
                failure = outcome
            error, delay = self._retry_delay(failure, attempt)
            if delay is None or attempt >= self.retry.max_attempts:
                self.stats.failed += 1
                raise error
            self.stats.retried += 1
            logger.warning(
                "%s %s: %s; retry %d of %d in %.1fs",
                self.provider,
                request.label,
                _reason(outcome, error),
                attempt,
                self.retry.max_attempts - 1,
                delay,
            )
            if not isinstance(error, RateLimitError):
                yield _Sleep(delay)

    def _error_of(self, request: Request, outcome: Response) -> CryptoDataError | None:
        """The error an answer means: its status, or what the request's check raised."""
        if outcome.status in request.accept:
            return None
        if not 200 <= outcome.status < 300:
            return self._status_error(request, outcome)
        if request.check is not None:
            try:
                request.check(outcome)
            except CryptoDataError as exc:
                return exc
        return None

    def _status_error(self, request: Request, response: Response) -> ProviderError:
        status = response.status
        common: dict[str, Any] = {
            "provider": self.provider,
            "endpoint": request.label,
            "status": status,
            "body": excerpt(response.body),
        }
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock.time())
            return RateLimitError("rate limited", retry_after=retry_after, **common)
        if 300 <= status < 400 and "Location" in response.headers:
            return ProviderError(self._redirect_note(request, response), **common)
        kind, message = error_for_status(status)
        return kind(message, **common)

    def _redirect_note(self, request: Request, response: Response) -> str:
        target = httpx.URL(self.prepare(request).url).join(response.headers["Location"])
        if _origin(target) in self._origins:
            return (
                f"redirected too many times (the last answer still points to {target.path}); "
                "not followed further"
            )
        return (
            f"redirected to another host ({_origin_text(target)}); not followed, so that no "
            "key leaves the provider's hosts"
        )

    def _retry_delay(
        self, error: CryptoDataError, attempt: int
    ) -> tuple[CryptoDataError, float | None]:
        """The error to raise, and the delay before a retry (`None`: do not retry)."""
        backoff = self.retry.backoff(attempt, self._rng)
        if isinstance(error, RateLimitError):
            self.stats.rate_limited += 1
            wait = error.retry_after or backoff
            # Pausing the limiter (rather than sleeping here) makes every caller that shares it
            # wait too, and keeps them quiet for the server's penalty even when this request
            # gives up: requests sent while throttled extend the penalty. Never longer than
            # the policy allows, though: a `Retry-After: 99999999` would silence every holder
            # of a shared limiter (with Redis, every process) for years.
            self.limiter.pause(min(wait, self.retry.max_retry_after))
            if wait > self.retry.max_retry_after:
                message = (
                    f"rate limited; the provider asks to wait {wait:.6g}s, "
                    f"more than max_retry_after={self.retry.max_retry_after:g}s"
                )
                refused = RateLimitError(
                    message,
                    provider=error.provider,
                    endpoint=error.endpoint,
                    status=error.status,
                    body=error.body,
                    retry_after=error.retry_after,
                )
                refused.__cause__ = error
                return refused, None
            return error, wait
        if isinstance(error, TransportError | ServerError):
            return error, backoff
        if isinstance(error, BadRequestError) and error.status is not None:
            return error, backoff if self.retry.retries_status(error.status) else None
        return error, None

    def __repr__(self) -> str:
        if set(self.base_urls) == {"default"}:
            where = f"base_url={self.base_url!r}"
        else:
            where = f"base_urls={self.base_urls!r}"
        return (
            f"{type(self).__name__}(provider={self.provider!r}, {where}, limiter={self.limiter!r})"
        )


class SyncTransport(Transport):
    """Runs flows with blocking I/O through a `Sender`.

    Args:
        sender: What puts requests on the wire; an
            `HttpxSender` by default.
        http_transport: An httpx transport for the default sender (a proxy, a replay, a mock).
        **kwargs: See `Transport`.

    Raises:
        ValidationError: If both `sender` and `http_transport` are given.
    """

    def __init__(
        self,
        *,
        sender: Sender | None = None,
        http_transport: httpx.BaseTransport | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if sender is not None and http_transport is not None:
            raise ValidationError("give a sender or an http_transport, not both")
        self.sender: Sender = sender or HttpxSender(http_transport, timeout=self.timeout)

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
            return self.sender.send(effect.request)
        except CryptoDataError as exc:
            # The sender's frames hold the revealed URL and headers in their locals (tools
            # that log locals would show them); the run loop raises the error from here on.
            return exc.with_traceback(None)

    def close(self) -> None:
        """Close the sender's connections."""
        self.sender.close()


class AsyncTransport(Transport):
    """Runs flows with asyncio through an `AsyncSender`.

    Args:
        sender: What puts requests on the wire; an
            `AsyncHttpxSender` by default.
        http_transport: An async httpx transport for the default sender.
        **kwargs: See `Transport`.

    Raises:
        ValidationError: If both `sender` and `http_transport` are given.
    """

    def __init__(
        self,
        *,
        sender: AsyncSender | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if sender is not None and http_transport is not None:
            raise ValidationError("give a sender or an http_transport, not both")
        self.sender: AsyncSender = sender or AsyncHttpxSender(http_transport, timeout=self.timeout)

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
            return await self.sender.send(effect.request)
        except CryptoDataError as exc:
            # The sender's frames hold the revealed URL and headers in their locals (tools
            # that log locals would show them); the run loop raises the error from here on.
            return exc.with_traceback(None)

    async def aclose(self) -> None:
        """Close the sender's connections."""
        await self.sender.aclose()


def _reason(outcome: Response | CryptoDataError, error: CryptoDataError) -> str:
    if isinstance(outcome, Response):
        if 200 <= outcome.status < 300:
            return f"{type(error).__name__} in an HTTP {outcome.status} answer"
        return f"HTTP {outcome.status}"
    if isinstance(outcome, TransportError):
        return str(outcome).removeprefix(f"{outcome.provider} {outcome.endpoint}: ")
    return type(outcome).__name__
