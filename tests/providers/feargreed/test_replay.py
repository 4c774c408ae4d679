"""The bundled sample: the client runs offline, with no network."""

from __future__ import annotations

import asyncio

from cryptodata.providers.feargreed.replay import (
    DAILY,
    sample_async_client,
    sample_client,
    sample_sources,
)
from cryptodata.providers.registry import default_sources


def test_the_sample_client_answers_the_recorded_days_without_the_missing_one() -> None:
    with sample_client() as fg:
        frame = fg.history(start=DAILY[0], end=DAILY[1]).to_polars()

    assert [f"{ts:%m-%d}" for ts in frame["ts"]] == [
        "01-01",
        "01-02",
        "01-03",
        "01-05",
        "01-06",
        "01-07",
        "01-08",
    ]


def test_the_sample_latest_is_the_newest_entry_only() -> None:
    with sample_client() as fg:
        assert fg.latest().to_polars()["value"].to_list() == [24.0]


def test_the_asyncio_sample_client_returns_the_same_rows() -> None:
    with sample_client() as fg:
        blocking = fg.history(start=DAILY[0], end=DAILY[1])

    async def run() -> object:
        async with sample_async_client() as fg:
            return await fg.history(start=DAILY[0], end=DAILY[1])

    assert asyncio.run(run()).to_polars().equals(blocking.to_polars())  # type: ignore[attr-defined]


def test_offline_default_sources_include_the_feargreed_replay() -> None:
    assert any(source.provider == "feargreed" for source in default_sources(offline=True))
    assert [source.provider for source in sample_sources()] == ["feargreed"]
