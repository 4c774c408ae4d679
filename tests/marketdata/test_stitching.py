"""Stitching through the facade: a range no provider keeps whole, split across two."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from cryptodata import (
    Coverage,
    Interval,
    Kind,
    KindCoverage,
    ManualClock,
    MarketData,
    Step,
    Table,
    TokenBucketLimiter,
)

NOW = datetime(2025, 7, 1, tzinfo=UTC)
H = timedelta(hours=1)


class Keeper:
    """A source of hourly open interest for BTC on Binance that keeps its newest `keeps` bars."""

    def __init__(self, provider: str, venues: tuple[str, ...], keeps: int) -> None:
        self.provider = provider
        self.venues = venues
        self.keeps = keeps
        self.clock = ManualClock(start=NOW.timestamp())
        self.limiter = TokenBucketLimiter(1_000, 1.0, clock=self.clock)
        self.asked: list[tuple[datetime, datetime]] = []

    def coverage(self) -> Coverage:
        offer = KindCoverage(
            Kind.OPEN_INTEREST, (Interval.H1,), ("base",), ((Interval.H1, self.keeps),)
        )
        return Coverage(self.provider, (offer,), self.venues)

    def markets(self) -> Table[Any]:
        frame = pl.DataFrame(
            {
                "provider": [self.provider],
                "exchange": ["binance"],
                "symbol": [f"{self.provider}:BTCUSDT"],
                "symbol_on_exchange": ["BTCUSDT"],
                "base": ["BTC"],
                "quote": ["USDT"],
                "market_type": ["future"],
                "is_perpetual": [True],
                "margined": ["USDT"],
                "expire_at": [None],
                "unit": ["base"],
                "has_long_short_ratio_data": [True],
                "has_ohlcv_data": [True],
                "has_buy_sell_data": [True],
                "contract_size": [1.0],
                "max_leverage": [None],
                "size_decimals": [None],
            }
        )
        return Table.from_frame(Kind.MARKETS, frame)

    def history_steps(
        self, kind: Any, symbols: Sequence[str], *, interval: Any, start: datetime, end: datetime
    ) -> list[Step]:
        return [Step(Kind.OPEN_INTEREST, Interval.H1, tuple(symbols), start, end, cost=1)]

    def series(
        self, kind: Any, symbols: Sequence[str], *, interval: Any
    ) -> dict[str, dict[str, str]]:
        return {}

    def fetch(self, step: Step) -> Table[Any]:
        self.asked.append((step.start, step.end))
        hours = int((step.end - step.start) / H)
        stamps = [step.start + n * H for n in range(hours)]
        frame = pl.DataFrame(
            {
                "provider": [self.provider] * hours,
                "exchange": ["binance"] * hours,
                "symbol": [step.symbols[0]] * hours,
                "base": ["BTC"] * hours,
                "interval": ["1h"] * hours,
                "ts": stamps,
                "open": [1.0] * hours,
                "high": [1.0] * hours,
                "low": [1.0] * hours,
                "close": [1.0] * hours,
                "unit": ["base"] * hours,
            }
        )
        return Table.from_frame(Kind.OPEN_INTEREST, frame)


def test_a_stitched_range_takes_the_old_part_from_the_deeper_provider() -> None:
    own = Keeper("venue-api", ("binance",), keeps=24)
    deep = Keeper("aggregator", ("binance", "bybit"), keeps=1_000)
    md = MarketData([own, deep])
    start = NOW - 100 * H

    table = md.history(
        "open_interest", "BTC", venues="binance", interval="1h", start=start, end=NOW, stitch=True
    )

    boundary = NOW - 24 * H
    assert deep.asked == [(start, boundary)]
    assert own.asked == [(boundary, NOW)]
    frame = table.to_polars()
    assert frame.height == 100
    assert frame.filter(pl.col("ts") < boundary)["provider"].unique().to_list() == ["aggregator"]
    assert frame.filter(pl.col("ts") >= boundary)["provider"].unique().to_list() == ["venue-api"]
    assert set(frame["base"]) == {"BTC"}


def test_without_stitching_the_deeper_provider_answers_the_whole_range() -> None:
    own = Keeper("venue-api", ("binance",), keeps=24)
    deep = Keeper("aggregator", ("binance", "bybit"), keeps=1_000)
    md = MarketData([own, deep])
    start = NOW - 100 * H

    table = md.history(
        "open_interest", "BTC", venues="binance", interval="1h", start=start, end=NOW
    )

    assert own.asked == []
    assert set(table.to_polars()["provider"]) == {"aggregator"}


def test_open_interest_in_usd_without_a_price_stays_in_its_unit_and_says_so() -> None:
    # The source offers no candles to price its base amounts with: nothing is guessed.
    md = MarketData([Keeper("venue-api", ("binance",), keeps=1_000)])

    table = md.open_interest(
        "BTC", venues="binance", interval="1h", start=NOW - 3 * H, end=NOW, usd=True
    )

    assert set(table.to_polars()["unit"]) == {"base"}
    assert table.warnings == ["3 rows (binance) stay in their unit: no USD value without a guess"]
