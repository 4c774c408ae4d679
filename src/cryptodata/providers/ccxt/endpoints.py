"""The unified methods the adapter calls, as data: page limits, costs, request builders.

Nothing here does I/O. A request names the method in its path and carries its positional
arguments as JSON (see `sender`). Page limits come from the instance's `features` where ccxt
describes the method (OHLCV only), else from the caps the venues document; costs are the
endpoint weights ccxt charges for one page, so a plan's cost is known before it runs (the
throttle hook charges anything a call costs beyond that; see `sender`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from cryptodata.core.intervals import Interval
from cryptodata.core.request import Request

__all__ = [
    "BASE_URL",
    "FUNDING_HISTORY",
    "LIQUIDATIONS",
    "LONG_SHORT_HISTORY",
    "OHLCV",
    "OPEN_INTEREST_HISTORY",
    "PROVIDER",
    "bounds",
    "call",
    "cost",
    "dearest",
    "newest_only",
    "page_limit",
    "pages",
    "period",
]

PROVIDER: Final = "ccxt"
BASE_URL: Final = "https://ccxt.invalid"
"""The transport's base URL: never dialled (ccxt does the HTTP); `.invalid` says so."""

OHLCV: Final = "fetch_ohlcv"
FUNDING_HISTORY: Final = "fetch_funding_rate_history"
OPEN_INTEREST_HISTORY: Final = "fetch_open_interest_history"
LONG_SHORT_HISTORY: Final = "fetch_long_short_ratio_history"
LIQUIDATIONS: Final = "fetch_liquidations"

_FAMILY: Final = {"binanceusdm": "binance", "binancecoinm": "binance", "bybiteu": "bybit"}
"""Ids that share another's endpoints and caps."""

_CAPS: Final[dict[str, dict[str, int]]] = {
    # Binance: klines 1,000 (ccxt's own hard cap), fundingRate 1,000, openInterestHist 500.
    "binance": {
        OHLCV: 1000,
        FUNDING_HISTORY: 1000,
        OPEN_INTEREST_HISTORY: 500,
        LONG_SHORT_HISTORY: 500,
    },
    "bybit": {FUNDING_HISTORY: 200, OPEN_INTEREST_HISTORY: 200, LONG_SHORT_HISTORY: 500},
    "gate": {LIQUIDATIONS: 1000},
    "htx": {LIQUIDATIONS: 100},
    "bitfinex": {LIQUIDATIONS: 500},
    "okx": {FUNDING_HISTORY: 100, OPEN_INTEREST_HISTORY: 100, LONG_SHORT_HISTORY: 100},
    "hyperliquid": {FUNDING_HISTORY: 500},
}
"""Rows per request the venues document, where ccxt's `features` do not say."""

_NEWEST_ONLY: Final = {LONG_SHORT_HISTORY: frozenset({"bybit", "bitget"})}
"""Venues whose ccxt method passes no `since`/`until` (only `limit`, or nothing): one call
answers the newest rows, and what lies before them is out of reach."""

_PERIODS: Final[dict[str, dict[str, str]]] = {
    # ccxt hands Bybit's and Bitget's `period` through as given; Bybit spells minutes `min`.
    "bybit": {"5m": "5min", "15m": "15min", "30m": "30min"},
}
"""The venue's own name of a long/short period, where it is not the canonical one."""

DEFAULT_CAP: Final = 100
"""Rows per request asked of a method and venue neither `features` nor `_CAPS` describe."""

_KLINE_WEIGHTS: Final = ((99, 1), (499, 2), (1000, 5))
"""Binance's klines weight by `limit` (ccxt's `byLimit`); 10 above 1,000."""
_MAX_KLINE_COST: Final = 10
_FLAT_COSTS: Final = {"bybit": 5}
"""ccxt's cost of one public market-data call, per venue (1 where not listed)."""
_METHOD_COSTS: Final = {("bitfinex", LIQUIDATIONS): 80}
"""ccxt's cost of one call of a method that costs more than the venue's others (Bitfinex
serves liquidations three times a minute)."""
_SECOND_BOUNDS: Final = {LIQUIDATIONS: frozenset({"gate"})}
"""Venues whose method takes its bounds in seconds though ccxt hands them on as ms."""


def _family(exchange_id: str) -> str:
    return _FAMILY.get(exchange_id, exchange_id)


def page_limit(exchange_id: str, method: str, features: Any, market_type: str) -> int:
    """Rows asked per request of `method` on `exchange_id`, for a market of `market_type`.

    `market_type` is `spot`, `linear` or `inverse` (futures and swaps share their limits).

    Examples:
        >>> page_limit("bybit", "fetch_funding_rate_history", {}, "linear")
        200
        >>> page_limit("kraken", "fetch_ohlcv", {"spot": {"fetchOHLCV": {"limit": 720}}}, "spot")
        720
    """
    if method == OHLCV:
        described = _features_limit(features, market_type)
        if described is not None:
            return min(described, _CAPS.get(_family(exchange_id), {}).get(OHLCV, described))
    return _CAPS.get(_family(exchange_id), {}).get(method, DEFAULT_CAP)


def _features_limit(features: Any, market_type: str) -> int | None:
    """`features[...]['fetchOHLCV']['limit']` for the market type, if ccxt gives one."""
    if not isinstance(features, dict):
        return None
    sections: list[Any] = (
        [features.get("spot")]
        if market_type == "spot"
        else [(features.get(kind) or {}).get(market_type) for kind in ("swap", "future")]
    )
    for section in sections:
        if isinstance(section, dict):
            entry = section.get("fetchOHLCV")
            if isinstance(entry, dict) and isinstance(entry.get("limit"), int):
                limit: int = entry["limit"]
                return limit
    return None


def newest_only(exchange_id: str, method: str) -> bool:
    """Whether ccxt's `method` on `exchange_id` can only answer the newest rows.

    Examples:
        >>> newest_only("bybit", LONG_SHORT_HISTORY), newest_only("binanceusdm", LONG_SHORT_HISTORY)
        (True, False)
    """
    return _family(exchange_id) in _NEWEST_ONLY.get(method, frozenset())


def period(exchange_id: str, interval: Interval) -> str:
    """The `timeframe` to hand ccxt's long/short method for `interval` on `exchange_id`.

    Examples:
        >>> period("bybit", Interval.M5), period("binanceusdm", Interval.M5)
        ('5min', '5m')
    """
    return _PERIODS.get(_family(exchange_id), {}).get(interval.value, interval.value)


def cost(exchange_id: str, method: str, limit: int) -> int:
    """ccxt's cost of one page of `method` asking `limit` rows, in its cost units.

    Examples:
        >>> cost("binanceusdm", "fetch_ohlcv", 1000), cost("binanceusdm", "fetch_ohlcv", 499)
        (5, 2)
        >>> cost("bybit", "fetch_open_interest_history", 200)
        5
    """
    family = _family(exchange_id)
    if family == "binance" and method == OHLCV:
        return next((weight for most, weight in _KLINE_WEIGHTS if limit <= most), _MAX_KLINE_COST)
    return _METHOD_COSTS.get((family, method), _FLAT_COSTS.get(family, 1))


def dearest(exchange_id: str) -> int:
    """The dearest single call the adapter plans on `exchange_id`, in ccxt's cost units.

    A limiter's burst must hold it, or the call could never be paid.

    Examples:
        >>> dearest("bitfinex"), dearest("bybit")
        (80, 5)
    """
    family = _family(exchange_id)
    return max(
        [_FLAT_COSTS.get(family, 1)]
        + [charge for (venue, _), charge in _METHOD_COSTS.items() if venue == family]
    )


def bounds(
    exchange_id: str, method: str, since: int, until: int
) -> tuple[int | None, dict[str, Any]]:
    """ccxt's `since` and params for the inclusive ms bounds `[since, until]` of one page.

    Gate's liquidation history takes `from` and `to` in seconds, which ccxt would send as
    ms: they go as params (which override ccxt's), rounded outwards, and the rows are
    filtered to the page's window afterwards.

    Examples:
        >>> bounds("gate", LIQUIDATIONS, 1_000_500, 1_999_999)
        (None, {'from': 1000, 'to': 2000})
        >>> bounds("htx", LIQUIDATIONS, 1_000_500, 1_999_999)
        (1000500, {'until': 1999999})
    """
    if _family(exchange_id) in _SECOND_BOUNDS.get(method, frozenset()):
        return None, {"from": since // 1000, "to": -(-until // 1000)}
    return since, {"until": until}


def call(method: str, *args: Any, cost: int = 1) -> Request:
    """The request that runs `method(*args)` on the exchange instance, charged `cost`.

    Examples:
        >>> call("fetch_ohlcv", "BTC/USDT:USDT", "1h", 0, 500, {}, cost=5).label
        'fetch_ohlcv'
    """
    return Request(method, method="POST", json=list(args), cost=cost)


def pages(
    lo: datetime, hi: datetime, step: Interval, limit: int
) -> list[tuple[datetime, datetime]]:
    """`[lo, hi)` as consecutive pages of `limit` bars of `step` (the last one shorter).

    Examples:
        >>> from datetime import UTC
        >>> [(a.hour, b.hour) for a, b in pages(datetime(2025, 1, 1, tzinfo=UTC),
        ...     datetime(2025, 1, 1, 5, tzinfo=UTC), Interval.H1, 2)]
        [(0, 2), (2, 4), (4, 5)]
    """
    found = []
    while lo < hi:
        try:
            last = min(hi, step.add(lo, limit))
        except OverflowError:  # past year 9999: the rest is one page
            last = hi
        found.append((lo, last))
        lo = last
    return found
