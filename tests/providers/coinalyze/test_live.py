"""Live checks of the low-confidence facts in the Coinalyze reference (§9).

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py); they also need COINALYZE_API_KEY.
Raw requests go through one shared 40-per-minute limiter, the client's own budget.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cryptodata import Coinalyze, SlidingWindowLimiter

pytestmark = pytest.mark.live

BASE_URL = "https://api.coinalyze.net/v1"
SYMBOL = "BTCUSDT_PERP.A"
DAY = 86_400


@pytest.fixture(scope="module")
def key() -> str:
    value = os.environ.get("COINALYZE_API_KEY", "")
    if not value:
        pytest.skip("COINALYZE_API_KEY is not set")
    return value


@pytest.fixture(scope="module")
def limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(40, 60.0)


@pytest.fixture(scope="module")
def http(key: str, limiter: SlidingWindowLimiter) -> Iterator[Any]:
    with httpx.Client(base_url=BASE_URL, headers={"api_key": key}, timeout=30) as client:

        def get(path: str, cost: int = 1, **params: Any) -> httpx.Response:
            limiter.acquire(cost)
            return client.get(path, params=params)

        yield get


@pytest.fixture(scope="module")
def cz(key: str, limiter: SlidingWindowLimiter) -> Iterator[Coinalyze]:
    with Coinalyze(api_key=key, limiter=limiter) as client:
        yield client


def test_open_bucket_is_returned(http: Any) -> None:
    now = int(time.time())
    response = http(
        "/ohlcv-history", symbols=SYMBOL, interval="1hour", **{"from": now - 3 * 3600, "to": now}
    )

    assert response.status_code == 200
    (series,) = response.json()
    assert series["history"][-1]["t"] == now // 3600 * 3600


def test_from_and_to_are_inclusive_on_bar_start(http: Any) -> None:
    t = int(datetime(2025, 6, 1, tzinfo=UTC).timestamp())
    response = http("/ohlcv-history", symbols=SYMBOL, interval="daily", **{"from": t, "to": t})

    (series,) = response.json()
    assert [bar["t"] for bar in series["history"]] == [t]


def test_daily_range_of_many_years_comes_in_one_request(http: Any) -> None:
    start = int(datetime(2019, 1, 1, tzinfo=UTC).timestamp())
    now = int(time.time())
    response = http(
        "/open-interest-history", symbols=SYMBOL, interval="daily", **{"from": start, "to": now}
    )

    (series,) = response.json()
    times = [bar["t"] for bar in series["history"]]
    assert len(times) > 2000  # more than the planner's defensive 2,000-bar window
    assert times[0] < int(datetime(2020, 6, 1, tzinfo=UTC).timestamp())  # not cut to the newest
    assert times == list(range(times[0], times[-1] + DAY, DAY))  # no gaps


def test_intraday_history_holds_1500_to_2000_bars(http: Any) -> None:
    now = int(time.time())
    response = http(
        "/open-interest-history",
        symbols=SYMBOL,
        interval="1hour",
        **{"from": now - 200 * DAY, "to": now},
    )

    (series,) = response.json()
    assert 1500 <= len(series["history"]) <= 2100


def test_unknown_symbol_is_omitted_and_silent_one_is_empty_or_omitted(http: Any) -> None:
    now = int(time.time())
    response = http(
        "/liquidation-history",
        cost=3,
        symbols=f"{SYMBOL},BTC.H,NOSUCHCOIN_PERP.A",
        interval="daily",
        **{"from": now - 10 * DAY, "to": now},
    )

    assert response.status_code == 200
    by_symbol = {entry["symbol"]: entry["history"] for entry in response.json()}
    assert by_symbol[SYMBOL]
    assert "NOSUCHCOIN_PERP.A" not in by_symbol
    assert by_symbol.get("BTC.H", []) == []


def test_milliseconds_give_an_empty_array(http: Any) -> None:
    now_ms = int(time.time()) * 1000
    response = http(
        "/ohlcv-history",
        symbols=SYMBOL,
        interval="daily",
        **{"from": now_ms - 10 * DAY * 1000, "to": now_ms},
    )

    assert response.status_code == 200
    assert response.json() in ([], [{"symbol": SYMBOL, "history": []}])


def test_bad_key_answers_401(http: Any, limiter: SlidingWindowLimiter) -> None:
    limiter.acquire(1)
    response = httpx.get(f"{BASE_URL}/exchanges", headers={"api_key": "not-a-key"}, timeout=30)

    assert response.status_code == 401


def test_funding_value_is_percent(http: Any) -> None:
    response = http("/funding-rate", symbols=SYMBOL)

    (row,) = response.json()
    assert abs(row["value"]) < 1  # Binance caps funding far below 1 %, so this is percent
    assert row["update"] > 1e12  # milliseconds


def test_client_end_to_end(cz: Coinalyze) -> None:
    assert cz.resolve(exchange="binance", base="BTC", quote="USDT") == SYMBOL
    start = datetime.now(UTC) - timedelta(days=30)

    table = cz.open_interest_history(SYMBOL, interval="1d", start=start)

    assert 29 <= len(table) <= 31
    assert table.warnings == []
    assert set(table.to_polars().get_column("unit").to_list()) == {"base"}
