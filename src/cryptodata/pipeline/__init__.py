"""Pipelines: resumable backfills, incremental updates and a polling watch loop over any sink."""

from .backfill import BackfillPlan, BackfillReport, backfill, plan_backfill, update
from .watch import WatchStats, watch

__all__ = [
    "BackfillPlan",
    "BackfillReport",
    "WatchStats",
    "backfill",
    "plan_backfill",
    "update",
    "watch",
]
