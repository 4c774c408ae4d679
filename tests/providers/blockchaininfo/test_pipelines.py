"""Pipelines run on blockchain.info through the source protocol: a backfill into a file sink,
rerun without duplicates."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polars as pl

from cryptodata import (
    AsyncBlockchainInfo,
    BlockchainInfo,
    JsonlSink,
    Kind,
    ManualClock,
    abackfill,
    backfill,
    primary_key,
)
from providers.blockchaininfo.fake import FakeBlockchainInfo

SERIES = ["hash_rate@bitcoin", "transaction_count@bitcoin", "n_unique_addresses@bitcoin"]
CHARTS = {
    "hash_rate": "hash-rate",
    "transaction_count": "n-transactions",
    "n_unique_addresses": "n-unique-addresses",
}
START, END = datetime(2023, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)


def _stored(sink: JsonlSink) -> pl.DataFrame:
    return sink.read(Kind.METRIC).to_polars().sort("metric", "ts")


def test_a_backfill_stores_every_series_as_the_fake_holds_it(
    bc: BlockchainInfo, fake: FakeBlockchainInfo, tmp_path: Path
) -> None:
    with JsonlSink(tmp_path) as sink:
        report = backfill(bc, "metric", SERIES, "1d", START, END, sink=sink)
        stored = _stored(sink)

    assert report.requests == 3
    for metric, chart in CHARTS.items():
        rows = stored.filter(pl.col("metric") == metric)
        assert dict(
            zip(rows.get_column("ts"), rows.get_column("value"), strict=True)
        ) == fake.truth(chart, START, END)
    assert stored.select(pl.struct(*primary_key(Kind.METRIC)).is_unique().all()).item()


def test_a_rerun_resumes_and_writes_no_duplicates(
    bc: BlockchainInfo, fake: FakeBlockchainInfo, tmp_path: Path
) -> None:
    with JsonlSink(tmp_path) as sink:
        backfill(bc, "metric", SERIES, "1d", START, END, sink=sink)
        first = _stored(sink)
        sent = len(fake.requests)
        backfill(bc, "metric", SERIES, "1d", START, END, sink=sink)
        second = _stored(sink)

    again = fake.requests[sent:]
    # Only the default lag of 2 bars before the newest stored day (2023-12-31) is read again.
    assert {(r.url.params["start"], r.url.params["timespan"]) for r in again} == {
        ("2023-12-29", "3days")
    }
    assert second.equals(first)
    assert second.height == 365 * len(SERIES)


def test_an_asyncio_backfill_stores_the_same_rows(
    bc: BlockchainInfo, fake: FakeBlockchainInfo, clock: ManualClock, tmp_path: Path
) -> None:
    async_client = AsyncBlockchainInfo(clock=clock, http_transport=httpx.MockTransport(fake.handle))
    with JsonlSink(tmp_path / "sync") as sink:
        backfill(bc, "metric", SERIES, "1d", "2023-06-01", "2023-07-01", sink=sink)
        blocking = _stored(sink)
    with JsonlSink(tmp_path / "async") as sink:
        asyncio.run(
            abackfill(async_client, "metric", SERIES, "1d", "2023-06-01", "2023-07-01", sink=sink)
        )
        concurrent = _stored(sink)

    assert concurrent.equals(blocking)
