"""Coinalyze: open interest, funding, liquidations, long/short ratio and OHLCV for derivatives venues."""

from .client import AsyncCoinalyze, Coinalyze
from .markets import exchange_name

__all__ = ["AsyncCoinalyze", "Coinalyze", "exchange_name"]
