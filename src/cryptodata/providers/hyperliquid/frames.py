"""Raw Hyperliquid columns → the canonical columns of a kind, shared by the client and streams."""

from __future__ import annotations

import polars as pl

from cryptodata.core.intervals import Interval
from cryptodata.core.records import OhlcvBar
from cryptodata.core.schema import Kind
from cryptodata.core.table import Table

from .endpoints import PROVIDER, VENUE
from .symbols import size_unit

__all__ = ["ohlcv"]


def ohlcv(coin: str, base: str, interval: Interval, candles: pl.DataFrame) -> Table[OhlcvBar]:
    """Parsed candles (`parse.parse_candles`) of one coin as `ohlcv` rows.

    Buy volume and buy trades are null: Hyperliquid does not give them.
    """
    frame = candles.select(
        provider=pl.lit(PROVIDER),
        exchange=pl.lit(VENUE),
        symbol=pl.lit(coin),
        base=pl.lit(base),
        interval=pl.lit(interval.value),
        ts=pl.from_epoch("t", time_unit="ms").dt.replace_time_zone("UTC"),
        open="open",
        high="high",
        low="low",
        close="close",
        volume="volume",
        buy_volume=pl.lit(None, pl.Float64),
        trades="trades",
        buy_trades=pl.lit(None, pl.Int64),
        unit=pl.lit(size_unit(coin)),
    )
    return Table.from_frame(Kind.OHLCV, frame)
