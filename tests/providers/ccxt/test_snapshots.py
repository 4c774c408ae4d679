"""Snapshots: current open interest and funding rates."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptodata import ManualClock, schema
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import FakeVenue, exchange

from .conftest import RecordingLimiter


def test_open_interest_snapshot_is_the_kinds_schema(client: Ccxt) -> None:
    table = client.open_interest(["BTC/USDT:USDT"])

    assert table.to_polars().schema == schema(table.kind)
    assert table.to_polars()["unit"].to_list() == ["base"]


def test_binance_open_interest_snapshot_is_stamped_with_the_venues_time(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("binanceusdm"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    row = client.open_interest("BTC/USDT:USDT").to_records()[0]

    assert (row.value, row.ts) == (1234.5, datetime.fromtimestamp(clock.time() - 0.007, UTC))


def test_funding_rate_snapshot_holds_the_accruing_rate(client: Ccxt) -> None:
    table = client.funding_rate(["BTC/USDT:USDT"])
    frame = table.to_polars()

    assert frame.schema == schema(table.kind)
    assert frame["value"].to_list() == [0.00012]


def test_bybit_funding_rate_period_comes_from_the_market(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    assert client.funding_rate(["BTC/USDT:USDT"]).to_polars()["period_hours"].to_list() == [8.0]
