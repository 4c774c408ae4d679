"""Coinalyze: open interest, funding, liquidations, long/short ratio and OHLCV for derivatives venues."""

from .client import AsyncCoinalyze, Coinalyze
from .markets import ResolvedSymbols

__all__ = ["AsyncCoinalyze", "Coinalyze", "ResolvedSymbols"]
