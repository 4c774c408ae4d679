"""Velo Data API: product catalogues and metric rows (CSV) planned under the 22,500-value cap."""

from .client import AsyncVelo, Velo

__all__ = ["AsyncVelo", "Velo"]
