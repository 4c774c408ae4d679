"""Fear & Greed answers -> daily readings -> `metric` rows.

Every field comes as a string: `value` an integer 0-100, `timestamp` Unix seconds of 00:00 UTC
of the day the value applies to; `value_classification` names its band (`Extreme Fear` ...
`Extreme Greed`), kept as sent (the band thresholds are not documented). Entries come newest
first and days may be missing: readings are put in their UTC day (the last entry of a day
wins), sorted ascending, and cut to the half-open window asked.

Today's entry is the day so far: kept at its 00:00 bucket with a warning, and replaced by the
next run once the day is over (a pipeline's lag re-reads the newest days). A day that has not
begun at the client clock's now is dropped.

Examples:
    >>> from datetime import UTC, datetime
    >>> body = (b'{"data":[{"value":"47","value_classification":"Neutral",'
    ...         b'"timestamp":"86400","time_until_update":"43200"},'
    ...         b'{"value":"33","value_classification":"Fear","timestamp":"0"}],'
    ...         b'"metadata":{"error":null}}')
    >>> found = readings(Response(200, body=body), start=datetime(1970, 1, 1, tzinfo=UTC),
    ...                  end=datetime(1970, 1, 3, tzinfo=UTC), now=datetime(1970, 1, 2, 6, tzinfo=UTC))
    >>> found.frame.rows(), found.warnings
    ([(datetime.datetime(1970, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 33.0, 'Fear'), (datetime.datetime(1970, 1, 2, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 47.0, 'Neutral')], ('1970-01-02 of fear_greed@crypto-market is the day so far (alternative.me publishes the next value at 00:00 UTC): a later run replaces it',))
"""

from __future__ import annotations

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
from .metrics import FEAR_GREED, PROVIDER_ID

__all__ = ["READING_SCHEMA", "Readings", "metric_table", "readings"]

READING_SCHEMA: Final = pl.Schema(
    [("ts", pl.Datetime("ms", "UTC")), ("value", pl.Float64()), ("classification", pl.String())]
)
"""The columns of `FearGreed.history_frame`: the day, the index and its band."""

_DAY_MS: Final = Interval.D1.seconds * 1000


class _Entry(msgspec.Struct):
    value: str | int | float | None = None
    timestamp: str | int | None = None
    value_classification: str | None = None


class _Answer(msgspec.Struct):
    data: list[_Entry] | None = None


_ANSWER: Final = msgspec.json.Decoder(_Answer)


@attrs.frozen
class Readings:
    """The daily readings of one answer inside a window, and what the caller should know."""

    frame: pl.DataFrame
    warnings: tuple[str, ...] = ()


def readings(response: Response, *, start: datetime, end: datetime, now: datetime) -> Readings:
    """The readings of `[start, end)` in an answer, ascending, today's flagged.

    Raises:
        ResponseFormatError: For an answer without a `data` list, or an entry whose `value`
            or `timestamp` is no integer.
    """
    try:
        entries = _ANSWER.decode(response.body).data
    except msgspec.ValidationError as exc:
        raise format_error(response, f"the answer is not shaped as documented ({exc})") from None
    if entries is None:
        raise format_error(response, "the answer has no data list")
    columns: dict[str, list[Any]] = {"day": [], "value": [], "classification": []}
    for entry in entries:
        seconds = _integer(response, "timestamp", entry.timestamp)
        columns["day"].append(seconds * 1000 - seconds * 1000 % _DAY_MS)
        columns["value"].append(float(_integer(response, "value", entry.value)))
        columns["classification"].append(entry.value_classification)
    days = pl.DataFrame(
        columns, schema={"day": pl.Int64, "value": pl.Float64, "classification": pl.String}
    )
    kept = days.reverse().unique("day", keep="last", maintain_order=True).sort("day")
    inside = kept.filter(
        pl.col("day").is_between(to_ms(start), to_ms(end), closed="left"),
        pl.col("day") <= to_ms(now),
    )
    warnings: tuple[str, ...] = ()
    if inside.height and inside.item(-1, "day") + _DAY_MS > to_ms(now):
        day = datetime.fromtimestamp(inside.item(-1, "day") / 1000, now.tzinfo)
        warnings = (
            f"{day:%Y-%m-%d} of {metric_symbol(PROVIDER_ID, FEAR_GREED.name)} is the day so far "
            "(alternative.me publishes the next value at 00:00 UTC): a later run replaces it",
        )
    frame = inside.select(
        pl.from_epoch("day", time_unit="ms").dt.replace_time_zone("UTC").alias("ts"),
        "value",
        "classification",
    )
    return Readings(frame.cast(READING_SCHEMA), warnings)


def _integer(response: Response, field: str, given: object) -> int:
    """An integer sent as a string (or, defensively, as a number)."""
    if isinstance(given, str) and given.strip().isdigit():
        return int(given)
    if isinstance(given, int | float) and not isinstance(given, bool) and given == int(given):
        return int(given)
    raise format_error(response, f"an entry's {field} {given!r} is no integer")


def metric_table(found: Readings, *, entity: str) -> Table[Any]:
    """The readings as `metric` rows (`fear_greed`, unit `index`, provider id `crypto-market`)."""
    frame = found.frame.select(
        pl.lit(PROVIDER).alias("provider"),
        pl.lit(entity).alias("entity"),
        pl.lit(FEAR_GREED.name).alias("metric"),
        pl.lit(Interval.D1.value).alias("interval"),
        "ts",
        (pl.col("value") * FEAR_GREED.scale).alias("value"),
        pl.lit(FEAR_GREED.unit).alias("unit"),
        pl.lit(PROVIDER_ID).alias("provider_id"),
    )
    return Table.from_frame(Kind.METRIC, frame.cast(schema(Kind.METRIC)), found.warnings)
