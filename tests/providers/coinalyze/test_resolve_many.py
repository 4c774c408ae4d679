"""resolve_many(): bases x venues → symbols read from the market list, and the pairs without one.

The fake's futures (see conftest): BTC perpetuals on Binance (USD, USDC, USDT), Bybit (USDT),
OKX (USDT, plus a dated USD future) and Hyperliquid (USD); `S1` only on Binance (USDT).
"""

from __future__ import annotations

import asyncio

import pytest
from pytest_httpx import HTTPXMock

from cryptodata import AsyncCoinalyze, Coinalyze, ManualClock, ValidationError
from cryptodata.providers.coinalyze.markets import ResolvedSymbols

from .conftest import API_KEY, BASE_URL, FakeCoinalyze

VENUES = ["binance", "bybit", "okx", "hyperliquid"]


def test_bases_times_exchanges_map_to_symbols_and_missing_pairs(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    found = cz.resolve_many(["BTC", "S1", "ETH"], VENUES)

    assert found.pairs == [
        ("BTC", "binance", "BTCUSDT_PERP.A"),
        ("BTC", "bybit", "BTCUSDT.6"),
        ("BTC", "okx", "BTCUSDT_PERP.3"),
        ("BTC", "hyperliquid", "BTC.H"),
        ("S1", "binance", "S1USDT_PERP.A"),
    ]
    assert found.symbols == [
        "BTCUSDT_PERP.A",
        "BTCUSDT.6",
        "BTCUSDT_PERP.3",
        "BTC.H",
        "S1USDT_PERP.A",
    ]
    assert found.missing == [
        ("S1", "bybit"),
        ("S1", "okx"),
        ("S1", "hyperliquid"),
        ("ETH", "binance"),
        ("ETH", "bybit"),
        ("ETH", "okx"),
        ("ETH", "hyperliquid"),
    ]


def test_usdt_is_preferred_then_usd_then_usdc_when_no_quote_is_given(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    # Binance lists BTC against USD, USDC and USDT; Hyperliquid only against USD.
    assert cz.resolve_many("BTC", ["binance", "hyperliquid"]).symbols == [
        "BTCUSDT_PERP.A",
        "BTC.H",
    ]
    fake.futures = [row for row in fake.futures if row["symbol"] != "BTCUSDT_PERP.A"]
    with Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL) as without_usdt:
        assert without_usdt.resolve_many("BTC", "binance").symbols == ["BTCUSD_PERP.A"]


def test_a_given_quote_is_the_only_one_accepted(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    found = cz.resolve_many(["BTC"], VENUES, quote="usdc")

    assert found.pairs == [("BTC", "binance", "BTCUSDC_PERP.A")]
    assert found.missing == [("BTC", "bybit"), ("BTC", "okx"), ("BTC", "hyperliquid")]


def test_a_quote_sequence_is_an_order_of_preference(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    found = cz.resolve_many(["BTC"], ["binance", "bybit"], quote=["USDC", "USDT"])

    assert found.symbols == ["BTCUSDC_PERP.A", "BTCUSDT.6"]
    assert found.missing == []


def test_dated_futures_are_resolved_with_perpetual_false(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    found = cz.resolve_many(["BTC"], ["okx", "binance"], perpetual=False)

    assert found.pairs == [("BTC", "okx", "BTCUSD_260925.3")]
    assert found.missing == [("BTC", "binance")]


def test_bases_are_case_insensitive_and_repeats_are_dropped(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    found = cz.resolve_many(["btc", "BTC", "s1"], ["Binance", "binance"])

    assert found.pairs == [
        ("BTC", "binance", "BTCUSDT_PERP.A"),
        ("S1", "binance", "S1USDT_PERP.A"),
    ]
    assert found.missing == []


def test_unknown_exchange_raises_with_close_matches(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError) as caught:
        cz.resolve_many(["BTC"], ["binance", "bybitt"])

    assert str(caught.value).startswith(
        "unknown Coinalyze exchange 'bybitt'; did you mean 'bybit'? (known: "
    )


@pytest.mark.parametrize(
    ("bases", "exchanges", "quote", "message"),
    [
        ([], ["binance"], None, "bases must not be empty"),
        (["BTC"], [], None, "exchanges must not be empty"),
        (["BTC", ""], ["binance"], None, "bases must hold non-empty strings, got ''"),
        (["BTC"], ["binance", 3], None, "exchanges must hold non-empty strings, got 3"),
        (["BTC"], ["binance"], [], "quote must not be empty"),
    ],
)
def test_malformed_arguments_raise_before_any_request(
    cz: Coinalyze,
    fake: FakeCoinalyze,
    bases: list[str],
    exchanges: list[str],
    quote: list[str] | None,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=f"^{message}$"):
        cz.resolve_many(bases, exchanges, quote=quote)

    assert fake.calls == []


def test_market_lists_are_fetched_once_for_many_pairs(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    cz.resolve_many([f"S{i}" for i in range(50)], VENUES)
    cz.resolve_many(["BTC"], VENUES)

    assert [call.path for call in fake.calls] == ["/exchanges", "/future-markets", "/spot-markets"]


def test_result_is_a_sequence_that_data_methods_accept(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    found = cz.resolve_many(["BTC"], ["binance", "bybit"])

    table = cz.funding_rate(found)

    assert isinstance(found, ResolvedSymbols)
    assert (len(found), found[1], found[:1], "BTCUSDT.6" in found) == (
        2,
        "BTCUSDT.6",
        ["BTCUSDT_PERP.A"],
        True,
    )
    assert sorted(table.to_polars().get_column("symbol").to_list()) == [
        "BTCUSDT.6",
        "BTCUSDT_PERP.A",
    ]
    assert fake.data_calls[0].symbols == ["BTCUSDT_PERP.A", "BTCUSDT.6"]


def test_async_client_resolves_the_same(
    httpx_mock: HTTPXMock, fake: FakeCoinalyze, clock: ManualClock, cz: Coinalyze
) -> None:
    async def resolve() -> ResolvedSymbols:
        async with AsyncCoinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL) as client:
            return await client.resolve_many(["BTC", "S1"], VENUES)

    assert asyncio.run(resolve()) == cz.resolve_many(["BTC", "S1"], VENUES)
