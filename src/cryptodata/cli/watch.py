"""`cryptodata watch`: poll on every interval boundary into a sink until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
from typing import Any

from cryptodata.core.errors import ValidationError
from cryptodata.pipeline.watch import watch

from ._common import (
    add_series_options,
    interval_of,
    kinds_of,
    open_client,
    open_sink,
    setup_logging,
    symbols_of,
)


def register(commands: Any) -> None:
    """Add the `watch` sub-command."""
    parser = commands.add_parser(
        "watch", help="poll closed bars every interval into a sink (Ctrl-C stops)"
    )
    add_series_options(parser, start_required=False)
    parser.add_argument(
        "--delay", type=float, default=5.0, help="seconds after each boundary (default 5)"
    )
    parser.add_argument(
        "--cycles", type=int, help="stop after this many cycles (default: run until stopped)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the loop; health stats are logged after every cycle."""
    setup_logging(args)
    if args.end is not None:
        raise ValidationError("watch runs until stopped; --end does not apply (use --cycles)")
    with open_client(args) as client, open_sink(args.sink) as sink:
        interval = interval_of(args, client)
        stats = watch(
            client,
            kinds_of(args),
            symbols_of(client, args),
            interval,
            sink=sink,
            delay=args.delay,
            lag=args.lag,
            start=args.start,
            max_cycles=args.cycles,
        )
    return 0 if stats.failures < stats.cycles else 1
