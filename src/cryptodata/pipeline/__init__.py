"""Pipelines: resumable backfills, incremental updates, a polling watch loop and scheduled
pulls over any sink."""

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
from .pulls import Cadence, PullsConfig, PullSpec, load_pulls, loop_pulls, run_pulls
from .watch import WatchStats, awatch, awatch_across, watch, watch_across

__all__ = [
    "AcrossPlan",
    "AcrossReport",
    "BackfillPlan",
    "BackfillReport",
    "Cadence",
    "PullSpec",
    "PullsConfig",
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
    "load_pulls",
    "loop_pulls",
    "plan_across",
    "plan_backfill",
    "run_pulls",
    "update",
    "update_across",
    "watch",
    "watch_across",
]
