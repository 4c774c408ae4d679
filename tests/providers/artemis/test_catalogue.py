"""`supported_metrics` and `assets`: the catalogue and the asset list, typed."""

from __future__ import annotations

import pytest

from cryptodata import Artemis, ProviderError, ValidationError
from cryptodata.providers.artemis import ArtemisAsset, SupportedMetric
from providers.artemis.fake import FakeArtemis


def test_supported_metrics_lists_one_symbols_catalogue(ar: Artemis, fake: FakeArtemis) -> None:
    found = ar.supported_metrics("BNB")

    assert fake.requests[0].url.params["symbol"] == "bnb"
    assert found == [
        SupportedMetric(
            "PRICE",
            "price",
            "Price",
            "PRICE of bnb",
            "Artemis",
            "USD",
            "sum",
            ("chain",),
            ("fundamentals",),
        ),
        SupportedMetric(
            "FEES",
            "fees_24h",
            "Fees",
            "FEES of bnb",
            "Artemis",
            "USD",
            "sum",
            ("chain",),
            ("fundamentals",),
        ),
    ]


def test_supported_metrics_takes_one_symbol(ar: Artemis, fake: FakeArtemis) -> None:
    with pytest.raises(ValidationError):
        ar.supported_metrics(["sol", "eth"])  # type: ignore[arg-type]

    assert fake.requests == []


def test_an_error_string_in_place_of_the_catalogue_is_an_error(
    ar: Artemis, fake: FakeArtemis
) -> None:
    fake.answer("/supported-metrics/", {"metrics": "unknown symbol"})

    with pytest.raises(ProviderError, match="unknown symbol"):
        ar.supported_metrics("sol")


def test_assets_lists_every_asset_with_nullable_fields(ar: Artemis) -> None:
    assert ar.assets() == [
        ArtemisAsset("bitcoin", "btc", "Bitcoin", "bitcoin", "#F7931A"),
        ArtemisAsset("solana", "sol", "Solana", "solana", None),
        ArtemisAsset("bsc", "bnb", "BNB Chain", None, None),
    ]


def test_markets_is_an_empty_markets_table(ar: Artemis) -> None:
    assert len(ar.markets()) == 0
