"""Pipelines run on CoinGecko through the source protocol: a backfill into a file sink, rerun."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from cryptodata import (
    AsyncCoinGecko,
    CoinGecko,
    Kind,
    ManualClock,
    ParquetSink,
    abackfill,
    backfill,
    primary_key,
)

from .chart_fake import DEMO_KEY, NOW, FakeChart, truth

SERIES = ["price@bitcoin", "market_cap@bitcoin", "volume_usd_24h@ethereum"]
START, END = "2025-01-01", "2025-06-01"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def chart(clock: ManualClock) -> FakeChart:
    return FakeChart(clock)


@pytest.fixture
def cg(chart: FakeChart, clock: ManualClock) -> CoinGecko:
    return CoinGecko(DEMO_KEY, clock=clock, http_transport=httpx.MockTransport(chart.handle))


def _stored(sink: ParquetSink) -> pl.DataFrame:
    return sink.read(Kind.METRIC).to_polars()


def test_a_backfill_stores_every_series_at_each_day(
    cg: CoinGecko, chart: FakeChart, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        report = backfill(cg, "metric", SERIES, "1d", START, END, sink=sink)
        stored = _stored(sink)

    assert report.requests == 2  # bitcoin's two series share a request; ethereum alone
    assert stored.group_by("provider_id", "metric").len().sort("provider_id", "metric").rows() == [
        ("bitcoin", "market_cap", 151),
        ("bitcoin", "price", 151),
        ("ethereum", "volume_usd_24h", 151),
    ]
    row = stored.filter(metric="price").sort("ts").row(0, named=True)
    assert row["value"] == truth(
        "bitcoin", "prices", int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    )
    assert stored.select(pl.struct(*primary_key(Kind.METRIC)).is_unique().all()).item()


def test_a_rerun_resumes_and_writes_no_duplicates(
    cg: CoinGecko, chart: FakeChart, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(cg, "metric", SERIES, "1d", START, END, sink=sink)
        first = _stored(sink)
        sent = len(chart.chart_requests())
        backfill(cg, "metric", SERIES, "1d", START, END, sink=sink)
        second = _stored(sink)

    again = chart.chart_requests()[sent:]
    # Only the default lag of 2 bars before the newest stored day (2025-05-31) is read again.
    assert {r.url.params["from"] for r in again} == {
        str(int(datetime(2025, 5, 29, tzinfo=UTC).timestamp()))
    }
    assert second.sort(primary_key(Kind.METRIC)).equals(first.sort(primary_key(Kind.METRIC)))


def test_an_asyncio_backfill_stores_the_same_rows(
    cg: CoinGecko, chart: FakeChart, clock: ManualClock, tmp_path: Path
) -> None:
    async_client = AsyncCoinGecko(
        DEMO_KEY, clock=clock, http_transport=httpx.MockTransport(chart.handle)
    )
    with ParquetSink(tmp_path / "sync") as sink:
        backfill(cg, "metric", SERIES, "1d", START, "2025-02-01", sink=sink)
        blocking = _stored(sink)
    with ParquetSink(tmp_path / "async") as sink:
        asyncio.run(abackfill(async_client, "metric", SERIES, "1d", START, "2025-02-01", sink=sink))
        concurrent = _stored(sink)

    assert concurrent.equals(blocking)
