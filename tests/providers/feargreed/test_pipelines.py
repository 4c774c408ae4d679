"""Fear & Greed through the pipelines: a backfill into a JsonlSink, and a rerun adding nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cryptodata import FearGreed, JsonlSink, Kind, ManualClock
from cryptodata.pipeline import backfill

from .fake import TODAY, FakeFearGreed, truth

START = datetime(2024, 1, 1, tzinfo=UTC)
SERIES = ["fear_greed@crypto-market"]


def _stored(sink: JsonlSink) -> pl.DataFrame:
    return sink.read(Kind.METRIC).to_polars().sort("ts")


def test_a_backfill_stores_the_index_as_the_fake_holds_it(fg: FearGreed, tmp_path: Path) -> None:
    with JsonlSink(tmp_path) as sink:
        report = backfill(fg, "metric", SERIES, "1d", START, sink=sink)
        stored = _stored(sink)

    assert report.requests == 1
    end = datetime.fromtimestamp(fg.clock.time(), UTC)
    assert dict(zip(stored["ts"], stored["value"], strict=True)) == truth(START, end)


def test_a_second_backfill_adds_no_duplicates(fg: FearGreed, tmp_path: Path) -> None:
    with JsonlSink(tmp_path) as sink:
        backfill(fg, "metric", SERIES, "1d", START, sink=sink)
        first = _stored(sink)
        backfill(fg, "metric", SERIES, "1d", START, sink=sink)
        second = _stored(sink)

    assert second.equals(first)
    assert second.select("ts").is_duplicated().sum() == 0


def test_the_next_days_run_replaces_yesterdays_open_value(
    fg: FearGreed, fake: FakeFearGreed, clock: ManualClock, tmp_path: Path
) -> None:
    with JsonlSink(tmp_path) as sink:
        backfill(fg, "metric", SERIES, "1d", START, sink=sink)
        fake.revised = {TODAY: 99}
        clock.advance(86_400)
        backfill(fg, "metric", SERIES, "1d", START, sink=sink)
        stored = _stored(sink)

    assert stored.filter(pl.col("ts") == datetime(2024, 3, 1, tzinfo=UTC))["value"].to_list() == [
        99.0
    ]
    assert stored.select("ts").is_duplicated().sum() == 0
