"""DefiLlama's replay mode: the bundled synthetic answers, served with no key and no network.

The package ships synthetic answers shaped as the reference documents them (`samples/`, see
its SOURCES.md): the chains, protocols and stablecoins lists, and daily points from 2025-01-01
to the still-filling 2025-01-08 of the series in `SAMPLE_SERIES`. `sample_client` runs the
real client (validation, planning, limiter, transport, parsing) against them through a
`ReplayTransport`, with a clock at the recording time.

A replay answers a path with its one recorded body whatever the query, so ask only for the
series in `SAMPLE_SERIES` inside `[SAMPLE_START, SAMPLE_END)`.

Examples:
    >>> with sample_client() as ll:
    ...     table = ll.chain_tvl("Ethereum", start=SAMPLE_START, end=SAMPLE_END)
    >>> len(table), table.to_polars().item(0, "value"), table.warnings[0][:13]
    (8, 66000000000.0, '2025-01-08 of')
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import AsyncDefiLlama, DefiLlama

__all__ = [
    "RECORDED_AT",
    "SAMPLE_END",
    "SAMPLE_SERIES",
    "SAMPLE_START",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_736_316_000.0
"""The samples' "now" (2025-01-08 06:00 UTC), as epoch seconds: their last day is unfinished."""

SAMPLE_START: Final = "2025-01-01"
SAMPLE_END: Final = "2025-01-09"

SAMPLE_SERIES: Final = (
    "chain_tvl@Ethereum",
    "tvl@aave",
    "fees_24h@Ethereum",
    "fees_24h@aave",
    "dex_volume_24h@Ethereum",
    "stablecoin_supply@all",
    "stablecoin_supply@Ethereum",
    "price@coingecko:bitcoin",
)
"""The series the samples hold (as `metric_symbol`s): the only ones a replay answers truthfully."""

_FILES: Final = {
    "/v2/chains": "v2-chains.json",
    "/protocols": "protocols.json",
    "/stablecoins": "stablecoins.json",
    "/v2/historicalChainTvl/Ethereum": "historicalChainTvl-Ethereum.json",
    "/protocol/aave": "protocol-aave.json",
    "/overview/fees/ethereum": "overview-fees-ethereum.json",
    "/overview/dexs/ethereum": "overview-dexs-ethereum.json",
    "/summary/fees/aave": "summary-fees-aave.json",
    "/stablecoincharts/all": "stablecoincharts-all.json",
    "/stablecoincharts/Ethereum": "stablecoincharts-Ethereum.json",
    "/chart/coingecko:bitcoin": "chart-coingecko-bitcoin.json",
    "/prices/current/coingecko:bitcoin": "prices-current-coingecko-bitcoin.json",
}


def _sample(name: str) -> bytes:
    return (resources.files(__package__) / "samples" / name).read_bytes()


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answers (free paths and Pro paths alike: matched by suffix)."""
    return ReplayTransport({path: _sample(name) for path, name in _FILES.items()})


def sample_client(*, clock: Clock | None = None) -> DefiLlama:
    """A free-tier `DefiLlama` answered by the bundled samples: no key, no network.

    Args:
        clock: The client's clock; by default a `ManualClock` at `RECORDED_AT`, so the
            samples' last day reads as unfinished, as it was, and waits take no time.
    """
    return DefiLlama(
        api_key=None,
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncDefiLlama:
    """The `AsyncDefiLlama` twin of `sample_client` (the same bundled answers)."""
    return AsyncDefiLlama(
        api_key=None,
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[DefiLlama]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncDefiLlama]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
