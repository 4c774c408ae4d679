"""Live checks of the low-confidence facts in the Artemis reference (marked L there).

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py); needs ARTEMIS_API_KEY. Each test
checks one fact the fake server encodes: if one fails, the reference (and the fake) are wrong.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cryptodata import Artemis
from cryptodata.providers.artemis.endpoints import BASE_URL, LEGACY_BASE_URL

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def ar() -> Iterator[Artemis]:
    if not os.environ.get("ARTEMIS_API_KEY"):
        pytest.skip("ARTEMIS_API_KEY is not set")
    with Artemis(base_url=BASE_URL) as client:
        yield client


def test_the_default_host_and_path_answer_metrics(ar: Artemis) -> None:
    table = ar.metrics("price", symbols="btc", start="2024-01-01", end="2024-01-08")

    assert len(table) == 7
    assert table.warnings == []


def test_the_legacy_host_and_path_answer_the_same(ar: Artemis) -> None:
    with Artemis(base_url=LEGACY_BASE_URL, legacy_paths=True) as legacy:
        old = legacy.metrics("price", symbols="btc", start="2024-01-01", end="2024-01-08")
    new = ar.metrics("price", symbols="btc", start="2024-01-01", end="2024-01-08")

    assert old.to_polars().select("ts", "value").equals(new.to_polars().select("ts", "value"))


def test_end_date_is_inclusive_and_days_are_utc_midnights(ar: Artemis) -> None:
    frame = ar.metrics("price", symbols="eth", start="2024-01-01", end="2024-01-03").to_polars()

    # endDate=2024-01-02 was sent: an inclusive bound gives both days, no more.
    assert frame.get_column("ts").to_list() == [
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 2, tzinfo=UTC),
    ]


def test_an_unknown_metric_is_an_empty_200(ar: Artemis) -> None:
    table = ar.metrics(
        "NO_SUCH_METRIC_CRYPTODATA", symbols="btc", start="2024-01-01", end="2024-01-03"
    )

    assert len(table) == 0
    assert any("no series" in warning for warning in table.warnings)


def test_a_metric_asked_in_lower_case_is_answered(ar: Artemis) -> None:
    table = ar.metrics("price", symbols="sol", start="2024-01-01", end="2024-01-03")

    assert len(table) == 2


def test_a_metric_a_symbol_lacks_is_a_warning_not_an_error(ar: Artemis) -> None:
    table = ar.metrics(["price", "fees"], symbols="btc", start="2024-01-01", end="2024-01-03")

    assert len(table.to_polars().filter(metric="price")) == 2


def test_the_observed_daily_transactions_name_is_supported(ar: Artemis) -> None:
    names = {metric.name for metric in ar.supported_metrics("sol")}

    assert {"PRICE", "FEES", "DAILY_TXNS"} <= names


def test_the_asset_list_holds_bnb_chain_as_bnb(ar: Artemis) -> None:
    symbols = {asset.symbol for asset in ar.assets()}

    assert {"btc", "eth", "sol", "bnb"} <= symbols
