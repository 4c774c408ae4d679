"""`CoinMetrics.asset_metrics` against the fake: exact values, null versus missing, the window,
the mapping to canonical names, entities and units, and what is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import polars as pl
import pytest

from cryptodata import Kind, ResponseFormatError, ValidationError, schema
from cryptodata.core.clock import ManualClock
from cryptodata.core.entities import EntityMaster
from cryptodata.providers.coinmetrics import CoinMetrics

from .fake import FIRST_DAY, FakeCoinMetrics, truth

DAY = timedelta(days=1)


def test_values_are_parsed_exactly_from_their_decimal_text(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", "PriceUSD", start="2024-01-01", end="2024-01-04")

    assert table.to_polars()["value"].to_list() == [42000.005, 42001.015, 42002.025]
    assert [float(text) for text in truth("btc", "PriceUSD").values()][:3] == [
        42000.005,
        42001.015,
        42002.025,
    ]


def test_the_rows_carry_the_metric_kinds_schema_and_canonical_names(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", "AdrActCnt", start="2024-01-01", end="2024-01-02")

    assert table.kind is Kind.METRIC
    assert table.to_polars().schema == schema(Kind.METRIC)
    assert table.to_polars().row(0) == (
        "coinmetrics",
        "bitcoin",
        "active_addresses",
        "1d",
        FIRST_DAY,
        800_000.0,
        "addresses",
        "btc",
    )


def test_a_canonical_name_asks_for_its_coin_metrics_metric(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    table = cm.asset_metrics(
        "btc", ["active_addresses", "TxCnt"], start="2024-01-01", end="2024-01-02"
    )

    (request,) = fake.requests
    assert request.url.params["metrics"] == "AdrActCnt,TxCnt"
    assert sorted(table.to_polars()["metric"]) == ["active_addresses", "transaction_count"]


def test_a_null_value_is_a_row_with_a_null_value(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", "TxCnt", start="2024-01-04", end="2024-01-05")

    assert table.to_polars().select("ts", "value").rows() == [(FIRST_DAY + 3 * DAY, None)]
    assert table.warnings == []


def test_a_metric_missing_from_an_assets_rows_makes_no_rows_and_a_warning(
    cm: CoinMetrics,
) -> None:
    table = cm.asset_metrics(
        ["btc", "eth"], ["AdrActCnt", "HashRate"], start="2024-01-01", end="2024-01-03"
    )

    frame = table.to_polars()
    assert frame.group_by("provider_id", "metric").len().sort("provider_id", "metric").rows() == [
        ("btc", "active_addresses", 2),
        ("btc", "hash_rate", 2),
        ("eth", "active_addresses", 2),
    ]
    assert table.warnings == [
        "Coin Metrics does not serve HashRate for eth at 1d (missing from every row): no rows for it"
    ]


def test_an_asset_that_answers_no_rows_is_reported(cm: CoinMetrics) -> None:
    table = cm.asset_metrics(["btc", "doge"], "AdrActCnt", start="2024-01-01", end="2024-01-02")

    assert set(table.to_polars()["provider_id"]) == {"btc"}
    assert table.warnings == ["Coin Metrics answered no 1d rows for doge in the window"]


def test_unmapped_metrics_keep_their_name_in_snake_case_with_no_unit() -> None:
    fake = FakeCoinMetrics()
    rows = {"data": [{"asset": "btc", "time": "2024-01-01T00:00:00.000000000Z", "NVTAdj": "41.5"}]}
    fake.handler = lambda request: httpx.Response(200, json=rows)
    with CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        table = cm.asset_metrics("btc", "NVTAdj", start="2024-01-01", end="2024-01-02")

    assert table.to_polars().select("metric", "value", "unit").row(0) == ("nvt_adj", 41.5, "")


def test_hash_rate_is_converted_to_terahashes_per_second_per_asset(cm: CoinMetrics) -> None:
    table = cm.asset_metrics(["btc", "xmr"], "hash_rate", start="2024-01-01", end="2024-01-02")

    frame = table.to_polars().sort("provider_id")
    assert frame.select("provider_id", "value", "unit").rows() == [
        ("btc", 500_000_000.0, "terahashes_per_second"),
        ("xmr", 500_000_000 * 1e-6, "terahashes_per_second"),  # megahashes per second
    ]


def test_hash_rate_of_an_asset_whose_unit_is_unknown_is_left_out_with_a_warning() -> None:
    fake = FakeCoinMetrics()
    rows = {"data": [{"asset": "kas", "time": "2024-01-01T00:00:00.000000000Z", "HashRate": "9"}]}
    fake.handler = lambda request: httpx.Response(200, json=rows)
    with CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        table = cm.asset_metrics("kas", "HashRate", start="2024-01-01", end="2024-01-02")

    assert len(table) == 0
    assert "left out HashRate of kas" in table.warnings[0]


def test_the_window_is_sent_half_open(cm: CoinMetrics, fake: FakeCoinMetrics) -> None:
    cm.asset_metrics("btc", "AdrActCnt", start="2024-01-01", end="2024-01-05")

    params = fake.requests[0].url.params
    assert (params["start_time"], params["end_time"], params["end_inclusive"]) == (
        "2024-01-01T00:00:00Z",
        "2024-01-05T00:00:00Z",
        "false",
    )
    assert "start_inclusive" not in params  # inclusive by default, as a half-open start is


def test_the_bar_at_end_is_not_returned(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", "AdrActCnt", start="2024-01-01", end="2024-01-05")

    assert table.to_polars()["ts"].to_list() == [FIRST_DAY + day * DAY for day in range(4)]


def test_a_bar_outside_the_window_is_dropped_even_if_the_server_sends_it() -> None:
    fake = FakeCoinMetrics()
    rows = {
        "data": [
            {"asset": "btc", "time": f"2024-01-0{day}T00:00:00.000000000Z", "AdrActCnt": "1"}
            for day in (1, 2, 3)
        ]
    }
    fake.handler = lambda request: httpx.Response(200, json=rows)
    with CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        table = cm.asset_metrics("btc", "AdrActCnt", start="2024-01-02", end="2024-01-03")

    assert table.to_polars()["ts"].to_list() == [datetime(2024, 1, 2, tzinfo=UTC)]


def test_a_sub_second_bound_is_sent_with_its_microseconds(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    cm.asset_metrics(
        "btc",
        "AdrActCnt",
        interval="1h",
        start=datetime(2024, 1, 1, 0, 0, 0, 250_000, tzinfo=UTC),
        end="2024-01-02",
    )

    assert fake.requests[0].url.params["start_time"] == "2024-01-01T00:00:00.250000Z"


def test_nanosecond_times_are_cut_to_the_millisecond() -> None:
    fake = FakeCoinMetrics()
    rows = {"data": [{"asset": "btc", "time": "2024-01-01T10:00:00.123456789Z", "AdrActCnt": "1"}]}
    fake.handler = lambda request: httpx.Response(200, json=rows)
    with CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        table = cm.asset_metrics(
            "btc", "AdrActCnt", interval="1h", start="2024-01-01", end="2024-01-02"
        )

    assert table.to_polars()["ts"].to_list() == [
        datetime(2024, 1, 1, 10, 0, 0, 123_000, tzinfo=UTC)
    ]


def test_a_value_that_is_not_decimal_text_is_a_response_format_error() -> None:
    fake = FakeCoinMetrics()
    rows = {
        "data": [{"asset": "btc", "time": "2024-01-01T00:00:00.000000000Z", "AdrActCnt": "n/a"}]
    }
    fake.handler = lambda request: httpx.Response(200, json=rows)
    with (
        CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm,
        pytest.raises(ResponseFormatError, match="not decimal text"),
    ):
        cm.asset_metrics("btc", "AdrActCnt", start="2024-01-01", end="2024-01-02")


def test_a_page_of_another_shape_is_a_response_format_error() -> None:
    fake = FakeCoinMetrics()
    fake.handler = lambda request: httpx.Response(200, json={"data": {"asset": "btc"}})
    with (
        CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm,
        pytest.raises(ResponseFormatError, match="not an asset-metrics page"),
    ):
        cm.asset_metrics("btc", "AdrActCnt", start="2024-01-01", end="2024-01-02")


def test_a_bad_parameter_envelope_in_a_200_is_a_bad_request_error() -> None:
    from cryptodata import BadRequestError

    fake = FakeCoinMetrics()
    envelope = {"error": {"type": "bad_parameter", "message": "Bad 'frequency' parameter."}}
    fake.handler = lambda request: httpx.Response(200, json=envelope)
    with (
        CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm,
        pytest.raises(BadRequestError, match="Bad 'frequency' parameter") as caught,
    ):
        cm.asset_metrics("btc", "AdrActCnt", start="2024-01-01", end="2024-01-02")

    assert caught.value.status == 200
    assert len(fake.requests) == 1


def test_the_entity_masters_overrides_name_the_entity(fake: FakeCoinMetrics) -> None:
    master = EntityMaster([]).load(
        {"xmr-network": {"name": "Monero network", "ids": {"coinmetrics": ["xmr"]}}}
    )
    with CoinMetrics(
        clock=ManualClock(), http_transport=httpx.MockTransport(fake), entities=master
    ) as cm:
        table = cm.asset_metrics("xmr", "HashRate", start="2024-01-01", end="2024-01-02")

    assert table.to_polars()["entity"].to_list() == ["xmr-network"]


def test_an_asset_the_master_does_not_know_is_slugged(fake: FakeCoinMetrics) -> None:
    with CoinMetrics(
        clock=ManualClock(), http_transport=httpx.MockTransport(fake), entities=EntityMaster([])
    ) as cm:
        table = cm.asset_metrics("xmr", "HashRate", start="2024-01-01", end="2024-01-02")

    assert table.to_polars()["entity"].to_list() == ["xmr"]


def test_the_interval_becomes_coin_metrics_frequency(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    cm.asset_metrics("btc", "AdrActCnt", interval="1h", start="2024-01-01", end="2024-01-02")

    assert fake.requests[0].url.params["frequency"] == "1h"


@pytest.mark.parametrize(
    ("assets", "metrics", "message"),
    [
        ("BTC", "AdrActCnt", "lower case: 'btc'"),
        ("btc", "Adr,ActCnt", "malformed metric"),
        ("btc", "", "metrics must hold non-empty strings"),
        ([], "AdrActCnt", "assets"),
    ],
)
def test_bad_names_are_refused_before_any_request(
    cm: CoinMetrics, fake: FakeCoinMetrics, assets: str, metrics: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        cm.asset_metrics(assets, metrics, start="2024-01-01", end="2024-01-02")

    assert fake.requests == []


def test_rows_are_sorted_by_series_then_time(cm: CoinMetrics) -> None:
    table = cm.asset_metrics(
        ["eth", "btc"], ["TxCnt", "AdrActCnt"], start="2024-01-01", end="2024-01-03"
    )

    frame = table.to_polars()
    assert frame.equals(frame.sort("provider_id", "metric", "ts"))
    assert frame.group_by("provider_id", "metric").len().sort("provider_id", "metric").rows() == [
        ("btc", "active_addresses", 2),
        ("btc", "transaction_count", 2),
        ("eth", "active_addresses", 2),
        ("eth", "transaction_count", 2),
    ]
    assert frame.filter(pl.col("provider_id") == "eth")["entity"].unique().to_list() == ["ethereum"]
