"""Pipelines run on Artemis through the source protocol: a backfill into a file sink, resumed."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import httpx
import polars as pl

from cryptodata import (
    Artemis,
    AsyncArtemis,
    Kind,
    ManualClock,
    ParquetSink,
    abackfill,
    backfill,
    primary_key,
    update,
)
from cryptodata.core.metric_names import metric_symbol
from providers.artemis.fake import API_KEY, FakeArtemis

SERIES = [
    metric_symbol("sol", "price"),
    metric_symbol("sol", "fees_24h"),
    metric_symbol("eth", "price"),
    metric_symbol("eth", "fees_24h"),
    metric_symbol("btc", "price"),
]
PAIRS = [("sol", "PRICE"), ("sol", "FEES"), ("eth", "PRICE"), ("eth", "FEES"), ("btc", "PRICE")]
NAMES = {"PRICE": "price", "FEES": "fees_24h"}


def _stored(sink: ParquetSink) -> pl.DataFrame:
    return sink.read(Kind.METRIC).to_polars()


def _as_truth(frame: pl.DataFrame) -> set[tuple[str, str, date, float | None]]:
    return {
        (row["provider_id"], row["metric"], row["ts"].date(), row["value"])
        for row in frame.iter_rows(named=True)
    }


def test_a_backfill_stores_every_series_as_the_fake_holds_it(
    ar: Artemis, fake: FakeArtemis, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        report = backfill(ar, "metric", SERIES, "1d", "2023-01-01", "2024-01-01", sink=sink)
        stored = _stored(sink)

    truth = fake.truth(PAIRS, date(2023, 1, 1), date(2024, 1, 1))
    assert _as_truth(stored) == {(s, NAMES[m], d, v) for s, m, d, v in truth}
    assert report.requests == 2  # sol and eth share a request (same metrics); btc alone
    assert stored.select(pl.struct(*primary_key(Kind.METRIC)).is_unique().all()).item()


def test_a_rerun_resumes_and_writes_no_duplicates(
    ar: Artemis, fake: FakeArtemis, clock: ManualClock, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(ar, "metric", SERIES, "1d", "2024-01-01", "2024-02-01", sink=sink)
        first = _stored(sink)
        sent = len(fake.metric_requests())
        backfill(ar, "metric", SERIES, "1d", "2024-01-01", "2024-02-01", sink=sink)
        second = _stored(sink)

    again = fake.metric_requests()[sent:]
    # Only the default lag of 2 bars before the newest stored day (2024-01-31) is read again.
    assert {r.url.params["startDate"] for r in again} == {"2024-01-29"}
    assert second.equals(first)
    assert second.height == 31 * len(SERIES)


def test_an_asyncio_backfill_stores_the_same_rows(
    ar: Artemis, fake: FakeArtemis, clock: ManualClock, tmp_path: Path
) -> None:
    async_client = AsyncArtemis(
        API_KEY, clock=clock, http_transport=httpx.MockTransport(fake.handle)
    )
    with ParquetSink(tmp_path / "sync") as sink:
        backfill(ar, "metric", SERIES, "1d", "2024-01-01", "2024-01-15", sink=sink)
        blocking = _stored(sink)
    with ParquetSink(tmp_path / "async") as sink:
        asyncio.run(
            abackfill(async_client, "metric", SERIES, "1d", "2024-01-01", "2024-01-15", sink=sink)
        )
        concurrent = _stored(sink)

    assert concurrent.equals(blocking)


def test_an_update_without_series_brings_every_stored_series_up_to_now(
    ar: Artemis, fake: FakeArtemis, clock: ManualClock, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(ar, "metric", SERIES[:2], "1d", "2024-01-01", "2024-02-01", sink=sink)
        report = update(ar, "metric", None, "1d", sink=sink, end="2024-02-11")
        stored = _stored(sink)

    # The stored series are named by the sink (`"<metric>@<provider id>"`), nothing else.
    asked = {symbol for step in report.plan.steps for symbol in step.symbols}
    assert asked == set(SERIES[:2])
    assert stored.group_by("metric").agg(pl.col("ts").max()).get_column(
        "ts"
    ).dt.day().to_list() == [
        10,
        10,
    ]
