"""The facade's overhead: `MarketData` against calling the clients it chooses, same requests.

Both sides run the providers' replay clients (no network; the same recorded answers): the
facade answers `ohlcv("BTC", venues=["binance", "bybit", "hyperliquid"], interval="1h")` over
the samples' 48 hours, which it routes to ccxt's Binance USDⓈ-M and Bybit clients and to
Hyperliquid's own; the reference makes those three calls itself, one after the other, with
the symbols the facade resolves (`BTC/USDT:USDT` twice, `BTC`). What the facade adds is the
routing, the asset resolution (market tables read once, then kept), the fan-out's threads,
the report and the canonical `base` column. No target is stated: the row prints the
difference and the ratio, and judges nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from _harness import SIZES, Comparison, Size, interleaved

from cryptodata import MarketData
from cryptodata.providers.ccxt.replay import SAMPLE, sample_client
from cryptodata.providers.hyperliquid.replay import sample_client as hyperliquid_client

ROUNDS: dict[Size, int] = {"smoke": 1, "small": 15, "full": 51}
VENUES = ["binance", "bybit", "hyperliquid"]


def _facade() -> Any:
    md = MarketData([sample_client("binanceusdm"), sample_client("bybit"), hyperliquid_client()])

    def ask() -> object:
        table = md.ohlcv("BTC", venues=VENUES, interval=SAMPLE.interval, start=SAMPLE.start)
        assert len(table) == 3 * 48, len(table)
        return table

    return ask


def _direct() -> Any:
    binance, bybit, hyperliquid = (
        sample_client("binanceusdm"),
        sample_client("bybit"),
        hyperliquid_client(),
    )

    def ask() -> object:
        tables = [
            binance.ohlcv("BTC/USDT:USDT", interval=SAMPLE.interval, start=SAMPLE.start),
            bybit.ohlcv("BTC/USDT:USDT", interval=SAMPLE.interval, start=SAMPLE.start),
            hyperliquid.candles("BTC", interval=SAMPLE.interval, start=SAMPLE.start),
        ]
        assert sum(len(table) for table in tables) == 3 * 48
        return tables

    return ask


def comparisons(size: Size) -> list[Comparison]:
    """The facade's time for one cross-venue question over the three direct calls'."""
    times = interleaved({"facade": _facade(), "direct": _direct()}, ROUNDS[size])
    ours, direct = times["facade"], times["direct"]
    return [
        Comparison(
            path="facade: MarketData.ohlcv over the three client calls it makes",
            ours=ours,
            reference_name="the same calls, made directly",
            reference=direct,
            unit="s",
            ratio=ours / direct,
            target="-",
            met=None,
            detail=f"+{(ours - direct) * 1e3:,.2f} ms per question; BTC on "
            f"{', '.join(VENUES)}, 48 hourly bars each, replay clients, {ROUNDS[size]} rounds",
        )
    ]


if __name__ == "__main__":
    import run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    print(run.table(comparisons(parser.parse_args().size)))
