"""`usd=True`: quantities in dollars by unit, contract size and the same bar's price, never guessed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

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
    schema,
)

NOW = datetime(2025, 7, 1, tzinfo=UTC)
H = timedelta(hours=1)
START = NOW - 3 * H
AMOUNT = 5.0
"""Every bar's open interest, and each side's liquidations, in the market's unit."""


def price(hour: int) -> float:
    """The candle close of the bar `hour` hours after `START`."""
    return 100.0 + hour


class Venue:
    """A source of hourly open interest, liquidations and candles for one market of one venue.

    The market is described as a markets row would be; `unit` is what its amounts count.
    """

    def __init__(
        self,
        *,
        base: str = "BTC",
        quote: str = "USDT",
        margined: str = "USDT",
        market_type: str = "future",
        contract_size: float | None = 1.0,
        unit: str = "base",
        price_unit: str = "base",
        candles: bool = True,
    ) -> None:
        self.provider = "venue-api"
        self.symbol = f"{base}/{quote}"
        self.row = {
            "provider": self.provider,
            "exchange": "binance",
            "symbol": self.symbol,
            "symbol_on_exchange": f"{base}{quote}",
            "base": base,
            "quote": quote,
            "market_type": market_type,
            "is_perpetual": market_type == "future",
            "margined": margined,
            "expire_at": None,
            "unit": unit,
            "has_long_short_ratio_data": False,
            "has_ohlcv_data": candles,
            "has_buy_sell_data": False,
            "contract_size": contract_size,
            "max_leverage": None,
            "size_decimals": None,
        }
        self.unit = unit
        self.price_unit = price_unit
        self.candles = candles
        self.clock = ManualClock(start=NOW.timestamp())
        self.limiter = TokenBucketLimiter(1_000, 1.0, clock=self.clock)
        self.asked: list[Kind] = []

    def coverage(self) -> Coverage:
        hourly = (Interval.H1,)
        offers = [
            KindCoverage(Kind.OPEN_INTEREST, hourly, (self.unit,)),
            KindCoverage(Kind.LIQUIDATIONS, hourly, (self.unit,)),
            KindCoverage(Kind.MARKETS),
        ]
        if self.candles:
            offers.append(KindCoverage(Kind.OHLCV, hourly, (self.unit,)))
        return Coverage(self.provider, tuple(offers), ("binance",), price_unit=self.price_unit)

    def markets(self) -> Table[Any]:
        return Table.from_frame(Kind.MARKETS, pl.DataFrame([self.row], schema=schema(Kind.MARKETS)))

    def history_steps(
        self, kind: Any, symbols: Sequence[str], *, interval: Any, start: datetime, end: datetime
    ) -> list[Step]:
        return [Step(Kind(kind), Interval.H1, tuple(symbols), start, end, cost=1)]

    def series(
        self, kind: Any, symbols: Sequence[str], *, interval: Any
    ) -> dict[str, dict[str, str]]:
        return {}

    def fetch(self, step: Step) -> Table[Any]:
        self.asked.append(step.kind)
        hours = int((step.end - step.start) / H)
        bars = {
            "provider": [self.provider] * hours,
            "exchange": ["binance"] * hours,
            "symbol": [self.symbol] * hours,
            "base": [self.row["base"]] * hours,
            "interval": ["1h"] * hours,
            "ts": [step.start + n * H for n in range(hours)],
            "unit": [self.unit] * hours,
        }
        if step.kind is Kind.OHLCV:
            closes = [price(n) for n in range(hours)]
            values = {"open": closes, "high": closes, "low": closes, "close": closes}
            values |= {"volume": [1.0] * hours, "buy_volume": [None] * hours}
            values |= {"trades": [None] * hours, "buy_trades": [None] * hours}
        elif step.kind is Kind.LIQUIDATIONS:
            values = {"longs": [AMOUNT] * hours, "shorts": [2 * AMOUNT] * hours}
        else:
            values = {column: [AMOUNT] * hours for column in ("open", "high", "low", "close")}
        frame = pl.DataFrame({**bars, **values})
        columns = [c for c in schema(step.kind) if c in frame.columns]
        return Table.from_frame(step.kind, frame.select(columns))


def closes(table: Table[Any], column: str = "close") -> list[float]:
    return table.to_polars().sort("ts")[column].to_list()


def open_interest(venue: Venue, asset: str = "BTC") -> Table[Any]:
    with MarketData([venue]) as md:
        return md.open_interest(
            asset, venues="binance", interval="1h", start=START, end=NOW, usd=True
        )


def test_a_base_amount_is_priced_with_the_same_bars_close() -> None:
    table = open_interest(Venue())

    assert set(table.to_polars()["unit"]) == {"usd"}
    assert closes(table) == [AMOUNT * price(n) for n in range(3)]
    assert not table.warnings


def test_linear_contracts_count_their_contract_size_of_the_base() -> None:
    # OKX's BTC-USDT-SWAP: one contract is 0.01 BTC, and ccxt prices one BTC.
    table = open_interest(Venue(unit="contracts", contract_size=0.01))

    assert closes(table) == pytest.approx([AMOUNT * 0.01 * price(n) for n in range(3)])


def test_inverse_contracts_are_their_size_in_dollars_without_a_price() -> None:
    # BitMEX-style inverse perpetual: a contract is 100 USD, margined in BTC.
    venue = Venue(quote="USD", margined="COIN", unit="contracts", contract_size=100.0)

    table = open_interest(venue)

    assert closes(table) == [AMOUNT * 100.0] * 3
    assert Kind.OHLCV not in venue.asked


def test_a_multiplied_ticker_is_priced_in_its_own_unit() -> None:
    # Binance's 1000PEPE/USDT: amounts and prices both count lots of 1,000 PEPE.
    table = open_interest(Venue(base="1000PEPE"), "PEPE")

    assert closes(table) == [AMOUNT * price(n) for n in range(3)]
    assert set(table.to_polars()["base"]) == {"PEPE"}


def test_a_provider_that_prices_contracts_is_not_multiplied_by_their_size() -> None:
    # Hyperliquid's kPEPE: one coin is a contract of 1,000 PEPE, and its price is the coin's.
    venue = Venue(
        base="PEPE",
        quote="USDC",
        margined="USDC",
        contract_size=1000.0,
        unit="contracts",
        price_unit="contracts",
    )

    table = open_interest(venue, "PEPE")

    assert closes(table) == [AMOUNT * price(n) for n in range(3)]


def test_a_quote_that_is_not_a_dollar_stays_in_its_unit_and_says_so() -> None:
    table = open_interest(Venue(quote="EUR", market_type="spot"))

    assert set(table.to_polars()["unit"]) == {"base"}
    assert table.warnings == ["3 rows (binance) stay in their unit: no USD value without a guess"]


def test_contracts_of_unknown_size_are_not_guessed() -> None:
    table = open_interest(Venue(unit="contracts", contract_size=None))

    assert set(table.to_polars()["unit"]) == {"contracts"}
    assert len(table.warnings) == 1


def test_a_value_already_in_dollars_asks_for_no_candles() -> None:
    venue = Venue(unit="usd")

    table = open_interest(venue)

    assert closes(table) == [AMOUNT] * 3
    assert venue.asked == [Kind.OPEN_INTEREST]


def test_liquidations_in_usd_price_both_sides() -> None:
    with MarketData([Venue()]) as md:
        table = md.liquidations(
            "BTC", venues="binance", interval="1h", start=START, end=NOW, usd=True
        )

    assert set(table.to_polars()["unit"]) == {"usd"}
    assert closes(table, "longs") == [AMOUNT * price(n) for n in range(3)]
    assert closes(table, "shorts") == [2 * AMOUNT * price(n) for n in range(3)]


def test_the_aggregate_in_usd_sums_dollars() -> None:
    with MarketData([Venue(unit="contracts", contract_size=0.01)]) as md:
        table = md.aggregate(
            "open_interest", "BTC", venues="binance", interval="1h", start=START, end=NOW, usd=True
        )

    frame = table.to_polars().sort("ts")
    assert frame["unit"].to_list() == ["usd"] * 3
    assert frame["close"].to_list() == pytest.approx([AMOUNT * 0.01 * price(n) for n in range(3)])


def test_a_price_unit_other_than_base_or_contracts_is_refused() -> None:
    with pytest.raises(ValueError, match="price_unit"):
        Coverage("x", (), price_unit="quote")
