"""Velo's columns as `metric` rows: canonical names, and how minute rows become coarser bars.

A Velo column becomes the canonical metric of `METRICS` where one measures the same thing,
else it keeps its own (snake case) name. `dollar_volume` is a day's volume only in a day's
bar: it maps to `volume_usd_24h` at `1d` and stays `dollar_volume` at every other interval
(an hour's dollar volume is not a 24-hour volume). Velo's `funding_rate` is read as a
fraction per funding period (a sample answer's `0.0001` is 0.01 %); the reference does not
state the convention, so the mapping is low-confidence and checked by a live test.

`AGGREGATIONS` says how several finer rows of one bucket fold into one (when Velo answers
minute rows to a coarser `resolution`): opens first, highs max, lows min, closes, open
interest, implied volatilities, greeks and index prices last, volumes, trade counts,
premiums, notionals and liquidations summed, funding rates and premium indices averaged.

Examples:
    >>> canonical_metric("close_price", Interval.H1), canonical_metric("dollar_volume", Interval.H1)
    ('price', 'dollar_volume')
    >>> canonical_metric("dollar_volume", Interval.D1), velo_column("volume_usd_24h", Interval.D1)
    ('volume_usd_24h', 'dollar_volume')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import MetricMap, metric_name

__all__ = [
    "AGGREGATIONS",
    "METRICS",
    "Aggregation",
    "aggregation",
    "canonical_metric",
    "metric_unit",
    "velo_column",
]

METRICS: Final[Mapping[str, MetricMap]] = MappingProxyType(
    {
        entry.provider_name: entry
        for entry in (
            MetricMap("close_price", "price"),
            MetricMap("dollar_open_interest_close", "open_interest_usd"),
            MetricMap("funding_rate", "funding_rate"),
        )
    }
)
"""Velo column → canonical metric, at every interval."""

_DAILY: Final = MetricMap("dollar_volume", "volume_usd_24h")
"""`dollar_volume` is a day's volume only in a day's bar."""

Aggregation = Literal["first", "max", "min", "last", "sum", "mean"]

_FIRST = ("open_price", "dvol_open")
_MAX = ("high_price", "coin_open_interest_high", "dollar_open_interest_high", "dvol_high")
_MIN = ("low_price", "coin_open_interest_low", "dollar_open_interest_low", "dvol_low")
_MEAN = ("funding_rate", "funding_rate_avg", "premium", "3m_basis_ann")
_SUM_WORDS = ("volume", "trades", "liquidations", "premium", "notional")

AGGREGATIONS: Final[Mapping[str, Aggregation]] = MappingProxyType(
    {
        **dict.fromkeys(_FIRST, "first"),
        **dict.fromkeys(_MAX, "max"),
        **dict.fromkeys(_MIN, "min"),
        **dict.fromkeys(_MEAN, "mean"),
    }
)
"""Columns whose aggregation is not found by `aggregation`'s word rule."""


def aggregation(column: str) -> Aggregation:
    """How finer rows of one bucket fold into one value of `column` (see the module).

    Examples:
        >>> aggregation("open_price"), aggregation("buy_dollar_volume"), aggregation("iv_1w")
        ('first', 'sum', 'last')
    """
    if column in AGGREGATIONS:
        return AGGREGATIONS[column]
    if any(word in column for word in _SUM_WORDS):
        return "sum"
    return "last"


def _mapped(column: str, interval: Interval) -> MetricMap | None:
    if column == _DAILY.provider_name:
        return _DAILY if interval is Interval.D1 else None
    return METRICS.get(column)


def canonical_metric(column: str, interval: Interval) -> str:
    """The `metric` of a Velo column's rows at `interval`."""
    found = _mapped(column, interval)
    return metric_name(column) if found is None else found.name


def metric_unit(column: str, interval: Interval) -> str:
    """The `unit` of a Velo column's rows at `interval`: the canonical one, else `""`."""
    found = _mapped(column, interval)
    return "" if found is None else found.unit


def velo_column(metric: str, interval: Interval) -> str | None:
    """The Velo column whose rows at `interval` are called `metric`; `None` for no canonical
    name of a Velo column (the caller then reads `metric` as the column's own name)."""
    if metric == _DAILY.name:
        return _DAILY.provider_name if interval is Interval.D1 else None
    for column, entry in METRICS.items():
        if entry.name == metric:
            return column
    return None
