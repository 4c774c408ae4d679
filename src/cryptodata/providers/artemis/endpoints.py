"""The Artemis data API described as data: hosts, paths, limits, envelopes and request plans.

Nothing here does I/O. Facts from `shared/providers/artemis.md`:

- Two hosts serve the API: `data-svc.artemisxyz.com`, the default of the official SDK since
  0.5.0, with metrics at `/data/api/{METRICS}/`, and `api.artemisxyz.com` (older SDKs, the
  official MCP server) with the legacy `/data/{METRICS}/`. The default here is the SDK's
  current pair; `base_url=` (or `ARTEMIS_BASE_URL`, as the SDK reads it) points elsewhere.
- The key travels in the query (`APIKey`), so every URL holds it: the transport redacts it.
- Metrics are named in the path, comma-separated; symbols (lower-case tickers) in
  `symbols=`; `startDate`/`endDate` are `YYYY-MM-DD` days, `endDate` inclusive; `limit` caps
  a series at 1,000 points.
- Large batches of symbols are refused with HTTP 500 (no cap is documented): batches are
  small by default and a refused batch is asked again in halves (see the client).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from cryptodata.core._args import names
from cryptodata.core.errors import (
    AuthenticationError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    ValidationError,
    excerpt,
)
from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import metric_symbol, split_metric_symbol
from cryptodata.core.request import Request, Response
from cryptodata.core.windows import batched, time_windows

from .metrics import ArtemisMetric, resolve_metric

__all__ = [
    "ASSETS_PATH",
    "BASE_URL",
    "BASE_URL_VARIABLE",
    "DEFAULT_BATCH_SIZE",
    "KEY_PARAM",
    "KEY_VARIABLE",
    "LEGACY_BASE_URL",
    "MAX_BATCH_SIZE",
    "MAX_POINTS",
    "PROVIDER",
    "SUPPORTED_METRICS_PATH",
    "MetricsQuery",
    "asset_request",
    "day_window",
    "format_error",
    "metrics_request",
    "plan_queries",
    "series_of",
    "supported_metrics_request",
    "validate_symbols",
]

PROVIDER: Final = "artemis"
BASE_URL: Final = "https://data-svc.artemisxyz.com"
LEGACY_BASE_URL: Final = "https://api.artemisxyz.com"
"""The older host; its metrics path is `/data/{METRICS}/` (pass `legacy_paths=True`)."""
BASE_URL_VARIABLE: Final = "ARTEMIS_BASE_URL"
KEY_VARIABLE: Final = "ARTEMIS_API_KEY"
KEY_PARAM: Final = "APIKey"
METRICS_PREFIX: Final = "/data/api/"
LEGACY_METRICS_PREFIX: Final = "/data/"
SUPPORTED_METRICS_PATH: Final = "/supported-metrics/"
ASSETS_PATH: Final = "/asset/symbols/"
MAX_POINTS: Final = 1_000
"""`limit` takes 1-1,000 points per series: a request spans at most 1,000 days."""
DEFAULT_BATCH_SIZE: Final = 5
"""Symbols per request by default: small, since big batches are answered with HTTP 500."""
MAX_BATCH_SIZE: Final = 100
CALLS_PER_MINUTE: Final = 30
"""Artemis publishes no rate limit (a free tier of 100,000 calls a month is reported): a
conservative default, which a shared `limiter=` overrides."""
GRANULARITY: Final = "DAY"

_DAY: Final = timedelta(days=1)
_SYMBOL = re.compile(r"[a-z0-9][a-z0-9._-]*")
_AUTH_WORDS: Final = ("api key", "apikey", "api_key", "unauthori", "forbidden", "invalid key")
_RATE_WORDS: Final = ("rate limit", "too many requests", "quota")


def validate_symbols(symbols: str | Sequence[str]) -> list[str]:
    """Artemis symbols, lower-cased, in order, each once (a lone string is one symbol).

    Raises:
        ValidationError: If there are none, or one is not a ticker (`sol`, `eq-nvda`).
    """
    found: list[str] = []
    for symbol in names("symbols", symbols):
        lowered = symbol.strip().lower()
        if not _SYMBOL.fullmatch(lowered):
            raise ValidationError(
                f"malformed Artemis symbol {symbol!r}: expected a ticker such as 'sol', 'eth' "
                "or 'eq-nvda'; list them with assets()"
            )
        found.append(lowered)
    return list(dict.fromkeys(found))


def series_of(symbols: str | Sequence[str]) -> list[tuple[str, ArtemisMetric]]:
    """The `(symbol, metric)` of each metric series symbol (`"price@sol"`), in order.

    Raises:
        ValidationError: For text that is not `"<metric>@<symbol>"`, or a bad metric or symbol.
    """
    found: list[tuple[str, ArtemisMetric]] = []
    for given in names("symbols", symbols):
        provider_id, metric = split_metric_symbol(given)
        (symbol,) = validate_symbols(provider_id)
        found.append((symbol, resolve_metric(metric)))
    return list(dict.fromkeys(found))


def ceil_day(moment: datetime) -> datetime:
    """The first day start at or after `moment`."""
    floor = Interval.D1.floor(moment)
    return floor if floor == moment else floor + _DAY


def day_window(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The day starts of `[start, end)` as `[first, last + 1 day)`, or `None` if it holds none.

    Examples:
        >>> from datetime import UTC
        >>> lo, hi = day_window(datetime(2024, 1, 1, 6, tzinfo=UTC), datetime(2024, 1, 4, tzinfo=UTC))
        >>> lo.day, hi.day
        (2, 4)
    """
    lo, hi = ceil_day(start), ceil_day(end)
    return (lo, hi) if lo < hi else None


@attrs.frozen
class MetricsQuery:
    """One metrics request: symbols x metrics over whole days `[start, end)`.

    Attributes:
        symbols: Artemis symbols.
        metrics: The metrics asked of each.
        start: First day (00:00 UTC).
        end: The day after the last one (exclusive).
    """

    symbols: tuple[str, ...]
    metrics: tuple[ArtemisMetric, ...]
    start: datetime
    end: datetime

    @property
    def series(self) -> tuple[str, ...]:
        """The series symbols (`"price@sol"`) the request answers, symbol by symbol."""
        return tuple(
            metric_symbol(symbol, metric.name) for symbol in self.symbols for metric in self.metrics
        )


def plan_queries(
    series: Sequence[tuple[str, ArtemisMetric]],
    start: datetime,
    end: datetime,
    *,
    batch_size: int,
    max_points: int,
) -> list[MetricsQuery]:
    """The requests for `series` over `[start, end)`, without I/O.

    Symbols asking the same metrics share requests, `batch_size` symbols at a time, so each
    request answers exactly the series planned for it; each batch's windows of at most
    `max_points` days come in chronological order. A window holding no day start plans nothing.
    """
    days = day_window(start, end)
    if days is None:
        return []
    wanted: dict[str, list[ArtemisMetric]] = {}
    for symbol, metric in series:
        wanted.setdefault(symbol, []).append(metric)
    groups: dict[tuple[ArtemisMetric, ...], list[str]] = {}
    for symbol, metrics in wanted.items():
        groups.setdefault(tuple(metrics), []).append(symbol)
    windows = time_windows(*days, _DAY * max_points)
    return [
        MetricsQuery(tuple(batch), metrics, lo, hi)
        for metrics, symbols in groups.items()
        for batch in batched(symbols, batch_size)
        for lo, hi in windows
    ]


def metrics_request(query: MetricsQuery, *, legacy_paths: bool = False) -> Request:
    """The request of one query; `endDate` is the query's last day (Artemis' is inclusive)."""
    prefix = LEGACY_METRICS_PREFIX if legacy_paths else METRICS_PREFIX
    listed = ",".join(metric.provider_name for metric in query.metrics)
    days = (query.end - query.start) // _DAY
    return Request(
        f"{prefix}{listed}/",
        (
            ("symbols", ",".join(query.symbols)),
            ("startDate", f"{query.start:%Y-%m-%d}"),
            ("endDate", f"{query.end - _DAY:%Y-%m-%d}"),
            ("granularity", GRANULARITY),
            ("limit", str(days)),
        ),
        check=check_metrics,
    )


def supported_metrics_request(symbol: str) -> Request:
    """The catalogue request of one symbol (the endpoint takes one per call)."""
    return Request(SUPPORTED_METRICS_PATH, (("symbol", symbol),), check=check_listing("metrics"))


def asset_request() -> Request:
    """The asset-list request."""
    return Request(ASSETS_PATH, check=check_listing("assets"))


def check_metrics(response: Response) -> None:
    """Raise the typed error a metrics answer means when the whole answer is an error.

    A message in place of `data`, of `data.symbols`, or an error object without `data`, is an
    error of the whole request; a message in place of one series is not (the parser warns).

    Raises:
        AuthenticationError: For a message about the key.
        RateLimitError: For a message about the rate limit (it pauses the limiter).
        ProviderError: For any other message.
        ResponseFormatError: For an answer that is no JSON object.
    """
    body = response.json()
    if not isinstance(body, dict):
        raise format_error(response, "expected a JSON object with 'data'")
    data = body.get("data")
    if data is None:
        raise _envelope_error(response, _message(body) or "the answer holds no 'data'")
    if isinstance(data, str):
        raise _envelope_error(response, data)
    if not isinstance(data, dict):
        raise format_error(response, "'data' is not an object")
    block = series_block(data)
    if isinstance(block, str):
        raise _envelope_error(response, block)
    if not isinstance(block, dict):
        raise format_error(response, "'data.symbols' is not an object")


def series_block(data: dict[str, Any]) -> Any:
    """The per-symbol object of a metrics answer: `data.symbols`, or `data.artemis_ids` when
    the legacy id selector was used; `{}` when neither is there."""
    return data.get("symbols", data.get("artemis_ids", {}))


def check_listing(field: str) -> Callable[[Response], None]:
    """A check for a catalogue answer: `field` must hold a list, else the answer is an error."""

    def check(response: Response) -> None:
        body = response.json()
        listed = body.get(field) if isinstance(body, dict) else None
        if isinstance(listed, list):
            return
        if isinstance(listed, str):
            raise _envelope_error(response, listed)
        if isinstance(body, dict) and (message := _message(body)):
            raise _envelope_error(response, message)
        raise format_error(response, f"expected a JSON object with a list in {field!r}")

    return check


def _message(body: dict[str, Any]) -> str:
    for field in ("error", "message", "detail", "errors"):
        value = body.get(field)
        if value:
            return value if isinstance(value, str) else str(value)
    return ""


def _envelope_error(response: Response, message: str) -> ProviderError:
    lowered = message.lower()
    if any(word in lowered for word in _AUTH_WORDS):
        return response.error(AuthenticationError, message)
    if any(word in lowered for word in _RATE_WORDS):
        return response.error(RateLimitError, message, retry_after=None)
    return response.error(ProviderError, message)


def format_error(response: Response, message: str) -> ResponseFormatError:
    return ResponseFormatError(
        message, provider=response.provider, endpoint=response.label, body=excerpt(response.body)
    )
