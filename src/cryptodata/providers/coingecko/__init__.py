"""CoinGecko: the asset universe (top coins by market cap, without pegged tokens, with narratives)."""

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
    "DEFAULT_EXCLUDED_IDS",
    "DEFAULT_EXCLUSIONS",
    "DEFAULT_NARRATIVES",
    "Asset",
    "assets_frame",
    "atop_assets",
    "default_cache_dir",
    "top_assets",
]
