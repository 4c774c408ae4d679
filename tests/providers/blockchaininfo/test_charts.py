"""The chart catalogue: names, metrics, units, intervals, and unknown charts refused early."""

from __future__ import annotations

import pytest

from cryptodata import BlockchainInfo, Interval, ValidationError
from providers.blockchaininfo.fake import FakeBlockchainInfo


def test_the_catalogue_maps_the_seed_charts_to_canonical_metrics(bc: BlockchainInfo) -> None:
    found = {chart.name: (chart.metric, chart.unit) for chart in bc.charts()}

    assert found["hash-rate"] == ("hash_rate", "terahashes_per_second")
    assert found["n-transactions"] == ("transaction_count", "transactions")
    assert found["total-bitcoins"] == ("circulating_supply", "native")
    assert found["market-price"] == ("price", "usd")
    assert found["market-cap"] == ("market_cap", "usd")
    assert found["miners-revenue"] == ("miners_revenue_usd", "usd")
    assert found["avg-block-size"] == ("avg_block_size", "bytes")
    assert found["estimated-transaction-volume-usd"] == ("transfer_volume_usd", "usd")
    assert found["transactions-per-second"] == ("transactions_per_second", "transactions")


def test_unmapped_charts_keep_their_name_in_snake_case_and_their_own_unit(
    bc: BlockchainInfo,
) -> None:
    found = {chart.name: chart for chart in bc.charts()}

    assert (found["n-unique-addresses"].metric, found["n-unique-addresses"].mapped) == (
        "n_unique_addresses",
        False,
    )
    assert found["transaction-fees"].unit == "BTC"


def test_mempool_and_rate_charts_are_15_minute_charts_and_the_rest_daily(
    bc: BlockchainInfo,
) -> None:
    intraday = {chart.name for chart in bc.charts() if chart.interval is Interval.M15}

    assert intraday == {"mempool-size", "mempool-count", "transactions-per-second"}


def test_avg_block_size_is_scaled_from_megabytes_to_bytes(bc: BlockchainInfo) -> None:
    chart = next(chart for chart in bc.charts() if chart.name == "avg-block-size")

    assert chart.scale == 1_000_000.0


@pytest.mark.parametrize("given", ["hash-rate", "hash_rate", "HASH-RATE", " hash_rate "])
def test_a_chart_is_named_by_its_name_or_its_metric_in_any_case(
    bc: BlockchainInfo, fake: FakeBlockchainInfo, given: str
) -> None:
    bc.chart(given, start="2024-01-01", end="2024-01-02")

    assert [r.url.path for r in fake.requests] == ["/charts/hash-rate"]


def test_an_unknown_chart_is_refused_by_name_before_any_request(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    with pytest.raises(
        ValidationError, match=r"unknown blockchain.info chart 'hash-rates'.*hash-rate"
    ):
        bc.chart("hash-rates", start="2024-01-01")

    assert fake.requests == []
