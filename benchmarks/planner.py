"""Planner efficiency and budget use, on the fake Coinalyze with a simulated clock.

A backfill of every series kind for the fake's synthetic markets is planned and run through
the real client, limiter and transport against the fake server (which enforces 40
symbol-calls per rolling minute and answers 429 beyond it) on a `ManualClock`, so minutes of
budget pass in milliseconds. Printed:

- calls sent / theoretical minimum (each series fetched alone, nothing wasted): target 1.00;
- budget use: the fastest schedule the limit allows for the cost spent (ceil(cost / 40)
  minutes of budget) / the simulated duration: target >= 95 %;
- 429s received: target 0.

Run: `python benchmarks/planner.py [--symbols N] [--years Y]`.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cryptodata import Coinalyze, ManualClock
from cryptodata.pipeline import backfill
from fakes.coinalyze import LIMIT, NOW, NOW_DT, SYNTHETIC_COUNT, WINDOW, FakeCoinalyze, synthetic
from fakes.sinks import MemorySink

KINDS = [
    "open_interest",
    "funding_rate",
    "predicted_funding_rate",
    "liquidations",
    "long_short_ratio",
    "ohlcv",
]


def run(symbols: int, years: float, interval: str) -> None:
    clock = ManualClock(start=NOW)
    fake = FakeCoinalyze(clock)
    client = Coinalyze(
        api_key=fake.api_key, clock=clock, http_transport=httpx.MockTransport(fake.handle)
    )
    names = [synthetic(i) for i in range(symbols)]
    report = backfill(
        client,
        KINDS,
        names,
        interval,
        NOW_DT - timedelta(days=365 * years),
        NOW_DT,
        sink=MemorySink(),
    )
    sends = [call for call in fake.calls if call.status == 200]
    # A sliding window grants at most LIMIT per WINDOW, so `cost` needs at least
    # ceil(cost / LIMIT) windows: the last send can come no earlier than (windows - 1) x WINDOW.
    cost = sum(call.cost for call in sends)
    span = sends[-1].time - sends[0].time
    fastest = (math.ceil(cost / LIMIT) - 1) * WINDOW
    use = fastest / span if span else 1.0
    throttled = sum(1 for call in fake.calls if call.status == 429)
    plan = report.plan
    print(f"{symbols} symbols x {len(KINDS)} kinds, {interval} bars over {years:g} years")
    print(
        f"  requests sent           : {report.requests} data + {len(fake.list_calls)} market lists"
    )
    print(
        f"  cost / theoretical min  : {plan.cost} / {plan.minimum_cost} = {plan.cost / plan.minimum_cost:.2f}  (target 1.00)"
    )
    print(
        f"  simulated duration      : {timedelta(seconds=round(sends[-1].time - sends[0].time))} (plan estimate {timedelta(seconds=round(plan.estimated_seconds or 0))})"
    )
    print(
        f"  budget use              : {use:.1%} (fastest schedule the {LIMIT}/min limit allows / actual)  (target >= 95 %)"
    )
    print(f"  429 responses           : {throttled}  (target 0)")
    print(f"  rows written            : {report.rows_written:,}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--symbols", type=int, default=SYNTHETIC_COUNT)
    parser.add_argument("--years", type=float, default=8.0)
    parser.add_argument("--interval", default="1d")
    args = parser.parse_args()
    run(min(args.symbols, SYNTHETIC_COUNT), args.years, args.interval)


if __name__ == "__main__":
    main()
