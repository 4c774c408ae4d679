"""Points of one DefiLlama series -> rows of the canonical `metric` table.

DefiLlama answers whole histories whatever the window asked: the rows are cut to the
half-open window `[start, end)` here, client-side. Each point is put in its UTC day (`ts` at
00:00; the day's last point wins where an answer holds two, as protocol histories do for the
current hour). A day that has not ended at the client clock's now, the still-filling current
day DefiLlama usually ends with, is kept with a warning: its value is the day so far, stored
at the day's bucket, and the next run (a pipeline's lag re-reads the newest days) replaces
it, until the day is over. So an hourly pull keeps today's value current.

Examples:
    >>> from datetime import UTC, datetime
    >>> from cryptodata.core.metric_names import MetricMap
    >>> day = 86_400
    >>> found = metric_frame(
    ...     Points([0, day, 2 * day + 3600], [1.0, 2.0, 3.0]), MetricMap("TVL", "tvl"),
    ...     provider_id="aave", entity="aave",
    ...     start=datetime(1970, 1, 2, tzinfo=UTC), end=datetime(1970, 1, 9, tzinfo=UTC),
    ...     now=datetime(1970, 1, 3, 12, tzinfo=UTC))
    >>> found.frame.get_column("value").to_list(), found.warnings
    ([2.0, 3.0], ('1970-01-03 of tvl@aave is the day so far (DefiLlama fills it until 00:00 UTC): a later run replaces it',))
"""

from __future__ import annotations

from datetime import datetime

import attrs
import polars as pl

from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import MetricMap, metric_symbol
from cryptodata.core.schema import Kind, schema
from cryptodata.core.time import to_ms

from .endpoints import PROVIDER
from .parse import Points

__all__ = ["MetricFrame", "metric_frame"]

_DAY_MS = Interval.D1.seconds * 1000


@attrs.frozen
class MetricFrame:
    """Rows of one series in the `metric` schema, and what the caller should know of them."""

    frame: pl.DataFrame
    warnings: tuple[str, ...] = ()


def metric_frame(
    points: Points,
    metric: MetricMap,
    *,
    provider_id: str,
    entity: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> MetricFrame:
    """The daily rows of `points` inside `[start, end)`, the unfinished day flagged."""
    days = pl.DataFrame(
        {"day": [seconds * 1000 for seconds in points.seconds], "value": points.values},
        schema={"day": pl.Int64, "value": pl.Float64},
    ).with_columns(pl.col("day") - pl.col("day") % _DAY_MS)
    kept = days.unique("day", keep="last", maintain_order=True).sort("day")
    inside = kept.filter(pl.col("day").is_between(to_ms(start), to_ms(end), closed="left"))
    # A day that has not begun at now has no value yet, whatever a point's stamp says.
    inside = inside.filter(pl.col("day") <= to_ms(now))
    open_day = inside.filter(pl.col("day") + _DAY_MS > to_ms(now))
    warnings: tuple[str, ...] = ()
    if open_day.height:
        first = datetime.fromtimestamp(open_day.item(0, "day") / 1000, now.tzinfo)
        warnings = (
            f"{first:%Y-%m-%d} of {metric_symbol(provider_id, metric.name)} is the day so far "
            "(DefiLlama fills it until 00:00 UTC): a later run replaces it",
        )
    frame = inside.select(
        pl.lit(PROVIDER).alias("provider"),
        pl.lit(entity).alias("entity"),
        pl.lit(metric.name).alias("metric"),
        pl.lit(Interval.D1.value).alias("interval"),
        pl.from_epoch("day", time_unit="ms").dt.replace_time_zone("UTC").alias("ts"),
        (pl.col("value") * metric.scale).alias("value"),
        pl.lit(metric.unit).alias("unit"),
        pl.lit(provider_id).alias("provider_id"),
    )
    return MetricFrame(frame.cast(schema(Kind.METRIC)), warnings)
