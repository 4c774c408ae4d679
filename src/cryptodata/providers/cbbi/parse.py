"""The CBBI data file -> `metric` rows.

The file maps each component to `{"<Unix seconds as a string>": value}`. Its quirks, each
handled here: the keys are strings of seconds (converted with `int`, never read in dict
order); the key set changes across versions (every component is parsed, mapped or in snake
case, see `metrics.py`; a top-level entry that is no series is skipped with a warning);
early values may be null (a null value); components may end a day apart. Each point is put in
its UTC day (the last point of a day wins).

The newest day is rewritten a few times a day: while it is not over on the client's clock it
is kept at its 00:00 bucket with a warning, and the next run replaces it. A day that has not
begun is dropped.

Examples:
    >>> from datetime import UTC, datetime
    >>> body = b'{"Confidence":{"86400":0.53,"0":0.52},"GoldenRatio":{"0":null}}'
    >>> points = parse_file(Response(200, body=body))
    >>> found = metric_rows(points, entity="bitcoin", start=datetime(1970, 1, 1, tzinfo=UTC),
    ...                     end=datetime(1970, 1, 3, tzinfo=UTC), now=datetime(1970, 1, 3, tzinfo=UTC))
    >>> found.to_polars().select("metric", "value").rows()
    [('cbbi_confidence', 0.52), ('cbbi_confidence', 0.53), ('golden_ratio', None)]
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Final

import attrs
import msgspec
import polars as pl

from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import metric_symbol
from cryptodata.core.request import Response
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table
from cryptodata.core.time import to_ms

from .endpoints import PROVIDER, format_error
from .metrics import PROVIDER_ID, component_metric

__all__ = ["Points", "metric_rows", "parse_file"]

_DAY_MS: Final = Interval.D1.seconds * 1000
_POINTS_SCHEMA: Final = pl.Schema(
    [
        ("metric", pl.String()),
        ("unit", pl.String()),
        ("day", pl.Int64()),
        ("value", pl.Float64()),
    ]
)


@attrs.frozen
class Points:
    """Every point of the file, one row per component and day, and what was skipped.

    Attributes:
        frame: `metric`, `unit`, `day` (epoch ms of 00:00 UTC) and `value`, sorted.
        warnings: One per top-level entry that is no series.
    """

    frame: pl.DataFrame
    warnings: tuple[str, ...] = ()


def parse_file(response: Response) -> Points:
    """Every series of the data file, as canonical metric names and daily points.

    Raises:
        ResponseFormatError: For a body that is no JSON object, a key that is no string of
            seconds or a value that is no number.
    """
    try:
        found = msgspec.json.decode(response.body)
    except msgspec.DecodeError:
        raise format_error(response, "the file is not JSON") from None
    if not isinstance(found, dict):
        raise format_error(response, "the file is no object of components")
    columns: dict[str, list[Any]] = {"metric": [], "unit": [], "day": [], "value": []}
    warnings: list[str] = []
    for component, series in found.items():
        if not isinstance(series, dict):
            warnings.append(
                f"CBBI's file holds {component!r} as a {type(series).__name__}, not a series: "
                "skipped"
            )
            continue
        metric = component_metric(component)
        for key, value in series.items():
            if not key.isdigit():
                raise format_error(response, f"{component} has a key {key!r} that is no seconds")
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise format_error(response, f"{component} has a value {value!r} that is no number")
            columns["metric"].append(metric.name)
            columns["unit"].append(metric.unit)
            columns["day"].append(int(key) * 1000 - int(key) * 1000 % _DAY_MS)
            columns["value"].append(None if value is None else float(value) * metric.scale)
    frame = (
        pl.DataFrame(columns, schema=_POINTS_SCHEMA)
        .unique(("metric", "day"), keep="last", maintain_order=True)
        .sort("metric", "day")
    )
    return Points(frame, tuple(warnings))


def metric_rows(
    points: Points,
    *,
    entity: str,
    start: datetime,
    end: datetime,
    now: datetime,
    metrics: Collection[str] | None = None,
    newest: bool = False,
) -> Table[Any]:
    """The rows of `metrics` (all when `None`) in `[start, end)`, today's flagged.

    Args:
        points: The parsed file.
        entity: The rows' entity.
        start: The window's start (inclusive).
        end: The window's end (exclusive).
        now: The client clock's now: later days are dropped, today's is flagged.
        metrics: The metric names wanted; a wanted one the file lacks gets a warning.
        newest: Keep only each metric's newest day (`latest`).
    """
    frame = points.frame.filter(
        pl.col("day").is_between(to_ms(start), to_ms(end), closed="left"),
        pl.col("day") <= to_ms(now),
    )
    warnings = list(points.warnings)
    if metrics is not None:
        frame = frame.filter(pl.col("metric").is_in(list(metrics)))
        if absent := sorted(set(metrics) - set(points.frame.get_column("metric").unique())):
            offered = ", ".join(points.frame.get_column("metric").unique().sort())
            warnings.append(f"CBBI's file has no {', '.join(absent)} (it holds {offered})")
    if newest:
        frame = frame.group_by("metric", maintain_order=True).last()
    open_day = frame.filter(pl.col("day") + _DAY_MS > to_ms(now))
    if open_day.height:
        day = datetime.fromtimestamp(open_day.item(0, "day") / 1000, now.tzinfo)
        symbols = ", ".join(
            metric_symbol(PROVIDER_ID, name) for name in open_day.get_column("metric")
        )
        warnings.append(
            f"{day:%Y-%m-%d} of {symbols} is the day so far (CBBI rewrites its file a few "
            "times a day): a later run replaces it"
        )
    rows = frame.select(
        pl.lit(PROVIDER).alias("provider"),
        pl.lit(entity).alias("entity"),
        "metric",
        pl.lit(Interval.D1.value).alias("interval"),
        pl.from_epoch("day", time_unit="ms").dt.replace_time_zone("UTC").alias("ts"),
        "value",
        "unit",
        pl.lit(PROVIDER_ID).alias("provider_id"),
    )
    return Table.from_frame(Kind.METRIC, rows.cast(schema(Kind.METRIC)), warnings)
