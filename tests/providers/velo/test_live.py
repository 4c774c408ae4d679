"""Live checks of the low- and medium-confidence facts in the Velo reference.

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py); they also need VELO_API_KEY.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from cryptodata import Velo

pytestmark = pytest.mark.live

END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture(scope="module")
def ve() -> Iterator[Velo]:
    if not os.environ.get("VELO_API_KEY"):
        pytest.skip("VELO_API_KEY is not set")
    with Velo() as client:
        yield client


def test_the_futures_catalogue_is_csv_with_the_documented_columns(ve: Velo) -> None:
    frame = ve.products("futures")

    assert frame.height > 100
    assert frame.filter(exchange="binance-futures", product="BTCUSDT").height == 1


def test_funding_rate_is_a_fraction_per_funding_period(ve: Velo) -> None:
    frame = ve.rows(
        exchanges="binance-futures",
        products="BTCUSDT",
        columns="funding_rate",
        interval="8h",
        start=END - timedelta(days=7),
        end=END,
    ).to_polars()

    # A fraction per 8-hour period stays well under 1 % for BTC; a percent would not.
    assert frame.height > 0
    assert frame["value"].abs().max() < 0.01


def test_an_integer_resolution_answers_rows_on_its_own_grid(ve: Velo) -> None:
    table = ve.rows(
        exchanges="bybit",
        products="BTCUSDT",
        columns="close_price",
        interval="1h",
        start=END - timedelta(hours=6),
        end=END,
    )

    assert not any("resampled" in warning for warning in table.warnings)
    assert table.to_polars().height == 6


def test_coins_with_exchanges_answer_one_series_per_exchange(ve: Velo) -> None:
    frame = ve.rows(
        exchanges=["binance-futures", "bybit"],
        coins="BTC",
        columns="close_price",
        interval="1h",
        start=END - timedelta(hours=3),
        end=END,
    ).to_polars()

    assert set(frame["provider_id"]) == {"binance-futures:coin:BTC", "bybit:coin:BTC"}


def test_the_basis_is_answered_by_coin(ve: Velo) -> None:
    frame = ve.rows(
        coins="BTC",
        columns="3m_basis_ann",
        interval="1d",
        start=END - timedelta(days=3),
        end=END,
    ).to_polars()

    assert frame.filter(pl.col("value").is_not_null()).height > 0
