"""DefiLlama: TVL, fees, revenue, DEX / derivatives / options volume, stablecoins, bridges, prices."""

from .client import AsyncDefiLlama, DefiLlama

__all__ = ["AsyncDefiLlama", "DefiLlama"]
