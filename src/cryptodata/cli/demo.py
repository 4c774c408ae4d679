"""`cryptodata demo`: the Coinalyze client end to end, live or against bundled samples.

With `COINALYZE_API_KEY` set it queries the real API; without it, the same client code
(validation, planning, limiter, transport, parsing) runs against sample responses recorded
from the real API, served by a [`ReplayTransport`][cryptodata.ReplayTransport].
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import polars as pl

from cryptodata.core.clock import ManualClock
from cryptodata.core.replay import ReplayTransport
from cryptodata.core.table import Table
from cryptodata.providers.coinalyze import Coinalyze

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
    parser.set_defaults(run=run)


def replay() -> ReplayTransport:
    """A replay of real Coinalyze responses bundled with the package (June 2025, BTCUSDT_PERP.A)."""
    samples = resources.files("cryptodata.providers.coinalyze") / "samples"
    return ReplayTransport({path: (samples / name).read_bytes() for path, name in _SAMPLES.items()})


def run(args: argparse.Namespace) -> int:
    """Fetch every kind for one symbol and print the frames."""
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
    with client, pl.Config(tbl_rows=12, tbl_cols=14, tbl_width_chars=220, fmt_str_lengths=30):
        start, end = days
        _show(
            "open interest (daily)",
            client.open_interest_history(symbol, interval="1d", start=start, end=end),
        )
        _show(
            "funding rate (daily, fraction per period)",
            client.funding_rate_history(symbol, interval="1d", start=start, end=end),
        )
        _show(
            "predicted funding rate (daily)",
            client.predicted_funding_rate_history(symbol, interval="1d", start=start, end=end),
        )
        _show(
            "liquidations (daily)",
            client.liquidation_history(symbol, interval="1d", start=start, end=end),
        )
        _show(
            "long/short ratio (daily)",
            client.long_short_ratio_history(symbol, interval="1d", start=start, end=end),
        )
        start, end = hours
        _show("OHLCV (4-hourly)", client.ohlcv_history(symbol, interval="4h", start=start, end=end))
        _show("open interest now", client.open_interest(symbol))
        _show("funding rate now", client.funding_rate(symbol))
        _show("predicted funding rate now", client.predicted_funding_rate(symbol))
        stats = client.stats
        print(
            f"requests: {stats.sent} sent, {stats.retried} retried, {stats.rate_limited} rate limited, "
            f"{stats.bytes_received:,} bytes received"
        )
    return 0


def _show(title: str, table: Table) -> None:
    print(f"== {title}: {len(table)} rows of kind {table.kind.value}")
    print(table.to_polars())
    for warning in table.warnings:
        print(f"   warning: {warning}")
    print()


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d")
