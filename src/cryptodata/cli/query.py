"""`cryptodata query`: read a sink back as a table, CSV or JSON lines, times in one ISO format."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import polars as pl
import polars.selectors as cs

from cryptodata.core.time import time_range
from cryptodata.sinks.base import STORABLE_KINDS

from ._common import add_sink_option, open_sink, positive, storable_kind

_FILTERS = {
    "provider": "only this provider",
    "exchange": "only this venue",
    "symbol": "only this symbol",
    "interval": "only bars of this interval (bar kinds)",
    "unit": "only values in this unit (kinds with a unit)",
    "entity": "only this entity (metric)",
    "metric": "only this metric (metric)",
}
"""Series-key columns `query` filters on; a filter the kind's key lacks is an error."""


ISO_UTC = "%Y-%m-%dT%H:%M:%S%.3fZ"
"""How every output format writes a time: ISO 8601 in UTC, to the millisecond (`2025-06-01T00:00:00.000Z`)."""


def iso_times(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with its datetime columns (all UTC) written as `ISO_UTC` text.

    Examples:
        >>> from datetime import UTC, datetime
        >>> iso_times(pl.DataFrame({"ts": [datetime(2025, 6, 1, tzinfo=UTC)]})).item()
        '2025-06-01T00:00:00.000Z'
    """
    return frame.with_columns(cs.datetime().dt.convert_time_zone("UTC").dt.strftime(ISO_UTC))


def register(commands: Any) -> None:
    """Add the `query` sub-command."""
    parser = commands.add_parser("query", help="read rows back from a sink")
    add_sink_option(parser)
    parser.add_argument(
        "--kind",
        required=True,
        type=storable_kind,
        metavar="KIND",
        help=f"series kind: {', '.join(sorted(kind.value for kind in STORABLE_KINDS))}",
    )
    for column, help_text in _FILTERS.items():
        parser.add_argument(f"--{column}", help=help_text)
    parser.add_argument("--start", help="from this time (inclusive, UTC)")
    parser.add_argument("--end", help="until this time (exclusive, UTC)")
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )
    parser.add_argument("--limit", type=positive, help="print only the newest N rows (N >= 1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the rows in the chosen format on stdout.

    Raises:
        ValidationError: For `--start` not before `--end`, a local root that does not exist
            or holds no data of this sink, or a filter the kind's series key lacks.
    """
    if args.start is not None and args.end is not None:
        time_range(args.start, args.end)
    with open_sink(args.sink, existing=True) as sink:
        where = {column: getattr(args, column) for column in _FILTERS}
        table = sink.read(
            args.kind, start=args.start, end=args.end, **{k: v for k, v in where.items() if v}
        )
    frame = table.to_polars()
    if args.limit is not None:
        frame = frame.sort("ts").tail(args.limit)
    frame = iso_times(frame)
    if args.format == "csv":
        sys.stdout.write(frame.write_csv())
    elif args.format == "json":
        sys.stdout.write(frame.write_ndjson())
    else:
        with pl.Config(tbl_rows=50, tbl_cols=16, tbl_width_chars=200):
            print(frame)
    return 0
