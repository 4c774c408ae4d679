"""The bundled samples: the client runs offline, with no network."""

from __future__ import annotations

import asyncio

from cryptodata.providers.blockchaininfo.replay import (
    DAILY,
    INTRADAY,
    SAMPLE_CHARTS,
    sample_async_client,
    sample_client,
    sample_sources,
)
from cryptodata.providers.registry import default_sources


def test_the_sample_client_answers_every_recorded_daily_chart() -> None:
    with sample_client() as bc:
        tables = [bc.chart(name, start=DAILY[0], end=DAILY[1]) for name in SAMPLE_CHARTS]

    assert [(len(t), t.to_polars().item(0, "metric")) for t in tables] == [
        (7, "hash_rate"),
        (7, "price"),
        (7, "avg_block_size"),
    ]
    assert tables[2].to_polars().get_column("value").null_count() == 1


def test_the_mempool_sample_holds_a_day_of_15_minute_rows() -> None:
    with sample_client() as bc:
        table = bc.chart("mempool-size", start=INTRADAY[0], end=INTRADAY[1])

    assert (len(table), table.to_polars().item(0, "interval")) == (96, "15m")


def test_the_stats_sample_flags_its_odd_values() -> None:
    with sample_client() as bc:
        stats = bc.stats()

    assert (stats.total_fees_btc, stats.miners_revenue_usd, stats.totalbc) == (
        None,
        None,
        19_589_012.5,
    )
    assert len(stats.warnings) == 2


def test_the_asyncio_sample_client_returns_the_same_rows() -> None:
    with sample_client() as bc:
        blocking = bc.chart("hash-rate", start=DAILY[0], end=DAILY[1])

    async def run() -> object:
        async with sample_async_client() as bc:
            return await bc.chart("hash-rate", start=DAILY[0], end=DAILY[1])

    assert asyncio.run(run()).to_polars().equals(blocking.to_polars())  # type: ignore[attr-defined]


def test_offline_default_sources_include_the_blockchaininfo_replay() -> None:
    assert any(source.provider == "blockchaininfo" for source in default_sources(offline=True))
    assert [source.provider for source in sample_sources()] == ["blockchaininfo"]
