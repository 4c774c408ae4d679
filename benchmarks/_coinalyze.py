"""A Coinalyze-shaped server for the benchmarks: market lists and history bodies, on demand.

Bodies carry what real answers carry: one series per asked symbol, bars one interval apart,
values with the digits real bars have (three decimals, trade counts as integers). Each body is
generated once per URL and kept, so a warm-up round pays for the generation and timed rounds
measure only the client.

Only httpx is needed at run time (the endpoint is an annotation), so the PyPI peers' venv of
`bench_calls` serves the same fake from this module.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from cryptodata.providers.coinalyze.endpoints import Endpoint

API_KEY = "bench-k3y-9f2a"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
"""The benchmarks' clock: every window ends here, so each run asks the same URLs."""

_COUNTS = ("tx", "btx")


def symbol(index: int) -> str:
    """The `index`-th synthetic symbol (zero-padded: lists sort as they are numbered)."""
    return f"S{index:05d}USDT_PERP.A"


def points(endpoint: Endpoint, times: range, rng: random.Random) -> list[dict[str, float | int]]:
    """One bar of the endpoint's fields per time in `times`."""
    return [
        {
            "t": t,
            **{
                field: rng.randint(1, 300_000)
                if field in _COUNTS
                else round(rng.uniform(1e3, 1e5), 3)
                for field, _ in endpoint.fields
            },
        }
        for t in times
    ]


def history_body(endpoint: Endpoint, symbols: list[str], times: range, seed: int = 7) -> bytes:
    """A history answer: one series of bars at `times` (UNIX seconds) for each symbol."""
    rng = random.Random(seed)
    body = [{"symbol": name, "history": points(endpoint, times, rng)} for name in symbols]
    return json.dumps(body, separators=(",", ":")).encode()


def markets_body(count: int) -> bytes:
    """`/future-markets` listing `count` Binance USDT perpetuals with every data flag set."""
    return json.dumps(
        [
            {
                "symbol": symbol(index),
                "exchange": "A",
                "symbol_on_exchange": symbol(index).split("_")[0],
                "base_asset": f"S{index:05d}",
                "quote_asset": "USDT",
                "expire_at": None,
                "has_buy_sell_data": True,
                "is_perpetual": True,
                "margined": "STABLE",
                "oi_lq_vol_denominated_in": "BASE_ASSET",
                "has_long_short_ratio_data": True,
                "has_ohlcv_data": True,
            }
            for index in range(count)
        ]
    ).encode()


_STEPS = {"1min": 60, "5min": 300, "15min": 900, "30min": 1800, "1hour": 3600, "daily": 86400}


class FakeCoinalyze:
    """An `httpx.MockTransport` handler answering like Coinalyze for `symbols` markets.

    Attributes:
        requests: Data requests answered so far (market lists not counted).
    """

    def __init__(self, endpoint: Endpoint, symbols: int) -> None:
        self._endpoint = endpoint
        self._bodies: dict[str, bytes] = {
            "/v1/future-markets": markets_body(symbols),
            "/v1/spot-markets": b"[]",
            "/v1/exchanges": b'[{"name":"Binance","code":"A"}]',
        }
        self.requests = 0

    def transport(self) -> httpx.MockTransport:
        """A transport serving this fake."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The answer to one request: a market list, or bars for the asked symbols and window."""
        url = str(request.url)
        body = self._bodies.get(request.url.path) or self._bodies.get(url)
        if body is None:
            query = request.url.params
            step = _STEPS[query["interval"]]
            first = -(-int(query["from"]) // step) * step
            times = range(first, int(query["to"]) + 1, step)
            body = history_body(self._endpoint, query["symbols"].split(","), times)
            self._bodies[url] = body
        if request.url.path not in self._bodies:
            self.requests += 1
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})
