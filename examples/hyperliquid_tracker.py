"""A tracker: Hyperliquid candles, the leaderboard's best traders and their positions, into Parquet.

Offline by default: the same code runs on the bundled sample answers (Hyperliquid's replay
mode: 48 hourly BTC candles up to 2025-07-01, a small leaderboard, one trader's positions),
on a clock stopped at the samples' "now". With `--live` it asks the real API; Hyperliquid
needs no key. Either way the tables go to a Parquet dataset (`--out`, a temporary directory
by default) and are read back from it:

    python examples/hyperliquid_tracker.py --out data/hl --top 3
    python examples/hyperliquid_tracker.py --live --coins BTC ETH
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime, timedelta

from cryptodata import Hyperliquid, Kind, ParquetSink
from cryptodata.providers.hyperliquid.replay import SAMPLE, sample_client


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="ask the real API (no key needed)")
    parser.add_argument("--out", help="Parquet dataset directory (default: a temporary one)")
    parser.add_argument("--coins", nargs="+", default=[SAMPLE.coin], help="coins to follow")
    parser.add_argument("--top", type=int, default=2, help="traders to follow")
    args = parser.parse_args(argv)
    client = Hyperliquid() if args.live else sample_client()
    out = args.out or tempfile.mkdtemp(prefix="hyperliquid-")
    now = datetime.fromtimestamp(client.clock.time(), UTC)
    print(
        f"tracking {', '.join(args.coins)} and the top {args.top} traders "
        f"({'live' if args.live else 'samples'}) into {'a temporary dataset' if args.out is None else out}"
    )
    with client as hl, ParquetSink(out) as sink:
        for coin in args.coins:
            candles = hl.candles(coin, interval=SAMPLE.interval, start=now - timedelta(hours=48))
            sink.write(candles)
            last = candles.to_records()[-1]
            print(
                f"{coin}: {len(candles)} closed 1h candles, last close {last.close:,.1f} at {last.ts:%Y-%m-%d %H:%M}"
            )
        leaders = hl.leaderboard(window="month", top=args.top)
        sink.write(leaders)
        for leader in leaders:
            positions = hl.positions(leader.address)
            sink.write(positions)
            held = (
                ", ".join(f"{p.side} {abs(p.size or 0):g} {p.symbol}" for p in positions)
                or "nothing"
            )
            print(f"{leader.address[:10]}… month pnl {leader.pnl:+,.0f} USD: {held}")
        stored = {
            kind.value: len(sink.read(kind))
            for kind in (Kind.OHLCV, Kind.LEADERBOARD, Kind.POSITIONS)
        }
    print("stored: " + ", ".join(f"{count} {kind}" for kind, count in stored.items()))


if __name__ == "__main__":
    main()
