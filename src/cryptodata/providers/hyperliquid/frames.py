"""Raw Hyperliquid columns → the canonical columns of a kind, shared by the client and streams."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from cryptodata.core.intervals import Interval
from cryptodata.core.records import AssetContext, OhlcvBar
from cryptodata.core.schema import Kind
from cryptodata.core.table import Table

from .endpoints import PROVIDER, VENUE
from .symbols import size_unit

__all__ = ["asset_contexts", "ohlcv"]


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


def asset_contexts(contexts: pl.DataFrame, *, spot: bool, ts: datetime) -> Table[AssetContext]:
    """Parsed contexts (`parse.parse_contexts`) beside each one's `coin` and `base`, as
    `asset_context` rows stamped `ts` (the answers carry no time).

    Open interest in USD is the base amount times the mark price. Perpetuals settle funding
    hourly; spot pairs pay none.
    """
    none = pl.lit(None, pl.Float64)
    frame = contexts.with_columns(
        provider=pl.lit(PROVIDER),
        exchange=pl.lit(VENUE),
        symbol=pl.col("coin"),
        ts=pl.lit(ts).dt.cast_time_unit("ms"),
        open_interest_usd=pl.col("open_interest") * pl.col("mark_price"),
        funding_rate=none if spot else pl.col("funding_rate"),
        premium=none if spot else pl.col("premium"),
        period_hours=none if spot else pl.lit(1.0),
    )
    return Table.from_frame(Kind.ASSET_CONTEXT, frame)
