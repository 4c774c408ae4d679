"""The asset registry: names to canonical assets, ambiguity, unknown names, overrides."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cryptodata
from cryptodata import (
    AmbiguousAssetError,
    AssetInfo,
    AssetRegistry,
    UnknownAssetError,
    ValidationError,
)
from cryptodata.core.entities import EntityMaster
from cryptodata.marketdata.assets import Rename

REGISTRY = AssetRegistry.default()
PACKAGE = Path(cryptodata.__file__).parent
SHIPPED_NAMES = sorted(
    {(name, asset.id) for asset in REGISTRY.assets.values() for name in asset.names()}
)


def _owners(name: str) -> set[str]:
    key = name.strip().upper()
    return {a.id for a in REGISTRY.assets.values() if key in {n.upper() for n in a.names()}}


# The shipped data


def test_the_shipped_data_holds_the_fifty_largest_assets_at_least() -> None:
    assert len(REGISTRY.assets) >= 50
    assert list(REGISTRY.assets)[:3] == ["BTC", "ETH", "USDT"]


@pytest.mark.parametrize(
    ("asset_id", "coingecko_id"),
    [
        ("BTC", "bitcoin"),
        ("ETH", "ethereum"),
        ("BNB", "binancecoin"),
        ("XRP", "ripple"),
        ("AVAX", "avalanche-2"),
        ("TON", "the-open-network"),
        ("POL", "polygon-ecosystem-token"),
        ("HYPE", "hyperliquid"),
    ],
)
def test_shipped_assets_carry_their_coingecko_id(asset_id: str, coingecko_id: str) -> None:
    assert REGISTRY.get(asset_id).coingecko_id == coingecko_id


def test_no_two_shipped_assets_share_a_coingecko_id() -> None:
    ids = [a.coingecko_id for a in REGISTRY.assets.values() if a.coingecko_id is not None]

    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("name", "asset_id"), SHIPPED_NAMES)
def test_every_shipped_name_resolves_to_its_asset_unless_another_shares_it(
    name: str, asset_id: str
) -> None:
    if len(_owners(name)) == 1:
        assert REGISTRY.lookup(name).id == asset_id
    else:
        with pytest.raises(AmbiguousAssetError) as caught:
            REGISTRY.lookup(name)
        assert asset_id in [choice.id for choice in caught.value.choices]


@given(
    st.sampled_from([pair for pair in SHIPPED_NAMES if len(_owners(pair[0])) == 1]),
    st.lists(st.booleans(), min_size=30, max_size=30),
    st.sampled_from(["", " ", "\t"]),
)
def test_lookup_ignores_case_and_surrounding_spaces(
    pair: tuple[str, str], upper: list[bool], pad: str
) -> None:
    name, asset_id = pair
    assert len(name) <= len(upper)
    mixed = "".join(c.upper() if up else c.lower() for c, up in zip(name, upper, strict=False))

    assert REGISTRY.lookup(f"{pad}{mixed}{pad}").id == asset_id


def test_xbt_is_bitcoin() -> None:
    assert REGISTRY.lookup("XBT").id == "BTC"


def test_matic_and_pol_are_one_asset_renamed_on_2024_09_04() -> None:
    pol = REGISTRY.lookup("MATIC")

    assert pol is REGISTRY.lookup("POL")
    assert pol.renamed_from == (Rename("MATIC", date(2024, 9, 4)),)


@pytest.mark.parametrize(
    ("name", "asset_id", "factor"),
    [
        ("1000PEPE", "PEPE", 1000),
        ("kPEPE", "PEPE", 1000),
        ("KPEPE", "PEPE", 1000),
        ("1000SHIB", "SHIB", 1000),
        ("SHIB1000", "SHIB", 1000),
        ("kSHIB", "SHIB", 1000),
        ("1000BONK", "BONK", 1000),
        ("kBONK", "BONK", 1000),
        ("1000FLOKI", "FLOKI", 1000),
        ("kFLOKI", "FLOKI", 1000),
        ("1000000MOG", "MOG", 1_000_000),
        ("PEPE", "PEPE", 1),
    ],
)
def test_multiplied_tickers_resolve_to_their_asset_with_their_factor(
    name: str, asset_id: str, factor: int
) -> None:
    asset = REGISTRY.lookup(name)

    assert (asset.id, asset.multiplier_of(name)) == (asset_id, factor)


@pytest.mark.parametrize(
    ("provider", "venue", "expected"),
    [
        ("ccxt", "binance", "1000PEPE"),
        ("ccxt", "binanceusdm", "1000PEPE"),
        ("ccxt", "hyperliquid", "KPEPE"),
        ("hyperliquid", None, "kPEPE"),
        ("ccxt", "okx", "PEPE"),
        ("coinalyze", "binance", "PEPE"),
    ],
)
def test_provider_name_is_the_providers_own_else_the_ticker(
    provider: str, venue: str | None, expected: str
) -> None:
    from cryptodata.core.venues import canonical_venue

    spot = None if venue is None else canonical_venue(venue)

    assert REGISTRY.get("PEPE").provider_name(provider, spot) == expected


def test_research_providers_ids_live_in_the_entity_master_linked_by_asset() -> None:
    # One source of truth: the asset registry names markets' assets, the entity master every
    # research provider's id of them.
    bitcoin = EntityMaster.default().entity("BTC")

    assert REGISTRY.get(bitcoin.asset or "").provider_names == ()
    assert [bitcoin.ids_of(p) for p in ("artemis", "coinmetrics", "velo")] == [
        ("btc",),
        ("btc",),
        ("BTC",),
    ]


def test_provider_names_resolve_at_their_provider_first() -> None:
    registry = AssetRegistry.load({"LUNA": {"names": {"ccxt:bybit": "LUNC"}}})

    assert registry.lookup("LUNC", provider="ccxt", venue="bybit").id == "LUNA"
    assert registry.lookup("LUNC", provider="ccxt", venue="binance").id == "LUNC"


# Ambiguous and unknown names


def test_a_ticker_two_assets_answer_to_raises_listing_both() -> None:
    with pytest.raises(AmbiguousAssetError) as caught:
        REGISTRY.lookup("luna")

    error = caught.value
    assert isinstance(error, ValidationError)
    assert [choice.id for choice in error.choices] == ["LUNA", "LUNC"]
    assert error.name == "luna"
    for text in ("terra-luna-2", "terra-luna", "Terra Classic", "until 2022-05-28"):
        assert text in str(error)


def test_each_pick_the_ambiguity_error_offers_names_its_asset_alone() -> None:
    with pytest.raises(AmbiguousAssetError) as caught:
        REGISTRY.lookup("LUNA")

    message = str(caught.value)
    assert "pick it with 'terra-luna-2'" in message
    assert "pick it with 'LUNC'" in message
    assert REGISTRY.lookup("terra-luna-2").id == "LUNA"


def test_get_takes_a_canonical_id_and_nothing_else() -> None:
    assert REGISTRY.get("luna").name == "Terra"
    with pytest.raises(UnknownAssetError):
        REGISTRY.get("XBT")


def test_an_unknown_name_raises_naming_close_matches() -> None:
    with pytest.raises(UnknownAssetError) as caught:
        REGISTRY.lookup("ETHH")

    assert caught.value.matches[0] == "ETH"
    assert "did you mean 'ETH'" in str(caught.value)
    assert isinstance(caught.value, ValidationError)


def test_a_name_like_nothing_says_so() -> None:
    with pytest.raises(UnknownAssetError, match="no asset has a similar name"):
        REGISTRY.lookup("QQQQQQQQQQQQ")


@pytest.mark.parametrize("name", ["", "   ", None, 42])
def test_a_name_that_is_not_text_is_rejected(name: object) -> None:
    with pytest.raises(ValidationError, match="non-empty string"):
        REGISTRY.lookup(name)  # type: ignore[arg-type]


# Overrides


def test_an_override_changes_the_fields_it_gives_and_keeps_the_others() -> None:
    pepe = AssetRegistry.load({"PEPE": {"name": "Pepe the Frog"}}).get("PEPE")

    assert pepe.name == "Pepe the Frog"
    assert (pepe.coingecko_id, pepe.multiplied) == (
        REGISTRY.get("PEPE").coingecko_id,
        REGISTRY.get("PEPE").multiplied,
    )


def test_override_names_and_multipliers_merge_key_by_key() -> None:
    pepe = AssetRegistry.load(
        {"PEPE": {"names": {"velo": "PEPE1"}, "multiplied": {"1MPEPE": 1_000_000}}}
    ).get("PEPE")

    assert pepe.provider_name("velo") == "PEPE1"
    assert pepe.provider_name("ccxt", "binance") == "1000PEPE"
    assert (pepe.multiplier_of("1MPEPE"), pepe.multiplier_of("kPEPE")) == (1_000_000, 1000)


# Each example builds a registry or filters a frame: timing varies with the machine.
@settings(deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(sorted(REGISTRY.assets)),
        st.fixed_dictionaries({"name": st.text(min_size=1).filter(str.strip)}),
        max_size=10,
    )
)
def test_overrides_never_lose_shipped_assets_they_do_not_name(
    overrides: dict[str, dict[str, str]],
) -> None:
    registry = AssetRegistry.load(overrides)

    assert list(registry.assets) == list(REGISTRY.assets)
    for asset_id, asset in REGISTRY.assets.items():
        if asset_id not in overrides:
            assert registry.assets[asset_id] == asset


def test_an_override_adds_a_new_asset() -> None:
    registry = AssetRegistry.load({"wbtc": {"name": "Wrapped Bitcoin", "aliases": ["WBTC.E"]}})

    assert registry.lookup("wbtc.e") == AssetInfo(
        "WBTC", "Wrapped Bitcoin", "WBTC", aliases=("WBTC.E",)
    )
    assert len(registry.assets) == len(REGISTRY.assets) + 1


def test_an_override_can_settle_an_ambiguity() -> None:
    registry = AssetRegistry.load({"LUNC": {"renamed_from": []}})

    assert registry.lookup("LUNA").id == "LUNA"


def test_a_new_asset_without_a_name_is_rejected() -> None:
    with pytest.raises(ValidationError, match="override 'NEW': a new asset needs a 'name'"):
        AssetRegistry.load({"NEW": {"coingecko": "new"}})


def test_an_unknown_override_field_is_rejected_naming_it() -> None:
    with pytest.raises(ValidationError, match="unknown field\\(s\\) 'coingecko_id'; fields are"):
        AssetRegistry.load({"BTC": {"coingecko_id": "bitcoin"}})


@pytest.mark.parametrize("factor", [0, 1, 2.5, "1000", True, float("inf")])
def test_a_multiplier_that_is_not_a_whole_number_above_one_is_rejected(factor: object) -> None:
    with pytest.raises(ValidationError, match="whole number above 1"):
        AssetRegistry.load({"PEPE": {"multiplied": {"1000PEPE": factor}}})


def test_a_rename_date_that_is_not_iso_is_rejected() -> None:
    with pytest.raises(ValidationError, match="until must be YYYY-MM-DD"):
        AssetRegistry.load({"POL": {"renamed_from": [{"ticker": "MATIC", "until": "4/9/2024"}]}})


@pytest.mark.parametrize("value", ["MATIC", [{"from": "MATIC"}], ["MATIC"]])
def test_a_rename_of_the_wrong_shape_is_rejected(value: object) -> None:
    with pytest.raises(ValidationError, match="renamed_from"):
        AssetRegistry.load({"POL": {"renamed_from": value}})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"aliases": "XBT"}, "aliases must be a list of text"),
        ({"aliases": [""]}, "aliases must be non-empty text"),
        ({"name": 3}, "name must be non-empty text"),
        ({"names": ["ccxt"]}, "names must be a mapping"),
        ({"names": {"ccxt:": "X"}}, "a names key is 'provider' or 'provider:venue'"),
    ],
)
def test_a_field_of_the_wrong_shape_is_rejected_naming_entry_and_field(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=f"override 'BTC': {message}"):
        AssetRegistry.load({"BTC": fields})


def test_a_names_key_with_an_unknown_venue_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown venue 'binanse'"):
        AssetRegistry.load({"PEPE": {"names": {"ccxt:binanse": "1000PEPE"}}})


def test_a_names_key_stores_its_venue_by_canonical_name() -> None:
    pepe = AssetRegistry.load({"PEPE": {"names": {"ccxt:Gate.io": "PEPE2"}}}).get("PEPE")

    assert ("ccxt:gateio", "PEPE2") in pepe.provider_names


@pytest.mark.parametrize("raw_id", ["", "TWO WORDS", 7])
def test_an_override_id_that_is_not_one_word_is_rejected(raw_id: object) -> None:
    with pytest.raises(ValidationError, match="an asset id must be a non-empty word"):
        AssetRegistry.load({raw_id: {"name": "X"}})  # type: ignore[dict-item]


def test_overrides_load_from_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "assets.json"
    path.write_text(
        json.dumps({"WBTC": {"name": "Wrapped Bitcoin", "coingecko": "wrapped-bitcoin"}})
    )

    assert AssetRegistry.load(path).lookup("wrapped-bitcoin").id == "WBTC"
    assert AssetRegistry.load(str(path)).lookup("WBTC").name == "Wrapped Bitcoin"


def test_overrides_load_from_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "assets.csv"
    path.write_text(
        "id,name,coingecko,aliases,multiplied,names,renamed_from\n"
        "WBTC,Wrapped Bitcoin,wrapped-bitcoin,wBTC;WBTC.E,,,\n"
        "PEPE,,,,1MPEPE=1000000,velo=PEPE1,\n"
        "POL,,,,,,MATIC@2024-09-04;OLDPOL\n"
    )

    registry = AssetRegistry.load(path)

    assert registry.get("WBTC") == AssetInfo(
        "WBTC", "Wrapped Bitcoin", "WBTC", "wrapped-bitcoin", aliases=("wBTC", "WBTC.E")
    )
    assert registry.get("PEPE").multiplier_of("1mpepe") == 1_000_000
    assert registry.get("PEPE").name == "Pepe"
    assert registry.get("POL").renamed_from == (
        Rename("MATIC", date(2024, 9, 4)),
        Rename("OLDPOL"),
    )


def test_a_csv_with_an_unknown_column_is_rejected_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "assets.csv"
    path.write_text("id,name,symbol\nWBTC,Wrapped Bitcoin,WBTC\n")

    with pytest.raises(ValidationError, match="unknown columns \\['symbol'\\]"):
        AssetRegistry.load(path)


def test_a_csv_pair_without_equals_is_rejected_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "assets.csv"
    path.write_text("id,multiplied\nPEPE,1000PEPE\n")

    with pytest.raises(ValidationError, match=r"assets\.csv line 2: multiplied must be key=value"):
        AssetRegistry.load(path)


def test_a_missing_override_file_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read the asset overrides"):
        AssetRegistry.load(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("text", "message"), [("{", "are not JSON"), ("[]", "must map canonical ids")]
)
def test_an_override_file_that_is_not_a_json_object_is_rejected(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "assets.json"
    path.write_text(text)

    with pytest.raises(ValidationError, match=message):
        AssetRegistry.load(path)


def test_overrides_of_another_type_are_rejected() -> None:
    with pytest.raises(ValidationError, match="got list"):
        AssetRegistry.load([("BTC", {})])  # type: ignore[arg-type]


# Layering and import cost


def test_the_marketdata_package_imports_no_provider_pipeline_sink_or_cli_module_but_the_registry() -> (
    None
):
    imported = set()
    for path in (PACKAGE / "marketdata").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)

    upward = ("cryptodata.providers", "cryptodata.pipeline", "cryptodata.sinks", "cryptodata.cli")
    # The provider registry names providers by import path without importing them: a default
    # MarketData reads it to build the configured clients.
    allowed = {"cryptodata.providers.registry"}
    assert sorted(m for m in imported if m.startswith(upward) and m not in allowed) == []


def test_the_data_is_read_on_first_use_not_on_import() -> None:
    code = (
        "import sys, cryptodata\n"
        "cryptodata.AssetRegistry\n"
        "from cryptodata.marketdata.assets import _shipped\n"
        "print(_shipped.cache_info().currsize)\n"
        "print(sorted(m for m in sys.modules if m.startswith('cryptodata.providers')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(PACKAGE.parent)},
    )

    assert done.stdout.splitlines() == ["0", "[]"]


def test_the_registrys_assets_are_read_only() -> None:
    with pytest.raises(TypeError):
        REGISTRY.assets["BTC"] = REGISTRY.assets["ETH"]  # type: ignore[index]
