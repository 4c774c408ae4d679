"""The Coin Metrics API v4 described as data: hosts, limits, frequencies, request builders.

Nothing here does I/O. Facts from `shared/providers/coinmetrics.md`: the community API needs
no key (CC BY-NC 4.0), Pro is another host with the key in the `api_key` query parameter;
10 requests per 6 s per IP on community, 6,000 per 20 s per key on Pro; `start_time` and
`end_time` are inclusive unless told otherwise; pages come newest first unless
`paging_from=start`; at most 10,000 rows a page; one forbidden metric fails the whole request
with an `{"error": {"type": "forbidden", ...}}` envelope (in a 403, and reportedly in a 200).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import attrs

from cryptodata.core.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    ValidationError,
)
from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import split_metric_symbol
from cryptodata.core.planning import CursorPaginator, batched, time_windows
from cryptodata.core.request import Request, Response

from .metrics import provider_metric

__all__ = [
    "API_KEY_PARAM",
    "ASSET_METRICS",
    "CATALOG",
    "COMMUNITY_LIMIT",
    "COMMUNITY_URL",
    "FREQUENCIES",
    "KEY_VARIABLE",
    "MAX_ASSETS_PER_REQUEST",
    "MAX_METRICS_PER_REQUEST",
    "PAGE_SIZE",
    "PAGINATOR",
    "PROVIDER",
    "PRO_LIMIT",
    "PRO_URL",
    "Forbidden",
    "Grid",
    "asset_metrics_request",
    "catalog_request",
    "check_asset",
    "check_envelope",
    "forbidden_in",
    "iso",
    "plan_grids",
    "series_pairs",
    "windows",
]

PROVIDER: Final = "coinmetrics"
COMMUNITY_URL: Final = "https://community-api.coinmetrics.io/v4"
PRO_URL: Final = "https://api.coinmetrics.io/v4"
API_KEY_PARAM: Final = "api_key"
KEY_VARIABLE: Final = "COINMETRICS_API_KEY"

COMMUNITY_LIMIT: Final = (10, 6.0)
"""Requests per window of seconds on the community API (per IP, sliding)."""
PRO_LIMIT: Final = (6_000, 20.0)
"""Requests per window of seconds with a Pro key."""

ASSET_METRICS: Final = "/timeseries/asset-metrics"
CATALOG: Final = "/catalog-v2/asset-metrics"
PAGE_SIZE: Final = 10_000
"""The most rows Coin Metrics puts on one page: a step is planned to fit on one."""
MAX_ASSETS_PER_REQUEST: Final = 10
MAX_METRICS_PER_REQUEST: Final = 20
"""Ours, not Coin Metrics': its efficiency guide asks not to combine a long asset list with a
long metric list, and a request URL stays short."""

FREQUENCIES: Final = {Interval.M1: "1m", Interval.H1: "1h", Interval.D1: "1d"}
"""The canonical intervals Coin Metrics serves, by its `frequency` spelling (`1b` block-by-block,
`1s` and `1d-ny-close` have no canonical interval)."""

PAGINATOR: Final = CursorPaginator(body_field="next_page_url")
"""Each page names the next one's full URL; the last page names none."""

_ASSET = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_FORBIDDEN_TYPE = re.compile(r'"type"\s*:\s*"forbidden"')
_FORBIDDEN_METRIC = re.compile(r"metric '([^']+)'")
_FORBIDDEN_ASSET = re.compile(r"asset '([^']+)'")


@attrs.frozen
class Grid:
    """The assets and metrics one request asks for: every metric of every asset.

    Attributes:
        assets: Coin Metrics asset ids, e.g. `("btc", "eth")`.
        metrics: Coin Metrics metric names, e.g. `("AdrActCnt", "TxCnt")`.
    """

    assets: tuple[str, ...]
    metrics: tuple[str, ...]

    @property
    def size(self) -> int:
        """How many series it asks for."""
        return len(self.assets) * len(self.metrics)


@attrs.frozen
class Forbidden:
    """What a `forbidden` answer names: the metric and asset it refused, where it says them.

    Attributes:
        metric: The refused metric, or `None` when the message does not name one.
        asset: The asset it was refused for, or `None`.
    """

    metric: str | None
    asset: str | None


def check_asset(asset: str) -> str:
    """A Coin Metrics asset id, checked: lower case, such as `btc` or `usdc`.

    Raises:
        ValidationError: For anything else; upper case gets a hint.
    """
    if isinstance(asset, str) and _ASSET.fullmatch(asset):
        return asset
    hint = f"; Coin Metrics ids are lower case: {asset.lower()!r}" if isinstance(asset, str) else ""
    raise ValidationError(f"malformed Coin Metrics asset {asset!r}{hint}")


def series_pairs(symbols: Sequence[str]) -> list[tuple[str, str]]:
    """`(asset, Coin Metrics metric)` of each metric symbol (`"active_addresses@btc"`), in order.

    Raises:
        ValidationError: For a symbol that is no `'<metric>@<asset>'`, or a malformed part.
    """
    pairs = []
    for symbol in symbols:
        asset, metric = split_metric_symbol(symbol)
        pairs.append((check_asset(asset), provider_metric(metric)))
    return pairs


def plan_grids(pairs: Sequence[tuple[str, str]]) -> list[Grid]:
    """The requests' grids for `(asset, metric)` pairs: assets asking the same metrics together.

    A grid never holds a pair that was not asked for: assets are grouped by their exact
    metric set (in order of first appearance), then batched by the per-request caps.
    """
    by_asset: dict[str, list[str]] = {}
    for asset, metric in pairs:
        wanted = by_asset.setdefault(asset, [])
        if metric not in wanted:
            wanted.append(metric)
    by_metrics: dict[tuple[str, ...], list[str]] = {}
    for asset, metrics in by_asset.items():
        by_metrics.setdefault(tuple(metrics), []).append(asset)
    return [
        Grid(tuple(assets), tuple(metrics))
        for metric_set, members in by_metrics.items()
        for assets in batched(members, MAX_ASSETS_PER_REQUEST)
        for metrics in batched(metric_set, MAX_METRICS_PER_REQUEST)
    ]


def windows(
    grid: Grid, interval: Interval, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """`[start, end)` split so that one window's rows (assets x bars) fit on one page."""
    bars = max(1, PAGE_SIZE // len(grid.assets))
    return time_windows(start, end, interval.timedelta * bars)


def iso(moment: datetime) -> str:
    """A UTC time as Coin Metrics reads it: `2024-01-01T00:00:00Z`, with microseconds if any."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{moment.microsecond:06d}Z" if moment.microsecond else f"{text}Z"


def asset_metrics_request(
    grid: Grid, interval: Interval, start: datetime, end: datetime
) -> Request:
    """The first page's request for a grid over the half-open window `[start, end)`.

    `end_inclusive=false` makes Coin Metrics' inclusive `end_time` exclusive; `start_time` is
    inclusive already. `paging_from=start` pages oldest first (the default is newest first).
    `ignore_unsupported_errors` turns a metric an asset lacks into a missing key (reported
    as a warning) instead of failing the whole request.
    """
    return Request(
        ASSET_METRICS,
        (
            ("assets", ",".join(grid.assets)),
            ("metrics", ",".join(grid.metrics)),
            ("frequency", FREQUENCIES[interval]),
            ("start_time", iso(start)),
            ("end_time", iso(end)),
            ("end_inclusive", "false"),
            ("paging_from", "start"),
            ("page_size", str(PAGE_SIZE)),
            ("ignore_unsupported_errors", "true"),
        ),
        check=check_envelope,
    )


def catalog_request(assets: Sequence[str]) -> Request:
    """The first page's request of the metric catalogue of `assets`."""
    return Request(
        CATALOG,
        (("assets", ",".join(assets)), ("page_size", str(PAGE_SIZE))),
        check=check_envelope,
    )


def check_envelope(response: Response) -> None:
    """Raise the typed error of an `{"error": ...}` envelope in a 2xx answer (reported once).

    Raises:
        AuthenticationError: For `forbidden` and `unauthorized`.
        BadRequestError: For `bad_parameter(s)`.
        ProviderError: For any other error type.
    """
    if b'"error"' not in response.body[:200]:
        return
    body = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return
    kind = str(error.get("type", ""))
    message = str(error.get("message", "an error envelope"))
    if kind in ("forbidden", "unauthorized"):
        raise response.error(AuthenticationError, message)
    if kind.startswith("bad_parameter"):
        raise response.error(BadRequestError, message)
    raise response.error(ProviderError, f"{kind or 'error'}: {message}")


def forbidden_in(error: ProviderError) -> Forbidden | None:
    """What a `forbidden` envelope refused, or `None` when `error` is not one.

    Read from the error's body excerpt: a message cut short still names the metric first.
    """
    if error.status not in (200, 403) or not _FORBIDDEN_TYPE.search(error.body):
        return None
    metric = _FORBIDDEN_METRIC.search(error.body)
    asset = _FORBIDDEN_ASSET.search(error.body)
    return Forbidden(metric and metric.group(1), asset and asset.group(1))
