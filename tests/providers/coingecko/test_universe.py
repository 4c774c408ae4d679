"""top_assets(): which coins are kept, in which order, with which narrative, for how many calls."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cryptodata import ManualClock
from cryptodata.providers.coingecko import (
    ASSET_SCHEMA,
    DEFAULT_EXCLUDED_IDS,
    Asset,
    assets_frame,
    atop_assets,
    top_assets,
)

from .conftest import FakeCoinGecko, Universe

DROPPED = (
    "stablecoins",
    "wrapped-tokens",
    "liquid-staking-tokens",
    "liquid-restaking-tokens",
    "bridged-usdt",
    "bridged-weth",
)
"""Every category the default exclusions name or match (`*bridged*`)."""

KEPT_SAMPLES = [
    "bitcoin",
    "ethereum",
    "ripple",
    "binancecoin",
    "solana",
    "tron",
    "dogecoin",
    "cardano",
    "hyperliquid",
    "sui",
    "chainlink",
    "bitcoin-cash",
    "stellar",
    "avalanche-2",
    "leo-token",
    "the-open-network",
    "shiba-inu",
    "litecoin",
    "hedera-hashgraph",
    "monero",
    "polkadot",
    "bitget-token",
    "pepe",
    "uniswap",
    "aave",
    "bittensor",
    "near",
    "pax-gold",
]
"""The 28 sample coins that are neither stablecoins, wrapped, bridged nor staked tokens."""


def _markets_pages(fake: FakeCoinGecko, category: str | None) -> list[int]:
    return [
        page
        for path, asked, page in fake.requests()
        if path == "/coins/markets" and asked == category
    ]


def test_stablecoins_wrapped_bridged_and_liquid_staking_tokens_are_excluded(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    assets = universe(30, exclude_ids=())  # categories alone, without the static fallback

    # filler-001/002 are bridged WETH, filler-003 a stablecoin.
    assert [asset.id for asset in assets] == [*KEPT_SAMPLES, "filler-000", "filler-004"]


@pytest.mark.parametrize("n", [1, 5, 28, 29, 300])
def test_n_assets_remain_after_exclusions(universe: Universe, fake: FakeCoinGecko, n: int) -> None:
    assets = universe(n)

    assert [asset.id for asset in assets] == fake.kept_ids(n, DROPPED, DEFAULT_EXCLUDED_IDS)
    assert [asset.rank for asset in assets] == list(range(1, n + 1))


def test_candidates_past_the_first_page_are_fetched_only_when_needed(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    universe(177)  # page 1 holds 177 assets after exclusions
    assert _markets_pages(fake, None) == [1]
    fake.calls.clear()

    universe(178)
    assert _markets_pages(fake, None) == [1, 2]


def test_category_pages_are_followed_while_they_could_still_list_a_candidate(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    # layer-2 has 300 fillers; its first page ends at filler-499 (401 M), more than half the
    # cap of the 300th asset (filler-378, 522 M): page 2 could hold it, so it is fetched.
    assets = universe(300)

    assert _markets_pages(fake, "layer-2") == [1, 2]
    assert (assets[-1].id, assets[-1].market_cap_usd) == ("filler-378", 522_000_000.0)
    assert (assets[-2].id, assets[-2].narrative) == ("filler-377", "Layer 2 (L2)")


def test_top_20_costs_one_call_per_category_that_could_hold_an_asset(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    universe(20)

    # The 20th asset (monero) has a 5.9 B cap: bridged-weth (1.8 B), real-world-assets-rwa
    # (1.8 B), depin (0.9 B) and gaming (2.6 B) are below half of it and cost nothing.
    assert fake.requests() == [
        ("/coins/categories", None, 1),
        ("/coins/markets", None, 1),
        ("/coins/markets", "stablecoins", 1),
        ("/coins/markets", "wrapped-tokens", 1),
        ("/coins/markets", "liquid-staking-tokens", 1),
        ("/coins/markets", "liquid-restaking-tokens", 1),
        ("/coins/markets", "bridged-usdt", 1),
        ("/coins/markets", "meme-token", 1),
        ("/coins/markets", "artificial-intelligence", 1),
        ("/coins/markets", "oracle", 1),
        ("/coins/markets", "privacy-coins", 1),
        ("/coins/markets", "decentralized-exchange", 1),
        ("/coins/markets", "decentralized-finance-defi", 1),
        ("/coins/markets", "exchange-based-tokens", 1),
        ("/coins/markets", "payment-solutions", 1),
        ("/coins/markets", "layer-2", 1),
        ("/coins/markets", "layer-1", 1),
        ("/coins/markets", "smart-contract-platform", 1),
    ]
    assert all(
        call.params["vs_currency"] == "usd"
        and call.params["order"] == "market_cap_desc"
        and call.params["per_page"] == "250"
        for call in fake.calls[1:]
    )


def test_narrative_is_the_first_narrative_category_the_asset_belongs_to(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    assets = universe(28)

    assert {asset.id: asset.narrative for asset in assets} == {
        "bitcoin": "Layer 1 (L1)",
        "ethereum": "Layer 1 (L1)",
        "ripple": "Payment Solutions",
        "binancecoin": "Exchange-based Tokens",
        "solana": "Layer 1 (L1)",
        "tron": "Layer 1 (L1)",
        "dogecoin": "Meme",
        "cardano": "Layer 1 (L1)",
        "hyperliquid": "Decentralized Exchange (DEX)",
        "sui": "Layer 1 (L1)",
        "chainlink": "Oracle",
        "bitcoin-cash": "Payment Solutions",
        "stellar": "Payment Solutions",
        "avalanche-2": "Layer 1 (L1)",
        "leo-token": "Exchange-based Tokens",
        "the-open-network": "Layer 1 (L1)",
        "shiba-inu": "Meme",
        "litecoin": "Payment Solutions",
        "hedera-hashgraph": "Layer 1 (L1)",
        "monero": "Privacy Coins",
        "polkadot": "Smart Contract Platform",
        "bitget-token": "Exchange-based Tokens",
        "pepe": "Meme",
        "uniswap": "Decentralized Exchange (DEX)",
        "aave": "Decentralized Finance (DeFi)",
        "bittensor": "Artificial Intelligence (AI)",
        "near": "Artificial Intelligence (AI)",
        "pax-gold": None,  # only in tokenized-gold, which is no narrative
    }


def test_categories_list_every_narrative_category_in_priority_order(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    by_id = {asset.id: asset.categories for asset in universe(28)}

    assert by_id["binancecoin"] == (
        "Exchange-based Tokens",
        "Layer 1 (L1)",
        "Smart Contract Platform",
    )
    assert by_id["hyperliquid"] == (
        "Decentralized Exchange (DEX)",
        "Decentralized Finance (DeFi)",
        "Layer 1 (L1)",
    )
    assert by_id["bitcoin"] == ("Layer 1 (L1)",)  # proof-of-work-pow is generic: never listed
    assert by_id["pax-gold"] == ()


def test_narratives_argument_sets_the_priority(universe: Universe, fake: FakeCoinGecko) -> None:
    assets = universe(28, narratives=["layer-1", "meme-token"])

    narrative = {asset.id: asset.narrative for asset in assets}
    assert (narrative["dogecoin"], narrative["pepe"], narrative["chainlink"]) == (
        "Layer 1 (L1)",
        "Meme",
        None,
    )
    assert [path for path, category, _ in fake.requests()][-2:] == [
        "/coins/markets",
        "/coins/markets",
    ]
    assert [category for _, category, _ in fake.requests()][-2:] == ["layer-1", "meme-token"]


def test_asset_fields_hold_coingecko_values(universe: Universe, fake: FakeCoinGecko) -> None:
    assets = universe(3)

    assert assets == [
        Asset(
            "bitcoin",
            "BTC",
            "Bitcoin",
            1,
            1,
            2_140_000_000_000.0,
            "Layer 1 (L1)",
            ("Layer 1 (L1)",),
        ),
        Asset(
            "ethereum",
            "ETH",
            "Ethereum",
            2,
            2,
            305_000_000_000.0,
            "Layer 1 (L1)",
            ("Layer 1 (L1)", "Smart Contract Platform"),
        ),
        Asset(
            "ripple",
            "XRP",
            "XRP",
            3,
            4,  # CoinGecko's own rank counts tether, which this universe leaves out
            130_000_000_000.0,
            "Payment Solutions",
            ("Payment Solutions", "Layer 1 (L1)"),
        ),
    ]


def test_static_fallback_ids_are_excluded_without_any_category(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    assets = universe(18, exclude=())

    ids = [asset.id for asset in assets]
    assert ids[-1] == "binance-bridged-usdt-bnb-smart-chain"  # bridged, but only a category says so
    assert not set(ids) & DEFAULT_EXCLUDED_IDS
    assert {category for _, category, _ in fake.requests()} & set(DROPPED) == set()


def test_exclusion_globs_match_category_names_too(universe: Universe, fake: FakeCoinGecko) -> None:
    assets = universe(18, exclude=("*usdt*",), exclude_ids=())  # "Bridged USDT" by id and name

    assert "binance-bridged-usdt-bnb-smart-chain" not in [asset.id for asset in assets]
    assert "tether" in [asset.id for asset in assets]  # stablecoins are not excluded here


def test_unknown_category_id_is_skipped_with_a_warning(
    universe: Universe, fake: FakeCoinGecko, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cryptodata.coingecko")

    assets = universe(5, exclude=("stablecoins", "no-such-category"), exclude_ids=())

    assert [asset.id for asset in assets] == [
        "bitcoin",
        "ethereum",
        "ripple",
        "binancecoin",
        "solana",
    ]
    assert caplog.messages == [
        "CoinGecko has no category 'no-such-category' (renamed or removed?); it is ignored. "
        "Valid ids are listed by /coins/categories"
    ]


def test_a_coin_repeated_on_the_next_page_is_kept_once(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    # Ranks move between two page calls: the coin last on page 1 shows up first on page 2.
    fake.coins.insert(250, dict(fake.coins[249]))

    assets = universe(300)

    ids = [asset.id for asset in assets]
    assert len(set(ids)) == 300
    assert ids == fake.kept_ids(300, DROPPED, DEFAULT_EXCLUDED_IDS)


def test_coins_without_market_cap_end_the_list(
    universe: Universe, fake: FakeCoinGecko, caplog: pytest.LogCaptureFixture
) -> None:
    kept = fake.kept_ids(1000, DROPPED, DEFAULT_EXCLUDED_IDS)
    fake.coins.extend({**fake.coins[-1], "id": f"no-cap-{i}", "market_cap": None} for i in range(3))

    assets = universe(1000)

    assert [asset.id for asset in assets] == kept
    assert len(assets) == 457
    assert caplog.messages == ["CoinGecko listed only 457 assets after exclusions, not 1000"]


def test_assets_frame_has_one_typed_column_per_field(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    frame = assets_frame(universe(2))

    expected = pl.DataFrame(
        {
            "id": ["bitcoin", "ethereum"],
            "symbol": ["BTC", "ETH"],
            "name": ["Bitcoin", "Ethereum"],
            "rank": [1, 2],
            "market_cap_rank": [1, 2],
            "market_cap_usd": [2_140_000_000_000.0, 305_000_000_000.0],
            "narrative": ["Layer 1 (L1)", "Layer 1 (L1)"],
            "categories": [["Layer 1 (L1)"], ["Layer 1 (L1)", "Smart Contract Platform"]],
        },
        schema=ASSET_SCHEMA,
    )
    assert_frame_equal(frame, expected, check_exact=True)
    assert assets_frame([]).schema == ASSET_SCHEMA


def test_async_variant_returns_the_same_assets(
    universe: Universe, fake: FakeCoinGecko, clock: ManualClock, tmp_path: Path
) -> None:
    expected = universe(20)
    fake.calls.clear()

    assets = asyncio.run(atop_assets(20, cache_dir=tmp_path / "async", clock=clock))

    assert assets == expected
    assert len(fake.calls) == 18


def test_requests_go_through_the_given_http_transport(clock: ManualClock, tmp_path: Path) -> None:
    server = FakeCoinGecko(clock)  # not mounted on pytest-httpx: only the transport reaches it

    assets = top_assets(
        3, http_transport=httpx.MockTransport(server.handle), clock=clock, cache_dir=tmp_path
    )

    assert [asset.id for asset in assets] == ["bitcoin", "ethereum", "ripple"]
    assert server.requests()[:2] == [("/coins/categories", None, 1), ("/coins/markets", None, 1)]
