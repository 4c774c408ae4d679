"""alternative.me's Crypto Fear & Greed Index: one market-wide daily value, 0 to 100."""

from .client import AsyncFearGreed, FearGreed

__all__ = ["AsyncFearGreed", "FearGreed"]
