"""Sample tables for the sink tests: deterministic rows of any storable kind.

The `make_table` fixture is a builder: `make_table(kind, n, ...)` makes `n` rows of one series, one every `step` from `start`, with
values derived from the row index (plus `offset`, to make "revised" rows), so a test can state
the exact values it expects back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from cryptodata import Kind, Table, primary_key, schema
from cryptodata.core.schema import series_key

START = datetime(2025, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)

MakeTable = Callable[..., Table]

_KEY_STRINGS = (
    "provider",
    "exchange",
    "symbol",
    "base",
    "interval",
    "entity",
    "provider_id",
    "metric",
    "pull",
    "address",
    "window",
)
_ADDRESS, _WINDOW = "0x" + "ab" * 20, "day"


def key(
    kind: Kind | str,
    provider: str = "coinalyze",
    exchange: str = "A",
    symbol: str = "BTCUSDT_PERP.A",
    *,
    interval: str = "1h",
    unit: str = "base",
) -> dict[str, str]:
    """The series `build_table` writes with these arguments, as `Sink.last_ts` takes it."""
    values = {
        "provider": provider,
        "exchange": exchange,
        "symbol": symbol,
        "interval": interval,
        "unit": unit,
        "entity": symbol,
        "provider_id": symbol,
        "metric": exchange,
        "pull": symbol,
        "address": _ADDRESS,
        "window": _WINDOW,
    }
    return {column: values[column] for column in series_key(kind)}


def build_table(
    kind: Kind = Kind.OHLCV,
    n: int = 3,
    *,
    provider: str = "coinalyze",
    exchange: str = "A",
    symbol: str = "BTCUSDT_PERP.A",
    base: str = "BTC",
    interval: str = "1h",
    unit: str = "base",
    start: datetime = START,
    step: timedelta = HOUR,
    offset: float = 0.0,
    nulls: bool = False,
) -> Table:
    """`n` rows of one series; with `nulls`, every third row has null values (not keys).

    A `metric` table takes its `entity` and `provider_id` from `symbol` and its `metric` from `exchange`, so
    the same arguments name one series of any kind (see `key`).
    """
    fixed = {
        "provider": provider,
        "exchange": exchange,
        "symbol": symbol,
        "base": base,
        "interval": interval,
        "entity": symbol,
        "provider_id": symbol,
        "metric": exchange,
        "pull": symbol,
        "address": _ADDRESS,
        "window": _WINDOW,
    }
    columns: dict[str, list[Any]] = {}
    for position, (name, dtype) in enumerate(schema(kind).items()):
        if name in fixed:
            values: list[Any] = [fixed[name]] * n
        elif name == "ts":
            values = [start + i * step for i in range(n)]
        elif name == "unit":
            values = [unit] * n
        elif dtype == pl.String():
            values = [f"{name}-{i}" for i in range(n)]
        elif dtype == pl.Datetime("ms", "UTC"):
            values = [start + i * step + timedelta(minutes=position) for i in range(n)]
        elif dtype == pl.Int64():
            values = [10 * i + position + int(offset) for i in range(n)]
        else:
            values = [100.25 * (i + 1) + position / 8 + offset for i in range(n)]
        if nulls and name not in (*_KEY_STRINGS, *primary_key(kind), "unit"):
            values = [None if i % 3 == 1 else value for i, value in enumerate(values)]
        columns[name] = values
    return Table.from_frame(kind, pl.DataFrame(columns, schema=schema(kind)))


@pytest.fixture
def make_table() -> MakeTable:
    """The sample-table builder (a fixture, so contract classes elsewhere get it too)."""
    return build_table
