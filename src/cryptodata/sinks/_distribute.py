"""Distributed PostgreSQL for `PostgresSink(distribute=...)`: TimescaleDB or Citus.

The sink creates its plain tables as always; with `distribute=` it then turns each series
table into the extension's distributed form, in the same schema transaction:

- `"timescaledb"`: a hypertable chunked by `ts` (`chunk_interval`, 7 days by default):
  `SELECT create_hypertable('<schema>.<table>'::regclass, 'ts', chunk_time_interval =>
  INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE)`. Every primary key holds
  `ts`, as TimescaleDB requires of a hypertable's unique indexes; rows already stored move
  into chunks.
- `"citus"`: a distributed table sharded by its series' most specific id (`symbol` for market
  series, `provider_id` for metrics, `address` for accounts, `base` for aggregates, `pull`
  for the pulls log), a column of every primary key as Citus requires:
  `SELECT create_distributed_table('<schema>.<table>', '<column>')`, skipped for a table
  already distributed (`pg_dist_partition`).

The extension must already be installed in the database (`CREATE EXTENSION timescaledb;`
needs superuser rights and a server built with it): the sink checks `pg_extension` first
and refuses, naming the statement to run, before it changes anything. The views read the
distributed tables as they read plain ones.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final, Literal

from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind, primary_key

if TYPE_CHECKING:
    from psycopg import sql

__all__ = ["DISTRIBUTIONS", "Distribution", "check_distribution", "distribute_sql", "shard_column"]

Distribution = Literal["timescaledb", "citus"]

DISTRIBUTIONS: Final[tuple[Distribution, ...]] = ("timescaledb", "citus")
"""The `distribute=` values the sink knows, named as their PostgreSQL extensions are."""

_SHARD_COLUMNS: Final = ("symbol", "provider_id", "address", "base", "pull")
"""Candidates for Citus' distribution column, most specific first."""


def check_distribution(value: object, chunk_interval: object) -> Distribution | None:
    """`distribute=` checked: `None` or one of `DISTRIBUTIONS`; `chunk_interval` a positive
    `timedelta`.

    Raises:
        ValidationError: For another value.
    """
    if value is not None and value not in DISTRIBUTIONS:
        raise ValidationError(
            f"distribute is None or one of {', '.join(DISTRIBUTIONS)}, not {value!r}"
        )
    if not isinstance(chunk_interval, timedelta) or chunk_interval <= timedelta(0):
        raise ValidationError(f"chunk_interval is a positive timedelta, not {chunk_interval!r}")
    return value


def shard_column(kind: Kind) -> str:
    """The column Citus shards a kind's table by: its key's most specific id.

    Examples:
        >>> shard_column(Kind.OHLCV), shard_column(Kind.METRIC), shard_column(Kind.PULL_LOG)
        ('symbol', 'provider_id', 'pull')
    """
    key = primary_key(kind)
    return next(column for column in _SHARD_COLUMNS if column in key)


def distribute_sql(
    table: sql.Identifier, kind: Kind, distribution: Distribution, chunk_interval: timedelta
) -> sql.Composed:
    """The statement that distributes one created table (see the module); idempotent."""
    from psycopg import sql  # the postgres extra: only a sink that has it gets here

    if distribution == "timescaledb":
        return sql.SQL(
            "SELECT create_hypertable({table}::regclass, 'ts', chunk_time_interval => "
            "{chunk}::interval, if_not_exists => TRUE, migrate_data => TRUE)"
        ).format(
            table=sql.Literal(table.as_string()),
            chunk=sql.Literal(f"{int(chunk_interval.total_seconds())} seconds"),
        )
    return sql.SQL(
        "SELECT create_distributed_table({table}, {column}) WHERE NOT EXISTS "
        "(SELECT 1 FROM pg_dist_partition WHERE logicalrelid = {table}::regclass)"
    ).format(table=sql.Literal(table.as_string()), column=sql.Literal(shard_column(kind)))
