"""Hyperliquid as a source: coverage, weighted steps, fetch, series, and no liquidations."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from polars.testing import assert_frame_equal

from cryptodata import AsyncSource, Kind, Source, UnsupportedError
from cryptodata.core.clock import ManualClock
from cryptodata.core.intervals import Interval
from cryptodata.providers.hyperliquid.client import AsyncHyperliquid, Hyperliquid
from fakes.hyperliquid import NOW, FakeHyperliquid

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)


def test_both_clients_are_sources(hl: Hyperliquid, clock: ManualClock) -> None:
    assert isinstance(hl, Source)
    assert isinstance(AsyncHyperliquid(clock=clock), AsyncSource)


def test_coverage_offers_candles_with_their_retention_and_no_liquidations(hl: Hyperliquid) -> None:
    coverage = hl.coverage()

    assert coverage.check("ohlcv", "1h").retained_bars(Interval.H1) == 5_000
    assert not coverage.supports("ohlcv", "6h")
    assert not coverage.supports("liquidations")
    assert not coverage.supports("open_interest")


def test_candle_steps_start_at_the_oldest_bar_kept_and_cost_their_weight(hl: Hyperliquid) -> None:
    steps = hl.history_steps("ohlcv", ["BTC", "ETH"], interval="1m", start="2020-01-01")

    assert [step.symbols for step in steps] == [("BTC",), ("ETH",)]
    assert steps[0].start == NOW_DT - timedelta(minutes=4_999)
    assert steps[0].end == NOW_DT
    assert steps[0].cost == 20 + 84


def test_funding_steps_are_480_hour_windows(hl: Hyperliquid) -> None:
    steps = hl.history_steps("funding_settlement", ["BTC"], interval="1h", start=NOW_DT - 1_000 * H)

    assert [(step.end - step.start) / H for step in steps] == [480, 480, 40]
    assert [step.cost for step in steps] == [44, 44, 22]


def test_funding_steps_at_another_interval_are_refused(hl: Hyperliquid) -> None:
    with pytest.raises(UnsupportedError, match="hourly"):
        hl.history_steps("funding_settlement", ["BTC"], interval="8h", start=NOW_DT - 24 * H)


@pytest.mark.parametrize("kind", ["liquidations", "liquidations_aggregate"])
def test_liquidations_are_unsupported_and_point_at_coinalyze(
    hl: Hyperliquid, fake: FakeHyperliquid, kind: str
) -> None:
    with pytest.raises(UnsupportedError, match="Coinalyze"):
        hl.history_steps(kind, ["BTC"], interval="1h", start=NOW_DT - H)
    with pytest.raises(UnsupportedError, match="Coinalyze"):
        hl.liquidation_history("BTC")

    assert fake.calls == []


def test_a_kind_without_history_is_refused(hl: Hyperliquid) -> None:
    with pytest.raises(UnsupportedError, match="no history of leaderboard"):
        hl.history_steps("leaderboard", ["BTC"], interval="1h", start=NOW_DT - H)


def test_a_snapshot_window_reaching_now_is_one_step_for_every_coin(hl: Hyperliquid) -> None:
    (step,) = hl.history_steps(
        "open_interest_snapshot", ["BTC", "ETH"], interval="1m", start=NOW_DT - 5 * H
    )

    assert (step.symbols, step.cost) == (("BTC", "ETH"), 20)
    assert {row.symbol for row in hl.fetch(step)} == {"BTC", "ETH"}


def test_a_snapshot_window_in_the_past_has_no_step(hl: Hyperliquid) -> None:
    steps = hl.history_steps(
        "funding_rate_snapshot", ["BTC"], interval="1h", start=NOW_DT - 5 * H, end=NOW_DT - 2 * H
    )

    assert steps == []


def test_fetching_a_step_gives_the_rows_of_that_window(hl: Hyperliquid) -> None:
    (step,) = hl.history_steps("ohlcv", ["SOL"], interval="1h", start=NOW_DT - 5 * H)

    fetched = hl.fetch(step)

    expected = hl.candles("SOL", interval="1h", start=NOW_DT - 5 * H, end=NOW_DT)
    assert_frame_equal(fetched.to_polars(), expected.to_polars())


def test_series_name_each_coins_series_without_a_request(
    hl: Hyperliquid, fake: FakeHyperliquid
) -> None:
    series = hl.series(Kind.OHLCV, ["BTC", "kPEPE"], interval="1h")

    assert series == {
        "BTC": {
            "provider": "hyperliquid",
            "exchange": "hyperliquid",
            "symbol": "BTC",
            "interval": "1h",
            "unit": "base",
        },
        "kPEPE": {
            "provider": "hyperliquid",
            "exchange": "hyperliquid",
            "symbol": "kPEPE",
            "interval": "1h",
            "unit": "contracts",
        },
    }
    assert fake.calls == []


def test_the_async_client_fetches_what_the_blocking_one_does(
    hl: Hyperliquid, fake: FakeHyperliquid, clock: ManualClock
) -> None:
    async def fetch() -> object:
        async with AsyncHyperliquid(clock=clock) as client:
            return await client.funding_history("ETH", start=NOW_DT - 30 * H)

    concurrent = asyncio.run(fetch())

    blocking = hl.funding_history("ETH", start=NOW_DT - 30 * H)
    assert_frame_equal(concurrent.to_polars(), blocking.to_polars())  # type: ignore[attr-defined]
