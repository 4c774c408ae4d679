"""The canonical markets table from ccxt's loaded markets, cached for `market_ttl`."""

from __future__ import annotations

from cryptodata import ManualClock, schema
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import FakeVenue, exchange

from .conftest import RecordingLimiter


def test_markets_describe_base_quote_margin_type_and_contract_size(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    client = Ccxt(FakeVenue(exchange("binanceusdm"), clock).instance, clock=clock, limiter=limiter)

    table = client.markets()
    rows = {row.symbol: row for row in table.to_records()}

    assert table.to_polars().schema == schema(table.kind)
    linear, inverse, spot = rows["BTC/USDT:USDT"], rows["BTC/USD:BTC"], rows["BTC/USDT"]
    assert (linear.exchange, linear.symbol_on_exchange, linear.margined) == (
        "binance",
        "BTCUSDT",
        "USDT",
    )
    assert (linear.market_type, linear.is_perpetual, linear.contract_size, linear.unit) == (
        "future",
        True,
        1.0,
        "base",
    )
    assert (inverse.margined, inverse.contract_size, inverse.unit) == ("BTC", 100.0, "contracts")
    assert (spot.market_type, spot.is_perpetual, spot.margined) == ("spot", False, None)


def test_preloaded_markets_are_used_without_a_request(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    client.markets()

    assert venue.calls == []


def test_markets_are_loaded_again_once_the_ttl_has_passed(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter, market_ttl=60)
    reloads: list[bool] = []

    def load_markets(reload: bool = False, params: object = None) -> object:
        # The venue's instrument endpoints are not faked: count the reloads ccxt is asked for.
        reloads.append(reload)
        return venue.instance.markets

    venue.instance.load_markets = load_markets

    client.markets()
    clock.advance(61)
    client.markets()
    client.markets()

    assert reloads == [True]
