"""The adapter through the pipelines: a backfill plans with our pages and stores every kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptodata import Kind, ParquetSink
from cryptodata.pipeline import backfill
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import NOW

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)


def test_a_backfill_stores_candles_open_interest_settlements_and_long_short_ratios(
    client: Ccxt, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(
            client,
            ["ohlcv", "open_interest", "funding_settlement", "long_short_ratio"],
            ["BTC/USDT:USDT"],
            "1h",
            NOW_DT - 48 * H,
            sink=sink,
        )

        candles = sink.read(Kind.OHLCV).to_polars()
        interest = sink.read(Kind.OPEN_INTEREST).to_polars()
        settlements = sink.read(Kind.FUNDING_SETTLEMENT).to_polars()
        ratios = sink.read(Kind.LONG_SHORT_RATIO).to_polars()
    assert candles.height == 48
    assert interest.filter(unit="base").height == 48
    assert ratios["ts"].to_list() == [NOW_DT - 48 * H + H * n for n in range(48)]
    assert settlements["ts"].to_list() == [NOW_DT - 48 * H + 8 * H * n for n in range(6)]
