"""A fake Hyperliquid Info server, shaped as `/work/shared/providers/hyperliquid.md` describes.

- `POST /info` answers `metaAndAssetCtxs`, `spotMeta`, `spotMetaAndAssetCtxs` and
  `predictedFundings` from the sample payloads in `tests/fixtures/hyperliquid/`;
- `candleSnapshot` (parameters inside `req`) serves a deterministic series per (coin,
  interval): one bar at every interval boundary up to the clock's now, the forming one
  included, only the newest 5,000 kept; sliced by `startTime`/`endTime` as **inclusive** ms on
  the open time and capped at 5,000, prices and volumes as strings;
- `fundingHistory` (top-level parameters) serves settlements every 8 hours before
  `HOURLY_SINCE` and every hour after, each `time` a few hundred ms past its hour, sliced
  inclusively and capped at 500 rows;
- `clearinghouseState` and the stats host's `GET /Mainnet/leaderboard` answer the fixtures.

It charges the documented weights (20 a call, 2 for `clearinghouseState`, +1 per 60 candles
and per 20 funding rows returned) to a 1,200-per-60-s budget on the injected clock and
answers 429 beyond it; an unknown coin answers `[]`. Every request is recorded.
"""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pytest_httpx import HTTPXMock

from cryptodata import ManualClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hyperliquid"
BASE_URL = "https://api.hyperliquid.xyz"
STATS_URL = "https://stats-data.hyperliquid.xyz"
NOW = 1_751_328_000.0
"""2025-07-01 00:00:00 UTC."""
HOURLY_SINCE = 1_688_169_600_000
"""2023-07-01 00:00 UTC in ms: the fake's settlements are 8-hourly before, hourly after."""
LISTED_SINCE = 1_677_628_800_000
"""2023-03-01 00:00 UTC in ms: the fake's first settlement."""
BUDGET = 1_200
STEP_MS = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
}
COINS = ("BTC", "ETH", "kPEPE", "SOL", "@107", "xyz:TSLA")
_HOUR = 3_600_000


def fixture_bytes(name: str) -> bytes:
    """A sample payload's bytes."""
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Call:
    """One request the fake answered: its body's `type` (or the path) and status."""

    kind: str
    body: dict[str, Any]
    status: int
    at: float


def candle_price(coin: str, t: int) -> float:
    """The fake's close of `coin` at open time `t` (ms): exact in binary, distinct per bar."""
    return 1000.0 + (t // 60_000) % 997 + COINS.index(coin) * 0.25 if coin in COINS else 0.0


def settlement_times(lo: int, hi: int) -> list[int]:
    """Every settlement hour (ms) in `[lo, hi]`."""
    first = max(lo, LISTED_SINCE)
    hours = []
    at = -(-first // _HOUR) * _HOUR
    while at <= hi:
        if at >= HOURLY_SINCE or at % (8 * _HOUR) == 0:
            hours.append(at)
        at += _HOUR
    return hours


def jitter(hour: int) -> int:
    """How many ms past its hour the fake's settlement at `hour` is stamped."""
    return 50 + (hour // _HOUR) % 400


class FakeHyperliquid:
    """The fake server; `mount` it on pytest-httpx, or use `transport()`."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls: list[Call] = []
        self._spent: deque[tuple[float, int]] = deque()
        self.overrides: dict[str, bytes] = {}

    def mount(self, httpx_mock: HTTPXMock) -> FakeHyperliquid:
        """Answer every request pytest-httpx intercepts."""
        httpx_mock.add_callback(self.handle, is_reusable=True, is_optional=True)
        return self

    def transport(self) -> httpx.MockTransport:
        """A transport serving this fake."""
        return httpx.MockTransport(self.handle)

    def spent(self) -> int:
        """Weight charged in the last 60 s."""
        self._expire()
        return sum(weight for _, weight in self._spent)

    def of(self, kind: str) -> list[Call]:
        """The answered calls of one type."""
        return [call for call in self.calls if call.kind == kind]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        if request.method == "GET" and request.url.path.endswith("/leaderboard"):
            return self._answer(
                "leaderboard",
                {},
                self.overrides.get("leaderboard") or fixture_bytes("leaderboard.json"),
                20,
            )
        body = json.loads(request.content)
        kind = body.get("type", "")
        if kind in self.overrides:
            return self._answer(kind, body, self.overrides[kind], 20)
        if kind == "candleSnapshot":
            candles = self._candles(body["req"])
            return self._answer(
                kind, body, json.dumps(candles).encode(), 20 + math.ceil(len(candles) / 60)
            )
        if kind == "fundingHistory":
            rows = self._funding(body)
            return self._answer(
                kind, body, json.dumps(rows).encode(), 20 + math.ceil(len(rows) / 20)
            )
        files = {
            "metaAndAssetCtxs": "meta_and_asset_ctxs.json",
            "spotMeta": "spot_meta.json",
            "spotMetaAndAssetCtxs": "spot_meta_and_asset_ctxs.json",
            "predictedFundings": "predicted_fundings.json",
            "clearinghouseState": "clearinghouse_state.json",
        }
        if kind not in files:
            return httpx.Response(
                422, text="Failed to deserialize the JSON body into the target type"
            )
        weight = 2 if kind == "clearinghouseState" else 20
        return self._answer(kind, body, fixture_bytes(files[kind]), weight)

    def _expire(self) -> None:
        while self._spent and self._spent[0][0] <= self.clock.time() - 60.0:
            self._spent.popleft()

    def _answer(
        self, kind: str, body: dict[str, Any], content: bytes, weight: int
    ) -> httpx.Response:
        self._expire()
        if sum(spent for _, spent in self._spent) + weight > BUDGET:
            self.calls.append(Call(kind, body, 429, self.clock.time()))
            return httpx.Response(429, text="")
        self._spent.append((self.clock.time(), weight))
        self.calls.append(Call(kind, body, 200, self.clock.time()))
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    def bar_times(self, coin: str, interval: str) -> list[int]:
        """Open times (ms) of the bars the fake keeps: the newest 5,000, the forming one last."""
        if coin not in COINS:
            return []
        step = STEP_MS[interval]
        newest = int(self.clock.time() * 1000) // step * step
        return [newest - i * step for i in range(4_999, -1, -1)]

    def _candles(self, req: dict[str, Any]) -> list[dict[str, Any]]:
        coin, interval = req["coin"], req["interval"]
        lo, hi = int(req["startTime"]), int(req.get("endTime") or 10**15)
        step = STEP_MS[interval]
        chosen = [t for t in self.bar_times(coin, interval) if lo <= t <= hi][:5_000]
        return [
            {
                "t": t,
                "T": t + step - 1,
                "s": coin,
                "i": interval,
                "o": str(candle_price(coin, t) - 0.5),
                "c": str(candle_price(coin, t)),
                "h": str(candle_price(coin, t) + 1.0),
                "l": str(candle_price(coin, t) - 1.0),
                "v": f"{(t // step) % 50 + 0.125}",
                "n": (t // step) % 90,
            }
            for t in chosen
        ]

    def _funding(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        coin = body["coin"]
        if coin not in COINS:
            return []
        now = int(self.clock.time() * 1000)
        lo, hi = int(body["startTime"]), min(int(body.get("endTime") or now), now)
        # The server stamps a settlement a few ms late and slices on that stamp.
        rows = [
            hour + jitter(hour)
            for hour in settlement_times(lo - 1_000, hi)
            if lo <= hour + jitter(hour) <= hi
        ][:500]
        return [
            {
                "coin": coin,
                "fundingRate": f"{((time // _HOUR) % 7 - 3) * 0.0000125:.7f}",
                "premium": f"{((time // _HOUR) % 5 - 2) * 0.0001:.4f}",
                "time": time,
            }
            for time in rows
        ]
