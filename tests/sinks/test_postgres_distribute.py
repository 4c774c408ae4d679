"""`PostgresSink(distribute=...)`: TimescaleDB hypertables or Citus distributed tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql

from cryptodata import SinkError, ValidationError, primary_key
from cryptodata.sinks._distribute import distribute_sql, shard_column
from cryptodata.sinks.base import STORABLE_KINDS
from cryptodata.sinks.postgres import PostgresSink


@pytest.mark.parametrize("extension", ["timescaledb", "citus"])
def test_a_distribution_whose_extension_is_missing_is_refused_before_anything_is_created(
    postgres_db: str, extension: Any
) -> None:
    with pytest.raises(SinkError, match=f"CREATE EXTENSION {extension}"):
        PostgresSink(postgres_db, schema="dist", distribute=extension)

    with psycopg.connect(postgres_db) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'dist'"
        ).fetchone()
    assert found is None


def test_every_table_becomes_a_hypertable_chunked_by_ts() -> None:
    for kind in sorted(STORABLE_KINDS):
        table = sql.Identifier("markets", kind.value)
        statement = distribute_sql(table, kind, "timescaledb", timedelta(days=1)).as_string()

        assert statement == (
            f"SELECT create_hypertable('\"markets\".\"{kind.value}\"'::regclass, 'ts', "
            "chunk_time_interval => '86400 seconds'::interval, if_not_exists => TRUE, "
            "migrate_data => TRUE)"
        )
        assert "ts" in primary_key(kind)  # TimescaleDB's rule for unique indexes


def test_every_table_is_distributed_by_a_column_of_its_primary_key_once() -> None:
    for kind in sorted(STORABLE_KINDS):
        table = sql.Identifier("markets", kind.value)
        statement = distribute_sql(table, kind, "citus", timedelta(days=7)).as_string()

        column = shard_column(kind)
        assert column in primary_key(kind)  # Citus' rule for unique constraints
        assert statement == (
            f"SELECT create_distributed_table('\"markets\".\"{kind.value}\"', '{column}') "
            "WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = "
            f'\'"markets"."{kind.value}"\'::regclass)'
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"distribute": "cockroach"}, "distribute is None or one of timescaledb, citus"),
        ({"distribute": "timescaledb", "chunk_interval": timedelta(0)}, "chunk_interval"),
        ({"chunk_interval": 7}, "chunk_interval"),
    ],
)
def test_a_bad_distribution_is_refused_before_connecting(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        PostgresSink("host=127.0.0.1 port=1 dbname=none", **options)
