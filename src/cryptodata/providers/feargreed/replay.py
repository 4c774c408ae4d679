"""Fear & Greed's replay mode: the bundled sample answer, served with no network.

The sample (`samples/fng.json`, synthetic: see `samples/SOURCES.md`) holds the index of
2024-01-01 to 2024-01-08, newest first, 2024-01-04 missing. `sample_client` runs the real
client (validation, planning, limiter, transport, parsing) against it through a
`ReplayTransport`, on a clock at `RECORDED_AT` (2024-01-08 12:00 UTC: the newest value is the
day so far). A replay answers with its one recorded body whatever the `limit`.

Examples:
    >>> with sample_client() as fg:
    ...     table = fg.history(start=DAILY[0], end=DAILY[1])
    >>> table.to_polars().get_column("value").to_list()
    [65.0, 71.0, 76.0, 60.0, 48.0, 42.0, 24.0]
    >>> table.warnings
    ['2024-01-08 of fear_greed@crypto-market is the day so far (alternative.me publishes the next value at 00:00 UTC): a later run replaces it']
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import SYMBOL, AsyncFearGreed, FearGreed
from .endpoints import PATH

__all__ = [
    "DAILY",
    "RECORDED_AT",
    "SAMPLE_SYMBOLS",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_704_715_200.0
"""The sample's "now" (2024-01-08 12:00 UTC), as epoch seconds."""
SAMPLE_SYMBOLS: Final = (SYMBOL,)
"""The series the sample holds."""
DAILY: Final = ("2024-01-01", "2024-01-09")
"""The window (`start`, exclusive `end`) the sample covers."""


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answer."""
    body = (resources.files(__package__) / "samples" / "fng.json").read_bytes()
    return ReplayTransport({PATH: body})


def sample_client(*, clock: Clock | None = None) -> FearGreed:
    """A `FearGreed` client answered by the bundled sample: no network.

    Args:
        clock: The client's clock; a `ManualClock` at `RECORDED_AT` by default, so default
            window ends read as they would have then, and waits take no time.
    """
    return FearGreed(
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncFearGreed:
    """The `AsyncFearGreed` twin of `sample_client` (the same bundled answer)."""
    return AsyncFearGreed(
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[FearGreed]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncFearGreed]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
