"""An on-chain dashboard for Bitcoin: the summary, then every metric's daily history in a sink.

Prints `MarketData.onchain_summary("BTC")` (network, sentiment, valuation and activity
metrics: the newest value, its day and its source, or why there is none), then backfills the
daily history of every metric the summary found into a sink, each from the provider that
answered it, and says what the sink holds. Offline by default, on the providers' bundled
samples (no key, no network) into a temporary Parquet dataset; `--live` asks the keyless
providers' real APIs (Coin Metrics community, blockchain.info, CBBI, Fear & Greed);
`--days` sets how much history (each provider's own "now" back).

    python examples/onchain_dashboard.py
    python examples/onchain_dashboard.py --live --days 365
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime, timedelta

import polars as pl

from cryptodata import Kind, MarketData, ParquetSink, backfill
from cryptodata.core.metric_names import metric_symbol


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="the keyless providers' real APIs")
    parser.add_argument("--days", type=int, default=30, help="days of history to store")
    args = parser.parse_args()
    with MarketData(offline=not args.live) as md, tempfile.TemporaryDirectory() as root:
        summary, _ = md.onchain_summary("BTC")
        print(f"BTC on-chain summary ({'live' if args.live else 'samples'})")
        for row in summary.iter_rows(named=True):
            print(_line(row))
        sources = {source.provider: source for source in md.providers}
        found = summary.filter(pl.col("value").is_not_null())
        with ParquetSink(root) as sink:
            for (provider,), rows in found.group_by("provider", maintain_order=True):
                source = sources[str(provider)]
                now = datetime.fromtimestamp(source.clock.time(), UTC)
                symbols = [
                    metric_symbol(row["provider_id"], row["metric"])
                    for row in rows.iter_rows(named=True)
                ]
                start = (now - timedelta(days=args.days)).date()
                backfill(source, "metric", symbols, "1d", start, sink=sink)
            stored = sink.read(Kind.METRIC).to_polars()
        counts = stored.group_by("metric").len().sort("metric").iter_rows()
        print("stored daily rows: " + ", ".join(f"{metric} {rows}" for metric, rows in counts))


def _line(row: dict[str, object]) -> str:
    head = f"  {row['group']:<10} {row['metric']:<20}"
    if row["value"] is None:
        return f"{head} -  ({str(row['error'])[:90]})"
    ts = row["ts"]
    day = ts.strftime("%Y-%m-%d") if isinstance(ts, datetime) else ts
    return f"{head} {row['value']:>18,.4g} {row['unit']} on {day} via {row['provider']}"


if __name__ == "__main__":
    main()
