"""Live checks of the low-confidence facts in the DefiLlama reference.

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). The free API needs no key; every
request goes through the client's own limiter (10 a minute), so the module takes a while.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cryptodata import DefiLlama

pytestmark = pytest.mark.live

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def ll() -> Iterator[DefiLlama]:
    with DefiLlama(api_key=None) as client:
        yield client


def test_the_chains_list_names_ethereum_with_its_gecko_id(ll: DefiLlama) -> None:
    chains = ll.chains()

    assert chains.filter(name="Ethereum")["gecko_id"].to_list() == ["ethereum"]


@pytest.mark.parametrize("chain", ["Ethereum", "Avalanche", "OP Mainnet"])
def test_the_overviews_take_the_mapped_lower_case_chain_keys(ll: DefiLlama, chain: str) -> None:
    table = ll.fees(chain, start=NOW - timedelta(days=10))

    assert len(table) >= 7


def test_the_last_point_is_the_still_filling_day(ll: DefiLlama) -> None:
    table = ll.chain_tvl("Ethereum", start=NOW - timedelta(days=5))

    assert any(f"dropped {NOW:%Y-%m-%d}" in warning for warning in table.warnings)


def test_stablecoin_chart_dates_are_strings_of_seconds() -> None:
    answer = httpx.get("https://stablecoins.llama.fi/stablecoincharts/Ethereum", timeout=60)

    assert isinstance(answer.json()[-1]["date"], str)


def test_an_unknown_coin_is_absent_from_the_quotes(ll: DefiLlama) -> None:
    quotes = ll.prices(["coingecko:bitcoin", "coingecko:no-such-coin-cryptodata"])

    assert quotes["coin"].to_list() == ["coingecko:bitcoin"]


def test_protocol_fees_come_from_the_summary(ll: DefiLlama) -> None:
    table = ll.fees("aave", start=NOW - timedelta(days=10))

    assert set(table.to_polars()["provider_id"]) == {"aave"}
    assert len(table) >= 7
