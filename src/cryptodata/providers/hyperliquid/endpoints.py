"""The Hyperliquid Info API described as data: hosts, weights, caps, and request builders.

Nothing here does I/O. Every market-data call is a `POST /info` with a JSON body naming its
`type`; the leaderboard is a plain GET on the stats host. Weights are the documented ones
(per IP, 1,200 a minute): most calls weigh 20, `clearinghouseState` 2, and answers with many
items weigh more: +1 per 60 candles, +1 per 20 funding rows.
"""

from __future__ import annotations

import math
from typing import Any, Final

from cryptodata.core.request import Request

__all__ = [
    "BASE_URL",
    "CANDLE_CAP",
    "FUNDING_CAP",
    "PROVIDER",
    "STATS_URL",
    "TESTNET_URL",
    "WEIGHT_PER_MINUTE",
    "candle_weight",
    "funding_weight",
    "info",
    "leaderboard",
]

PROVIDER: Final = "hyperliquid"
VENUE: Final = "hyperliquid"
BASE_URL: Final = "https://api.hyperliquid.xyz"
TESTNET_URL: Final = "https://api.hyperliquid-testnet.xyz"
WS_URL: Final = "wss://api.hyperliquid.xyz/ws"
TESTNET_WS_URL: Final = "wss://api.hyperliquid-testnet.xyz/ws"
WS_CONNECTIONS_PER_MINUTE: Final = 30
"""New websocket connections a minute per IP."""
STATS_URL: Final = "https://stats-data.hyperliquid.xyz"
"""The host of the leaderboard the web UI reads (undocumented; it may change or refuse)."""

WEIGHT_PER_MINUTE: Final = 1_200
"""The documented per-IP budget, shared by every `/info` call."""
DEFAULT_WEIGHT_PER_MINUTE: Final = 1_000
"""The default limiter's budget: a sixth of headroom for the 429s that other programs on the
same IP (a browser on the web UI, a second bot) would otherwise cause."""
BASE_WEIGHT: Final = 20
LIGHT_WEIGHT: Final = 2
"""`clearinghouseState`, `l2Book`, `allMids`."""
CANDLE_CAP: Final = 5_000
"""Candles per answer, and the newest candles kept per coin and interval: no older one exists."""
FUNDING_CAP: Final = 500
"""Funding rows per answer."""


def candle_weight(candles: int) -> int:
    """The weight of a `candleSnapshot` answer holding `candles` candles.

    Examples:
        >>> candle_weight(0), candle_weight(60), candle_weight(61), candle_weight(5000)
        (20, 21, 22, 104)
    """
    # Whether a part of 60 counts is not documented: counting it keeps the budget safe.
    return BASE_WEIGHT + math.ceil(candles / 60)


def funding_weight(rows: int) -> int:
    """The weight of a `fundingHistory` answer holding `rows` rows.

    Examples:
        >>> funding_weight(0), funding_weight(500)
        (20, 45)
    """
    return BASE_WEIGHT + math.ceil(rows / 20)


def info(kind: str, *, weight: int = BASE_WEIGHT, **fields: Any) -> Request:
    """A `POST /info` request of `type` `kind` with the other body `fields`, charged `weight`.

    Its label names the type (`"info candleSnapshot"`), so errors and logs tell the calls apart.

    Examples:
        >>> info("meta").json, info("meta").label
        ({'type': 'meta'}, 'info meta')
    """
    return Request(
        "/info",
        method="POST",
        json={"type": kind, **fields},
        cost=weight,
        label=f"info {kind}",
    )


def leaderboard(testnet: bool) -> Request:
    """The GET of the whole leaderboard document (tens of MB) on the stats host."""
    network = "Testnet" if testnet else "Mainnet"
    return Request(f"/{network}/leaderboard", base="stats", cost=BASE_WEIGHT, label="leaderboard")
