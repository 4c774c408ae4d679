"""The blockchain.info Charts and Stats APIs described as data: host, limits, request plans.

Nothing here does I/O. Facts from `shared/providers/blockchaininfo.md`:

- `GET https://api.blockchain.info/charts/{name}` takes `timespan` (a duration such as
  `30days`; units minute, hour, day, week, year; one year by default), `start`
  (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss`, UTC), `rollingAverage` (a duration), `sampled`
  (`true` by default: about 1,500 points, silently coarser than the series) and `format`.
  Every request here sends `sampled=false` (full resolution: one point a day, or a quarter
  hour) with `start` and a `timespan` spanning the whole window, so a window of any length
  is one request (three years of 15-minute points have been seen in one answer, M).
- `GET https://api.blockchain.info/stats` is a snapshot of the last 24 hours.
- No key. No published limit; the older query API asked for at most one request every
  10 seconds, which is the default limiter here.
- Chart `x` values are Unix seconds; the stats' `timestamp` is in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from cryptodata.core._args import names
from cryptodata.core.errors import ProviderError, ResponseFormatError, ValidationError, excerpt
from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import metric_symbol, split_metric_symbol
from cryptodata.core.request import Request, Response

from .metrics import BlockchainChart, resolve_chart

__all__ = [
    "BASE_URL",
    "BASE_URL_VARIABLE",
    "CALLS",
    "CHARTS_PATH",
    "PER_SECONDS",
    "PROVIDER",
    "PROVIDER_ID",
    "STATS_PATH",
    "ChartQuery",
    "bucket_window",
    "chart_request",
    "format_error",
    "plan_queries",
    "rolling_average",
    "series_of",
    "stats_request",
]

PROVIDER: Final = "blockchaininfo"
BASE_URL: Final = "https://api.blockchain.info"
BASE_URL_VARIABLE: Final = "BLOCKCHAININFO_BASE_URL"
CHARTS_PATH: Final = "/charts/"
STATS_PATH: Final = "/stats"
PROVIDER_ID: Final = "bitcoin"
"""The provider id of every blockchain.info series: each measures the bitcoin network."""
CALLS: Final = 1
PER_SECONDS: Final = 10.0
"""The default limit, `CALLS` per `PER_SECONDS`: the query API's one request every 10 s."""

_UNITS: Final = (("day", 86_400), ("hour", 3_600), ("minute", 60))
_DURATION = re.compile(r"([1-9][0-9]{0,4})\s*(minute|hour|day|week|year)s?")


@attrs.frozen
class ChartQuery:
    """One chart request: the buckets of `chart` starting in `[start, end)`.

    Attributes:
        chart: The chart.
        start: The first bucket's start.
        end: The end of the last bucket (exclusive).
        rolling: A `rollingAverage` duration (`7days`), or `""` for the raw series.
    """

    chart: BlockchainChart
    start: datetime
    end: datetime
    rolling: str = ""

    @property
    def metric(self) -> str:
        """The metric rows carry: the chart's, suffixed `_rolling_<duration>` when smoothed."""
        return f"{self.chart.metric}_rolling_{self.rolling}" if self.rolling else self.chart.metric

    @property
    def symbol(self) -> str:
        """The series symbol the query answers (`"hash_rate@bitcoin"`)."""
        return metric_symbol(PROVIDER_ID, self.metric)


def rolling_average(given: str | None) -> str:
    """A `rollingAverage` duration in blockchain.info's spelling (`7days`, `8hours`), or `""`.

    Raises:
        ValidationError: For text that is no `<n><minute|hour|day|week|year>` duration.

    Examples:
        >>> rolling_average("7 days"), rolling_average("1hour"), rolling_average(None)
        ('7days', '1hour', '')
    """
    if given is None:
        return ""
    found = _DURATION.fullmatch(given.strip().lower()) if isinstance(given, str) else None
    if found is None:
        raise ValidationError(
            f"rolling_average must be a duration such as '7days' or '8hours' (units minute, "
            f"hour, day, week, year), got {given!r}"
        )
    count, unit = int(found.group(1)), found.group(2)
    return _duration(count, unit)


def _duration(count: int, unit: str) -> str:
    return f"{count}{unit}" if count == 1 else f"{count}{unit}s"


def series_of(symbols: str | Sequence[str]) -> list[BlockchainChart]:
    """The chart of each metric series symbol (`"hash_rate@bitcoin"`), in order, each once.

    Raises:
        ValidationError: For text that is not `"<metric>@bitcoin"`, or an unknown chart.
    """
    found: list[BlockchainChart] = []
    for given in names("symbols", symbols):
        provider_id, metric = split_metric_symbol(given)
        if provider_id != PROVIDER_ID:
            raise ValidationError(
                f"blockchain.info measures the bitcoin network only: its series are "
                f"'<metric>@{PROVIDER_ID}' (e.g. 'hash_rate@{PROVIDER_ID}'), got {given!r}"
            )
        found.append(resolve_chart(metric))
    return list(dict.fromkeys(found))


def _ceil(interval: Interval, moment: datetime) -> datetime:
    floor = interval.floor(moment)
    return floor if floor == moment else floor + interval.timedelta


def bucket_window(
    interval: Interval, start: datetime, end: datetime
) -> tuple[datetime, datetime] | None:
    """The buckets of `interval` starting in `[start, end)`, as `[first, last + 1)`, or
    `None` if none starts there.

    Examples:
        >>> from datetime import UTC
        >>> lo, hi = bucket_window(Interval.D1, datetime(2024, 1, 1, 6, tzinfo=UTC),
        ...                        datetime(2024, 1, 4, tzinfo=UTC))
        >>> lo.day, hi.day
        (2, 4)
    """
    lo, hi = _ceil(interval, start), _ceil(interval, end)
    return (lo, hi) if lo < hi else None


def plan_queries(
    charts: Sequence[BlockchainChart], start: datetime, end: datetime, *, rolling: str = ""
) -> list[ChartQuery]:
    """One request per chart over `[start, end)`, without I/O; a chart none of whose buckets
    starts in the window plans nothing."""
    queries = []
    for chart in charts:
        window = bucket_window(chart.interval, start, end)
        if window is not None:
            queries.append(ChartQuery(chart, *window, rolling))
    return queries


def timespan(start: datetime, end: datetime) -> str:
    """`end - start` as a `timespan`, in the largest unit that spells it exactly.

    Examples:
        >>> from datetime import UTC
        >>> day = datetime(2024, 1, 1, tzinfo=UTC)
        >>> timespan(day, day + timedelta(days=366)), timespan(day, day + timedelta(minutes=45))
        ('366days', '45minutes')
    """
    seconds = int((end - start) / timedelta(seconds=1))
    for unit, size in _UNITS:
        if seconds % size == 0:
            return _duration(seconds // size, unit)
    raise ValidationError(f"a chart window must span whole minutes, got {end - start}")


def chart_request(query: ChartQuery) -> Request:
    """The request of one query: `start` at its first bucket, `timespan` to its end,
    `sampled=false` for every point."""
    start = (
        f"{query.start:%Y-%m-%d}"
        if query.chart.interval is Interval.D1
        else f"{query.start:%Y-%m-%dT%H:%M:%S}"
    )
    params = [
        ("timespan", timespan(query.start, query.end)),
        ("start", start),
        ("sampled", "false"),
        ("format", "json"),
    ]
    if query.rolling:
        params.append(("rollingAverage", query.rolling))
    return Request(f"{CHARTS_PATH}{query.chart.name}", params, check=check_chart)


def stats_request() -> Request:
    """The request of the 24-hour snapshot."""
    return Request(STATS_PATH, check=check_stats)


def check_chart(response: Response) -> None:
    """Raise the typed error a chart answer means when it is no chart.

    Raises:
        ProviderError: For an answer whose `status` is not `ok` (its message quoted).
        ResponseFormatError: For an answer that is no JSON object with a `values` list.
    """
    body = response.json()
    if not isinstance(body, dict):
        raise format_error(response, "expected a JSON object with 'values'")
    status = body.get("status", "ok")
    if status != "ok":
        message = _message(body) or f"status {status!r}"
        raise response.error(ProviderError, message)
    if not isinstance(body.get("values"), list):
        raise format_error(response, "the chart answer holds no 'values' list")


def check_stats(response: Response) -> None:
    """Raise the typed error a stats answer means when it is no snapshot.

    Raises:
        ProviderError: For an error message in place of the snapshot.
        ResponseFormatError: For an answer that is no JSON object with a `timestamp`.
    """
    body = response.json()
    if isinstance(body, dict) and "timestamp" not in body and (message := _message(body)):
        raise response.error(ProviderError, message)
    if not isinstance(body, dict) or not isinstance(body.get("timestamp"), int | float):
        raise format_error(response, "expected a JSON object with a 'timestamp'")


def _message(body: dict[str, Any]) -> str:
    for field in ("error", "message", "reason"):
        value = body.get(field)
        if value:
            return value if isinstance(value, str) else str(value)
    return ""


def format_error(response: Response, message: str) -> ResponseFormatError:
    """A `ResponseFormatError` about `response`."""
    return ResponseFormatError(
        message, provider=response.provider, endpoint=response.label, body=excerpt(response.body)
    )
