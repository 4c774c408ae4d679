"""Live checks of the medium- and low-confidence facts the universe relies on.

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). Uses the Demo key in
COINGECKO_API_KEY when set, the keyless API otherwise. About 12 calls, through one limiter at
the keyless budget.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptodata import SlidingWindowLimiter
from cryptodata.providers.coingecko import (
    DEFAULT_EXCLUDED_IDS,
    DEFAULT_EXCLUSIONS,
    DEFAULT_NARRATIVES,
    top_assets,
)

pytestmark = pytest.mark.live

BASE_URL = "https://api.coingecko.com/api/v3"


@pytest.fixture(scope="module")
def limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(10, 60.0)


@pytest.fixture(scope="module")
def http(limiter: SlidingWindowLimiter) -> Iterator[Any]:
    key = os.environ.get("COINGECKO_API_KEY", "")
    headers = {"x-cg-demo-api-key": key} if key else {}
    with httpx.Client(base_url=BASE_URL, headers=headers, timeout=30) as client:

        def get(path: str, **params: Any) -> Any:
            limiter.acquire()
            response = client.get(path, params=params)
            response.raise_for_status()
            return response.json()

        yield get


@pytest.fixture(scope="module")
def categories(http: Any) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in http("/coins/categories")}


def test_every_default_category_id_exists(categories: dict[str, dict[str, Any]]) -> None:
    exact = [entry for entry in DEFAULT_EXCLUSIONS if "*" not in entry]

    assert [cid for cid in (*exact, *DEFAULT_NARRATIVES) if cid not in categories] == []


def test_bridged_tokens_are_spread_over_several_bridged_categories(
    categories: dict[str, dict[str, Any]],
) -> None:
    bridged = [
        cid for cid, row in categories.items() if "bridged" in f"{cid} {row['name']}".lower()
    ]

    assert len(bridged) >= 2


def test_a_category_market_cap_is_at_least_its_largest_member(
    http: Any, categories: dict[str, dict[str, Any]]
) -> None:
    members = http(
        "/coins/markets", vs_currency="usd", category="stablecoins", per_page=250, page=1
    )

    assert categories["stablecoins"]["market_cap"] >= members[0]["market_cap"]


def test_category_pages_are_sorted_by_market_cap_and_continue_on_page_two(http: Any) -> None:
    first = http("/coins/markets", vs_currency="usd", category="stablecoins", per_page=250, page=1)
    second = http("/coins/markets", vs_currency="usd", category="stablecoins", per_page=250, page=2)
    caps = [row["market_cap"] or 0 for row in first]

    assert len(first) == 250  # more than one page of stablecoins, so page 2 exists
    assert caps == sorted(caps, reverse=True)
    assert {row["id"] for row in first}.isdisjoint(row["id"] for row in second[:10])


def test_the_static_fallback_ids_exist(http: Any) -> None:
    found = http("/coins/markets", vs_currency="usd", ids=",".join(sorted(DEFAULT_EXCLUDED_IDS)))

    assert sorted(row["id"] for row in found) == sorted(DEFAULT_EXCLUDED_IDS)


def test_top_50_end_to_end(http: Any, limiter: SlidingWindowLimiter, tmp_path: Path) -> None:
    stablecoins = {
        row["id"]
        for row in http(
            "/coins/markets", vs_currency="usd", category="stablecoins", per_page=250, page=1
        )
    }

    assets = top_assets(50, cache_dir=tmp_path, limiter=limiter)

    assert len(assets) == 50
    assert not {asset.id for asset in assets} & (stablecoins | DEFAULT_EXCLUDED_IDS)
    assert assets[0].symbol == "BTC"
    assert sum(asset.narrative is not None for asset in assets) >= 40
