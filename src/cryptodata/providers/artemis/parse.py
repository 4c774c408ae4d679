"""Artemis answers → `metric` rows and catalogue records.

A metrics answer nests `data.symbols.<symbol>.<METRIC>` → `[{"date": "2024-01-01", "val": 1.5}]`.
Its quirks, each handled here: keys may echo the request's case (both are matched without
case); a series Artemis lacks for a symbol comes as a message string in place of its list
(a warning names the symbol and metric, and the other series are kept); an unknown metric
is answered with HTTP 200 and no symbols (a warning); `val` may be null (a null value).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import msgspec
import polars as pl

from cryptodata.core.entities import EntityMaster
from cryptodata.core.intervals import Interval
from cryptodata.core.request import Response
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table

from .endpoints import PROVIDER, MetricsQuery, format_error, series_block
from .metrics import ArtemisMetric, resolve_metric

__all__ = ["ArtemisAsset", "SupportedMetric", "parse_assets", "parse_metrics", "parse_supported"]


@attrs.frozen
class SupportedMetric:
    """One metric Artemis offers for a symbol (`supported_metrics`).

    Attributes:
        name: Artemis' name, byte for byte (`PRICE`): what requests send.
        metric: The name rows carry: canonical (`price`), else `name` in snake case.
        label: Display name.
        description: What it measures.
        source: Where Artemis gets it.
        unit: Artemis' unit (`USD`, ...).
        aggregation_type: How Artemis aggregates it over time.
        cuts: The breakdowns Artemis offers.
        tags: Artemis' tags.
    """

    name: str
    metric: str
    label: str | None = None
    description: str | None = None
    source: str | None = None
    unit: str | None = None
    aggregation_type: str | None = None
    cuts: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@attrs.frozen
class ArtemisAsset:
    """One asset Artemis covers (`assets`); key records on `artemis_id`, tickers collide.

    Attributes:
        artemis_id: Artemis' id (`bitcoin`).
        symbol: The ticker requests take (`btc`).
        title: Display name.
        coingecko_id: CoinGecko's id, where Artemis gives one.
        color: Artemis' display colour, where it gives one.
    """

    artemis_id: str
    symbol: str
    title: str | None = None
    coingecko_id: str | None = None
    color: str | None = None


def parse_metrics(response: Response, query: MetricsQuery, *, entities: EntityMaster) -> Table[Any]:
    """The rows of one metrics answer for exactly the query's series, with warnings.

    Raises:
        ResponseFormatError: For a point that is no `{"date": "YYYY-MM-DD", "val": number}`.
    """
    block = series_block(response.json()["data"])
    by_symbol = {str(key).lower(): value for key, value in block.items()}
    warnings: list[str] = []
    if not by_symbol:
        names = ", ".join(metric.provider_name for metric in query.metrics)
        warnings.append(
            f"Artemis answered no series of {names} for {', '.join(query.symbols)}: an unknown "
            "metric name is answered so (HTTP 200, no symbols); check supported_metrics(symbol)"
        )
        return Table.empty(Kind.METRIC, warnings)
    columns: dict[str, list[Any]] = {
        "provider_id": [],
        "metric": [],
        "unit": [],
        "date": [],
        "value": [],
    }
    missing: list[str] = []
    for symbol in query.symbols:
        found = by_symbol.get(symbol)
        if isinstance(found, str):
            warnings.append(f"Artemis has no data for {symbol}: {found}")
            continue
        if not isinstance(found, dict | None):
            raise format_error(response, f"the series of {symbol} are no object")
        series = {str(key).lower(): value for key, value in (found or {}).items()}
        for metric in query.metrics:
            points = series.get(metric.provider_name.lower())
            if points is None:
                missing.append(f"{metric.provider_name} of {symbol}")
            elif isinstance(points, str):
                warnings.append(f"Artemis has no {metric.provider_name} for {symbol}: {points}")
            elif isinstance(points, list):
                _add_points(response, columns, symbol, metric, points)
            else:
                raise format_error(response, f"{metric.provider_name} of {symbol} is no list")
    if missing:
        warnings.append(f"Artemis answered no series for {', '.join(missing)}")
    return Table.concat(Kind.METRIC, [_table(response, columns, query, entities)], warnings)


def _add_points(
    response: Response,
    columns: dict[str, list[Any]],
    symbol: str,
    metric: ArtemisMetric,
    points: list[Any],
) -> None:
    for point in points:
        if not isinstance(point, dict) or not isinstance(point.get("date"), str):
            raise format_error(
                response, f"a point of {metric.provider_name} of {symbol} has no date"
            )
        value = point.get("val")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise format_error(
                response,
                f"{metric.provider_name} of {symbol} has a value {value!r} that is no number",
            )
        columns["provider_id"].append(symbol)
        columns["metric"].append(metric.name)
        columns["unit"].append(metric.unit)
        columns["date"].append(point["date"])
        columns["value"].append(None if value is None else float(value) * metric.scale)


def _table(
    response: Response, columns: dict[str, list[Any]], query: MetricsQuery, entities: EntityMaster
) -> Table[Any]:
    frame = pl.DataFrame(columns, schema_overrides={"value": pl.Float64, "date": pl.String})
    try:
        # A day string is the bar of that UTC day; a time after it (not seen) is ignored.
        days = frame.get_column("date").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=True)
    except pl.exceptions.PolarsError:
        raise format_error(response, "a date is not YYYY-MM-DD") from None
    ids = frame.get_column("provider_id")
    named = {symbol: entities.canonical(PROVIDER, symbol) for symbol in set(ids.to_list())}
    frame = frame.with_columns(
        provider=pl.lit(PROVIDER),
        entity=ids.replace_strict(named, return_dtype=pl.String) if named else pl.lit(""),
        interval=pl.lit(Interval.D1.value),
        ts=days.cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
    ).filter(pl.col("ts").is_between(_utc(query.start), _utc(query.end), closed="left"))
    return Table.from_frame(Kind.METRIC, frame.select(schema(Kind.METRIC).names()))


def _utc(moment: datetime) -> pl.Expr:
    return pl.lit(moment).cast(pl.Datetime("ms", "UTC"))


def parse_supported(body: bytes) -> list[SupportedMetric]:
    """The catalogue of one symbol: `{"metrics": [{"PRICE": {...}}, ...]}`."""
    found: list[SupportedMetric] = []
    for entry in msgspec.json.decode(body)["metrics"]:
        for name, info in entry.items() if isinstance(entry, dict) else ():
            details = info if isinstance(info, dict) else {}
            found.append(
                SupportedMetric(
                    name,
                    _metric(name),
                    label=_text(details.get("label")),
                    description=_text(details.get("description")),
                    source=_text(details.get("source")),
                    unit=_text(details.get("unit")),
                    aggregation_type=_text(details.get("aggregation_type")),
                    cuts=_texts(details.get("cuts")),
                    tags=_texts(details.get("tags")),
                )
            )
    return found


def parse_assets(body: bytes) -> list[ArtemisAsset]:
    """The asset list: `{"assets": [{"artemis_id", "symbol", "title", "coingecko_id", "color"}]}`."""
    return [
        ArtemisAsset(
            str(row["artemis_id"]),
            str(row["symbol"]),
            title=_text(row.get("title")),
            coingecko_id=_text(row.get("coingecko_id")),
            color=_text(row.get("color")),
        )
        for row in msgspec.json.decode(body)["assets"]
        if isinstance(row, dict) and row.get("artemis_id") and row.get("symbol")
    ]


def _metric(name: str) -> str:
    try:
        return resolve_metric(name).name
    except ValueError:
        # A catalogue name that cannot be asked for (none seen) still gets a row.
        return name


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        item if isinstance(item, str) else msgspec.json.encode(item).decode() for item in value
    )
