"""`MarketData.onchain_summary`: each metric's newest value, time and source, gaps said out loud."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest

from cryptodata import MarketData, UnknownEntityError, ValidationError
from cryptodata.marketdata.summary import SUMMARY_METRICS
from fakes.research import NOW, Research

METRICS = {"network": ("hash_rate",), "valuation": ("price", "sopr"), "sentiment": ("fear_greed",)}


def rows(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["metric"]: row for row in frame.iter_rows(named=True)}


def test_there_is_one_row_per_metric_in_the_summarys_order() -> None:
    with MarketData([Research("coinmetrics", ("hash_rate", "price"))]) as md:
        frame, _ = md.onchain_summary("BTC")

    assert frame.select("group", "metric").rows() == [
        (group, metric) for group, names in SUMMARY_METRICS.items() for metric in names
    ]


def test_each_metric_has_its_newest_value_time_and_source() -> None:
    with MarketData([Research("coinmetrics", ("hash_rate", "price"), value=7.0)]) as md:
        frame, report = md.onchain_summary("BTC", metrics=METRICS)

    price = rows(frame)["price"]
    assert (price["value"], price["provider"], price["provider_id"]) == (7.0, "coinmetrics", "btc")
    assert price["ts"] == NOW - timedelta(days=1)  # the last day before the source's now
    assert price["error"] is None
    assert report.ok


def test_a_provider_behind_the_facades_clock_answers_from_its_own() -> None:
    late = NOW - timedelta(days=400)
    sources = [
        Research("coinmetrics", ("hash_rate",)),
        Research("feargreed", ("fear_greed",), now=late),
    ]
    with MarketData(sources) as md:
        frame, _ = md.onchain_summary("BTC", metrics=METRICS)

    assert rows(frame)["fear_greed"]["ts"] == late - timedelta(days=1)
    assert rows(frame)["fear_greed"]["entity"] == "crypto-market"


def test_a_metric_no_provider_offers_has_no_value_and_says_where_it_is_sold() -> None:
    with MarketData([Research("coinmetrics", ("hash_rate", "price"))]) as md:
        frame, _ = md.onchain_summary("BTC", metrics=METRICS)

    sopr = rows(frame)["sopr"]
    assert sopr["value"] is None
    assert "no public, documented, keyless API serves it" in sopr["error"]


def test_a_failed_provider_leaves_the_others_rows_and_names_its_error() -> None:
    sources = [
        Research("coinmetrics", ("hash_rate",)),
        Research("artemis", ("price",), fail=True),
    ]
    with MarketData(sources) as md:
        frame, report = md.onchain_summary("BTC", metrics=METRICS)

    assert rows(frame)["hash_rate"]["value"] == 1.0
    assert rows(frame)["price"]["error"].startswith("TransportError: ")
    assert len(report.failures) == 1


def test_a_provider_with_nothing_in_the_window_is_a_gap_said_out_loud() -> None:
    with MarketData([Research("coinmetrics", ("hash_rate",), empty=True)]) as md:
        frame, _ = md.onchain_summary("BTC", metrics=METRICS)

    assert rows(frame)["hash_rate"]["error"] == "no value in the window asked"


def test_an_unknown_asset_is_refused_before_any_request() -> None:
    source = Research("coinmetrics", ("hash_rate",))
    with MarketData([source]) as md, pytest.raises(UnknownEntityError):
        md.onchain_summary("NOPE-COIN")

    assert source.asked == []


@pytest.mark.parametrize("lookback", [0, -1, float("inf")])
def test_a_lookback_that_is_not_a_positive_number_of_days_is_refused(lookback: float) -> None:
    source = Research("coinmetrics", ("hash_rate",))
    with MarketData([source]) as md, pytest.raises(ValidationError, match="lookback"):
        md.onchain_summary("BTC", lookback=lookback)


def test_the_summary_works_offline_on_the_bundled_samples() -> None:
    with MarketData(offline=True) as md:
        frame, _ = md.onchain_summary("BTC")

    answered = frame.filter(pl.col("value").is_not_null())
    assert {"hash_rate", "price", "active_addresses"} <= set(answered["metric"])
    assert frame.filter(pl.col("value").is_null())["error"].null_count() == 0
