"""The ccxt boundary: building exchange instances, the senders, the one budget, error mapping.

ccxt has no type stubs; this is the one module that touches its objects as `Any`.

A request of the ccxt provider names a unified method in its `path` (`"fetch_ohlcv"`) and
carries its positional arguments as `json`. `CcxtSender` and `AsyncCcxtSender` call that
method on the exchange instance and answer `Response(200, body=<JSON of the result>)`, so the
run loop's limiter, retries, stats and error classes apply to ccxt as to any HTTP provider.

**One budget.** ccxt prices every HTTP call it makes (`calculate_rate_limiter_cost`: the
endpoint's weight, e.g. Binance klines cost 5 for 500 bars) and, with `enableRateLimit`,
hands that cost to the instance's `throttle(cost)` before the call leaves. `install_budget`
replaces that hook on the instance: instead of sleeping on ccxt's own bucket, it charges our
limiter. The run loop has already charged the request's planned cost (`Request.cost`, from
`endpoints.cost`); the hook charges only what ccxt's costs add beyond it (rounded up to whole
units), before the HTTP call that needs it, so a method that makes several calls (the first
`load_markets`) is paid call by call. Our limiter is therefore the only thing that waits, and
two processes sharing a `RedisRateLimiter` share one venue budget.

A rate limit pauses that limiter for the venue's `Retry-After` when its answer had one: ccxt
keeps the headers of its last answer in `last_response_headers`.
"""

from __future__ import annotations

import contextvars
import importlib
import math
import re
from collections.abc import Mapping
from typing import Any

import attrs

from cryptodata.core.clock import Clock
from cryptodata.core.errors import (
    AuthenticationError,
    BadRequestError,
    CryptoDataError,
    MissingDependencyError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
    UnsupportedError,
    ValidationError,
)
from cryptodata.core.limiters import RateLimiter
from cryptodata.core.request import Headers, PreparedRequest, Response, Secret
from cryptodata.core.retry import parse_retry_after

__all__ = [
    "AsyncCcxtSender",
    "CcxtSender",
    "build_exchange",
    "build_stream_exchange",
    "install_budget",
    "is_exchange",
    "is_stream_exchange",
    "map_error",
]

_CREDENTIALS = ("apiKey", "secret", "password", "uid", "privateKey", "walletAddress", "token")
"""Instance attributes that may hold a credential: registered as secrets, never shown."""


def _module(asynchronous: bool) -> Any:
    name = "ccxt.async_support" if asynchronous else "ccxt"
    try:
        return importlib.import_module(name)
    except ImportError:
        raise MissingDependencyError("the ccxt provider", package="ccxt", extra="ccxt") from None


def build_exchange(exchange_id: str, config: Mapping[str, Any], *, asynchronous: bool) -> Any:
    """A ccxt exchange instance of `exchange_id` (ccxt's async one with `asynchronous=True`).

    Raises:
        ValidationError: For an id ccxt does not know; the message names close matches.
        MissingDependencyError: When ccxt is not installed.
    """
    ccxt = _module(asynchronous)
    exchanges: list[str] = list(ccxt.exchanges)
    if exchange_id not in exchanges:
        import difflib

        close = difflib.get_close_matches(exchange_id, exchanges, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValidationError(f"ccxt has no exchange {exchange_id!r}{hint}")
    return getattr(ccxt, exchange_id)(dict(config))


def build_stream_exchange(exchange: Any, config: Mapping[str, Any]) -> Any:
    """A ccxt.pro instance of `exchange`'s venue, for streams: built from its id with `config`
    (the client's own), in sandbox mode where `exchange` is.

    Raises:
        UnsupportedError: If ccxt.pro does not stream the venue.
    """
    pro = importlib.import_module("ccxt.pro")
    exchange_id = str(exchange.id)
    if exchange_id not in pro.exchanges:
        raise UnsupportedError(
            f"ccxt.pro does not stream {exchange_id}", provider="ccxt", what="stream"
        )
    instance = getattr(pro, exchange_id)(dict(config))
    if getattr(exchange, "isSandboxModeEnabled", False):
        instance.set_sandbox_mode(True)
    return instance


def is_stream_exchange(value: object, exchange_id: str) -> bool:
    """Whether `value` is a ccxt.pro instance of the venue `exchange_id`."""
    return (
        is_exchange(value)
        and str(type(value).__module__).startswith("ccxt.pro")
        and str(getattr(value, "id", "")) == exchange_id
    )


def is_exchange(value: object) -> bool:
    """Whether `value` is a ccxt exchange instance (sync or async), without importing ccxt."""
    return any(
        cls.__module__.startswith("ccxt.") and cls.__name__ == "Exchange"
        for cls in type(value).__mro__
    )


def is_async(exchange: Any) -> bool:
    """Whether `exchange` is an instance of ccxt's asyncio classes."""
    return str(type(exchange).__module__).startswith(("ccxt.async_support", "ccxt.pro"))


@attrs.define
class _Tab:
    """What one request has paid: its planned cost, then ccxt's costs as its calls go out."""

    paid: int
    used: float = 0.0

    def owed(self, cost: object) -> int:
        self.used += float(cost) if isinstance(cost, int | float) else 1.0
        due = math.ceil(self.used) - self.paid
        if due <= 0:
            return 0
        self.paid += due
        return due


_TAB: contextvars.ContextVar[_Tab | None] = contextvars.ContextVar("ccxt_tab", default=None)
"""The tab of the request being sent, per thread and per asyncio task."""


def install_budget(exchange: Any, limiter: RateLimiter) -> list[Secret]:
    """Make `limiter` the one budget of `exchange`: ccxt's throttle hook charges it.

    ccxt calls `throttle(cost)` before each HTTP request only with `enableRateLimit` on, so it
    is switched on; the hook replaces ccxt's own sleeping bucket.

    Returns:
        The instance's credentials as secrets: while the caller holds them, no error or log
        line shows their values.
    """
    secrets = [
        Secret(value)
        for value in (getattr(exchange, name, None) for name in _CREDENTIALS)
        if isinstance(value, str) and value
    ]
    exchange.enableRateLimit = True

    if is_async(exchange):

        async def athrottle(cost: object = None) -> None:
            for part in _parts(_due(cost), limiter.capacity):
                await limiter.aacquire(part)

        exchange.throttle = athrottle
        return secrets

    def throttle(cost: object = None) -> None:
        for part in _parts(_due(cost), limiter.capacity):
            limiter.acquire(part)

    exchange.throttle = throttle
    return secrets


def _due(cost: object) -> int:
    """Units to charge for an HTTP call of ccxt cost `cost`, past what its request paid."""
    tab = _TAB.get()
    if tab is None:  # a call outside our senders (the user's own, on a shared instance)
        return math.ceil(float(cost) if isinstance(cost, int | float) else 1.0)
    return tab.owed(cost)


def _parts(due: int, capacity: float) -> list[int]:
    """`due` in charges no larger than the limiter takes at once."""
    size = max(1, int(capacity))
    return [min(size, due - done) for done in range(0, due, size)]


_QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*")


def _message(exc: BaseException) -> str:
    """ccxt's message with URL queries cut (signed requests carry their signature there)."""
    text = _QUERY.sub(r"\1?…", str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def map_error(
    prepared: PreparedRequest, exc: BaseException, *, retry_after: float | None = None
) -> CryptoDataError:
    """Our error for what ccxt raised while running `prepared` (the caller chains `exc`).

    Rate limits pause the shared limiter (`RateLimitError`, for `retry_after` seconds when
    the venue said); unavailability and maintenance are retried (`ServerError`), as are
    network failures (`TransportError`); the rest are not.
    """
    errors = importlib.import_module("ccxt.base.errors")
    where: dict[str, Any] = {"provider": prepared.provider, "endpoint": prepared.label}
    text = _message(exc)
    if isinstance(exc, errors.RateLimitExceeded | errors.DDoSProtection):
        return RateLimitError(text, status=None, retry_after=retry_after, **where)
    if isinstance(exc, errors.ExchangeNotAvailable):  # OnMaintenance is one
        return ServerError(text, status=None, **where)
    if isinstance(exc, errors.NetworkError):  # RequestTimeout is one
        return TransportError(text, **where)
    if isinstance(exc, errors.AuthenticationError):
        return AuthenticationError(text, status=None, **where)
    if isinstance(exc, errors.BadSymbol):
        return ValidationError(f"{prepared.provider} {prepared.label}: {text}")
    if isinstance(exc, errors.NotSupported):
        return UnsupportedError(
            f"{prepared.provider} {prepared.label}: {text}",
            provider=prepared.provider,
            what=prepared.label,
        )
    if isinstance(exc, errors.BadResponse):
        return ResponseFormatError(text, **where)
    if isinstance(exc, errors.ExchangeError):
        return BadRequestError(text, status=None, **where)
    return ProviderError(text, status=None, **where)


def _encode(prepared: PreparedRequest, result: Any) -> Response:
    import msgspec

    try:
        body = msgspec.json.encode(result)
    except (msgspec.EncodeError, TypeError) as exc:
        raise ResponseFormatError(
            f"ccxt returned what JSON cannot hold ({exc})",
            provider=prepared.provider,
            endpoint=prepared.label,
        ) from None
    return Response(200, body=body, label=prepared.label, provider=prepared.provider)


def _retry_after(exchange: Any, clock: Clock) -> float | None:
    """The venue's `Retry-After`, from the headers ccxt kept of its last answer."""
    headers = getattr(exchange, "last_response_headers", None)
    if not isinstance(headers, Mapping):
        return None
    return parse_retry_after(Headers(headers.items()).get("Retry-After"), clock.time())


def _call(exchange: Any, prepared: PreparedRequest) -> Any:
    method = getattr(exchange, prepared.request.shown_path())
    return method(*(prepared.request.json or ()))


class CcxtSender:
    """Runs a prepared request's unified method on a blocking ccxt exchange instance.

    Args:
        exchange: The ccxt instance (its throttle hook already charges the limiter).
        clock: Time source, to read a `Retry-After` date.
    """

    def __init__(self, exchange: Any, clock: Clock) -> None:
        self._exchange = exchange
        self._clock = clock
        self._errors = importlib.import_module("ccxt.base.errors")

    def send(self, request: PreparedRequest) -> Response:
        """Call the method, answer its result as JSON; see `Sender.send`."""
        token = _TAB.set(_Tab(request.request.cost))
        try:
            result = _call(self._exchange, request)
        except self._errors.BaseError as exc:
            wait = _retry_after(self._exchange, self._clock)
            raise map_error(request, exc, retry_after=wait) from exc
        finally:
            _TAB.reset(token)
        return _encode(request, result)

    def close(self) -> None:
        """Nothing to release: the instance's `requests` session closes with it."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._exchange.id!r})"


class AsyncCcxtSender:
    """Runs a prepared request's unified method on an asyncio ccxt exchange instance.

    Args:
        exchange: The `ccxt.async_support` instance (its throttle hook charges the limiter).
        clock: Time source, to read a `Retry-After` date.
    """

    def __init__(self, exchange: Any, clock: Clock) -> None:
        self._exchange = exchange
        self._clock = clock
        self._errors = importlib.import_module("ccxt.base.errors")

    async def send(self, request: PreparedRequest) -> Response:
        """Await the method, answer its result as JSON; see `AsyncSender.send`."""
        token = _TAB.set(_Tab(request.request.cost))
        try:
            result = await _call(self._exchange, request)
        except self._errors.BaseError as exc:
            wait = _retry_after(self._exchange, self._clock)
            raise map_error(request, exc, retry_after=wait) from exc
        finally:
            _TAB.reset(token)
        return _encode(request, result)

    async def aclose(self) -> None:
        """Close the instance's aiohttp session."""
        await self._exchange.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._exchange.id!r})"
