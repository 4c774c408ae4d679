"""Live checks of the low- and medium-confidence facts in the blockchain.info reference.

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). No key is needed; every request
goes through the client's own limiter (one every 10 s), so the module takes a few minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import polars as pl
import pytest

from cryptodata import BlockchainInfo

pytestmark = pytest.mark.live

NOW = datetime.now(UTC)
DAILY_MAPPED = [
    "market-price",
    "market-cap",
    "hash-rate",
    "difficulty",
    "n-transactions",
    "total-bitcoins",
    "miners-revenue",
    "avg-block-size",
    "estimated-transaction-volume-usd",
]


@pytest.fixture(scope="module")
def bc() -> Iterator[BlockchainInfo]:
    with BlockchainInfo() as client:
        yield client


@pytest.mark.parametrize("chart", DAILY_MAPPED)
def test_each_daily_chart_answers_day_periods_in_its_expected_unit(
    bc: BlockchainInfo, chart: str
) -> None:
    table = bc.chart(chart, start=NOW - timedelta(days=10))

    assert 8 <= len(table) <= 11
    assert not [w for w in table.warnings if "not TH/s" in w or "not MB" in w]


@pytest.mark.parametrize("chart", ["mempool-size", "mempool-count", "transactions-per-second"])
def test_the_intraday_charts_answer_a_point_every_15_minutes(
    bc: BlockchainInfo, chart: str
) -> None:
    table = bc.chart(chart, start=NOW - timedelta(days=1))

    gaps = table.to_polars().get_column("ts").diff().drop_nulls().dt.total_seconds()
    assert gaps.median() == 900


def test_a_multi_year_window_comes_whole_in_one_request(bc: BlockchainInfo) -> None:
    before = bc.request_stats.sent
    table = bc.chart("difficulty", start="2016-01-01", end="2024-01-01")

    assert bc.request_stats.sent - before == 1
    assert len(table) == 2922


def test_hash_rate_values_are_terahashes_per_second(bc: BlockchainInfo) -> None:
    table = bc.chart("hash-rate", start="2024-01-01", end="2024-01-08")

    # About 500 EH/s in January 2024: 5e8 TH/s.
    assert table.to_polars().select(pl.col("value").is_between(2e8, 1e9).all()).item()


def test_the_stats_snapshot_is_recent_and_its_satoshi_fields_are_btc(bc: BlockchainInfo) -> None:
    stats = bc.stats()

    assert NOW - stats.ts < timedelta(hours=2)
    assert stats.totalbc is not None
    assert 19_000_000 < stats.totalbc < 21_000_000


def test_an_unknown_chart_is_an_error_status() -> None:
    # The client refuses unknown charts before any request: ask the API directly.
    answer = httpx.get("https://api.blockchain.info/charts/no-such-chart", timeout=30)

    assert answer.status_code >= 400
