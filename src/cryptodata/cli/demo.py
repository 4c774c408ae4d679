"""`cryptodata demo`: the Coinalyze client end to end, live or against bundled samples.

With `COINALYZE_API_KEY` set it queries the real API; without it, the same client code
(validation, planning, limiter, transport, parsing) runs against sample responses recorded
from the real API, served by a [`ReplayTransport`][cryptodata.ReplayTransport].
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import polars as pl

from cryptodata.core.clock import ManualClock
from cryptodata.core.replay import ReplayTransport
from cryptodata.core.table import Table
from cryptodata.providers.coinalyze import Coinalyze
from cryptodata.sinks.parquet import ParquetSink

SYMBOL = "BTCUSDT_PERP.A"
RECORDED_AT = 1_750_630_200.0  # 2025-06-22 22:10 UTC, when the bundled samples were fetched

_SAMPLES = {
    "/exchanges": "exchanges.json",
    "/future-markets": "future-markets.json",
    "/spot-markets": "spot-markets.json",
    "/open-interest-history": "open-interest-history.json",
    "/funding-rate-history": "funding-rate-history.json",
    "/predicted-funding-rate-history": "predicted-funding-rate-history.json",
    "/liquidation-history": "liquidation-history.json",
    "/long-short-ratio-history": "long-short-ratio-history.json",
    "/ohlcv-history": "ohlcv-history.json",
    "/open-interest": "open-interest.2025-06-22.json",
    "/funding-rate": "funding-rate.2025-06-22.json",
    "/predicted-funding-rate": "predicted-funding-rate.2025-06-22.json",
}


def register(commands: Any) -> None:
    """Add the `demo` sub-command."""
    parser = commands.add_parser(
        "demo", help="fetch Coinalyze data (live with COINALYZE_API_KEY, else bundled samples)"
    )
    parser.add_argument("--symbol", default=SYMBOL, help=f"Coinalyze symbol (default {SYMBOL})")
    parser.add_argument(
        "--store", help="Parquet dataset to write the demo data to (default: a new temp dir)"
    )
    parser.set_defaults(run=run)


def replay() -> ReplayTransport:
    """A replay of real Coinalyze responses bundled with the package (June 2025, BTCUSDT_PERP.A)."""
    samples = resources.files("cryptodata.providers.coinalyze") / "samples"
    return ReplayTransport({path: (samples / name).read_bytes() for path, name in _SAMPLES.items()})


def run(args: argparse.Namespace) -> int:
    """Fetch every kind for one symbol, print the frames, store them in Parquet and read them back."""
    live = bool(os.environ.get("COINALYZE_API_KEY"))
    if live:
        client = Coinalyze()
        days: tuple[str, str | None] = (_days_ago(5), None)
        hours: tuple[str, str | None] = (_days_ago(1), None)
        print("cryptodata demo: live Coinalyze API (COINALYZE_API_KEY is set)\n")
    else:
        # Replayed at the moment the samples were recorded, so retention warnings read as they did then.
        client = Coinalyze(api_key="demo", http_transport=replay(), clock=ManualClock(RECORDED_AT))
        days = ("2025-06-01", "2025-06-06")
        hours = ("2025-06-10", "2025-06-11")
        print(
            "cryptodata demo: bundled Coinalyze sample responses (set COINALYZE_API_KEY to go live)\n"
        )
    symbol = args.symbol
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
                client.ohlcv_history(symbol, interval="4h", start=start, end=end),
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
        _store_and_read_back(tables, args.store or tempfile.mkdtemp(prefix="cryptodata-demo-"))
    return 0


def _store_and_read_back(tables: list[Table], store: str) -> None:
    """Write every table into a Parquet dataset, then read it back two ways."""
    with ParquetSink(store) as sink:
        written = sum(sink.write(table) for table in tables)
        print(f"== stored {written} rows in the Parquet dataset {store}")
        for table in tables:
            back = sink.read(table.kind)
            same = back.to_polars().equals(table.to_polars())
            print(f"   {table.kind.value:<32} {len(back):>3} rows read back, identical: {same}")
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
