"""A fake Coin Metrics API v4 shaped like the reference (shared/providers/coinmetrics.md).

Quirks it keeps: values are decimal text; a metric an asset lacks is a missing key, a bar
without data a `null`; `start_time`/`end_time` are inclusive unless `end_inclusive=false`;
pages run newest first unless `paging_from=start`; each page but the last names the next
one's full URL (echoing the `api_key`); one forbidden metric fails the whole request with an
error envelope (HTTP 403, or 200 with `forbidden_status=200`); a metric no asset of the
request serves fails it too unless `ignore_unsupported_errors=true`; a 429 carries
`X-RateLimit-Reset`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

BASE = "https://community-api.coinmetrics.io/v4"
PRO = "https://api.coinmetrics.io/v4"
DAY = timedelta(days=1)
FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 91

Series = dict[datetime, str | None]


def _value(asset: str, metric: str, day: int) -> str | None:
    if (asset, metric, day) == ("btc", "TxCnt", 3):
        return None  # a bar without data
    base = {"AdrActCnt": 800_000, "TxCnt": 400_000, "PriceUSD": 42_000, "HashRate": 500_000_000}
    start = base.get(metric, 1_000) // (2 if asset == "eth" else 1)
    return f"{start + day}.{day:02d}5" if metric == "PriceUSD" else str(start + 17 * day)


SUPPORTED: dict[str, tuple[str, ...]] = {
    "btc": ("AdrActCnt", "TxCnt", "PriceUSD", "HashRate", "CapRealUSD"),
    "eth": ("AdrActCnt", "TxCnt", "PriceUSD", "CapRealUSD"),
    "xmr": ("HashRate",),
}
"""Metrics per asset: eth has no HashRate (a missing key in its rows)."""

FORBIDDEN: frozenset[str] = frozenset({"CapRealUSD", "NVTAdj"})
"""Pro metrics: asking for one without a Pro key fails the request."""


def truth(asset: str, metric: str) -> Series:
    """Every bar the fake holds of one series."""
    return {FIRST_DAY + day * DAY: _value(asset, metric, day) for day in range(DAYS)}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000000000Z")


def _time(text: str) -> datetime:
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeCoinMetrics:
    """Serves asset metrics and the catalogue; records every request."""

    def __init__(self, *, base: str = BASE) -> None:
        self.base = base
        self.requests: list[httpx.Request] = []
        self.max_page = 10_000
        self.forbidden_status = 403
        self.name_forbidden = True
        self.pro_key: str | None = None
        self.rate_limits: list[str] = []
        self.next_origin: str | None = None
        self.handler: Callable[[httpx.Request], httpx.Response] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.handler is not None:
            return self.handler(request)
        if self.rate_limits:
            return httpx.Response(429, headers={"X-RateLimit-Reset": self.rate_limits.pop(0)})
        if request.url.path.endswith("/timeseries/asset-metrics"):
            return self._asset_metrics(request)
        if request.url.path.endswith("/catalog-v2/asset-metrics"):
            return self._catalog(request)
        return httpx.Response(404, json={"error": {"type": "not_found", "message": "no route"}})

    def data_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/timeseries/asset-metrics")]

    def _error(self, status: int, kind: str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"error": {"type": kind, "message": message}})

    def _asset_metrics(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assets = params["assets"].split(",")
        metrics = params["metrics"].split(",")
        frequency = params.get("frequency", "1d")
        refused = [(m, a) for m in metrics for a in assets if m in FORBIDDEN]
        if refused:
            metric, asset = refused[0]
            message = (
                f"Requested metric '{metric}' with frequency '{frequency}' for asset '{asset}' "
                "is not available with supplied credentials."
                if self.name_forbidden
                else "Requested metrics are not available with supplied credentials."
            )
            return self._error(self.forbidden_status, "forbidden", message)
        if params.get("ignore_unsupported_errors") != "true":
            for metric in metrics:
                if not any(metric in SUPPORTED.get(asset, ()) for asset in assets):
                    return self._error(400, "bad_parameter", f"Metric '{metric}' is not supported.")
        lo = _time(params["start_time"]) if "start_time" in params else FIRST_DAY
        hi = _time(params["end_time"]) if "end_time" in params else FIRST_DAY + DAYS * DAY
        end_inclusive = params.get("end_inclusive", "true") == "true"
        rows: list[dict[str, Any]] = []
        for asset in assets:
            served = [m for m in metrics if m in SUPPORTED.get(asset, ())]
            if not served:
                continue
            for day in range(DAYS):
                moment = FIRST_DAY + day * DAY
                if moment < lo or moment > hi or (moment == hi and not end_inclusive):
                    continue
                row: dict[str, Any] = {"asset": asset, "time": _iso(moment)}
                for metric in served:
                    row[metric] = _value(asset, metric, day)
                rows.append(row)
        if params.get("paging_from", "end") == "end":
            rows.reverse()  # the default: newest first
        size = min(int(params.get("page_size", "100")), self.max_page)
        offset = int(params.get("next_page_token", "0"))
        body: dict[str, Any] = {"data": rows[offset : offset + size]}
        if offset + size < len(rows):
            token = str(offset + size)
            query = [(k, v) for k, v in params.multi_items() if k != "next_page_token"]
            origin = self.next_origin or f"{request.url.scheme}://{request.url.netloc.decode()}"
            body["next_page_token"] = token
            body["next_page_url"] = (
                f"{origin}{request.url.path}?{urlencode([*query, ('next_page_token', token)])}"
            )
        return httpx.Response(200, json=body)

    def _catalog(self, request: httpx.Request) -> httpx.Response:
        assets = request.url.params["assets"].split(",")
        data = [
            {
                "asset": asset,
                "metrics": [
                    {
                        "metric": metric,
                        "frequencies": [
                            {
                                "frequency": "1d",
                                "min_time": _iso(FIRST_DAY),
                                "max_time": _iso(FIRST_DAY + (DAYS - 1) * DAY),
                            },
                            {"frequency": "1b", "min_time": _iso(FIRST_DAY), "max_time": None},
                        ],
                    }
                    for metric in SUPPORTED.get(asset, ())
                    if metric not in FORBIDDEN
                ],
            }
            for asset in assets
            if asset in SUPPORTED
        ]
        return httpx.Response(200, json={"data": data})
