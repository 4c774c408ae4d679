"""Hyperliquid: the Info API (candles, funding, asset contexts, markets, traders) and streams."""
