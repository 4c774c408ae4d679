"""CoinGecko: the asset universe (top coins by market cap, without pegged tokens, with
narratives), and market-chart history, OHLC candles, categories and coin details."""

from .client import AsyncCoinGecko, CoinGecko
from .parse import CATEGORY_SCHEMA, CoinDetails
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
