"""`cryptodata pull --config pulls.toml`: the configured pulls, once (cron) or on their cadence.

Each pull is an `update` of one provider's series into the file's sink (or `--sink`); the
providers run at the same time, each under its own limiter, and every run adds a row to the
sink's `pull_log`. One line per run goes to stderr. `--loop` keeps running each pull on its
cadence until Ctrl-C or SIGTERM; `--offline` answers from every provider's bundled samples.
The exit status is 0 when every run was `ok`, else that of a failed run (1).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import Any

from cryptodata.core.errors import ValidationError
from cryptodata.core.table import Table
from cryptodata.pipeline.pulls import load_pulls, loop_pulls, run_pulls
from cryptodata.providers.registry import sample_source

from ._common import add_logging_options, open_sink, setup_logging
from ._providers import build_source, parse_provider


def register(commands: Any) -> None:
    """Add the `pull` sub-command."""
    parser = commands.add_parser(
        "pull", help="run the pulls of a config file once (or --loop on their cadence)"
    )
    parser.add_argument("--config", required=True, help="the pulls file (TOML)")
    parser.add_argument("--sink", help="sink spec, over the file's `sink` (e.g. parquet:data/)")
    parser.add_argument("--loop", action="store_true", help="keep running each pull on its cadence")
    parser.add_argument(
        "--offline", action="store_true", help="answer from every provider's bundled samples"
    )
    add_logging_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the pulls; one line per run on stderr."""
    setup_logging(args)
    config = load_pulls(args.config)
    target = args.sink or config.sink
    if target is None:
        raise ValidationError(f"{args.config} names no sink: give --sink SPEC")
    with ExitStack() as stack:
        sources = {
            name: stack.enter_context(_source(name, offline=args.offline))
            for name in config.providers()
        }
        sink = stack.enter_context(open_sink(target))
        if args.loop:
            loop_pulls(config.pulls, sources, sink=sink, on_run=_print)
            return 0
        logs = run_pulls(config.pulls, sources, sink=sink)
    _print(logs)
    return 0 if all(_status(log) == "ok" for log in logs) else 1


def _source(provider: str, *, offline: bool) -> Any:
    spec = parse_provider(provider)
    return sample_source(spec.name, spec.argument) if offline else build_source(spec)


def _status(log: Table) -> str:
    status: str = log.to_polars()["status"].item()
    return status


def _print(logs: list[Table]) -> None:
    for log in logs:
        row = log.to_polars().row(0, named=True)
        line = f"pull {row['pull']} ({row['provider']}): {row['status']}, "
        line += f"{row['rows']} rows in {row['requests']} requests"
        if row["error"]:
            line += f"; {row['error']}"
        print(line, file=sys.stderr)
