"""What Coinalyze offers, known without I/O: the source protocol's `coverage()`.

Facts from `shared/providers/coinalyze.md`: ten intervals for every history endpoint;
intraday series keep only 1,500-2,000 points (the lower bound is what planning relies on),
`daily` is never purged; OI and liquidations come in the market's unit or in USD, OHLCV volume
in the market's unit; the venue list is the bundled `/exchanges` answer (2026).
"""

from __future__ import annotations

from functools import cache
from typing import Final

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage

from .endpoints import PROVIDER, RETENTION_POINTS
from .intervals import SPELLINGS

__all__ = ["INTERVALS", "coverage"]

INTERVALS: Final = tuple(SPELLINGS)
"""Every interval Coinalyze's history endpoints take."""

_RETENTION: Final = tuple(
    (interval, RETENTION_POINTS[0]) for interval in INTERVALS if interval is not Interval.D1
)
_MARKET_UNITS: Final = ("base", "quote", "contracts")

_VENUES: Final = (
    "Binance",
    "Bit2c",
    "BitFlyer",
    "Bitfinex",
    "Bitforex",
    "Bithumb",
    "BitMEX",
    "Bitstamp",
    "BtcMarkets",
    "Bybit",
    "Coinbase",
    "Deribit",
    "dYdX",
    "Gate.io",
    "Gemini",
    "Huobi",
    "Hyperliquid",
    "Independent Reserve",
    "Kraken",
    "Luno",
    "MercadoBitcoin",
    "OKX",
    "Phemex",
    "Poloniex",
    "Vertex",
    "WOO X",
)


def _bars(kind: Kind, units: tuple[str, ...] = ()) -> KindCoverage:
    return KindCoverage(kind, intervals=INTERVALS, units=units, retention=_RETENTION)


@cache
def coverage() -> Coverage:
    """Coinalyze's coverage: what `Coinalyze.coverage()` returns.

    Built on first use, so that importing the client needs neither the venue table nor the
    coverage records.
    """
    from cryptodata.core.venues import canonical_venue  # deferred: see above

    return Coverage(
        PROVIDER,
        (
            _bars(Kind.OPEN_INTEREST, (*_MARKET_UNITS, "usd")),
            _bars(Kind.FUNDING_RATE),
            _bars(Kind.PREDICTED_FUNDING_RATE),
            _bars(Kind.LIQUIDATIONS, (*_MARKET_UNITS, "usd")),
            _bars(Kind.LONG_SHORT_RATIO),
            _bars(Kind.OHLCV, _MARKET_UNITS),
            KindCoverage(Kind.OPEN_INTEREST_SNAPSHOT, units=(*_MARKET_UNITS, "usd")),
            KindCoverage(Kind.FUNDING_RATE_SNAPSHOT),
            KindCoverage(Kind.PREDICTED_FUNDING_RATE_SNAPSHOT),
            KindCoverage(Kind.MARKETS),
            KindCoverage(Kind.EXCHANGES),
        ),
        tuple(sorted({canonical_venue(name) for name in _VENUES})),
        tuple((name, interval) for interval, name in SPELLINGS.items()),
    )
