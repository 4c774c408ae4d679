"""Artemis' replay mode: the bundled sample answers, served with no key and no network.

The samples (`samples/`, synthetic: see `samples/SOURCES.md`) hold daily `PRICE` and `FEES`
of `btc`, `eth` and `sol` from 2024-01-01 to 2024-01-05 (btc's `FEES` is a message in place
of its list, as Artemis answers a metric it lacks), the catalogue of `sol` and an asset list.
`sample_client` runs the real client (validation, planning, limiter, transport, parsing)
against them through a `ReplayTransport`.

A replay answers a path with its one recorded body whatever the query, so ask only for what
was recorded: `SAMPLE_METRICS` of `SAMPLE_SYMBOLS` over `DAILY`.

Examples:
    >>> with sample_client() as ar:
    ...     table = ar.metrics(SAMPLE_METRICS, symbols=SAMPLE_SYMBOLS, start=DAILY[0], end=DAILY[1])
    >>> len(table), table.warnings
    (25, ['Artemis has no FEES for btc: Metric FEES is not available for asset btc'])
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import Artemis, AsyncArtemis

__all__ = [
    "DAILY",
    "RECORDED_AT",
    "SAMPLE_METRICS",
    "SAMPLE_SYMBOLS",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_704_672_000.0
"""The samples' "now" (2024-01-08 00:00 UTC), as epoch seconds."""

SAMPLE_METRICS: Final = ("price", "fees_24h")
"""The metrics the bundled metrics answer holds."""
SAMPLE_SYMBOLS: Final = ("btc", "eth", "sol")
"""The symbols the bundled metrics answer holds."""
DAILY: Final = ("2024-01-01", "2024-01-06")
"""The window (`start`, exclusive `end`) the bundled metrics answer covers."""

_FILES: Final = {
    "/data/api/PRICE,FEES/": "metrics.PRICE,FEES.json",
    "/supported-metrics/": "supported-metrics.sol.json",
    "/asset/symbols/": "asset-symbols.json",
}


def _sample(name: str) -> bytes:
    return (resources.files(__package__) / "samples" / name).read_bytes()


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answers."""
    return ReplayTransport({path: _sample(name) for path, name in _FILES.items()})


def sample_client(*, clock: Clock | None = None) -> Artemis:
    """An `Artemis` client answered by the bundled samples: no key, no network.

    Args:
        clock: The client's clock; a `ManualClock` at `RECORDED_AT` by default, so default
            window ends read as they would have then, and waits take no time.
    """
    return Artemis(
        api_key="bundled-samples",
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncArtemis:
    """The `AsyncArtemis` twin of `sample_client` (the same bundled answers)."""
    return AsyncArtemis(
        api_key="bundled-samples",
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[Artemis]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncArtemis]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
