"""Coin Metrics' replay mode: the bundled synthetic answers, served with no key and no network.

The samples (`samples/`, synthetic: see `samples/SOURCES.md`) hold five daily bars from
2024-01-01 of `AdrActCnt`, `TxCnt`, `SplyCur`, `PriceUSD` and `CapMrktCurUSD` for `btc` and
`eth`, and `HashRate` for `btc`, plus their catalogue. `sample_client` runs the real client
(validation, planning, limiter, transport, paging, parsing) against them through a
`ReplayTransport`.

A replay answers a path with its one recorded body whatever the query, so ask only for what
was recorded: the assets in `SAMPLE_ASSETS` over `DAILY`.

Examples:
    >>> with sample_client() as cm:
    ...     table = cm.asset_metrics(SAMPLE_ASSETS, ["AdrActCnt", "TxCnt", "SplyCur", "PriceUSD",
    ...         "CapMrktCurUSD"], interval="1d", start=DAILY[0], end=DAILY[1])
    >>> len(table), table.to_polars().item(0, "value")
    (50, 812345.0)
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import AsyncCoinMetrics, CoinMetrics

__all__ = [
    "DAILY",
    "RECORDED_AT",
    "SAMPLE_ASSETS",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_704_499_200.0
"""The "now" of the samples (2024-01-06 00:00 UTC, the day after the last bar), epoch seconds."""

SAMPLE_ASSETS: Final = ("btc", "eth")
"""The assets the samples hold."""

DAILY: Final = ("2024-01-01", "2024-01-06")
"""The window the daily bars cover: `start` (inclusive) and `end` (exclusive)."""

_FILES: Final = {
    "/timeseries/asset-metrics": "asset-metrics.json",
    "/catalog-v2/asset-metrics": "catalog.json",
}


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answers."""
    folder = resources.files(__package__) / "samples"
    return ReplayTransport({path: (folder / name).read_bytes() for path, name in _FILES.items()})


def sample_client(*, clock: Clock | None = None) -> CoinMetrics:
    """A community `CoinMetrics` client answered by the bundled samples: no network.

    Args:
        clock: The client's clock; by default a `ManualClock` at `RECORDED_AT`, so default
            window ends read as they did for the samples, and waits take no time.
    """
    return CoinMetrics(
        api_key=None,
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncCoinMetrics:
    """The `AsyncCoinMetrics` twin of `sample_client` (the same bundled answers)."""
    return AsyncCoinMetrics(
        api_key=None,
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[CoinMetrics]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncCoinMetrics]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
