"""`PostgresSink` writes against plain `COPY` of the same rows into the same indexed table.

The rows are synthetic 1-minute OHLCV bars (50 series of 10,000 bars at the `full` size, with
the digits real bars carry), in key order, rendered for `COPY` the way the sink renders them,
so plain `COPY` is the practical ceiling of getting them into the table.

For each fillfactor of the sweep (100, 90, 70, 50) the sink creates its tables in a schema of
their own, and each round times, interleaved, on one open connection each:

- plain `COPY` of the rows into the empty table, rendered to CSV by polars inside the timing
  as the sink renders them (the reference of every line);
- fresh range: `PostgresSink.write` of the rows into the empty table (every row takes the
  `COPY` fast path). Target (issue 9, item 7): our rows/s ≥ 0.90x plain `COPY`'s;
- full overlap: `PostgresSink.write` of the same keys, every row revised (`close`, `volume`
  and `trades` changed), into the table holding them. Target: ≥ 0.35x plain `COPY`'s.

The lines judged are those at the sink's default fillfactor; the other fillfactors are
printed for the trade-off: the share of the upsert's updates that were HOT
(`pg_stat_user_tables.n_tup_hot_upd / n_tup_upd`) and the table's size (`pg_table_size`)
after the seed and after the upsert. The table is truncated (or seeded with plain `COPY`,
then `VACUUM ANALYZE`-d, as a table a while after its append is) and checkpointed before each
timed call, so no call pays for the previous one's writes; every table is checked afterwards
to hold each row once, with the revised values after the upsert.

The server is a throwaway cluster started with the tests' fixture code
(`tests/servers/postgres.py`), with PostgreSQL's default durability (`fsync` on) and a
production-sized buffer pool and WAL budget (`SERVER_SETTINGS`). Set
`CRYPTODATA_BENCH_POSTGRES_DSN` to measure an existing server instead (its schemas
`bench_ff<N>` are replaced). Without server binaries or that variable, the module prints why
and returns no lines.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import random
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import psycopg
from _harness import Comparison, Size, at_least
from psycopg import sql

from cryptodata import Kind, Table
from cryptodata.sinks.postgres import PostgresSink, _csv_chunks

ENV_DSN = "CRYPTODATA_BENCH_POSTGRES_DSN"
ROWS: dict[Size, int] = {"smoke": 5_000, "small": 100_000, "full": 500_000}
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 3, "full": 3}
BARS_PER_SERIES: dict[Size, int] = {"smoke": 500, "small": 10_000, "full": 10_000}
FILLFACTORS = (100, 90, 70, 50)
DEFAULT_FILLFACTOR: int = inspect.signature(PostgresSink).parameters["fillfactor"].default
FRESH_TARGET = 0.90
OVERLAP_TARGET = 0.35
# PostgreSQL's 128 MB default buffer pool is smaller than the table plus its new row versions
# after a full-overlap upsert, and the default WAL budget forces a checkpoint mid-run; every
# production server raises both.
SERVER_SETTINGS = ("shared_buffers=1GB", "max_wal_size=8GB")


def dataset(rows: int, bars_per_series: int, seed: int = 7) -> pl.DataFrame:
    """OHLCV bars of `rows // bars_per_series` series, one minute apart, three-decimal prices.

    Rows come in key order (zero-padded symbols sort as they are numbered), so plain `COPY`
    gets the index-friendly order the sink produces by sorting: a fair ceiling.
    """
    rng = random.Random(seed)
    series = max(rows // bars_per_series, 1)
    per_series = rows // series
    total = series * per_series
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)

    def prices() -> list[float]:
        return [round(rng.uniform(1e3, 1e5), 3) for _ in range(total)]

    def counts() -> list[int]:
        return [rng.randint(1, 300_000) for _ in range(total)]

    names = [f"S{index:04d}" for index in range(series) for _ in range(per_series)]
    return pl.DataFrame(
        {
            "provider": ["coinalyze"] * total,
            "exchange": ["binance"] * total,
            "symbol": [f"{name}USDT_PERP.A" for name in names],
            "base": names,
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


def revise(frame: pl.DataFrame) -> pl.DataFrame:
    """Every bar revised, as a re-fetched open bar is: new close, volume and trade count."""
    return frame.with_columns(
        pl.col("close") * 1.0001, pl.col("volume") + 1.5, pl.col("trades") + 1
    )


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
def server() -> Iterator[str | None]:
    """The DSN of `CRYPTODATA_BENCH_POSTGRES_DSN`, else of a throwaway cluster; `None` if neither."""
    existing = os.environ.get(ENV_DSN)
    if existing:
        yield existing
        return
    helper = load_cluster_helper()
    bindir = helper.find_bindir()
    if bindir is None:
        yield None
        return
    with helper.PostgresCluster(bindir, durable=True, settings=SERVER_SETTINGS) as cluster:
        yield cluster.dsn


@dataclass
class Schema:
    """One fillfactor's tables, the connection writing to them, and what was measured."""

    fillfactor: int
    conn: psycopg.Connection[Any]
    sink: PostgresSink
    seconds: dict[str, list[float]] = field(
        default_factory=lambda: {"copy": [], "fresh": [], "overlap": []}
    )
    updates: int = 0
    hot_updates: int = 0
    seeded_bytes: int = 0
    upserted_bytes: int = 0

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.sink.schema, Kind.OHLCV.value)

    def execute(self, statement: sql.Composable, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        row = self.conn.execute(statement, params or None).fetchone()
        return row if row is not None else ()


def open_schema(dsn: str, fillfactor: int) -> Schema:
    """A fresh schema whose tables the sink created with `fillfactor`, and a sink on it."""
    name = f"bench_ff{fillfactor}"
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
    PostgresSink(conn, schema=name, fillfactor=fillfactor).close()
    return Schema(fillfactor, conn, PostgresSink(conn, schema=name, create=False))


def plain_copy(target: Schema, chunks: Iterable[bytes]) -> None:
    """The rows, rendered as CSV, `COPY`-ed into the table in one transaction."""
    statement = sql.SQL("COPY {} FROM STDIN (FORMAT csv, ENCODING 'UTF8')").format(target.table)
    with target.conn.transaction(), target.conn.cursor() as cur, cur.copy(statement) as copy:
        for chunk in chunks:
            copy.write(chunk)


def settle(target: Schema) -> None:
    """Write out dirty buffers, so that no timed call pays for the previous one's writes."""
    # A role without pg_checkpoint (an existing server's) measures things as they are.
    with suppress(psycopg.errors.InsufficientPrivilege):
        target.conn.execute("CHECKPOINT")


def truncate(target: Schema) -> None:
    target.conn.execute(sql.SQL("TRUNCATE {}").format(target.table))
    settle(target)


def seed(target: Schema, chunks: list[bytes]) -> None:
    """The table holding the rows, vacuumed and analysed as a table a while after its append."""
    target.conn.execute(sql.SQL("TRUNCATE {}").format(target.table))
    plain_copy(target, chunks)
    target.conn.execute(sql.SQL("VACUUM ANALYZE {}").format(target.table))
    settle(target)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def update_counts(target: Schema) -> tuple[int, int]:
    """The table's `(n_tup_upd, n_tup_hot_upd)` with this connection's pending counts flushed."""
    if target.conn.info.server_version >= 150000:
        target.conn.execute("SELECT pg_stat_force_next_flush()")
    else:
        time.sleep(1.0)  # older servers send statistics to the collector every 500 ms
    row = target.execute(
        sql.SQL(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = {}::regclass"
        ).format(sql.Literal(target.table.as_string(target.conn)))
    )
    return int(row[0]), int(row[1])


def table_bytes(target: Schema) -> int:
    row = target.execute(
        sql.SQL("SELECT pg_table_size({}::regclass)").format(
            sql.Literal(target.table.as_string(target.conn))
        )
    )
    return int(row[0])


def check(target: Schema, frame: pl.DataFrame) -> None:
    """Raise unless the table holds exactly `frame`'s keys once, with its trade counts."""
    rows, keys, trades = target.execute(
        sql.SQL(
            "SELECT count(*), count(DISTINCT (symbol, ts)), coalesce(sum(trades), 0) FROM {}"
        ).format(target.table)
    )
    expected = (frame.height, frame.height, int(frame["trades"].sum()))
    if (rows, keys, int(trades)) != expected:
        raise RuntimeError(
            f"{target.table.as_string(target.conn)} holds {rows:,} rows, {keys:,} keys and "
            f"{trades:,} trades, not {expected[0]:,}, {expected[1]:,} and {expected[2]:,}"
        )


def measure_round(
    target: Schema, fresh: Table, revised: Table, chunks: list[bytes], *, keep: bool
) -> None:
    """One round of the three timed calls into `target`; figures kept unless a warm-up."""
    truncate(target)
    # The reference renders the frame inside its timing, as any client sending it must.
    copy = timed(lambda: plain_copy(target, _csv_chunks(fresh.to_polars())))
    check(target, fresh.to_polars())
    truncate(target)
    append = timed(lambda: target.sink.write(fresh))
    check(target, fresh.to_polars())
    seed(target, chunks)
    target.seeded_bytes = table_bytes(target)
    before = update_counts(target)
    overlap = timed(lambda: target.sink.write(revised))
    after = update_counts(target)
    target.upserted_bytes = table_bytes(target)
    check(target, revised.to_polars())
    if keep:
        for name, seconds in (("copy", copy), ("fresh", append), ("overlap", overlap)):
            target.seconds[name].append(seconds)
        target.updates += after[0] - before[0]
        target.hot_updates += after[1] - before[1]


def rate_ratio(target: Schema, name: str) -> tuple[float, float, str]:
    """Median rows/s ratio of `name` over plain COPY's, with the per-round range, as text."""
    ours, reference = target.seconds[name], target.seconds["copy"]
    ratios = [theirs / mine for mine, theirs in zip(ours, reference, strict=True)]
    ratio = statistics.median(reference) / statistics.median(ours)
    return ratio, statistics.median(ours), f"rounds {min(ratios):.2f}-{max(ratios):.2f}x"


def mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def line(target: Schema, name: str, rows: int, size: Size, shape: str) -> Comparison:
    """The comparison of `name` ("fresh" or "overlap") in `target` against plain COPY."""
    ratio, seconds, spread = rate_ratio(target, name)
    reference = statistics.median(target.seconds["copy"])
    judged = target.fillfactor == DEFAULT_FILLFACTOR
    default = " (default)" if judged else ""
    if name == "fresh":
        path = f"PostgresSink fresh range, fillfactor={target.fillfactor}{default}"
        limit, detail = FRESH_TARGET, f"{shape}; {spread}"
    else:
        path = f"PostgresSink full-overlap upsert, fillfactor={target.fillfactor}{default}"
        hot = target.hot_updates / target.updates if target.updates else 0.0
        limit = OVERLAP_TARGET
        detail = (
            f"{shape}, every row revised; {spread}; HOT updates {hot:.0%}; table "
            f"{mib(target.seeded_bytes)} after the append, {mib(target.upserted_bytes)} "
            f"after the upsert; fresh range {rate_ratio(target, 'fresh')[0]:.2f}x"
        )
    return Comparison(
        path=path,
        ours=rows / seconds,
        reference_name="plain COPY into the same table",
        reference=rows / reference,
        unit="rows/s",
        ratio=ratio,
        target=f"≥ {limit:.2f}x" if judged else "sweep",
        met=at_least(ratio, limit, size) if judged else None,
        detail=detail,
    )


def storage_cost(target: Schema, baseline: Schema, rows: int) -> Comparison:
    """What the fillfactor costs an append: plain COPY into `target` against `baseline`."""
    ours = statistics.median(target.seconds["copy"])
    reference = statistics.median(baseline.seconds["copy"])
    return Comparison(
        path=f"plain COPY into a fillfactor={target.fillfactor} table",
        ours=rows / ours,
        reference_name=f"plain COPY into a fillfactor={baseline.fillfactor} table",
        reference=rows / reference,
        unit="rows/s",
        ratio=reference / ours,
        target="trade-off",
        met=None,
        detail=(
            f"table {mib(target.seeded_bytes)} against {mib(baseline.seeded_bytes)} "
            f"after the append ({target.seeded_bytes / baseline.seeded_bytes:.2f}x)"
        ),
    )


def comparisons(size: Size) -> list[Comparison]:
    """Fresh range and full overlap against plain COPY, at each fillfactor of the sweep."""
    frame = dataset(ROWS[size], BARS_PER_SERIES[size])
    fresh = Table.from_frame(Kind.OHLCV, frame)
    revised = Table.from_frame(Kind.OHLCV, revise(frame))
    chunks = list(_csv_chunks(fresh.to_polars()))
    shape = f"{frame.height:,} OHLCV rows in {frame['symbol'].n_unique()} series"
    with server() as dsn:
        if dsn is None:
            print(
                "bench_postgres: no PostgreSQL server binaries (initdb, pg_ctl, postgres) and "
                f"no {ENV_DSN}: skipped"
            )
            return []
        schemas = [open_schema(dsn, fillfactor) for fillfactor in FILLFACTORS]
        try:
            # One warm-up round, then the measured ones; each round visits every fillfactor,
            # so a slow phase of a shared machine hits them all alike.
            for index in range(1 + ROUNDS[size]):
                for target in schemas:
                    measure_round(target, fresh, revised, chunks, keep=index > 0)
        finally:
            for target in schemas:
                target.conn.close()
    by_fillfactor = {target.fillfactor: target for target in schemas}
    default = by_fillfactor[DEFAULT_FILLFACTOR]
    others = [target for target in schemas if target is not default]
    return [
        line(default, "fresh", frame.height, size, shape),
        line(default, "overlap", frame.height, size, shape),
        *(line(target, "overlap", frame.height, size, shape) for target in others),
        *(
            []
            if default.fillfactor == 100
            else [storage_cost(default, by_fillfactor[100], frame.height)]
        ),
    ]
