"""Coin Metrics answers -> columns -> polars frames (msgspec structs, one frame built once).

Metric values arrive as decimal text (`"19590000.5"`) and are parsed by polars' exact
string-to-float cast (the nearest double, no detour through another type); `null` is a bar
without a value and stays null, while a metric key *missing* from a row means Coin Metrics
does not serve that metric for that asset: no row is made for it. Times are RFC 3339 with
nanoseconds (`2024-01-01T00:00:00.000000000Z`), cut to the millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import msgspec
import polars as pl

from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import ResponseFormatError, excerpt
from cryptodata.core.intervals import Interval
from cryptodata.core.request import Response
from cryptodata.core.schema import Kind, schema

from .endpoints import FREQUENCIES, PROVIDER, Grid
from .metrics import HASH_RATE_SCALES, canonical_metric, metric_unit, value_scale

__all__ = ["CATALOG_SCHEMA", "catalog_frame", "metric_frame", "rows_of"]

Row = dict[str, str | float | int | None]

_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%.fZ"
_INTERVALS: Final = {spelled: interval.value for interval, spelled in FREQUENCIES.items()}

CATALOG_SCHEMA: Final = pl.Schema(
    {
        "asset": pl.String(),
        "metric": pl.String(),
        "canonical": pl.String(),
        "unit": pl.String(),
        "frequency": pl.String(),
        "interval": pl.String(),
        "min_time": pl.Datetime("ms", "UTC"),
        "max_time": pl.Datetime("ms", "UTC"),
    }
)
"""The columns of `CoinMetrics.catalog`: one row per asset, metric and frequency."""


class _Page(msgspec.Struct):
    data: list[Row] = msgspec.field(default_factory=list)


class _Frequency(msgspec.Struct):
    frequency: str
    min_time: str | None = None
    max_time: str | None = None


class _CatalogMetric(msgspec.Struct):
    metric: str
    frequencies: list[_Frequency] = msgspec.field(default_factory=list)


class _CatalogAsset(msgspec.Struct):
    asset: str
    metrics: list[_CatalogMetric] = msgspec.field(default_factory=list)


class _CatalogPage(msgspec.Struct):
    data: list[_CatalogAsset] = msgspec.field(default_factory=list)


_PAGE_DECODER: Final = msgspec.json.Decoder(_Page)
_CATALOG_DECODER: Final = msgspec.json.Decoder(_CatalogPage)


def _malformed(response: Response, detail: str) -> ResponseFormatError:
    return ResponseFormatError(
        detail, provider=PROVIDER, endpoint=response.label, body=excerpt(response.body)
    )


def rows_of(responses: Sequence[Response]) -> list[Row]:
    """The `data` rows of every page, in page order.

    Raises:
        ResponseFormatError: For a page that is not the documented shape.
    """
    rows: list[Row] = []
    for response in responses:
        try:
            rows.extend(_PAGE_DECODER.decode(response.body).data)
        except msgspec.DecodeError as exc:
            raise _malformed(response, f"not an asset-metrics page ({exc})") from None
    return rows


def _times(texts: Sequence[str | None], what: str) -> pl.Series:
    try:
        parsed = pl.Series(texts, dtype=pl.String).str.to_datetime(
            _TIME_FORMAT, time_unit="ns", time_zone="UTC"
        )
    except pl.exceptions.PolarsError:
        raise ResponseFormatError(
            f"a time is not RFC 3339 (one of {list(texts[:3])}...)",
            provider=PROVIDER,
            endpoint=what,
        ) from None
    return parsed.dt.cast_time_unit("ms")


def metric_frame(
    rows: Sequence[Row],
    grid: Grid,
    interval: Interval,
    start: datetime,
    end: datetime,
    entities: EntityMaster,
    *,
    endpoint: str,
) -> tuple[pl.DataFrame, list[str]]:
    """The long `metric` rows of a grid's answer over `[start, end)`, and warnings.

    One row per (row, asked metric present in it); a metric no row of an asset holds is
    reported as unsupported for that asset, an asset without any row as silent.

    Raises:
        ResponseFormatError: For a row without `asset` or `time`, a time that is not RFC 3339
            or a value that is not decimal text.
    """
    assets: list[str] = []
    times: list[str | None] = []
    metrics: list[str] = []
    values: list[str | None] = []
    scales: list[float] = []
    present: set[tuple[str, str]] = set()
    answered: set[str] = set()
    unscaled: set[str] = set()
    for row in rows:
        asset, time = row.get("asset"), row.get("time")
        if not isinstance(asset, str) or not isinstance(time, str):
            raise ResponseFormatError(
                f"a row lacks asset or time: {row!r}"[:300], provider=PROVIDER, endpoint=endpoint
            )
        answered.add(asset)
        for metric in grid.metrics:
            if metric not in row:
                continue
            present.add((asset, metric))
            scale = value_scale(metric, asset)
            if scale is None:
                unscaled.add(asset)
                continue
            value = row[metric]
            assets.append(asset)
            times.append(time)
            metrics.append(metric)
            values.append(value if value is None or isinstance(value, str) else repr(value))
            scales.append(scale)
    warnings = _gaps(grid, interval, present, answered)
    if unscaled:
        warnings.append(
            f"left out HashRate of {', '.join(sorted(unscaled))}: Coin Metrics gives it in a "
            f"unit that depends on the chain, known here for {', '.join(HASH_RATE_SCALES)} only"
        )
    try:
        parsed = pl.Series(values, dtype=pl.String).cast(pl.Float64, strict=True)
    except pl.exceptions.PolarsError:
        raise ResponseFormatError(
            "a metric value is not decimal text", provider=PROVIDER, endpoint=endpoint
        ) from None
    known = sorted(set(assets))
    frame = pl.DataFrame(
        {
            "provider": pl.Series([PROVIDER] * len(assets), dtype=pl.String),
            "entity": pl.Series(assets, dtype=pl.String).replace_strict(
                known, [entities.canonical(PROVIDER, asset) for asset in known]
            ),
            "metric": pl.Series(metrics, dtype=pl.String).replace_strict(
                list(grid.metrics), [canonical_metric(m) for m in grid.metrics]
            ),
            "interval": pl.Series([interval.value] * len(assets), dtype=pl.String),
            "ts": _times(times, endpoint),
            "value": parsed * pl.Series(scales, dtype=pl.Float64),
            "unit": pl.Series(metrics, dtype=pl.String).replace_strict(
                list(grid.metrics), [metric_unit(m) for m in grid.metrics]
            ),
            "provider_id": pl.Series(assets, dtype=pl.String),
        },
        schema=schema(Kind.METRIC),
    )
    inside = frame.filter((pl.col("ts") >= start) & (pl.col("ts") < end))
    return inside.sort("provider_id", "metric", "ts"), warnings


def _gaps(
    grid: Grid, interval: Interval, present: set[tuple[str, str]], answered: set[str]
) -> list[str]:
    notes = []
    if silent := [asset for asset in grid.assets if asset not in answered]:
        notes.append(
            f"Coin Metrics answered no {interval.value} rows for {', '.join(silent)} in the window"
        )
    for asset in grid.assets:
        if asset not in answered:
            continue
        if lacking := [metric for metric in grid.metrics if (asset, metric) not in present]:
            notes.append(
                f"Coin Metrics does not serve {', '.join(lacking)} for {asset} at "
                f"{interval.value} (missing from every row): no rows for it"
            )
    return notes


def catalog_frame(responses: Sequence[Response]) -> pl.DataFrame:
    """The catalogue pages as one row per asset, metric and frequency (`CATALOG_SCHEMA`).

    Raises:
        ResponseFormatError: For a page that is not the documented shape.
    """
    columns: dict[str, list[str | None]] = {name: [] for name in CATALOG_SCHEMA}
    for response in responses:
        try:
            page = _CATALOG_DECODER.decode(response.body)
        except msgspec.DecodeError as exc:
            raise _malformed(response, f"not a catalogue page ({exc})") from None
        for asset in page.data:
            for metric in asset.metrics:
                for frequency in metric.frequencies:
                    columns["asset"].append(asset.asset)
                    columns["metric"].append(metric.metric)
                    columns["canonical"].append(canonical_metric(metric.metric))
                    columns["unit"].append(metric_unit(metric.metric))
                    columns["frequency"].append(frequency.frequency)
                    columns["interval"].append(_INTERVALS.get(frequency.frequency))
                    columns["min_time"].append(frequency.min_time)
                    columns["max_time"].append(frequency.max_time)
    frame = pl.DataFrame(
        {name: values for name, values in columns.items() if not name.endswith("_time")},
        schema={
            name: dtype for name, dtype in CATALOG_SCHEMA.items() if not name.endswith("_time")
        },
    )
    label = responses[0].label if responses else "catalog"
    return frame.with_columns(
        min_time=_times(columns["min_time"], label),
        max_time=_times(columns["max_time"], label),
    ).select(CATALOG_SCHEMA.names())
