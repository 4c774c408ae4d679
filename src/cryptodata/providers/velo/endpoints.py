"""The Velo Data API described as data: hosts, columns, intervals, and the requests' shapes.

Nothing here does I/O. Velo answers CSV (`cryptodata.providers.velo.parse` reads it), takes
every list comma-joined, times in Unix milliseconds and the bucket size (`resolution`) as an
integer number of minutes; `cryptodata.providers.velo.planner` splits a query under the
22,500-value cap.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Final, Literal

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.request import Request, Secret

__all__ = [
    "BASE_URL",
    "BASIS_COINS",
    "BASIS_COLUMN",
    "BASIS_EXCHANGE_WEIGHT",
    "COLUMNS",
    "INTERVALS",
    "MAX_VALUES",
    "PROVIDER",
    "ProductType",
    "authorization",
    "basic_token",
    "catalogue_request",
    "check_columns",
    "check_type",
    "resolution",
]

PROVIDER: Final = "velo"
BASE_URL: Final = "https://api.velo.xyz/api/v1"
MAX_VALUES: Final = 22_500
"""Values one `/rows` answer may hold: buckets x exchanges x products (or coins) x columns."""
CALLS: Final = 120
PER_SECONDS: Final = 30.0
"""No limit is published; one public integration throttles at 120 requests per 30 s."""

ProductType = Literal["futures", "spot", "options"]
TYPES: Final[tuple[ProductType, ...]] = ("futures", "spot", "options")

_SPOT: Final = (
    "open_price",
    "high_price",
    "low_price",
    "close_price",
    "coin_volume",
    "dollar_volume",
    "buy_trades",
    "sell_trades",
    "total_trades",
    "buy_coin_volume",
    "sell_coin_volume",
    "buy_dollar_volume",
    "sell_dollar_volume",
)
_FUTURES: Final = (
    *_SPOT,
    "coin_open_interest_high",
    "coin_open_interest_low",
    "coin_open_interest_close",
    "dollar_open_interest_high",
    "dollar_open_interest_low",
    "dollar_open_interest_close",
    "funding_rate",
    "funding_rate_avg",
    "premium",
    "buy_liquidations",
    "sell_liquidations",
    "buy_liquidations_coin_volume",
    "sell_liquidations_coin_volume",
    "liquidations_coin_volume",
    "buy_liquidations_dollar_volume",
    "sell_liquidations_dollar_volume",
    "liquidations_dollar_volume",
)
_OPTIONS: Final = (
    *(f"{name}_{tenor}" for name in ("iv", "skew") for tenor in ("1w", "1m", "3m", "6m")),
    "vega_coins",
    "vega_dollars",
    "call_delta_coins",
    "call_delta_dollars",
    "put_delta_coins",
    "put_delta_dollars",
    "gamma_coins",
    "gamma_dollars",
    "call_volume",
    "call_premium",
    "call_notional",
    "put_volume",
    "put_premium",
    "put_notional",
    "dollar_volume",
    "dvol_open",
    "dvol_high",
    "dvol_low",
    "dvol_close",
    "index_price",
)

BASIS_COLUMN: Final = "3m_basis_ann"
"""The annualised 3-month basis: asked alone, by coin (BTC, ETH), with no exchanges."""
BASIS_COINS: Final = ("BTC", "ETH")
BASIS_EXCHANGE_WEIGHT: Final = 3
"""The value cap counts a basis request as if it named 3 exchanges."""

COLUMNS: Final[dict[ProductType, tuple[str, ...]]] = {
    "futures": (*_FUTURES, BASIS_COLUMN),
    "spot": _SPOT,
    "options": _OPTIONS,
}
"""The `/rows` columns of each product type."""

ALIASES: Final = (("1D", Interval.D1), ("1W", Interval.W1))
"""Velo's clients' spellings of a day and a week, accepted beside the canonical names."""

INTERVALS: Final[dict[Interval, int]] = {
    Interval.M1: 1,
    Interval.M5: 5,
    Interval.M15: 15,
    Interval.M30: 30,
    Interval.H1: 60,
    Interval.H2: 120,
    Interval.H4: 240,
    Interval.H6: 360,
    Interval.H12: 720,
    Interval.D1: 1_440,
    Interval.W1: 10_080,
}
"""Each interval offered, as the integer minutes `resolution` takes (Velo's clients' list;
calendar months, sent with `months=true`, are not offered)."""


def resolution(interval: Interval) -> int:
    """The `resolution` of `interval`, in minutes.

    Raises:
        ValidationError: For an interval Velo is not asked in.

    Examples:
        >>> resolution(Interval.H4)
        240
    """
    try:
        return INTERVALS[interval]
    except KeyError:
        offered = ", ".join(step.value for step in INTERVALS)
        raise ValidationError(f"Velo has no {interval.value} rows; use one of {offered}") from None


def check_type(value: object) -> ProductType:
    """`value` if it is a Velo product type.

    Raises:
        ValidationError: Otherwise.
    """
    for known in TYPES:
        if value == known:
            return known
    raise ValidationError(f"unknown Velo product type {value!r}; use one of {', '.join(TYPES)}")


def check_columns(product_type: ProductType, columns: Sequence[str]) -> None:
    """Check that every column is one of `product_type`'s.

    Raises:
        ValidationError: Naming the unknown columns.
    """
    offered = COLUMNS[product_type]
    unknown = [column for column in columns if column not in offered]
    if unknown:
        raise ValidationError(
            f"Velo {product_type} rows have no column {', '.join(map(repr, unknown))}; "
            f"use some of {', '.join(offered)}"
        )


def basic_token(key: Secret) -> Secret:
    """The HTTP Basic credentials of `key` (user `api`, password the key), base64-encoded.

    A secret of its own, so that the token is redacted wherever it could show, alone or in
    the header.
    """
    return Secret(base64.b64encode(f"api:{key.reveal()}".encode()).decode("ascii"))


def authorization(token: Secret) -> Secret:
    """The `Authorization` header value of a `basic_token`."""
    return Secret(f"Basic {token.reveal()}")


def catalogue_request(product_type: ProductType) -> Request:
    """The request of a product catalogue (`/futures`, `/spot`, `/options`; active products)."""
    return Request(f"/{product_type}", label=f"/{product_type}")
