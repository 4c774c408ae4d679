"""A bot loop: poll open interest and funding for a few perps every minute.

Run with COINALYZE_API_KEY set. Bars are keyed by (exchange, symbol, ts), so the open bar
that Coinalyze revises on the next poll replaces the stored one instead of duplicating it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from cryptodata import Coinalyze, CryptoDataError, RateLimitError

SYMBOLS = ["BTCUSDT_PERP.A", "ETHUSDT_PERP.A", "BTCUSDT.6"]


def main() -> None:
    latest: dict[tuple[str, datetime], float | None] = {}
    with Coinalyze() as cz:
        while True:
            start = datetime.now(UTC) - timedelta(minutes=10)
            try:
                bars = cz.open_interest_history(
                    SYMBOLS, interval="1m", start=start, convert_to_usd=True
                )
                funding = cz.funding_rate(SYMBOLS)
            except RateLimitError as exc:
                time.sleep(exc.retry_after or 60)
                continue
            except CryptoDataError as exc:
                print(f"fetch failed, retrying next minute: {exc}")
            else:
                for bar in bars:
                    latest[(bar.symbol, bar.ts)] = bar.close
                for rate in funding:
                    print(
                        f"{rate.symbol}: funding {rate.value:+.4%} per period, OI bars held: {len(latest)}"
                    )
                for warning in bars.warnings:
                    print("warning:", warning)
            time.sleep(60 - time.time() % 60 + 2)


if __name__ == "__main__":
    main()
