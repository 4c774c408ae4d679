"""`--workers N` on `backfill` and `update`: the plan run shard by shard on a pool.

The driver resolves the symbols and plans as the plain commands do; the workers (processes
by default, or threads) each build their own client and sink from the command line's
provider and sink specs (`SourceConfig`, `SinkConfig`), so keys never travel: each worker
reads the provider's key variable itself, or `--keys-variable`'s comma-separated keys, dealt
across the shards. One line is logged per finished shard; the exit status is 1 when a shard
still failed after its retries (rerun to resume it).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.pipeline.backfill import BackfillPlan, backfill, update
from cryptodata.pipeline.configs import SinkConfig, SourceConfig
from cryptodata.pipeline.executors import ShardedReport
from cryptodata.pipeline.shards import ShardResult

from ._common import open_client, positive, provider_of, required_symbols, symbols_of

__all__ = ["add_workers_options", "run_sharded"]

logger = logging.getLogger("cryptodata.cli")


def add_workers_options(parser: argparse.ArgumentParser) -> None:
    """Add `--workers`, `--executor` and `--keys-variable`."""
    parser.add_argument(
        "--workers",
        type=positive,
        help="run the plan shard by shard on this many workers (a parquet: or postgres: sink)",
    )
    parser.add_argument(
        "--executor",
        choices=("processes", "threads"),
        default="processes",
        help="what the workers are (default processes)",
    )
    parser.add_argument(
        "--keys-variable",
        help="environment variable holding the provider's keys, comma-separated: the shards "
        "are dealt across them (default: the provider's own key variable)",
    )


def run_sharded(
    args: argparse.Namespace, interval: Interval, kinds: list[Kind], *, refresh: bool
) -> ShardedReport:
    """Run the command's backfill (or, with `refresh`, update) on `args.workers` workers."""
    spec = args.provider
    source = SourceConfig(
        spec.name,
        () if spec.argument is None else (spec.argument,),
        provider_of(args).options(args),
        key_variable=args.keys_variable,
    )
    with open_client(args) as client:
        named = symbols_of(client, args) if refresh else None
        symbols = [] if refresh else required_symbols(client, args)
    with _pool(args.executor, args.workers) as pool:
        options: dict[str, Any] = {
            "sink": SinkConfig(args.sink),
            "lag": args.lag,
            "executor": pool,
            "shards": args.workers,
            "progress": _log_shard,
        }
        if refresh:
            report = update(
                source, kinds, named, interval, start=args.start, end=args.end, **options
            )
        else:
            report = backfill(source, kinds, symbols, interval, args.start, args.end, **options)
    assert isinstance(report, ShardedReport)
    for failure in report.failures:
        logger.error(
            "shard %d failed after %d attempts: %s (rerun to resume it)",
            failure.shard.index,
            failure.attempts,
            failure.error,
        )
    for name in report.revoked:
        logger.error("key %s was refused and left the rotation", name)
    return report


def _pool(kind: str, workers: int) -> Executor:
    if kind == "threads":
        return ThreadPoolExecutor(workers, thread_name_prefix="cryptodata-shard")
    # Spawned, not forked: the driver holds threads and sockets a fork would copy mid-use.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _log_shard(result: ShardResult, plan: BackfillPlan) -> None:
    done = "ok" if result.error is None else f"failed: {result.error}"
    logger.info(
        "shard %d: %d rows in %d requests, %s",
        result.index,
        result.rows_written,
        result.requests,
        done,
    )
