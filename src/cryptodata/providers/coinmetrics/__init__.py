"""Coin Metrics: on-chain and market asset metrics (community API, or Pro with a key)."""

from .client import AsyncCoinMetrics, CoinMetrics, ForbiddenMetricsError

__all__ = ["AsyncCoinMetrics", "CoinMetrics", "ForbiddenMetricsError"]
