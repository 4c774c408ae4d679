"""`cryptodata backfill` and `cryptodata update`: fill a sink, resuming where it stopped."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cryptodata.core.table import Table
from cryptodata.pipeline.backfill import (
    BackfillPlan,
    BackfillReport,
    plan_backfill,
    run_plan,
    update,
)

from ._common import (
    add_series_options,
    interval_of,
    kinds_of,
    open_client,
    open_sink,
    setup_logging,
    symbols_of,
)

logger = logging.getLogger("cryptodata.cli")

Progress = Callable[[int, BackfillPlan, Table], None]


def register(commands: Any) -> None:
    """Add the `backfill` and `update` sub-commands."""
    backfill = commands.add_parser(
        "backfill", help="fetch history into a sink, resuming where it stopped"
    )
    add_series_options(backfill, start_required=True)
    backfill.add_argument(
        "--dry-run", action="store_true", help="print the plan and exit without fetching"
    )
    backfill.set_defaults(run=run_backfill)
    refresh = commands.add_parser("update", help="bring every series in a sink up to now")
    add_series_options(refresh, start_required=False)
    refresh.set_defaults(run=run_update)


def run_backfill(args: argparse.Namespace) -> int:
    """Plan, show the plan, then run it with progress."""
    setup_logging(args)
    with open_client(args) as client, open_sink(args.sink) as sink:
        interval = interval_of(args, client)
        symbols = symbols_of(client, args)
        plan = plan_backfill(
            client,
            kinds_of(args),
            symbols,
            interval,
            args.start,
            args.end,
            sink=sink,
            lag=args.lag,
        )
        logger.info("backfill plan: %s", plan.describe())
        if args.dry_run:
            print(plan.describe())
            for warning in plan.warnings:
                print(f"warning: {warning}")
            return 0
        with _progress(plan, fancy=not args.json and not args.quiet) as progress:
            report = run_plan(client, plan, sink=sink, progress=progress)
    _summarise(report)
    return 0


def run_update(args: argparse.Namespace) -> int:
    """Update every series from its newest stored bar."""
    setup_logging(args)
    with open_client(args) as client, open_sink(args.sink) as sink:
        interval = interval_of(args, client)
        report = update(
            client,
            kinds_of(args),
            symbols_of(client, args),
            interval,
            sink=sink,
            start=args.start,
            end=args.end,
            lag=args.lag,
        )
    _summarise(report)
    return 0


def _summarise(report: BackfillReport) -> None:
    for warning in report.warnings:
        logger.warning("%s", warning)
    logger.info(
        "done: %d requests, %d rows written in %.1fs (%s)",
        report.requests,
        report.rows_written,
        report.elapsed,
        report.plan.describe(),
    )


@contextmanager
def _progress(plan: BackfillPlan, *, fancy: bool) -> Iterator[Progress]:
    """A rich progress bar with ETA on a terminal (extra `cli`), else a log line per step."""
    if fancy and sys.stderr.isatty():
        try:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )
        except ImportError:
            pass
        else:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            with Progress(*columns, transient=False) as bar:
                task = bar.add_task("backfill", total=plan.requests)

                def advance(index: int, plan: BackfillPlan, table: Table) -> None:
                    bar.update(task, completed=index + 1, description=f"{table.kind.value:<24}")

                yield advance
                return

    def log_step(index: int, plan: BackfillPlan, table: Table) -> None:
        step = plan.steps[index]
        logger.info(
            "step %d/%d: %s %d symbol(s) %s..%s: %d rows",
            index + 1,
            plan.requests,
            step.kind.value,
            len(step.symbols),
            step.start.isoformat(),
            step.end.isoformat(),
            len(table),
        )

    yield log_step
