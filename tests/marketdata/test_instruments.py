"""Resolving an asset to a venue's instrument, on the providers' real offline market tables."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptodata import (
    AssetRegistry,
    Ccxt,
    Instrument,
    Kind,
    Table,
    UnsupportedError,
    ValidationError,
)
from cryptodata.marketdata.instruments import INSTRUMENT_PREFERENCE, InstrumentKind
from cryptodata.providers.ccxt import frames as ccxt_frames
from cryptodata.providers.ccxt.replay import sample_client as ccxt_samples
from cryptodata.providers.ccxt.replay import sample_exchange
from cryptodata.providers.coinalyze.replay import sample_client as coinalyze_samples
from cryptodata.providers.hyperliquid.replay import sample_client as hyperliquid_samples

REGISTRY = AssetRegistry.default()
FIXTURES = Path(__file__).parents[1] / "fixtures"
COINALYZE = coinalyze_samples().markets().to_polars()
HYPERLIQUID = hyperliquid_samples().markets()


def _rows(*changes: dict[str, Any]) -> pl.DataFrame:
    """Coinalyze's BTCUSDT perpetual row, once per change, with the change applied."""
    template = COINALYZE.filter(pl.col("symbol") == "BTCUSDT_PERP.A").to_dicts()[0]
    return Table.from_frame(
        Kind.MARKETS,
        pl.DataFrame([template | change for change in changes], schema=COINALYZE.schema),
    ).to_polars()


def _ccxt_with(exchange_id: str, template: str, **market: Any) -> Table[Any]:
    """The ccxt sample venue's markets, plus a copy of `template` with `market`'s keys."""
    exchange = sample_exchange(exchange_id)
    added = copy.deepcopy(exchange.markets[template]) | market
    exchange.set_markets([*exchange.markets.values(), added])
    return Ccxt(exchange).markets()


# Hyperliquid's own markets


def test_hyperliquid_kpepe_resolves_to_pepe_at_a_thousand_per_contract() -> None:
    pepe = REGISTRY.resolve("PEPE", "hyperliquid", HYPERLIQUID)

    assert (pepe.symbol, pepe.provider, pepe.kind) == ("kPEPE", "hyperliquid", "linear_usdc")
    assert (pepe.multiplier, pepe.contract_size, pepe.units_per_contract) == (1, 1000.0, 1000.0)
    assert pepe.asset_units("contracts") == 1000.0


def test_hyperliquid_coin_kpepe_itself_resolves_to_the_same_instrument() -> None:
    assert REGISTRY.resolve("kPEPE", "hyperliquid", HYPERLIQUID).symbol == "kPEPE"


def test_an_asset_hyperliquid_lists_only_as_spot_resolves_to_its_spot_pair() -> None:
    hype = REGISTRY.resolve("HYPE", "hyperliquid", HYPERLIQUID)

    assert (hype.symbol, hype.kind, hype.settle) == ("@107", InstrumentKind.SPOT, None)


def test_the_instrument_explains_its_choice() -> None:
    btc = REGISTRY.resolve("BTC", "hyperliquid", HYPERLIQUID)

    assert btc.reason == (
        "BTC (linear_usdc): the first of linear_usdt > linear_usdc > linear_usd > inverse > "
        "spot that hyperliquid has for BTC"
    )


# Coinalyze's markets: the preference order


def test_coinalyze_defaults_to_the_usdt_perpetual_and_lists_the_rest_in_order() -> None:
    btc = REGISTRY.resolve("btc", "binance", COINALYZE)

    assert (btc.symbol, btc.symbol_on_exchange, btc.settle) == (
        "BTCUSDT_PERP.A",
        "BTCUSDT",
        "USDT",
    )
    assert btc.alternatives == ("BTCUSDC_PERP.A", "BTCUSD_PERP.A", "BTCUSD.A")


# Each example builds a registry or filters a frame: timing varies with the machine.
@settings(deadline=None)
@given(
    st.sets(
        st.sampled_from(["BTCUSDT_PERP.A", "BTCUSDC_PERP.A", "BTCUSD_PERP.A", "BTCUSD.A"]),
        min_size=1,
    )
)
def test_the_default_choice_is_the_first_preferred_kind_the_venue_has(kept: set[str]) -> None:
    markets = COINALYZE.filter(pl.col("symbol").is_in(kept))
    kinds = {
        "BTCUSDT_PERP.A": InstrumentKind.LINEAR_USDT,
        "BTCUSDC_PERP.A": InstrumentKind.LINEAR_USDC,
        "BTCUSD_PERP.A": InstrumentKind.INVERSE,
        "BTCUSD.A": InstrumentKind.SPOT,
    }

    chosen = REGISTRY.resolve("BTC", "binance", markets)

    assert chosen.kind == next(k for k in INSTRUMENT_PREFERENCE if k in {kinds[s] for s in kept})


@pytest.mark.parametrize(
    ("instrument", "symbol"),
    [
        ("inverse", "BTCUSD_PERP.A"),
        ("LINEAR_USDC", "BTCUSDC_PERP.A"),
        ("spot", "BTCUSD.A"),
        (["linear_usd", "spot", "linear_usdt"], "BTCUSD.A"),
        (("inverse", "linear_usdt"), "BTCUSD_PERP.A"),
    ],
)
def test_instrument_picks_the_kinds_asked_for_in_their_order(
    instrument: str | list[str], symbol: str
) -> None:
    assert REGISTRY.resolve("BTC", "binance", COINALYZE, instrument=instrument).symbol == symbol


@pytest.mark.parametrize("symbol", ["BTCUSDC_PERP.A", "BTCUSD_PERP"])
def test_an_explicit_symbol_or_venue_id_picks_that_market(symbol: str) -> None:
    chosen = REGISTRY.resolve("BTC", "binance", COINALYZE, instrument=symbol)

    assert symbol in (chosen.symbol, chosen.symbol_on_exchange)
    assert chosen.reason.endswith("the symbol asked for")


def test_an_explicit_symbol_is_compared_byte_for_byte() -> None:
    with pytest.raises(ValidationError, match=r"no binance market 'btcusdt_perp\.a'"):
        REGISTRY.resolve("BTC", "binance", COINALYZE, instrument="btcusdt_perp.a")


def test_a_symbol_of_another_asset_is_rejected() -> None:
    with pytest.raises(
        ValidationError, match=r"'ETHUSD\.A' on binance is a market of ETH, not of BTC"
    ):
        REGISTRY.resolve("BTC", "binance", COINALYZE, instrument="ETHUSD.A")


def test_an_unknown_symbol_lists_the_assets_markets() -> None:
    with pytest.raises(
        ValidationError,
        match=r"no binance market 'BTCUSDT\.A'; its BTC markets: BTCUSDT_PERP\.A, BTCUSDC_PERP\.A,",
    ) as caught:
        REGISTRY.resolve("BTC", "binance", COINALYZE, instrument="BTCUSDT.A")

    assert not isinstance(caught.value, UnsupportedError)


def test_an_unknown_kind_in_a_list_is_rejected_naming_the_kinds() -> None:
    with pytest.raises(ValidationError, match="unknown instrument kind\\(s\\) 'perp'; kinds are"):
        REGISTRY.resolve("BTC", "binance", COINALYZE, instrument=["linear_usdt", "perp"])


@pytest.mark.parametrize("instrument", [[], [3], 3])
def test_an_instrument_that_is_no_kind_list_or_symbol_is_rejected(instrument: object) -> None:
    with pytest.raises(ValidationError, match="instrument must be a kind"):
        REGISTRY.resolve("BTC", "binance", COINALYZE, instrument=instrument)  # type: ignore[arg-type]


def test_no_market_of_the_kinds_asked_is_unsupported_listing_what_there_is() -> None:
    with pytest.raises(UnsupportedError) as caught:
        REGISTRY.resolve("SOL", "binance", COINALYZE, instrument="linear_usdt")

    assert (caught.value.provider, caught.value.what) == ("coinalyze", "SOL linear_usdt on binance")
    assert "it has SOLUSD.A (spot)" in str(caught.value)


def test_an_asset_without_a_market_on_the_venue_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="coinalyze lists no binance market for PEPE"):
        REGISTRY.resolve("PEPE", "binance", COINALYZE)


def test_a_venue_without_markets_in_the_table_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="lists no kraken market for BTC"):
        REGISTRY.resolve("BTC", "kraken", COINALYZE)


def test_the_venue_is_taken_by_any_of_its_spellings() -> None:
    assert REGISTRY.resolve("BTC", "binanceusdm", COINALYZE).venue == "binance"


def test_an_unknown_venue_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown venue 'binanse'"):
        REGISTRY.resolve("BTC", "binanse", COINALYZE)


def test_a_multiplied_market_without_contract_size_reads_its_factor_from_the_venue_id() -> None:
    markets = _rows(
        {"symbol": "1000PEPEUSDT_PERP.A", "symbol_on_exchange": "1000PEPEUSDT", "base": "PEPE"}
    )

    pepe = REGISTRY.resolve("PEPE", "binance", markets)

    assert (pepe.multiplier, pepe.units_per_contract, pepe.asset_units("base")) == (
        1000,
        1000.0,
        1000.0,
    )
    assert pepe.reason.endswith("PEPE counts 1,000 PEPE")


def test_a_multiplied_base_counts_its_factor() -> None:
    markets = _rows(
        {"symbol": "1000PEPEUSDT_PERP.A", "symbol_on_exchange": "1000PEPEUSDT", "base": "1000PEPE"}
    )

    assert REGISTRY.resolve("PEPE", "binance", markets).multiplier == 1000


def test_a_former_ticker_yields_to_the_current_one() -> None:
    markets = _rows(
        {"symbol": "MATICUSDT_PERP.A", "symbol_on_exchange": "MATICUSDT", "base": "MATIC"},
        {"symbol": "POLUSDT_PERP.A", "symbol_on_exchange": "POLUSDT", "base": "POL"},
    )

    pol = REGISTRY.resolve("MATIC", "binance", markets)

    assert (pol.asset, pol.symbol, pol.alternatives) == (
        "POL",
        "POLUSDT_PERP.A",
        ("MATICUSDT_PERP.A",),
    )


def test_a_venue_still_listing_a_former_ticker_resolves_to_it() -> None:
    markets = _rows(
        {"symbol": "MATICUSDT_PERP.A", "symbol_on_exchange": "MATICUSDT", "base": "MATIC"}
    )

    assert REGISTRY.resolve("POL", "binance", markets).symbol == "MATICUSDT_PERP.A"


def test_a_former_ticker_another_asset_holds_today_is_not_a_candidate() -> None:
    markets = _rows(
        {"symbol": "LUNAUSDT_PERP.A", "symbol_on_exchange": "LUNAUSDT", "base": "LUNA"},
        {"symbol": "1000LUNCUSDT_PERP.A", "symbol_on_exchange": "1000LUNCUSDT", "base": "1000LUNC"},
    )

    lunc = REGISTRY.resolve("LUNC", "binance", markets)

    assert (lunc.symbol, lunc.multiplier, lunc.alternatives) == ("1000LUNCUSDT_PERP.A", 1000, ())
    assert REGISTRY.resolve("terra-luna-2", "binance", markets).symbol == "LUNAUSDT_PERP.A"


def test_a_perpetual_margined_in_another_coin_is_quanto_and_chosen_only_by_symbol() -> None:
    markets = _rows({"symbol": "ETHUSD_PERP.0", "base": "ETH", "quote": "USD", "margined": "BTC"})

    with pytest.raises(UnsupportedError, match=r"ETHUSD_PERP\.0 \(quanto\)"):
        REGISTRY.resolve("ETH", "binance", markets)
    assert REGISTRY.resolve("ETH", "binance", markets, instrument="quanto").settle == "BTC"


def test_a_dated_future_is_chosen_only_by_symbol() -> None:
    markets = _rows({"symbol": "BTCUSDT_250926.A", "is_perpetual": False})

    assert (
        REGISTRY.resolve("BTC", "binance", markets, instrument="BTCUSDT_250926.A").kind == "future"
    )
    with pytest.raises(UnsupportedError):
        REGISTRY.resolve("BTC", "binance", markets)


def test_a_plain_market_is_preferred_to_a_multiplied_one_of_the_same_kind() -> None:
    markets = _rows(
        {"symbol": "1000PEPEUSDT_PERP.A", "symbol_on_exchange": "1000PEPEUSDT", "base": "1000PEPE"},
        {"symbol": "PEPEUSDT_PERP.A", "symbol_on_exchange": "PEPEUSDT", "base": "PEPE"},
    )

    assert REGISTRY.resolve("PEPE", "binance", markets).symbol == "PEPEUSDT_PERP.A"


# ccxt's markets


@pytest.mark.parametrize(
    ("exchange_id", "venue", "symbol", "kind"),
    [
        ("binanceusdm", "binance", "BTC/USDT:USDT", InstrumentKind.LINEAR_USDT),
        ("bybit", "bybit", "BTC/USDT:USDT", InstrumentKind.LINEAR_USDT),
        ("hyperliquid", "hyperliquid", "BTC/USDC:USDC", InstrumentKind.LINEAR_USDC),
    ],
)
def test_ccxt_samples_resolve_btc_to_the_venues_perpetual(
    exchange_id: str, venue: str, symbol: str, kind: InstrumentKind
) -> None:
    btc = REGISTRY.resolve("XBT", venue, ccxt_samples(exchange_id).markets())

    assert (btc.asset, btc.symbol, btc.kind, btc.provider, btc.units_per_contract) == (
        "BTC",
        symbol,
        kind,
        "ccxt",
        1.0,
    )


def test_ccxt_binance_1000pepe_counts_a_thousand_pepe_per_unit() -> None:
    markets = _ccxt_with(
        "binanceusdm",
        "BTC/USDT:USDT",
        id="1000PEPEUSDT",
        symbol="1000PEPE/USDT:USDT",
        base="1000PEPE",
        baseId="1000PEPE",
    )

    pepe = REGISTRY.resolve("PEPE", "binance", markets)

    assert (pepe.symbol, pepe.provider_base, pepe.multiplier, pepe.contract_size) == (
        "1000PEPE/USDT:USDT",
        "1000PEPE",
        1000,
        1.0,
    )
    assert pepe.asset_units("base") == 1000.0


def test_ccxt_hyperliquid_kpepe_counts_a_thousand_pepe_like_hyperliquids_own_table() -> None:
    markets = _ccxt_with(
        "hyperliquid",
        "ETH/USDC:USDC",
        id="9",
        symbol="KPEPE/USDC:USDC",
        base="KPEPE",
        baseId="9",
        baseName="kPEPE",
    )

    via_ccxt = REGISTRY.resolve("PEPE", "hyperliquid", markets)
    native = REGISTRY.resolve("PEPE", "hyperliquid", HYPERLIQUID)

    assert via_ccxt.symbol == "KPEPE/USDC:USDC"
    assert via_ccxt.units_per_contract == native.units_per_contract == 1000.0


def test_ccxt_inverse_perpetual_is_inverse_and_its_contracts_count_no_asset_units() -> None:
    catalogue = json.loads((FIXTURES / "ccxt" / "markets" / "binance.json").read_text())
    markets = ccxt_frames.markets(catalogue, venue="binance")

    btc = REGISTRY.resolve("BTC", "binance", markets, instrument="inverse")

    assert (btc.symbol, btc.settle, btc.contract_size) == ("BTC/USD:BTC", "BTC", 100.0)
    assert (btc.units_per_contract, btc.asset_units("contracts"), btc.asset_units("base")) == (
        None,
        None,
        1.0,
    )
    assert REGISTRY.resolve("BTC", "binance", markets).symbol == "BTC/USDT:USDT"


# Tables of several providers, and what is not a markets table


def test_markets_of_several_providers_for_the_venue_need_provider() -> None:
    both = pl.concat([COINALYZE, ccxt_samples("binanceusdm").markets().to_polars()])

    with pytest.raises(
        ValidationError, match="several providers \\(ccxt, coinalyze\\); pass provider="
    ):
        REGISTRY.resolve("BTC", "binance", both)
    chosen = REGISTRY.resolve("BTC", "binance", both, provider="ccxt")
    assert (chosen.provider, chosen.symbol) == ("ccxt", "BTC/USDT:USDT")


def test_a_table_of_another_kind_is_rejected() -> None:
    with pytest.raises(ValidationError, match="needs a markets table, got a ohlcv table"):
        REGISTRY.resolve("BTC", "binance", Table.empty(Kind.OHLCV))


def test_a_frame_without_the_markets_columns_is_rejected_naming_them() -> None:
    with pytest.raises(ValidationError, match="lacks the column\\(s\\) provider, contract_size"):
        REGISTRY.resolve("BTC", "binance", COINALYZE.drop("provider", "contract_size"))


def test_markets_that_are_no_table_or_frame_are_rejected() -> None:
    with pytest.raises(ValidationError, match="got list"):
        REGISTRY.resolve("BTC", "binance", [])  # type: ignore[arg-type]


def test_an_instrument_is_a_frozen_value() -> None:
    btc = REGISTRY.resolve("BTC", "hyperliquid", HYPERLIQUID)

    assert btc == REGISTRY.resolve("BTC", "hyperliquid", HYPERLIQUID)
    assert isinstance(btc, Instrument)
    with pytest.raises(AttributeError):
        btc.symbol = "ETH"  # type: ignore[misc]
