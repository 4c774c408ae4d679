"""A fake Artemis server, shaped as `shared/providers/artemis.md` describes the API.

- `GET /data/api/{METRICS}/` (metrics comma-separated in the path) with `symbols`,
  `startDate`, `endDate` (**inclusive** day strings), `granularity=DAY`, `limit` (1-1,000; a
  longer window is cut to its first `limit` points) and the key in `APIKey`. Answers
  `{"data": {"symbols": {sym: {METRIC: [{"date", "val"}]}}}}` with the metric keys echoing the
  request's case (or another case, `echo=`); a metric a symbol lacks is a message string in
  place of its list; an unknown metric is left out, so a request of unknown metrics only is a
  200 with empty `symbols`; unknown symbols are left out.
- A batch of more than `max_batch` symbols is answered with HTTP 500.
- `GET /supported-metrics/?symbol=` and `GET /asset/symbols/` in their documented shapes.
- A missing or wrong key is a 401 (or, with `key_error_in_200`, a 200 with an error string).

Values are a pure function of (symbol, metric, day), multiples of 1/4; one day of `sol`
`FEES` (2024-01-04) is a null gap.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import httpx

BASE_URL = "https://data-svc.artemisxyz.com"
API_KEY = "SUPERSECRET-ARTEMIS-KEY-42"
NOW = datetime(2024, 3, 1, 12, tzinfo=UTC).timestamp()
EARLIEST = date(2020, 1, 1)
GAP = ("sol", "FEES", date(2024, 1, 4))
AVAILABLE: dict[str, tuple[str, ...]] = {
    "btc": ("PRICE", "MC", "24H_VOLUME"),
    "eth": ("PRICE", "MC", "FEES", "DAU", "TVL", "WEEKLY_COMMITS_CORE"),
    "sol": ("PRICE", "MC", "FEES", "DAU", "TVL", "WEEKLY_COMMITS_CORE"),
    "bnb": ("PRICE", "FEES"),
    "arb": ("PRICE", "FEES"),
    "op": ("PRICE", "FEES"),
}
"""The metrics each symbol has; any other metric known to Artemis is a message for it."""
KNOWN = frozenset(name for names in AVAILABLE.values() for name in names)


def value(symbol: str, metric: str, day: date) -> float | None:
    """The fake's truth for one point."""
    if (symbol, metric, day) == GAP:
        return None
    return (zlib.crc32(f"{symbol}|{metric}|{day}".encode()) % 400_000) / 4


def days(start: date, end: date) -> list[date]:
    """Every day from `start` to `end`, both included."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass
class FakeArtemis:
    """The fake; `handle` is an httpx.MockTransport handler."""

    clock_now: float = NOW
    api_key: str = API_KEY
    max_batch: int = 10
    echo: Literal["request", "upper", "lower"] = "request"
    key_error_in_200: bool = False
    requests: list[httpx.Request] = field(default_factory=list)
    _failures: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    _raises: list[Exception] = field(default_factory=list)
    _overrides: dict[str, Any] = field(default_factory=dict)

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        """Answer the next `count` requests with `status`."""
        self._failures.extend([(status, headers or {}, body)] * count)

    def raise_next(self, error: Exception, *, count: int = 1) -> None:
        """Raise `error` (a transport failure) on the next `count` requests."""
        self._raises.extend([error] * count)

    def answer(self, path: str, body: Any) -> None:
        """Answer `path` with `body` (JSON) from now on, whatever the query."""
        self._overrides[path] = body

    def metric_requests(self) -> list[httpx.Request]:
        """The metrics requests received, in order."""
        return [r for r in self.requests if r.url.path.startswith("/data/")]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self._raises:
            raise self._raises.pop(0)
        if self._failures:
            status, headers, body = self._failures.pop(0)
            return httpx.Response(status, headers=headers, content=body)
        if request.url.params.get("APIKey") != self.api_key:
            if self.key_error_in_200:
                return httpx.Response(200, json={"data": "Invalid API key"})
            return httpx.Response(401, json={"detail": "Unauthorized"})
        path = request.url.path
        if path in self._overrides:
            return httpx.Response(200, json=self._overrides[path])
        if path.startswith("/data/api/") and path.endswith("/"):
            return self._metrics(request, path[len("/data/api/") : -1])
        if path == "/supported-metrics/":
            return self._supported(request.url.params.get("symbol", ""))
        if path == "/asset/symbols/":
            return httpx.Response(200, json={"assets": ASSETS})
        return httpx.Response(404, json={"detail": "Not Found"})

    def _metrics(self, request: httpx.Request, listed: str) -> httpx.Response:
        params = request.url.params
        symbols = [s for s in params.get("symbols", "").split(",") if s]
        if len(symbols) > self.max_batch:
            return httpx.Response(500, text="Internal Server Error")
        limit = int(params.get("limit", "1000"))
        if not 1 <= limit <= 1000:
            return httpx.Response(400, json={"detail": "limit must be between 1 and 1000"})
        try:
            first = date.fromisoformat(params["startDate"])
            last = date.fromisoformat(params["endDate"])
        except (KeyError, ValueError):
            return httpx.Response(400, json={"detail": "startDate and endDate are YYYY-MM-DD"})
        today = datetime.fromtimestamp(self.clock_now, UTC).date()
        span = list(days(max(first, EARLIEST), min(last, today)))[:limit]
        answer: dict[str, Any] = {}
        for symbol in symbols:
            if symbol not in AVAILABLE:
                continue
            entry: dict[str, Any] = {}
            for asked in listed.split(","):
                name = asked.upper()
                if name not in KNOWN:
                    continue
                key = {"request": asked, "upper": name, "lower": name.lower()}[self.echo]
                if name not in AVAILABLE[symbol]:
                    entry[key] = f"Metric {name} is not available for asset {symbol}"
                    continue
                entry[key] = [{"date": d.isoformat(), "val": value(symbol, name, d)} for d in span]
            if entry:
                answer[symbol] = entry
        return httpx.Response(200, json={"data": {"symbols": answer}})

    def _supported(self, symbol: str) -> httpx.Response:
        listed = [
            {
                name: {
                    "label": name.title(),
                    "description": f"{name} of {symbol}",
                    "source": "Artemis",
                    "unit": "USD",
                    "aggregation_type": "sum",
                    "cuts": ["chain"],
                    "tags": ["fundamentals"],
                }
            }
            for name in AVAILABLE.get(symbol, ())
        ]
        return httpx.Response(200, json={"metrics": listed})

    def truth(
        self, pairs: Iterable[tuple[str, str]], start: date, end: date
    ) -> set[tuple[str, str, date, float | None]]:
        """`(symbol, METRIC, day, value)` of every point of `pairs` in days `[start, end)`."""
        return {
            (symbol, metric, d, value(symbol, metric, d))
            for symbol, metric in pairs
            for d in days(start, end - timedelta(days=1))
        }


ASSETS = [
    {
        "artemis_id": "bitcoin",
        "symbol": "btc",
        "title": "Bitcoin",
        "coingecko_id": "bitcoin",
        "color": "#F7931A",
    },
    {
        "artemis_id": "solana",
        "symbol": "sol",
        "title": "Solana",
        "coingecko_id": "solana",
        "color": None,
    },
    {
        "artemis_id": "bsc",
        "symbol": "bnb",
        "title": "BNB Chain",
        "coingecko_id": None,
        "color": None,
    },
]


def dumps(body: Any) -> bytes:
    """A JSON body."""
    return json.dumps(body).encode()
