"""`cryptodata migrate`: bring data an older release wrote to this release's layout, in place."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import open_sink


def register(commands: Any) -> None:
    """Add the `migrate` sub-command."""
    parser = commands.add_parser(
        "migrate",
        help="migrate a sink written by cryptodata 0.1 to the current layout, in place",
        description=(
            "Layout 2 adds interval (and unit) to every series key. Rows written by 0.1 carry "
            "no interval: give the one they were collected at. The migration is crash-safe: "
            "run it again after an interruption."
        ),
    )
    parser.add_argument(
        "sink", metavar="SINK", help="jsonl:DIR, parquet:DIR_OR_URL or postgres:DSN"
    )
    parser.add_argument(
        "--interval", required=True, help="the interval the stored bars were collected at, e.g. 1h"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Open the sink with the migration interval; opening migrates."""
    with open_sink(args.sink, migrate_interval=args.interval):
        pass
    print(f"{args.sink.partition(':')[0]} sink is at the current layout")
    return 0
