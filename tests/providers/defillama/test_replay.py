"""The bundled synthetic samples: every series they hold answers offline, through the registry too."""

from __future__ import annotations

import asyncio

import pytest

from cryptodata.providers.defillama.replay import (
    SAMPLE_END,
    SAMPLE_SERIES,
    SAMPLE_START,
    sample_async_client,
    sample_client,
)
from cryptodata.providers.registry import default_sources


@pytest.mark.parametrize("symbol", SAMPLE_SERIES)
def test_every_sample_series_answers_seven_complete_days_and_the_one_so_far(symbol: str) -> None:
    with sample_client() as ll:
        table = ll.history(symbol, start=SAMPLE_START, end=SAMPLE_END)

    frame = table.to_polars()
    assert frame.height == 8
    assert frame["value"].null_count() == 0
    assert [warning.split(" of ")[0] for warning in table.warnings] == ["2025-01-08"]


def test_the_sample_catalogues_name_their_entities() -> None:
    with sample_client() as ll:
        chains, protocols = ll.chains(), ll.protocols()

    assert chains.select("name", "entity").rows()[:2] == [("Ethereum", "ethereum"), ("BSC", "bnb")]
    assert protocols["provider_id"].to_list() == ["aave", "uniswap", "lido"]


def test_the_async_sample_client_answers_the_same() -> None:
    async def main() -> int:
        async with sample_async_client() as ll:
            return len(await ll.fees("aave", start=SAMPLE_START, end=SAMPLE_END))

    assert asyncio.run(main()) == 8


def test_the_registry_serves_defillama_offline() -> None:
    sources = default_sources(offline=True)

    (ll,) = [source for source in sources if source.provider == "defillama"]
    assert len(ll.chain_tvl("Ethereum", start=SAMPLE_START, end=SAMPLE_END)) == 8
