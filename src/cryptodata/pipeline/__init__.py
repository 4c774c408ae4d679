"""Pipelines: resumable backfills, incremental updates and a polling watch loop over any sink."""

from .across import (
    AcrossPlan,
    AcrossReport,
    SharePlan,
    ShareRun,
    abackfill_across,
    aplan_across,
    aupdate_across,
    backfill_across,
    plan_across,
    update_across,
)
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
from .watch import WatchStats, awatch, awatch_across, watch, watch_across

__all__ = [
    "AcrossPlan",
    "AcrossReport",
    "BackfillPlan",
    "BackfillReport",
    "SharePlan",
    "ShareRun",
    "WatchStats",
    "abackfill",
    "abackfill_across",
    "aplan_across",
    "aplan_backfill",
    "aupdate",
    "aupdate_across",
    "awatch",
    "awatch_across",
    "backfill",
    "backfill_across",
    "plan_across",
    "plan_backfill",
    "update",
    "update_across",
    "watch",
    "watch_across",
]
