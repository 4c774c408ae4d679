"""`PostgresSink`: one table per kind in PostgreSQL, bulk-loaded with `COPY`, upserted on the key.

Each storable kind gets a table named after it (`ohlcv`, `open_interest`, ...) whose columns
and primary key come from `schema` and
`primary_key`. A write is one transaction:

1. the table's rows are de-duplicated on the key (last one wins) and sorted;
2. one query reads the stored `[min(ts), max(ts)]` of every series in the table (two index
   probes per series);
3. rows outside that range cannot exist yet: they are `COPY`-ed straight into the table
   (the fast path a backfill takes);
4. the rest (the overlap: a re-read lag window, revised open bars) is `COPY`-ed into a temp
   staging table, then merged with `INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE`, which
   skips rows whose values did not change.

Identifiers are always quoted with `psycopg.sql.Identifier`; values are always parameters.
Database errors leave the sink as a `SinkError` (psycopg's error as
its `__cause__`; a failed connection's, whose DSN holds the password, is not kept): a failed
write rolls back whole, and rows committed by earlier writes stay.

The module imports without psycopg, so `from cryptodata import *` works on a plain install;
constructing a sink then raises `MissingDependencyError`
naming the `postgres` extra.

Examples:
    >>> from cryptodata.sinks.postgres import PostgresSink
    >>> with PostgresSink("postgresql://localhost/market") as sink:  # doctest: +SKIP
    ...     sink.write(cz.open_interest_history(["BTCUSDT_PERP.A"], interval="1h", start="2025-06-01"))
    ...     sink.last_ts("open_interest", {"provider": "coinalyze", "exchange": "binance",
    ...                   "symbol": "BTCUSDT_PERP.A", "interval": "1h", "unit": "base"})
    48
    datetime.datetime(2025, 6, 2, 23, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

import polars as pl

from cryptodata.core.derived import METRIC_KINDS
from cryptodata.core.errors import (
    CryptoDataError,
    MissingDependencyError,
    SinkError,
    ValidationError,
)
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind, primary_key, schema, series_key
from cryptodata.core.table import Table, latest_per_key
from cryptodata.core.time import TimeInput, to_utc

from ._distribute import Distribution, check_distribution, distribute_sql
from .base import (
    STORABLE_KINDS,
    SinkBase,
    check_series,
    check_storable,
    check_where,
    rows_to_store,
)
from .layout import LayoutError

try:
    import psycopg
    from psycopg import pq, sql
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.rows import tuple_row

    from ._metric_views import derived_metrics_sql, metrics_view_sql
except ImportError:  # pragma: no cover - exercised in a subprocess test
    # Importing still works on a plain install; constructing a sink names the extra.
    _HAS_PSYCOPG = False
else:
    _HAS_PSYCOPG = True

__all__ = [
    "BASE_AGGREGATE_VIEW",
    "DERIVED_METRICS_VIEW",
    "METRICS_VIEWS",
    "PostgresSink",
]

BASE_AGGREGATE_VIEW: Final = "base_aggregate"
"""View summing USD open interest and liquidations over venues, per `(provider, base, interval, ts)`."""

DERIVED_METRICS_VIEW: Final = "derived_metrics"
"""View of per-bar derived metrics (OI change %, range %, annualised funding) per series.

Each number is 100 times the fraction the metric views (`METRICS_VIEWS`) hold.
"""

METRICS_VIEWS: Final[Mapping[Kind, str]] = MappingProxyType(
    {kind: f"{kind.value}_metrics" for kind in METRIC_KINDS}
)
"""The view of each kind's derived metrics (`open_interest_metrics`, ...).

Each is the kind's table with one more column per metric, compiled from the definitions in
`cryptodata.core.derived`: the columns and values
`cryptodata.marketdata.metrics.with_metrics` returns on the same rows.
"""

LAYOUT: Final = 2
"""The table layout this release creates: 2 added `interval` (and `unit`) to the keys."""

_FILLED_KEYS: Final = {Kind.METRIC: ("provider_id", "entity")}
"""Key columns an older layout left nullable, and the column whose value fills them: `metric`
rows were keyed by `entity` until `provider_id` (then optional) took its place."""

# Half of each heap page kept free: room for a new version of every row on the page, so the
# upsert of a revised range is all HOT updates (see `PostgresSink` and the benchmark).
_DEFAULT_FILLFACTOR: Final = 50

_PG_TYPES: Final[dict[pl.DataType, str]] = {
    pl.String(): "text",
    pl.Float64(): "double precision",
    pl.Int64(): "bigint",
    pl.Boolean(): "boolean",
    pl.Datetime("ms", "UTC"): "timestamptz",
}

# Serialises schema creation between processes that open sinks on one database at once
# (concurrent CREATE TABLE IF NOT EXISTS can fail on catalog unique indexes).
_DDL_LOCK: Final = 0x63727970746F6461  # "cryptoda"

# Timestamps go to COPY with an explicit offset, so the session's TimeZone cannot shift them.
_CSV_DATETIME: Final = "%Y-%m-%d %H:%M:%S%.3f+00"
# CSV, not text: polars renders it natively (fast), strings are always quoted
# (`non_numeric`), so an unquoted empty field can only mean NULL and "" stays an empty string.
_COPY_OPTIONS: Final = "(FORMAT csv, ENCODING 'UTF8')"
# Bounds the memory of a rendered CSV chunk while keeping COPY calls few.
_COPY_CHUNK_ROWS: Final = 100_000
# PostgreSQL truncates longer names (NAMEDATALEN - 1), so the sink would not find its schema.
_MAX_NAME_BYTES: Final = 63
# What an error for a statement adds to the server's message, by SQLSTATE.
_MISSING_TABLES = "open the sink once with create=True (needs CREATE rights) to create them"
_HINTS: Final = {
    "42P01": _MISSING_TABLES,  # undefined_table
    "3F000": _MISSING_TABLES,  # invalid_schema_name
    "42501": "grant the role the rights it lacks, or pass create=False if the tables exist",
}
_QUOTED = re.compile(r'"([^"]*)"')


class PostgresSink(SinkBase):
    """A PostgreSQL (or compatible: TimescaleDB, Citus) store with one table per kind.

    With `create=True` (the default) the schema, one table per storable kind and the analytic
    views are created if missing (views are replaced, so upgrades apply). Pass `create=False`
    when the role has no DDL rights and the tables exist already.

    Args:
        dsn_or_connection: A libpq connection string or URL (the sink opens the connection
            and closes it on `close()`), or an open `psycopg.Connection` (the sink uses it as
            it is and leaves it open; a write inside your transaction becomes a savepoint).
        schema: The PostgreSQL schema holding the tables and views.
        create: Create the schema, tables and views if they do not exist, and migrate tables
            an older release created (see `migrate_interval`).
        migrate_interval: The interval the bars in tables of cryptodata 0.1 (layout 1, keyed
            without `interval`) were collected at, e.g. `"1h"`. With it, such tables are
            migrated in the one schema transaction: `interval` (set to this value) and
            `period_hours` are added and the primary keys rebuilt. Without it, a layout-1 bar
            table holding rows is refused with `LayoutError`; empty ones migrate regardless.
        fillfactor: How full PostgreSQL packs the heap pages of the tables the sink creates
            (`WITH (fillfactor = N)`, 10 to 100; tables that exist keep theirs). The default,
            50, leaves each page room for a new version of every row on it, so revising
            stored rows is a HOT update (no index entry written): a full-overlap upsert runs
            at about twice the rate of `fillfactor=100`, for an append-only table about twice
            the size (`benchmarks/bench_postgres.py`). Pass 100 for append-only archives.
        distribute: `"timescaledb"` to make every series table a TimescaleDB hypertable
            chunked by `ts`, `"citus"` a Citus distributed table sharded by its series id;
            `None` (the default) for plain tables. The extension must be installed in the
            database (see `cryptodata.sinks._distribute` for the exact statements).
        chunk_interval: The hypertables' chunk length (TimescaleDB only).

    Raises:
        ValidationError: If `dsn_or_connection` is neither a string nor an open sync
            connection, the string is not a valid libpq connection string, `schema` is not a name PostgreSQL
            keeps whole (1 to 63 bytes, no NUL, no `pg_` prefix), `create` is not a bool, or
            `migrate_interval` is not an interval, `fillfactor` is not an integer from 10
            to 100, or `distribute` or `chunk_interval` is not one the sink knows. Checked
            before connecting.
        LayoutError: For a layout-1 bar table holding rows when `migrate_interval` is not given;
            nothing is changed then.
        SinkError: If the server cannot be reached or refuses the connection (the message
            never holds the password), or creating the tables fails; with `distribute`, if
            the extension is not installed (nothing is created then).
        MissingDependencyError: If psycopg is not installed (extra `postgres`).

    Examples:
        >>> sink = PostgresSink("host=localhost dbname=market", schema="crypto")  # doctest: +SKIP
        >>> sink.read("funding_rate", exchange="binance", start="2025-06-01")  # doctest: +SKIP
        Table(kind='funding_rate', rows=72, warnings=0)
    """

    def __init__(
        self,
        dsn_or_connection: str | psycopg.Connection[Any],
        *,
        schema: str = "public",
        create: bool = True,
        migrate_interval: str | None = None,
        fillfactor: int = _DEFAULT_FILLFACTOR,
        distribute: Distribution | None = None,
        chunk_interval: timedelta = timedelta(days=7),
    ) -> None:
        if not _HAS_PSYCOPG:
            raise MissingDependencyError("PostgresSink", package="psycopg", extra="postgres")
        self.schema = _check_schema(schema)
        if not isinstance(create, bool):
            raise ValidationError(f"create must be True or False, not {create!r}")
        interval = None if migrate_interval is None else Interval.parse(migrate_interval)
        # bool is an int subclass, but `fillfactor=True` is a mistake, not 1.
        if not isinstance(fillfactor, int) or isinstance(fillfactor, bool):
            raise ValidationError(
                f"fillfactor must be an integer from 10 to 100, not {fillfactor!r}"
            )
        if not 10 <= fillfactor <= 100:
            raise ValidationError(f"fillfactor must be from 10 to 100, not {fillfactor}")
        self.fillfactor = fillfactor
        self.distribute = check_distribution(distribute, chunk_interval)
        self._chunk_interval = chunk_interval
        if isinstance(dsn_or_connection, str):
            self._conn: psycopg.Connection[Any] = _connect(dsn_or_connection, schema)
            self._owned = True
        elif isinstance(dsn_or_connection, psycopg.Connection):
            if dsn_or_connection.closed:
                raise ValidationError("the psycopg.Connection given is closed; pass an open one")
            self._conn = dsn_or_connection
            self._owned = False
        else:
            raise ValidationError(
                "PostgresSink takes a connection string or a psycopg.Connection, "
                f"not {type(dsn_or_connection).__name__}"
            )
        info = self._conn.info
        # Never the DSN in a repr: it may hold a password.
        self._server = _server(info.host, info.port, info.dbname)
        if create:
            try:
                with self._errors("create the schema, tables and views"):
                    self._create(interval)
            except BaseException:
                self.close()
                raise

    def write(self, table: Table) -> int:
        """Upsert a table's rows in one transaction; returns the number of distinct keys written.

        Rows repeated within the table keep the last one. Rows newer (or older) than
        everything stored for their series are `COPY`-ed straight in; overlapping rows are
        merged through a staging table, so revised values win.

        Raises:
            ValidationError: For kinds sinks do not store, rows with a null key column or an
                empty provider, exchange or symbol, or a value no sink can store (see
                `Sink`); nothing is written then.
            SinkError: If the database rejects the write or the connection fails; nothing of
                it is kept. psycopg's error is the `__cause__`.

        Examples:
            >>> sink.write(cz.ohlcv_history(["BTCUSDT_PERP.A"], interval="1m"))  # doctest: +SKIP
            1000
        """
        self._check_open()
        kind, rows = rows_to_store(table)
        frame = _unique_sorted(kind, rows)
        if frame.is_empty():
            return 0
        with self._errors(f"write {kind.value} rows"):
            try:
                self._write(kind, frame, fast=True)
            except psycopg.errors.UniqueViolation:
                # Another writer stored some "fresh" rows between our range check and the
                # COPY. The transaction rolled back whole; merging everything is correct.
                self._write(kind, frame, fast=False)
        return frame.height

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        """The newest `ts` stored for one series (aware UTC), or `None` when there is none.

        One probe of the primary-key index, whatever the table's size.

        Args:
            kind: A storable kind.
            series: Exactly the kind's series-key columns and their values.

        Raises:
            ValidationError: For a kind sinks do not store, a series missing a key column or
                naming another one, or an id no sink can store.
            SinkError: If the query fails (the connection is gone, the table is missing).

        Examples:
            >>> sink.last_ts("funding_rate", {"provider": "coinalyze", "exchange": "binance",
            ...               "symbol": "BTCUSDT_PERP.A", "interval": "1h"})  # doctest: +SKIP
            datetime.datetime(2025, 6, 2, 23, 0, tzinfo=datetime.timezone.utc)
        """
        parsed = check_storable(kind)
        named = check_series(parsed, series)
        self._check_open()
        where, params = _conditions(named)
        query = sql.SQL("SELECT max(ts) FROM {}{}").format(self._table(parsed), where)
        with (
            self._errors(f"read the last {parsed.value} ts"),
            self._conn.transaction(),
            self._conn.cursor(row_factory=tuple_row) as cur,
        ):
            row = cur.execute(*self._bound(query, params)).fetchone()
        newest: datetime | None = row[0] if row else None
        return newest.astimezone(UTC) if newest is not None else None

    def read(
        self,
        kind: Kind | str,
        *,
        start: TimeInput | None = None,
        end: TimeInput | None = None,
        **where: str | None,
    ) -> Table:
        """Stored rows of a kind within `[start, end)`, filtered in SQL on series-key columns.

        Raises:
            ValidationError: For kinds sinks do not store, a column outside the kind's series
                key, an id no sink can store, or invalid `start` / `end`.
            SinkError: If the query fails (the connection is gone, the table is missing).

        Examples:
            >>> sink.read("liquidations", symbol="BTCUSDT_PERP.A", interval="1h", start="2025-06-01", end="2025-06-02")  # doctest: +SKIP
            Table(kind='liquidations', rows=24, warnings=0)
        """
        parsed = check_storable(kind)
        wanted = check_where(parsed, where)
        self._check_open()
        condition, params = _conditions(
            wanted,
            start=None if start is None else to_utc(start, name="start"),
            end=None if end is None else to_utc(end, name="end"),
        )
        target = schema(parsed)
        query = sql.SQL("COPY (SELECT {} FROM {}{}) TO STDOUT {}").format(
            sql.SQL(", ").join(_csv_column(name, dtype) for name, dtype in target.items()),
            self._table(parsed),
            condition,
            sql.SQL(_COPY_OPTIONS),
        )
        body = bytearray()
        with (
            self._errors(f"read {parsed.value} rows"),
            self._conn.transaction(),
            self._conn.cursor() as cur,
        ):
            # Any positive value prints floats in their shortest exact form (PostgreSQL 12+);
            # a server or role set to 0 would round them to 15 digits.
            cur.execute("SET LOCAL extra_float_digits = 3")
            with cur.copy(*self._bound(query, params)) as copy:
                for chunk in copy:
                    body += chunk
        if not body:
            return Table.empty(parsed)
        # Timestamps and booleans arrive as integers; `from_frame` casts them to the schema.
        csv_schema = {name: _csv_dtype(dtype) for name, dtype in target.items()}
        frame = pl.read_csv(bytes(body), has_header=False, schema=csv_schema)
        return Table.from_frame(parsed, frame.sort(list(primary_key(parsed))))

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        """Every series of a kind holding at least one row, named by its series-key columns.

        Returns:
            One dict per series, as `last_ts` takes it, sorted by its values.

        Raises:
            ValidationError: For a kind sinks do not store.

        Examples:
            >>> sink.series("funding_rate")  # doctest: +SKIP
            [{'provider': 'coinalyze', 'exchange': 'binance', 'symbol': 'BTCUSDT_PERP.A', 'interval': '1h'}]
        """
        parsed = check_storable(kind)
        self._check_open()
        columns = series_key(parsed)
        names = sql.SQL(", ").join(map(sql.Identifier, columns))
        query = sql.SQL("SELECT DISTINCT {} FROM {} ORDER BY {}").format(
            names, self._table(parsed), names
        )
        with (
            self._errors(f"list the {parsed.value} series"),
            self._conn.transaction(),
            self._conn.cursor(row_factory=tuple_row) as cur,
        ):
            rows = cur.execute(query).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def close(self) -> None:
        """Close the connection if the sink opened it; the sink is unusable afterwards."""
        if self._owned and not self._conn.closed:
            self._conn.close()
        super().close()

    def __repr__(self) -> str:
        return f"PostgresSink({self._server}, schema={self.schema!r})"

    def _table(self, kind: Kind) -> sql.Identifier:
        return sql.Identifier(self.schema, kind.value)

    def _bound(
        self, query: sql.Composed, params: Sequence[Any]
    ) -> tuple[sql.Composed, Sequence[Any] | None]:
        """A statement and its parameters as psycopg must get them for any name to work.

        psycopg reads every `%` of a statement as a placeholder, inside quoted names too, when
        (and only when) it is given parameters. So with parameters, the `%` of every name and
        literal in the statement is doubled; without, none is, and no parameters are passed
        (an empty list would make `execute` parse the statement, but not `copy`).
        """
        if not params:
            return query, None
        return sql.Composed([_percent_doubled(part, self._conn) for part in query]), params

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Raise psycopg's errors as a `SinkError` saying what failed and what to do.

        psycopg's error is kept as the cause: only a connection attempt's error carries the
        DSN (in `pgconn`), and connecting is not done here (see `_connect`).
        """
        try:
            yield
        except psycopg.Error as exc:
            raise SinkError(f"cannot {doing}: {_reason(exc)}", sink=repr(self)) from exc

    def _create(self, migrate_interval: Interval | None) -> None:
        views = (
            (BASE_AGGREGATE_VIEW, _base_aggregate_sql(self.schema)),
            *(
                (METRICS_VIEWS[kind], metrics_view_sql(self._table(kind), kind))
                for kind in METRIC_KINDS
            ),
            # Last: it reads the metric views.
            (DERIVED_METRICS_VIEW, derived_metrics_sql(self.schema, METRICS_VIEWS)),
        )
        with self._conn.transaction(), self._conn.cursor(row_factory=tuple_row) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            if self.distribute is not None:
                self._check_extension(cur, self.distribute)
            # Checked first: CREATE SCHEMA IF NOT EXISTS still demands CREATE on the database.
            exists = cur.execute(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (self.schema,)
            ).fetchone()
            if exists is None:
                cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
            # Views are rebuilt, not replaced: a view cannot gain columns in the middle, and
            # a migrated column it reads could not change while it exists. Dropped in
            # reverse, so a view goes before those it reads.
            for name, _ in reversed(views):
                cur.execute(
                    sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(self.schema, name))
                )
            for kind in sorted(STORABLE_KINDS):
                self._migrate(cur, kind, migrate_interval)
                cur.execute(_create_table_sql(self._table(kind), kind, self.fillfactor))
                if self.distribute is not None:
                    statement = distribute_sql(
                        self._table(kind), kind, self.distribute, self._chunk_interval
                    )
                    cur.execute(statement)
            for name, body in views:
                cur.execute(
                    sql.SQL("CREATE VIEW {} AS {}").format(sql.Identifier(self.schema, name), body)
                )

    def _check_extension(self, cur: psycopg.Cursor[Any], extension: Distribution) -> None:
        installed = cur.execute(
            "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = %s", (extension,)
        ).fetchone()
        if installed is None:
            raise SinkError(
                f"distribute={extension!r} needs the {extension} extension in the database: "
                f"run CREATE EXTENSION {extension}; as a superuser (the server must have it), "
                "or open the sink with distribute=None for plain tables",
                sink=repr(self),
            )

    def _migrate(self, cur: psycopg.Cursor[Any], kind: Kind, interval: Interval | None) -> None:
        """Bring a table an older release created to this release's columns and key."""
        stored = dict(
            cur.execute(
                "SELECT column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s",
                (self.schema, kind.value),
            ).fetchall()
        )
        if not stored:
            return
        key = primary_key(kind)
        current_key = [
            row[0]
            for row in cur.execute(
                "SELECT a.attname FROM pg_catalog.pg_constraint c "
                "JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) ON true "
                "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid "
                "AND a.attnum = k.attnum "
                "WHERE c.conrelid = %s::regclass AND c.contype = 'p' ORDER BY k.n",
                (self._table(kind).as_string(self._conn),),
            ).fetchall()
        ]
        missing = {name: dtype for name, dtype in schema(kind).items() if name not in stored}
        if not missing and tuple(current_key) == key:
            return
        table = self._table(kind)
        if "interval" in missing and interval is None:
            has_rows = cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(table))
            if has_rows.fetchone() == (True,):
                raise LayoutError(f"table {self.schema}.{kind.value}", 1, LAYOUT, "postgres:DSN")
        for name, dtype in missing.items():
            column = sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_PG_TYPES[dtype]))
            if name == "interval":
                label = (interval or Interval.D1).value  # an empty table: no row takes it
                cur.execute(
                    sql.SQL('ALTER TABLE {} ADD COLUMN {} COLLATE "C" NOT NULL DEFAULT {}').format(
                        table, column, sql.Literal(label)
                    )
                )
                cur.execute(
                    sql.SQL("ALTER TABLE {} ALTER COLUMN interval DROP DEFAULT").format(table)
                )
            else:
                cur.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(table, column))
        for name in key:
            if schema(kind)[name] == pl.String() and stored.get(name, "C") != "C":
                cur.execute(
                    sql.SQL('ALTER TABLE {} ALTER COLUMN {} TYPE text COLLATE "C"').format(
                        table, sql.Identifier(name)
                    )
                )
        if kind in _FILLED_KEYS:
            # An older key left this column nullable: its rows were told apart by another.
            filled, source = _FILLED_KEYS[kind]
            cur.execute(
                sql.SQL("UPDATE {} SET {} = {} WHERE {} IS NULL").format(
                    table, sql.Identifier(filled), sql.Identifier(source), sql.Identifier(filled)
                )
            )
        constraint = cur.execute(
            "SELECT conname FROM pg_catalog.pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'p'",
            (table.as_string(self._conn),),
        ).fetchone()
        if constraint is not None:
            cur.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    table, sql.Identifier(constraint[0])
                )
            )
        cur.execute(
            sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(
                table, sql.SQL(", ").join(map(sql.Identifier, key))
            )
        )

    def _write(self, kind: Kind, frame: pl.DataFrame, *, fast: bool) -> None:
        with self._conn.transaction(), self._conn.cursor(row_factory=tuple_row) as cur:
            if fast:
                fresh = self._outside_stored_range(cur, kind, frame)
                new_rows, overlap = frame.filter(fresh), frame.filter(~fresh)
            else:
                new_rows, overlap = frame.clear(), frame
            if not overlap.is_empty():
                self._merge(cur, kind, overlap)
            if not new_rows.is_empty():
                _copy_into(cur, self._table(kind), new_rows)

    def _outside_stored_range(
        self, cur: psycopg.Cursor[Any], kind: Kind, frame: pl.DataFrame
    ) -> pl.Series:
        """A mask of the rows whose `ts` lies outside their series' stored `[min, max]`."""
        columns = list(series_key(kind))
        series = frame.select(columns).unique(maintain_order=True)
        names = [sql.Identifier(column) for column in columns]
        # min/max over the primary-key prefix are each one index probe (no scan).
        query = sql.SQL(
            "SELECT {selected}, r.lo, r.hi "
            "FROM unnest({arrays}) AS s({names}) "
            "CROSS JOIN LATERAL (SELECT min(t.ts) AS lo, max(t.ts) AS hi FROM {table} AS t "
            "WHERE {joined}) AS r"
        ).format(
            selected=sql.SQL(", ").join(sql.SQL("s.") + name for name in names),
            arrays=sql.SQL(", ").join(sql.SQL("%s::text[]") for _ in names),
            names=sql.SQL(", ").join(names),
            table=self._table(kind),
            joined=sql.SQL(" AND ").join(sql.SQL("t.{0} = s.{0}").format(name) for name in names),
        )
        params = [series[column].to_list() for column in columns]
        stored = pl.DataFrame(
            cur.execute(*self._bound(query, params)).fetchall(),
            schema={
                **dict.fromkeys(columns, pl.String),
                "_lo": pl.Datetime("us", "UTC"),
                "_hi": pl.Datetime("us", "UTC"),
            },
            orient="row",
        )
        ranges = frame.select(*columns, "ts").join(
            stored, on=columns, how="left", maintain_order="left"
        )
        outside = ranges.select(
            pl.col("_hi").is_null()
            | (pl.col("ts") > pl.col("_hi"))
            | (pl.col("ts") < pl.col("_lo"))
        )
        return outside.to_series()

    def _merge(self, cur: psycopg.Cursor[Any], kind: Kind, rows: pl.DataFrame) -> None:
        """Upsert rows through a temp staging table, skipping rows whose values are unchanged."""
        key = primary_key(kind)
        columns = list(schema(kind))
        values = [name for name in columns if name not in key]
        stage = sql.Identifier(f"cryptodata_stage_{kind.value}")
        # Created and dropped within this write; ON COMMIT DROP also covers a write that runs
        # as a savepoint inside the caller's transaction and fails after the copy.
        cur.execute(
            sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
                stage, self._table(kind)
            )
        )
        _copy_into(cur, stage, rows)

        def column_list(names: list[str], prefix: str = "") -> sql.Composable:
            return sql.SQL(", ").join(sql.SQL(prefix) + sql.Identifier(name) for name in names)

        cur.execute(
            sql.SQL(
                "INSERT INTO {target} AS t ({columns}) SELECT {columns} FROM {stage} "
                "ON CONFLICT ({key}) DO UPDATE SET {updates} "
                # Unchanged rows (a re-read lag window) are not rewritten: no dead tuples.
                "WHERE ({current}) IS DISTINCT FROM ({incoming})"
            ).format(
                target=self._table(kind),
                columns=column_list(columns),
                stage=stage,
                key=column_list(list(key)),
                updates=sql.SQL(", ").join(
                    sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in values
                ),
                current=column_list(values, "t."),
                incoming=column_list(values, "EXCLUDED."),
            )
        )
        cur.execute(sql.SQL("DROP TABLE {}").format(stage))


def _check_schema(name: object) -> str:
    if not isinstance(name, str):
        raise ValidationError(f"schema must be a string, not {type(name).__name__}")
    encoded = name.encode("utf-8", "replace")  # a lone surrogate: not UTF-8, refused below
    if (
        not 0 < len(encoded) <= _MAX_NAME_BYTES
        or encoded.decode() != name
        or "\x00" in name
        or name.startswith("pg_")
    ):
        raise ValidationError(
            f"schema {name!r} is not a name PostgreSQL keeps: use 1 to {_MAX_NAME_BYTES} bytes "
            "of UTF-8 without NUL, not starting with pg_ (reserved for system schemas)"
        )
    return name


def _server(host: object, port: object, dbname: object) -> str:
    return f"host={host!r}, port={port}, dbname={dbname!r}"


def _connect(dsn: str, schema: str) -> psycopg.Connection[Any]:
    """An autocommit connection (reads never leave a session idle in a transaction).

    Raises:
        ValidationError: If `dsn` is not a libpq connection string.
        SinkError: If connecting fails.
    """
    failure: CryptoDataError
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.Error as exc:
        failure = ValidationError(
            "dsn_or_connection is not a libpq connection string (key=value pairs or a "
            f"postgresql:// URL): {_hide_values(_message(exc), dsn)}"
        )
    else:
        try:
            return psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            secrets = [str(params[key]) for key in _secret_options() if params.get(key)]
            server = _server(params.get("host"), params.get("port"), params.get("dbname"))
            failure = SinkError(
                f"cannot connect: {_redact(_message(exc), secrets)}; check that the server "
                "runs and accepts this role, and the connection string",
                sink=f"PostgresSink({server}, schema={schema!r})",
            )
    # Raised outside the handlers, so psycopg's error is not even the hidden `__context__`:
    # its `pgconn` holds every connection option, the password too.
    raise failure


def _secret_options() -> list[str]:
    """libpq's options that hold secrets (`password`, `sslpassword`, ...): shown as `*`."""
    return [
        option.keyword.decode() for option in pq.Conninfo.get_defaults() if option.dispchar == b"*"
    ]


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _hide_values(message: str, dsn: str) -> str:
    """A DSN parse error with every quoted piece of the DSN hidden but option names.

    libpq quotes the offending piece (`missing "=" after "hunter2"`), and an unparsable DSN
    does not say which piece is the password.
    """

    def hidden(match: re.Match[str]) -> str:
        piece = match.group(1)
        is_name = piece == "=" or re.search(rf"(^|[\s?&]){re.escape(piece)}\s*=", dsn)
        return match.group() if is_name else '"***"'

    return _QUOTED.sub(hidden, message)


def _message(exc: psycopg.Error) -> str:
    """psycopg's message on one line, with the SQLSTATE when the server sent one."""
    # A server error's own fields, without the "LINE 1: ..." excerpt of the statement; else
    # libpq's lines, where a hint has a line of its own ("Connection refused\n\tIs the ...").
    diag = exc.diag
    found = [diag.message_primary, diag.message_detail, diag.message_hint]
    lines = found if diag.message_primary else str(exc).splitlines()
    text = ""
    for line in filter(None, (line.strip() for line in lines if line)):
        if text:
            text += " " if text[-1] in ".?!:;" else ". "
        text += line
    text = text or type(exc).__name__
    return f"{text} (SQLSTATE {exc.sqlstate})" if exc.sqlstate else text


def _reason(exc: psycopg.Error) -> str:
    """`_message`, and what to do where the error says it."""
    text = _message(exc)
    hint = _HINTS.get(exc.sqlstate or "")
    if hint is None and isinstance(exc, psycopg.OperationalError):
        hint = "the connection failed; check the server, then open a new sink"
    return f"{text}; {hint}" if hint else text


def _percent_doubled(query: sql.Composable, conn: psycopg.Connection[Any]) -> sql.Composable:
    """`query` with every `%` in its names and literals doubled; its own SQL text untouched."""
    if isinstance(query, sql.Composed):
        return sql.Composed([_percent_doubled(part, conn) for part in query])
    if isinstance(query, sql.SQL | sql.Placeholder):
        return query
    return sql.SQL(query.as_string(conn).replace("%", "%%"))


def _conditions(
    equal: Mapping[str, str], *, start: datetime | None = None, end: datetime | None = None
) -> tuple[sql.Composable, list[Any]]:
    """A `WHERE` clause (empty when there is nothing to match) and its parameters."""
    conditions: list[sql.Composable] = [
        sql.SQL("{} = %s").format(sql.Identifier(column)) for column in equal
    ]
    params: list[Any] = list(equal.values())
    if start is not None:
        conditions.append(sql.SQL("ts >= %s"))
        params.append(start)
    if end is not None:
        conditions.append(sql.SQL("ts < %s"))
        params.append(end)
    if not conditions:
        return sql.SQL(""), params
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions), params


def _unique_sorted(kind: Kind, frame: pl.DataFrame) -> pl.DataFrame:
    """One row per key (the last), sorted by key so index inserts walk the B-tree in order."""
    return latest_per_key(frame, primary_key(kind))


def _copy_into(cur: psycopg.Cursor[Any], target: sql.Identifier, rows: pl.DataFrame) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
        target, sql.SQL(", ").join(map(sql.Identifier, rows.columns)), sql.SQL(_COPY_OPTIONS)
    )
    with cur.copy(statement) as copy:
        for chunk in _csv_chunks(rows):
            copy.write(chunk)


def _csv_chunks(rows: pl.DataFrame) -> Iterator[bytes]:
    for part in rows.iter_slices(_COPY_CHUNK_ROWS):
        buffer = io.BytesIO()
        part.write_csv(
            buffer,
            include_header=False,
            quote_style="non_numeric",
            datetime_format=_CSV_DATETIME,
            null_value="",
        )
        yield buffer.getvalue()


def _csv_column(name: str, dtype: pl.DataType) -> sql.Composable:
    """How `read` selects a column so that polars parses the CSV exactly."""
    column = sql.Identifier(name)
    if dtype == pl.Datetime("ms", "UTC"):
        # Epoch milliseconds: exact, and independent of the session's TimeZone and DateStyle.
        return sql.SQL("(extract(epoch FROM {0}) * 1000)::bigint AS {0}").format(column)
    if dtype == pl.Boolean():
        return sql.SQL("{0}::int AS {0}").format(column)
    return column


def _csv_dtype(dtype: pl.DataType) -> pl.DataType:
    return pl.Int64() if dtype in (pl.Datetime("ms", "UTC"), pl.Boolean()) else dtype


def _create_table_sql(table: sql.Identifier, kind: Kind, fillfactor: int) -> sql.Composed:
    """`CREATE TABLE IF NOT EXISTS` for a kind: its columns, NOT NULL key, primary key.

    The table carries `fillfactor` as a storage parameter (see `PostgresSink`).

    Key text columns use the "C" collation: byte-wise comparison is what polars sorts by, and
    it makes every index probe of an upsert cheaper than a locale's collation would.
    """
    key = primary_key(kind)
    columns = []
    for name, dtype in schema(kind).items():
        pg_type = _PG_TYPES[dtype]
        definition = sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type))
        if name in key:
            collate = sql.SQL(' COLLATE "C"') if pg_type == "text" else sql.SQL("")
            definition = sql.SQL("{}{} NOT NULL").format(definition, collate)
        columns.append(definition)
    return sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY ({})) WITH (fillfactor = {})"
    ).format(
        table,
        sql.SQL(", ").join(columns),
        sql.SQL(", ").join(map(sql.Identifier, key)),
        sql.Literal(fillfactor),
    )


def _base_aggregate_sql(schema_name: str) -> sql.Composed:
    """USD open interest (bar close) and liquidations summed over venues per base and bar.

    Grouped by provider too: two providers covering one venue would otherwise count it twice.
    """
    return sql.SQL(
        "WITH oi AS ("
        "SELECT provider, base, interval, ts, sum(close) AS open_interest_usd, "
        "count(DISTINCT exchange) AS open_interest_venues "
        "FROM {oi} WHERE unit = {usd} GROUP BY provider, base, interval, ts), "
        "liq AS ("
        "SELECT provider, base, interval, ts, sum(longs) AS liquidations_longs_usd, "
        "sum(shorts) AS liquidations_shorts_usd, "
        "count(DISTINCT exchange) AS liquidation_venues "
        "FROM {liq} WHERE unit = {usd} GROUP BY provider, base, interval, ts) "
        "SELECT provider, base, interval, ts, "
        "oi.open_interest_usd, coalesce(oi.open_interest_venues, 0) AS open_interest_venues, "
        "liq.liquidations_longs_usd, liq.liquidations_shorts_usd, "
        "coalesce(liq.liquidation_venues, 0) AS liquidation_venues "
        "FROM oi FULL JOIN liq USING (provider, base, interval, ts)"
    ).format(
        oi=sql.Identifier(schema_name, Kind.OPEN_INTEREST.value),
        liq=sql.Identifier(schema_name, Kind.LIQUIDATIONS.value),
        usd=sql.Literal("usd"),
    )
