"""Live checks of the Coin Metrics reference's facts the fake relies on, on the community API.

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). Every request goes through one
10-per-6-s limiter, the community budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from cryptodata import SlidingWindowLimiter
from cryptodata.providers.coinmetrics import CoinMetrics

pytestmark = pytest.mark.live

BASE = "https://community-api.coinmetrics.io/v4"
WINDOW = {"start": "2024-01-01", "end": "2024-01-04"}


@pytest.fixture(scope="module")
def limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(10, 6.0)


@pytest.fixture(scope="module")
def cm(limiter: SlidingWindowLimiter) -> Iterator[CoinMetrics]:
    with CoinMetrics(api_key=None, limiter=limiter) as client:
        yield client


def raw(limiter: SlidingWindowLimiter, path: str, **params: str) -> httpx.Response:
    limiter.acquire(1)
    return httpx.get(BASE + path, params=params, timeout=30)


def test_values_are_decimal_text_and_times_have_nanoseconds(limiter: SlidingWindowLimiter) -> None:
    body = raw(
        limiter,
        "/timeseries/asset-metrics",
        assets="btc",
        metrics="PriceUSD",
        start_time="2024-01-01",
        end_time="2024-01-01",
    ).json()

    (row,) = body["data"]
    assert isinstance(row["PriceUSD"], str)
    assert row["time"] == "2024-01-01T00:00:00.000000000Z"


def test_end_inclusive_false_makes_the_window_half_open(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", "PriceUSD", **WINDOW)

    assert table.to_polars()["ts"].max() == datetime(2024, 1, 3, tzinfo=UTC)
    assert len(table) == 3


def test_the_default_pages_newest_first(limiter: SlidingWindowLimiter) -> None:
    body = raw(
        limiter,
        "/timeseries/asset-metrics",
        assets="btc",
        metrics="PriceUSD",
        start_time="2024-01-01",
        end_time="2024-01-10",
        page_size="3",
    ).json()

    times = [row["time"] for row in body["data"]]
    assert times == sorted(times, reverse=True)
    assert times[0] == "2024-01-10T00:00:00.000000000Z"
    assert "next_page_url" in body


def test_a_pro_metric_is_split_out_with_a_warning(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", ["PriceUSD", "CapRealUSD"], **WINDOW)

    assert set(table.to_polars()["metric"]) == {"price"}
    assert any("CapRealUSD" in warning for warning in table.warnings)


def test_the_forbidden_envelope_names_the_metric(limiter: SlidingWindowLimiter) -> None:
    answer = raw(
        limiter,
        "/timeseries/asset-metrics",
        assets="btc",
        metrics="PriceUSD,CapRealUSD",
        start_time="2024-01-01",
        end_time="2024-01-02",
    )

    assert answer.status_code in (200, 403)
    assert answer.json()["error"]["type"] == "forbidden"
    assert "'CapRealUSD'" in answer.json()["error"]["message"]


def test_the_catalog_lists_btc_daily_metrics(cm: CoinMetrics) -> None:
    frame = cm.catalog("btc")

    assert {"AdrActCnt", "PriceUSD"} <= set(frame.filter(frame["frequency"] == "1d")["metric"])


def test_btc_hash_rate_is_in_terahashes_per_second(cm: CoinMetrics) -> None:
    table = cm.asset_metrics("btc", "HashRate", **WINDOW)

    # About 500 EH/s at the start of 2024: 5e8 TH/s.
    assert 1e8 < table.to_polars()["value"][0] < 2e9
