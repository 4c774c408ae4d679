"""`cryptodata providers`: the capability table, what each provider offers per venue and kind.

Built from the providers' `coverage()` with no key and no request (Coinalyze's from its bundled
market lists). By default every registered provider with the clients a default `MarketData`
makes (ccxt: Binance USDⓈ-M, Bybit and OKX); `--provider` names others (`ccxt:kraken`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import polars as pl

from cryptodata.core.errors import MissingDependencyError, ValidationError
from cryptodata.marketdata.capabilities import capabilities
from cryptodata.providers.registry import PROVIDERS

from ._providers import ProviderSpec, command_provider, parse_provider

_FORMATS = ("table", "csv", "json")


def register(commands: Any) -> None:
    """Add the `providers` sub-command."""
    parser = commands.add_parser(
        "providers", help="what each provider offers: venues, kinds, intervals, depth, units"
    )
    parser.add_argument(
        "--provider",
        action="append",
        type=parse_provider,
        metavar="PROVIDER",
        help="a provider to list (repeat for several; e.g. coinalyze, hyperliquid, "
        "ccxt:bybit); default: every provider",
    )
    parser.add_argument("--kind", help="only this kind (e.g. open_interest)")
    parser.add_argument("--venue", help="only this venue (e.g. bybit)")
    parser.add_argument("--format", choices=_FORMATS, default="table", help="output format")
    parser.set_defaults(run=run, usd=False)


def run(args: argparse.Namespace) -> int:
    """Print the capability table of the providers asked for."""
    asked: list[ProviderSpec] | None = args.provider
    if asked and (facade := next((spec for spec in asked if command_provider(spec).facade), None)):
        raise ValidationError(
            f"--provider {facade}: the facade answers from every provider; run "
            "`cryptodata providers` without --provider to list them all"
        )
    clients = []
    for spec in asked or _defaults():
        try:
            clients.append(command_provider(spec).offline(spec, args))
        except MissingDependencyError as exc:
            if asked:
                raise
            print(f"cryptodata: {spec} left out: {exc}", file=sys.stderr)
    table = capabilities(clients)
    if args.kind:
        table = table.filter(kind=args.kind)
    if args.venue:
        table = table.filter(venue=args.venue)
    if table.is_empty():
        raise ValidationError("no provider listed offers that kind and venue")
    if args.format == "json":
        print(table.write_json())
    elif args.format == "csv":
        print(table.with_columns(pl.col("units").list.join("|")).write_csv(), end="")
    else:
        with pl.Config(tbl_rows=-1, tbl_width_chars=200, fmt_str_lengths=80):
            print(_summary(table))
    return 0


def _defaults() -> list[ProviderSpec]:
    """Every registered provider, with the arguments of a default `MarketData`'s clients."""
    return [
        ProviderSpec(name, str(arguments[0]) if arguments else None)
        for name, entry in PROVIDERS.items()
        for arguments in entry.defaults
    ]


def _summary(table: pl.DataFrame) -> pl.DataFrame:
    """One row per provider, venue and kind: its intervals and how far back it keeps them."""
    bars = pl.col("retained_bars")
    kept = (
        pl.when(pl.col("interval").is_null().all())
        .then(pl.lit(""))
        .when(bars.is_null().all())
        .then(pl.lit("whole history"))
        .when(bars.min() == bars.max())
        .then(pl.format("newest {} bars", bars.min()))
        .otherwise(pl.format("newest {} to {} bars", bars.min(), bars.max()))
    )
    partly = pl.when(bars.is_null().any() & bars.is_not_null().any()).then(
        pl.lit(" (some intervals: whole history)")
    )
    return (
        table.group_by("provider", "venue", "kind", maintain_order=True)
        .agg(
            intervals=pl.col("interval").drop_nulls().str.join(" "),
            kept=pl.concat_str(kept, partly.otherwise(pl.lit(""))),
            units=pl.col("units").first().list.join(" "),
        )
        .sort("provider", "venue", "kind")
    )
