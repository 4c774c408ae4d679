"""A notebook cell: a month of daily OI and funding for BTC on three venues, side by side.

With COINALYZE_API_KEY set it asks the live API (May 2025, USD values, and the cross-venue
OI sum). Without it, the same code runs on the bundled sample answers (Coinalyze's replay
mode): they hold Binance's BTCUSDT_PERP.A alone, five days of June 2025, in native units, so
the USD sum across venues is left out.
"""

from __future__ import annotations

import os

import polars as pl

from cryptodata import Coinalyze
from cryptodata.providers.coinalyze.replay import DAILY, sample_client


def main() -> None:
    live = bool(os.environ.get("COINALYZE_API_KEY"))
    if live:
        cz = Coinalyze()
        venues = ["binance", "bybit", "okx"]
        window = {"interval": "1d", "start": "2025-05-01", "end": "2025-06-01"}
    else:
        cz = sample_client()
        venues = ["binance"]
        window = {"interval": DAILY.interval, "start": DAILY.start, "end": DAILY.end}
    print(
        f"BTC on {', '.join(venues)}, {window['start']} to {window['end']} ({'live' if live else 'samples'})"
    )
    with cz:
        symbols = [cz.resolve(exchange=venue, base="BTC", quote="USDT") for venue in venues]
        oi = cz.open_interest_history(symbols, convert_to_usd=live, **window).to_polars()
        funding = cz.funding_rate_history(symbols, **window).to_polars()
        total = cz.aggregate("open_interest", "BTC", exchanges=venues, **window) if live else None

    frame = oi.select("exchange", "ts", "unit", oi="close").join(
        funding.select("exchange", "ts", funding="close"), on=["exchange", "ts"]
    )
    print(frame.pivot(on="exchange", index=["ts", "unit"], values="oi").sort("ts"))
    print(
        frame.group_by("exchange")
        .agg(pl.col("funding").mean() * 3 * 365)
        .rename({"funding": "annualised"})
    )
    if total is not None:
        print(total.to_polars().select("ts", "close", "venues", "exchanges"))


if __name__ == "__main__":
    main()
