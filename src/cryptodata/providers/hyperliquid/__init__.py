"""Hyperliquid: candles, funding, asset contexts, markets, the leaderboard and traders' positions."""

from .client import AsyncHyperliquid, Hyperliquid

__all__ = ["AsyncHyperliquid", "Hyperliquid"]
