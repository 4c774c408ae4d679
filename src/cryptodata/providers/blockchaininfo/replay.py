"""blockchain.info's replay mode: the bundled sample answers, served with no network.

The samples (`samples/`, synthetic: see `samples/SOURCES.md`) hold the daily `hash-rate`,
`market-price` and `avg-block-size` charts from 2024-01-01 to 2024-01-07 (`avg-block-size`
with a negative value on 2024-01-03, stored as null with a warning), the 15-minute
`mempool-size` chart of 2024-01-07, and a `/stats` snapshot taken at 2024-01-07 23:59 UTC.
`sample_client` runs the real client (validation, planning, limiter, transport, parsing)
against them through a `ReplayTransport`.

A replay answers a path with its one recorded body whatever the query, so ask only for what
was recorded: `SAMPLE_CHARTS` over `DAILY` (`mempool-size` over `INTRADAY`).

Examples:
    >>> with sample_client() as bc:
    ...     table = bc.chart("hash-rate", start=DAILY[0], end=DAILY[1])
    >>> len(table), table.to_polars().item(0, "unit")
    (7, 'terahashes_per_second')
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.replay import ReplayTransport

from . import endpoints as ep
from .client import AsyncBlockchainInfo, BlockchainInfo

__all__ = [
    "DAILY",
    "INTRADAY",
    "RECORDED_AT",
    "SAMPLE_CHARTS",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_704_672_000.0
"""The samples' "now" (2024-01-08 00:00 UTC), as epoch seconds."""

SAMPLE_CHARTS: Final = ("hash-rate", "market-price", "avg-block-size")
"""The daily charts the samples hold."""
DAILY: Final = ("2024-01-01", "2024-01-08")
"""The window (`start`, exclusive `end`) the daily samples cover."""
INTRADAY: Final = ("2024-01-07", "2024-01-08")
"""The window the 15-minute `mempool-size` sample covers."""

_FILES: Final = {
    **{f"{ep.CHARTS_PATH}{name}": f"{name}.json" for name in (*SAMPLE_CHARTS, "mempool-size")},
    ep.STATS_PATH: "stats.json",
}


def _sample(name: str) -> bytes:
    return (resources.files(__package__) / "samples" / name).read_bytes()


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answers."""
    return ReplayTransport({path: _sample(name) for path, name in _FILES.items()})


def _clock(clock: Clock | None) -> Clock:
    return clock if clock is not None else ManualClock(RECORDED_AT)


def sample_client(*, clock: Clock | None = None) -> BlockchainInfo:
    """A `BlockchainInfo` client answered by the bundled samples: no network.

    Args:
        clock: The client's clock; a `ManualClock` at `RECORDED_AT` by default, so default
            window ends read as they would have then, and waits take no time.
    """
    chosen = _clock(clock)
    return BlockchainInfo(
        http_transport=sample_transport(),
        clock=chosen,
        limiter=SlidingWindowLimiter(ep.CALLS, ep.PER_SECONDS, clock=chosen),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncBlockchainInfo:
    """The `AsyncBlockchainInfo` twin of `sample_client` (the same bundled answers)."""
    chosen = _clock(clock)
    return AsyncBlockchainInfo(
        http_transport=sample_transport(),
        clock=chosen,
        limiter=SlidingWindowLimiter(ep.CALLS, ep.PER_SECONDS, clock=chosen),
    )


def sample_sources() -> list[BlockchainInfo]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncBlockchainInfo]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
