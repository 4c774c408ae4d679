"""Options and plumbing shared by the data commands: provider, symbols, kinds, sink, logging."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.providers.coinalyze import Coinalyze
from cryptodata.providers.registry import PROVIDERS, source_class
from cryptodata.sinks.base import Sink, check_storable

SERIES_KINDS = (
    "open_interest",
    "funding_rate",
    "predicted_funding_rate",
    "liquidations",
    "long_short_ratio",
    "ohlcv",
)


def add_series_options(parser: argparse.ArgumentParser, *, start_required: bool) -> None:
    """Options naming what to fetch and where to put it."""
    parser.add_argument(
        "--provider",
        choices=sorted(PROVIDERS),
        default="coinalyze",
        help="data provider (default coinalyze)",
    )
    parser.add_argument(
        "--symbols",
        type=_csv,
        help="provider symbols, comma-separated (e.g. BTCUSDT_PERP.A,BTCUSDT.6)",
    )
    parser.add_argument(
        "--bases", type=_csv, help="base assets to resolve, comma-separated (e.g. BTC,ETH)"
    )
    parser.add_argument(
        "--exchanges", type=_csv, help="venues for --bases, comma-separated (e.g. binance,bybit)"
    )
    parser.add_argument(
        "--quote", help="quote asset for --bases (default: USDT, then USD, then USDC)"
    )
    parser.add_argument(
        "--kinds", type=_csv, default=list(SERIES_KINDS), help="series kinds (default: all six)"
    )
    parser.add_argument(
        "--interval",
        required=True,
        help="bar interval; coinalyze: 1m 5m 15m 30m 1h 2h 4h 6h 12h 1d (or 1min ... daily)",
    )
    parser.add_argument("--start", required=start_required, help="start (ISO date or time, UTC)")
    parser.add_argument("--end", help="end, exclusive (default: now)")
    parser.add_argument(
        "--lag", type=int, default=2, help="bars re-read before the newest stored one (default 2)"
    )
    parser.add_argument(
        "--usd", action="store_true", help="USD values for open interest and liquidations"
    )
    add_sink_option(parser)
    add_logging_options(parser)


def add_sink_option(parser: argparse.ArgumentParser) -> None:
    """The `--sink` option: `jsonl:DIR`, `parquet:DIR_OR_URL` or `postgres:DSN`."""
    parser.add_argument(
        "--sink",
        required=True,
        help="where data lives: jsonl:DIR, parquet:DIR_OR_URL or postgres:postgresql://...",
    )


def add_logging_options(parser: argparse.ArgumentParser) -> None:
    """`--json` (one JSON object per log line, for daemons) and `--quiet`."""
    parser.add_argument(
        "--json", action="store_true", help="log one JSON object per line (for daemons)"
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings and errors only")


def open_client(args: argparse.Namespace) -> Coinalyze:
    """The provider client named by `--provider`, with its options (`--usd`)."""
    client: Coinalyze = source_class(args.provider)(convert_to_usd=args.usd)
    return client


def symbols_of(client: Coinalyze, args: argparse.Namespace) -> list[str]:
    """Symbols from `--symbols`, or resolved from `--bases` on `--exchanges`."""
    if args.symbols and args.bases:
        raise ValidationError("give either --symbols or --bases/--exchanges, not both")
    if args.symbols:
        return list(args.symbols)
    if not args.bases or not args.exchanges:
        raise ValidationError("give --symbols, or --bases together with --exchanges")
    resolved = client.resolve_many(args.bases, args.exchanges, quote=args.quote)
    for base, exchange in resolved.missing:
        logging.getLogger("cryptodata.cli").warning(
            "no %s market for %s on %s", args.provider, base, exchange
        )
    if not resolved.symbols:
        raise ValidationError("none of the --bases has a market on the --exchanges given")
    return list(resolved.symbols)


def interval_of(args: argparse.Namespace, client: Coinalyze) -> Interval:
    """`--interval`, canonical or as `--provider` spells it, offered for every `--kinds`.

    Checked here, before symbols are resolved, so a bad combination sends no request.
    """
    coverage = client.coverage()
    interval = coverage.interval(args.interval)
    for kind in kinds_of(args):
        coverage.check(kind, interval)
    return interval


def kinds_of(args: argparse.Namespace) -> list[Kind]:
    """Kinds from `--kinds`, checked."""
    return [check_storable(name) for name in args.kinds]


def open_sink(spec: str, *, migrate_interval: str | None = None) -> Sink:
    """A sink from `jsonl:DIR`, `parquet:DIR_OR_URL` or `postgres:DSN`.

    With `migrate_interval`, data an older release wrote is migrated in place on opening.
    """
    scheme, _, target = spec.partition(":")
    if not target:
        raise ValidationError("--sink: expected jsonl:DIR, parquet:DIR_OR_URL or postgres:DSN")
    if scheme == "jsonl":
        from cryptodata.sinks.jsonl import JsonlSink

        return JsonlSink(target, migrate_interval=migrate_interval)
    if scheme == "parquet":
        from cryptodata.sinks.parquet import ParquetSink

        return ParquetSink(target, migrate_interval=migrate_interval)
    if scheme == "postgres":
        from cryptodata.sinks.postgres import PostgresSink

        return PostgresSink(target, migrate_interval=migrate_interval)
    # Only the scheme is named: the rest may be a DSN with a password in it.
    raise ValidationError(f"--sink: unknown sink {scheme!r}; use jsonl, parquet or postgres")


def setup_logging(args: argparse.Namespace) -> None:
    """Log to stderr, as text or (with `--json`) as one JSON object per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _JsonFormatter()
        if args.json
        else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    )
    root = logging.getLogger("cryptodata")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if args.quiet else logging.INFO)
    root.propagate = False


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _csv(value: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list")
    return items
