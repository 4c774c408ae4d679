"""Velo's replay mode: the bundled synthetic answers, served with no key and no network.

The package ships synthetic answers shaped like Velo's (`samples/`, see `SOURCES.md`): the
three product catalogues and one `/rows` answer, six hourly rows of `SAMPLE_COLUMNS` for
`BTCUSDT` on `binance-futures` and `bybit` from 2026-07-13. `sample_client` runs the real
client (validation, planning, limiter, transport, CSV parsing) against them through a
`ReplayTransport`.

A replay answers a path with its one body whatever the query: ask `rows` only for what was
recorded (`SAMPLE_ROWS`), or the header check refuses the answer.

Examples:
    >>> with sample_client() as ve:
    ...     table = ve.rows(**SAMPLE_ROWS)
    >>> len(table), sorted(set(table.to_polars()["metric"]))
    (36, ['funding_rate', 'open_interest_usd', 'price'])
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Final

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import AsyncVelo, Velo

__all__ = [
    "RECORDED_AT",
    "SAMPLE_COLUMNS",
    "SAMPLE_ROWS",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_783_922_400.0
"""The samples' "now" (2026-07-13 07:00 UTC), as epoch seconds."""

SAMPLE_COLUMNS: Final = ("close_price", "dollar_open_interest_close", "funding_rate")

SAMPLE_ROWS: Final[dict[str, Any]] = {
    "exchanges": ("binance-futures", "bybit"),
    "products": ("BTCUSDT",),
    "columns": SAMPLE_COLUMNS,
    "interval": "1h",
    "start": "2026-07-13T00:00:00Z",
    "end": "2026-07-13T06:00:00Z",
}
"""The `rows` arguments the bundled `/rows` answer holds."""

_FILES: Final = {
    "/futures": "futures.csv",
    "/spot": "spot.csv",
    "/options": "options.csv",
    "/rows": "rows.csv",
}


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answers."""
    folder = resources.files(__package__) / "samples"
    return ReplayTransport({path: (folder / name).read_bytes() for path, name in _FILES.items()})


def sample_client(*, clock: Clock | None = None) -> Velo:
    """A `Velo` client answered by the bundled samples: no key, no network.

    Args:
        clock: The client's clock; a `ManualClock` at `RECORDED_AT` by default.
    """
    return Velo(
        api_key="bundled-samples",
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncVelo:
    """The `AsyncVelo` twin of `sample_client` (the same bundled answers)."""
    return AsyncVelo(
        api_key="bundled-samples",
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[Velo]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncVelo]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
