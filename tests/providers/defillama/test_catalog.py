"""Naming what DefiLlama measures: catalogues, blank names, slug > name > gecko id, chain vs
protocol, and the chain names of the two endpoint families."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from cryptodata import DefiLlama, ManualClock
from cryptodata.core.entities import EntityMaster
from cryptodata.providers.defillama.endpoints import overview_chain

from .fake import FakeDefiLlama

START = datetime(2025, 1, 1, tzinfo=UTC)


def _series_id(ll: DefiLlama, symbol: str) -> str:
    return ll.series("metric", symbol, interval="1d")[symbol]["provider_id"]


def test_a_protocol_with_a_blank_name_keeps_its_slug_and_a_blank_slug_its_name_as_slug(
    ll: DefiLlama,
) -> None:
    protocols = ll.protocols()

    named = dict(zip(protocols["id"], protocols["provider_id"], strict=True))
    assert (named["3000"], named["3001"], named["3002"]) == (
        "nameless-vault",
        "curve-dex",
        "ghostcoin",
    )
    assert protocols.filter(id="3000")["name"].to_list() == [None]


def test_a_slug_wins_over_another_protocols_name(ll: DefiLlama) -> None:
    assert _series_id(ll, "tvl@LIDO") == "lido"


def test_a_name_finds_its_protocol_when_no_slug_matches(ll: DefiLlama) -> None:
    assert _series_id(ll, "tvl@Curve DEX") == "curve-dex"


def test_a_gecko_id_is_the_last_resort(ll: DefiLlama) -> None:
    assert _series_id(ll, "tvl@maker") == "sky"
    assert _series_id(ll, "tvl@ghostcoin") == "ghostcoin"


def test_a_name_on_the_chains_list_is_the_chain(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    ll.fees("bsc", start=START)

    assert fake.requests[-1].url.path == "/overview/fees/bsc"


def test_the_override_list_makes_a_lower_case_name_the_protocol(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    ll.fees("dydx", start=START)

    assert fake.requests[-1].url.path == "/summary/fees/dydx"


def test_the_chain_spelt_exactly_as_listed_beats_the_override(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    ll.fees("dYdX", start=START)

    assert fake.requests[-1].url.path == "/overview/fees/dydx"


def test_a_chain_is_found_by_its_overview_key_and_its_gecko_id(ll: DefiLlama) -> None:
    assert _series_id(ll, "chain_tvl@avax") == "Avalanche"
    assert _series_id(ll, "chain_tvl@binancecoin") == "BSC"


@pytest.mark.parametrize(
    ("display", "key"),
    [
        ("Ethereum", "ethereum"),
        ("BSC", "bsc"),
        ("Avalanche", "avax"),
        ("OP Mainnet", "optimism"),
        ("Hyperliquid L1", "hyperliquid"),
        ("zkSync Era", "era"),
        ("Polygon zkEVM", "polygon_zkevm"),
        ("Gnosis", "xdai"),
        ("Arbitrum Nova", "arbitrum_nova"),
    ],
)
def test_tvl_display_names_map_to_overview_keys(display: str, key: str) -> None:
    assert overview_chain(display) == key


def test_a_renamed_chains_fees_are_asked_under_its_overview_key(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    table = ll.fees("OP Mainnet", start=START)

    assert fake.requests[-1].url.path == "/overview/fees/optimism"
    assert set(table.to_polars()["provider_id"]) == {"OP Mainnet"}
    assert set(table.to_polars()["entity"]) == {"optimism"}


def test_a_chain_name_with_a_space_is_one_path_segment(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    ll.chain_tvl("op mainnet", start=START)

    assert fake.requests[-1].url.raw_path == b"/v2/historicalChainTvl/OP%20Mainnet"


def test_the_chains_list_gives_each_chains_overview_key_and_entity(ll: DefiLlama) -> None:
    chains = ll.chains()

    assert chains.select("name", "overview_name", "entity").rows()[:3] == [
        ("Ethereum", "ethereum", "ethereum"),
        ("BSC", "bsc", "bnb"),
        ("Avalanche", "avax", "avalanche"),
    ]


def test_a_stablecoin_without_a_gecko_id_is_named_by_its_symbol(ll: DefiLlama) -> None:
    stablecoins = ll.stablecoins()

    assert stablecoins.select("id", "provider_id").rows() == [
        ("1", "tether"),
        ("2", "usd-coin"),
        ("50", "EURC"),
    ]


def test_catalogues_are_read_once_per_ttl(
    fake: FakeDefiLlama, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEFILLAMA_API_KEY", raising=False)
    ll = DefiLlama(clock=clock, catalog_ttl=600, http_transport=httpx.MockTransport(fake.handle))
    ll.chains()
    ll.chain_tvl("Ethereum", start=START)
    clock.advance(601)
    ll.chains()

    assert [r.url.path for r in fake.requests].count("/v2/chains") == 2


def test_the_users_entity_overrides_name_the_rows(fake: FakeDefiLlama, clock: ManualClock) -> None:
    master = EntityMaster.default().load({"sky-money": {"ids": {"defillama": ["sky"]}}})
    ll = DefiLlama(clock=clock, entities=master, http_transport=httpx.MockTransport(fake.handle))

    table = ll.protocol_tvl("sky", start=START)

    assert set(table.to_polars()["entity"]) == {"sky-money"}


def test_a_chains_gecko_id_does_not_hide_the_protocol_of_that_name(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    ll.fees("uniswap", start=START)

    assert fake.requests[-1].url.path == "/summary/fees/uniswap"


def test_a_chains_gecko_id_finds_the_chain_when_no_protocol_answers(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    ll.fees("binancecoin", start=START)

    assert fake.requests[-1].url.path == "/overview/fees/bsc"


def test_hyperliquid_means_the_protocol_and_hyperliquid_l1_the_chain(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    ll.fees("hyperliquid", start=START)
    ll.fees("Hyperliquid L1", start=START)

    assert [r.url.path for r in fake.requests[-2:]] == [
        "/summary/fees/hyperliquid",
        "/overview/fees/hyperliquid",
    ]
