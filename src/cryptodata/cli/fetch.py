"""`cryptodata fetch KIND ASSET...`: one question across providers and venues, printed or saved.

`MarketData` answers it (every configured provider; `--offline`: their bundled samples):
`cryptodata fetch open_interest BTC ETH --venues binance,bybit,hyperliquid --interval 1h
--start 2025-06-01`. The rows print as a table (or CSV, JSON lines, or a Parquet file with
`--out`; `--usd` for open interest and liquidations in dollars), then one line per provider share on stderr: who answered what, and what failed.
A share that failed makes the exit status the one of its error, after the other rows are out.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.marketdata.facade import MarketData

from ._common import exit_code

_KINDS = (
    "ohlcv",
    "open_interest",
    "funding_rate",
    "funding_settlement",
    "liquidations",
    "long_short_ratio",
)
_QUANTITIES = ("open_interest", "liquidations")
_FORMATS = ("table", "csv", "json", "parquet")


def register(commands: Any) -> None:
    """Add the `fetch` sub-command."""
    parser = commands.add_parser(
        "fetch", help="one question across providers: KIND ASSET... on --venues, as one frame"
    )
    parser.add_argument("kind", choices=_KINDS, help="what to fetch")
    parser.add_argument("assets", nargs="+", metavar="ASSET", help="assets, e.g. BTC ETH")
    parser.add_argument(
        "--venues", required=True, help="venues, comma-separated (e.g. binance,bybit), or all"
    )
    parser.add_argument("--interval", default="1h", help="bar interval (default 1h)")
    parser.add_argument("--start", required=True, help="window start (ISO date or time, UTC)")
    parser.add_argument("--end", help="window end, excluded (default now)")
    parser.add_argument("--per", help="rescale funding rates to this period (8h, 1d, 1y)")
    parser.add_argument(
        "--usd", action="store_true", help="open interest or liquidations in US dollars"
    )
    parser.add_argument("--prefer", help="providers to prefer, comma-separated")
    parser.add_argument(
        "--offline", action="store_true", help="answer from every provider's bundled samples"
    )
    parser.add_argument("--format", choices=_FORMATS, default="table", help="output format")
    parser.add_argument("--out", help="file to write (required for --format parquet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Ask the question, print or write the rows, report each share on stderr."""
    if args.format == "parquet" and not args.out:
        raise ValidationError("--format parquet writes a file: give --out PATH")
    if args.per and args.kind not in ("funding_rate", "funding_settlement"):
        raise ValidationError("--per rescales funding rates: use it with funding_rate")
    if args.usd and args.kind not in _QUANTITIES:
        raise ValidationError(
            "--usd converts quantities: use it with open_interest or liquidations"
        )
    venues: str | list[str] = (
        "all" if args.venues == "all" else [v.strip() for v in args.venues.split(",") if v.strip()]
    )
    prefer = [p.strip() for p in (args.prefer or "").split(",") if p.strip()]
    with (
        MarketData(offline=True, prefer=prefer) if args.offline else MarketData(prefer=prefer) as md
    ):
        table = _ask(md, args, venues)
    _write(table.to_polars(), args)
    failures = [] if table.report is None else table.report.failures
    if table.report is not None:
        print(table.report.summary(), file=sys.stderr)
    for warning in table.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    first = failures[0].error if failures else None
    return 0 if first is None else exit_code(first)


def _ask(md: MarketData, args: argparse.Namespace, venues: str | list[str]) -> Any:
    window = {"start": args.start, "end": args.end}
    if args.kind == "funding_settlement":
        return md.funding_settlements(args.assets, venues=venues, per=args.per, **window)
    if args.kind == "funding_rate":
        return md.funding_rate(
            args.assets, venues=venues, interval=args.interval, per=args.per, **window
        )
    if args.usd:
        quantity = md.open_interest if args.kind == "open_interest" else md.liquidations
        return quantity(args.assets, venues=venues, interval=args.interval, usd=True, **window)
    return md.history(args.kind, args.assets, venues=venues, interval=args.interval, **window)


def _write(frame: pl.DataFrame, args: argparse.Namespace) -> None:
    if args.format == "parquet":
        frame.write_parquet(args.out)
        print(f"wrote {frame.height} rows to {args.out}", file=sys.stderr)
        return
    if args.format == "csv":
        text = frame.write_csv()
    elif args.format == "json":
        text = frame.write_ndjson()
    else:
        with pl.Config(tbl_rows=40, tbl_cols=16, tbl_width_chars=200):
            text = f"{frame}\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(text)
        print(f"wrote {frame.height} rows to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
