"""`Table.to_records()` against polars' own row iterator on the same frame.

The frame is an open-interest table (one market, hourly bars, UTC `ts`): our records are
frozen attrs objects with typed fields, the reference is `frame.iter_rows(named=True)`, which
builds one dict per row. Target (issue 9, item 4): our rate ≥ 1.0x the reference's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from _harness import Comparison, Size, interleaved

from cryptodata.core.schema import Kind
from cryptodata.core.table import Table

ROWS: dict[Size, int] = {"smoke": 2_000, "small": 50_000, "full": 500_000}
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 3, "full": 7}


def frame(rows: int) -> pl.DataFrame:
    """An open-interest frame of `rows` hourly bars with distinct values."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    values = pl.int_range(rows, eager=True).cast(pl.Float64)
    return pl.DataFrame(
        {
            "provider": ["coinalyze"] * rows,
            "exchange": ["binance"] * rows,
            "symbol": ["BTCUSDT_PERP.A"] * rows,
            "base": ["BTC"] * rows,
            "interval": ["1h"] * rows,
            "ts": pl.datetime_range(
                start,
                start + timedelta(hours=rows - 1),
                "1h",
                time_unit="ms",
                time_zone="UTC",
                eager=True,
            ),
            "open": values,
            "high": values + 2.0,
            "low": values - 1.0,
            "close": values + 1.0,
            "unit": ["usd"] * rows,
        }
    )


def comparisons(size: Size) -> list[Comparison]:
    """Records per second of `to_records()` over those of `iter_rows(named=True)`."""
    rows = ROWS[size]
    table = Table.from_frame(Kind.OPEN_INTEREST, frame(rows))
    polars_frame = table.to_polars()
    times = interleaved(
        {
            "ours": table.to_records,
            "reference": lambda: list(polars_frame.iter_rows(named=True)),
        },
        ROUNDS[size],
    )
    return [
        Comparison.judged(
            "Table.to_records()",
            rows / times["ours"],
            "polars iter_rows(named=True)",
            rows / times["reference"],
            limit=1.0,
            size=size,
            unit="rows/s",
            detail=f"{rows:,} open-interest rows",
        )
    ]
