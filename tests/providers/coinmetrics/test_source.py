"""Coin Metrics as a source: steps batch assets x metrics, `fetch` returns exactly a step's
rows, `series` names them, and a backfill into a file sink stores the fake's truth once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import polars as pl
import pytest

from cryptodata import JsonlSink, Kind, ParquetSink, Source, UnsupportedError
from cryptodata.core.clock import ManualClock
from cryptodata.core.metric_names import metric_symbol
from cryptodata.pipeline import abackfill, backfill
from cryptodata.providers.coinmetrics import AsyncCoinMetrics, CoinMetrics

from .conftest import NOW
from .fake import DAYS, FIRST_DAY, FakeCoinMetrics, truth

END = FIRST_DAY + timedelta(days=DAYS)
SYMBOLS = [
    metric_symbol("btc", "active_addresses"),
    metric_symbol("btc", "transaction_count"),
    metric_symbol("eth", "active_addresses"),
    metric_symbol("eth", "transaction_count"),
]


def stored_truth() -> dict[tuple[str, str, object], float | None]:
    return {
        (asset, name, ts): None if text is None else float(text)
        for asset in ("btc", "eth")
        for metric, name in (("AdrActCnt", "active_addresses"), ("TxCnt", "transaction_count"))
        for ts, text in truth(asset, metric).items()
    }


def test_the_client_is_a_source(cm: CoinMetrics) -> None:
    assert isinstance(cm, Source)
    assert cm.markets().kind is Kind.MARKETS
    assert len(cm.markets()) == 0


def test_assets_asking_the_same_metrics_share_one_step(cm: CoinMetrics) -> None:
    steps = cm.history_steps("metric", SYMBOLS, interval="1d", start=FIRST_DAY, end=END)

    assert [(step.symbols, step.start, step.end, step.cost) for step in steps] == [
        (tuple(SYMBOLS), FIRST_DAY, END, 1)
    ]


def test_assets_asking_different_metrics_get_their_own_steps(cm: CoinMetrics) -> None:
    symbols = ["price@btc", "TxCnt@btc", "price@eth"]

    steps = cm.history_steps("metric", symbols, interval="1d", start=FIRST_DAY, end=END)

    assert [step.symbols for step in steps] == [("price@btc", "TxCnt@btc"), ("price@eth",)]


def test_a_step_asks_for_exactly_its_assets_and_metrics(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    (step,) = cm.history_steps("metric", SYMBOLS, interval="1d", start=FIRST_DAY, end=END)

    table = cm.fetch(step)

    (request,) = fake.requests
    assert (request.url.params["assets"], request.url.params["metrics"]) == (
        "btc,eth",
        "AdrActCnt,TxCnt",
    )
    assert len(table) == 4 * DAYS


def test_series_names_the_key_columns_of_each_symbols_rows(cm: CoinMetrics) -> None:
    ids = cm.series("metric", ["active_addresses@btc", "CapRealUSD@eth"], interval="1d")

    assert ids == {
        "active_addresses@btc": {
            "provider": "coinmetrics",
            "provider_id": "btc",
            "metric": "active_addresses",
            "interval": "1d",
        },
        "CapRealUSD@eth": {
            "provider": "coinmetrics",
            "provider_id": "eth",
            "metric": "realized_cap",
            "interval": "1d",
        },
    }


def test_another_kind_or_interval_is_unsupported_before_any_request(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    with pytest.raises(UnsupportedError):
        cm.history_steps("ohlcv", SYMBOLS, interval="1d", start=FIRST_DAY)
    with pytest.raises(UnsupportedError, match="offers 1m, 1h, 1d"):
        cm.history_steps("metric", SYMBOLS, interval="4h", start=FIRST_DAY)

    assert fake.requests == []


def test_a_backfill_into_a_file_sink_stores_the_fakes_truth(
    cm: CoinMetrics, fake: FakeCoinMetrics, tmp_path: Path
) -> None:
    with JsonlSink(tmp_path) as sink:
        report = backfill(cm, "metric", SYMBOLS, "1d", FIRST_DAY, END, sink=sink)
        frame = sink.read(Kind.METRIC).to_polars()

    assert report.rows_written == 4 * DAYS
    assert len(fake.requests) == 1
    got = {row[:3]: row[3] for row in frame.select("provider_id", "metric", "ts", "value").rows()}
    assert got == stored_truth()
    assert set(frame["entity"]) == {"bitcoin", "ethereum"}


def test_a_rerun_of_the_backfill_adds_no_duplicates(cm: CoinMetrics, tmp_path: Path) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(cm, "metric", SYMBOLS, "1d", FIRST_DAY, END, sink=sink)
        backfill(cm, "metric", SYMBOLS, "1d", FIRST_DAY, END, sink=sink)
        frame = sink.read(Kind.METRIC).to_polars()

    assert frame.height == 4 * DAYS
    assert frame.select("provider_id", "metric", "ts").is_unique().all()


def test_a_rerun_resumes_near_the_newest_stored_bar(
    cm: CoinMetrics, fake: FakeCoinMetrics, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(cm, "metric", SYMBOLS, "1d", FIRST_DAY, END - timedelta(days=10), sink=sink)
        backfill(cm, "metric", SYMBOLS, "1d", FIRST_DAY, END, sink=sink)
        frame = sink.read(Kind.METRIC).to_polars()

    second = fake.requests[-1].url.params["start_time"]
    assert second > "2024-03-01"
    assert frame.height == 4 * DAYS


def test_a_forbidden_series_in_a_backfill_is_reported_and_the_others_stored(
    cm: CoinMetrics, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        report = backfill(
            cm, "metric", ["price@btc", "CapRealUSD@btc"], "1d", FIRST_DAY, END, sink=sink
        )
        frame = sink.read(Kind.METRIC).to_polars()

    assert set(frame["metric"]) == {"price"}
    assert any("refused CapRealUSD of btc" in warning for warning in report.warnings)


def test_the_async_backfill_stores_what_the_blocking_one_does(
    fake: FakeCoinMetrics, tmp_path: Path
) -> None:
    async def main() -> pl.DataFrame:
        async with AsyncCoinMetrics(
            clock=ManualClock(start=NOW), http_transport=httpx.MockTransport(fake)
        ) as cm:
            with JsonlSink(tmp_path) as sink:
                await abackfill(cm, "metric", SYMBOLS, "1d", FIRST_DAY, END, sink=sink)
                return sink.read(Kind.METRIC).to_polars()

    frame = asyncio.run(main())

    got = {row[:3]: row[3] for row in frame.select("provider_id", "metric", "ts", "value").rows()}
    assert got == stored_truth()


def test_more_than_10_assets_or_20_metrics_are_split_into_more_requests(cm: CoinMetrics) -> None:
    assets = [f"a{i:02d}" for i in range(12)]
    metrics = [f"M{i:02d}" for i in range(25)]

    by_asset = cm.history_steps(
        "metric", [f"price@{a}" for a in assets], interval="1d", start=FIRST_DAY, end=END
    )
    by_metric = cm.history_steps(
        "metric", [f"{m}@btc" for m in metrics], interval="1d", start=FIRST_DAY, end=END
    )

    assert [len(step.symbols) for step in by_asset] == [10, 2]
    assert [len(step.symbols) for step in by_metric] == [20, 5]
