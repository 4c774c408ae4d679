"""A bot loop: poll open interest and funding for a few perps on every bar boundary.

With COINALYZE_API_KEY set it polls the live API every minute until Ctrl-C. Without it, the
same loop runs on the bundled sample answers (Coinalyze's replay mode: BTCUSDT_PERP.A, daily
bars of early June 2025) on a simulated clock, so each wait takes no time, for 3 cycles.
`--cycles N` bounds the loop either way:

    python examples/poll_open_interest.py --cycles 2

Bars are keyed by their series and `ts`, so the open bar that Coinalyze revises on the next
poll replaces the one held instead of duplicating it.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

from cryptodata import Coinalyze, CryptoDataError, Interval, ManualClock, RateLimitError
from cryptodata.providers.coinalyze.replay import DAILY, SAMPLE_SYMBOLS, sample_client

LIVE_SYMBOLS = ["BTCUSDT_PERP.A", "ETHUSDT_PERP.A", "BTCUSDT.6"]
OFFLINE_CYCLES = 3


def connect() -> tuple[Coinalyze, list[str], Interval]:
    """The client, its symbols and the polling interval: live with a key, else the samples."""
    if os.environ.get("COINALYZE_API_KEY"):
        return Coinalyze(), LIVE_SYMBOLS, Interval.M1
    # Start the simulated clock where the recorded daily bars end.
    end = datetime.fromisoformat(DAILY.end).replace(tzinfo=UTC)
    clock = ManualClock(end.timestamp())
    return sample_client(clock=clock), list(SAMPLE_SYMBOLS), Interval.parse(DAILY.interval)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, help="stop after this many polls")
    args = parser.parse_args(argv)
    client, symbols, interval = connect()
    live = not isinstance(client.clock, ManualClock)
    cycles = args.cycles if args.cycles is not None or live else OFFLINE_CYCLES
    print(f"polling {', '.join(symbols)} every {interval.value} ({'live' if live else 'samples'})")
    latest: dict[tuple[str, datetime], float | None] = {}
    with client as cz:
        cycle = 0
        while cycles is None or cycle < cycles:
            cycle += 1
            now = datetime.fromtimestamp(cz.clock.time(), UTC)
            try:
                bars = cz.open_interest_history(
                    symbols, interval=interval, start=now - 10 * interval.timedelta
                )
                funding = cz.funding_rate(symbols)
            except RateLimitError as exc:
                cz.clock.sleep(exc.retry_after or 60)
                continue
            except CryptoDataError as exc:
                print(f"fetch failed, retrying next bar: {exc}")
            else:
                for bar in bars:
                    latest[(bar.symbol, bar.ts)] = bar.close
                for rate in funding:
                    print(
                        f"cycle {cycle} at {now:%Y-%m-%d %H:%M}: {rate.symbol} funding "
                        f"{rate.value:+.4%} per period, OI bars held: {len(latest)}"
                    )
                for warning in bars.warnings:
                    print("warning:", warning)
            # A moment after the next boundary, when the bar that just closed is published.
            step = interval.seconds
            cz.clock.sleep(step - cz.clock.time() % step + 2)


if __name__ == "__main__":
    main()
