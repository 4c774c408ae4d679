"""A fake Coinalyze server, shared by the provider, pipeline and fault tests.

`FakeCoinalyze` answers every v1 endpoint the way the API reference
(`/work/shared/providers/coinalyze.md`, §2-§5) describes it:

- `/exchanges`, `/future-markets`, `/spot-markets` from the sample payloads in
  `tests/fixtures/coinalyze/`, plus synthetic futures (Bybit, OKX, Hyperliquid, an OKX dated
  future and 50 `S{i}USDT_PERP.A` markets for batching);
- every `*-history` endpoint from a deterministic series per (symbol, interval): one bar at
  every interval boundary up to the clock's now (the open bucket included), values a pure
  function of (endpoint, symbol, t), sliced by `from`/`to` as **inclusive** UNIX seconds on
  the bar start;
- `/open-interest`, `/funding-rate`, `/predicted-funding-rate` as `[{symbol, value, update}]`.

It enforces 40 symbol-calls per rolling 60 s on the injected clock (429 + `Retry-After` in
seconds), checks the `api_key` header (401), and records every request. Unknown symbols are
left out of the array; "silent" symbols answer `history: []` or are left out; a per-symbol
retention drops bars older than a given start; `rewrite` plants the API's possible bugs
(unasked symbols, timestamps in the wrong unit) in an otherwise correct answer. Synthetic values are multiples of 1/4 (or
1/8) so that sums are exact whatever order they are added in.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import httpx
import polars as pl
from polars.testing import assert_frame_equal
from pytest_httpx import HTTPXMock

from cryptodata import Kind, ManualClock, primary_key, schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "coinalyze"
BASE_URL = "https://api.coinalyze.net/v1"
API_KEY = "test-key-0001"
NOW = 1_751_328_000.0
"""2025-07-01 00:00:00 UTC: the fake's (and the client's) clock starts here."""
NOW_DT = datetime.fromtimestamp(NOW, UTC)
LIMIT = 40
WINDOW = 60.0
MAX_SYMBOLS = 20
USD_FACTOR = 50_000
MARKET_PATHS = frozenset({"/exchanges", "/future-markets", "/spot-markets"})
SNAPSHOT_PATHS = frozenset({"/open-interest", "/funding-rate", "/predicted-funding-rate"})
USD_PATHS = frozenset({"/open-interest", "/open-interest-history", "/liquidation-history"})
INTERVAL_SECONDS = {
    "1min": 60,
    "5min": 300,
    "15min": 900,
    "30min": 1_800,
    "1hour": 3_600,
    "2hour": 7_200,
    "4hour": 14_400,
    "6hour": 21_600,
    "12hour": 43_200,
    "daily": 86_400,
}
CANONICAL_INTERVAL = {
    "1m": "1min",
    "5m": "5min",
    "15m": "15min",
    "30m": "30min",
    "1h": "1hour",
    "2h": "2hour",
    "4h": "4hour",
    "6h": "6hour",
    "12h": "12hour",
    "1d": "daily",
}
OHLC = (("o", "open"), ("h", "high"), ("l", "low"), ("c", "close"))


@dataclass(frozen=True)
class Method:
    """What the oracle needs to know about one history method (independent of src)."""

    path: str
    kind: Kind
    fields: tuple[tuple[str, str], ...]
    percent: bool = False
    usd: bool = False
    flag: str | None = None


METHODS = {
    "open_interest_history": Method("/open-interest-history", Kind.OPEN_INTEREST, OHLC, usd=True),
    "funding_rate_history": Method("/funding-rate-history", Kind.FUNDING_RATE, OHLC, percent=True),
    "predicted_funding_rate_history": Method(
        "/predicted-funding-rate-history", Kind.PREDICTED_FUNDING_RATE, OHLC, percent=True
    ),
    "liquidation_history": Method(
        "/liquidation-history",
        Kind.LIQUIDATIONS,
        (("l", "longs"), ("s", "shorts")),
        usd=True,
    ),
    "long_short_ratio_history": Method(
        "/long-short-ratio-history",
        Kind.LONG_SHORT_RATIO,
        (("r", "ratio"), ("l", "long_pct"), ("s", "short_pct")),
        flag="has_long_short_ratio_data",
    ),
    "ohlcv_history": Method(
        "/ohlcv-history",
        Kind.OHLCV,
        (
            *OHLC,
            ("v", "volume"),
            ("bv", "buy_volume"),
            ("tx", "trades"),
            ("btx", "buy_trades"),
        ),
        flag="has_ohlcv_data",
    ),
}
HISTORY_PATHS = {method.path: method for method in METHODS.values()}
UNITS = {"BASE_ASSET": "base", "QUOTE_ASSET": "quote", "CONTRACTS": "contracts"}


def fixture_bytes(name: str) -> bytes:
    """The raw bytes of a sample payload."""
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    """A sample payload, decoded."""
    return json.loads(fixture_bytes(name))


def _future(
    symbol: str,
    exchange: str,
    on_exchange: str,
    base: str,
    quote: str,
    *,
    unit: str = "BASE_ASSET",
    ls: bool = True,
    ohlcv: bool = True,
    buy_sell: bool = True,
    perpetual: bool = True,
    margined: str = "STABLE",
    expire_at: int | None = None,
) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "exchange": exchange,
        "symbol_on_exchange": on_exchange,
        "base_asset": base,
        "quote_asset": quote,
        "expire_at": expire_at,
        "has_buy_sell_data": buy_sell,
        "is_perpetual": perpetual,
        "margined": margined,
        "oi_lq_vol_denominated_in": unit,
        "has_long_short_ratio_data": ls,
        "has_ohlcv_data": ohlcv,
    }


SYNTHETIC_COUNT = 50
DATED_EXPIRY_MS = 1_790_323_200_000
"""2026-09-25 08:00 UTC, expiry of the synthetic OKX dated future."""

EXTRA_FUTURES = [
    _future("BTCUSDT.6", "6", "BTCUSDT", "BTC", "USDT", ls=True),
    _future("BTCUSDT_PERP.3", "3", "BTC-USDT-SWAP", "BTC", "USDT", unit="CONTRACTS", ls=False),
    _future("BTC.H", "H", "BTC", "BTC", "USD", ls=False, buy_sell=False),
    _future(
        "BTCUSD_260925.3",
        "3",
        "BTC-USD-260925",
        "BTC",
        "USD",
        unit="CONTRACTS",
        ls=False,
        perpetual=False,
        margined="COIN",
        expire_at=DATED_EXPIRY_MS,
    ),
    _future("NOOHLCV_PERP.A", "A", "NOOHLCV", "NOOHLCV", "USDT", ohlcv=False, ls=False),
    *(
        _future(f"S{i}USDT_PERP.A", "A", f"S{i}USDT", f"S{i}", "USDT")
        for i in range(SYNTHETIC_COUNT)
    ),
]


def synthetic(i: int) -> str:
    """The i-th synthetic Binance perpetual (0 <= i < 50)."""
    return f"S{i}USDT_PERP.A"


def exchange_names() -> dict[str, str]:
    """Exchange code → canonical lowercase name, from the sample `/exchanges`."""
    return {
        row["code"]: re.sub(r"[^a-z0-9]", "", row["name"].lower())
        for row in fixture_json("exchanges.json")
    }


@dataclass
class Call:
    """One request the fake received."""

    path: str
    params: tuple[tuple[str, str], ...]
    cost: int
    time: float
    url: str
    headers: dict[str, str] = field(repr=False)
    status: int | None = None

    @property
    def param_dict(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def symbols(self) -> list[str]:
        return self.param_dict["symbols"].split(",")


@dataclass
class _Scripted:
    """A canned answer (or exception) for the next requests on a path."""

    count: int
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    exception: Exception | None = None
    path: str | None = None


Silence = Literal["empty", "omit"]


class FakeCoinalyze:
    """An in-memory Coinalyze v1 API driven by a `ManualClock`.

    Args:
        clock: The simulated clock (the same one the client gets).
        api_key: The only key the fake accepts.
    """

    def __init__(self, clock: ManualClock, *, api_key: str = API_KEY) -> None:
        self.clock = clock
        self.api_key = api_key
        self.exchanges = fixture_json("exchanges.json")
        self.futures: list[dict[str, Any]] = [*fixture_json("future-markets.json"), *EXTRA_FUTURES]
        self.spots: list[dict[str, Any]] = fixture_json("spot-markets.json")
        self.names = exchange_names()
        self.retention: dict[str, int] = {}
        """Symbol → oldest bar start (UNIX s) the fake still keeps."""
        self.silent: dict[tuple[str, str | None], Silence] = {}
        self.raw: dict[str, bytes] = {}
        """Path → body served verbatim (after auth and rate limiting)."""
        self.extra_bars_after_to = 0
        """Bars past `to` added to each answer, to make adjacent windows overlap."""
        self.reverse = False
        """Answer history in descending order."""
        self.rewrite: dict[str, Callable[[list[Any]], list[Any]]] = {}
        """Path → function applied to each data answer's JSON before it is sent (API bugs)."""
        self.calls: list[Call] = []
        self._grants: deque[tuple[float, int]] = deque()
        self._script: list[_Scripted] = []

    # ---------------------------------------------------------------- configuration

    def mount(self, httpx_mock: HTTPXMock) -> FakeCoinalyze:
        """Serve every request under `BASE_URL` from this fake."""
        httpx_mock.add_callback(
            self.handle,
            url=re.compile(re.escape(BASE_URL) + r"/.*"),
            is_reusable=True,
            is_optional=True,
        )
        return self

    def silence(self, symbol: str, mode: Silence = "empty", *, path: str | None = None) -> None:
        """Make a known symbol answer `history: []` (`"empty"`) or vanish (`"omit"`)."""
        self.silent[(symbol, path)] = mode

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        headers: dict[str, str] | None = None,
        body: bytes = b'{"message": "error"}',
        path: str | None = None,
    ) -> None:
        """Answer the next `count` requests (on `path`, or any) with `status`."""
        self._script.append(
            _Scripted(count, status=status, headers=dict(headers or {}), body=body, path=path)
        )

    def raise_next(self, exception: Exception, *, count: int = 1, path: str | None = None) -> None:
        """Raise `exception` (e.g. a timeout) for the next `count` requests."""
        self._script.append(_Scripted(count, exception=exception, path=path))

    def market(self, symbol: str) -> dict[str, Any] | None:
        for row in self.futures:
            if row["symbol"] == symbol:
                return row
        for row in self.spots:
            if row["symbol"] == symbol:
                return {**row, "has_ohlcv_data": True, "has_long_short_ratio_data": False}
        return None

    # ---------------------------------------------------------------- request log

    @property
    def list_calls(self) -> list[Call]:
        return [call for call in self.calls if call.path in MARKET_PATHS]

    @property
    def data_calls(self) -> list[Call]:
        return [call for call in self.calls if call.path not in MARKET_PATHS]

    def statuses(self) -> list[int | None]:
        return [call.status for call in self.calls]

    def used_in_window(self, at: float) -> int:
        """Symbol-calls the fake granted in the 60 s before `at`."""
        return sum(cost for granted, cost in self._grants if granted + WINDOW > at)

    # ---------------------------------------------------------------- data (pure functions)

    @staticmethod
    def point(path: str, symbol: str, t: int, *, usd: bool = False) -> dict[str, float | int]:
        """The bar of `path` for `symbol` starting at `t`, as the API would send it."""
        seed = zlib.crc32(symbol.encode()) % 4096
        k = (t // 60) % 100_000
        scale = USD_FACTOR if usd else 1
        if path == "/open-interest-history":
            o = 10_000 + seed * 4 + (k % 4000) * 0.25
            return {
                "o": o * scale,
                "h": (o + 12.5) * scale,
                "l": (o - 7.75) * scale,
                "c": (o + 3.25) * scale,
            }
        if path in ("/funding-rate-history", "/predicted-funding-rate-history"):
            step = 0.000125 if path == "/funding-rate-history" else 0.000375
            o = ((k + seed) % 81 - 40) * step
            return {"o": o, "h": o + 0.0025, "l": o - 0.00125, "c": o + 0.000625}
        if path == "/liquidation-history":
            return {
                "l": ((k + seed) % 97) * 0.5 * scale,
                "s": ((3 * k + seed) % 89) * 0.25 * scale,
            }
        if path == "/long-short-ratio-history":
            longs = 40 + ((k + seed) % 40) * 0.5
            return {"r": round(longs / (100 - longs), 4), "l": longs, "s": 100 - longs}
        if path == "/ohlcv-history":
            o = 20_000 + seed + (k % 5000) * 0.5
            v = 100 + ((k + seed) % 300) * 0.125
            tx = 1000 + (k + seed) % 5000
            return {
                "o": o,
                "h": o + 40,
                "l": o - 35.5,
                "c": o + 10.25,
                "v": v,
                "bv": v / 2,
                "tx": tx,
                "btx": tx // 2,
            }
        raise AssertionError(f"no series for {path}")

    def snapshot_value(self, path: str, symbol: str, *, usd: bool = False) -> float:
        """Current value of a snapshot endpoint (funding in percent, like the API)."""
        seed = zlib.crc32(symbol.encode()) % 4096
        if path == "/open-interest":
            return (70_000 + seed + 0.5) * (USD_FACTOR if usd else 1)
        if path == "/funding-rate":
            return (seed % 20 - 10) * 0.001
        return (seed % 16 - 8) * 0.002

    def snapshot_update_ms(self) -> int:
        return int(self.clock.time() * 1000) - 250

    def serves(self, path: str, symbol: str) -> bool:
        """Whether a history request for `symbol` on `path` yields an element at all."""
        market = self.market(symbol)
        if market is None:
            return False
        method = HISTORY_PATHS[path]
        if method.flag is not None and not market.get(method.flag, False):
            return False
        return self._silence(symbol, path) != "omit"

    def has_data(self, path: str, symbol: str) -> bool:
        return self.serves(path, symbol) and self._silence(symbol, path) is None

    def bar_times(self, symbol: str, step: int, lo: int, hi: int) -> list[int]:
        """Bar starts in `[lo, hi]` (inclusive) that exist now: not in the future, not purged."""
        first = math.ceil(lo / step) * step
        oldest = self.retention.get(symbol)
        if oldest is not None:
            first = max(first, math.ceil(oldest / step) * step)
        last = min(hi, int(self.clock.time()))
        return list(range(first, last + 1, step)) if first <= last else []

    def truth(
        self,
        method: str,
        symbols: Iterable[str],
        interval: str,
        start: datetime,
        end: datetime,
        *,
        convert_to_usd: bool = False,
    ) -> pl.DataFrame:
        """The exact frame a correct client returns for `[start, end)`, sorted by the key."""
        spec = METHODS[method]
        step = INTERVAL_SECONDS[CANONICAL_INTERVAL.get(interval, interval)]
        lo = math.ceil(start.timestamp())
        hi = math.ceil(end.timestamp()) - 1
        usd = spec.usd and convert_to_usd
        target = schema(spec.kind)
        spelled = {name: canonical for canonical, name in CANONICAL_INTERVAL.items()}
        canonical = spelled.get(interval, interval)
        rows = []
        for symbol in symbols:
            if not self.has_data(spec.path, symbol):
                continue
            market = self.market(symbol)
            assert market is not None
            for t in self.bar_times(symbol, step, lo, hi):
                point = self.point(spec.path, symbol, t, usd=usd)
                row: dict[str, Any] = {
                    "provider": "coinalyze",
                    "exchange": self.names[market["exchange"]],
                    "symbol": symbol,
                    "base": market["base_asset"],
                    "interval": canonical,
                    "ts": datetime.fromtimestamp(t, UTC),
                }
                for name, column in spec.fields:
                    value = point[name]
                    row[column] = percent_to_fraction(value) if spec.percent else value
                if "unit" in target:
                    row["unit"] = (
                        "usd"
                        if usd
                        else UNITS.get(market.get("oi_lq_vol_denominated_in") or "", "base")
                    )
                rows.append(row)
        frame = pl.DataFrame(rows, schema=target, orient="row") if rows else None
        if frame is None:
            return pl.DataFrame(schema=target)
        return frame.sort(primary_key(spec.kind))

    # ---------------------------------------------------------------- the server

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The pytest-httpx callback."""
        path = request.url.path.removeprefix(httpx.URL(BASE_URL).path)
        params = tuple(request.url.params.multi_items())
        query = dict(params)
        cost = len(query["symbols"].split(",")) if query.get("symbols") else 1
        call = Call(
            path=path,
            params=params,
            cost=cost,
            time=self.clock.time(),
            url=str(request.url),
            headers=dict(request.headers),
        )
        self.calls.append(call)
        response = self._respond(request, path, query, cost)
        call.status = response.status_code
        return response

    def _respond(
        self, request: httpx.Request, path: str, query: dict[str, str], cost: int
    ) -> httpx.Response:
        scripted = self._take_script(path)
        if scripted is not None:
            if scripted.exception is not None:
                if isinstance(scripted.exception, httpx.RequestError):
                    scripted.exception.request = request
                raise scripted.exception
            return httpx.Response(scripted.status, headers=scripted.headers, content=scripted.body)
        if request.headers.get("api_key") != self.api_key:
            return _error(401, "Unauthorized: missing or invalid api_key")
        now = self.clock.time()
        wait = self._admit(cost, now)
        if wait is not None:
            return httpx.Response(
                429,
                headers={"Retry-After": str(max(math.ceil(wait), 1))},
                json={"message": "Too Many Requests"},
            )
        if path in self.raw:
            return httpx.Response(200, content=self.raw[path])
        if path == "/exchanges":
            return httpx.Response(200, json=self.exchanges)
        if path == "/future-markets":
            return httpx.Response(200, json=self.futures)
        if path == "/spot-markets":
            return httpx.Response(200, json=self.spots)
        if path in SNAPSHOT_PATHS:
            return self._snapshot(path, query)
        if path in HISTORY_PATHS:
            return self._history(path, query)
        return _error(404, "Not Found")

    def _take_script(self, path: str) -> _Scripted | None:
        for scripted in self._script:
            if scripted.count > 0 and scripted.path in (None, path):
                scripted.count -= 1
                return scripted
        return None

    def _admit(self, cost: int, now: float) -> float | None:
        """Grant `cost` now, or return how long until it would fit (rolling 60 s window)."""
        while self._grants and self._grants[0][0] + WINDOW <= now:
            self._grants.popleft()
        used = sum(c for _, c in self._grants)
        if used + cost <= LIMIT:
            self._grants.append((now, cost))
            return None
        excess, freed = used + cost - LIMIT, 0
        for granted, granted_cost in self._grants:
            freed += granted_cost
            if freed >= excess:
                return granted + WINDOW - now
        return WINDOW

    def _silence(self, symbol: str, path: str) -> Silence | None:
        return self.silent.get((symbol, path)) or self.silent.get((symbol, None))

    def _symbols(self, query: dict[str, str]) -> list[str] | httpx.Response:
        raw = query.get("symbols")
        if not raw:
            return _error(400, "symbols is required")
        symbols = raw.split(",")
        if len(symbols) > MAX_SYMBOLS:
            return _error(400, "at most 20 symbols per request")
        return symbols

    def _snapshot(self, path: str, query: dict[str, str]) -> httpx.Response:
        symbols = self._symbols(query)
        if isinstance(symbols, httpx.Response):
            return symbols
        usd = path in USD_PATHS and query.get("convert_to_usd") == "true"
        body = [
            {
                "symbol": symbol,
                "value": self.snapshot_value(path, symbol, usd=usd),
                "update": self.snapshot_update_ms(),
            }
            for symbol in symbols
            if self.market(symbol) is not None and self._silence(symbol, path) is None
        ]
        return httpx.Response(200, json=self._rewritten(path, body))

    def _history(self, path: str, query: dict[str, str]) -> httpx.Response:
        symbols = self._symbols(query)
        if isinstance(symbols, httpx.Response):
            return symbols
        step = INTERVAL_SECONDS.get(query.get("interval", ""))
        if step is None:
            return _error(400, f"invalid interval {query.get('interval')!r}")
        try:
            lo, hi = int(query["from"]), int(query["to"])
        except (KeyError, ValueError):
            return _error(400, "from and to must be integers")
        if lo > 100_000_000_000 or hi > 100_000_000_000:
            return httpx.Response(200, json=[])  # milliseconds: silently nothing, like the API
        usd = path in USD_PATHS and query.get("convert_to_usd") == "true"
        body = []
        for symbol in symbols:
            if not self.serves(path, symbol):
                continue
            if self._silence(symbol, path) == "empty":
                body.append({"symbol": symbol, "history": []})
                continue
            times = self.bar_times(symbol, step, lo, hi + self.extra_bars_after_to * step)
            history = [{"t": t, **self.point(path, symbol, t, usd=usd)} for t in times]
            if self.reverse:
                history.reverse()
            body.append({"symbol": symbol, "history": history})
        return httpx.Response(200, json=self._rewritten(path, body))

    def _rewritten(self, path: str, body: list[Any]) -> list[Any]:
        rewrite = self.rewrite.get(path)
        return body if rewrite is None else rewrite(body)


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"message": message})


def percent_to_fraction(percent: float) -> float:
    """The double nearest to the API's decimal percent divided by 100 (-0.000582 → -0.00000582)."""
    return float(Decimal(repr(percent)) / 100)


def assert_exact(left: pl.DataFrame, right: pl.DataFrame) -> None:
    """Frames equal value for value (polars' default comparison allows rel 1e-5 / abs 1e-8)."""
    assert_frame_equal(left, right, check_exact=True)


def windows_of(calls: Iterable[Call]) -> list[tuple[int, int]]:
    """`(from, to)` of each history call."""
    return [(int(call.param_dict["from"]), int(call.param_dict["to"])) for call in calls]


def at(seconds: float) -> datetime:
    """A UTC datetime from UNIX seconds."""
    return datetime.fromtimestamp(seconds, UTC)
