"""A fake Velo Data API, shaped like the reference (shared/providers/velo.md), quirks included.

- HTTP Basic auth, user `api`, password the key; anything else is a 401 with a text body.
- CSV bodies: catalogues with a header, `/rows` with `exchange,coin,product,time` then the
  columns asked (a header first unless `header=False`); an empty body when nothing is in range.
- `/rows` refuses (400, text body) a `resolution` that is not integer minutes, products and
  coins together, and more than 22,500 values (`buckets x exchanges x ids x columns`, a basis
  counted as 3 exchanges).
- `minute_rows=True` answers 1-minute rows whatever the resolution (a user's report).
- `fail_next` answers the next requests with an error status and a text body.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime

import attrs
import httpx

from cryptodata.core.clock import ManualClock

KEY = "VELO-SECRET-KEY-0123456789"
NOW_DT = datetime(2026, 7, 13, 12, 0, tzinfo=UTC)
NOW = NOW_DT.timestamp()
BEGIN_MS = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
"""Where the fake's data starts: earlier buckets have no rows."""

PRODUCTS: dict[str, dict[str, str]] = {
    "binance-futures": {
        "BTCUSDT": "BTC",
        "ETHUSDT": "ETH",
        "SOLUSDT": "SOL",
        "1000PEPEUSDT": "PEPE",
    },
    "bybit": {"BTCUSDT": "BTC", "ETHUSDT": "ETH"},
    "okex-swap": {"BTC-USDT-SWAP": "BTC"},
}
"""Per exchange, product → coin: what the fake serves."""


def truth(exchange: str, product: str, column: str, time_ms: int) -> float:
    """The fake's value of one column of one product at one minute."""
    minute = time_ms // 60_000
    return float(minute % 10_000) + 0.25 * len(column) + 0.5 * len(product) + len(exchange)


@attrs.define
class Call:
    path: str
    params: dict[str, str]
    status: int


@attrs.define
class FakeVelo:
    clock: ManualClock
    key: str = KEY
    header: bool = True
    minute_rows: bool = False
    calls: list[Call] = attrs.field(factory=list)
    _failures: list[tuple[int, dict[str, str], str]] = attrs.field(factory=list)
    _raises: list[Exception] = attrs.field(factory=list)

    def fail_next(
        self, status: int, *, count: int = 1, headers: dict[str, str] | None = None, body: str = ""
    ) -> None:
        self._failures += [(status, headers or {}, body or f"error {status}")] * count

    def raise_next(self, error: Exception, *, count: int = 1) -> None:
        self._raises += [error] * count

    def of(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path and call.status == 200]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        params = dict(request.url.params)
        response = self._answer(request, path, params)
        self.calls.append(Call(path, params, response.status_code))
        return response

    def _answer(self, request: httpx.Request, path: str, params: dict[str, str]) -> httpx.Response:
        expected = "Basic " + base64.b64encode(f"api:{self.key}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return httpx.Response(401, text="unauthorized: bad API key")
        if self._raises and path == "/rows":
            raise self._raises.pop(0)
        if self._failures and path == "/rows":
            status, headers, body = self._failures.pop(0)
            return httpx.Response(status, headers=headers, text=body)
        if path == "/status":
            return httpx.Response(200, text="ok\n")
        if path in ("/futures", "/spot", "/options"):
            return httpx.Response(200, text=self._catalogue())
        if path == "/rows":
            return self._rows(params)
        return httpx.Response(404, text="not found")

    def _catalogue(self) -> str:
        lines = ["exchange,coin,product,begin,depth"]
        for exchange, products in PRODUCTS.items():
            for product, coin in products.items():
                lines.append(f"{exchange},{coin},{product},{BEGIN_MS},true")
        return "\n".join(lines) + "\n"

    def _rows(self, params: dict[str, str]) -> httpx.Response:
        if "products" in params and "coins" in params:
            return httpx.Response(400, text="use products or coins, not both")
        try:
            minutes = int(params["resolution"])
            begin, end = int(params["begin"]), int(params["end"])
        except (KeyError, ValueError):
            return httpx.Response(400, text="resolution, begin and end are integers")
        columns = params["columns"].split(",")
        exchanges = [e for e in params.get("exchanges", "").split(",") if e]
        selector = "products" if "products" in params else "coins"
        ids = params[selector].split(",")
        step = minutes * 60_000
        buckets = math.ceil((end - begin) / step)
        values = buckets * (len(exchanges) or 3) * len(ids) * len(columns)
        if values > 22_500:
            return httpx.Response(400, text=f"too many values requested: {values} > 22500")
        lines = [",".join(["exchange", "coin", "product", "time", *columns])] if self.header else []
        row_step = 60_000 if self.minute_rows else step
        for exchange, product, coin in self._series(exchanges, selector, ids):
            for time_ms in range(max(begin, BEGIN_MS), end, row_step):
                values_of = [repr(truth(exchange, product, c, time_ms)) for c in columns]
                lines.append(",".join([exchange, coin, product, str(time_ms), *values_of]))
        if len(lines) <= (1 if self.header else 0):
            return httpx.Response(200, content=b"")
        return httpx.Response(200, text="\n".join(lines) + "\n")

    def _series(
        self, exchanges: list[str], selector: str, ids: list[str]
    ) -> list[tuple[str, str, str]]:
        if not exchanges:  # the basis: one row per coin, no exchange
            return [("", coin, coin) for coin in ids]
        found = []
        for exchange in exchanges:
            for product, coin in PRODUCTS.get(exchange, {}).items():
                if (product if selector == "products" else coin) in ids:
                    found.append((exchange, product, coin))
        return found
