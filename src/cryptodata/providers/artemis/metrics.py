"""Artemis' metric names mapped to the canonical ones (`cryptodata.core.metric_names`).

Artemis names metrics in upper snake case (`PRICE`, `24H_VOLUME`, `DAILY_TXNS`). The names
below map to canonical names; every other Artemis name keeps its own name in snake case
(`WEEKLY_COMMITS_CORE` → `weekly_commits_core`). Every value Artemis gives is already in the
canonical unit (dollars, native units, counts), so every scale is 1.

`PERP_VOLUME` is the daily volume of perpetuals traded on a chain or protocol, which the
canonical `derivatives_volume_24h` (perpetuals and futures DEX volume) covers: Artemis'
perps venues are on-chain. `STABLECOIN_MC` and `STABLECOIN_TRANSFER_VOLUME` stay unmapped:
the first would give a second `stablecoin_supply` series beside `STABLECOIN_SUPPLY`, and the
second changed meaning in July 2026 (now gross volume).

Examples:
    >>> resolve_metric("fees").name, resolve_metric("fees_24h").provider_name
    ('fees_24h', 'FEES')
    >>> resolve_metric("WEEKLY_COMMITS_CORE").name, resolve_metric("weekly_commits_core").unit
    ('weekly_commits_core', '')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from cryptodata.core.errors import ValidationError
from cryptodata.core.metric_names import METRIC_NAMES, MetricMap, metric_name

__all__ = ["ARTEMIS_METRICS", "ArtemisMetric", "resolve_metric"]

ARTEMIS_METRICS: Final = (
    MetricMap("PRICE", "price"),
    MetricMap("MC", "market_cap"),
    MetricMap("FDMC", "fdv"),
    MetricMap("24H_VOLUME", "volume_usd_24h"),
    MetricMap("FEES", "fees_24h"),
    MetricMap("REVENUE", "revenue_24h"),
    MetricMap("DAU", "daily_active_users"),
    MetricMap("DAILY_TXNS", "transaction_count"),
    MetricMap("TVL", "tvl"),
    MetricMap("CIRC_SUPPLY", "circulating_supply"),
    MetricMap("TOT_SUPPLY", "total_supply"),
    MetricMap("MAX_SUPPLY", "max_supply"),
    MetricMap("PERP_VOLUME", "derivatives_volume_24h"),
    MetricMap("STABLECOIN_SUPPLY", "stablecoin_supply"),
    MetricMap("LENDING_DEPOSITS", "lending_deposits"),
    MetricMap("LENDING_BORROWS", "lending_borrows"),
)
"""Every Artemis metric with a canonical name."""

_BY_PROVIDER: Final[Mapping[str, MetricMap]] = MappingProxyType(
    {entry.provider_name: entry for entry in ARTEMIS_METRICS}
)
_BY_CANONICAL: Final[Mapping[str, MetricMap]] = MappingProxyType(
    {entry.name: entry for entry in ARTEMIS_METRICS}
)
# Artemis names are upper snake case; anything else could not be a path segment of the
# comma-separated metric list (a comma or a slash would change the request).
_ARTEMIS_NAME = re.compile(r"[A-Z0-9][A-Z0-9_]*")


@attrs.frozen
class ArtemisMetric:
    """One metric as asked of Artemis and as stored in rows.

    Attributes:
        provider_name: Artemis' name, sent in the request path (`FEES`).
        name: The canonical name (`fees_24h`), or Artemis' name in snake case if unmapped.
        scale: What multiplies Artemis' value into the canonical unit.
        unit: The canonical name's unit; `""` for an unmapped metric.
    """

    provider_name: str
    name: str
    scale: float = 1.0
    unit: str = ""


def resolve_metric(given: str) -> ArtemisMetric:
    """The metric a user's name means: a canonical name, or Artemis' own (any case).

    A canonical name Artemis maps wins (`price`, `fees_24h`), then Artemis' own name
    (`PRICE`, `fees`, `perp_volume`); any other name made of letters, digits and `_` is taken
    as an unmapped Artemis name (`weekly_commits_core` asks for `WEEKLY_COMMITS_CORE`).

    Raises:
        ValidationError: For a canonical name Artemis does not map (it names no Artemis
            metric), or a name that cannot be an Artemis metric name.
    """
    if not isinstance(given, str) or not given.strip():
        raise ValidationError(f"a metric name must be a non-empty string, got {given!r}")
    lowered = given.strip().lower()
    upper = lowered.upper()
    if (mapped := _BY_CANONICAL.get(lowered) or _BY_PROVIDER.get(upper)) is not None:
        return ArtemisMetric(mapped.provider_name, mapped.name, mapped.scale, mapped.unit)
    if lowered in METRIC_NAMES:
        offered = ", ".join(sorted(_BY_CANONICAL))
        raise ValidationError(
            f"{given!r} is a canonical metric Artemis does not map; Artemis maps {offered} "
            "(or pass one of Artemis' own names, listed by supported_metrics(symbol))"
        )
    if not _ARTEMIS_NAME.fullmatch(upper):
        raise ValidationError(
            f"{given!r} is no Artemis metric name: they hold letters, digits and '_' "
            "(e.g. 'PRICE', 'DAILY_TXNS'); list them with supported_metrics(symbol)"
        )
    return ArtemisMetric(upper, metric_name(upper))
