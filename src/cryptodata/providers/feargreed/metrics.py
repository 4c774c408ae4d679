"""The one Fear & Greed series, mapped to its canonical metric name."""

from __future__ import annotations

from typing import Final

from cryptodata.core.metric_names import MetricMap

__all__ = ["FEAR_GREED", "METRICS", "PROVIDER_ID"]

FEAR_GREED: Final = MetricMap("value", "fear_greed")
"""The index (`value`, sent as a string of an integer 0-100) as canonical `fear_greed`."""
METRICS: Final = (FEAR_GREED,)
"""Every Fear & Greed metric with a canonical name (the registry's `metric_map`)."""
PROVIDER_ID: Final = "crypto-market"
"""The id of what the index measures: the crypto market as a whole (no asset of its own)."""
