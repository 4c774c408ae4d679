"""The sample payloads (shaped as the reference documents them) parse to the values they hold."""

from __future__ import annotations

import pytest

from cryptodata import AuthenticationError, ProviderError, RateLimitError, ResponseFormatError
from cryptodata.providers.coingecko.parse import (
    Category,
    MarketCoin,
    parse_categories,
    parse_markets,
)

from .conftest import fixture_bytes


def test_coins_markets_sample_parses_to_exact_values() -> None:
    coins = parse_markets(fixture_bytes("coins-markets.json"))

    assert len(coins) == 40
    assert coins[0] == MarketCoin("bitcoin", "btc", "Bitcoin", 2_140_000_000_000.0, 1)
    assert coins[24] == MarketCoin(
        "binance-bridged-usdt-bnb-smart-chain",
        "bsc-usd",
        "Binance Bridged USDT (BNB Smart Chain)",
        6_500_000_000.0,
        25,
    )
    assert coins[-1] == MarketCoin("pax-gold", "paxg", "PAX Gold", 1_100_000_000.0, 40)


def test_nullable_market_cap_and_rank_parse_to_none() -> None:
    body = (
        b'[{"id":"new-coin","symbol":"new","name":"New","market_cap":null,"market_cap_rank":null}]'
    )

    assert parse_markets(body) == [MarketCoin("new-coin", "new", "New", None, None)]


def test_coins_categories_sample_parses_to_exact_values() -> None:
    categories = parse_categories(fixture_bytes("coins-categories.json"))

    assert len(categories) == 23
    assert categories[0] == Category("stablecoins", "Stablecoins", 260_500_000_000.0)
    assert categories[1] == Category("wrapped-tokens", "Wrapped-Tokens", 80_100_000_000.0)
    assert categories[-1] == Category("ethereum-ecosystem", "Ethereum Ecosystem", None)


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (
            b'{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit."}}',
            RateLimitError,
            "rate limited (error_code 429 in a 200 response)",
        ),
        (
            b'{"status":{"error_code":10011,"error_message":"wrong root"}}',
            AuthenticationError,
            "error_code 10011: the API key is missing, invalid, or not valid for this root",
        ),
        (
            b'{"status":{"error_code":1020,"error_message":"Access denied"}}',
            ProviderError,
            "error_code 1020 in a 200 response",
        ),
    ],
)
def test_error_envelope_becomes_its_typed_error(
    body: bytes, error: type[ProviderError], message: str
) -> None:
    with pytest.raises(error) as caught:
        parse_categories(body)

    assert type(caught.value) is error
    assert str(caught.value) == (
        f"coingecko /coins/categories answered HTTP 200: {message} (body: {body.decode()})"
    )


def test_wrong_field_type_is_a_response_format_error() -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse_markets(b'[{"id":"x","symbol":"x","name":"X","market_cap":"big"}]')

    assert str(caught.value).startswith(
        "coingecko /coins/markets sent a response we cannot parse: Expected `float | null`, "
        "got `str` - at `$[0].market_cap`"
    )
