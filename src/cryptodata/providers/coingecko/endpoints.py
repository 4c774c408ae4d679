"""The CoinGecko API described as data: root, key header, limits, and the requests we send.

Nothing here does I/O. The universe flow and the history client ask these functions for
`Request`s and the transport sends them. Facts and their
confidence come from the project's CoinGecko reference (`shared/providers/coingecko.md`):

- Three plans: keyless and Demo share `api.coingecko.com` (a Demo key in
  `x-cg-demo-api-key`); paid keys go to `pro-api.coingecko.com` in `x-cg-pro-api-key`. A key
  on the other plan's host is refused (error codes 10010/10011), and nothing in a key tells
  its plan, so the client is told (`plan=`, or `$COINGECKO_PLAN`).
- `/coins/{id}/market_chart/range` picks its granularity by the range's length unless
  `interval` is sent: about 1 day near now is 5-minutely, up to 90 days hourly, above 90 days
  daily (00:00 UTC). `interval=daily` is open to every plan, `interval=5m` to Enterprise
  keys only (10 days a request), so hourly windows rely on the automatic choice.
- Keyless and Demo history reaches back 365 days only.
- Errors can come as `{"status": {"error_code": ..., "error_message": ...}}`, with a 4xx or,
  for a rate limit, even with HTTP 200: `check_envelope` runs inside the retry loop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

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
    "CALLS_PER_MINUTE_PRO",
    "DEMO_KEY_HEADER",
    "KEY_VARIABLE",
    "MAX_PER_PAGE",
    "PLAN_VARIABLE",
    "PROVIDER",
    "PRO_BASE_URL",
    "PRO_KEY_HEADER",
    "RETRY",
    "Plan",
    "check_envelope",
    "coin_request",
    "envelope_error",
    "market_chart_request",
    "ohlc_request",
    "plan_categories",
    "plan_markets",
]

PROVIDER: Final = "coingecko"
BASE_URL: Final = "https://api.coingecko.com/api/v3"
"""Root of the keyless and Demo plans."""
PRO_BASE_URL: Final = "https://pro-api.coingecko.com/api/v3"
"""Root of the paid plans (Analyst, Lite, Pro, Enterprise)."""
DEMO_KEY_HEADER: Final = "x-cg-demo-api-key"
"""The header the docs recommend for Demo keys (the query parameter would put it in URLs)."""
PRO_KEY_HEADER: Final = "x-cg-pro-api-key"
"""The header of paid keys."""
KEY_VARIABLE: Final = "COINGECKO_API_KEY"
PLAN_VARIABLE: Final = "COINGECKO_PLAN"
"""Names the plan of `$COINGECKO_API_KEY` (`demo` or `pro`) where no `plan=` is given."""
Plan = Literal["public", "demo", "pro"]
"""`public`: keyless; `demo`: a free Demo key; `pro`: any paid key."""
CALLS_PER_MINUTE_PRO: Final = 250
"""The smallest paid plan's budget (Basic); larger plans pass their own `limiter=`."""
HISTORY_DAYS_FREE: Final = 365
"""Keyless and Demo history reaches back this many days."""
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
COIN_PATH: Final = "/coins/{id}"
MARKET_CHART_PATH: Final = "/coins/{id}/market_chart/range"
OHLC_PATH: Final = "/coins/{id}/ohlc"


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


def market_chart_request(
    coin_id: str, start: datetime, end: datetime, interval: str | None
) -> Request:
    """Prices, market caps and volumes of one coin over `[start, end]` (Unix seconds).

    Args:
        coin_id: CoinGecko coin id.
        start: First moment (`from`).
        end: Last moment (`to`).
        interval: `"daily"` or `"5m"`, or `None` for CoinGecko's automatic granularity.

    Examples:
        >>> from datetime import UTC
        >>> request = market_chart_request("bitcoin", datetime(2024, 1, 1, tzinfo=UTC),
        ...                                datetime(2024, 1, 2, tzinfo=UTC), "daily")
        >>> request.endpoint, request.params
        ('/coins/bitcoin/market_chart/range', (('vs_currency', 'usd'), ('from', '1704067200'), ('to', '1704153600'), ('interval', 'daily')))
    """
    params: tuple[tuple[str, str], ...] = (
        ("vs_currency", VS_CURRENCY),
        ("from", str(int(start.timestamp()))),
        ("to", str(int(end.timestamp()))),
    )
    if interval is not None:
        params += (("interval", interval),)
    return Request(MARKET_CHART_PATH.format(id=coin_id), params, check=check_envelope)


def ohlc_request(coin_id: str, days: int, interval: str | None) -> Request:
    """OHLC candles of one coin over the last `days` days.

    Args:
        coin_id: CoinGecko coin id.
        days: One of 1, 7, 14, 30, 90, 180, 365.
        interval: `"daily"` or `"hourly"` (paid plans only), or `None` for the automatic
            candle body (30 minutes for 1-2 days, 4 hours for 3-30, 4 days beyond).
    """
    params: tuple[tuple[str, str], ...] = (("vs_currency", VS_CURRENCY), ("days", str(days)))
    if interval is not None:
        params += (("interval", interval),)
    return Request(OHLC_PATH.format(id=coin_id), params, check=check_envelope)


def coin_request(coin_id: str) -> Request:
    """One coin's details and current market data, without tickers or community data."""
    params = (
        ("localization", "false"),
        ("tickers", "false"),
        ("market_data", "true"),
        ("community_data", "false"),
        ("developer_data", "false"),
        ("sparkline", "false"),
    )
    return Request(COIN_PATH.format(id=coin_id), params, check=check_envelope)


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
        return None  # a list body is a success: skip decoding it twice
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
