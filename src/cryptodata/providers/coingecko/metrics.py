"""CoinGecko's market-chart series mapped to the canonical metric names.

`/coins/{id}/market_chart/range` answers three series per coin, each a list of
`[ms, value]` points in US dollars: `prices`, `market_caps` and `total_volumes` (the volume
of the 24 hours before each point). All three have canonical names, in dollars, so every
scale is 1.

Examples:
    >>> resolve_metric("volume_usd_24h").provider_name, resolve_metric("prices").name
    ('total_volumes', 'price')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from cryptodata.core.errors import ValidationError
from cryptodata.core.metric_names import MetricMap

__all__ = ["COINGECKO_METRICS", "resolve_metric"]

COINGECKO_METRICS: Final = (
    MetricMap("prices", "price"),
    MetricMap("market_caps", "market_cap"),
    MetricMap("total_volumes", "volume_usd_24h"),
)
"""Every market-chart series, in the order rows carry them."""

_BY_NAME: Final[Mapping[str, MetricMap]] = MappingProxyType(
    {
        **{entry.provider_name: entry for entry in COINGECKO_METRICS},
        **{entry.name: entry for entry in COINGECKO_METRICS},
    }
)


def resolve_metric(given: str) -> MetricMap:
    """The series a name means: a canonical name (`price`) or CoinGecko's (`prices`).

    Raises:
        ValidationError: For any other name.
    """
    found = _BY_NAME.get(given.strip().lower()) if isinstance(given, str) else None
    if found is None:
        offered = ", ".join(entry.name for entry in COINGECKO_METRICS)
        raise ValidationError(
            f"CoinGecko has no metric {given!r}; its market chart holds {offered}"
        )
    return found
