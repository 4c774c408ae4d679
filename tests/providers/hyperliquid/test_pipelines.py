"""Hyperliquid through the pipelines: backfill candles and settlements, resume, no liquidations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cryptodata import Kind, ParquetSink, UnsupportedError
from cryptodata.core.clock import ManualClock
from cryptodata.pipeline import backfill, plan_backfill, update, watch
from cryptodata.providers.hyperliquid.client import Hyperliquid
from fakes.hyperliquid import NOW, FakeHyperliquid

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)


def test_a_backfill_stores_candles_and_settlements_of_every_coin(
    hl: Hyperliquid, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(
            hl, ["ohlcv", "funding_settlement"], ["BTC", "ETH"], "1h", NOW_DT - 48 * H, sink=sink
        )

        candles = sink.read(Kind.OHLCV).to_polars()
        settlements = sink.read(Kind.FUNDING_SETTLEMENT).to_polars()
    assert candles.group_by("symbol").len().sort("symbol").rows() == [("BTC", 48), ("ETH", 48)]
    assert settlements.group_by("symbol").len().sort("symbol").rows() == [("BTC", 48), ("ETH", 48)]


def test_an_update_resumes_each_series_where_it_stopped(
    hl: Hyperliquid, fake: FakeHyperliquid, clock: ManualClock, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(hl, "ohlcv", "BTC", "1h", NOW_DT - 10 * H, sink=sink)
        clock.advance(3 * 3_600)
        before = len(fake.of("candleSnapshot"))
        update(hl, "ohlcv", "BTC", "1h", sink=sink)

        stored = sink.read(Kind.OHLCV).to_polars()["ts"].to_list()
    (call,) = fake.of("candleSnapshot")[before:]
    assert call.body["req"]["startTime"] >= int((NOW_DT - 10 * H).timestamp() * 1000)
    assert stored == [NOW_DT - 10 * H + hour * H for hour in range(13)]


def test_watch_samples_snapshots_every_cycle_building_a_history(
    hl: Hyperliquid, clock: ManualClock, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        stats = watch(
            hl,
            ["open_interest_snapshot", "funding_rate_snapshot"],
            ["BTC", "kPEPE"],
            "1m",
            sink=sink,
            delay=1.0,
            max_cycles=3,
            clock=clock,
        )

        oi = sink.read(Kind.OPEN_INTEREST_SNAPSHOT).to_polars()
        funding = sink.read(Kind.FUNDING_RATE_SNAPSHOT).to_polars()
    assert stats.failures == 0
    assert oi.group_by("symbol", "unit").len().sort("symbol").rows() == [
        ("BTC", "base", 3),
        ("kPEPE", "contracts", 3),
    ]
    assert funding["ts"].n_unique() == 3


def test_a_plan_costs_what_the_server_will_charge(hl: Hyperliquid, tmp_path: Path) -> None:
    with ParquetSink(tmp_path) as sink:
        plan = plan_backfill(hl, "ohlcv", ["BTC"], "1m", NOW_DT - timedelta(days=30), sink=sink)

    assert sum(step.cost for step in plan.steps) == 20 + 84


def test_a_backfill_of_liquidations_is_refused_pointing_at_coinalyze(
    hl: Hyperliquid, fake: FakeHyperliquid, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink, pytest.raises(UnsupportedError, match="Coinalyze"):
        backfill(hl, "liquidations", "BTC", "1h", NOW_DT - H, sink=sink)

    assert fake.calls == []


def test_backfills_past_the_minutes_budget_wait_instead_of_drawing_429s(
    clock: ManualClock, fake: FakeHyperliquid, tmp_path: Path
) -> None:
    coins = ["BTC", "ETH", "kPEPE", "SOL", "@107"]
    # The default limiter, on the fake's clock: 1,000 of the 1,200 the server allows.
    with Hyperliquid(clock=clock) as client, ParquetSink(tmp_path) as sink:
        for interval in ("1m", "5m", "15m"):
            backfill(client, "ohlcv", coins, interval, NOW_DT - timedelta(days=400), sink=sink)

    # Three full pages for five coins weigh 1,560: more than a minute's budget.
    assert sum(1 for call in fake.calls if call.kind == "candleSnapshot") == 15
    assert [call.status for call in fake.calls if call.status != 200] == []
    assert clock.time() > NOW + 30
