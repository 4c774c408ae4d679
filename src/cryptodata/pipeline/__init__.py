"""Pipelines: resumable backfills, incremental updates and a polling watch loop over any sink."""

from .backfill import (
    BackfillPlan,
    BackfillReport,
    abackfill,
    aplan_backfill,
    aupdate,
    backfill,
    plan_backfill,
    update,
)
from .watch import WatchStats, awatch, watch

__all__ = [
    "BackfillPlan",
    "BackfillReport",
    "WatchStats",
    "abackfill",
    "aplan_backfill",
    "aupdate",
    "awatch",
    "backfill",
    "plan_backfill",
    "update",
    "watch",
]
