"""The error tree: one type per decision a caller makes.

```
CryptoDataError
├── ValidationError          bad arguments; raised before any request is sent
│   └── UnsupportedError     the provider does not offer that kind / interval / depth
├── ProviderError            the provider answered with an error (status, or envelope in a 200)
│   ├── BadRequestError      400 and other 4xx: fix the request
│   ├── AuthenticationError  401 / 403: fix the API key
│   ├── NotFoundError        404
│   ├── RateLimitError       429: wait `retry_after` seconds
│   └── ServerError          5xx: the provider is unwell; retried before it reaches you
├── TransportError           timeouts and connection failures; retried before it reaches you
├── ResponseFormatError      the provider answered 2xx with a body we cannot parse
├── SinkError                a store (database, file system) refused or failed an operation
└── MissingDependencyError   an optional package is not installed (also an ImportError)
```

Messages and attributes never contain an API key: errors carry the request's label (its path
by default, with every `Secret` shown as `***`), never the
full URL, and every error replaces the value of each live `Secret` in its message and body
with `***` (a server that echoes the key it was given cannot put it back in).
"""

from __future__ import annotations

from ._redact import redact_known

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "CryptoDataError",
    "MissingDependencyError",
    "NotFoundError",
    "ProviderError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "SinkError",
    "TransportError",
    "UnsupportedError",
    "ValidationError",
    "error_for_status",
]

_EXCERPT_CHARS = 300


def excerpt(body: bytes | str, limit: int = _EXCERPT_CHARS) -> str:
    """Return the start of a response body as one short line, for error messages.

    Known secrets are redacted before the body is cut, so a key at the cut cannot leave half
    of itself behind.

    Examples:
        >>> excerpt('{"error":\\n   "quota"}')
        '{"error": "quota"}'
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(redact_known(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CryptoDataError(Exception):
    """Base class of every error raised by cryptodata.

    The value of every live `Secret` in the text an error is
    built with shows as `***`: whatever a server echoed or a library wrote into a message, no
    error can carry a key.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact_known(arg) if isinstance(arg, str) else arg for arg in args))


class ValidationError(CryptoDataError, ValueError):
    """An argument is invalid. Raised before any request is sent.

    Examples:
        >>> from cryptodata import ValidationError, to_utc
        >>> try:
        ...     to_utc("yesterday")
        ... except ValidationError as exc:
        ...     print(type(exc).__name__)
        ValidationError
    """


class ProviderError(CryptoDataError):
    """The provider answered with an error.

    Examples:
        >>> str(ProviderError("unknown market", provider="ccxt", endpoint="fetch_ohlcv", status=None))
        'ccxt fetch_ohlcv failed: unknown market'

    Attributes:
        provider: Provider name, e.g. `"coinalyze"`.
        endpoint: The request's label, e.g. `"/open-interest-history"` (never the full URL).
        status: HTTP status code, or `None` when there is none to report (a library that does
            its own HTTP, such as ccxt, raised the error).
        body: The start of the response body (any live secret in it as `***`).
    """

    def __init__(
        self, message: str, *, provider: str, endpoint: str, status: int | None, body: str = ""
    ) -> None:
        body = redact_known(body)
        self.provider = provider
        self.endpoint = endpoint
        self.status = status
        self.body = body
        answered = "failed" if status is None else f"answered HTTP {status}"
        detail = f"{provider} {endpoint} {answered}: {message}"
        if body:
            detail += f" (body: {body})"
        super().__init__(detail)


class BadRequestError(ProviderError):
    """HTTP 400 or another 4xx without a class of its own: the request itself is wrong."""


class AuthenticationError(ProviderError):
    """HTTP 401 or 403: the API key is missing, invalid or lacks permission."""


class NotFoundError(ProviderError):
    """HTTP 404: the endpoint or resource does not exist."""


class RateLimitError(ProviderError):
    """HTTP 429 (or a rate-limit envelope) that outlasted the retry budget, or asked for a
    longer wait than allowed.

    Attributes:
        retry_after: Seconds the provider asked to wait, or `None` when it did not say.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        endpoint: str,
        status: int | None = 429,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, provider=provider, endpoint=endpoint, status=status, body=body)


class ServerError(ProviderError):
    """HTTP 5xx that outlasted the retry budget."""


class TransportError(CryptoDataError):
    """The request did not complete: timeout, DNS or connection failure.

    Attributes:
        provider: Provider name.
        endpoint: Endpoint path.
    """

    def __init__(self, message: str, *, provider: str, endpoint: str) -> None:
        self.provider = provider
        self.endpoint = endpoint
        super().__init__(f"{provider} {endpoint}: {message}")


class ResponseFormatError(CryptoDataError):
    """The provider answered successfully, but the body is not what its API documents.

    Attributes:
        provider: Provider name.
        endpoint: Endpoint path.
        body: The start of the response body (any live secret in it as `***`).
    """

    def __init__(self, message: str, *, provider: str, endpoint: str, body: str = "") -> None:
        body = redact_known(body)
        self.provider = provider
        self.endpoint = endpoint
        self.body = body
        detail = f"{provider} {endpoint} sent a response we cannot parse: {message}"
        if body:
            detail += f" (body: {body})"
        super().__init__(detail)


class SinkError(CryptoDataError):
    """A store could not do what was asked: its database or file system refused or failed.

    The arguments were fine (those raise `ValidationError` before anything is written): the
    server is unreachable or rejected the statement, a directory is not writable, the disk
    is full, a stored file is damaged. The store's own exception is the `__cause__`, except
    where it would carry a secret (a failed connection's DSN holds the password).

    Attributes:
        sink: The sink, as its `repr` shows it (a root path, or a database's host, port and
            name; never a password).

    Examples:
        >>> str(SinkError("cannot write: disk full", sink="JsonlSink('data')"))
        "JsonlSink('data'): cannot write: disk full"
    """

    def __init__(self, message: str, *, sink: str) -> None:
        self.sink = sink
        super().__init__(f"{sink}: {message}")


class MissingDependencyError(CryptoDataError, ImportError):
    """An optional package a feature needs is not installed.

    Raised when the feature is used (a sink or limiter constructed), never on import, so
    `from cryptodata import *` works on a plain install. Also an `ImportError`.

    Attributes:
        package: The missing package, e.g. `"psycopg"`.
        extra: The cryptodata extra that installs it, e.g. `"postgres"`.

    Examples:
        >>> err = MissingDependencyError("PostgresSink", package="psycopg", extra="postgres")
        >>> str(err)
        "PostgresSink needs psycopg, which is not installed: pip install 'cryptodata[postgres]'"
        >>> isinstance(err, ImportError)
        True
    """

    def __init__(self, feature: str, *, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{feature} needs {package}, which is not installed: pip install 'cryptodata[{extra}]'"
        )


class UnsupportedError(ValidationError):
    """The provider does not offer what was asked (a kind, an interval, a depth of history).

    Raised before any request, from what the source's `coverage()` declares, so a router can
    catch it and ask another provider.

    Attributes:
        provider: The provider that lacks it.
        what: What it lacks, e.g. `"ohlcv"` or `"open_interest 8h"`.

    Examples:
        >>> err = UnsupportedError("no 8h bars", provider="coinalyze", what="open_interest 8h")
        >>> isinstance(err, ValidationError), err.what
        (True, 'open_interest 8h')
    """

    def __init__(self, message: str, *, provider: str, what: str) -> None:
        self.provider = provider
        self.what = what
        super().__init__(message)


_BY_STATUS: dict[int, tuple[type[ProviderError], str]] = {
    429: (RateLimitError, "rate limited"),
    401: (AuthenticationError, "the API key is missing, invalid or not allowed here"),
    403: (AuthenticationError, "the API key is missing, invalid or not allowed here"),
    404: (NotFoundError, "not found"),
}


def error_for_status(status: int) -> tuple[type[ProviderError], str]:
    """The error type an HTTP error status means, and its standard message.

    One table for the transport's status handling and for providers that report a status
    inside a 200 answer (CoinGecko's `{"status": {"error_code": 429}}`).

    Examples:
        >>> error_for_status(503)
        (<class 'cryptodata.core.errors.ServerError'>, 'server error')
    """
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError, "server error"
    if 400 <= status < 500:
        return BadRequestError, "request rejected"
    return ProviderError, "unexpected status"
