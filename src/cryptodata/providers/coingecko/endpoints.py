"""The CoinGecko API described as data: root, key header, limits, and the requests we send.

Nothing here does I/O. The universe flow asks these functions for
`Request`s and the transport sends them. Facts and their
confidence come from the project's CoinGecko reference (`shared/providers/coingecko.md`).
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from cryptodata.core.errors import (
    AuthenticationError,
    ProviderError,
    RateLimitError,
    ServerError,
    excerpt,
)
from cryptodata.core.request import Request, Response
from cryptodata.core.retry import RetryPolicy

__all__ = [
    "BASE_URL",
    "CALLS_PER_MINUTE_DEMO",
    "CALLS_PER_MINUTE_KEYLESS",
    "DEMO_KEY_HEADER",
    "MAX_PER_PAGE",
    "PROVIDER",
    "RETRY",
    "check_envelope",
    "envelope_error",
    "plan_categories",
    "plan_markets",
]

PROVIDER: Final = "coingecko"
BASE_URL: Final = "https://api.coingecko.com/api/v3"
"""Root of the keyless and Demo plans; paid keys use another host and header (not supported)."""
DEMO_KEY_HEADER: Final = "x-cg-demo-api-key"
"""The header the docs recommend for Demo keys (the query parameter would put it in URLs)."""
CALLS_PER_MINUTE_DEMO: Final = 30
"""Demo plan budget: the docs say 100/min in one place, 30/min in most; 30 is the safe reading."""
CALLS_PER_MINUTE_KEYLESS: Final = 10
"""Keyless calls are limited per IP and shared with everyone on it; 5-15/min is what clients see."""
MAX_PER_PAGE: Final = 250
"""`/coins/markets` caps `per_page` at 250."""
VS_CURRENCY: Final = "usd"
RETRY: Final = RetryPolicy(backoff_base=15.0, backoff_max=60.0)
"""CoinGecko's 429 carries no usable `Retry-After`, and keyless clients are told to back off a
minute or more; the default policy's half-second first retry would only extend the penalty."""

CATEGORIES_PATH: Final = "/coins/categories"
MARKETS_PATH: Final = "/coins/markets"


def plan_categories() -> Request:
    """Every category with its id, display name and total market cap (one call).

    Examples:
        >>> plan_categories().endpoint
        '/coins/categories'
    """
    return Request(CATEGORIES_PATH, check=check_envelope)


def plan_markets(page: int, category: str | None = None) -> Request:
    """One page of coins by market cap, descending, optionally of one category.

    Args:
        page: 1-based page number; each page holds up to 250 coins.
        category: A category id from `/coins/categories` (e.g. `"stablecoins"`).

    Examples:
        >>> plan_markets(2, "meme-token").params
        (('vs_currency', 'usd'), ('order', 'market_cap_desc'), ('per_page', '250'), ('page', '2'), ('category', 'meme-token'))
    """
    params: tuple[tuple[str, str], ...] = (
        ("vs_currency", VS_CURRENCY),
        ("order", "market_cap_desc"),
        ("per_page", str(MAX_PER_PAGE)),
        ("page", str(page)),
    )
    if category is not None:
        params += (("category", category),)
    return Request(MARKETS_PATH, params, check=check_envelope)


class _Status(msgspec.Struct):
    error_code: int
    error_message: str = ""


class _Envelope(msgspec.Struct):
    status: _Status


_ENVELOPE: Final = msgspec.json.Decoder(_Envelope)

# Codes of a missing, wrong or misplaced key and of an endpoint outside the key's plan.
_AUTH_CODES: Final = frozenset({401, 403, 10002, 10005, 10010, 10011})


def envelope_error(body: bytes, path: str, *, status: int) -> ProviderError | None:
    """The typed error CoinGecko's `{"status": {"error_code": ...}}` body stands for, else `None`.

    Examples:
        >>> envelope_error(b'{"status": {"error_code": 429}}', "/coins/markets", status=200)
        RateLimitError('coingecko /coins/markets answered HTTP 200: rate limited (error_code 429 in a 200 response) (body: {"status": {"error_code": 429}})')
        >>> envelope_error(b"[]", "/coins/markets", status=200) is None
        True
    """
    if not body.lstrip().startswith(b"{"):
        return None  # every success body is a JSON array: skip decoding it twice
    try:
        code = _ENVELOPE.decode(body).status.error_code
    except msgspec.DecodeError:
        return None
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "endpoint": path,
        "status": status,
        "body": excerpt(body),
    }
    if code == 429:
        return RateLimitError("rate limited (error_code 429 in a 200 response)", **common)
    if code in _AUTH_CODES:
        return AuthenticationError(
            f"error_code {code}: the API key is missing, invalid, or not valid for this root",
            **common,
        )
    if 500 <= code < 600:
        return ServerError(f"error_code {code} in a 200 response", **common)
    return ProviderError(f"error_code {code} in a 200 response", **common)


def check_envelope(response: Response) -> None:
    """Raise the error an envelope in a 2xx answer stands for, inside the transport's retry loop.

    A rate-limit envelope is then backed off and retried, and pauses the shared limiter, exactly
    as an HTTP 429; a 5xx code is retried like a 5xx status.
    """
    error = envelope_error(response.body, response.label, status=response.status)
    if error is not None:
        raise error
