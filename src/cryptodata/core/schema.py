"""Kinds of data and their schemas: the column contract, derived from the record classes.

Every series row starts with `provider exchange symbol base ts`; `ts` is
`Datetime("ms", "UTC")` holding the start of the bar (or the update time of a snapshot).
The primary key of a series row is `(provider, exchange, symbol, ts)`.

Examples:
    >>> schema(Kind.LIQUIDATIONS).names()
    ['provider', 'exchange', 'symbol', 'base', 'ts', 'longs', 'shorts', 'unit']
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

__all__ = ["SERIES_KEY", "Kind", "primary_key", "record_type", "schema"]


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


SERIES_KEY: Final = ("provider", "exchange", "symbol", "ts")
"""Primary key of every series and snapshot row."""

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
}

_KEYS: Final[dict[Kind, tuple[str, ...]]] = {
    Kind.MARKETS: ("provider", "symbol"),
    Kind.EXCHANGES: ("provider", "code"),
    Kind.OPEN_INTEREST_AGGREGATE: ("provider", "base", "ts"),
    Kind.LIQUIDATIONS_AGGREGATE: ("provider", "base", "ts"),
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


def primary_key(kind: Kind) -> tuple[str, ...]:
    """Columns that identify a row of this kind; sinks upsert on them."""
    return _KEYS.get(Kind(kind), SERIES_KEY)


def series_key(kind: Kind) -> tuple[str, ...]:
    return primary_key(kind)[:-1]


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
