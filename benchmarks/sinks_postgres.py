"""PostgresSink write throughput against three references, on one dataset and one server.

Builds one synthetic OHLCV table (default 500,000 rows: 50 series x 10,000 one-minute bars, with
the digits real bars carry), then times, each into the same indexed table (truncated first, and
re-filled with the rows for the overlap runs, then checkpointed, outside the timing):

1. the seed pipelines' way: one `execute("INSERT ... ON CONFLICT ... DO UPDATE")` per row in
   autocommit (timed on the first `--slow-rows` rows, it is slow);
2. psycopg's pipelined `executemany` of that upsert, in one transaction (2b: over stored
   rows, every one revised, the like-for-like reference of 5);
3. plain `COPY` of the rows straight into the indexed table (the practical ceiling; the rows
   are rendered the way the sink renders them);
4. `PostgresSink.write` of a fresh range (target >= 200k rows/s);
5. `PostgresSink.write` of the same keys with every row revised (full-overlap upsert, target
   >= 90k rows/s), and the same again with unchanged rows (an idempotent re-run).

Without `--dsn` it starts a throwaway cluster with the tests' fixture code
(`tests/servers/postgres.py`), but with PostgreSQL's default durability (`fsync` on) and a
production-sized buffer pool and WAL budget (`SERVER_SETTINGS`).
`--repeat K` runs K rounds over all methods and keeps each method's best round.
Run: `python benchmarks/sinks_postgres.py [--rows N] [--repeat K] [--dsn DSN]`.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import polars as pl
import psycopg
from psycopg import sql

from cryptodata.core.schema import Kind, primary_key, schema
from cryptodata.core.table import Table
from cryptodata.sinks.postgres import PostgresSink

BARS_PER_SERIES = 10_000
FRESH_TARGET = 200_000
OVERLAP_TARGET = 90_000
BENCH_SCHEMA = "bench"
# PostgreSQL's 128 MB default buffer pool is smaller than the table plus its new row versions
# after a full-overlap upsert, and the default WAL budget forces a checkpoint mid-run; every
# production server raises both.
SERVER_SETTINGS = ("shared_buffers=1GB", "max_wal_size=8GB")


def dataset(rows: int, seed: int = 7) -> pl.DataFrame:
    """OHLCV bars of `rows // 10,000` series, one-minute apart, three-decimal prices.

    Rows come in key order (zero-padded symbols sort as they are numbered), so plain `COPY`
    gets the index-friendly order the sink produces by sorting: a fair ceiling.
    """
    rng = random.Random(seed)
    series = max(rows // BARS_PER_SERIES, 1)
    per_series = rows // series
    total = series * per_series
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)

    def prices() -> list[float]:
        return [round(rng.uniform(1e3, 1e5), 3) for _ in range(total)]

    def counts() -> list[int]:
        return [rng.randint(1, 300_000) for _ in range(total)]

    return pl.DataFrame(
        {
            "provider": ["coinalyze"] * total,
            "exchange": ["binance"] * total,
            "symbol": [
                f"S{index:04d}USDT_PERP.A" for index in range(series) for _ in range(per_series)
            ],
            "base": [f"S{index:04d}" for index in range(series) for _ in range(per_series)],
            "interval": ["1m"] * total,
            "ts": [start + 60_000 * bar for _ in range(series) for bar in range(per_series)],
            "open": prices(),
            "high": prices(),
            "low": prices(),
            "close": prices(),
            "volume": prices(),
            "buy_volume": prices(),
            "trades": counts(),
            "buy_trades": counts(),
            "unit": ["base"] * total,
        }
    ).with_columns(pl.col("ts").cast(pl.Datetime("ms", "UTC")))


def upsert_sql() -> sql.Composed:
    """The seed pipelines' statement: one row, `ON CONFLICT (key) DO UPDATE` every value."""
    columns = list(schema(Kind.OHLCV))
    key = primary_key(Kind.OHLCV)
    return sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}").format(
        sql.Identifier(BENCH_SCHEMA, Kind.OHLCV.value),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        sql.SQL(", ").join(map(sql.Identifier, key)),
        sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name))
            for name in columns
            if name not in key
        ),
    )


def per_row_execute(dsn: str, frame: pl.DataFrame) -> None:
    statement = upsert_sql()
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cur:
        for row in frame.iter_rows():
            cur.execute(statement, row)


def pipelined_executemany(dsn: str, frame: pl.DataFrame) -> None:
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.executemany(upsert_sql(), frame.iter_rows())


def plain_copy(dsn: str, frame: pl.DataFrame) -> None:
    statement = sql.SQL("COPY {} FROM STDIN (FORMAT csv, ENCODING 'UTF8')").format(
        sql.Identifier(BENCH_SCHEMA, Kind.OHLCV.value)
    )
    with psycopg.connect(dsn) as conn, conn.cursor() as cur, cur.copy(statement) as copy:
        for part in frame.iter_slices(100_000):
            buffer = io.BytesIO()
            part.write_csv(
                buffer,
                include_header=False,
                quote_style="non_numeric",
                datetime_format="%Y-%m-%d %H:%M:%S%.3f+00",
            )
            copy.write(buffer.getvalue())


def truncate(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(BENCH_SCHEMA, Kind.OHLCV.value)))


def settle(dsn: str) -> None:
    """Write out dirty buffers, so that no method pays for the previous one's writes."""
    # A --dsn role without pg_checkpoint measures things as they are.
    with (
        psycopg.connect(dsn, autocommit=True) as conn,
        suppress(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("CHECKPOINT")


def rate(dsn: str, rows: int, run: Callable[[], None], prepare: Callable[[], None]) -> float:
    """Rows per second of one run, timed after `prepare` and a checkpoint."""
    prepare()
    settle(dsn)
    started = time.perf_counter()
    run()
    return rows / (time.perf_counter() - started)


def load_cluster_helper() -> ModuleType:
    """`tests/servers/postgres.py`, imported by path: the fixture's cluster logic, shared."""
    path = Path(__file__).resolve().parents[1] / "tests" / "servers" / "postgres.py"
    spec = importlib.util.spec_from_file_location("cryptodata_test_postgres_cluster", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the cluster helper from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def server(dsn: str | None) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    helper = load_cluster_helper()
    bindir = helper.find_bindir()
    if bindir is None:
        sys.exit("no PostgreSQL server binaries found; install postgresql or pass --dsn")
    with helper.PostgresCluster(bindir, durable=True, settings=SERVER_SETTINGS) as cluster:
        yield cluster.dsn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--slow-rows", type=int, default=20_000, help="rows for method 1")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; each method's best kept")
    parser.add_argument("--dsn", help="an existing server (its schema 'bench' is replaced)")
    args = parser.parse_args(argv)

    frame = dataset(args.rows)
    rows = frame.height
    fresh = Table.from_frame(Kind.OHLCV, frame)
    revised = Table.from_frame(Kind.OHLCV, frame.with_columns(pl.col("close") * 1.0001))
    slow = frame.head(args.slow_rows)
    print(
        f"{rows:,} OHLCV rows in {frame['symbol'].n_unique()} series; best of {args.repeat} rounds"
    )

    with server(args.dsn) as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(BENCH_SCHEMA))
            )
        PostgresSink(dsn, schema=BENCH_SCHEMA).close()  # the table every method writes to

        def sink_write(table: Table) -> Callable[[], None]:
            # A sink per run, as a pipeline run opens one: its setup is part of the cost.
            def run() -> None:
                with PostgresSink(dsn, schema=BENCH_SCHEMA) as sink:
                    sink.write(table)

            return run

        def empty() -> None:
            truncate(dsn)

        def holding_fresh() -> None:
            truncate(dsn)
            sink_write(fresh)()

        methods = (
            ("1", "per-row execute upsert, autocommit (seed pipelines)", slow.height,
             lambda: per_row_execute(dsn, slow), empty),
            ("2", "pipelined executemany upsert, one transaction", rows,
             lambda: pipelined_executemany(dsn, frame), empty),
            ("2b", "the same over stored rows, every row revised", rows,
             lambda: pipelined_executemany(dsn, revised.to_polars()), holding_fresh),
            ("3", "plain COPY into the indexed table (ceiling)", rows,
             lambda: plain_copy(dsn, frame), empty),
            ("4", "PostgresSink.write, fresh range", rows, sink_write(fresh), empty),
            ("5", "PostgresSink.write, full overlap, every row revised", rows,
             sink_write(revised), holding_fresh),
            ("5b", "PostgresSink.write, full overlap, rows unchanged", rows,
             sink_write(fresh), holding_fresh),
        )  # fmt: skip
        # Rounds over all methods, not repeats of one: slow phases of a shared machine then
        # hit every method alike, and the best round of each is kept (noise only slows).
        rates: dict[str, float] = {}
        for _ in range(args.repeat):
            for number, _label, count, run, prepare in methods:
                measured = rate(dsn, count, run, prepare)
                rates[number] = max(measured, rates.get(number, 0.0))
        for number, label, count, _run, _prepare in methods:
            print(f"{number + '.':<4}{label:<54}{count:>10,} rows {rates[number]:>11,.0f} rows/s")

    print()
    for number, name, target, executemany in (
        ("4", "fresh range", FRESH_TARGET, "2"),
        ("5", "full-overlap upsert", OVERLAP_TARGET, "2b"),
    ):
        ours = rates[number]
        print(
            f"target {name} >= {target:,} rows/s: {'met' if ours >= target else 'NOT met'} "
            f"({ours:,.0f} rows/s = {ours / rates['3']:.0%} of plain COPY, "
            f"{ours / rates[executemany]:.1f}x executemany ({executemany}), "
            f"{ours / rates['1']:.0f}x per-row execute)"
        )


if __name__ == "__main__":
    main()
