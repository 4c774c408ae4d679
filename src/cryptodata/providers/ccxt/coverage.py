"""What a ccxt exchange offers, from ccxt itself: `has`, `timeframes`, and documented depths.

`has[...]` is `True`, `False`, `None` or `'emulated'`; an emulated method (Bybit's single
funding rate, built on the bulk one) counts as offered. Where a venue restricts a method
beyond what ccxt declares, the restriction is listed here: Binance serves only ~30 days of
open-interest history; OKX's open-interest history has 5m, 1h and 1d only; Bybit's 5m, 15m,
30m, 1h, 4h and 1d. Long/short ratio history: Binance keeps ~30 days; ccxt's Bybit method
passes only `limit`, so only the newest 500 periods are in reach. Liquidation events come
from `fetchLiquidations` where the adapter knows how the venue states the side (Gate, HTX,
Bitfinex); Deribit's answers are bankruptcy settlements (no side, no price), not events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage
from cryptodata.core.venues import normalize_venue

from .endpoints import PROVIDER

__all__ = ["LIQUIDATION_VENUES", "NOT_IN_ADAPTER", "SNAPSHOTS", "coverage", "offers"]

SNAPSHOTS: Final = (Kind.OPEN_INTEREST_SNAPSHOT, Kind.FUNDING_RATE_SNAPSHOT)
"""Kinds a pipeline samples: each cycle fetches the current values."""

NOT_IN_ADAPTER: Final = "the ccxt adapter does not fetch {kind} yet"
LIQUIDATION_VENUES: Final = frozenset({"gateio", "huobi", "bitfinex"})
"""Venues (canonical names) whose liquidation side `frames.liquidation_side` normalises."""
_NOT_EVENTS: Final = {
    "deribit": "ccxt's deribit fetchLiquidations answers bankruptcy settlements "
    "(no side, no price), not liquidation events",
}
_STREAMED: Final = frozenset({"binance", "bybit", "okx"})
"""Venues whose liquidations ccxt.pro streams (`watchLiquidations`), with no REST history."""

_M5, _M15, _M30 = Interval.M5, Interval.M15, Interval.M30
_H1, _H2, _H4, _H6, _H12, _D1 = (
    Interval.H1,
    Interval.H2,
    Interval.H4,
    Interval.H6,
    Interval.H12,
    Interval.D1,
)
_OI_INTERVALS: Final[dict[str, tuple[Interval, ...]]] = {
    "binance": (_M5, _M15, _M30, _H1, _H2, _H4, _H6, _H12, _D1),
    "bybit": (_M5, _M15, _M30, _H1, _H4, _D1),
    "okx": (_M5, _H1, _D1),
}
"""Open-interest history periods the venues take (ccxt rejects the others)."""
_OI_DEPTH: Final = {"binance": timedelta(days=30)}
"""How far back the venue serves open-interest history."""

_LSR_INTERVALS: Final[dict[str, tuple[Interval, ...]]] = {
    "binance": (_M5, _M15, _M30, _H1, _H2, _H4, _H6, _H12, _D1),
    "bybit": (_M5, _M15, _M30, _H1, _H4, _D1),
    "okx": (_M5, _H1, _D1),
    "bitget": (_M5, _M15, _M30, _H1, _H2, _H4, _H6, _H12, _D1),
}
"""Long/short ratio periods the venues take."""
_LSR_DEPTH: Final = {"binance": timedelta(days=30)}
"""How far back the venue serves long/short ratio history."""
_LSR_NEWEST: Final = {"bybit": 499}
"""Periods before the current one in reach where ccxt passes only `limit`: one page of the
newest 500, the current period among them."""

_FUNDING_INTERVALS: Final = (_H1, Interval.H4, Interval.H8)
"""Periods funding settlements may be asked at: the rows are the same, each says its own."""
_CURRENT: Final = 4
"""A snapshot has no history: a window reaching the last few bars is sampled now."""


def offers(has: Any, method: str) -> bool:
    """Whether ccxt's `has[method]` offers it (`True` or `'emulated'`).

    Examples:
        >>> offers({"fetchOHLCV": True, "fetchFundingRate": "emulated"}, "fetchFundingRate")
        True
        >>> offers({"fetchOpenInterestHistory": None}, "fetchOpenInterestHistory")
        False
    """
    value = has.get(method) if isinstance(has, dict) else None
    return value is True or value == "emulated"


def _family(exchange_id: str) -> str:
    return normalize_venue(exchange_id)


def _retention(
    intervals: tuple[Interval, ...], depth: timedelta | None, bars: int | None = None
) -> tuple[tuple[Interval, int], ...]:
    """`(interval, bars)` kept: `depth` of time, or a fixed count of the newest `bars`."""
    if depth is not None:
        return tuple((i, int(depth.total_seconds() // i.seconds)) for i in intervals)
    if bars is not None:
        return tuple((i, bars) for i in intervals)
    return ()


def coverage(exchange: Any) -> Coverage:
    """The coverage of a ccxt exchange instance (no I/O: ccxt's class attributes only).

    `ohlcv` at every timeframe ccxt maps that has a canonical name; `open_interest` history
    at the periods the venue takes (ccxt's timeframes where no restriction is documented),
    with Binance's 30-day depth as retention; `funding_settlement`; `long_short_ratio` at
    the periods the venue takes, with what is in reach as retention; current open interest
    and funding rates (sampled by `watch`); `liquidation_events`; `markets`. What the venue
    lacks is in `missing`.
    """
    exchange_id: str = exchange.id
    has = exchange.has
    venue = _family(exchange_id)
    timeframes = tuple(
        interval for interval in Interval if interval.value in (exchange.timeframes or {})
    )
    kinds: list[KindCoverage] = []
    missing: list[tuple[Kind, str]] = []

    def lacks(kind: Kind, *methods: str) -> None:
        names = " or ".join(methods)
        missing.append((kind, f"ccxt's {exchange_id} has no {names}"))

    if offers(has, "fetchOHLCV"):
        kinds.append(KindCoverage(Kind.OHLCV, intervals=timeframes, units=("base", "contracts")))
    else:
        lacks(Kind.OHLCV, "fetchOHLCV")
    if offers(has, "fetchOpenInterestHistory"):
        intervals = _OI_INTERVALS.get(venue, timeframes)
        retention = _retention(intervals, _OI_DEPTH.get(venue))
        kinds.append(
            KindCoverage(
                Kind.OPEN_INTEREST,
                intervals=intervals,
                units=("base", "contracts", "quote"),
                retention=retention,
            )
        )
    else:
        lacks(Kind.OPEN_INTEREST, "fetchOpenInterestHistory")
    if offers(has, "fetchFundingRateHistory"):
        kinds.append(KindCoverage(Kind.FUNDING_SETTLEMENT, intervals=_FUNDING_INTERVALS))
    else:
        lacks(Kind.FUNDING_SETTLEMENT, "fetchFundingRateHistory")
    current = tuple((interval, _CURRENT) for interval in timeframes)
    if offers(has, "fetchOpenInterest") or offers(has, "fetchOpenInterests"):
        kinds.append(
            KindCoverage(
                Kind.OPEN_INTEREST_SNAPSHOT,
                intervals=timeframes,
                units=("base", "contracts", "quote"),
                retention=current,
            )
        )
    else:
        lacks(Kind.OPEN_INTEREST_SNAPSHOT, "fetchOpenInterest", "fetchOpenInterests")
    if offers(has, "fetchFundingRate") or offers(has, "fetchFundingRates"):
        kinds.append(
            KindCoverage(Kind.FUNDING_RATE_SNAPSHOT, intervals=timeframes, retention=current)
        )
    else:
        lacks(Kind.FUNDING_RATE_SNAPSHOT, "fetchFundingRate", "fetchFundingRates")
    kinds.append(KindCoverage(Kind.MARKETS))
    if offers(has, "fetchLongShortRatioHistory") and venue in _LSR_INTERVALS:
        intervals = _LSR_INTERVALS[venue]
        kinds.append(
            KindCoverage(
                Kind.LONG_SHORT_RATIO,
                intervals=intervals,
                retention=_retention(intervals, _LSR_DEPTH.get(venue), _LSR_NEWEST.get(venue)),
            )
        )
    else:
        lacks(Kind.LONG_SHORT_RATIO, "fetchLongShortRatioHistory")
    if offers(has, "fetchLiquidations") and venue in LIQUIDATION_VENUES:
        # Events have no period: every canonical interval plans the same hourly pages.
        kinds.append(
            KindCoverage(Kind.LIQUIDATION_EVENTS, intervals=tuple(Interval), units=("base",))
        )
    elif venue in _NOT_EVENTS:
        missing.append((Kind.LIQUIDATION_EVENTS, _NOT_EVENTS[venue]))
    else:
        streamed = " (only as a stream: ccxt.pro's watchLiquidations)" if venue in _STREAMED else ""
        missing.append(
            (Kind.LIQUIDATION_EVENTS, f"ccxt's {exchange_id} has no fetchLiquidations{streamed}")
        )
    missing.append(
        (
            Kind.LIQUIDATIONS,
            "the ccxt adapter keeps liquidation events (liquidation_events), not bars",
        )
    )
    return Coverage(PROVIDER, tuple(kinds), venues=(venue,), missing=tuple(missing))
