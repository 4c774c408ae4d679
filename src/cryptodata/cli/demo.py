"""`cryptodata demo`: the Coinalyze client end to end, then one question across providers.

With `COINALYZE_API_KEY` set it queries the real APIs; without it, the same client code
(validation, planning, limiter, transport, parsing) runs against sample responses recorded
from the real API (Coinalyze's replay mode, `cryptodata.providers.coinalyze.replay`), which
hold one symbol: others are refused before any request. Then `MarketData` answers BTC's
hourly candles and open interest on Binance, Bybit and Hyperliquid from whichever provider
covers each venue (offline: every provider's bundled samples). It ends with the
`cryptodata query` command that reads back what it stored.
"""

from __future__ import annotations

import argparse
import os
import shlex
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind
from cryptodata.core.table import Table
from cryptodata.marketdata.facade import MarketData
from cryptodata.providers.coinalyze import Coinalyze
from cryptodata.providers.coinalyze.replay import (
    DAILY,
    FOUR_HOURLY,
    SAMPLE_SYMBOLS,
    sample_client,
)
from cryptodata.sinks.parquet import ParquetSink

from ._common import KEY_VARIABLE

SYMBOL = "BTCUSDT_PERP.A"


def register(commands: Any) -> None:
    """Add the `demo` sub-command."""
    parser = commands.add_parser(
        "demo", help="fetch Coinalyze data (live with COINALYZE_API_KEY, else bundled samples)"
    )
    parser.add_argument(
        "--symbol",
        default=SYMBOL,
        help=f"Coinalyze symbol (default {SYMBOL}; the bundled samples hold "
        f"{', '.join(SAMPLE_SYMBOLS)} only)",
    )
    parser.add_argument(
        "--store", help="Parquet dataset to write the demo data to (default: a new temp dir)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Fetch every kind for one symbol, print the frames, store them in Parquet and read them back."""
    symbol = args.symbol
    live = bool(os.environ.get(KEY_VARIABLE))
    if live:
        client = Coinalyze()
        days: tuple[str, str | None] = (_days_ago(5), None)
        hours: tuple[str, str | None] = (_days_ago(1), None)
        print(f"cryptodata demo: live Coinalyze API ({KEY_VARIABLE} is set)\n")
    else:
        if symbol not in SAMPLE_SYMBOLS:
            # A replay answers any symbol with the one recorded: refuse before it mislabels.
            raise ValidationError(
                f"the bundled samples hold {', '.join(SAMPLE_SYMBOLS)} only, not {symbol!r}; "
                f"set {KEY_VARIABLE} to fetch {symbol!r} from the live API"
            )
        # Replayed at the moment the samples were recorded, so retention warnings read as they did then.
        client = sample_client()
        days = (DAILY.start, DAILY.end)
        hours = (FOUR_HOURLY.start, FOUR_HOURLY.end)
        print(
            f"cryptodata demo: bundled Coinalyze sample responses (set {KEY_VARIABLE} to go live)\n"
        )
    tables: list[Table] = []
    with client, pl.Config(tbl_rows=12, tbl_cols=14, tbl_width_chars=220, fmt_str_lengths=30):
        start, end = days
        for title, fetch in (
            ("open interest (daily)", client.open_interest_history),
            ("funding rate (daily, fraction per period)", client.funding_rate_history),
            ("predicted funding rate (daily)", client.predicted_funding_rate_history),
            ("liquidations (daily)", client.liquidation_history),
            ("long/short ratio (daily)", client.long_short_ratio_history),
        ):
            tables.append(_show(title, fetch(symbol, interval="1d", start=start, end=end)))
        start, end = hours
        tables.append(
            _show(
                "OHLCV (4-hourly)",
                client.ohlcv_history(symbol, interval=FOUR_HOURLY.interval, start=start, end=end),
            )
        )
        tables.append(_show("open interest now", client.open_interest(symbol)))
        tables.append(_show("funding rate now", client.funding_rate(symbol)))
        tables.append(_show("predicted funding rate now", client.predicted_funding_rate(symbol)))
        stats = client.stats
        print(
            f"requests: {stats.sent} sent, {stats.retried} retried, {stats.rate_limited} rate limited, "
            f"{stats.bytes_received:,} bytes received\n"
        )
        tables.extend(_across_providers(live))
        store = os.path.abspath(args.store or tempfile.mkdtemp(prefix="cryptodata-demo-"))
        _store_and_read_back(tables, store)
    print("\n== read it back from the command line (any kind above as --kind):")
    print(
        f"cryptodata query --sink {shlex.quote(f'parquet:{store}')} --kind ohlcv "
        f"--symbol {shlex.quote(symbol)} --interval {FOUR_HOURLY.interval}"
    )
    return 0


_VENUES = ("binance", "bybit", "hyperliquid")


def _across_providers(live: bool) -> list[Table]:
    """BTC on three venues through the facade: who answered what, and the rows per venue."""
    md = MarketData() if live else MarketData(offline=True)
    now = datetime.fromtimestamp(md.providers[0].clock.time(), UTC)
    start = now - timedelta(hours=24)
    print(
        f"== across providers ({md!r}): BTC on {', '.join(_VENUES)}, hourly, the last 24 h"
        f"{'' if live else ' of the samples'}"
    )
    answered: list[Table] = []
    for kind, fetch in (("ohlcv", md.ohlcv), ("open interest", md.open_interest)):
        table = fetch("BTC", venues=list(_VENUES), interval="1h", start=start, end=now)
        summary = (
            table.to_polars()
            .group_by("exchange", "provider", "symbol", "unit", maintain_order=True)
            .agg(
                rows=pl.len(),
                first=pl.col("ts").min(),
                last=pl.col("ts").max(),
                close=pl.col("close").last(),
            )
            .sort("exchange", "unit")
        )
        print(f"-- {kind}: {len(table)} rows")
        print(summary)
        if table.report is not None:
            print("   " + table.report.summary().replace("\n", "\n   "))
        answered.append(table)
    print()
    return answered


def _store_and_read_back(tables: list[Table], store: str) -> None:
    """Write every table into a Parquet dataset, then read it back two ways."""
    with ParquetSink(store) as sink:
        written = sum(sink.write(table) for table in tables)
        print(f"== stored {written} rows in the Parquet dataset {store}")
        by_kind: dict[Kind, list[Table]] = {}
        for table in tables:
            by_kind.setdefault(table.kind, []).append(table)
        for kind, parts in by_kind.items():
            back = sink.read(kind)
            same = back.to_polars().equals(Table.concat(kind, parts).to_polars())
            print(f"   {kind.value:<32} {len(back):>3} rows read back, identical: {same}")
    scanned = pl.scan_parquet(f"{store}/kind=ohlcv/**/*.parquet", hive_partitioning=True)
    print("\n== the same dataset through polars.scan_parquet (Hive partitions):")
    print(scanned.select("exchange", "symbol", "ts", "close", "volume").sort("ts").collect())


def _show(title: str, table: Table) -> Table:
    print(f"== {title}: {len(table)} rows of kind {table.kind.value}")
    print(table.to_polars())
    for warning in table.warnings:
        print(f"   warning: {warning}")
    print()
    return table


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d")
