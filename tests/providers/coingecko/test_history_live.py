"""Live checks of the medium- and low-confidence facts the history client relies on.

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). Keyless (the tests' conftest hides
any ambient key), about 5 calls through one client at the keyless budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from cryptodata import CoinGecko

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def cg() -> Iterator[CoinGecko]:
    with CoinGecko(plan="public") as client:
        yield client


def _days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def test_interval_daily_is_open_to_keyless_calls_on_a_short_range(cg: CoinGecko) -> None:
    table = cg.market_chart("bitcoin", start=_days_ago(10), end=_days_ago(2))

    frame = table.to_polars()
    assert set(frame["interval"]) == {"1d"}
    assert frame.filter(metric="price").height in {7, 8}
    assert not [w for w in table.warnings if "answered" in w]


def test_a_three_day_range_comes_hourly(cg: CoinGecko) -> None:
    table = cg.market_chart("ethereum", start=_days_ago(4), end=_days_ago(1), interval="1h")

    assert set(table.to_polars()["interval"]) == {"1h"}
    assert table.to_polars().filter(metric="price").height >= 70


def test_ohlc_candles_are_stamped_on_four_hour_boundaries(cg: CoinGecko) -> None:
    frame = cg.ohlc("bitcoin", start=_days_ago(5)).to_polars()

    assert frame.height > 20
    assert frame.select((pl.col("ts").dt.hour() % 4 == 0).all()).item()
    assert frame["volume"].null_count() == frame.height


def test_categories_and_coin_details_have_the_documented_fields(cg: CoinGecko) -> None:
    categories = cg.categories()
    bitcoin = cg.coin("bitcoin")

    assert "layer-1" in categories["id"].to_list()
    assert bitcoin.asset_platform_id is None
    assert bitcoin.price_usd is not None
    assert bitcoin.categories
