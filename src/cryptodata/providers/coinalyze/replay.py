"""Coinalyze's replay mode: the bundled sample answers, served with no key and no network.

The package ships real Coinalyze answers recorded on 2025-06-22 (`samples/`): the market
lists (26 venues, the three BTC perpetuals and four spot pairs Binance lists for BTC, ETH, SOL
and SUI) and, for `BTCUSDT_PERP.A` only, five daily bars of every history kind from
2025-06-01, five 4-hour OHLCV bars from 2025-06-10 and the current values at recording time.
`sample_client` runs the real client
(validation, planning, limiter, transport, parsing) against them through a
`ReplayTransport`: `cryptodata demo`, the examples and
`cryptodata backfill --dry-run` use it when `COINALYZE_API_KEY` is not set.

A replay answers a path with its one recorded body whatever the query, so ask only for what
was recorded: the symbols in `SAMPLE_SYMBOLS`, the windows in `DAILY` and `FOUR_HOURLY`.

Examples:
    >>> with sample_client() as cz:
    ...     table = cz.open_interest_history(SAMPLE_SYMBOLS, interval=DAILY.interval,
    ...                                      start=DAILY.start, end=DAILY.end)
    >>> len(table), table.to_polars().item(0, "open")
    (5, 83549.607)
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Final

import attrs

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import AsyncCoinalyze, Coinalyze

__all__ = [
    "DAILY",
    "FOUR_HOURLY",
    "MARKET_PATHS",
    "RECORDED_AT",
    "SAMPLE_SYMBOLS",
    "SampleWindow",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_750_630_200.0
"""When the samples were recorded (2025-06-22 22:10 UTC), as epoch seconds."""

MARKET_PATHS: Final = ("/exchanges", "/future-markets", "/spot-markets")
"""The market-list endpoints: what a client reads to check and name symbols."""

_FILES: Final = {
    "/exchanges": "exchanges.json",
    "/future-markets": "future-markets.json",
    "/spot-markets": "spot-markets.json",
    "/open-interest-history": "open-interest-history.json",
    "/funding-rate-history": "funding-rate-history.json",
    "/predicted-funding-rate-history": "predicted-funding-rate-history.json",
    "/liquidation-history": "liquidation-history.json",
    "/long-short-ratio-history": "long-short-ratio-history.json",
    "/ohlcv-history": "ohlcv-history.json",
    "/open-interest": "open-interest.2025-06-22.json",
    "/funding-rate": "funding-rate.2025-06-22.json",
    "/predicted-funding-rate": "predicted-funding-rate.2025-06-22.json",
}


@attrs.frozen
class SampleWindow:
    """A history window the samples hold: pass these as `interval=`, `start=`, `end=`.

    Attributes:
        interval: The bars' interval.
        start: First bar (inclusive), ISO date.
        end: End (exclusive), ISO date.
    """

    interval: str
    start: str
    end: str


DAILY: Final = SampleWindow("1d", "2025-06-01", "2025-06-06")
"""The daily bars of open interest, funding, predicted funding, liquidations and long/short ratio."""

FOUR_HOURLY: Final = SampleWindow("4h", "2025-06-10", "2025-06-11")
"""The 4-hour OHLCV bars."""


def _sample(name: str) -> bytes:
    return (resources.files(__package__) / "samples" / name).read_bytes()


@cache
def _sample_symbols() -> tuple[str, ...]:
    """The symbols every recorded data answer holds (each answer is a list of per-symbol rows)."""
    held: set[str] | None = None
    for path, name in _FILES.items():
        if path in MARKET_PATHS:
            continue
        symbols = {row["symbol"] for row in json.loads(_sample(name))}
        held = symbols if held is None else held & symbols
    return tuple(sorted(held or ()))


SAMPLE_SYMBOLS: Final = _sample_symbols()
"""Symbols the recorded data answers hold: the only ones a replay answers truthfully."""


def sample_transport(*, markets_only: bool = False) -> ReplayTransport:
    """A replay of the bundled answers; with `markets_only`, of the market lists alone.

    A markets-only replay answers every data request with 404: use it where nothing but the
    market list may be read (planning), so no recorded bars can be mistaken for others.
    """
    paths = MARKET_PATHS if markets_only else tuple(_FILES)
    return ReplayTransport({path: _sample(_FILES[path]) for path in paths})


def sample_client(
    *,
    clock: Clock | None = None,
    convert_to_usd: bool = False,
    markets_only: bool = False,
) -> Coinalyze:
    """A `Coinalyze` client answered by the bundled samples: no key, no network.

    Args:
        clock: The client's clock; by default a `ManualClock` at
            `RECORDED_AT`, so "now", default window ends and retention read as they did
            when the samples were recorded, and waits take no time.
        convert_to_usd: As `Coinalyze`'s option. The recorded answers hold native units:
            with it, values are labelled `usd` but are not.
        markets_only: Replay only the market lists (see `sample_transport`).
    """
    return Coinalyze(
        api_key="bundled-samples",
        http_transport=sample_transport(markets_only=markets_only),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
        convert_to_usd=convert_to_usd,
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncCoinalyze:
    """The `AsyncCoinalyze` twin of `sample_client` (the same bundled answers)."""
    return AsyncCoinalyze(
        api_key="bundled-samples",
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[Coinalyze]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncCoinalyze]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
