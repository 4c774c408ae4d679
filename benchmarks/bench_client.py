"""The whole client (plan, requests, parse, shape, de-duplicate) against its parser alone.

A Coinalyze-shaped fake (`_coinalyze.FakeCoinalyze`) serves one-minute OHLCV bars of 2,000
points per series per request, 20 symbols per request: 1 M rows are 20 symbols over 25 windows
(25 requests). The reference is `parse_history` over exactly the bodies the client received,
so the ratio is what the client adds to parsing: requests through the transport, the join with
the market list, the canonical columns, the window filter and the de-duplication. The market
list is fetched in the warm-up round, as a polling bot has it. Targets (issue 9, item 2): the
client ≤ 1.15x the parser; client time from 1 M to 5 M rows ≤ 5.5x (linear).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta

import httpx
from _coinalyze import API_KEY, NOW, FakeCoinalyze, symbol
from _harness import SIZES, Comparison, Size, interleaved

from cryptodata.core.clock import ManualClock
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.table import Table
from cryptodata.providers.coinalyze.client import Coinalyze
from cryptodata.providers.coinalyze.endpoints import MAX_POINTS_PER_REQUEST, OHLCV_HISTORY
from cryptodata.providers.coinalyze.parse import parse_history

BARS_PER_SYMBOL = 25 * MAX_POINTS_PER_REQUEST
"""25 windows of one-minute bars per symbol: 20 symbols give 1 M rows in 25 requests."""

SYMBOLS: dict[Size, tuple[int, ...]] = {"smoke": (1,), "small": (2, 4), "full": (2, 20, 100)}
"""Symbol counts timed at each size (x 50,000 rows): `full` is 100 k, 1 M and 5 M rows."""

ROUNDS: dict[Size, int] = {"smoke": 1, "small": 3, "full": 5}


class _Recording(FakeCoinalyze):
    """The fake, keeping each data body it sends (in order) for the parser-only reference."""

    def __init__(self, symbols: int) -> None:
        super().__init__(OHLCV_HISTORY, symbols)
        self.sent: list[tuple[bytes, list[str]]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        response = super().handle(request)
        if "symbols" in request.url.params:
            self.sent.append((response.content, request.url.params["symbols"].split(",")))
        return response


def _contenders(count: int) -> tuple[dict[str, Callable[[], object]], int, int]:
    """Our client call and the parser over the same bodies; the rows and requests they make."""
    fake = _Recording(count)
    clock = ManualClock(start=NOW.timestamp())
    client = Coinalyze(
        API_KEY,
        clock=clock,
        # The benchmark measures the client's own work, not the budget's waits.
        limiter=SlidingWindowLimiter(10**9, 60.0, clock=clock),
        http_transport=fake.transport(),
    )
    names = [symbol(index) for index in range(count)]
    start = NOW - timedelta(minutes=BARS_PER_SYMBOL)

    def ours() -> Table:
        return client.ohlcv_history(names, interval="1min", start=start, end=NOW)

    rows = len(ours())
    bodies = list(fake.sent)

    def reference() -> None:
        for body, asked in bodies:
            parse_history(OHLCV_HISTORY, body, asked)

    return {"ours": ours, "reference": reference}, rows, len(bodies)


def comparisons(size: Size) -> list[Comparison]:
    """The client over its parser at each size, and how its time grows from 1 M to 5 M rows."""
    found = []
    seconds: dict[int, float] = {}
    for count in SYMBOLS[size]:
        work, rows, requests = _contenders(count)
        times = interleaved(work, ROUNDS[size])
        seconds[rows] = times["ours"]
        found.append(
            Comparison.judged(
                "full client, coinalyze OHLCV",
                times["ours"],
                "parse_history on the same bodies",
                times["reference"],
                limit=1.15,
                size=size,
                detail=f"{rows:,} rows, {requests} requests",
            )
        )
    if 1_000_000 in seconds and 5_000_000 in seconds:
        found.append(
            Comparison.judged(
                "full client time, 5 M rows over 1 M rows",
                seconds[5_000_000],
                "the client at 1 M rows",
                seconds[1_000_000],
                limit=5.5,
                size=size,
            )
        )
    return found


if __name__ == "__main__":
    import run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    print(run.table(comparisons(parser.parse_args().size)))
