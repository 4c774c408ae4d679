"""The bundled sample: the client runs offline, with no network."""

from __future__ import annotations

import asyncio

from cryptodata.providers.cbbi.replay import (
    DAILY,
    SAMPLE_SYMBOLS,
    sample_async_client,
    sample_client,
    sample_sources,
)
from cryptodata.providers.registry import default_sources


def test_the_sample_client_answers_every_recorded_series() -> None:
    with sample_client() as cb:
        frame = cb.history(start=DAILY[0], end=DAILY[1]).to_polars()

    counts = dict(frame.group_by("metric").len().iter_rows())
    assert set(counts) == {symbol.partition("@")[0] for symbol in SAMPLE_SYMBOLS}
    assert counts["cbbi_woobull"] == 6
    assert counts["cbbi_confidence"] == 7


def test_the_sample_steps_run_offline() -> None:
    with sample_client() as cb:
        (step,) = cb.history_steps(
            "metric", SAMPLE_SYMBOLS, interval="1d", start=DAILY[0], end=DAILY[1]
        )
        assert len(cb.fetch(step)) == 76


def test_the_asyncio_sample_client_returns_the_same_rows() -> None:
    with sample_client() as cb:
        blocking = cb.latest()

    async def run() -> object:
        async with sample_async_client() as cb:
            return await cb.latest()

    assert asyncio.run(run()).to_polars().equals(blocking.to_polars())  # type: ignore[attr-defined]


def test_offline_default_sources_include_the_cbbi_replay() -> None:
    assert any(source.provider == "cbbi" for source in default_sources(offline=True))
    assert [source.provider for source in sample_sources()] == ["cbbi"]
