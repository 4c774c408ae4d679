"""Coinalyze as a source: coverage, steps, series ids, fetch and markets."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from polars.testing import assert_frame_equal

from cryptodata import AsyncCoinalyze, Coinalyze, Kind, ManualClock
from cryptodata.core.errors import UnsupportedError
from cryptodata.core.intervals import Interval
from cryptodata.core.source import AsyncSource, Source

from .conftest import API_KEY, BASE_URL, NOW_DT, FakeCoinalyze

H = timedelta(hours=1)


def test_coinalyze_is_a_source_and_its_async_twin_an_async_source(cz: Coinalyze) -> None:
    assert isinstance(cz, Source)
    assert isinstance(AsyncCoinalyze(api_key=API_KEY), AsyncSource)


def test_coverage_offers_the_ten_intervals_for_every_history_kind(cz: Coinalyze) -> None:
    coverage = cz.coverage()

    for kind in ("open_interest", "funding_rate", "liquidations", "long_short_ratio", "ohlcv"):
        assert len(coverage.check(kind).intervals) == 10


def test_coverage_keeps_1500_intraday_bars_and_all_daily_ones(cz: Coinalyze) -> None:
    oi = cz.coverage().check("open_interest")

    assert oi.retained_bars(Interval.M1) == 1_500
    assert oi.retained_bars(Interval.D1) is None
    assert oi.oldest(Interval.H1, NOW_DT) == NOW_DT - 1_500 * H


def test_coverage_names_canonical_venues(cz: Coinalyze) -> None:
    venues = cz.coverage().venues

    assert {"binance", "bybit", "okx", "hyperliquid"} <= set(venues)
    assert list(venues) == sorted(venues)


def test_history_steps_carry_kind_interval_and_one_call_per_symbol(cz: Coinalyze) -> None:
    steps = cz.history_steps(
        "liquidations", ["BTCUSDT_PERP.A", "ETHUSDT_PERP.A"], interval="1h", start=NOW_DT - 5 * H
    )

    assert [(s.kind, s.interval, s.cost) for s in steps] == [(Kind.LIQUIDATIONS, Interval.H1, 2)]
    assert (steps[0].start, steps[0].end) == (NOW_DT - 5 * H, NOW_DT)


def test_a_kind_coinalyze_lacks_is_unsupported(cz: Coinalyze) -> None:
    with pytest.raises(UnsupportedError) as caught:
        cz.coverage().check("exchanges", "1h")

    assert caught.value.provider == "coinalyze"


def test_series_name_the_venue_interval_and_market_unit(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    ids = cz.series("open_interest", ["BTCUSDT_PERP.A"], interval="1h")

    assert ids == {
        "BTCUSDT_PERP.A": {
            "provider": "coinalyze",
            "exchange": "binance",
            "symbol": "BTCUSDT_PERP.A",
            "interval": "1h",
            "unit": "base",
        }
    }
    assert fake.data_calls == []


def test_fetch_sends_exactly_one_data_request_and_returns_its_series(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    (step,) = cz.history_steps(
        "open_interest", ["BTCUSDT_PERP.A"], interval="1h", start=NOW_DT - 4 * H
    )
    ids = cz.series("open_interest", ["BTCUSDT_PERP.A"], interval="1h")

    table = cz.fetch(step)

    assert len(fake.data_calls) == 1
    assert len(table) == 4
    key = ids["BTCUSDT_PERP.A"]
    frame = table.to_polars()
    for column, value in key.items():
        assert frame.get_column(column).unique().to_list() == [value]


def test_fetch_of_a_usd_client_asks_for_usd(fake: FakeCoinalyze, clock: ManualClock) -> None:
    with Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL, convert_to_usd=True) as cz:
        (step,) = cz.history_steps(
            "open_interest", ["BTCUSDT_PERP.A"], interval="1h", start=NOW_DT - H
        )
        table = cz.fetch(step)

    assert fake.data_calls[0].param_dict["convert_to_usd"] == "true"
    assert table.to_polars().get_column("unit").to_list() == ["usd"]


def test_markets_hold_futures_and_spot(cz: Coinalyze) -> None:
    markets = cz.markets().to_polars()

    assert set(markets.get_column("market_type").unique()) == {"future", "spot"}
    assert markets.height == len(cz.future_markets()) + len(cz.spot_markets())


def test_async_fetch_returns_what_fetch_returns(
    fake: FakeCoinalyze, clock: ManualClock, cz: Coinalyze
) -> None:
    (step,) = cz.history_steps("ohlcv", ["BTCUSDT_PERP.A"], interval="1h", start=NOW_DT - 3 * H)

    async def fetch() -> object:
        async with AsyncCoinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL) as client:
            return await client.fetch(step)

    assert_frame_equal(asyncio.run(fetch()).to_polars(), cz.fetch(step).to_polars())  # type: ignore[attr-defined]
