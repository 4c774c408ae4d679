"""The bundled samples: the history client runs offline, with no key and no network."""

from __future__ import annotations

import asyncio

from cryptodata.providers.coingecko.replay import (
    DAILY,
    SAMPLE_COINS,
    sample_async_client,
    sample_client,
    sample_sources,
)
from cryptodata.providers.registry import default_sources, sample_source


def test_the_sample_client_answers_the_recorded_days() -> None:
    with sample_client() as cg:
        frame = cg.market_chart(SAMPLE_COINS[1], start=DAILY[0], end=DAILY[1]).to_polars()

    assert frame.group_by("metric").len().sort("metric").rows() == [
        ("market_cap", 6),
        ("price", 6),
        ("volume_usd_24h", 6),
    ]
    assert frame.filter(metric="volume_usd_24h")["value"].null_count() == 1


def test_the_asyncio_sample_client_returns_the_same_rows() -> None:
    with sample_client() as cg:
        blocking = cg.market_chart("bitcoin", start=DAILY[0], end=DAILY[1])

    async def run() -> object:
        async with sample_async_client() as cg:
            return await cg.market_chart("bitcoin", start=DAILY[0], end=DAILY[1])

    assert asyncio.run(run()).to_polars().equals(blocking.to_polars())  # type: ignore[attr-defined]


def test_the_ohlc_category_and_coin_samples_parse() -> None:
    with sample_client() as cg:
        assert len(cg.ohlc("bitcoin", start="2024-01-05")) == 9
        assert cg.categories()["id"].to_list() == ["layer-1", "stablecoins", "meme-token"]
        assert cg.coin("bitcoin").genesis_date == "2009-01-03"


def test_offline_default_sources_include_the_coingecko_replay() -> None:
    assert any(source.provider == "coingecko" for source in default_sources(offline=True))
    assert [source.provider for source in sample_sources()] == ["coingecko"]
    assert sample_source("coingecko").plan == "public"
