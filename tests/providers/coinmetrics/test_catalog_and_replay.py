"""The metric catalogue per asset and frequency, and the bundled replay client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import polars as pl

from cryptodata.providers.coinmetrics import CoinMetrics
from cryptodata.providers.coinmetrics.parse import CATALOG_SCHEMA
from cryptodata.providers.coinmetrics.replay import (
    DAILY,
    SAMPLE_ASSETS,
    sample_async_client,
    sample_client,
)

from .fake import FakeCoinMetrics

METRICS = ["AdrActCnt", "TxCnt", "SplyCur", "PriceUSD", "CapMrktCurUSD", "HashRate"]


def test_the_catalog_lists_each_metric_per_frequency_with_its_span(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    frame = cm.catalog("btc")

    assert frame.schema == CATALOG_SCHEMA
    assert fake.requests[0].url.params["assets"] == "btc"
    daily = frame.filter(pl.col("frequency") == "1d")
    assert daily.select("metric", "canonical", "unit").rows() == [
        ("AdrActCnt", "active_addresses", "addresses"),
        ("TxCnt", "transaction_count", "transactions"),
        ("PriceUSD", "price", "usd"),
        ("HashRate", "hash_rate", "terahashes_per_second"),
    ]
    assert daily.select("min_time", "max_time").unique().rows() == [
        (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 31, tzinfo=UTC))
    ]


def test_a_frequency_without_a_canonical_interval_has_a_null_interval(cm: CoinMetrics) -> None:
    frame = cm.catalog("btc").filter(pl.col("frequency") == "1b")

    assert frame["interval"].null_count() == frame.height > 0
    assert frame["max_time"].null_count() == frame.height


def test_the_replay_client_answers_from_the_bundled_samples() -> None:
    with sample_client() as cm:
        table = cm.asset_metrics(SAMPLE_ASSETS, METRICS, start=DAILY[0], end=DAILY[1])

    frame = table.to_polars()
    assert frame.group_by("provider_id").len().sort("provider_id").rows() == [
        ("btc", 30),
        ("eth", 25),
    ]
    assert (
        frame.filter((pl.col("provider_id") == "btc") & (pl.col("metric") == "transaction_count"))[
            "value"
        ].null_count()
        == 1
    )
    assert table.warnings == [
        "Coin Metrics does not serve HashRate for eth at 1d (missing from every row): no rows for it"
    ]


def test_the_async_replay_client_returns_what_the_blocking_one_does() -> None:
    async def main() -> pl.DataFrame:
        async with sample_async_client() as cm:
            table = await cm.asset_metrics(SAMPLE_ASSETS, METRICS, start=DAILY[0], end=DAILY[1])
            return table.to_polars()

    with sample_client() as cm:
        blocking = cm.asset_metrics(SAMPLE_ASSETS, METRICS, start=DAILY[0], end=DAILY[1])

    assert asyncio.run(main()).equals(blocking.to_polars())


def test_the_replay_catalog_lists_the_sampled_metrics() -> None:
    with sample_client() as cm:
        frame = cm.catalog(list(SAMPLE_ASSETS))

    assert frame.group_by("asset").len().sort("asset").rows() == [("btc", 6), ("eth", 5)]


def test_a_step_gives_only_its_own_series_when_the_answer_holds_others() -> None:
    # The replay answers its whole recording (btc and eth) whatever the assets asked.
    with sample_client() as cm:
        (step,) = cm.history_steps(
            "metric", ["active_addresses@btc"], interval="1d", start=DAILY[0], end=DAILY[1]
        )
        table = cm.fetch(step)

    assert set(table.to_polars().select("provider_id", "metric").iter_rows()) == {
        ("btc", "active_addresses")
    }
