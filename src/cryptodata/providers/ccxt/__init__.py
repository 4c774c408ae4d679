"""Any ccxt exchange as a provider: OHLCV, open-interest history, settled funding, snapshots."""

from .client import AsyncCcxt, Ccxt

__all__ = ["AsyncCcxt", "Ccxt"]
