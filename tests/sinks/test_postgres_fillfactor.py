"""PostgresSink's `fillfactor` storage option: validation and the tables it creates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from cryptodata import ValidationError
from cryptodata.sinks.base import STORABLE_KINDS
from cryptodata.sinks.postgres import PostgresSink


@pytest.mark.parametrize("value", [9, 101, 0, -5, True, 50.0, "50", None])
def test_fillfactor_outside_10_to_100_or_not_an_integer_is_refused(value: Any) -> None:
    # Checked before connecting: the DSN points nowhere.
    with pytest.raises(ValidationError, match="fillfactor"):
        PostgresSink("host=127.0.0.1 port=1 dbname=none", fillfactor=value)


@pytest.fixture
def conn(postgres_db: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_db, autocommit=True) as connection:
        yield connection


def _reloptions(conn: psycopg.Connection[Any], schema: str) -> dict[str, list[str] | None]:
    rows = conn.execute(
        "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
        (schema,),
    ).fetchall()
    return dict(rows)


@pytest.mark.parametrize("fillfactor", [10, 50, 100])
def test_created_tables_carry_the_fillfactor(
    postgres_db: str, conn: psycopg.Connection[Any], fillfactor: int
) -> None:
    schema = f"ff{fillfactor}"
    with PostgresSink(postgres_db, schema=schema, fillfactor=fillfactor) as sink:
        assert sink.fillfactor == fillfactor
    options = _reloptions(conn, schema)
    assert len(options) >= len(STORABLE_KINDS)
    assert all(value == [f"fillfactor={fillfactor}"] for value in options.values())


def test_existing_tables_keep_their_storage_when_reopened_with_another_fillfactor(
    postgres_db: str, conn: psycopg.Connection[Any]
) -> None:
    with PostgresSink(postgres_db, schema="ffkeep", fillfactor=100):
        pass
    with PostgresSink(postgres_db, schema="ffkeep", fillfactor=50):
        pass
    assert all(v == ["fillfactor=100"] for v in _reloptions(conn, "ffkeep").values())
