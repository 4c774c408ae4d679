"""The MarketData facade on the replay clients: one frame across providers, reports, plans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest

from cryptodata import (
    Kind,
    MarketData,
    MarketTable,
    ServerError,
    UnknownAssetError,
    UnsupportedError,
    ValidationError,
    schema,
)
from cryptodata.providers.ccxt.replay import SAMPLE
from cryptodata.providers.ccxt.replay import sample_client as ccxt_sample
from cryptodata.providers.hyperliquid.replay import sample_client as hyperliquid_sample
from cryptodata.providers.registry import PROVIDERS

START = SAMPLE.start
SAMPLED = {name for name, entry in PROVIDERS.items() if entry.replay is not None}
"""Every provider that ships samples: what `offline=True` answers from."""
KEYLESS = {name for name, entry in PROVIDERS.items() if entry.key_variable is None}
"""Every provider that needs no key: what a default facade answers from without any set."""


@pytest.fixture
def md() -> Iterator[MarketData]:
    with MarketData([ccxt_sample("binanceusdm"), ccxt_sample("bybit"), hyperliquid_sample()]) as md:
        yield md


def test_one_call_answers_every_venue_in_the_kinds_own_columns(md: MarketData) -> None:
    table = md.ohlcv("BTC", venues=["binance", "bybit", "hyperliquid"], interval="1h", start=START)

    frame = table.to_polars()
    assert isinstance(table, MarketTable)
    assert frame.schema == schema(Kind.OHLCV)
    assert frame.group_by("exchange", "provider").len().sort("exchange").rows() == [
        ("binance", "ccxt", 48),
        ("bybit", "ccxt", 48),
        ("hyperliquid", "hyperliquid", 48),
    ]
    assert set(frame["base"]) == {"BTC"}


def test_the_same_question_answered_by_two_providers_has_one_schema() -> None:
    md = MarketData([hyperliquid_sample(), ccxt_sample("hyperliquid")])

    own = md.ohlcv("BTC", venues="hyperliquid", interval="1h", start=START)
    through_ccxt = MarketData(
        [hyperliquid_sample(), ccxt_sample("hyperliquid")], prefer=["ccxt"]
    ).ohlcv("BTC", venues="hyperliquid", interval="1h", start=START)

    assert own.to_polars().schema == through_ccxt.to_polars().schema
    assert set(own.to_polars()["provider"]) == {"hyperliquid"}
    assert set(through_ccxt.to_polars()["provider"]) == {"ccxt"}
    assert own.to_polars()["ts"].to_list() == through_ccxt.to_polars()["ts"].to_list()


def test_assets_are_named_canonically_whatever_the_spelling(md: MarketData) -> None:
    table = md.open_interest(["bitcoin", "ETH"], venues="bybit", interval="1h", start=START)

    assert set(table.to_polars()["base"]) == {"BTC", "ETH"}
    assert set(table.to_polars()["symbol"]) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}


def test_a_failing_provider_loses_only_its_share_and_is_reported(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    bybit = md.providers[1]

    def down(step: Any) -> Any:
        raise ServerError("maintenance", provider="ccxt", endpoint="fetch_ohlcv", status=503)

    monkeypatch.setattr(bybit, "fetch", down)

    table = md.ohlcv("BTC", venues=["binance", "bybit"], interval="1h", start=START)

    assert set(table.to_polars()["exchange"]) == {"binance"}
    assert table.report is not None
    (failure,) = table.report.failures
    assert (failure.share.route.venue, type(failure.error)) == ("bybit", ServerError)


def test_strict_raises_the_failing_providers_error(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(step: Any) -> Any:
        raise ServerError("maintenance", provider="ccxt", endpoint="fetch_ohlcv", status=503)

    monkeypatch.setattr(md.providers[1], "fetch", down)

    with pytest.raises(ServerError):
        md.ohlcv("BTC", venues=["binance", "bybit"], interval="1h", start=START, strict=True)


def test_the_plan_names_every_share_with_its_requests_and_cost_and_fetches_nothing(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[Any] = []
    for source in md.providers:
        monkeypatch.setattr(source, "fetch", fetched.append)

    plan = md.plan(
        "ohlcv", ["BTC", "ETH"], venues=["binance", "hyperliquid"], interval="1h", start=START
    )

    assert fetched == []
    assert plan.select("venue", "provider", "symbols").rows() == [
        ("binance", "ccxt", ["BTC/USDT:USDT", "ETH/USDT:USDT"]),
        ("hyperliquid", "hyperliquid", ["BTC", "ETH"]),
    ]
    assert all(requests >= 2 for requests in plan["requests"])
    assert all(cost > 0 for cost in plan["cost"])


def test_a_kind_no_provider_offers_for_a_venue_is_refused_before_any_request(
    md: MarketData,
) -> None:
    with pytest.raises(UnsupportedError, match="liquidations"):
        md.liquidations("BTC", venues="bybit", interval="1h", start=START)


def test_an_unknown_asset_is_refused_with_close_matches(md: MarketData) -> None:
    with pytest.raises(UnknownAssetError, match="BTC"):
        md.ohlcv("BTCC", venues="bybit", interval="1h", start=START)


def test_resolve_says_which_instrument_answers_for_a_venue(md: MarketData) -> None:
    found = md.resolve("ETH", "bybit")

    assert (found.symbol, found.provider) == ("ETH/USDT:USDT", "ccxt")


def test_the_capability_table_lists_every_provider(md: MarketData) -> None:
    table = md.capabilities()

    assert set(table["venue"]) == {"binance", "bybit", "hyperliquid"}
    assert set(table["provider"]) == {"ccxt", "hyperliquid"}


def test_the_facade_needs_sources() -> None:
    with pytest.raises(ValidationError):
        MarketData([])
    with pytest.raises(ValidationError, match="blocking provider clients"):
        MarketData([object()])  # type: ignore[list-item]


def test_a_multiplied_listing_is_named_by_its_canonical_asset() -> None:
    md = MarketData([hyperliquid_sample()])

    frame = md.ohlcv("PEPE", venues="hyperliquid", interval="1h", start=START).to_polars()

    assert set(frame["symbol"]) == {"kPEPE"}
    assert set(frame["base"]) == {"PEPE"}
    assert set(frame["unit"]) == {"contracts"}


def test_offline_answers_from_every_providers_samples_with_no_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no network in offline mode")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    md = MarketData(offline=True)

    table = md.ohlcv("BTC", venues=["binance", "bybit", "hyperliquid"], interval="1h", start=START)

    assert {source.provider for source in md.providers} == SAMPLED
    assert table.report is not None
    assert table.report.ok
    assert set(table.to_polars()["exchange"]) == {"binance", "bybit", "hyperliquid"}


def test_by_default_the_keyless_providers_and_those_with_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for entry in PROVIDERS.values():
        if entry.key_variable is not None:
            monkeypatch.delenv(entry.key_variable, raising=False)
    keyless = {source.provider for source in MarketData().providers}
    monkeypatch.setenv("COINALYZE_API_KEY", "k")
    keyed = {source.provider for source in MarketData().providers}

    assert keyless == KEYLESS
    assert keyed == KEYLESS | {"coinalyze"}


def test_offline_with_providers_is_refused() -> None:
    with pytest.raises(ValidationError, match="offline=True"):
        MarketData([hyperliquid_sample()], offline=True)


def test_a_venue_without_a_market_for_the_asset_is_a_reported_share_not_an_error() -> None:
    from cryptodata.providers.coinalyze.replay import sample_client as coinalyze_sample

    # Only Coinalyze covers Hyperliquid's open-interest history here, and its bundled market
    # list holds no Hyperliquid market.
    md = MarketData([ccxt_sample("bybit"), coinalyze_sample()])

    table = md.open_interest("BTC", venues=["bybit", "hyperliquid"], interval="1h", start=START)

    assert set(table.to_polars()["exchange"]) == {"bybit"}
    assert table.report is not None
    (failure,) = table.report.failures
    assert failure.share.route.venue == "hyperliquid"
    assert isinstance(failure.error, UnsupportedError)
    plan = md.plan(
        "open_interest", "BTC", venues=["bybit", "hyperliquid"], interval="1h", start=START
    )
    assert plan.filter(venue="hyperliquid")["error"].item().startswith("UnsupportedError")
    with pytest.raises(UnsupportedError, match="no hyperliquid market"):
        md.open_interest("BTC", venues=["hyperliquid"], interval="1h", start=START, strict=True)


def test_a_provider_whose_package_is_missing_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for module in ("ccxt", "ccxt.async_support", "ccxt.pro"):
        monkeypatch.setitem(sys.modules, module, None)

    offline = {source.provider for source in MarketData(offline=True).providers}

    assert offline == SAMPLED - {"ccxt"}


def test_closing_the_facade_stops_its_threads_and_it_can_ask_again(md: MarketData) -> None:
    import threading

    with md:
        md.ohlcv("BTC", venues=["binance", "bybit"], interval="1h", start=START)
        mine = {t for t in threading.enumerate() if t.name.startswith(md._thread_prefix)}
    assert mine
    assert not any(thread.is_alive() for thread in mine)
    assert len(md.ohlcv("BTC", venues="binance", interval="1h", start=START)) == 48


def test_settled_funding_rescaled_per_8h_compares_hourly_and_8_hourly_venues(
    md: MarketData,
) -> None:
    native = md.funding_settlements("BTC", venues=["bybit", "hyperliquid"], start=START)
    rescaled = md.funding_settlements("BTC", venues=["bybit", "hyperliquid"], start=START, per="8h")

    before = native.to_polars().sort("exchange", "ts")
    after = rescaled.to_polars().sort("exchange", "ts")
    assert set(after["period_hours"]) == {8.0}
    assert set(before.filter(exchange="hyperliquid")["period_hours"]) == {1.0}
    assert after["rate"].to_list() == pytest.approx(
        [rate * 8 / hours for rate, hours in before.select("rate", "period_hours").rows()]
    )


@pytest.mark.parametrize(("per", "hours"), [("1h", 1.0), ("8h", 8.0), ("1d", 24.0), ("1y", 8760.0)])
def test_a_funding_period_is_written_in_hours_days_or_years(per: str, hours: float) -> None:
    from cryptodata.marketdata.facade import per_hours

    assert per_hours(per) == hours


@pytest.mark.parametrize("per", ["8", "0h", "1w", "yearly"])
def test_another_funding_period_spelling_is_refused(per: str) -> None:
    from cryptodata.marketdata.facade import per_hours

    with pytest.raises(ValidationError, match="per="):
        per_hours(per)


def test_all_venues_are_every_venue_some_provider_offers(md: MarketData) -> None:
    table = md.ohlcv("BTC", venues="all", interval="1h", start=START)

    assert set(table.to_polars()["exchange"]) == {"binance", "bybit", "hyperliquid"}


def test_the_aggregate_sums_each_unit_across_venues_and_says_which_venues_it_holds(
    md: MarketData,
) -> None:
    venues = md.open_interest("BTC", venues=["binance", "bybit"], interval="1h", start=START)
    total = md.aggregate(
        "open_interest", "BTC", venues=["binance", "bybit"], interval="1h", start=START
    )

    frame = total.to_polars()
    assert total.kind is Kind.OPEN_INTEREST_AGGREGATE
    assert frame.schema == schema(Kind.OPEN_INTEREST_AGGREGATE)
    base = frame.filter(unit="base")
    assert set(base["exchanges"]) == {"binance,bybit"}
    assert set(base["venues"]) == {2}
    expected = venues.to_polars().filter(unit="base").group_by("ts").agg(pl.col("close").sum())
    assert dict(base.select("ts", "close").rows()) == pytest.approx(dict(expected.rows()))
    # Only Binance gives the value in the quote currency: its sum holds one venue.
    assert set(frame.filter(unit="quote")["exchanges"]) == {"binance"}


def test_only_open_interest_and_liquidations_are_summed(md: MarketData) -> None:
    with pytest.raises(ValidationError, match="aggregate sums"):
        md.aggregate("ohlcv", "BTC", venues="bybit", interval="1h", start=START)


def test_open_interest_in_usd_takes_the_venues_value_or_prices_the_base_amount(
    md: MarketData,
) -> None:
    native = md.open_interest("BTC", venues=["binance", "bybit"], interval="1h", start=START)
    usd = md.open_interest("BTC", venues=["binance", "bybit"], interval="1h", start=START, usd=True)
    candles = md.ohlcv("BTC", venues=["bybit"], interval="1h", start=START).to_polars()

    frame = usd.to_polars()
    assert set(frame["unit"]) == {"usd"}
    assert frame.group_by("exchange").len().sort("exchange").rows() == [
        ("binance", 48),
        ("bybit", 48),
    ]
    # Binance gives the value in USDT: taken as it is.
    given = native.to_polars().filter(exchange="binance", unit="quote").sort("ts")["close"]
    assert frame.filter(exchange="binance").sort("ts")["close"].to_list() == given.to_list()
    # Bybit gives the amount in BTC: priced with Bybit's own close of the same bar.
    amounts = native.to_polars().filter(exchange="bybit").sort("ts")
    closes = dict(candles.select("ts", "close").rows())
    expected = [amount * closes[ts] for ts, amount in amounts.select("ts", "close").rows()]
    assert frame.filter(exchange="bybit").sort("ts")["close"].to_list() == pytest.approx(expected)
    assert not usd.warnings
