"""A notebook cell: a month of daily OI, funding and liquidations for BTC on three venues."""

from __future__ import annotations

import polars as pl

from cryptodata import Coinalyze


def main() -> None:
    with Coinalyze() as cz:
        symbols = [
            cz.resolve(exchange=venue, base="BTC", quote="USDT")
            for venue in ("binance", "bybit", "okx")
        ]
        window = {"interval": "1d", "start": "2025-05-01", "end": "2025-06-01"}
        oi = cz.open_interest_history(symbols, convert_to_usd=True, **window).to_polars()
        funding = cz.funding_rate_history(symbols, **window).to_polars()
        total = cz.aggregate(
            "open_interest", "BTC", exchanges=["binance", "bybit", "okx"], **window
        )

    frame = oi.select("exchange", "ts", oi_usd="close").join(
        funding.select("exchange", "ts", funding="close"), on=["exchange", "ts"]
    )
    print(frame.pivot(on="exchange", index="ts", values="oi_usd").sort("ts"))
    print(
        frame.group_by("exchange")
        .agg(pl.col("funding").mean() * 3 * 365)
        .rename({"funding": "annualised"})
    )
    print(total.to_polars().select("ts", "close", "venues", "exchanges"))


if __name__ == "__main__":
    main()
