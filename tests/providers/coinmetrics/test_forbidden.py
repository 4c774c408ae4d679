"""One forbidden metric fails a whole Coin Metrics request: it is split out and reported, and
the other metrics still arrive; only a request with nothing allowed raises."""

from __future__ import annotations

import httpx
import pytest

from cryptodata import AuthenticationError, Table
from cryptodata.providers.coinmetrics import CoinMetrics, ForbiddenMetricsError

from .fake import FakeCoinMetrics

WINDOW = {"start": "2024-01-01", "end": "2024-01-03"}


def asked(fake: FakeCoinMetrics) -> list[tuple[str, str]]:
    return [(r.url.params["assets"], r.url.params["metrics"]) for r in fake.data_requests()]


def series(table: Table) -> list[tuple[str, str]]:
    frame = table.to_polars().select("provider_id", "metric").unique()
    return sorted(frame.rows())


def test_a_forbidden_metric_is_split_out_and_the_others_are_returned(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    table = cm.asset_metrics("btc", ["AdrActCnt", "CapRealUSD", "TxCnt"], **WINDOW)

    assert series(table) == [("btc", "active_addresses"), ("btc", "transaction_count")]
    assert asked(fake) == [("btc", "AdrActCnt,CapRealUSD,TxCnt"), ("btc", "AdrActCnt,TxCnt")]


def test_the_forbidden_metric_is_named_in_the_warnings(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", ["AdrActCnt", "CapRealUSD"], **WINDOW)

    assert table.warnings == [
        "Coin Metrics refused CapRealUSD of btc to these credentials (forbidden: community "
        "serves a subset, see catalog()); left out, the other metrics are here"
    ]


def test_a_forbidden_envelope_in_a_200_is_split_out_the_same_way(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    fake.forbidden_status = 200

    table = cm.asset_metrics("btc", ["AdrActCnt", "CapRealUSD"], **WINDOW)

    assert series(table) == [("btc", "active_addresses")]
    assert "refused CapRealUSD of btc" in table.warnings[0]


def test_each_asset_is_asked_again_for_the_forbidden_metric_alone(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    table = cm.asset_metrics(["btc", "eth"], ["AdrActCnt", "CapRealUSD"], **WINDOW)

    assert series(table) == [("btc", "active_addresses"), ("eth", "active_addresses")]
    assert asked(fake) == [
        ("btc,eth", "AdrActCnt,CapRealUSD"),
        ("btc,eth", "AdrActCnt"),
        ("eth", "CapRealUSD"),
    ]
    assert "refused CapRealUSD of btc, CapRealUSD of eth" in table.warnings[0]


def test_a_message_that_names_no_metric_is_bisected_to_the_forbidden_one(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    fake.name_forbidden = False

    table = cm.asset_metrics("btc", ["AdrActCnt", "TxCnt", "PriceUSD", "NVTAdj"], **WINDOW)

    assert series(table) == [
        ("btc", "active_addresses"),
        ("btc", "price"),
        ("btc", "transaction_count"),
    ]
    assert asked(fake) == [
        ("btc", "AdrActCnt,TxCnt,PriceUSD,NVTAdj"),
        ("btc", "AdrActCnt,TxCnt"),
        ("btc", "PriceUSD,NVTAdj"),
        ("btc", "PriceUSD"),
        ("btc", "NVTAdj"),
    ]
    assert "refused NVTAdj of btc" in table.warnings[0]


def test_a_message_that_names_no_asset_is_bisected_over_the_assets(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    answered: list[str] = []

    def only_eth_refused(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if "eth" in params["assets"].split(",") and "TxCnt" in params["metrics"]:
            message = "Requested metric 'TxCnt' is not available with supplied credentials."
            return httpx.Response(403, json={"error": {"type": "forbidden", "message": message}})
        answered.append(params["assets"])
        fake.handler = None
        try:
            return fake(request)
        finally:
            fake.handler = only_eth_refused

    fake.handler = only_eth_refused
    table = cm.asset_metrics(["btc", "eth"], "TxCnt", **WINDOW)

    assert series(table) == [("btc", "transaction_count")]
    assert answered == ["btc"]
    assert "refused TxCnt of eth" in table.warnings[0]


def test_every_metric_forbidden_is_a_typed_error_naming_them(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    with pytest.raises(ForbiddenMetricsError) as caught:
        cm.asset_metrics(["btc", "eth"], ["CapRealUSD", "NVTAdj"], **WINDOW)

    error = caught.value
    assert isinstance(error, AuthenticationError)
    assert set(error.refused) == {
        ("btc", "CapRealUSD"),
        ("btc", "NVTAdj"),
        ("eth", "CapRealUSD"),
        ("eth", "NVTAdj"),
    }
    assert error.status == 403
    assert "every metric asked for is forbidden" in str(error)


def test_another_403_is_not_taken_for_a_forbidden_metric(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    fake.handler = lambda request: httpx.Response(
        403, json={"error": {"type": "unauthorized", "message": "Requested API key is invalid."}}
    )

    with pytest.raises(AuthenticationError, match="Requested API key is invalid") as caught:
        cm.asset_metrics("btc", ["AdrActCnt", "TxCnt"], **WINDOW)

    assert not isinstance(caught.value, ForbiddenMetricsError)
    assert len(fake.requests) == 1


def test_a_refused_pair_is_not_asked_again_and_still_reported(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    cm.asset_metrics("btc", ["AdrActCnt", "CapRealUSD"], **WINDOW)
    before = len(fake.requests)

    table = cm.asset_metrics("btc", ["AdrActCnt", "CapRealUSD"], **WINDOW)

    assert asked(fake)[before:] == [("btc", "AdrActCnt")]
    assert "refused CapRealUSD of btc" in table.warnings[0]


def test_the_windows_after_a_refusal_are_planned_without_the_refused_pair(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    table = cm.asset_metrics(
        "btc", ["AdrActCnt", "CapRealUSD"], interval="1m", start="2024-01-01", end="2024-01-22"
    )

    metrics = [metric for _, metric in asked(fake)]
    assert metrics[:2] == ["AdrActCnt,CapRealUSD", "AdrActCnt"]
    assert set(metrics[2:]) == {"AdrActCnt"}
    assert len(metrics) == 2 + 3  # 30,240 minutes: four windows of at most 10,000 bars
    assert set(table.to_polars()["metric"]) <= {"active_addresses"}


def test_a_call_of_refused_pairs_only_raises_without_a_request(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    with pytest.raises(ForbiddenMetricsError):
        cm.asset_metrics("btc", "CapRealUSD", **WINDOW)
    before = len(fake.requests)

    with pytest.raises(ForbiddenMetricsError, match="CapRealUSD of btc"):
        cm.asset_metrics("btc", "CapRealUSD", **WINDOW)

    assert len(fake.requests) == before
