"""`ParquetSink` writes against polars writing the same rows into the same layout.

Synthetic 1-minute OHLCV bars (random-walk prices with one decimal, volumes with three, trade
counts), row r being symbol r % symbols at minute r // symbols, so every series is one sorted
run and the frame interleaves the series the way a multi-symbol fetch returns them.

- append: one `ParquetSink.write` of a fresh range into an empty dataset, against the polars
  reference: the same conformed frame split with `partition_by` on the sink's partition
  columns (series key and UTC year) and each part written with `write_parquet` (the sink's
  codec) into the same Hive directories, partition columns dropped as the sink drops them.
  Target (issue 9, item 6): our rows/s ≥ 0.90x the reference's.
- full-overlap merge: the same keys again with revised values into a dataset holding them,
  so every partition is read, de-duplicated and rewritten; against our own append in the
  same round. Target: ≥ 0.50x.
- backfill: a streamed backfill (many symbols, written in fixed-size chunks) in a fresh
  interpreter, so the peak RSS is its own. Target: ≤ 500 MiB.

Each round writes into fresh temp directories prepared outside the timed call, and every
dataset is checked afterwards to hold exactly one row per key.
Peak RSS is the kernel's high-water mark (`VmHWM` on Linux, `ru_maxrss` elsewhere).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import polars as pl
from _harness import Comparison, Size, at_most, interleaved, peak_rss_mib

from cryptodata import Kind, Table
from cryptodata.core.schema import series_key
from cryptodata.sinks._files import encode_component
from cryptodata.sinks.parquet import Compression, ParquetSink

T0 = datetime(2024, 1, 1, tzinfo=UTC)
COMPRESSION: Compression = "zstd"
"""The sink's default codec; the reference writes with the same."""
SYMBOLS = 10
ROWS: dict[Size, int] = {"smoke": 20_000, "small": 500_000, "full": 5_000_000}
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 3, "full": 5}
BACKFILL_ROWS: dict[Size, int] = {"smoke": 100_000, "small": 2_000_000, "full": 10_000_000}
BACKFILL_SYMBOLS = 50
CHUNK = 200_000
"""Rows per write in the backfill, as a backfill over many symbols sends them."""
RSS_TARGET_MIB = 500


def chunk(index: int, size: int, symbols: int, revision: float = 0.0) -> Table:
    """Rows `index * size ...` of the synthetic feed; `revision` shifts every price."""
    row = pl.int_range(index * size, (index + 1) * size, eager=True).alias("row")
    step = (pl.col("row").hash(1) % 201).cast(pl.Int64) - 100
    frame = (
        pl.DataFrame(row)
        .with_columns(
            provider=pl.lit("coinalyze"),
            exchange=pl.lit("A"),
            symbol=pl.format("S{}USDT_PERP.A", pl.col("row") % symbols),
            base=pl.lit("BTC"),
            interval=pl.lit("1m"),
            ts=pl.lit(T0) + pl.duration(minutes=pl.col("row") // symbols),
            close=(300_000 + step.cum_sum().over(pl.col("row") % symbols)) / 10 + revision,
        )
        .with_columns(
            open=pl.col("close").shift(1, fill_value=30_000.0).over("symbol"),
            high=pl.col("close") + (pl.col("row").hash(2) % 500) / 10,
            low=pl.col("close") - (pl.col("row").hash(3) % 500) / 10,
            volume=(pl.col("row").hash(4) % 5_000_000) / 1000,
            buy_volume=(pl.col("row").hash(5) % 2_500_000) / 1000,
            trades=(pl.col("row").hash(6) % 20_000).cast(pl.Int64),
            buy_trades=(pl.col("row").hash(7) % 10_000).cast(pl.Int64),
            unit=pl.lit("base"),
        )
    )
    return Table.from_frame(Kind.OHLCV, frame)


def reference_write(root: Path, frame: pl.DataFrame) -> None:
    """What polars alone does for the same rows: `partition_by`, then one `write_parquet` each.

    The directories are the sink's (`kind=`, the percent-encoded series key, `year=`), and the
    partition columns are left out of the files, as the sink leaves them out.
    """
    columns = series_key(Kind.OHLCV)
    parts = frame.with_columns(year=pl.col("ts").dt.year()).partition_by(
        [*columns, "year"], as_dict=True, include_key=False
    )
    for values, part in parts.items():
        names = [*columns, "year"]
        directory = root.joinpath(
            "kind=ohlcv",
            *(
                f"{name}={encode_component(str(value), field=name)}"
                for name, value in zip(names, values, strict=True)
            ),
        )
        directory.mkdir(parents=True)
        part.write_parquet(directory / "part-000001.parquet", compression=COMPRESSION)


def stored_rows(root: Path) -> tuple[int, int]:
    """Rows and distinct keys in the dataset, counted by a lazy polars scan of the Hive layout."""
    scan = pl.scan_parquet(root / "kind=ohlcv/**/*.parquet", hive_partitioning=True)
    counts = scan.select(pl.len(), pl.struct("symbol", "ts").n_unique()).collect()
    return int(counts.item(0, 0)), int(counts.item(0, 1))


def check_one_row_per_key(root: Path, rows: int) -> None:
    """Raise unless the dataset holds `rows` rows, one per key."""
    stored, keys = stored_rows(root)
    if not stored == keys == rows:
        raise RuntimeError(f"{root} holds {stored:,} rows and {keys:,} keys, not {rows:,} of each")


def _write(root: Path, table: Table) -> None:
    with ParquetSink(root, compression=COMPRESSION) as sink:
        sink.write(table)


def _writes(size: Size) -> dict[str, list[float]]:
    """Seconds of the append, the reference and the merge in each round, interleaved."""
    rows = ROWS[size]
    table = chunk(0, rows, SYMBOLS)
    revised = chunk(0, rows, SYMBOLS, revision=0.5)
    frame = table.to_polars()
    times: dict[str, list[float]] = {"append": [], "reference": [], "merge": []}
    with tempfile.TemporaryDirectory(prefix="bench_parquet-") as scratch:
        seed = Path(scratch, "seed")
        _write(seed, table)
        # One warm-up round, then the measured ones; each round's directories are fresh, and
        # preparing them (copying the dataset the merge lands on) is outside the timed calls.
        for index in range(1 + ROUNDS[size]):
            round_dir = Path(scratch, f"round-{index}")
            append, reference, merge = (round_dir / name for name in ("append", "ref", "merge"))
            shutil.copytree(seed, merge)
            figures = interleaved(
                {
                    "append": partial(_write, append, table),
                    "reference": partial(reference_write, reference, frame),
                    "merge": partial(_write, merge, revised),
                },
                rounds=1,
                warmup=0,
            )
            for root in (append, reference, merge):
                check_one_row_per_key(root, rows)
            shutil.rmtree(round_dir)
            if index:
                for name, seconds in figures.items():
                    times[name].append(seconds)
    return times


def _spread(ours: list[float], reference: list[float]) -> str:
    """The range of the per-round ratios (a rate ratio is the reference's time over ours)."""
    ratios = [theirs / mine for mine, theirs in zip(ours, reference, strict=True)]
    return f"rounds {min(ratios):.2f}-{max(ratios):.2f}x"


def backfill_child(root: str, rows: int) -> None:
    """The streamed backfill, run in its own interpreter; prints its figures as JSON."""
    baseline = peak_rss_mib()
    spent = 0.0
    with ParquetSink(root, compression=COMPRESSION) as sink:
        for index in range(-(-rows // CHUNK)):
            table = chunk(index, min(CHUNK, rows - index * CHUNK), BACKFILL_SYMBOLS)
            started = time.perf_counter()
            sink.write(table)
            spent += time.perf_counter() - started
    print(json.dumps({"seconds": spent, "peak_mib": peak_rss_mib(), "baseline_mib": baseline}))


def _backfill(size: Size) -> Comparison:
    rows = BACKFILL_ROWS[size]
    with tempfile.TemporaryDirectory(prefix="bench_parquet-backfill-") as scratch:
        root = Path(scratch, "backfill")
        command = [sys.executable, __file__, "--backfill-child", str(root), str(rows)]
        # The child imports `cryptodata` the way this process did.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        output = subprocess.run(command, capture_output=True, check=True, env=env).stdout
        child = json.loads(output)
        check_one_row_per_key(root, rows)
    peak = float(child["peak_mib"])
    ratio = peak / RSS_TARGET_MIB
    return Comparison(
        path="ParquetSink streamed backfill, peak RSS",
        ours=peak,
        reference_name="RSS budget",
        reference=RSS_TARGET_MIB,
        unit="MiB",
        ratio=ratio,
        target="≤ 1.00x",
        met=at_most(ratio, 1.0, size),
        detail=(
            f"{rows:,} rows over {BACKFILL_SYMBOLS} symbols in {CHUNK:,}-row writes, "
            f"{rows / child['seconds']:,.0f} rows/s; {child['baseline_mib']:,.0f} MiB after imports"
        ),
    )


def comparisons(size: Size) -> list[Comparison]:
    """Append against polars, merge against append, and the backfill's peak RSS."""
    rows = ROWS[size]
    times = _writes(size)
    append, reference, merge = (
        rows / statistics.median(times[name]) for name in ("append", "reference", "merge")
    )
    shape = f"{rows:,} OHLCV rows over {SYMBOLS} symbols, {COMPRESSION}"
    return [
        Comparison.judged(
            "ParquetSink append",
            append,
            "polars partition_by + write_parquet",
            reference,
            limit=0.9,
            size=size,
            unit="rows/s",
            detail=f"{shape}; {_spread(times['append'], times['reference'])}",
        ),
        Comparison.judged(
            "ParquetSink full-overlap merge",
            merge,
            "ParquetSink append",
            append,
            limit=0.5,
            size=size,
            unit="rows/s",
            detail=f"{shape}; {_spread(times['merge'], times['append'])}",
        ),
        _backfill(size),
    ]


if __name__ == "__main__":
    # Only the backfill child is run directly; the benchmarks run through run.py.
    if sys.argv[1:2] == ["--backfill-child"]:
        backfill_child(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("run: python benchmarks/run.py --only bench_parquet")
