"""The market catalogue: exchanges, markets, resolve(), and its cache."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from cryptodata import Coinalyze, Kind, ManualClock, ValidationError, schema

from .conftest import API_KEY, BASE_URL, NOW_DT, SYNTHETIC_COUNT, FakeCoinalyze

H = timedelta(hours=1)
LISTS = ["/exchanges", "/future-markets", "/spot-markets"]


def test_exchanges_maps_codes_to_lowercase_names(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.exchanges()

    assert table.kind is Kind.EXCHANGES
    assert len(table) == 26
    names = dict(table.to_polars().select("code", "name").iter_rows())
    assert {code: names[code] for code in ("A", "6", "3", "Y", "H", "0")} == {
        "A": "binance",
        "6": "bybit",
        "3": "okx",
        "Y": "gateio",
        "H": "hyperliquid",
        "0": "bitmex",
    }
    assert names["W"] == "woox"
    assert names["N"] == "independentreserve"
    display = dict(table.to_polars().select("code", "display_name").iter_rows())
    assert display["Y"] == "Gate.io"
    assert table.to_polars().get_column("provider").unique().to_list() == ["coinalyze"]


def test_future_markets_carry_unit_flags_and_expiry(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.future_markets()

    frame = table.to_polars()
    assert frame.schema == schema(Kind.MARKETS)
    assert len(frame) == 3 + 5 + SYNTHETIC_COUNT
    rows = {row["symbol"]: row for row in frame.iter_rows(named=True)}
    assert rows["BTCUSD_PERP.A"]["unit"] == "quote"
    assert rows["BTCUSD_PERP.A"]["margined"] == "COIN"
    assert rows["BTCUSDT_PERP.A"]["unit"] == "base"
    assert rows["BTCUSDT_PERP.3"]["unit"] == "contracts"
    assert rows["BTCUSDT_PERP.3"]["exchange"] == "okx"
    assert rows["BTCUSDT_PERP.3"]["has_long_short_ratio_data"] is False
    assert rows["BTCUSDT.6"]["exchange"] == "bybit"
    assert rows["BTCUSDT.6"]["has_long_short_ratio_data"] is True
    assert rows["BTC.H"]["quote"] == "USD"
    assert rows["BTCUSDT_PERP.A"]["expire_at"] is None
    assert rows["BTCUSD_260925.3"]["is_perpetual"] is False
    assert rows["BTCUSD_260925.3"]["expire_at"] == datetime(2026, 9, 25, 8, tzinfo=UTC)
    assert set(frame.get_column("market_type").to_list()) == {"future"}


def test_spot_markets_keep_coinalyze_symbols_and_base_unit(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    frame = cz.spot_markets().to_polars()

    assert frame.get_column("symbol").to_list() == ["SOLUSD.A", "BTCUSD.A", "ETHUSD.A", "SUIUSD.A"]
    btc = frame.filter(pl.col("symbol") == "BTCUSD.A").row(0, named=True)
    assert (btc["quote"], btc["symbol_on_exchange"], btc["unit"], btc["market_type"]) == (
        "USDT",
        "BTCUSDT",
        "base",
        "spot",
    )


def test_resolve_finds_binance_usdt_perpetual(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    assert (
        cz.resolve(exchange="binance", base="BTC", quote="USDT", perpetual=True) == "BTCUSDT_PERP.A"
    )


@pytest.mark.parametrize(
    ("kwargs", "symbol"),
    [
        ({"exchange": "bybit", "base": "BTC", "quote": "USDT"}, "BTCUSDT.6"),
        ({"exchange": "OKX", "base": "btc", "quote": "usdt"}, "BTCUSDT_PERP.3"),
        ({"exchange": "hyperliquid", "base": "BTC"}, "BTC.H"),
        ({"exchange": "okx", "base": "BTC", "perpetual": False}, "BTCUSD_260925.3"),
        ({"exchange": "binance", "base": "BTC", "quote": "USDT", "spot": True}, "BTCUSD.A"),
    ],
)
def test_resolve_reads_symbols_from_the_market_list(
    cz: Coinalyze, fake: FakeCoinalyze, kwargs: dict[str, object], symbol: str
) -> None:
    assert cz.resolve(**kwargs) == symbol  # type: ignore[arg-type]


def test_resolve_without_quote_is_ambiguous_on_binance(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError) as caught:
        cz.resolve(exchange="binance", base="BTC")

    assert str(caught.value) == (
        "several Coinalyze markets for perpetual BTC/* on binance: BTCUSD_PERP.A (USD), "
        "BTCUSDC_PERP.A (USDC), BTCUSDT_PERP.A (USDT); pass quote= to choose"
    )


def test_resolve_missing_market_raises(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(
        ValidationError, match=r"^no Coinalyze market for perpetual DOGE/USDT on bybit$"
    ):
        cz.resolve(exchange="bybit", base="DOGE", quote="USDT")


def test_resolve_unknown_exchange_names_close_matches(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError) as caught:
        cz.resolve(exchange="binanse", base="BTC", quote="USDT")

    message = str(caught.value)
    assert message.startswith(
        "unknown Coinalyze exchange 'binanse'; did you mean 'binance', 'coinbase'? (known: "
    )
    assert "known: binance, bit2c, bitfinex, bitflyer" in message


def test_market_lists_are_fetched_once_and_cached(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    cz.open_interest_history("BTCUSDT_PERP.A", interval="1h", start=NOW_DT - H, end=NOW_DT)
    cz.funding_rate_history("BTCUSDT.6", interval="1h", start=NOW_DT - H, end=NOW_DT)
    cz.resolve(exchange="okx", base="BTC", quote="USDT")
    cz.exchanges()

    assert [call.path for call in fake.calls] == [
        *LISTS,
        "/open-interest-history",
        "/funding-rate-history",
    ]


def test_market_lists_are_refetched_after_market_ttl(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    with Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL, market_ttl=600) as client:
        client.funding_rate("BTCUSDT_PERP.A")
        clock.advance(599)
        client.funding_rate("BTCUSDT_PERP.A")
        clock.advance(1)
        client.funding_rate("BTCUSDT_PERP.A")

    assert [call.path for call in fake.calls] == [
        *LISTS,
        "/funding-rate",
        "/funding-rate",
        *LISTS,
        "/funding-rate",
    ]


def test_refetched_catalogue_sees_new_markets(fake: FakeCoinalyze, clock: ManualClock) -> None:
    with Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL, market_ttl=60) as client:
        with pytest.raises(ValidationError, match=r"unknown Coinalyze symbol 'NEWUSDT_PERP\.A'"):
            client.funding_rate("NEWUSDT_PERP.A")
        fake.futures.append({**fake.futures[2], "symbol": "NEWUSDT_PERP.A", "base_asset": "NEW"})
        clock.advance(60)
        table = client.funding_rate("NEWUSDT_PERP.A")

    assert table.to_polars().get_column("base").to_list() == ["NEW"]


def test_market_on_a_venue_missing_from_exchanges_keeps_its_code_as_name(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.futures.append({**fake.futures[2], "symbol": "BTCUSDT.S", "exchange": "S"})

    frame = cz.future_markets().to_polars()

    assert frame.filter(pl.col("symbol") == "BTCUSDT.S").item(0, "exchange") == "s"


def test_every_coinalyze_venue_keeps_the_name_stored_before_the_venue_table(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    # Before core's venue table, a name was the display name lower-cased, letters and digits
    # only; stored series carry those names, so none of Coinalyze's 26 venues may change.
    names = dict(cz.exchanges().to_polars().select("display_name", "name").iter_rows())

    assert names == {
        row["name"]: re.sub(r"[^a-z0-9]", "", row["name"].lower()) for row in fake.exchanges
    }


@pytest.mark.parametrize("spelling", ["okx", "OKX", "OKEx", "o.k.x"])
def test_resolve_accepts_any_spelling_of_a_venue(
    cz: Coinalyze, fake: FakeCoinalyze, spelling: str
) -> None:
    assert cz.resolve(exchange=spelling, base="BTC", quote="USDT") == "BTCUSDT_PERP.3"


def test_resolve_many_names_the_canonical_venue_for_an_alias(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    found = cz.resolve_many(["BTC"], ["binanceusdm", "OKEx"], quote="USDT")

    assert found.pairs == [("BTC", "binance", "BTCUSDT_PERP.A"), ("BTC", "okx", "BTCUSDT_PERP.3")]


def test_venue_missing_from_the_venue_table_is_named_by_its_display_name(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.exchanges.append({"name": "New Venue.io", "code": "S"})
    fake.futures.append({**fake.futures[2], "symbol": "BTCUSDT.S", "exchange": "S"})

    names = dict(cz.exchanges().to_polars().select("code", "name").iter_rows())
    frame = cz.future_markets().to_polars()

    assert names["S"] == "newvenueio"
    assert frame.filter(pl.col("symbol") == "BTCUSDT.S").item(0, "exchange") == "newvenueio"
    assert cz.resolve(exchange="New Venue.io", base="BTC", quote="USDT") == "BTCUSDT.S"
