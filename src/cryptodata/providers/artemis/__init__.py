"""Artemis: daily fundamentals and market metrics of chains, protocols and assets."""

from .client import Artemis, AsyncArtemis
from .parse import ArtemisAsset, SupportedMetric

__all__ = ["Artemis", "ArtemisAsset", "AsyncArtemis", "SupportedMetric"]
