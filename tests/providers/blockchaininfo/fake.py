"""A fake blockchain.info server, shaped as `shared/providers/blockchaininfo.md` describes it.

- `GET /charts/{name}` with `timespan` (`<n><minute|hour|day|week|year>[s]`, one year by
  default), `start` (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss`, UTC), `sampled` (`true` by
  default: every `SAMPLE_EVERY`-th point only), `rollingAverage` and `format`. Answers
  `{"status": "ok", "name", "unit", "period", "description", "values": [{"x", "y"}]}` with
  `x` in Unix **seconds**, points from `start` to `start + timespan` **inclusive** (the client
  must cut the window itself). Daily charts have a point at 00:00 UTC of every day from
  `EARLIEST` to today (today's still filling); the 15-minute charts (`period` `minute`) a
  point every 900 s from `INTRADAY_EARLIEST`. `transaction-fees` is negative on `NEGATIVE_DAY`.
- An unknown chart is a 404 with an error body.
- `GET /stats`: the 24-hour snapshot, `timestamp` in **milliseconds**, satoshi `_btc` fields.

Values are a pure function of (chart, x).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx

NOW_DT = datetime(2024, 3, 1, 12, tzinfo=UTC)
NOW = NOW_DT.timestamp()
EARLIEST = date(2020, 1, 1)
INTRADAY_EARLIEST = datetime(2024, 2, 1, tzinfo=UTC)
NEGATIVE_DAY = date(2024, 1, 10)
SAMPLE_EVERY = 4
DAY = 86_400

CHARTS: dict[str, tuple[str, str, str]] = {
    "market-price": ("Market Price (USD)", "USD", "day"),
    "market-cap": ("Market Capitalization (USD)", "USD", "day"),
    "hash-rate": ("Total Hash Rate (TH/s)", "Hash Rate TH/s", "day"),
    "difficulty": ("Difficulty", "Difficulty", "day"),
    "n-transactions": ("Confirmed Transactions Per Day", "Transactions", "day"),
    "total-bitcoins": ("Total Circulating Bitcoin", "Bitcoins", "day"),
    "miners-revenue": ("Miners Revenue (USD)", "USD", "day"),
    "avg-block-size": ("Average Block Size (MB)", "Megabytes", "day"),
    "estimated-transaction-volume-usd": ("Estimated Transaction Value (USD)", "USD", "day"),
    "trade-volume": ("USD Exchange Trade Volume", "USD", "day"),
    "n-unique-addresses": ("Unique Addresses Used", "Addresses", "day"),
    "transaction-fees": ("Total Transaction Fees (BTC)", "BTC", "day"),
    "mempool-size": ("Mempool Size", "Bytes", "minute"),
    "mempool-count": ("Mempool Transaction Count", "Transactions", "minute"),
    "transactions-per-second": ("Transaction Rate Per Second", "Transactions Per Second", "minute"),
}
"""Chart name → (display name, unit, period) as the API answers them."""

_SPAN = re.compile(r"(\d+)(minute|hour|day|week|year)s?")
_UNIT_SECONDS = {"minute": 60, "hour": 3_600, "day": DAY, "week": 7 * DAY, "year": 365 * DAY}

STATS: dict[str, Any] = {
    "market_price_usd": 61_000.5,
    "hash_rate": 6.0e11,
    "total_fees_btc": 2_500_000_000,
    "n_btc_mined": 45_000_000_000,
    "n_tx": 450_000,
    "n_blocks_mined": 144,
    "minutes_between_blocks": 10.1,
    "totalbc": 1_963_000_000_000_000,
    "n_blocks_total": 833_000,
    "estimated_transaction_volume_usd": 1.5e9,
    "blocks_size": 250_000_000,
    "miners_revenue_usd": 45_000_000.0,
    "nextretarget": 834_624,
    "difficulty": 79_350_000_000_000,
    "estimated_btc_sent": 3_000_000_000_000,
    "miners_revenue_btc": 475,
    "total_btc_sent": 120_000_000_000_000,
    "trade_volume_btc": 12_000.25,
    "trade_volume_usd": 7.3e8,
    "timestamp": int(NOW * 1000) - 1_234,
}
"""The stats snapshot: satoshis in `total_fees_btc`, `n_btc_mined`, `totalbc`,
`estimated_btc_sent`, `total_btc_sent`; hash rate in GH/s; `timestamp` in milliseconds."""


def value(chart: str, x: int) -> float:
    """The fake's truth for one point (Unix seconds `x`)."""
    if chart == "transaction-fees" and x == _seconds(NEGATIVE_DAY):
        return -12.5
    return (zlib.crc32(f"{chart}|{x}".encode()) % 400_000) / 4 + 1


def _seconds(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def points(chart: str, now: float = NOW) -> list[int]:
    """Every `x` of a chart up to `now`, oldest first."""
    if CHARTS[chart][2] == "day":
        first, step = _seconds(EARLIEST), DAY
    else:
        first, step = int(INTRADAY_EARLIEST.timestamp()), 900
    return list(range(first, int(now) + 1, step))


@dataclass
class FakeBlockchainInfo:
    """The fake; `handle` is an httpx.MockTransport handler."""

    clock_now: float = NOW
    requests: list[httpx.Request] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=lambda: dict(STATS))
    _failures: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    _raises: list[Exception] = field(default_factory=list)
    _overrides: dict[str, Any] = field(default_factory=dict)

    def fail_next(
        self, status: int, *, count: int = 1, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next `count` requests with `status`."""
        self._failures.extend([(status, headers or {}, b'{"error": "failed"}')] * count)

    def raise_next(self, error: Exception, *, count: int = 1) -> None:
        """Raise `error` (a transport failure) on the next `count` requests."""
        self._raises.extend([error] * count)

    def answer(self, path: str, body: Any) -> None:
        """Answer `path` with `body` (JSON) from now on, whatever the query."""
        self._overrides[path] = body

    def chart_requests(self) -> list[httpx.Request]:
        """The chart requests received, in order."""
        return [r for r in self.requests if r.url.path.startswith("/charts/")]

    def truth(self, chart: str, start: datetime, end: datetime) -> dict[datetime, float | None]:
        """`ts → value` of a chart's points in `[start, end)`, negatives as null."""
        found: dict[datetime, float | None] = {}
        for x in points(chart, self.clock_now):
            ts = datetime.fromtimestamp(x, UTC)
            if start <= ts < end:
                y = value(chart, x)
                found[ts] = None if y < 0 else y
        return found

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self._raises:
            raise self._raises.pop(0)
        if self._failures:
            status, headers, body = self._failures.pop(0)
            return httpx.Response(status, headers=headers, content=body)
        path = request.url.path
        if path in self._overrides:
            return httpx.Response(200, json=self._overrides[path])
        if path == "/stats":
            return httpx.Response(200, json=self.stats)
        if path.startswith("/charts/"):
            return self._chart(request, path[len("/charts/") :])
        return httpx.Response(404, text="Not Found")

    def _chart(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in CHARTS:
            return httpx.Response(404, json={"status": "not-found", "error": "Chart not found"})
        params = request.url.params
        span = _SPAN.fullmatch(params.get("timespan", "1year"))
        if span is None:
            return httpx.Response(400, json={"error": "Invalid timespan"})
        seconds = int(span.group(1)) * _UNIT_SECONDS[span.group(2)]
        start = _start(params.get("start"), self.clock_now - seconds)
        xs = [x for x in points(name, self.clock_now) if start <= x <= start + seconds]
        if params.get("sampled", "true") != "false":
            xs = xs[::SAMPLE_EVERY]
        title, unit, period = CHARTS[name]
        return httpx.Response(
            200,
            json={
                "status": "ok",
                "name": title,
                "unit": unit,
                "period": period,
                "description": f"The {title.lower()}.",
                "values": [{"x": x, "y": value(name, x)} for x in xs],
            },
        )


def _start(given: str | None, default: float) -> int:
    if given is None:
        return int(default)
    return int(datetime.fromisoformat(given).replace(tzinfo=UTC).timestamp())
