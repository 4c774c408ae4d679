"""Venues: one canonical name per exchange, every spelling resolving to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core import venues
from cryptodata.core.errors import ValidationError
from cryptodata.core.venues import (
    VENUES,
    Venue,
    VenueKind,
    canonical_venue,
    find_venue,
    normalize_venue,
    venue_key,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"

# Coinalyze's display names (its `/exchanges` answer) and the names cryptodata has always
# stored for them: stored series must keep their `exchange` value.
COINALYZE_NAMES = {
    "Poloniex": "poloniex",
    "Vertex": "vertex",
    "Bitforex": "bitforex",
    "Kraken": "kraken",
    "Bithumb": "bithumb",
    "Bitstamp": "bitstamp",
    "Hyperliquid": "hyperliquid",
    "BitFlyer": "bitflyer",
    "BtcMarkets": "btcmarkets",
    "Bit2c": "bit2c",
    "MercadoBitcoin": "mercadobitcoin",
    "Independent Reserve": "independentreserve",
    "Gemini": "gemini",
    "Gate.io": "gateio",
    "Deribit": "deribit",
    "OKX": "okx",
    "Coinbase": "coinbase",
    "Bitfinex": "bitfinex",
    "Luno": "luno",
    "BitMEX": "bitmex",
    "Phemex": "phemex",
    "WOO X": "woox",
    "Huobi": "huobi",
    "dYdX": "dydx",
    "Bybit": "bybit",
    "Binance": "binance",
}

# ccxt 4.5.90 exchange ids (`ccxt.exchanges`) and the venue each one is.
CCXT_IDS = {
    "binance": "binance",
    "binanceusdm": "binance",
    "binancecoinm": "binance",
    "bybit": "bybit",
    "okx": "okx",
    "htx": "huobi",
    "gate": "gateio",
    "woo": "woox",
    "mercado": "mercadobitcoin",
    "deribit": "deribit",
    "phemex": "phemex",
    "hyperliquid": "hyperliquid",
    "dydx": "dydx",
    "coinbase": "coinbase",
    "coinbaseexchange": "coinbase",
    "coinbaseinternational": "coinbaseinternational",
    "bitfinex": "bitfinex",
    "kraken": "kraken",
    "krakenfutures": "kraken",
    "gemini": "gemini",
    "bitstamp": "bitstamp",
    "poloniex": "poloniex",
    "bithumb": "bithumb",
    "bitflyer": "bitflyer",
    "btcmarkets": "btcmarkets",
    "bit2c": "bit2c",
    "independentreserve": "independentreserve",
    "luno": "luno",
    "bitget": "bitget",
    "mexc": "mexc",
    "kucoin": "kucoin",
    "kucoinfutures": "kucoin",
    "cryptocom": "cryptocom",
    "bingx": "bingx",
    "aster": "aster",
    "paradex": "paradex",
    "lighter": "lighter",
    "backpack": "backpack",
}


def test_every_coinalyze_display_name_in_the_recorded_answer_is_a_known_venue() -> None:
    recorded = json.loads((FIXTURES / "coinalyze" / "exchanges.json").read_text())

    assert {row["name"]: canonical_venue(row["name"]) for row in recorded} == COINALYZE_NAMES


@pytest.mark.parametrize(("ccxt_id", "name"), sorted(CCXT_IDS.items()))
def test_ccxt_id_resolves_to_its_venue(ccxt_id: str, name: str) -> None:
    assert canonical_venue(ccxt_id) == name


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("Gate.io", "gateio"),
        ("gate io", "gateio"),
        ("GATE-IO", "gateio"),
        ("gate_io", "gateio"),
        ("HTX", "huobi"),
        ("Huobi Global", "huobi"),
        ("OKEx", "okx"),
        ("Crypto.com", "cryptocom"),
        ("crypto-com", "cryptocom"),
        ("WOO X", "woox"),
        ("Mercado Bitcoin", "mercadobitcoin"),
        ("  Binance  ", "binance"),
        ("DYDX", "dydx"),
    ],
)
def test_spelling_resolves_ignoring_case_spaces_dots_and_dashes(spelling: str, name: str) -> None:
    assert canonical_venue(spelling) == name


@pytest.mark.parametrize("name", list(VENUES))
def test_canonical_name_resolves_to_itself(name: str) -> None:
    assert canonical_venue(name) == name


@pytest.mark.parametrize("venue", list(VENUES.values()))
def test_canonical_name_is_lowercase_letters_and_digits(venue: Venue) -> None:
    assert venue.name == venue_key(venue.name)
    assert venue.name != ""


@pytest.mark.parametrize("venue", list(VENUES.values()))
def test_display_name_and_aliases_resolve_to_the_venue(venue: Venue) -> None:
    assert {canonical_venue(spelling) for spelling in venue.spellings()} == {venue.name}


def test_table_is_keyed_by_canonical_name() -> None:
    assert all(key == venue.name for key, venue in VENUES.items())


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        VENUES["nowhere"] = Venue("nowhere", "Nowhere", VenueKind.CEX)  # type: ignore[index]


def test_venue_records_are_frozen() -> None:
    with pytest.raises(AttributeError):
        VENUES["binance"].name = "bnb"  # type: ignore[misc]


def test_onchain_venues_are_dexes() -> None:
    kinds = {name: VENUES[name].kind for name in ("hyperliquid", "dydx", "vertex", "binance")}

    assert kinds == {
        "hyperliquid": VenueKind.DEX,
        "dydx": VenueKind.DEX,
        "vertex": VenueKind.DEX,
        "binance": VenueKind.CEX,
    }


def test_find_venue_returns_the_record() -> None:
    venue = find_venue("Huobi")

    assert venue == Venue("huobi", "HTX", VenueKind.CEX, ("htx", "huobipro", "huobiglobal"))


def test_a_spelling_shared_by_two_venues_is_refused_when_the_table_is_built() -> None:
    clash = (
        Venue("gateio", "Gate.io", VenueKind.CEX, ("gate",)),
        Venue("gate", "Gate", VenueKind.CEX),
    )

    with pytest.raises(AssertionError, match=r"^'gate' names both gateio and gate$"):
        venues._index(clash)


def test_unknown_venue_names_close_matches() -> None:
    with pytest.raises(ValidationError) as info:
        canonical_venue("binanse")

    assert str(info.value) == "unknown venue 'binanse'; did you mean 'binance'?"


def test_close_matches_name_canonical_venues_once() -> None:
    with pytest.raises(ValidationError) as info:
        canonical_venue("huobbi")

    assert str(info.value) == "unknown venue 'huobbi'; did you mean 'huobi'?"


def test_unknown_venue_without_close_match_lists_the_known_venues() -> None:
    with pytest.raises(ValidationError) as info:
        canonical_venue("zzzz")

    assert str(info.value) == f"unknown venue 'zzzz'; known venues: {', '.join(VENUES)}"


def test_unknown_venue_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown venue"):
        canonical_venue("nowhere")


@pytest.mark.parametrize("value", ["", "  ", ".-"])
def test_a_name_without_letters_or_digits_is_rejected(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        canonical_venue(value)

    assert str(info.value) == f"{value!r} is not a venue name (it has no letter or digit)"


def test_a_non_string_venue_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"^a venue name must be a string, got 6$"):
        canonical_venue(6)  # type: ignore[arg-type]


def test_normalize_venue_resolves_known_spellings() -> None:
    assert normalize_venue("Gate.io") == "gateio"
    assert normalize_venue("htx") == "huobi"


def test_normalize_venue_keeps_an_unknown_name_as_its_key() -> None:
    assert normalize_venue("New Venue.io") == "newvenueio"


def test_normalize_venue_still_rejects_a_name_without_letters_or_digits() -> None:
    with pytest.raises(ValidationError, match="is not a venue name"):
        normalize_venue("...")


@given(st.sampled_from([spelling for v in VENUES.values() for spelling in v.spellings()]))
def test_decorating_a_spelling_does_not_change_the_venue(spelling: str) -> None:
    decorated = f" {spelling.upper().replace('', '-')[1:-1]}. "

    assert canonical_venue(decorated) == canonical_venue(spelling)


@given(st.text())
def test_normalize_venue_agrees_with_canonical_venue_or_gives_the_key(text: str) -> None:
    key = venue_key(text)
    if not key:
        with pytest.raises(ValidationError):
            normalize_venue(text)
        return
    try:
        expected = canonical_venue(text)
    except ValidationError:
        expected = key
    assert normalize_venue(text) == expected
