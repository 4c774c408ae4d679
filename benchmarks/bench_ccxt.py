"""Per-call overhead of the ccxt adapter: `Ccxt` against the bare ccxt call, on one fake wire.

Both sides run a real `ccxt.binanceusdm` instance (blocking, and `ccxt.async_support` for
`AsyncCcxt`) whose `fetch` is replaced by `_FakeBinance`, a minimal venue that answers the
three endpoints timed here from the URL's query: ccxt builds every request and parses every
answer itself, only the wire is fake. The instances hold one market (`MARKET`, a trimmed copy
of the BTCUSDT perpetual ccxt lists), set with `set_markets`, so neither ccxt's `load_markets`
nor our client's market cache makes a request, in the warm-up or the timed rounds (the fake
has no market route: a market request would fail the run).

The calls (10 hourly bars, as a polling bot makes them):

- `ohlcv`: `exchange.fetch_ohlcv(symbol, "1h", since, 10)` against `Ccxt.ohlcv` of the same
  10 bars (which asks ccxt for its page limit, bounded by `until`: the fake answers 10 rows
  either way);
- `funding_rate`: `exchange.fetch_funding_rates([symbol])`, the call `Ccxt.funding_rate`
  makes on a venue with a bulk method, against `Ccxt.funding_rate(symbol)`;
- `open_interest_history`: `exchange.fetch_open_interest_history(symbol, "1h", since, 10)`
  against `Ccxt.open_interest_history` of the same 10 samples.

The bare instance has ccxt's throttle off (`enableRateLimit=False`: its own bucket would
sleep); ours charges our limiter from ccxt's throttle hook, as it always does, a token bucket
too large ever to wait. What our side adds is the run loop, the sender (the JSON round trip
of ccxt's answer), the typed table (shaping, window filter, de-duplication) and the limiter.
Each contender times a batch of `CALLS` calls per turn, interleaved round by round; medians
of the per-call means are compared. No target is stated for this overhead: the rows print
the difference and the ratio, and judge nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ccxt
import ccxt.async_support
from _harness import SIZES, Comparison, Size, medians, per_call

from cryptodata.core.clock import ManualClock
from cryptodata.core.limiters import TokenBucketLimiter
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt

SYMBOL = "BTC/USDT:USDT"
NOW = datetime(2025, 1, 13, tzinfo=UTC)
BARS = 10
START = NOW - timedelta(hours=BARS)
SINCE = int(START.timestamp() * 1000)
HOUR_MS = 3_600_000
CALLS: dict[Size, int] = {"smoke": 3, "small": 200, "full": 1_000}
"""Calls per timed batch: one batch is one contender's turn in a round."""
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 5, "full": 11}

MARKET: dict[str, Any] = {
    "id": "BTCUSDT",
    "symbol": SYMBOL,
    "base": "BTC",
    "quote": "USDT",
    "settle": "USDT",
    "baseId": "BTC",
    "quoteId": "USDT",
    "settleId": "USDT",
    "type": "swap",
    "spot": False,
    "margin": False,
    "swap": True,
    "future": False,
    "option": False,
    "contract": True,
    "linear": True,
    "inverse": False,
    "contractSize": 1,
    "active": True,
    "precision": {"amount": 3, "price": 1, "base": 8, "quote": 8},
    "limits": {"amount": {"min": 0.001, "max": 1000}, "cost": {"min": 5}},
    "info": {"symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL"},
}
"""ccxt's BTCUSDT perpetual of binanceusdm, trimmed to what its methods read."""


class _FakeBinance:
    """The three Binance USDⓈ-M endpoints the calls reach, answered from the URL's query.

    Bounds are inclusive ms and `limit` caps the rows, as Binance documents; values are
    strings, as the venue sends them. Any other path (a market request) is an error.
    """

    def fetch(self, url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        """ccxt's `fetch`: the decoded JSON of the answer to `url`."""
        parts = urlsplit(url)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/fapi/v1/klines":
            return [
                [t, "100.1", "101.2", "99.3", "100.4", "1234.5", t + HOUR_MS - 1, "0", 10, "0", "0"]
                for t in self._times(query)
            ]
        if parts.path == "/futures/data/openInterestHist":
            return [
                {
                    "symbol": "BTCUSDT",
                    "sumOpenInterest": "75375.617",
                    "sumOpenInterestValue": "3248828883.71",
                    "timestamp": t,
                }
                for t in self._times(query)
            ]
        if parts.path == "/fapi/v1/premiumIndex":
            now = int(NOW.timestamp() * 1000)
            return [
                {
                    "symbol": "BTCUSDT",
                    "markPrice": "100.5",
                    "indexPrice": "100.4",
                    "lastFundingRate": "0.00012",
                    "interestRate": "0.0001",
                    "nextFundingTime": now + 8 * HOUR_MS,
                    "time": now - 3,
                }
            ]
        raise AssertionError(f"the benchmark's fake venue has no route {parts.path}")

    async def afetch(
        self, url: str, method: str = "GET", headers: Any = None, body: Any = None
    ) -> Any:
        """ccxt's async `fetch`: the same answers."""
        return self.fetch(url, method, headers, body)

    @staticmethod
    def _times(query: dict[str, str]) -> list[int]:
        start = int(query["startTime"])
        end = int(query.get("endTime", start + BARS * HOUR_MS - 1))
        return list(range(start, end + 1, HOUR_MS))[: int(query.get("limit", 500))]


def _instance(*, asynchronous: bool, throttled: bool) -> Any:
    module = ccxt.async_support if asynchronous else ccxt
    instance = module.binanceusdm({"enableRateLimit": throttled})
    instance.set_markets([MARKET])
    fake = _FakeBinance()
    instance.fetch = fake.afetch if asynchronous else fake.fetch
    return instance


def _limiter() -> TokenBucketLimiter:
    # The benchmark measures the adapter's work, not the budget's waits.
    return TokenBucketLimiter(1e9, 1.0, capacity=1e9)


def _bare_calls(exchange: Any) -> dict[str, Callable[[], Any]]:
    return {
        "ohlcv": lambda: exchange.fetch_ohlcv(SYMBOL, "1h", SINCE, BARS),
        "funding_rate": lambda: exchange.fetch_funding_rates([SYMBOL]),
        "open_interest_history": lambda: exchange.fetch_open_interest_history(
            SYMBOL, "1h", SINCE, BARS
        ),
    }


def _our_calls(client: Ccxt | AsyncCcxt) -> dict[str, Callable[[], Any]]:
    return {
        "ohlcv": lambda: client.ohlcv(SYMBOL, interval="1h", start=START, end=NOW),
        "funding_rate": lambda: client.funding_rate(SYMBOL),
        "open_interest_history": lambda: client.open_interest_history(
            SYMBOL, interval="1h", start=START, end=NOW
        ),
    }


_EXPECTED = {"ohlcv": BARS, "funding_rate": 1, "open_interest_history": BARS}
"""Rows each call answers, bare and ours (our open interest: the amount's series; the
value's is a second series of as many rows)."""


def _rows(name: str, answer: Any) -> int:
    if name == "funding_rate" and isinstance(answer, dict):
        return len(answer)
    if name == "open_interest_history" and not isinstance(answer, list):
        return len(answer) // 2  # amount and value: two series
    return len(answer)


async def _aper_call(call: Callable[[], Awaitable[object]], calls: int) -> float:
    gc.collect()
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls


def _checked(name: str, answer: Any) -> None:
    rows = _rows(name, answer)
    if rows != _EXPECTED[name]:
        raise AssertionError(f"{name} answered {rows} rows, not {_EXPECTED[name]}")


def _sync_times(size: Size) -> dict[str, tuple[float, float]]:
    """`{call: (ours, bare)}` seconds per call of the blocking classes."""
    bare = _bare_calls(_instance(asynchronous=False, throttled=False))
    client = Ccxt(
        _instance(asynchronous=False, throttled=True),
        clock=ManualClock(start=NOW.timestamp()),
        limiter=_limiter(),
    )
    ours = _our_calls(client)
    for name in bare:
        _checked(name, bare[name]())
        _checked(name, ours[name]())
    calls = CALLS[size]
    work: dict[str, Callable[[], float]] = {}
    for name in bare:
        work[f"bare {name}"] = lambda call=bare[name]: per_call(call, calls)  # type: ignore[misc]
        work[f"ours {name}"] = lambda call=ours[name]: per_call(call, calls)  # type: ignore[misc]
    times = medians(work, ROUNDS[size])
    client.close()
    return {name: (times[f"ours {name}"], times[f"bare {name}"]) for name in bare}


def _async_times(size: Size) -> dict[str, tuple[float, float]]:
    """`{call: (ours, bare)}` seconds per call of the asyncio classes, on one event loop."""
    loop = asyncio.new_event_loop()

    def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
        return loop.run_until_complete(coroutine)

    try:
        exchange = _instance(asynchronous=True, throttled=False)
        client = AsyncCcxt(
            _instance(asynchronous=True, throttled=True),
            clock=ManualClock(start=NOW.timestamp()),
            limiter=_limiter(),
        )
        bare, ours = _bare_calls(exchange), _our_calls(client)
        for name in bare:
            _checked(name, run(bare[name]()))
            _checked(name, run(ours[name]()))
        calls = CALLS[size]
        work: dict[str, Callable[[], float]] = {}
        for name in bare:
            for side, call in (("bare", bare[name]), ("ours", ours[name])):
                work[f"{side} {name}"] = lambda call=call: run(_aper_call(call, calls))  # type: ignore[misc]
        times = medians(work, ROUNDS[size])
        run(client.aclose())
        run(exchange.close())
    finally:
        loop.close()
    return {name: (times[f"ours {name}"], times[f"bare {name}"]) for name in bare}


def comparisons(size: Size) -> list[Comparison]:
    """Our per-call time over the bare ccxt call's, for each call, blocking then asyncio."""
    found = []
    for mode, times in (("Ccxt", _sync_times(size)), ("AsyncCcxt", _async_times(size))):
        for name, (ours, bare) in times.items():
            found.append(
                Comparison(
                    path=f"ccxt per call: {mode}.{name} over the bare ccxt call",
                    ours=ours,
                    reference_name="bare ccxt, same fake fetch",
                    reference=bare,
                    unit="s",
                    ratio=ours / bare,
                    target="-",
                    met=None,
                    detail=f"+{(ours - bare) * 1e6:,.0f} µs per call (ours {ours * 1e6:,.0f} "
                    f"µs, bare {bare * 1e6:,.0f} µs); binanceusdm, {_EXPECTED[name]} rows, "
                    f"{CALLS[size]} calls x {ROUNDS[size]} rounds",
                )
            )
    return found


def micro_table(rows: list[Comparison]) -> str:
    """The rows in µs per call: bare, ours, the overhead and the ratio."""
    lines = [
        "| call | bare ccxt µs | ours µs | overhead µs | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        call = row.path.removeprefix("ccxt per call: ").removesuffix(" over the bare ccxt call")
        lines.append(
            f"| {call} | {row.reference * 1e6:,.1f} | {row.ours * 1e6:,.1f} "
            f"| {(row.ours - row.reference) * 1e6:+,.1f} | {row.ratio:.1f}x |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    found = comparisons(parser.parse_args().size)
    print(run.table(found))
    print()
    print(micro_table(found))
