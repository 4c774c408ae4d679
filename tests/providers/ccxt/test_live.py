"""Live checks of the low-confidence facts behind the ccxt adapter (ccxt.md §7, §8; the
liquidation side readings). Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py); no key
is needed, every request goes through the adapter's own limiter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cryptodata import Ccxt, Kind

pytestmark = pytest.mark.live

pytest.importorskip("ccxt")


@pytest.fixture(scope="module")
def binance() -> Iterator[Ccxt]:
    with Ccxt("binanceusdm") as client:
        yield client


def test_binance_open_interest_history_reaches_about_30_days(binance: Ccxt) -> None:
    start = datetime.now(UTC) - timedelta(days=60)

    table = binance.open_interest_history("BTC/USDT:USDT", interval="1d", start=start)

    first = table.to_polars()["ts"].min()
    assert first is not None
    assert first > datetime.now(UTC) - timedelta(days=35)
    assert table.warnings


def test_binance_funding_settles_on_its_period(binance: Ccxt) -> None:
    table = binance.funding_history("BTC/USDT:USDT", start=datetime.now(UTC) - timedelta(days=3))

    assert table.kind is Kind.FUNDING_SETTLEMENT
    assert set(table.to_polars()["period_hours"].drop_nulls()) <= {1.0, 4.0, 8.0}


def test_gate_liquidations_come_back_for_a_window_in_seconds() -> None:
    with Ccxt("gate") as gate:
        table = gate.liquidations("BTC/USDT:USDT", start=datetime.now(UTC) - timedelta(hours=6))

    frame = table.to_polars()
    assert set(frame["side"]) <= {"long", "short"}
    assert frame["ts"].min() is None or frame["ts"].min() >= datetime.now(UTC) - timedelta(hours=7)


def test_bitfinex_liquidations_read_a_side_for_every_event() -> None:
    with Ccxt("bitfinex") as bitfinex:
        table = bitfinex.liquidations("BTC/USDT:USDT", start=datetime.now(UTC) - timedelta(hours=6))

    assert set(table.to_polars()["side"]) <= {"long", "short"}
