"""Kinds of data, their schemas and their keys: the column contract, derived from the records.

Every market row starts with `provider exchange symbol base`; bar kinds follow with
`interval` (the canonical name, `"1h"`) and `ts`, the start of the bar, and snapshots with
`ts`, the provider's update time. `ts` is always `Datetime("ms", "UTC")`.

`primary_key` is the one source of truth for what
identifies a row: a series (`series_key`, the key without `ts`) holds one interval and, for
kinds with a unit, one unit, so 1d and 1h bars, or native and USD values, never overwrite each
other. Sinks derive their layout and their upserts from it.

Examples:
    >>> schema(Kind.LIQUIDATIONS).names()
    ['provider', 'exchange', 'symbol', 'base', 'interval', 'ts', 'longs', 'shorts', 'unit']
    >>> series_key(Kind.LIQUIDATIONS)
    ('provider', 'exchange', 'symbol', 'interval', 'unit')
"""

from __future__ import annotations

import enum
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, Final

import attrs
import polars as pl

from . import records

__all__ = [
    "Kind",
    "is_time_series",
    "primary_key",
    "record_type",
    "schema",
    "series_key",
    "time_key",
]


class Kind(enum.StrEnum):
    """What a table holds."""

    OHLCV = "ohlcv"
    OPEN_INTEREST = "open_interest"
    FUNDING_RATE = "funding_rate"
    PREDICTED_FUNDING_RATE = "predicted_funding_rate"
    LIQUIDATIONS = "liquidations"
    LONG_SHORT_RATIO = "long_short_ratio"
    OPEN_INTEREST_SNAPSHOT = "open_interest_snapshot"
    FUNDING_RATE_SNAPSHOT = "funding_rate_snapshot"
    PREDICTED_FUNDING_RATE_SNAPSHOT = "predicted_funding_rate_snapshot"
    MARKETS = "markets"
    EXCHANGES = "exchanges"
    OPEN_INTEREST_AGGREGATE = "open_interest_aggregate"
    LIQUIDATIONS_AGGREGATE = "liquidations_aggregate"
    METRIC = "metric"
    FUNDING_SETTLEMENT = "funding_settlement"
    ASSET_CONTEXT = "asset_context"
    LEADERBOARD = "leaderboard"
    POSITIONS = "positions"
    ACCOUNT_SUMMARY = "account_summary"
    TRADES = "trades"
    ORDER_BOOK = "order_book"
    LIQUIDATION_EVENTS = "liquidation_events"
    PULL_LOG = "pull_log"


_RECORDS: Final[dict[Kind, type[Any]]] = {
    Kind.OHLCV: records.OhlcvBar,
    Kind.OPEN_INTEREST: records.OpenInterestBar,
    Kind.FUNDING_RATE: records.FundingRateBar,
    Kind.PREDICTED_FUNDING_RATE: records.PredictedFundingRateBar,
    Kind.LIQUIDATIONS: records.LiquidationBar,
    Kind.LONG_SHORT_RATIO: records.LongShortRatioBar,
    Kind.OPEN_INTEREST_SNAPSHOT: records.OpenInterestSnapshot,
    Kind.FUNDING_RATE_SNAPSHOT: records.FundingRateSnapshot,
    Kind.PREDICTED_FUNDING_RATE_SNAPSHOT: records.PredictedFundingRateSnapshot,
    Kind.MARKETS: records.Market,
    Kind.EXCHANGES: records.Exchange,
    Kind.OPEN_INTEREST_AGGREGATE: records.AggregateOpenInterestBar,
    Kind.LIQUIDATIONS_AGGREGATE: records.AggregateLiquidationBar,
    Kind.METRIC: records.Metric,
    Kind.FUNDING_SETTLEMENT: records.FundingSettlement,
    Kind.ASSET_CONTEXT: records.AssetContext,
    Kind.LEADERBOARD: records.LeaderboardEntry,
    Kind.POSITIONS: records.Position,
    Kind.ACCOUNT_SUMMARY: records.AccountSummary,
    Kind.TRADES: records.Trade,
    Kind.ORDER_BOOK: records.BookLevel,
    Kind.LIQUIDATION_EVENTS: records.LiquidationEvent,
    Kind.PULL_LOG: records.PullLog,
}

_MARKET: Final = ("provider", "exchange", "symbol")

_KEYS: Final[dict[Kind, tuple[str, ...]]] = {
    Kind.OHLCV: (*_MARKET, "interval", "unit", "ts"),
    Kind.OPEN_INTEREST: (*_MARKET, "interval", "unit", "ts"),
    Kind.LIQUIDATIONS: (*_MARKET, "interval", "unit", "ts"),
    Kind.FUNDING_RATE: (*_MARKET, "interval", "ts"),
    Kind.PREDICTED_FUNDING_RATE: (*_MARKET, "interval", "ts"),
    Kind.LONG_SHORT_RATIO: (*_MARKET, "interval", "ts"),
    Kind.OPEN_INTEREST_SNAPSHOT: (*_MARKET, "unit", "ts"),
    Kind.FUNDING_RATE_SNAPSHOT: (*_MARKET, "ts"),
    Kind.PREDICTED_FUNDING_RATE_SNAPSHOT: (*_MARKET, "ts"),
    Kind.MARKETS: ("provider", "symbol"),
    Kind.EXCHANGES: ("provider", "code"),
    Kind.OPEN_INTEREST_AGGREGATE: ("provider", "base", "interval", "unit", "ts"),
    Kind.LIQUIDATIONS_AGGREGATE: ("provider", "base", "interval", "unit", "ts"),
    # A series is the provider's own id's metric, as a market series is the provider's symbol:
    # the canonical `entity` beside it is a name the registry may revise, not an identity.
    Kind.METRIC: ("provider", "provider_id", "metric", "interval", "ts"),
    Kind.FUNDING_SETTLEMENT: (*_MARKET, "ts"),
    Kind.ASSET_CONTEXT: (*_MARKET, "ts"),
    Kind.LEADERBOARD: ("provider", "address", "window", "ts"),
    Kind.POSITIONS: ("provider", "exchange", "address", "symbol", "ts"),
    Kind.ACCOUNT_SUMMARY: ("provider", "exchange", "address", "ts"),
    # A trade's id is unique within its market only together with its time (Hyperliquid's
    # `tid` is a hash); the id follows `ts` so that the key still ends in time order.
    Kind.TRADES: (*_MARKET, "ts", "trade_id"),
    Kind.ORDER_BOOK: (*_MARKET, "ts", "side", "level"),
    # Several liquidations share a millisecond: the event id tells them apart.
    Kind.LIQUIDATION_EVENTS: (*_MARKET, "ts", "event_id"),
    # A pull's runs, by when each started: the log of `cryptodata pull`.
    Kind.PULL_LOG: ("pull", "ts"),
}

_DTYPES: Final[dict[type, pl.DataType]] = {
    str: pl.String(),
    float: pl.Float64(),
    int: pl.Int64(),
    bool: pl.Boolean(),
    datetime: pl.Datetime("ms", "UTC"),
}


def record_type(kind: Kind) -> type[Any]:
    """The attrs record class of a kind's rows."""
    return _RECORDS[Kind(kind)]


def primary_key(kind: Kind | str) -> tuple[str, ...]:
    """Columns that identify a row of this kind; sinks upsert on them.

    Examples:
        >>> primary_key(Kind.OPEN_INTEREST)
        ('provider', 'exchange', 'symbol', 'interval', 'unit', 'ts')
        >>> primary_key("metric")
        ('provider', 'provider_id', 'metric', 'interval', 'ts')
    """
    return _KEYS[Kind(kind)]


def is_time_series(kind: Kind | str) -> bool:
    """Whether rows of this kind are keyed by a series and `ts` (everything but markets, exchanges)."""
    return "ts" in primary_key(kind)


def time_key(kind: Kind | str) -> tuple[str, ...]:
    """The key columns of a row within its series: `ts`, then what tells rows of one `ts` apart.

    Examples:
        >>> time_key(Kind.OHLCV), time_key(Kind.TRADES)
        (('ts',), ('ts', 'trade_id'))
    """
    key = primary_key(kind)
    return key[key.index("ts") :]


def series_key(kind: Kind | str) -> tuple[str, ...]:
    """The columns that name one series of a time-series kind: its primary key without `ts`.

    Examples:
        >>> series_key(Kind.FUNDING_RATE)
        ('provider', 'exchange', 'symbol', 'interval')
    """
    key = primary_key(kind)
    # Trades and book levels are keyed past `ts` (several rows share one time): their series
    # is still what comes before it.
    return key[: key.index("ts")] if "ts" in key else key[:-1]


@cache
def schema(kind: Kind) -> pl.Schema:
    """The polars schema (ordered columns and dtypes) of a kind."""
    cls = record_type(kind)
    hints = typing.get_type_hints(cls)
    return pl.Schema({field.name: _dtype(hints[field.name]) for field in attrs.fields(cls)})


def _dtype(annotation: Any) -> pl.DataType:
    if isinstance(annotation, types.UnionType):
        (inner,) = (arg for arg in typing.get_args(annotation) if arg is not type(None))
        return _dtype(inner)
    return _DTYPES[annotation]
