"""DefiLlama's metric names mapped to the canonical ones (`cryptodata.core.metric_names`).

The provider names are the ones the first cryptodata prototype gave DefiLlama's series
(`TVL`, `CHAIN_TVL`, `FEES_24H`, ...); every value is already in US dollars, so no scale is
needed. Symbols (`"chain_tvl@Ethereum"`) and `metric` rows use the canonical names; the
provider names are accepted wherever a metric is named.

Examples:
    >>> BY_NAME["FEES_24H"].name, BY_NAME["fees_24h"].unit
    ('fees_24h', 'usd')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from cryptodata.core.metric_names import MetricMap

__all__ = ["BY_NAME", "METRICS"]

METRICS: Final = (
    MetricMap("TVL", "tvl"),
    MetricMap("CHAIN_TVL", "chain_tvl"),
    MetricMap("FEES_24H", "fees_24h"),
    MetricMap("REVENUE_24H", "revenue_24h"),
    MetricMap("DEX_VOLUME_24H", "dex_volume_24h"),
    MetricMap("DERIVATIVES_VOLUME_24H", "derivatives_volume_24h"),
    MetricMap("OPTIONS_VOLUME_24H", "options_volume_24h"),
    MetricMap("STABLECOIN_SUPPLY", "stablecoin_supply"),
    MetricMap("BRIDGE_VOLUME_24H", "bridge_volume_24h"),
    MetricMap("PRICE", "price"),
)
"""Every DefiLlama series, by the provider name and its canonical name."""

BY_NAME: Final[Mapping[str, MetricMap]] = MappingProxyType(
    {
        **{entry.provider_name: entry for entry in METRICS},
        **{entry.name: entry for entry in METRICS},
    }
)
"""Each map by its provider name and by its canonical name."""
