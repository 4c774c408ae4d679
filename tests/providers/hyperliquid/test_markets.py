"""`Hyperliquid.markets`: perpetuals and spot pairs in the canonical markets table."""

from __future__ import annotations

from cryptodata import Kind, schema
from cryptodata.providers.hyperliquid.client import Hyperliquid


def test_markets_hold_the_active_perpetuals_then_the_spot_pairs(hl: Hyperliquid) -> None:
    table = hl.markets()

    frame = table.to_polars()
    assert table.kind is Kind.MARKETS
    assert frame.schema == schema(Kind.MARKETS)
    assert frame.select("symbol", "market_type").rows() == [
        ("BTC", "future"),
        ("ETH", "future"),
        ("kPEPE", "future"),
        ("SOL", "future"),
        ("PURR/USDC", "spot"),
        ("@107", "spot"),
    ]


def test_a_thousand_token_perpetual_records_its_contract_size(hl: Hyperliquid) -> None:
    pepe = next(market for market in hl.markets() if market.symbol == "kPEPE")

    assert (pepe.base, pepe.contract_size, pepe.unit) == ("PEPE", 1000.0, "contracts")
    assert (pepe.max_leverage, pepe.size_decimals) == (10.0, 0)


def test_perpetuals_are_usdc_margined_with_their_leverage_and_decimals(hl: Hyperliquid) -> None:
    btc = next(market for market in hl.markets() if market.symbol == "BTC")

    assert (btc.quote, btc.margined, btc.is_perpetual, btc.exchange) == (
        "USDC",
        "USDC",
        True,
        "hyperliquid",
    )
    assert (btc.max_leverage, btc.size_decimals, btc.contract_size) == (40.0, 5, 1.0)


def test_spot_pairs_are_named_by_their_tokens(hl: Hyperliquid) -> None:
    hype = next(market for market in hl.markets() if market.symbol == "@107")

    assert (hype.base, hype.quote, hype.is_perpetual, hype.symbol_on_exchange) == (
        "HYPE",
        "USDC",
        False,
        "@107",
    )
