"""Pipelines: resumable backfills, incremental updates, a polling watch loop and scheduled
pulls over any sink; backfills split into shards on any executor."""

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
    plan_update,
    update,
)
from .configs import SharedBudget, SinkConfig, SourceConfig
from .executors import ShardedReport, ShardFailure, ShardProgress, run_shards
from .pulls import Cadence, PullsConfig, PullSpec, load_pulls, loop_pulls, run_pulls
from .shards import Shard, ShardResult, plan_shards, run_shard
from .watch import WatchStats, awatch, awatch_across, watch, watch_across

__all__ = [
    "AcrossPlan",
    "AcrossReport",
    "BackfillPlan",
    "BackfillReport",
    "Cadence",
    "PullSpec",
    "PullsConfig",
    "Shard",
    "ShardFailure",
    "ShardProgress",
    "ShardResult",
    "ShardedReport",
    "SharePlan",
    "ShareRun",
    "SharedBudget",
    "SinkConfig",
    "SourceConfig",
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
    "plan_shards",
    "plan_update",
    "run_pulls",
    "run_shard",
    "run_shards",
    "update",
    "update_across",
    "watch",
    "watch_across",
]
