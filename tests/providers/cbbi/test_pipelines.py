"""CBBI through the pipelines: a backfill into a JsonlSink, and a rerun (a 304) adding nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cryptodata import Cbbi, JsonlSink, Kind
from cryptodata.pipeline import backfill

from .fake import FakeCbbi, truth

START = datetime(2024, 1, 1, tzinfo=UTC)
SERIES = {
    "cbbi_confidence@bitcoin": "Confidence",
    "cbbi_woobull@bitcoin": "Woobull",
    "price@bitcoin": "Price",
}


def _stored(sink: JsonlSink) -> pl.DataFrame:
    return sink.read(Kind.METRIC).to_polars().sort("metric", "ts")


def test_a_backfill_stores_every_series_as_the_fake_holds_it(cb: Cbbi, tmp_path: Path) -> None:
    with JsonlSink(tmp_path) as sink:
        report = backfill(cb, "metric", list(SERIES), "1d", START, sink=sink)
        stored = _stored(sink)

    assert report.requests == 1
    end = datetime.fromtimestamp(cb.clock.time(), UTC)
    for symbol, component in SERIES.items():
        rows = stored.filter(metric=symbol.partition("@")[0])
        assert dict(zip(rows["ts"], rows["value"], strict=True)) == truth(component, START, end)


def test_a_second_backfill_is_a_304_and_adds_no_duplicates(
    cb: Cbbi, fake: FakeCbbi, tmp_path: Path
) -> None:
    with JsonlSink(tmp_path) as sink:
        backfill(cb, "metric", list(SERIES), "1d", START, sink=sink)
        first = _stored(sink)
        downloaded = cb.stats.bytes_received
        backfill(cb, "metric", list(SERIES), "1d", START, sink=sink)
        second = _stored(sink)

    assert cb.stats.bytes_received == downloaded
    assert fake.requests[-1].headers["If-None-Match"] == fake.etag()
    assert second.equals(first)
    assert second.select("metric", "ts").is_duplicated().sum() == 0
