"""A fake venue behind a real ccxt exchange instance: it replaces the instance's `fetch`.

ccxt builds every request (URL, query) and parses every answer itself; only the wire is
fake (`/work/shared/providers/ccxt.md` §11). The fake routes on the URL's path and query
and serves recorded-shape bodies for `binanceusdm` and `bybit`:

- a deterministic series per symbol: candles at every interval boundary up to the clock's
  now (the forming one included), open-interest samples every period, funding settlements
  every 8 hours, long/short shares every period; prices and sizes as strings, as the
  venues send them;
- liquidations for `gate`, `htx` and `bitfinex` (which have REST liquidation history): one
  every 10 minutes, two in the same millisecond on every hour, alternately of a long and a
  short position, each stated the venue's way (Gate: the sign of the position size, bounds
  in seconds; HTX linear: `position_side`, beside the order's `side`; Bitfinex: the sign of
  the position amount, all markets in one list);
- Binance answers oldest first and serves open-interest and long/short history for the last
  30 days only; Bybit's account ratio takes no bounds and answers the newest `limit` periods;
  Bybit wraps lists in `{"retCode": 0, "result": {"list": [...]}}`, newest first;
- bounds are inclusive ms, as both venues document; `cap` lowers every page (a venue that
  answers less than asked);
- `fail(status, headers=...)` answers the next calls with an HTTP error status (a plain-text
  page, as venues send them), passed through ccxt's own `handle_errors` and
  `handle_http_status_code` so the error is raised the way ccxt raises it, its headers kept
  in `last_response_headers` as ccxt's `fetch` keeps them; `raise_next(error)` raises a given
  ccxt error (a timeout); `answer_with(handler)` answers with an httpx handler's responses.

Markets come from ccxt's recorded static markets (`tests/fixtures/ccxt/markets/`), or for
the liquidation venues one hand-written BTC perpetual, set on the instance with
`set_markets`, so no market request is made. Every call is recorded.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ccxt
import ccxt.async_support
import httpx

from cryptodata import ManualClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ccxt" / "markets"
NOW = 1_736_726_400.0
"""2025-01-13 00:00:00 UTC."""
LISTED_MS = 1_704_067_200_000
"""2024-01-01 00:00 UTC: the fake's first bar and settlement."""
FUNDING_MS = 8 * 3_600_000
OI_DEPTH_MS = 30 * 86_400_000
STEP_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}
_BYBIT_INTERVALS = {
    "1": "1m",
    "5": "5m",
    "15": "15m",
    "30": "30m",
    "60": "1h",
    "240": "4h",
    "D": "1d",
}
_BYBIT_OI = {"5min": "5m", "15min": "15m", "30min": "30m", "1h": "1h", "4h": "4h", "1d": "1d"}
_KLINE_TAIL = ("0", 10, "0", "0", "0")
"""Quote volume, trades, taker base and quote volume, ignore: what ccxt does not read."""
_FIXTURE = {"binanceusdm": "binance", "bybit": "bybit"}
EVENT_MS = 600_000
"""A liquidation every 10 minutes (two on the hour)."""
_PERPETUALS = {
    "gate": ("BTC_USDT", 0.0001),
    "htx": ("BTC-USDT", 0.001),
    "bitfinex": ("tBTCF0:USTF0", 1.0),
}
"""The liquidation venues' BTC linear perpetual: market id and contract size."""


def perpetual(exchange_id: str) -> dict[str, Any]:
    """A minimal ccxt market of `BTC/USDT:USDT` on a venue without recorded markets."""
    market_id, contract_size = _PERPETUALS[exchange_id]
    return {
        "id": market_id,
        "symbol": "BTC/USDT:USDT",
        "base": "BTC",
        "quote": "USDT",
        "settle": "USDT",
        "baseId": "BTC",
        "quoteId": "USDT",
        "settleId": "usdt",
        "type": "swap",
        "spot": False,
        "margin": False,
        "swap": True,
        "future": False,
        "option": False,
        "contract": True,
        "linear": True,
        "inverse": False,
        "contractSize": contract_size,
        "active": True,
        "precision": {"amount": 1, "price": 0.1},
        "limits": {},
        "info": {},
    }


def markets(fixture: str) -> list[dict[str, Any]]:
    """ccxt's recorded markets of a venue."""
    catalogue: dict[str, dict[str, Any]] = json.loads((FIXTURES / f"{fixture}.json").read_text())
    return list(catalogue.values())


def exchange(exchange_id: str, *, asynchronous: bool = False) -> Any:
    """A ccxt instance of `exchange_id` with its recorded markets set (no market request)."""
    module = ccxt.async_support if asynchronous else ccxt
    instance = getattr(module, exchange_id)()
    recorded = (
        [perpetual(exchange_id)] if exchange_id in _PERPETUALS else markets(_FIXTURE[exchange_id])
    )
    instance.set_markets(recorded)
    return instance


def price(t: int) -> str:
    return str(100 + (t // 60_000) % 97)


def amount(t: int) -> str:
    return str(1_000 + (t // 300_000) % 89)


def liquidation_times(lo: int, hi: int) -> list[tuple[int, int]]:
    """`(ms, n)` of the fake's liquidations in `[lo, hi]`: `n` counts from the listing."""
    found = []
    t = lo + (-(lo - LISTED_MS)) % EVENT_MS
    while t <= hi:
        n = (t - LISTED_MS) // EVENT_MS * 2
        found.append((t, n))
        if t % 3_600_000 == 0:
            found.append((t, n + 1))
        t += EVENT_MS
    return found


def is_long(n: int) -> bool:
    """Whether the fake's liquidation `n` closed a long position."""
    return n % 4 < 2


def contracts(n: int) -> int:
    """The contracts of the fake's liquidation `n`."""
    return 100 + n % 50


def long_share(t: int) -> str:
    """The share of accounts long at `t`, as a fraction of 1."""
    return f"{0.4 + (t // 300_000) % 7 / 100:.2f}"


class FakeVenue:
    """Stands in for the venue's HTTP API behind `instance.fetch` (sync or async).

    Attributes:
        calls: Every URL ccxt fetched, in order.
        cap: Rows per page at most, whatever was asked (`None`: what was asked).
    """

    def __init__(self, instance: Any, clock: ManualClock) -> None:
        self.instance = instance
        self.clock = clock
        self.calls: list[str] = []
        self.cap: int | None = None
        self._failures: deque[httpx.Response | BaseException] = deque()
        self._handler: Callable[[httpx.Request], httpx.Response] | None = None
        if isinstance(instance, ccxt.async_support.Exchange):

            async def afetch(
                url: str, method: str = "GET", headers: Any = None, body: Any = None
            ) -> Any:
                return self.fetch(url, method, headers, body)

            instance.fetch = afetch
        else:
            instance.fetch = self.fetch

    # --- scripting ---------------------------------------------------------------------

    def fail(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """Answer the next `times` calls with HTTP `status` (and `headers`)."""
        text = "Too Many Requests" if status == 429 else "Service Unavailable"
        answer = httpx.Response(status, headers=headers, text=text)
        self._failures.extend([answer] * times)

    def raise_next(self, error: BaseException) -> None:
        """Raise `error` from the next call."""
        self._failures.append(error)

    def answer_with(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        """Answer every later call with `handler`'s response instead of the fake's routes."""
        self._handler = handler

    # --- the wire ----------------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)

    def fetch(self, url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        """What ccxt's `fetch` does with the answer: keep its headers, run the venue's error
        handling (`handle_errors`) and the HTTP status table, return the decoded JSON."""
        self.calls.append(url)
        if self._failures:
            failure = self._failures.popleft()
            if isinstance(failure, BaseException):
                raise failure
            answer = failure
        elif self._handler is not None:
            answer = self._handler(httpx.Request(method, url, headers=headers, content=body))
        else:
            parts = urlsplit(url)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            answer = httpx.Response(200, json=self._route(parts.path, query))
        self.instance.last_response_headers = dict(answer.headers)
        text = answer.text
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None  # a plain-text error page
        self.instance.handle_errors(
            answer.status_code, "", url, method, dict(answer.headers), text, decoded, headers, body
        )
        if answer.status_code >= 400:
            self.instance.handle_http_status_code(answer.status_code, "", url, method, text)
            raise ccxt.ExchangeError(f"{self.instance.id} {answer.status_code}")
        return decoded

    def _route(self, path: str, q: dict[str, str]) -> Any:
        routes = {
            "/fapi/v1/klines": self._binance_klines,
            "/fapi/v1/fundingRate": self._binance_funding,
            "/futures/data/openInterestHist": self._binance_oi_history,
            "/fapi/v1/openInterest": self._binance_oi,
            "/fapi/v1/premiumIndex": self._binance_premium,
            "/futures/data/globalLongShortAccountRatio": self._binance_long_short,
            "/v5/market/kline": self._bybit_klines,
            "/v5/market/funding/history": self._bybit_funding,
            "/v5/market/open-interest": self._bybit_oi,
            "/v5/market/tickers": self._bybit_tickers,
            "/v5/market/account-ratio": self._bybit_long_short,
            "/api/v4/futures/usdt/liq_orders": self._gate_liquidations,
            "/v5/market/liquidation_orders": self._htx_liquidations,
            "/v2/liquidations/hist": self._bitfinex_liquidations,
        }
        if path not in routes:
            raise AssertionError(f"the fake venue has no route {path}")
        return routes[path](q)

    def _times(self, step: int, first: int, q: dict[str, str], lo: str, hi: str) -> list[int]:
        """Timestamps of a series of `step` from `first`, inside the query's inclusive bounds."""
        start = max(int(q.get(lo, first)), first)
        end = min(int(q.get(hi, self.now_ms)), self.now_ms)
        t = start + (-(start - first)) % step
        found = []
        limit = int(q.get("limit", 500))
        if self.cap is not None:
            limit = min(limit, self.cap)
        while t <= end and len(found) < limit:
            found.append(t)
            t += step
        return found

    # binanceusdm: oldest first, plain lists

    def _binance_klines(self, q: dict[str, str]) -> Any:
        step = STEP_MS[q["interval"]]
        return [
            [
                t,
                price(t),
                price(t + 1),
                price(t - 1),
                price(t),
                amount(t),
                t + step - 1,
                *_KLINE_TAIL,
            ]
            for t in self._times(step, LISTED_MS, q, "startTime", "endTime")
        ]

    def _binance_funding(self, q: dict[str, str]) -> Any:
        return [
            {"symbol": q["symbol"], "fundingTime": t, "fundingRate": "0.00010000", "markPrice": "1"}
            for t in self._times(FUNDING_MS, LISTED_MS, q, "startTime", "endTime")
        ]

    def _binance_oi_history(self, q: dict[str, str]) -> Any:
        step = STEP_MS[q["period"]]
        oldest = max(LISTED_MS, self.now_ms - OI_DEPTH_MS)
        oldest += (-oldest) % step
        return [
            {
                "symbol": q["symbol"],
                "sumOpenInterest": amount(t),
                "sumOpenInterestValue": str(float(amount(t)) * float(price(t))),
                "timestamp": t,
            }
            for t in self._times(step, oldest, q, "startTime", "endTime")
        ]

    def _binance_long_short(self, q: dict[str, str]) -> Any:
        step = STEP_MS[q["period"]]
        oldest = max(LISTED_MS, self.now_ms - OI_DEPTH_MS)
        oldest += (-oldest) % step
        return [
            {
                "symbol": q["symbol"],
                "longAccount": long_share(t),
                "longShortRatio": str(float(long_share(t)) / (1 - float(long_share(t)))),
                "shortAccount": str(1 - float(long_share(t))),
                "timestamp": t,
            }
            for t in self._times(step, oldest, q, "startTime", "endTime")
        ]

    def _binance_oi(self, q: dict[str, str]) -> Any:
        return {"symbol": q["symbol"], "openInterest": "1234.5", "time": self.now_ms - 7}

    def _binance_premium(self, q: dict[str, str]) -> Any:
        return [
            {
                "symbol": "BTCUSDT",
                "markPrice": "100.5",
                "indexPrice": "100.4",
                "lastFundingRate": "0.00012",
                "interestRate": "0.0001",
                "nextFundingTime": self.now_ms + FUNDING_MS,
                "time": self.now_ms - 3,
            }
        ]

    # liquidation venues

    def _events(self, q: dict[str, str], lo: str, hi: str, scale: int = 1) -> list[tuple[int, int]]:
        start = int(q.get(lo, LISTED_MS // scale)) * scale
        end = min(int(q.get(hi, self.now_ms // scale)) * scale, self.now_ms)
        limit = min(int(q.get("limit", 100)), self.cap or 10**9)
        return liquidation_times(start, end)[:limit]

    def _gate_liquidations(self, q: dict[str, str]) -> Any:
        # Gate's bounds and times are seconds; `size` is the liquidated position's, signed.
        return [
            {
                "contract": q["contract"],
                "left": 0,
                "size": contracts(n) if is_long(n) else -contracts(n),
                "fill_price": price(t),
                "order_price": price(t + 1),
                "time": t // 1000,
            }
            for t, n in self._events(q, "from", "to", scale=1000)
        ]

    def _htx_liquidations(self, q: dict[str, str]) -> Any:
        # The order's `side` closes the position: `sell` for a long one.
        rows = [
            {
                "id": str(9_000_000 + n),
                "contract_code": q["contract_code"],
                "liquidation_time": str(t),
                "side": "sell" if is_long(n) else "buy",
                "position_side": "long" if is_long(n) else "short",
                "volume": str(contracts(n)),
                "amount": str(contracts(n) / 1000),
                "bankrupt_price": price(t),
                "trade_turnover": str(contracts(n) / 1000 * float(price(t))),
            }
            for t, n in self._events(q, "start_time", "end_time")
        ]
        return {"code": 200, "message": "Success", "data": rows[::-1], "ts": self.now_ms}

    def _bitfinex_liquidations(self, q: dict[str, str]) -> Any:
        # Every market in one list; AMOUNT (index 5) is the position's, positive for a long.
        rows = []
        for t, n in self._events(q, "start", "end"):
            amount = contracts(n) if is_long(n) else -contracts(n)
            for market in ("tBTCF0:USTF0", "tETHF0:USTF0"):
                rows.append(
                    [
                        [
                            "pos",
                            7_000_000 + n,
                            t,
                            None,
                            market,
                            amount,
                            1.0,
                            None,
                            1,
                            1,
                            None,
                            float(price(t)),
                        ]
                    ]
                )
        return rows[::-1]

    # bybit: newest first, inside the v5 envelope

    def _bybit(self, rows: list[Any], **extra: Any) -> Any:
        return {
            "retCode": 0,
            "retMsg": "OK",
            "result": {"category": "linear", "list": rows[::-1], **extra},
            "time": self.now_ms,
        }

    def _bybit_klines(self, q: dict[str, str]) -> Any:
        step = STEP_MS[_BYBIT_INTERVALS[q["interval"]]]
        return self._bybit(
            [
                [str(t), price(t), price(t + 1), price(t - 1), price(t), amount(t), "0"]
                for t in self._times(step, LISTED_MS, q, "start", "end")
            ]
        )

    def _bybit_funding(self, q: dict[str, str]) -> Any:
        return self._bybit(
            [
                {"symbol": q["symbol"], "fundingRate": "0.0001", "fundingRateTimestamp": str(t)}
                for t in self._times(FUNDING_MS, LISTED_MS, q, "startTime", "endTime")
            ]
        )

    def _bybit_oi(self, q: dict[str, str]) -> Any:
        step = STEP_MS[_BYBIT_OI[q["intervalTime"]]]
        times = self._times(step, LISTED_MS, q, "startTime", "endTime")
        if "startTime" not in q:  # the current value: the newest sample
            times = [self.now_ms - self.now_ms % step]
        return self._bybit(
            [{"openInterest": amount(t), "timestamp": str(t)} for t in times],
            symbol=q["symbol"],
            nextPageCursor="",
        )

    def _bybit_long_short(self, q: dict[str, str]) -> Any:
        # The newest `limit` periods: Bybit's account ratio is asked without bounds.
        step = STEP_MS[_BYBIT_OI[q["period"]]]
        limit = min(int(q.get("limit", 50)), self.cap or 500)
        newest = self.now_ms - self.now_ms % step
        times = [newest - n * step for n in range(limit)][::-1]
        return self._bybit(
            [
                {
                    "symbol": q["symbol"],
                    "buyRatio": long_share(t),
                    "sellRatio": str(1 - float(long_share(t))),
                    "timestamp": str(t),
                }
                for t in times
            ]
        )

    def _bybit_tickers(self, q: dict[str, str]) -> Any:
        return self._bybit(
            [
                {
                    "symbol": "BTCUSDT",
                    "lastPrice": "100.5",
                    "markPrice": "100.5",
                    "indexPrice": "100.4",
                    "fundingRate": "0.00012",
                    "nextFundingTime": str(self.now_ms + FUNDING_MS),
                    "openInterest": "1234.5",
                }
            ]
        )
