"""A fake CoinGecko for the history client, shaped as the reference documents the API.

- Two hosts: `api.coingecko.com` (keyless, or a Demo key in `x-cg-demo-api-key`) and
  `pro-api.coingecko.com` (a paid key in `x-cg-pro-api-key`). A key on the other plan's host
  is a 401 with the `status.error_code` envelope (10010 for a paid key on the public host,
  10011 for a Demo key on the pro host); a wrong key is a 401 envelope too.
- `/coins/{id}/market_chart/range` (`vs_currency`, `from`/`to` in Unix seconds, optional
  `interval`): without `interval` the granularity follows the range's length (a range of
  about a day ending near now is 5-minutely, up to 90 days hourly, above daily); `daily`
  gives 00:00 UTC points, `5m` is refused (10005) off the pro host. Points are stamped a few
  seconds after their bucket start (hourly/5m), and the answer ends with a point for "now"
  when `to` reaches it. Keyless and Demo ranges starting more than 365 days ago are refused
  (401, error 10012).
- `/coins/{id}/ohlc` (`days` in 1/7/14/30/90/180/365): 30-minute candles for 1-2 days,
  4-hour for 3-30, 4-day beyond; `interval=daily|hourly` on the pro host only; candles are
  stamped with their close time.
- `/coins/categories` and `/coins/{id}` in their documented shapes.

Values are a pure function of (coin, series, bucket start): `truth` gives them.
"""

from __future__ import annotations

import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from cryptodata import ManualClock

NOW = datetime(2025, 7, 1, 12, 0, 20, tzinfo=UTC).timestamp()
DEMO_KEY = "CG-DEMO-SUPERSECRET-KEY-1"
PRO_KEY = "CG-PRO-SUPERSECRET-KEY-2"
DAY = 86_400
SERIES = {"prices": 1.0, "market_caps": 2e7, "total_volumes": 5e5}
COINS = ("bitcoin", "ethereum", "binancecoin")


def truth(coin: str, series: str, bucket: int) -> float:
    """The fake's value of one series at one bucket start (epoch seconds)."""
    return (zlib.crc32(f"{coin}|{series}|{bucket}".encode()) % 100_000) / 4 * SERIES[series]


def _envelope(status: int, code: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"status": {"error_code": code, "error_message": message}})


@dataclass
class FakeChart:
    """The fake; `handle` is an httpx.MockTransport handler."""

    clock: ManualClock
    demo_key: str = DEMO_KEY
    pro_key: str = PRO_KEY
    requests: list[httpx.Request] = field(default_factory=list)
    _scripted: deque[httpx.Response] = field(default_factory=deque)

    def answer_next(self, response: httpx.Response, count: int = 1) -> None:
        """Answer the next `count` requests with `response`."""
        self._scripted.extend([response] * count)

    def chart_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/market_chart/range")]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self._scripted:
            return self._scripted.popleft()
        pro = request.url.host == "pro-api.coingecko.com"
        demo_key = request.headers.get("x-cg-demo-api-key")
        pro_key = request.headers.get("x-cg-pro-api-key")
        if pro and demo_key is not None:
            return _envelope(401, 10011, "Demo API key used on the Pro root")
        if not pro and pro_key is not None:
            return _envelope(401, 10010, "Pro API key used on the public root")
        if pro and pro_key != self.pro_key:
            return _envelope(401, 10002, "missing or invalid API key")
        if demo_key is not None and demo_key != self.demo_key:
            return _envelope(401, 10002, "invalid API key")
        path = request.url.path.removeprefix("/api/v3")
        parts = path.strip("/").split("/")
        params = dict(request.url.params)
        if path == "/coins/categories":
            return httpx.Response(200, json=_CATEGORIES)
        if len(parts) == 4 and parts[2:] == ["market_chart", "range"]:
            return self._chart(parts[1], params, pro=pro)
        if len(parts) == 3 and parts[2] == "ohlc":
            return self._ohlc(parts[1], params, pro=pro)
        if len(parts) == 2 and parts[1] in COINS:
            return httpx.Response(200, json=_coin(parts[1]))
        return httpx.Response(404, json={"error": "coin not found"})

    def _chart(self, coin: str, params: dict[str, str], *, pro: bool) -> httpx.Response:
        if coin not in COINS:
            return httpx.Response(404, json={"error": "coin not found"})
        now = int(self.clock.time())
        lo, hi = int(params["from"]), int(params["to"])
        if not pro and lo < now - 365 * DAY:
            return _envelope(401, 10012, "Your request exceeds the allowed time range")
        interval = params.get("interval")
        if interval == "5m" and not pro:
            return _envelope(401, 10005, "interval=5m is for Enterprise plans")
        if interval == "daily" or (interval is None and hi - lo > 90 * DAY):
            step, lag = DAY, 0
        elif interval == "5m" or (hi - lo <= DAY and now - hi < 3600):
            step, lag = 300, 7
        else:
            step, lag = 3600, 41
        end = min(hi, now)
        first = -(-lo // step) * step
        body: dict[str, list[list[float]]] = {name: [] for name in SERIES}
        for bucket in range(first, end + 1, step):
            stamp = bucket + lag
            if stamp > end:
                break
            for name in SERIES:
                body[name].append([stamp * 1000, truth(coin, name, bucket)])
        if hi >= now:
            for name in SERIES:
                body[name].append([now * 1000, truth(coin, name, now)])
        return httpx.Response(200, json=body)

    def _ohlc(self, coin: str, params: dict[str, str], *, pro: bool) -> httpx.Response:
        days = int(params["days"])
        interval = params.get("interval")
        if interval is not None and not pro:
            return _envelope(401, 10005, "interval is for paid plans")
        if interval == "daily":
            step = DAY
        elif interval == "hourly":
            step = 3600
        else:
            step = 1800 if days <= 2 else 4 * 3600 if days <= 30 else 4 * DAY
        now = int(self.clock.time())
        last_close = now // step * step
        candles = []
        for close in range(last_close - days * DAY, last_close + 1, step):
            o = truth(coin, "prices", close - step)
            c = truth(coin, "prices", close)
            candles.append([close * 1000, o, max(o, c), min(o, c), c])
        return httpx.Response(200, json=candles)


_CATEGORIES = [
    {
        "id": "layer-1",
        "name": "Layer 1 (L1)",
        "market_cap": 2.4e12,
        "market_cap_change_24h": 1.25,
        "content": "",
        "top_3_coins_id": ["bitcoin", "ethereum", "binancecoin"],
        "top_3_coins": [],
        "volume_24h": 6.1e10,
        "updated_at": "2025-07-01T11:55:00.000Z",
    },
    {
        "id": "meme-token",
        "name": "Meme",
        "market_cap": None,
        "market_cap_change_24h": None,
        "content": "",
        "top_3_coins_id": [],
        "top_3_coins": [],
        "volume_24h": None,
        "updated_at": None,
    },
]


def _coin(coin: str) -> dict[str, object]:
    native = coin != "binancecoin"
    return {
        "id": coin,
        "symbol": {"bitcoin": "btc", "ethereum": "eth", "binancecoin": "bnb"}[coin],
        "name": coin.title(),
        "asset_platform_id": None if native else "binance-smart-chain",
        "platforms": {"": ""} if native else {"binance-smart-chain": "0xb8c7", "ethereum": ""},
        "categories": ["Layer 1 (L1)", None],
        "genesis_date": "2009-01-03" if coin == "bitcoin" else None,
        "market_cap_rank": COINS.index(coin) + 1,
        "market_data": {
            "current_price": {"usd": 107_000.5, "eur": 91_000.0},
            "market_cap": {"usd": 2.1e12},
            "fully_diluted_valuation": {"usd": 2.2e12},
            "total_volume": {"usd": 3.1e10},
            "circulating_supply": 19_890_000.0,
            "total_supply": 21_000_000.0,
            "max_supply": None if coin == "ethereum" else 21_000_000.0,
        },
        "last_updated": "2025-07-01T11:59:00.000Z",
    }
