"""`ParquetSink` on object storage: a loopback S3 server (moto), read back by every engine,
and concurrent writers of different series."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
import pytest

from cryptodata import Kind, ParquetSink, primary_key
from cryptodata.sinks.base import Sink
from sinks.conftest import build_table
from sinks.contract import SinkContract


class TestParquetS3Contract(SinkContract):
    """Every sink behaviour, with the dataset in a bucket of the loopback S3 server."""

    @pytest.fixture
    def root(self, s3_bucket: str) -> str:
        return f"s3://{s3_bucket}/data"

    @pytest.fixture
    def sink(self, root: str, s3_options: dict[str, Any]) -> Iterator[Sink]:
        with ParquetSink(root, storage_options=s3_options) as sink:
            yield sink

    @pytest.fixture
    def reopen(self, root: str, s3_options: dict[str, Any]) -> Callable[[], Sink]:
        return lambda: ParquetSink(root, storage_options=s3_options)


def _polars_options(s3_options: dict[str, Any]) -> dict[str, str]:
    return {
        "aws_endpoint_url": s3_options["endpoint_url"],
        "aws_access_key_id": s3_options["key"],
        "aws_secret_access_key": s3_options["secret"],
        "aws_region": "us-east-1",
        "aws_allow_http": "true",
    }


@pytest.fixture
def written(s3_bucket: str, s3_options: dict[str, Any]) -> tuple[str, pl.DataFrame]:
    root = f"s3://{s3_bucket}/data"
    tables = [build_table(Kind.OHLCV, 6, symbol=f"S{n}") for n in range(3)]
    with ParquetSink(root, storage_options=s3_options) as sink:
        for table in tables:
            sink.write(table)
    return root, pl.concat([table.to_polars() for table in tables])


def _same_rows(found: pl.DataFrame, truth: pl.DataFrame) -> bool:
    columns = ["symbol", "ts", "open", "close"]
    left = found.select(columns).sort("symbol", "ts")
    return left.equals(truth.select(columns).sort("symbol", "ts"))


def test_polars_reads_the_bucket_as_one_hive_dataset(
    written: tuple[str, pl.DataFrame], s3_options: dict[str, Any]
) -> None:
    root, truth = written
    found = pl.scan_parquet(
        f"{root}/kind=ohlcv/**/*.parquet",
        storage_options=_polars_options(s3_options),
        hive_partitioning=True,
    ).collect()

    assert _same_rows(found.with_columns(pl.col("ts").dt.replace_time_zone("UTC")), truth)


def test_pyarrow_and_pandas_read_the_bucket_through_fsspec(
    written: tuple[str, pl.DataFrame], s3_options: dict[str, Any]
) -> None:
    import pyarrow.dataset as ds
    import s3fs

    root, truth = written
    fs = s3fs.S3FileSystem(**s3_options)
    dataset = ds.dataset(
        f"{root.removeprefix('s3://')}/kind=ohlcv", filesystem=fs, partitioning="hive"
    )
    frame = pl.from_arrow(dataset.to_table())
    assert isinstance(frame, pl.DataFrame)
    assert _same_rows(frame.with_columns(pl.col("ts").dt.replace_time_zone("UTC")), truth)
    assert len(dataset.to_table().to_pandas()) == truth.height


def test_duckdb_reads_the_bucket_through_fsspec(
    written: tuple[str, pl.DataFrame], s3_options: dict[str, Any]
) -> None:
    import duckdb
    import s3fs

    root, truth = written
    connection = duckdb.connect()
    connection.register_filesystem(s3fs.S3FileSystem(**s3_options))
    count = connection.execute(
        f"SELECT count(*), count(DISTINCT symbol) FROM read_parquet("
        f"'{root}/kind=ohlcv/**/*.parquet', hive_partitioning = true)"
    ).fetchone()

    assert count == (truth.height, 3)


def test_concurrent_writers_of_different_series_lose_nothing_and_duplicate_nothing(
    s3_bucket: str, s3_options: dict[str, Any]
) -> None:
    root = f"s3://{s3_bucket}/data"
    tables = [build_table(Kind.OHLCV, 24, symbol=f"W{n}") for n in range(4)]

    def write(index: int) -> int:
        # Each worker opens its own sink, as a process of a pool would.
        with ParquetSink(root, storage_options=s3_options) as sink:
            return sink.write(tables[index]) + sink.write(tables[index])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))

    with ParquetSink(root, storage_options=s3_options) as sink:
        stored = sink.read(Kind.OHLCV).to_polars()
    assert stored.height == 4 * 24
    assert stored.select(primary_key(Kind.OHLCV)).is_duplicated().sum() == 0


def test_no_half_written_file_is_left_for_readers(
    written: tuple[str, pl.DataFrame], s3_options: dict[str, Any]
) -> None:
    import s3fs

    root, _ = written
    names = s3fs.S3FileSystem(**s3_options).find(root.removeprefix("s3://"))

    assert names
    assert [name for name in names if "tmp" in name.rsplit("/", 1)[-1]] == []
