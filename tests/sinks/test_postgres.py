"""PostgresSink against a real server: the sink contract, DDL, COPY fast path, upserts, views."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from cryptodata import Kind, SinkError, Table, ValidationError, primary_key, schema
from cryptodata.sinks.base import STORABLE_KINDS, Sink
from cryptodata.sinks.layout import LayoutError
from cryptodata.sinks.postgres import PostgresSink
from servers.postgres import free_port
from sinks.conftest import key
from sinks.contract import SinkContract, assert_rows

T0 = datetime(2025, 6, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
ODD_SYMBOL = "BTC\"USD'.P; DROP TABLE ohlcv; --"


class TestPostgresContract(SinkContract):
    @pytest.fixture
    def sink(self, postgres_db: str) -> Iterator[Sink]:
        with PostgresSink(postgres_db) as sink:
            yield sink

    @pytest.fixture
    def reopen(self, postgres_db: str) -> Callable[[], Sink]:
        return lambda: PostgresSink(postgres_db)


@pytest.fixture
def sink(postgres_db: str) -> Iterator[PostgresSink]:
    with PostgresSink(postgres_db) as sink:
        yield sink


@pytest.fixture
def conn(postgres_db: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_db, autocommit=True) as conn:
        yield conn


def rows(kind: Kind, *values: dict[str, Any]) -> Table:
    """A table of `kind`: each dict gives some columns (`ts` in hours after T0); others default."""
    defaults = {
        "provider": "coinalyze",
        "exchange": "binance",
        "symbol": "BTCUSDT_PERP.A",
        "base": "BTC",
        "interval": "1h",
        "unit": "usd",
        "period_hours": 8.0,
    }
    records = []
    for given_values in values:
        record = {name: given_values.get(name, defaults.get(name)) for name in schema(kind)}
        record["ts"] = T0 + timedelta(hours=given_values["ts"])
        records.append(record)
    return Table.from_frame(kind, pl.DataFrame(records, schema=schema(kind)))


def oi(*closes: tuple[int, float], **fixed: Any) -> Table:
    """Open interest bars: `(hour, close)` pairs of one series."""
    return rows(
        Kind.OPEN_INTEREST, *({"ts": hour, "close": close, **fixed} for hour, close in closes)
    )


def count(conn: psycopg.Connection[Any], table: str, schema_name: str = "public") -> int:
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema_name, table))
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


@contextmanager
def recording_sink(
    dsn: str, on_copy: Callable[[str], None] = lambda _: None
) -> Iterator[tuple[PostgresSink, list[str]]]:
    """A sink on a connection whose cursors log each statement they run (`on_copy` may meddle)."""
    log: list[str] = []

    class Recording(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            log.append(text(query, self))
            return super().execute(query, params, **kwargs)

        @contextmanager
        def copy(self, statement: Any, params: Any = None, **kwargs: Any) -> Iterator[Any]:
            log.append(text(statement, self))
            on_copy(log[-1])
            with super().copy(statement, params, **kwargs) as copy:
                yield copy

    with psycopg.connect(dsn, autocommit=True, cursor_factory=Recording) as conn:
        sink = PostgresSink(conn)
        log.clear()
        yield sink, log


def text(query: Any, context: psycopg.Cursor[Any]) -> str:
    return query.as_string(context) if isinstance(query, sql.Composable) else str(query)


def statements(log: list[str], prefix: str) -> list[str]:
    return [line for line in log if line.startswith(prefix)]


def copied_into(log: list[str]) -> list[str]:
    """The tables rows were `COPY`-ed into, in order."""
    return [line.split(" (")[0][5:] for line in statements(log, "COPY") if "FROM STDIN" in line]


# -- packaging ------------------------------------------------------------------------------


def test_importing_cryptodata_and_its_sinks_does_not_import_psycopg() -> None:
    code = "import sys, cryptodata, cryptodata.sinks, cryptodata.sinks.base; print('psycopg' in sys.modules)"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "False"


def test_without_psycopg_the_sink_imports_and_constructing_one_names_the_postgres_extra() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from cryptodata import CryptoDataError, MissingDependencyError, PostgresSink\n"
        "from cryptodata.sinks.postgres import PostgresSink as Direct\n"
        "try:\n"
        "    PostgresSink('dbname=market')\n"
        "except MissingDependencyError as exc:\n"
        "    print(Direct is PostgresSink, isinstance(exc, ImportError), exc.extra)\n"
        "    print(exc)\n"
    )

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.splitlines() == [
        "True True postgres",
        "PostgresSink needs psycopg, which is not installed: pip install 'cryptodata[postgres]'",
    ]


# -- DDL ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(STORABLE_KINDS))
def test_each_storable_kind_has_a_table_matching_its_schema(
    sink: PostgresSink, conn: psycopg.Connection[Any], kind: Kind
) -> None:
    pg_type = {
        pl.String(): "text",
        pl.Float64(): "double precision",
        pl.Int64(): "bigint",
        pl.Datetime("ms", "UTC"): "timestamp with time zone",
    }
    key = primary_key(kind)

    columns = conn.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (kind.value,),
    ).fetchall()
    primary = conn.execute(
        "SELECT k.column_name FROM information_schema.table_constraints AS c "
        "JOIN information_schema.key_column_usage AS k USING (constraint_schema, constraint_name) "
        "WHERE c.table_schema = 'public' AND c.table_name = %s "
        "AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position",
        (kind.value,),
    ).fetchall()

    assert columns == [
        (name, pg_type[dtype], "NO" if name in key else "YES")
        for name, dtype in schema(kind).items()
    ]
    assert tuple(name for (name,) in primary) == key


def test_opening_a_sink_again_keeps_tables_rows_and_views(postgres_db: str) -> None:
    with PostgresSink(postgres_db) as first:
        first.write(oi((0, 1.0)))

    with PostgresSink(postgres_db) as again:
        assert len(again.read(Kind.OPEN_INTEREST)) == 1
    with psycopg.connect(postgres_db) as conn:
        views = conn.execute(
            "SELECT table_name FROM information_schema.views WHERE table_schema = 'public' "
            "ORDER BY table_name"
        ).fetchall()
    assert [name for (name,) in views] == [
        "base_aggregate",
        "derived_metrics",
        "funding_rate_metrics",
        "funding_settlement_metrics",
        "long_short_ratio_metrics",
        "ohlcv_metrics",
        "open_interest_metrics",
    ]


def test_create_false_leaves_the_database_untouched(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    with (
        PostgresSink(postgres_db, schema="absent", create=False) as sink,
        pytest.raises(
            SinkError, match=r"SQLSTATE 42P01\); open the sink once with create=True"
        ) as caught,
    ):
        sink.write(oi((0, 1.0)))

    assert isinstance(caught.value.__cause__, psycopg.errors.UndefinedTable)

    assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'absent'").fetchone() is None


def test_quoted_schema_names_and_hostile_values_stay_data(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    odd_schema = 'we"ird.%s%(x)s%; DROP SCHEMA public; --'
    table = oi((0, 1.5), (1, 2.5), symbol=ODD_SYMBOL, exchange="o'k.x")

    with PostgresSink(postgres_db, schema=odd_schema) as sink:
        sink.write(table)
        back = sink.read(Kind.OPEN_INTEREST, exchange="o'k.x", symbol=ODD_SYMBOL)
        last = sink.last_ts(
            Kind.OPEN_INTEREST,
            key(Kind.OPEN_INTEREST, "coinalyze", "o'k.x", ODD_SYMBOL, unit="usd"),
        )

    assert_rows(back, table)
    assert last == T0 + timedelta(hours=1)
    assert count(conn, "open_interest", odd_schema) == 2
    assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'public'").fetchone() == (1,)


# -- the write path -------------------------------------------------------------------------


def test_rows_past_the_stored_range_are_copied_straight_into_the_table(postgres_db: str) -> None:
    with recording_sink(postgres_db) as (sink, log):
        sink.write(oi((0, 1.0), (1, 2.0)))
        sink.write(oi((2, 3.0), (3, 4.0)))

    assert (
        statements(log, "COPY")
        == [
            'COPY "public"."open_interest" ("provider", "exchange", "symbol", "base", "interval", '
            '"ts", "open", "high", "low", "close", "unit") FROM STDIN (FORMAT csv, ENCODING \'UTF8\')'
        ]
        * 2
    )
    assert statements(log, "INSERT") == []
    assert statements(log, "CREATE TEMP") == []


def test_overlapping_rows_are_staged_and_upserted_while_new_ones_are_copied(
    postgres_db: str,
) -> None:
    with recording_sink(postgres_db) as (sink, log):
        sink.write(oi((0, 1.0), (1, 2.0)))
        log.clear()
        sink.write(oi((1, 20.0), (2, 3.0)))
        result = sink.read(Kind.OPEN_INTEREST)

    assert copied_into(log) == ['"cryptodata_stage_open_interest"', '"public"."open_interest"']
    (upsert,) = statements(log, "INSERT")
    assert upsert.startswith('INSERT INTO "public"."open_interest" AS t')
    assert (
        'ON CONFLICT ("provider", "exchange", "symbol", "interval", "unit", "ts") '
        'DO UPDATE SET "base" = ' in upsert
    )
    assert result.to_polars()["close"].to_list() == [1.0, 20.0, 3.0]


def test_rows_before_the_stored_range_take_the_fast_path_too(postgres_db: str) -> None:
    with recording_sink(postgres_db) as (sink, log):
        sink.write(oi((10, 1.0)))
        log.clear()
        sink.write(oi((0, 5.0), (20, 6.0)))
        result = sink.read(Kind.OPEN_INTEREST)

    assert copied_into(log) == ['"public"."open_interest"']
    assert result.to_polars()["close"].to_list() == [5.0, 1.0, 6.0]


def test_a_rewrite_of_identical_rows_updates_nothing(
    sink: PostgresSink, conn: psycopg.Connection[Any]
) -> None:
    table = oi((0, 1.0), (1, 2.0), (2, 3.0))
    sink.write(table)
    before = conn.execute("SELECT xmin::text FROM open_interest ORDER BY ts").fetchall()

    sink.write(table)

    assert conn.execute("SELECT xmin::text FROM open_interest ORDER BY ts").fetchall() == before


def test_a_failing_write_keeps_earlier_rows_and_stores_none_of_its_own(
    sink: PostgresSink, conn: psycopg.Connection[Any]
) -> None:
    stored = oi((0, 1.0), (1, 2.0))
    sink.write(stored)
    conn.execute("ALTER TABLE open_interest ADD CONSTRAINT small CHECK (close < 50)")

    # The revision of hour 1 is merged first; then the COPY of hour 2 breaks the constraint.
    with pytest.raises(SinkError, match=r"cannot write open_interest rows: .*\"small\"") as caught:
        sink.write(oi((1, 3.0), (2, 99.0)))

    assert isinstance(caught.value.__cause__, psycopg.errors.CheckViolation)

    assert_rows(sink.read(Kind.OPEN_INTEREST), stored)
    assert count(conn, "open_interest") == 2


def test_rows_stored_concurrently_before_the_copy_are_merged_not_lost(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    def race(statement: str) -> None:
        # Another writer commits hour 1 after our range check, just before our fast COPY.
        if statement.startswith('COPY "public"') and count(conn, "open_interest") == 1:
            conn.execute(
                "INSERT INTO open_interest "
                "(provider, exchange, symbol, base, interval, ts, close, unit) "
                "VALUES ('coinalyze', 'binance', 'BTCUSDT_PERP.A', 'BTC', '1h', %s, -1, 'usd')",
                (T0 + timedelta(hours=1),),
            )

    with recording_sink(postgres_db, on_copy=race) as (sink, log):
        sink.write(oi((0, 1.0)))
        written = sink.write(oi((1, 2.0), (2, 3.0)))
        result = sink.read(Kind.OPEN_INTEREST)

    assert written == 2
    assert result.to_polars()["close"].to_list() == [1.0, 2.0, 3.0]
    assert len(statements(log, "INSERT")) == 1


def test_a_borrowed_connection_stays_open_and_sees_the_rows(postgres_db: str) -> None:
    with psycopg.connect(postgres_db) as conn:
        with PostgresSink(conn) as sink:
            sink.write(oi((0, 1.0)))

        assert not conn.closed
        assert conn.execute("SELECT close FROM open_interest").fetchall() == [(1.0,)]


def test_an_owned_connection_is_closed_and_the_sink_refuses_work(postgres_db: str) -> None:
    sink = PostgresSink(postgres_db)
    sink.close()

    with pytest.raises(ValidationError, match="closed"):
        sink.write(oi((0, 1.0)))
    with pytest.raises(ValidationError, match="closed"):
        sink.last_ts(
            Kind.OPEN_INTEREST,
            key(Kind.OPEN_INTEREST, "coinalyze", "binance", "BTCUSDT_PERP.A", unit="usd"),
        )


def test_other_arguments_than_a_dsn_or_connection_are_rejected() -> None:
    with pytest.raises(ValidationError, match=r"connection string or a psycopg\.Connection"):
        PostgresSink(42)  # type: ignore[arg-type]


def test_a_closed_connection_is_rejected(postgres_db: str) -> None:
    conn = psycopg.connect(postgres_db)
    conn.close()

    with pytest.raises(ValidationError, match=r"the psycopg\.Connection given is closed"):
        PostgresSink(conn)


def test_repr_names_the_database_but_never_the_password(postgres_db: str) -> None:
    with PostgresSink(f"{postgres_db} password=hunter2", schema="crypto") as sink:
        pass
    server = conninfo_to_dict(postgres_db)

    assert repr(sink) == (
        f"PostgresSink(host={server['host']!r}, port={server['port']}, "
        f"dbname={server['dbname']!r}, schema='crypto')"
    )


# -- errors ---------------------------------------------------------------------------------

SECRET = "hunter2-0f9c"


@pytest.fixture
def password_role(postgres_dsn: str) -> Iterator[str]:
    """DSN (no password) of a role the server makes log in with its password, `right-secret`.

    The test cluster trusts every login: a first pg_hba.conf line for this role alone makes
    the server check its password.
    """
    role = f"pw_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        row = admin.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba = Path(row[0])
        if not os.access(hba, os.W_OK):
            pytest.skip("the server's pg_hba.conf is not writable from the tests")
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'right-secret'").format(sql.Identifier(role))
        )
        original = hba.read_text()
        hba.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n{original}")
        admin.execute("SELECT pg_reload_conf()")
    dsn = make_conninfo(postgres_dsn, user=role)
    try:
        _wait_until_refused(dsn)
        yield dsn
    finally:
        hba.write_text(original)
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_reload_conf()")
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _wait_until_refused(dsn: str) -> None:
    """Wait for the server to apply a reloaded pg_hba.conf (it does so asynchronously)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            psycopg.connect(dsn).close()
        except psycopg.OperationalError:
            return
        time.sleep(0.05)
    raise AssertionError("the server did not start asking for the password")


def assert_shows_no_secret(error: BaseException, secret: str) -> None:
    """Neither the error nor anything it links to shows `secret`: not its message, repr,
    traceback or any attribute (psycopg's `pgconn` lists every connection option)."""
    assert secret not in "".join(traceback.format_exception(error))
    linked: BaseException | None = error
    while linked is not None:
        for name in dir(linked):
            if not name.startswith("__"):
                assert secret not in repr(getattr(linked, name)), name
        assert secret not in repr(linked)
        linked = linked.__cause__ or linked.__context__


@pytest.mark.parametrize("failure", ["wrong password", "unreachable port", "missing database"])
def test_a_failed_connection_is_a_sink_error_that_never_shows_the_password(
    request: pytest.FixtureRequest, postgres_dsn: str, failure: str
) -> None:
    if failure == "wrong password":
        dsn, reason = request.getfixturevalue("password_role"), "password authentication failed"
    elif failure == "unreachable port":
        dsn = f"host=127.0.0.1 port={free_port()} dbname=market connect_timeout=5"
        reason = "Connection refused"
    else:
        dsn, reason = make_conninfo(postgres_dsn, dbname="nope"), 'database "nope" does not exist'

    with pytest.raises(SinkError, match=re.escape(reason)) as caught:
        PostgresSink(make_conninfo(dsn, password=SECRET), schema="crypto")

    error = caught.value
    assert str(error).startswith("PostgresSink(host='127.0.0.1', port=")
    assert "schema='crypto'): cannot connect: connection failed" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    assert_shows_no_secret(error, SECRET)


@pytest.mark.parametrize(
    ("dsn", "shown"),
    [
        ("host=127.0.0.1 hunter2-0f9c", 'missing "=" after "***" in connection info string'),
        ("postgresql://u:hunter2-0f9c%zz@127.0.0.1/db", 'invalid percent-encoded token: "***"'),
        ("host=127.0.0.1 passwrd=hunter2-0f9c", 'invalid connection option "passwrd"'),
    ],
)
def test_a_malformed_connection_string_is_a_validation_error_hiding_its_values(
    dsn: str, shown: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(shown)) as caught:
        PostgresSink(dsn)

    assert "is not a libpq connection string" in str(caught.value)
    assert_shows_no_secret(caught.value, SECRET)


@pytest.mark.parametrize("operation", ["write", "read", "last_ts"])
def test_a_lost_connection_is_a_sink_error_saying_to_open_a_new_sink(
    postgres_db: str, conn: psycopg.Connection[Any], operation: str
) -> None:
    with psycopg.connect(postgres_db, autocommit=True) as borrowed:
        sink = PostgresSink(borrowed)
        conn.execute("SELECT pg_terminate_backend(%s, 5000)", (borrowed.info.backend_pid,))
        calls: dict[str, Callable[[], object]] = {
            "write": lambda: sink.write(oi((0, 1.0))),
            "read": lambda: sink.read(Kind.OPEN_INTEREST),
            "last_ts": lambda: sink.last_ts(Kind.OPEN_INTEREST, key(Kind.OPEN_INTEREST)),
        }

        with pytest.raises(SinkError, match="check the server, then open a new sink") as caught:
            calls[operation]()

    assert isinstance(caught.value.__cause__, psycopg.OperationalError)
    assert str(caught.value).startswith("PostgresSink(host=")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"schema": ""}, "schema '' is not a name PostgreSQL keeps: use 1 to 63 bytes"),
        ({"schema": "s" * 64}, "is not a name PostgreSQL keeps"),
        ({"schema": "ü" * 32}, "is not a name PostgreSQL keeps"),
        ({"schema": "a\x00b"}, "is not a name PostgreSQL keeps"),
        ({"schema": "\udcff"}, "is not a name PostgreSQL keeps"),
        ({"schema": "pg_market"}, "not starting with pg_ (reserved for system schemas)"),
        ({"schema": 5}, "schema must be a string, not int"),
        ({"create": "no"}, "create must be True or False, not 'no'"),
        ({"migrate_interval": "1H"}, "unknown interval '1H'"),
    ],
)
def test_invalid_arguments_are_refused_before_connecting(
    arguments: dict[str, Any], message: str
) -> None:
    # Nothing listens there: an attempt to connect would be a SinkError instead.
    unreachable = f"host=127.0.0.1 port={free_port()} dbname=market connect_timeout=5"

    with pytest.raises(ValidationError, match=re.escape(message)):
        PostgresSink(unreachable, **arguments)


# -- schema names ---------------------------------------------------------------------------

ODD_SCHEMAS = ["50%", "a%b%%c", 'we"ird.%s%(x)s%', "with space", "ünïcødé 📈", "s" * 63]


@pytest.mark.parametrize("name", ODD_SCHEMAS)
def test_every_statement_works_in_a_schema_of_any_legal_name(
    postgres_db: str, conn: psycopg.Connection[Any], name: str
) -> None:
    series = key(Kind.OPEN_INTEREST, "coinalyze", "binance", "BTCUSDT_PERP.A", unit="usd")
    with PostgresSink(postgres_db, schema=name) as sink:
        sink.write(oi((0, 1.0), (1, 2.0)))  # COPY straight into the table
        sink.write(oi((1, 2.5), (2, 3.0)))  # the overlap is staged and merged
        everything = sink.read(Kind.OPEN_INTEREST)  # a statement without parameters
        filtered = sink.read(Kind.OPEN_INTEREST, exchange="binance", start=T0 + timedelta(hours=1))
        last = sink.last_ts(Kind.OPEN_INTEREST, series)
    with PostgresSink(postgres_db, schema=name) as again:  # the views are rebuilt
        reopened = again.read(Kind.OPEN_INTEREST)

    assert everything.to_polars()["close"].to_list() == [1.0, 2.5, 3.0]
    assert filtered.to_polars()["close"].to_list() == [2.5, 3.0]
    assert last == T0 + timedelta(hours=2)
    assert_rows(reopened, everything)
    view = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name, "derived_metrics"))
    assert conn.execute(view).fetchone() == (3,)


def test_layout_1_tables_in_a_schema_named_with_percent_and_quotes_are_migrated(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    name = 'we"ird %s.%'
    quoted = sql.Identifier(name).as_string(conn)
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    conn.execute(LAYOUT_1_DDL.replace('"public".', f"{quoted}."))
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (provider, exchange, symbol, base, ts, close, unit) "
            "VALUES ('coinalyze', 'binance', 'BTCUSDT_PERP.A', 'BTC', {}, 1.5, 'usd')"
        ).format(sql.Identifier(name, "open_interest"), sql.Literal(T0))
    )

    with PostgresSink(postgres_db, schema=name, migrate_interval="1h") as sink:
        stored = sink.read(Kind.OPEN_INTEREST)

    assert stored.to_polars().select("interval", "close").rows() == [("1h", 1.5)]


def test_a_session_in_another_time_zone_stores_and_reads_utc(postgres_db: str) -> None:
    table = oi((0, 1.0), (5, 2.0))
    with psycopg.connect(postgres_db, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'America/New_York'")
        with PostgresSink(conn) as sink:
            sink.write(table)
            sink.write(oi((5, 3.0), (6, 4.0)))
            back = sink.read(Kind.OPEN_INTEREST, start=T0, end=T0 + timedelta(hours=6))
            last = sink.last_ts(
                Kind.OPEN_INTEREST,
                key(Kind.OPEN_INTEREST, "coinalyze", "binance", "BTCUSDT_PERP.A", unit="usd"),
            )
        stored = conn.execute("SELECT ts AT TIME ZONE 'UTC' FROM open_interest ORDER BY ts")

        assert [ts for (ts,) in stored] == [datetime(2025, 6, 1, h) for h in (0, 5, 6)]
    assert_rows(back, oi((0, 1.0), (5, 3.0)))
    assert last == T0 + timedelta(hours=6)


def test_special_floats_and_odd_strings_round_trip_exactly(sink: PostgresSink) -> None:
    values = [float("nan"), float("inf"), float("-inf"), 5e-324, None]
    bases = ['q"uo,te', "", "new\nline", "\\N", None]
    table = rows(
        Kind.OPEN_INTEREST,
        *(
            {"ts": hour, "close": value, "base": base}
            for hour, (value, base) in enumerate(zip(values, bases, strict=True))
        ),
    )

    sink.write(table)

    assert_rows(sink.read(Kind.OPEN_INTEREST), table)


def test_last_ts_keeps_the_stored_precision_in_utc(sink: PostgresSink) -> None:
    frame = rows(Kind.FUNDING_RATE, {"ts": 0}, {"ts": 1}).to_polars()
    sink.write(Table.from_frame(Kind.FUNDING_RATE, frame.with_columns(pl.col("ts") + MS * 7)))

    last = sink.last_ts(
        "funding_rate", key("funding_rate", "coinalyze", "binance", "BTCUSDT_PERP.A")
    )

    assert last == datetime(2025, 6, 1, 1, 0, 0, 7000, tzinfo=UTC)
    assert last is not None
    assert last.tzinfo is UTC


# -- views ----------------------------------------------------------------------------------


def test_base_aggregate_sums_usd_open_interest_and_liquidations_over_venues(
    sink: PostgresSink, conn: psycopg.Connection[Any]
) -> None:
    sink.write(oi((0, 100.0), (1, 110.0)))
    sink.write(oi((0, 50.0), exchange="bybit", symbol="BTCUSDT.6"))
    sink.write(oi((0, 30.0), base="ETH", symbol="ETHUSDT_PERP.A"))
    sink.write(oi((0, 999.0), exchange="okx", symbol="BTC-USDT-SWAP.3", unit="base"))
    liq = Kind.LIQUIDATIONS
    sink.write(rows(liq, {"ts": 0, "longs": 5.0, "shorts": 1.0}))
    sink.write(rows(liq, {"ts": 0, "longs": 2.0, "shorts": 3.0, "exchange": "bybit"}))
    sink.write(rows(liq, {"ts": 1, "longs": 7.0, "shorts": 0.0, "exchange": "okx"}))

    result = conn.execute("SELECT * FROM base_aggregate ORDER BY base, ts").fetchall()

    hour = timedelta(hours=1)
    assert result == [
        ("coinalyze", "BTC", "1h", T0, 150.0, 2, 7.0, 4.0, 2),
        ("coinalyze", "BTC", "1h", T0 + hour, 110.0, 1, 7.0, 0.0, 1),
        ("coinalyze", "ETH", "1h", T0, 30.0, 1, None, None, 0),
    ]


def test_derived_metrics_compute_oi_change_range_and_annualised_funding(
    sink: PostgresSink, conn: psycopg.Connection[Any]
) -> None:
    sink.write(oi((0, 100.0), (1, 110.0), (2, 99.0)))
    sink.write(
        rows(
            Kind.OHLCV,
            {"ts": 0, "open": 200.0, "high": 210.0, "low": 190.0, "close": 205.0},
            {"ts": 1, "open": 100.0, "high": 104.0, "low": 98.0, "close": 101.0},
        )
    )
    sink.write(rows(Kind.FUNDING_RATE, {"ts": 1, "close": 0.0001}))

    result = conn.execute(
        "SELECT ts, open_interest, open_interest_change_pct, price, range_pct, funding_rate, "
        "funding_annualised_pct FROM derived_metrics ORDER BY ts"
    ).fetchall()

    hour = timedelta(hours=1)
    # The change is 100 times `110 / 100 - 1`, as `change` computes it: 10 but for its last bits.
    up, down = pytest.approx(10.0, rel=1e-12), pytest.approx(-10.0, rel=1e-12)
    assert result == [
        (T0, 100.0, None, 205.0, 10.0, None, None),
        (T0 + hour, 110.0, up, 101.0, 6.0, 0.0001, pytest.approx(10.95, rel=1e-12)),
        (T0 + 2 * hour, 99.0, down, None, None, None, None),
    ]


@pytest.mark.parametrize(
    ("period_hours", "annualised"),
    [(8.0, pytest.approx(10.95, rel=1e-12)), (1.0, pytest.approx(87.6, rel=1e-12)), (None, None)],
)
def test_derived_metrics_annualise_funding_with_each_markets_own_period(
    sink: PostgresSink,
    conn: psycopg.Connection[Any],
    period_hours: float | None,
    annualised: object,
) -> None:
    sink.write(oi((0, 100.0)))
    sink.write(rows(Kind.FUNDING_RATE, {"ts": 0, "close": 0.0001, "period_hours": period_hours}))

    result = conn.execute(
        "SELECT funding_period_hours, funding_annualised_pct FROM derived_metrics"
    ).fetchall()

    assert result == [(period_hours, annualised)]


def test_bars_of_another_interval_do_not_join_in_derived_metrics(
    sink: PostgresSink, conn: psycopg.Connection[Any]
) -> None:
    sink.write(oi((0, 100.0)))
    sink.write(rows(Kind.FUNDING_RATE, {"ts": 0, "close": 0.0001, "interval": "1d"}))

    result = conn.execute("SELECT interval, funding_rate FROM derived_metrics").fetchall()

    assert result == [("1h", None)]


# -- the model ------------------------------------------------------------------------------

_SERIES = ["BTCUSDT_PERP.A", ODD_SYMBOL]
_write = st.lists(
    st.tuples(
        st.sampled_from(_SERIES),
        st.integers(min_value=0, max_value=40),
        st.none() | st.floats(allow_nan=False),
    ),
    max_size=15,
)


@settings(
    max_examples=25,
    deadline=None,
    # One database per test; each example starts by emptying the table it uses.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(writes=st.lists(_write, min_size=1, max_size=5))
def test_random_overlapping_writes_keep_the_last_value_of_every_key(
    sink: PostgresSink,
    conn: psycopg.Connection[Any],
    writes: list[list[tuple[str, int, float | None]]],
) -> None:
    conn.execute("TRUNCATE open_interest")
    model: dict[tuple[str, int], float | None] = {}
    for batch in writes:
        sink.write(
            rows(Kind.OPEN_INTEREST, *({"symbol": s, "ts": h, "close": v} for s, h, v in batch))
        )
        model.update({(symbol, hour): value for symbol, hour, value in batch})

        stored = sink.read(Kind.OPEN_INTEREST).to_polars()
        assert [
            (symbol, int((ts - T0).total_seconds()) // 3600, close)
            for symbol, ts, close in stored.select("symbol", "ts", "close").iter_rows()
        ] == [(symbol, hour, model[symbol, hour]) for symbol, hour in sorted(model)]
        for symbol in _SERIES:
            hours = [hour for s, hour in model if s == symbol]
            expected = T0 + timedelta(hours=max(hours)) if hours else None
            assert (
                sink.last_ts(
                    Kind.OPEN_INTEREST,
                    key(Kind.OPEN_INTEREST, "coinalyze", "binance", symbol, unit="usd"),
                )
                == expected
            )


# -- tables created by cryptodata 0.1 -------------------------------------------------------

LAYOUT_1_DDL = (Path(__file__).parent.parent / "fixtures" / "layout-1" / "postgres.sql").read_text()


def _create_layout_1(conn: psycopg.Connection[Any], *, with_rows: bool) -> None:
    conn.execute(LAYOUT_1_DDL)
    if with_rows:
        conn.execute(
            "INSERT INTO open_interest (provider, exchange, symbol, base, ts, close, unit) "
            "VALUES ('coinalyze', 'binance', 'BTCUSDT_PERP.A', 'BTC', %s, 1.5, 'usd'), "
            "('coinalyze', 'binance', 'BTCUSDT_PERP.A', 'BTC', %s, 2.5, 'usd')",
            (T0, T0 + timedelta(hours=1)),
        )


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [name for (name,) in rows]


def test_layout_1_tables_with_bars_are_refused_and_left_as_they_were(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    _create_layout_1(conn, with_rows=True)
    before = _columns(conn, "open_interest")

    with pytest.raises(LayoutError, match="cryptodata migrate postgres:DSN --interval INTERVAL"):
        PostgresSink(postgres_db)

    assert _columns(conn, "open_interest") == before
    assert "interval" not in before
    assert count(conn, "open_interest") == 2


def test_layout_1_tables_are_migrated_in_place_with_the_interval_given(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    _create_layout_1(conn, with_rows=True)

    with PostgresSink(postgres_db, migrate_interval="1h") as sink:
        stored = sink.read(Kind.OPEN_INTEREST)
        sink.write(oi((2, 3.5)))
        last = sink.last_ts(
            Kind.OPEN_INTEREST,
            key(Kind.OPEN_INTEREST, "coinalyze", "binance", "BTCUSDT_PERP.A", unit="usd"),
        )

    assert stored.to_polars().select("interval", "close").rows() == [("1h", 1.5), ("1h", 2.5)]
    assert last == T0 + timedelta(hours=2)
    for kind in sorted(STORABLE_KINDS):
        # Added columns come last (PostgreSQL cannot insert one); everything goes by name.
        assert sorted(_columns(conn, kind.value)) == sorted(schema(kind)), kind
    assert conn.execute("SELECT count(*) FROM derived_metrics").fetchone() == (3,)


def test_empty_layout_1_tables_migrate_without_an_interval(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    _create_layout_1(conn, with_rows=False)

    with PostgresSink(postgres_db) as sink:
        sink.write(oi((0, 1.0)))

    primary = conn.execute(
        "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        "WHERE c.conrelid = 'open_interest'::regclass AND c.contype = 'p'"
    ).fetchall()
    assert {name for (name,) in primary} == set(primary_key(Kind.OPEN_INTEREST))


def test_a_metric_table_keyed_by_entity_is_rekeyed_by_the_providers_id(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    # The metric table as releases before `provider_id` joined the key made it.
    conn.execute(
        'CREATE TABLE metric (provider text COLLATE "C" NOT NULL, entity text COLLATE "C" '
        'NOT NULL, metric text COLLATE "C" NOT NULL, interval text COLLATE "C" NOT NULL, '
        "ts timestamptz NOT NULL, value double precision, unit text, provider_id text, "
        "PRIMARY KEY (provider, entity, metric, interval, ts))"
    )
    conn.execute(
        "INSERT INTO metric VALUES ('artemis', 'sol', 'fees_24h', '1d', %s, 1.0, 'usd', NULL), "
        "('artemis', 'eth', 'fees_24h', '1d', %s, 2.0, 'usd', 'ethereum')",
        (T0, T0),
    )

    with PostgresSink(postgres_db) as sink:
        stored = sink.read(Kind.METRIC).to_polars().sort("entity")

    primary = conn.execute(
        "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        "WHERE c.conrelid = 'metric'::regclass AND c.contype = 'p'"
    ).fetchall()
    assert {name for (name,) in primary} == set(primary_key(Kind.METRIC))
    assert stored.select("entity", "provider_id").rows() == [("eth", "ethereum"), ("sol", "sol")]
