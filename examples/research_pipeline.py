"""The seed research pipeline: DefiLlama, Velo, Artemis and Coin Metrics into one sink.

Runs every pull of a pulls file once, as `cryptodata pull` does (the providers at the same
time, each under its own limiter, every run logged in the sink's `pull_log`), then prints what
the sink holds per provider. By default on the bundled samples (`pulls-offline.toml`: no key,
no network) into a temporary Parquet dataset; `--dsn` writes to PostgreSQL instead, and
`--live` runs `pulls.toml` on the real APIs (VELO_API_KEY and ARTEMIS_API_KEY set). Run it
twice on one sink: the second run re-reads each series' last bars and writes no duplicate.

    python examples/research_pipeline.py
    python examples/research_pipeline.py --dsn postgresql://localhost/research
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from cryptodata import Kind, ParquetSink, PostgresSink, load_pulls, primary_key, run_pulls
from cryptodata.core.schema import series_key
from cryptodata.providers.registry import sample_source, source_class

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="write to this PostgreSQL database")
    parser.add_argument("--live", action="store_true", help="pulls.toml on the real APIs")
    args = parser.parse_args()
    config = load_pulls(HERE / ("pulls.toml" if args.live else "pulls-offline.toml"))
    where = "PostgreSQL" if args.dsn else "a temporary Parquet dataset"
    print(f"{len(config.pulls)} pulls ({'live' if args.live else 'samples'}) into {where}")
    with ExitStack() as stack:
        sources = {
            name: stack.enter_context(source_class(name)() if args.live else sample_source(name))
            for name in config.providers()
        }
        sink: Any
        if args.dsn:
            sink = stack.enter_context(PostgresSink(args.dsn))
        else:
            root = stack.enter_context(tempfile.TemporaryDirectory())
            sink = stack.enter_context(ParquetSink(root))
        for log in run_pulls(config.pulls, sources, sink=sink):
            run = log.to_polars().row(0, named=True)
            print(
                f"{run['pull']}: {run['status']}, {run['rows']} rows in {run['requests']} requests"
            )
        stored = sink.read(Kind.METRIC).to_polars()
        counts = stored.group_by("provider").len().sort("provider").iter_rows()
        print("stored metric rows: " + ", ".join(f"{name} {rows}" for name, rows in counts))
        series = stored.select(series_key(Kind.METRIC)).unique().height
        duplicates = stored.select(primary_key(Kind.METRIC)).is_duplicated().sum()
        print(f"{series} series, {duplicates} duplicate rows")
        print(f"pull_log: {len(sink.read(Kind.PULL_LOG))} runs")


if __name__ == "__main__":
    main()
