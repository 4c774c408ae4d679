"""CoinGecko's replay mode: the bundled sample answers, served with no key and no network.

The samples (`samples/`, synthetic: see `samples/SOURCES.md`) hold the daily market chart of
`bitcoin` and `ethereum` from 2024-01-01 to the samples' "now", 2024-01-06 12:00 UTC (one
ethereum volume is a null gap), bitcoin's 4-hour OHLC candles of the last 7 days, the
category list and bitcoin's details. `sample_client` runs the real keyless client
(validation, planning, limiter, transport, parsing) against them through a
`ReplayTransport`.

A replay answers a path with its one recorded body whatever the query, so ask only for what
was recorded: `SAMPLE_COINS` daily over `DAILY`.

Examples:
    >>> with sample_client() as cg:
    ...     table = cg.market_chart("bitcoin", start=DAILY[0], end=DAILY[1])
    >>> len(table), sorted(set(table.to_polars()["metric"]))
    (18, ['market_cap', 'price', 'volume_usd_24h'])
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import AsyncCoinGecko, CoinGecko

__all__ = [
    "DAILY",
    "RECORDED_AT",
    "SAMPLE_COINS",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_704_542_441.331
"""The samples' "now" (2024-01-06 12:00:41 UTC), as epoch seconds."""

SAMPLE_COINS: Final = ("bitcoin", "ethereum")
"""The coins whose market chart is bundled."""
DAILY: Final = ("2024-01-01", "2024-01-07")
"""The window (`start`, exclusive `end`) the bundled market charts cover."""

_FILES: Final = {
    "/coins/bitcoin/market_chart/range": "market_chart.bitcoin.json",
    "/coins/ethereum/market_chart/range": "market_chart.ethereum.json",
    "/coins/bitcoin/ohlc": "ohlc.bitcoin.json",
    "/coins/categories": "categories.json",
    "/coins/bitcoin": "coin.bitcoin.json",
}


def _sample(name: str) -> bytes:
    return (resources.files(__package__) / "samples" / name).read_bytes()


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answers."""
    return ReplayTransport({path: _sample(name) for path, name in _FILES.items()})


def sample_client(*, clock: Clock | None = None) -> CoinGecko:
    """A keyless `CoinGecko` client answered by the bundled samples: no key, no network.

    Args:
        clock: The client's clock; a `ManualClock` at `RECORDED_AT` by default, so default
            window ends and the 365-day reach read as they would have then, and waits take
            no time.
    """
    return CoinGecko(
        plan="public",
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncCoinGecko:
    """The `AsyncCoinGecko` twin of `sample_client` (the same bundled answers)."""
    return AsyncCoinGecko(
        plan="public",
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[CoinGecko]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncCoinGecko]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
