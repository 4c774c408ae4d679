"""`sum_venues`: the one cross-venue sum, per base, interval, time and unit."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from cryptodata import Kind, Table, ValidationError, schema
from cryptodata.core.aggregates import sum_venues

TS = datetime(2025, 6, 1, tzinfo=UTC)


def bars(exchanges: list[str], units: list[str], closes: list[float]) -> Table:
    n = len(exchanges)
    return Table.from_frame(
        Kind.OPEN_INTEREST,
        pl.DataFrame(
            {
                "provider": ["x"] * n,
                "exchange": exchanges,
                "symbol": [f"{e}:BTC" for e in exchanges],
                "base": ["BTC"] * n,
                "interval": ["1h"] * n,
                "ts": [TS] * n,
                "open": closes,
                "high": closes,
                "low": closes,
                "close": closes,
                "unit": units,
            }
        ),
    )


def test_quantities_in_different_units_are_never_added() -> None:
    table = bars(["bybit", "okx", "binance"], ["usd", "usd", "base"], [1.0, 2.0, 5.0])

    summed = sum_venues(table, provider="me").to_polars().sort("unit")

    assert summed.select("unit", "close", "venues", "exchanges").rows() == [
        ("base", 5.0, 1, "binance"),
        ("usd", 3.0, 2, "bybit,okx"),
    ]
    assert set(summed["provider"]) == {"me"}


def test_the_sum_is_of_the_kinds_aggregate() -> None:
    assert sum_venues(bars(["bybit"], ["usd"], [1.0]), provider="me").kind is (
        Kind.OPEN_INTEREST_AGGREGATE
    )


def test_a_kind_that_does_not_sum_across_venues_is_refused() -> None:
    funding = Table.from_frame(Kind.FUNDING_RATE, pl.DataFrame(schema=schema(Kind.FUNDING_RATE)))

    with pytest.raises(ValidationError, match="sum across venues"):
        sum_venues(funding, provider="me")
