"""CBBI's component names mapped to canonical metric names.

The data file names its series (`Confidence`, `PiCycle`, `2YMA`, ...); the key set has
changed across CBBI versions (Golden Ratio, Google Trends and Stock-to-Flow came and went), so
a component without a mapping keeps its name in snake case (`GoldenRatio` → `golden_ratio`,
unit `""`) and a mapped one the file lacks is simply absent.

Examples:
    >>> component_metric("2YMA").name, component_metric("GoldenRatio").name
    ('cbbi_two_year_ma', 'golden_ratio')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from cryptodata.core.metric_names import MetricMap, metric_name

__all__ = ["CBBI_METRICS", "PROVIDER_ID", "CbbiMetric", "component_metric"]

CBBI_METRICS: Final = (
    MetricMap("Confidence", "cbbi_confidence"),
    MetricMap("PiCycle", "cbbi_pi_cycle"),
    MetricMap("RUPL", "cbbi_rupl"),
    MetricMap("RHODL", "cbbi_rhodl"),
    MetricMap("Puell", "cbbi_puell"),
    MetricMap("2YMA", "cbbi_two_year_ma"),
    MetricMap("Trolololo", "cbbi_trolololo"),
    MetricMap("MVRV", "cbbi_mvrv"),
    MetricMap("ReserveRisk", "cbbi_reserve_risk"),
    MetricMap("Woobull", "cbbi_woobull"),
    MetricMap("Price", "price"),
)
"""Every CBBI component with a canonical name: the confidence and the components are
fractions 0 to 1 (the site shows them times 100), `Price` is bitcoin's in dollars."""
PROVIDER_ID: Final = "bitcoin"
"""What every CBBI series measures."""

_BY_COMPONENT: Final[Mapping[str, MetricMap]] = MappingProxyType(
    {entry.provider_name: entry for entry in CBBI_METRICS}
)


@attrs.frozen
class CbbiMetric:
    """One component of the data file as rows name it.

    Attributes:
        component: CBBI's name, byte for byte (`2YMA`).
        name: The canonical name (`cbbi_two_year_ma`), else `component` in snake case.
        unit: The canonical name's unit; `""` for an unmapped component.
        scale: What multiplies CBBI's value into the canonical unit.
    """

    component: str
    name: str
    unit: str = ""
    scale: float = 1.0


def component_metric(component: str) -> CbbiMetric:
    """The metric a component of the data file is stored as."""
    mapped = _BY_COMPONENT.get(component)
    if mapped is None:
        return CbbiMetric(component, metric_name(component))
    return CbbiMetric(component, mapped.name, mapped.unit, mapped.scale)
