"""`cryptodata watch`: poll on every interval boundary into a sink until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
from typing import Any

from cryptodata.pipeline.watch import watch

from . import _across
from ._common import (
    add_series_options,
    open_client,
    open_sink,
    positive,
    provider_of,
    required_symbols,
    series_arguments,
    setup_logging,
)


def register(commands: Any) -> None:
    """Add the `watch` sub-command (no `--end`: it runs until stopped, or `--cycles`)."""
    parser = commands.add_parser(
        "watch", help="poll closed bars every interval into a sink (Ctrl-C stops)"
    )
    add_series_options(
        parser,
        start_required=False,
        start_help="where series with nothing stored begin (default: the oldest bar the "
        "provider keeps)",
        end=False,
    )
    parser.add_argument(
        "--delay", type=float, default=5.0, help="seconds after each boundary (default 5)"
    )
    parser.add_argument(
        "--cycles", type=positive, help="stop after this many cycles (default: run until stopped)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the loop; health stats are logged after every cycle."""
    if provider_of(args).facade:
        return _across.run_watch(args)
    setup_logging(args)
    interval, kinds = series_arguments(args)
    with open_client(args) as client, open_sink(args.sink) as sink:
        stats = watch(
            client,
            kinds,
            required_symbols(client, args),
            interval,
            sink=sink,
            delay=args.delay,
            lag=args.lag,
            start=args.start,
            max_cycles=args.cycles,
        )
    return 0 if stats.failures < stats.cycles else 1
