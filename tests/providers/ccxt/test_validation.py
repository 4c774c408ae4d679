"""Bad arguments, unknown symbols and what the venue lacks raise before any data request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ccxt
import pytest

from cryptodata import ManualClock, UnsupportedError, ValidationError
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import FakeVenue, exchange

from .conftest import RecordingLimiter

JAN1 = datetime(2025, 1, 1, tzinfo=UTC)


def test_an_unknown_symbol_names_close_matches_before_any_request(
    client: Ccxt, venue: FakeVenue
) -> None:
    with pytest.raises(ValidationError, match=r"lists no market 'BTC/USDT:USDC'.*'BTC/USDT:USDT'"):
        client.ohlcv("BTC/USDT:USDC", interval="1h", start=JAN1)

    assert venue.calls == []


def test_an_interval_the_venue_lacks_is_unsupported_before_any_request(
    client: Ccxt, venue: FakeVenue
) -> None:
    with pytest.raises(UnsupportedError, match="does not offer open_interest at 1m"):
        client.open_interest_history("BTC/USDT:USDT", interval="1m", start=JAN1)

    assert venue.calls == []


def test_bybit_has_no_8h_candles(clock: ManualClock, limiter: RecordingLimiter) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    with pytest.raises(UnsupportedError, match="ohlcv at 8h"):
        client.ohlcv("BTC/USDT:USDT", interval="8h", start=JAN1)

    assert venue.calls == []


def test_a_kind_outside_the_adapter_is_unsupported_with_the_reason(client: Ccxt) -> None:
    with pytest.raises(UnsupportedError, match="keeps liquidation events"):
        client.history_steps("liquidations", ["BTC/USDT:USDT"], interval="1h", start=JAN1)


def test_an_empty_window_is_refused(client: Ccxt, venue: FakeVenue) -> None:
    with pytest.raises(ValidationError, match="must be before"):
        client.funding_history("BTC/USDT:USDT", start=JAN1, end=JAN1 - timedelta(hours=1))

    assert venue.calls == []


def test_an_unknown_exchange_id_names_close_matches() -> None:
    with pytest.raises(ValidationError, match="did you mean binanceusdm"):
        Ccxt("binanceusd")


def test_an_async_instance_is_refused_by_the_blocking_client() -> None:
    with pytest.raises(ValidationError, match="async"):
        Ccxt(exchange("bybit", asynchronous=True))


def test_config_is_refused_beside_an_instance() -> None:
    with pytest.raises(ValidationError, match="config="):
        Ccxt(exchange("bybit"), config={"options": {}})


def test_an_exchange_built_from_its_id_takes_ccxts_config_and_our_throttle_hook() -> None:
    client = Ccxt("bybit", config={"options": {"defaultType": "swap"}})

    assert client.exchange.options["defaultType"] == "swap"
    assert client.exchange.enableRateLimit is True
    assert client.exchange.throttle.__module__ == "cryptodata.providers.ccxt.sender"
    assert client.venue == "bybit"


def test_what_the_venue_lacks_is_unsupported_naming_the_venue_before_any_request(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(ccxt.hyperliquid(), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    with pytest.raises(UnsupportedError, match=r"hyperliquid: .*has no fetchOpenInterestHistory"):
        client.open_interest_history("BTC/USDC:USDC", interval="1h", start=JAN1)

    assert venue.calls == []
