"""The Coinalyze API described as data: endpoint specs, limits, retention, and request plans.

Nothing here does I/O. The client turns a method call into a plan of
`Request`s with these functions, and the transport runs it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

import attrs

from cryptodata.core._args import names
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.request import Request
from cryptodata.core.schema import Kind
from cryptodata.core.windows import HistoryStep, batched, history_steps

from .intervals import spelling

__all__ = [
    "BASE_URL",
    "ENDPOINTS",
    "MAX_SYMBOLS_PER_REQUEST",
    "PROVIDER",
    "Endpoint",
    "asked_symbols",
    "ceil_seconds",
    "plan_history",
    "plan_snapshot",
    "retention_warning",
    "validate_symbols",
]

PROVIDER: Final = "coinalyze"
BASE_URL: Final = "https://api.coinalyze.net/v1"
API_KEY_HEADER: Final = "api_key"
CALLS_PER_MINUTE: Final = 40
MAX_SYMBOLS_PER_REQUEST: Final = 20
MAX_POINTS_PER_REQUEST: Final = 2_000
"""No cap is documented; intraday series never hold more than 2,000 points, so this is safe."""
RETENTION_POINTS: Final = (1_500, 2_000)
"""Intraday series keep 1,500-2,000 points; older ones are purged daily. `daily` keeps all."""

# Matched with `fullmatch`: `$` would accept a trailing newline ("BTCUSDT_PERP.A\n").
_SYMBOL = re.compile(r"[^\s,.][^\s,]*\.[0-9A-Za-z]+")


@attrs.frozen
class Endpoint:
    """One Coinalyze endpoint.

    Attributes:
        name: The client method that calls it, e.g. `"ohlcv_history"`.
        path: URL path under the base URL.
        kind: Kind of the rows it returns.
        fields: Response field → column, for series and snapshot rows (besides `symbol`/`t`).
        usd: Whether it takes `convert_to_usd`.
        percent: Whether values are percent (converted to fractions).
        coverage_flag: Market flag that says whether a symbol has this data.
    """

    name: str
    path: str
    kind: Kind
    fields: tuple[tuple[str, str], ...] = ()
    usd: bool = False
    percent: bool = False
    coverage_flag: str | None = None

    @property
    def is_history(self) -> bool:
        """Whether the endpoint takes `interval`, `from` and `to`."""
        return self.path.endswith("-history")


_OHLC = (("o", "open"), ("h", "high"), ("l", "low"), ("c", "close"))
_VALUE = (("value", "value"),)

EXCHANGES = Endpoint("exchanges", "/exchanges", Kind.EXCHANGES)
FUTURE_MARKETS = Endpoint("future_markets", "/future-markets", Kind.MARKETS)
SPOT_MARKETS = Endpoint("spot_markets", "/spot-markets", Kind.MARKETS)
OPEN_INTEREST = Endpoint(
    "open_interest", "/open-interest", Kind.OPEN_INTEREST_SNAPSHOT, _VALUE, usd=True
)
FUNDING_RATE = Endpoint(
    "funding_rate", "/funding-rate", Kind.FUNDING_RATE_SNAPSHOT, _VALUE, percent=True
)
PREDICTED_FUNDING_RATE = Endpoint(
    "predicted_funding_rate",
    "/predicted-funding-rate",
    Kind.PREDICTED_FUNDING_RATE_SNAPSHOT,
    _VALUE,
    percent=True,
)
OPEN_INTEREST_HISTORY = Endpoint(
    "open_interest_history", "/open-interest-history", Kind.OPEN_INTEREST, _OHLC, usd=True
)
FUNDING_RATE_HISTORY = Endpoint(
    "funding_rate_history", "/funding-rate-history", Kind.FUNDING_RATE, _OHLC, percent=True
)
PREDICTED_FUNDING_RATE_HISTORY = Endpoint(
    "predicted_funding_rate_history",
    "/predicted-funding-rate-history",
    Kind.PREDICTED_FUNDING_RATE,
    _OHLC,
    percent=True,
)
LIQUIDATION_HISTORY = Endpoint(
    "liquidation_history",
    "/liquidation-history",
    Kind.LIQUIDATIONS,
    (("l", "longs"), ("s", "shorts")),
    usd=True,
)
LONG_SHORT_RATIO_HISTORY = Endpoint(
    "long_short_ratio_history",
    "/long-short-ratio-history",
    Kind.LONG_SHORT_RATIO,
    (("r", "ratio"), ("l", "long_pct"), ("s", "short_pct")),
    coverage_flag="has_long_short_ratio_data",
)
OHLCV_HISTORY = Endpoint(
    "ohlcv_history",
    "/ohlcv-history",
    Kind.OHLCV,
    (*_OHLC, ("v", "volume"), ("bv", "buy_volume"), ("tx", "trades"), ("btx", "buy_trades")),
    coverage_flag="has_ohlcv_data",
)

ENDPOINTS: Final[dict[str, Endpoint]] = {
    endpoint.name: endpoint
    for endpoint in (
        EXCHANGES,
        FUTURE_MARKETS,
        SPOT_MARKETS,
        OPEN_INTEREST,
        FUNDING_RATE,
        PREDICTED_FUNDING_RATE,
        OPEN_INTEREST_HISTORY,
        FUNDING_RATE_HISTORY,
        PREDICTED_FUNDING_RATE_HISTORY,
        LIQUIDATION_HISTORY,
        LONG_SHORT_RATIO_HISTORY,
        OHLCV_HISTORY,
    )
}
"""Every endpoint by client method name."""


HISTORY_BY_KIND: Final[dict[Kind, Endpoint]] = {
    endpoint.kind: endpoint for endpoint in ENDPOINTS.values() if endpoint.is_history
}
"""The history endpoint of each series kind."""


def endpoint_named(name: str) -> Endpoint:
    """The endpoint behind a client method name.

    Raises:
        ValidationError: For an unknown name; the message lists the valid ones.
    """
    try:
        return ENDPOINTS[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name, such as a list
        raise ValidationError(
            f"unknown Coinalyze endpoint {name!r}; use one of {', '.join(ENDPOINTS)}"
        ) from None


def history_endpoint(kind: Kind | str) -> Endpoint:
    """The history endpoint serving a series kind.

    Raises:
        ValidationError: For a kind Coinalyze has no history of.
    """
    try:
        return HISTORY_BY_KIND[Kind(kind)]
    except (KeyError, ValueError):
        kinds = ", ".join(k.value for k in HISTORY_BY_KIND)
        raise ValidationError(f"Coinalyze has no history of {kind!r}; use one of {kinds}") from None


def validate_symbols(symbols: str | Sequence[str]) -> list[str]:
    """Check the shape of Coinalyze symbols (`<name>.<exchange code>`), keeping order, dropping repeats.

    A lone string is one symbol, as everywhere in the library.

    Raises:
        ValidationError: If the list is empty or a symbol is malformed.
    """
    given = names("symbols", symbols)
    for symbol in given:
        if not _SYMBOL.fullmatch(symbol):
            raise ValidationError(
                f"malformed Coinalyze symbol {symbol!r}: expected '<name>.<exchange code>' such as "
                "'BTCUSDT_PERP.A'; look symbols up with future_markets(), spot_markets() or resolve()"
            )
    return given


def plan_snapshot(
    endpoint: Endpoint,
    symbols: Sequence[str],
    *,
    convert_to_usd: bool = False,
    batch_size: int = MAX_SYMBOLS_PER_REQUEST,
) -> list[Request]:
    """Requests for a current-value endpoint: one per batch of up to `batch_size` (20) symbols."""
    extra = (("convert_to_usd", _bool(convert_to_usd)),) if endpoint.usd else ()
    return [
        Request(endpoint.path, (("symbols", ",".join(batch)), *extra), cost=len(batch))
        for batch in batched(symbols, _batch(batch_size))
    ]


def asked_symbols(request: Request) -> list[str]:
    """The symbols a data request of these plans asks for (its `symbols` parameter).

    Examples:
        >>> (request,) = plan_snapshot(FUNDING_RATE, ["BTCUSDT_PERP.A", "BTC.H"])
        >>> asked_symbols(request)
        ['BTCUSDT_PERP.A', 'BTC.H']
    """
    for name, value in request.params:
        if name == "symbols" and isinstance(value, str):
            return value.split(",")
    return []


def plan_history(
    endpoint: Endpoint,
    symbols: Sequence[str],
    interval: Interval,
    start: datetime,
    end: datetime,
    *,
    convert_to_usd: bool = False,
    max_points: int = MAX_POINTS_PER_REQUEST,
    batch_size: int = MAX_SYMBOLS_PER_REQUEST,
) -> list[Request]:
    """Requests for a history endpoint over the half-open window `[start, end)`.

    Symbols are batched by `batch_size`, at most 20 (each symbol costs one call), and the window is split so that
    no request spans more than `max_points` bars. Coinalyze's `from`/`to` are inclusive UNIX
    seconds matched against bar starts, so a window `[lo, hi)` is sent as
    `from = ceil(lo)`, `to = ceil(hi) - 1`.
    """
    extra = (("convert_to_usd", _bool(convert_to_usd)),) if endpoint.usd else ()
    spelled = spelling(interval)
    return [
        Request(
            endpoint.path,
            (
                ("symbols", ",".join(step.symbols)),
                ("interval", spelled),
                ("from", str(ceil_seconds(step.start))),
                ("to", str(ceil_seconds(step.end) - 1)),
                *extra,
            ),
            cost=step.cost,
        )
        for step in steps(
            symbols, interval, start, end, max_points=max_points, batch_size=batch_size
        )
    ]


def steps(
    symbols: Sequence[str],
    interval: Interval,
    start: datetime,
    end: datetime,
    *,
    max_points: int,
    batch_size: int = MAX_SYMBOLS_PER_REQUEST,
) -> list[HistoryStep]:
    """The one-request steps of a history query: symbol batches over windows of `max_points` bars."""
    if max_points < 1:
        raise ValidationError(f"max_points must be at least 1, got {max_points}")
    return history_steps(
        symbols, start, end, window=interval.timedelta * max_points, batch_size=_batch(batch_size)
    )


def batch_size_for(capacity: float) -> int:
    """Symbols per request for a limiter of this capacity: 20, or fewer if one call cannot cost 20.

    Raises:
        ValidationError: For a limiter that cannot grant even one symbol-call.
    """
    if capacity < 1:
        raise ValidationError(f"a limiter of capacity {capacity:g} cannot grant a single call")
    return min(MAX_SYMBOLS_PER_REQUEST, int(capacity))


def _batch(size: int) -> int:
    if not 1 <= size <= MAX_SYMBOLS_PER_REQUEST:
        raise ValidationError(
            f"batch_size must be between 1 and {MAX_SYMBOLS_PER_REQUEST}, got {size}"
        )
    return size


def retention_warning(interval: Interval, start: datetime, now: datetime) -> str | None:
    """A warning when `start` is older than what Coinalyze keeps at this interval, else `None`."""
    if interval is Interval.D1:
        return None
    fewest, most = RETENTION_POINTS
    oldest_kept = now - interval.timedelta * fewest
    if start >= oldest_kept:
        return None
    return (
        f"Coinalyze keeps only {fewest:,}-{most:,} bars at {interval.value} "
        f"({_span(interval.timedelta * fewest, interval.timedelta * most)}); bars before about "
        f"{oldest_kept:%Y-%m-%d %H:%M} UTC have probably been purged, so the result may start later than "
        f"start={start:%Y-%m-%d %H:%M}. Use interval='1d' for deep history."
    )


def _span(shortest: timedelta, longest: timedelta) -> str:
    low, high = shortest.total_seconds() / 3600, longest.total_seconds() / 3600
    return f"{low:.0f}-{high:.0f} hours" if high < 72 else f"{low / 24:.0f}-{high / 24:.0f} days"


def ceil_seconds(moment: datetime) -> int:
    """The first whole UNIX second at or after `moment`: bars at `[start, end)` have
    `ceil_seconds(start) <= t < ceil_seconds(end)`."""
    return math.ceil(moment.timestamp())


def _bool(value: bool) -> str:
    return "true" if value else "false"
