"""A `ParquetSink` root is one Hive-partitioned dataset that polars, pyarrow, pandas and DuckDB read.

Each reader opens the root itself (not a kind's directory), with Hive partitioning, and must see
the rows the sink holds: `ts` a UTC timestamp, every partition column once.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds
import pytest

from cryptodata import Kind, Table
from cryptodata.core.schema import series_key
from cryptodata.sinks.parquet import ParquetSink
from sinks.conftest import build_table

PARTITIONS = ["kind", *series_key(Kind.OPEN_INTEREST), "year"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    with ParquetSink(tmp_path) as sink:
        sink.write(build_table(Kind.OPEN_INTEREST, n=3, symbol="BTC/USDT:USDT", interval="1h"))
        sink.write(build_table(Kind.OPEN_INTEREST, n=2, exchange="B", interval="1d", unit="usd"))
    return tmp_path


def stored(root: Path) -> pl.DataFrame:
    with ParquetSink(root) as sink:
        return sink.read(Kind.OPEN_INTEREST).to_polars()


def as_table(frame: pl.DataFrame) -> pl.DataFrame:
    """What a reader returned, in the sink's schema and order, for comparison."""
    return Table.from_frame(Kind.OPEN_INTEREST, frame.sort("symbol", "interval", "ts")).to_polars()


def test_polars_reads_the_root_with_hive_partitioning(root: Path) -> None:
    frame = pl.read_parquet(root / "**/*.parquet", hive_partitioning=True)

    assert frame.schema["ts"] == pl.Datetime("ms", "UTC")
    assert sorted(frame.columns) == sorted(set(frame.columns))
    assert set(PARTITIONS) <= set(frame.columns)
    assert as_table(frame).equals(stored(root))


def test_pyarrow_reads_the_root_as_a_hive_dataset(root: Path) -> None:
    table = ds.dataset(root, format="parquet", partitioning="hive").to_table()

    assert str(table.schema.field("ts").type) == "timestamp[ms, tz=UTC]"
    assert len(table.column_names) == len(set(table.column_names))
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    assert as_table(frame).equals(stored(root))


def test_pandas_reads_the_root(root: Path) -> None:
    frame = pd.read_parquet(root)

    assert str(frame["ts"].dtype) == "datetime64[ms, UTC]"
    assert frame.columns.is_unique
    converted = pl.from_pandas(frame.astype(dict.fromkeys(PARTITIONS[:-1], "string")))
    assert as_table(converted).equals(stored(root))


def test_duckdb_reads_the_root_with_hive_partitioning(root: Path) -> None:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    relation = connection.sql(
        f"SELECT * FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true)"
    )

    assert dict(zip(relation.columns, map(str, relation.types), strict=True))["ts"] == (
        "TIMESTAMP WITH TIME ZONE"
    )
    assert len(relation.columns) == len(set(relation.columns))
    assert as_table(relation.pl()).equals(stored(root))
