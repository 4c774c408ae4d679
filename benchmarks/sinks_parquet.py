"""ParquetSink throughput and memory, printed next to the targets.

Synthetic 1-minute OHLCV bars (random-walk prices with one decimal, volumes with three, trade
counts) are written through `ParquetSink` in chunks, the way a backfill writes them: each chunk
holds `--chunk` rows spread over every symbol, so one write touches one partition per symbol.

- append: a fresh range, `--rows` rows over `--symbols` symbols; target >= 2 M rows/s;
- full-overlap merge: the same rows again with revised values, so every write merges with a
  stored part (read, de-duplicate, rewrite); target >= 0.5 M rows/s;
- backfill: `--backfill-rows` rows over `--backfill-symbols` symbols streamed in `--chunk`-row
  writes, in a fresh interpreter so its peak RSS is its own; target <= 500 MiB.

Every phase is checked afterwards: the dataset holds exactly one row per key.
Run: `python benchmarks/sinks_parquet.py [--check]` (about half a minute; `--check` exits 1
when a target is missed); CI smoke test (seconds, figures not comparable):
`python benchmarks/sinks_parquet.py --rows 20000 --backfill-rows 100000`.
Peak RSS is the kernel's high-water mark (`VmHWM` on Linux, `ru_maxrss` on macOS).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cryptodata import Kind, Table
from cryptodata.sinks.parquet import Compression, ParquetSink

T0 = datetime(2024, 1, 1, tzinfo=UTC)
APPEND_TARGET = 2_000_000
MERGE_TARGET = 500_000
RSS_TARGET_MIB = 500


def chunk(index: int, size: int, symbols: int, revision: float = 0.0) -> Table:
    """Rows `index * size ...` of the synthetic feed: row r is symbol r % symbols, minute r // symbols."""
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


def stream(sink: ParquetSink, rows: int, size: int, symbols: int, revision: float = 0.0) -> float:
    """Write `rows` rows in chunks; seconds spent inside `write` (data generation excluded)."""
    spent = 0.0
    for index in range(-(-rows // size)):
        table = chunk(index, min(size, rows - index * size), symbols, revision)
        started = time.perf_counter()
        sink.write(table)
        spent += time.perf_counter() - started
    return spent


def stored_rows(root: Path) -> tuple[int, int]:
    """Rows and distinct keys in the dataset, counted by a lazy polars scan of the Hive layout."""
    scan = pl.scan_parquet(root / "kind=ohlcv/**/*.parquet", hive_partitioning=True)
    counts = scan.select(pl.len(), pl.struct("symbol", "ts").n_unique()).collect()
    return int(counts.item(0, 0)), int(counts.item(0, 1))


def peak_rss_mib() -> float:
    """This process's peak RSS. On Linux `VmHWM`, because `ru_maxrss` survives `exec` and so
    would report the parent's peak in the backfill child."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def backfill_child(args: argparse.Namespace) -> None:
    """The backfill phase, run in its own interpreter; prints its figures as JSON."""
    baseline = peak_rss_mib()
    with ParquetSink(args.root, compression=args.compression) as sink:
        spent = stream(sink, args.backfill_rows, args.chunk, args.backfill_symbols)
    print(json.dumps({"seconds": spent, "peak_mib": peak_rss_mib(), "baseline_mib": baseline}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000, help="append and merge rows")
    parser.add_argument("--symbols", type=int, default=10)
    parser.add_argument("--chunk", type=int, default=200_000, help="rows per write")
    parser.add_argument("--backfill-rows", type=int, default=10_000_000)
    parser.add_argument("--backfill-symbols", type=int, default=50)
    parser.add_argument("--compression", default="zstd")
    parser.add_argument("--dir", default=None, help="where the datasets go (a temp dir)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--backfill-child", dest="root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    compression: Compression = args.compression
    if args.root:
        backfill_child(args)
        return

    print(
        f"ParquetSink, compression={compression}, {args.chunk:,} rows per write; "
        f"polars {pl.__version__}, Python {sys.version.split()[0]}"
    )
    failures = 0
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        root = Path(scratch, "append")
        with ParquetSink(root, compression=compression) as sink:
            append_s = stream(sink, args.rows, args.chunk, args.symbols)
            merge_s = stream(sink, args.rows, args.chunk, args.symbols, revision=0.5)
        rows, keys = stored_rows(root)
        assert rows == keys == args.rows, (rows, keys)
        append_rate, merge_rate = args.rows / append_s, args.rows / merge_s
        failures += (append_rate < APPEND_TARGET) + (merge_rate < MERGE_TARGET)
        print(
            f"append             {args.rows:>12,} rows over {args.symbols:>3} symbols "
            f"{append_rate:>12,.0f} rows/s  target >= {APPEND_TARGET:,}: {verdict(append_rate >= APPEND_TARGET)}"
        )
        print(
            f"full-overlap merge {args.rows:>12,} rows over {args.symbols:>3} symbols "
            f"{merge_rate:>12,.0f} rows/s  target >= {MERGE_TARGET:,}: {verdict(merge_rate >= MERGE_TARGET)}"
        )

        root = Path(scratch, "backfill")
        command = [
            sys.executable,
            __file__,
            f"--backfill-child={root}",
            f"--backfill-rows={args.backfill_rows}",
            f"--backfill-symbols={args.backfill_symbols}",
            f"--chunk={args.chunk}",
            f"--compression={compression}",
        ]
        child = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
        rows, keys = stored_rows(root)
        assert rows == keys == args.backfill_rows, (rows, keys)
        files = sum(1 for _ in root.rglob("*.parquet"))
        size = sum(path.stat().st_size for path in root.rglob("*.parquet"))
        peak = child["peak_mib"]
        failures += peak > RSS_TARGET_MIB
        print(
            f"backfill           {args.backfill_rows:>12,} rows over {args.backfill_symbols:>3} symbols "
            f"{args.backfill_rows / child['seconds']:>12,.0f} rows/s  peak RSS {peak:,.0f} MiB "
            f"(after imports {child['baseline_mib']:,.0f}) target <= {RSS_TARGET_MIB} MiB: "
            f"{verdict(peak <= RSS_TARGET_MIB)}"
        )
        print(f"                   {files:,} part files, {size / 2**20:,.1f} MiB on disk")
    sys.exit(1 if failures and args.check else 0)


if __name__ == "__main__":
    main()
