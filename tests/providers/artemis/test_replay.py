"""The bundled samples: the client runs offline, with no key and no network."""

from __future__ import annotations

import asyncio

from cryptodata.providers.artemis.replay import (
    DAILY,
    SAMPLE_METRICS,
    SAMPLE_SYMBOLS,
    sample_async_client,
    sample_client,
    sample_sources,
)
from cryptodata.providers.registry import default_sources


def test_the_sample_client_answers_the_recorded_window() -> None:
    with sample_client() as ar:
        table = ar.metrics(SAMPLE_METRICS, symbols=SAMPLE_SYMBOLS, start=DAILY[0], end=DAILY[1])

    frame = table.to_polars()
    assert frame.group_by("provider_id", "metric").len().sort("provider_id", "metric").rows() == [
        ("btc", "price", 5),
        ("eth", "fees_24h", 5),
        ("eth", "price", 5),
        ("sol", "fees_24h", 5),
        ("sol", "price", 5),
    ]
    assert frame.get_column("entity").unique().sort().to_list() == ["bitcoin", "ethereum", "solana"]


def test_the_asyncio_sample_client_returns_the_same_rows() -> None:
    with sample_client() as ar:
        blocking = ar.metrics(SAMPLE_METRICS, symbols=SAMPLE_SYMBOLS, start=DAILY[0], end=DAILY[1])

    async def run() -> object:
        async with sample_async_client() as ar:
            return await ar.metrics(
                SAMPLE_METRICS, symbols=SAMPLE_SYMBOLS, start=DAILY[0], end=DAILY[1]
            )

    assert asyncio.run(run()).to_polars().equals(blocking.to_polars())  # type: ignore[attr-defined]


def test_the_catalogue_and_asset_samples_parse() -> None:
    with sample_client() as ar:
        assert [metric.metric for metric in ar.supported_metrics("sol")] == [
            "price",
            "fees_24h",
            "daily_active_users",
            "weekly_commits_core",
        ]
        assert [asset.symbol for asset in ar.assets()] == ["btc", "eth", "sol", "bnb", "hype"]


def test_offline_default_sources_include_the_artemis_replay() -> None:
    assert any(source.provider == "artemis" for source in default_sources(offline=True))
    assert [source.provider for source in sample_sources()] == ["artemis"]
