"""DefiLlama through the pipelines: a real backfill into a JsonlSink, and a rerun that adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cryptodata import DefiLlama, JsonlSink, Kind
from cryptodata.core.metric_names import metric_symbol
from cryptodata.pipeline import backfill

from .fake import FakeDefiLlama, truth

START = datetime(2024, 12, 1, tzinfo=UTC)
SERIES = [
    metric_symbol("Ethereum", "chain_tvl"),
    metric_symbol("aave", "fees_24h"),
    metric_symbol("Ethereum", "stablecoin_supply"),
    metric_symbol("coingecko:bitcoin", "price"),
]


def _stored(sink: JsonlSink) -> pl.DataFrame:
    return sink.read(Kind.METRIC).to_polars().sort("provider_id", "metric", "ts")


def test_a_backfill_stores_every_series_as_the_fake_holds_it(ll: DefiLlama, tmp_path: Path) -> None:
    with JsonlSink(tmp_path) as sink:
        report = backfill(ll, "metric", SERIES, "1d", START, sink=sink)
        stored = _stored(sink)

    assert report.requests == 4
    end = datetime.fromtimestamp(ll.clock.time(), UTC)
    for symbol in SERIES:
        metric, _, provider_id = symbol.partition("@")
        rows = stored.filter(provider_id=provider_id, metric=metric)
        assert dict(zip(rows["ts"], rows["value"], strict=True)) == truth(
            provider_id, metric, START, end
        )


def test_a_second_backfill_adds_no_duplicates(
    ll: DefiLlama, fake: FakeDefiLlama, tmp_path: Path
) -> None:
    with JsonlSink(tmp_path) as sink:
        backfill(ll, "metric", SERIES, "1d", START, sink=sink)
        first = _stored(sink)
        before = len(fake.requests)
        again = backfill(ll, "metric", SERIES, "1d", START, sink=sink)
        second = _stored(sink)

    assert again.requests == 4
    assert len(fake.requests) - before == 4  # catalogues are cached: data requests only
    assert second.equals(first)
    assert second.select("provider_id", "metric", "ts").is_duplicated().sum() == 0
