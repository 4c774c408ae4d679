"""CBBI's replay mode: the bundled sample data file, served with no network.

The sample (`samples/latest.json`, synthetic: see `samples/SOURCES.md`) holds every component
from 2024-01-01 to 2024-01-07 (`Woobull` ends a day earlier, `RHODL`'s first value is null).
`sample_client` runs the real client (validation, planning, limiter, transport, parsing)
against it through a `ReplayTransport`, on a clock at `RECORDED_AT` (2024-01-07 12:00 UTC:
the newest day is the day so far). A replay answers every request with the whole file (never
a `304`).

Examples:
    >>> with sample_client() as cb:
    ...     table = cb.latest()
    >>> table.to_polars().filter(metric="cbbi_confidence").get_column("value").to_list()
    [0.76]
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.metric_names import metric_symbol
from cryptodata.core.replay import ReplayTransport

from .client import AsyncCbbi, Cbbi
from .endpoints import PATH
from .metrics import CBBI_METRICS, PROVIDER_ID

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

RECORDED_AT: Final = 1_704_628_800.0
"""The sample's "now" (2024-01-07 12:00 UTC), as epoch seconds."""
SAMPLE_SYMBOLS: Final = tuple(metric_symbol(PROVIDER_ID, entry.name) for entry in CBBI_METRICS)
"""The series the sample holds."""
DAILY: Final = ("2024-01-01", "2024-01-08")
"""The window (`start`, exclusive `end`) the sample covers."""


def sample_transport() -> ReplayTransport:
    """A replay of the bundled file."""
    body = (resources.files(__package__) / "samples" / "latest.json").read_bytes()
    return ReplayTransport({PATH: body})


def sample_client(*, clock: Clock | None = None) -> Cbbi:
    """A `Cbbi` client answered by the bundled sample: no network.

    Args:
        clock: The client's clock; a `ManualClock` at `RECORDED_AT` by default, so default
            window ends read as they would have then, and waits take no time.
    """
    return Cbbi(
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncCbbi:
    """The `AsyncCbbi` twin of `sample_client` (the same bundled file)."""
    return AsyncCbbi(
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[Cbbi]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncCbbi]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
