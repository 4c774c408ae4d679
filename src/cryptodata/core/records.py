"""Typed records: one frozen, slotted attrs class per row kind.

The field list of each class *is* the column contract of its kind: the polars schemas in
[`schema`][cryptodata.core.schema] are derived from these annotations, so a column is declared
once. Records are built from a table's frame on demand (`Table.to_records()` or iteration).
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = [
    "AggregateLiquidationBar",
    "AggregateOpenInterestBar",
    "Exchange",
    "FundingRateBar",
    "FundingRateSnapshot",
    "LiquidationBar",
    "LongShortRatioBar",
    "Market",
    "OhlcvBar",
    "OpenInterestBar",
    "OpenInterestSnapshot",
    "PredictedFundingRateBar",
    "PredictedFundingRateSnapshot",
    "Record",
]


@attrs.frozen
class _SeriesKey:
    """The five columns that start every series row; `(provider, exchange, symbol, ts)` is the key."""

    provider: str
    exchange: str
    symbol: str
    base: str
    ts: datetime


@attrs.frozen
class _OhlcBar(_SeriesKey):
    open: float | None
    high: float | None
    low: float | None
    close: float | None


@attrs.frozen
class OpenInterestBar(_OhlcBar):
    """Open interest over one bar: value at open, highest, lowest and at close, in `unit`."""

    unit: str


@attrs.frozen
class FundingRateBar(_OhlcBar):
    """Funding rate over one bar, as a fraction per funding period (0.0001 = 0.01 %)."""


@attrs.frozen
class PredictedFundingRateBar(_OhlcBar):
    """Predicted funding rate over one bar, as a fraction per funding period."""


@attrs.frozen
class LiquidationBar(_SeriesKey):
    """Long and short positions liquidated during one bar, in `unit`."""

    longs: float | None
    shorts: float | None
    unit: str


@attrs.frozen
class LongShortRatioBar(_SeriesKey):
    """Ratio of accounts long to short; `long_pct + short_pct = 100`."""

    ratio: float | None
    long_pct: float | None
    short_pct: float | None


@attrs.frozen
class OhlcvBar(_SeriesKey):
    """A price bar; `volume` and `buy_volume` are in `unit`, `trades` counts trades."""

    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: float | None
    buy_volume: float | None
    trades: int | None
    buy_trades: int | None
    unit: str


@attrs.frozen
class OpenInterestSnapshot(_SeriesKey):
    """Current open interest; `ts` is the provider's update time."""

    value: float | None
    unit: str


@attrs.frozen
class FundingRateSnapshot(_SeriesKey):
    """Current funding rate, a fraction per funding period; `ts` is the update time."""

    value: float | None


@attrs.frozen
class PredictedFundingRateSnapshot(_SeriesKey):
    """Predicted next funding rate, a fraction per funding period; `ts` is the update time."""

    value: float | None


@attrs.frozen
class Market:
    """An instrument a provider serves data for.

    `unit` is the unit of its open interest, liquidations and volume (`base`, `quote`,
    `contracts`); `market_type` is `future` or `spot`.
    """

    provider: str
    exchange: str
    symbol: str
    symbol_on_exchange: str
    base: str
    quote: str
    market_type: str
    is_perpetual: bool
    margined: str | None
    expire_at: datetime | None
    unit: str
    has_long_short_ratio_data: bool
    has_ohlcv_data: bool
    has_buy_sell_data: bool


@attrs.frozen
class Exchange:
    """A venue as a provider names it: `name` is the canonical lowercase name, `code` the provider's."""

    provider: str
    name: str
    code: str
    display_name: str


@attrs.frozen
class AggregateOpenInterestBar:
    """Open interest summed over venues (USD).

    `venues` counts the venues in the sum at this `ts` and `exchanges` names them
    (comma-separated, sorted).
    """

    provider: str
    base: str
    ts: datetime
    open: float | None
    close: float | None
    unit: str
    venues: int
    exchanges: str


@attrs.frozen
class AggregateLiquidationBar:
    """Liquidations summed over venues (USD).

    `venues` counts the venues in the sum at this `ts` and `exchanges` names them
    (comma-separated, sorted).
    """

    provider: str
    base: str
    ts: datetime
    longs: float | None
    shorts: float | None
    unit: str
    venues: int
    exchanges: str


Record = (
    OpenInterestBar
    | FundingRateBar
    | PredictedFundingRateBar
    | LiquidationBar
    | LongShortRatioBar
    | OhlcvBar
    | OpenInterestSnapshot
    | FundingRateSnapshot
    | PredictedFundingRateSnapshot
    | Market
    | Exchange
    | AggregateOpenInterestBar
    | AggregateLiquidationBar
)
"""Any record a [`Table`][cryptodata.Table] can hold."""
