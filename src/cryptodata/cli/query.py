"""`cryptodata query`: read a sink back as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import polars as pl

from ._common import add_sink_option, kinds_of, open_sink


def register(commands: Any) -> None:
    """Add the `query` sub-command."""
    parser = commands.add_parser("query", help="read rows back from a sink")
    add_sink_option(parser)
    parser.add_argument("--kind", required=True, help="series kind, e.g. ohlcv")
    parser.add_argument("--provider", help="only this provider")
    parser.add_argument("--exchange", help="only this venue")
    parser.add_argument("--symbol", help="only this symbol")
    parser.add_argument("--start", help="from this time (inclusive, UTC)")
    parser.add_argument("--end", help="until this time (exclusive, UTC)")
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )
    parser.add_argument("--limit", type=int, help="print only the newest N rows")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the rows in the chosen format on stdout."""
    args.kinds = [args.kind]
    (kind,) = kinds_of(args)
    with open_sink(args.sink) as sink:
        table = sink.read(
            kind,
            provider=args.provider,
            exchange=args.exchange,
            symbol=args.symbol,
            start=args.start,
            end=args.end,
        )
    frame = table.to_polars()
    if args.limit is not None:
        frame = frame.sort("ts").tail(args.limit)
    if args.format == "csv":
        sys.stdout.write(frame.write_csv())
    elif args.format == "json":
        sys.stdout.write(frame.write_ndjson())
    else:
        with pl.Config(tbl_rows=50, tbl_cols=16, tbl_width_chars=200):
            print(frame)
    return 0
