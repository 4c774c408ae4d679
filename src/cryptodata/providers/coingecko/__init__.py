"""CoinGecko: the asset universe (top coins by market cap, without pegged tokens, with
narratives), and market-chart history, OHLC candles, categories and coin details.

The history client is imported on first use: `top_assets` is what most callers want, and its
first call should not pay for the client's modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .universe import (
    ASSET_SCHEMA,
    DEFAULT_EXCLUDED_IDS,
    DEFAULT_EXCLUSIONS,
    DEFAULT_NARRATIVES,
    Asset,
    assets_frame,
    atop_assets,
    default_cache_dir,
    top_assets,
)

if TYPE_CHECKING:
    from .client import AsyncCoinGecko, CoinGecko
    from .parse import CATEGORY_SCHEMA, CoinDetails

_LAZY = {
    "AsyncCoinGecko": ".client",
    "CoinGecko": ".client",
    "CATEGORY_SCHEMA": ".parse",
    "CoinDetails": ".parse",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name], __name__), name)


__all__ = [
    "ASSET_SCHEMA",
    "CATEGORY_SCHEMA",
    "DEFAULT_EXCLUDED_IDS",
    "DEFAULT_EXCLUSIONS",
    "DEFAULT_NARRATIVES",
    "Asset",
    "AsyncCoinGecko",
    "CoinDetails",
    "CoinGecko",
    "assets_frame",
    "atop_assets",
    "default_cache_dir",
    "top_assets",
]
