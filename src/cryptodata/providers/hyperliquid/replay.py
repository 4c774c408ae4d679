"""Hyperliquid's replay mode: bundled sample answers, served with no network.

The package ships answers in Hyperliquid's exact shapes (`samples/`): the perp universe with
its contexts (BTC, ETH, a delisted LOOM, kPEPE, SOL), the spot pairs (PURR/USDC and `@107`,
HYPE), predicted fundings, a small leaderboard, one trader's clearinghouse state, and for BTC
the 48 hourly candles and settlements before `RECORDED_AT` (plus the forming candle). The
values are synthetic, the shapes and traps (numbers as strings, ms jitter on settlement
times, null fields) are the venue's. `sample_client` runs the real client against them.

Every call is a `POST /info` whose body names its `type`: a replay answers each type with its
one recorded body whatever the coin or window, so ask only for what was recorded (`SAMPLE`).

Examples:
    >>> with sample_client() as hl:
    ...     table = hl.candles(SAMPLE.coin, interval=SAMPLE.interval, start=SAMPLE.start)
    >>> len(table), table.to_polars().item(0, "open")
    (48, 107000.0)
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Final

import attrs
import httpx

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.replay import ReplayTransport

from .client import AsyncHyperliquid, Hyperliquid

__all__ = [
    "RECORDED_AT",
    "SAMPLE",
    "SAMPLE_ADDRESS",
    "SampleQuery",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_sources",
    "sample_transport",
]

RECORDED_AT: Final = 1_751_328_000.0
"""The samples' "now" (2025-07-01 00:00 UTC), as epoch seconds."""

_FILES: Final = {
    "/info#metaAndAssetCtxs": "meta_and_asset_ctxs.json",
    "/info#spotMeta": "spot_meta.json",
    "/info#spotMetaAndAssetCtxs": "spot_meta_and_asset_ctxs.json",
    "/info#predictedFundings": "predicted_fundings.json",
    "/info#candleSnapshot": "candles.BTC.1h.json",
    "/info#fundingHistory": "funding.BTC.json",
    "/info#clearinghouseState": "clearinghouse_state.json",
    "/leaderboard": "leaderboard.json",
}


@attrs.frozen
class SampleQuery:
    """What the samples hold: pass these as the coin, `interval=` and `start=`.

    Attributes:
        coin: The coin of the candles and settlements.
        interval: The candles' interval.
        start: The first candle and settlement, ISO time.
    """

    coin: str
    interval: str
    start: str


SAMPLE: Final = SampleQuery("BTC", "1h", "2025-06-29T00:00:00Z")
"""The 48 hourly BTC candles and settlements the samples hold, up to `RECORDED_AT`."""


def _sample(name: str) -> bytes:
    return (resources.files(__package__) / "samples" / name).read_bytes()


def _first_address() -> str:
    rows = json.loads(_sample("leaderboard.json"))["leaderboardRows"]
    return str(rows[0]["ethAddress"]).lower()


SAMPLE_ADDRESS: Final = _first_address()
"""A trader of the sample leaderboard: `positions` of any address answers the sample state."""


def _route(request: httpx.Request) -> str:
    """`/info#<type>` for Info calls (the type is in the body), the path otherwise."""
    if request.method == "POST" and request.url.path == "/info":
        return f"/info#{json.loads(request.content).get('type', '')}"
    return request.url.path


def sample_transport() -> ReplayTransport:
    """A replay of the bundled answers, one per Info type (and the leaderboard's path)."""
    return ReplayTransport({key: _sample(name) for key, name in _FILES.items()}, route=_route)


def sample_client(*, clock: Clock | None = None) -> Hyperliquid:
    """A `Hyperliquid` client answered by the bundled samples: no network.

    Args:
        clock: The client's clock; by default a `ManualClock` at `RECORDED_AT`, so "now",
            the forming candle and snapshot stamps read as they did for the samples.
    """
    return Hyperliquid(
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_async_client(*, clock: Clock | None = None) -> AsyncHyperliquid:
    """The `AsyncHyperliquid` twin of `sample_client` (the same bundled answers)."""
    return AsyncHyperliquid(
        http_transport=sample_transport(),
        clock=clock if clock is not None else ManualClock(RECORDED_AT),
    )


def sample_sources() -> list[Hyperliquid]:
    """The replay clients a default offline `MarketData` answers from: one `sample_client`."""
    return [sample_client()]


def sample_async_sources() -> list[AsyncHyperliquid]:
    """The replay clients a default offline `AsyncMarketData` answers from."""
    return [sample_async_client()]
