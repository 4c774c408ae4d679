"""Pipelines: resumable backfills, incremental updates and a polling watch loop over any sink."""

from .across import AcrossReport, ShareRun, backfill_across
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
    "AcrossReport",
    "BackfillPlan",
    "BackfillReport",
    "ShareRun",
    "WatchStats",
    "abackfill",
    "aplan_backfill",
    "aupdate",
    "awatch",
    "backfill",
    "backfill_across",
    "plan_backfill",
    "update",
    "watch",
]
