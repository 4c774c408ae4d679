"""The entity master: canonical ids for provider ids, lookups by any name, merged overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cryptodata import ValidationError
from cryptodata.core.entities import (
    AmbiguousEntityError,
    EntityKind,
    EntityMaster,
    UnknownEntityError,
    slug,
)
from cryptodata.marketdata.assets import AssetRegistry


@pytest.fixture
def master() -> EntityMaster:
    return EntityMaster.default()


def test_a_providers_id_gets_the_canonical_id_of_the_entity_claiming_it(
    master: EntityMaster,
) -> None:
    assert master.canonical("artemis", "sol") == "solana"
    assert master.canonical("coinmetrics", "btc") == "bitcoin"
    assert master.canonical("defillama", "Ethereum") == "ethereum"


def test_provider_ids_are_compared_byte_for_byte(master: EntityMaster) -> None:
    # DefiLlama's `BSC` is BNB Chain; `Bsc` is no id it gives, so it is only slugged.
    assert master.canonical("defillama", "BSC") == "bnb"
    assert master.canonical("defillama", "Bsc") == "bsc"


def test_an_unknown_id_gets_its_slug_so_no_row_is_dropped(master: EntityMaster) -> None:
    assert master.canonical("defillama", "Some New L2") == "some-new-l2"


def test_an_entity_is_found_by_any_of_its_names(master: EntityMaster) -> None:
    for name in ("ethereum", "Ethereum", "ETH", "eth"):
        assert master.entity(name).id == "ethereum"


def test_an_unknown_name_names_close_matches(master: EntityMaster) -> None:
    with pytest.raises(UnknownEntityError, match="did you mean solana"):
        master.entity("solanaa")


def test_a_name_two_entities_answer_to_is_ambiguous() -> None:
    master = EntityMaster.default().load({"wrapped-sol": {"name": "Solana", "kinds": ["asset"]}})

    with pytest.raises(AmbiguousEntityError, match=r"solana \(Solana\), wrapped-sol"):
        master.entity("Solana")


def test_the_id_a_provider_is_asked_by_is_its_first(master: EntityMaster) -> None:
    assert master.provider_id("ethereum", "defillama") == "Ethereum"
    assert master.provider_id("ethereum", "velo") == "ETH"
    assert master.provider_id("base", "coinmetrics") is None


def test_an_override_merges_its_ids_first_and_keeps_the_other_fields(
    master: EntityMaster,
) -> None:
    merged = master.load({"solana": {"ids": {"artemis": ["solana"]}}})

    solana = merged.entity("solana")
    assert solana.ids_of("artemis") == ("solana", "sol")
    assert solana.name == "Solana"
    assert EntityKind.CHAIN in solana.kinds


def test_an_override_file_adds_entities(tmp_path: Path, master: EntityMaster) -> None:
    path = tmp_path / "entities.json"
    path.write_text(json.dumps({"pendle": {"name": "Pendle", "kinds": ["protocol"]}}))

    assert master.load(path).entity("Pendle").kinds == (EntityKind.PROTOCOL,)


def test_a_provider_id_claimed_by_two_entities_is_refused(master: EntityMaster) -> None:
    with pytest.raises(ValidationError, match="'sol' is claimed by two entities"):
        master.load({"wrapped-sol": {"name": "Wrapped SOL", "ids": {"artemis": ["sol"]}}})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"Solana": {"name": "x"}}, "lower-case slug"),
        ({"x": {"colour": "red"}}, "unknown field"),
        ({"x": {"kinds": ["planet"]}}, "planet"),
        ({"x": {"ids": {"artemis": "x"}}}, "ids is"),
    ],
)
def test_a_bad_override_is_refused(
    master: EntityMaster, entry: dict[str, dict[str, object]], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        master.load(entry)


def test_every_shipped_asset_link_names_a_registry_asset(master: EntityMaster) -> None:
    registry = AssetRegistry.default()

    for entity in master:
        if entity.asset is not None:
            assert registry.get(entity.asset).coingecko_id == entity.coingecko_id, entity.id


@pytest.mark.parametrize(
    ("name", "expected"), [("Hyperliquid L1", "hyperliquid-l1"), ("  A__b  ", "a-b")]
)
def test_a_slug_is_lower_case_with_other_runs_as_dashes(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_coingeckos_ids_are_the_entities_coingecko_ids(master: EntityMaster) -> None:
    assert master.canonical("coingecko", "binancecoin") == "bnb"
    assert master.provider_id("avalanche", "coingecko") == "avalanche-2"
