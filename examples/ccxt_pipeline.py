"""The seed job on ccxt: BTC and ETH perps' open interest, funding and liquidations in Parquet.

For the BTC and ETH perpetuals on Binance USDⓈ-M (`binanceusdm`), Bybit and Hyperliquid it
back-fills the last 48 hours of hourly open interest and the settled funding rates
(`backfill`, each kind only where the venue's `coverage()` offers it: ccxt's Hyperliquid has
no open-interest history), then streams liquidations from Binance and Bybit through ccxt.pro
for `--seconds` (or until `--events` have come), all into one Parquet dataset, and prints
what the dataset holds, read back from it. ccxt.pro has no public Hyperliquid liquidation
stream, so Hyperliquid has none.

Offline by default: the same code runs on the bundled samples (ccxt's replay mode, on a
clock stopped at 2025-07-01 00:00 UTC) and the streams on a loopback websocket replaying
recorded liquidation frames (`SampleFeed`). With `--live` it asks the venues' public APIs;
none needs a key.

    python examples/ccxt_pipeline.py --out data/seed
    python examples/ccxt_pipeline.py --live --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from cryptodata import AsyncCcxt, Ccxt, Kind, ParquetSink
from cryptodata.core.stream import Data
from cryptodata.pipeline import backfill
from cryptodata.providers.ccxt.replay import SAMPLE, sample_async_client, sample_client
from cryptodata.providers.ccxt.replay_stream import SampleFeed, sample_pro

VENUES = {
    "binanceusdm": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
    "bybit": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
    "hyperliquid": ["BTC/USDC:USDC", "ETH/USDC:USDC"],
}
"""The ccxt ids and the BTC and ETH perpetuals of each (the samples hold exactly these)."""
STREAMED = ("binanceusdm", "bybit")
"""The venues whose liquidations ccxt.pro streams (Hyperliquid has no public stream)."""
KINDS = (Kind.OPEN_INTEREST, Kind.FUNDING_SETTLEMENT)
INTERVAL = SAMPLE.interval


def seed(client: Ccxt, symbols: list[str], sink: ParquetSink, hours: int) -> None:
    """Back-fill the kinds the venue offers over the last `hours`; say what was skipped."""
    coverage = client.coverage()
    kinds = [kind for kind in KINDS if coverage.supports(kind, INTERVAL)]
    reasons = dict(coverage.missing)
    now = datetime.fromtimestamp(client.clock.time(), UTC)
    report = backfill(client, kinds, symbols, INTERVAL, now - timedelta(hours=hours), sink=sink)
    print(
        f"{client.exchange.id}: {report.rows_written} rows of "
        f"{', '.join(kind.value for kind in kinds)} in {report.requests} requests"
    )
    for kind in KINDS:
        if kind not in kinds:
            print(f"{client.exchange.id}: no {kind.value} ({reasons.get(kind, 'not offered')})")


async def liquidations(
    exchange_id: str,
    feed: SampleFeed | None,
    sink: ParquetSink,
    seconds: float,
    events: int,
) -> int:
    """Stream one venue's liquidations into `sink` for `seconds` or `events`; the count."""
    client = AsyncCcxt(exchange_id) if feed is None else sample_async_client(exchange_id)
    # Offline, ccxt.pro is pointed at the loopback feed; live, the stream makes its own.
    pro: Any = None if feed is None else sample_pro(exchange_id, feed)
    count = 0
    try:
        async with (
            client as cx,
            cx.stream_liquidations(VENUES[exchange_id], sink=sink, pro=pro) as stream,
        ):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    async for item in stream:
                        if isinstance(item, Data):
                            count += len(item.table)
                            if count >= events:
                                break
    finally:
        # Our own ccxt.pro instance is ours to close, on the loop it ran on.
        if pro is not None:
            await pro.close()
    return count


async def stream_all(live: bool, sink: ParquetSink, seconds: float, events: int) -> list[int]:
    """Both venues' liquidation streams at once."""
    with contextlib.ExitStack() as stack:
        feed = None if live else stack.enter_context(SampleFeed())
        return list(
            await asyncio.gather(
                *(liquidations(venue, feed, sink, seconds, events) for venue in STREAMED)
            )
        )


def summary(sink: ParquetSink) -> list[str]:
    """Rows per kind and venue, read back from the dataset."""
    lines = []
    for kind in (*KINDS, Kind.LIQUIDATION_EVENTS):
        frame = sink.read(kind).to_polars()
        counts = frame.group_by("exchange").agg(pl.len()).sort("exchange").rows()
        held = ", ".join(f"{venue} {rows}" for venue, rows in counts) or "nothing"
        lines.append(f"{kind.value}: {held}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="ask the real APIs (no key needed)")
    parser.add_argument("--out", help="Parquet dataset directory (default: a temporary one)")
    parser.add_argument("--hours", type=int, default=48, help="hours of history to back-fill")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="how long to stream liquidations"
    )
    parser.add_argument(
        "--events", type=int, default=1000, help="stop a venue's stream after this many"
    )
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="ccxt-pipeline-")
    print(
        f"seeding BTC and ETH perps on {', '.join(VENUES)} "
        f"({'live' if args.live else 'samples'}) into "
        f"{'a temporary dataset' if args.out is None else out}"
    )
    with ParquetSink(out) as sink:
        for exchange_id, symbols in VENUES.items():
            client = Ccxt(exchange_id) if args.live else sample_client(exchange_id)
            with client:
                seed(client, symbols, sink, args.hours)
        print(
            "hyperliquid: no liquidation stream (ccxt.pro has no public Hyperliquid "
            "liquidation feed)"
        )
        counts = asyncio.run(stream_all(args.live, sink, args.seconds, args.events))
        for venue, count in zip(STREAMED, counts, strict=True):
            print(f"{venue}: {count} liquidations streamed in at most {args.seconds:g} s")
        for line in summary(sink):
            print(f"stored {line}")


if __name__ == "__main__":
    main()
