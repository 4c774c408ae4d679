"""Velo's CSV answers into typed polars frames, and `/rows` frames into `metric` rows.

`/rows` answers `exchange,coin,product,time` then the requested columns, a header first;
numbers are unquoted, a missing value is an empty field, `time` is the bucket start in Unix
ms. Every column is read with an explicit dtype (no inference), the header is checked against
the columns asked (a body without one is read in the asked order), and an empty body (Velo's
answer when nothing is in range) is an empty frame of the same schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import polars as pl

from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import ResponseFormatError, excerpt
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind, schema
from cryptodata.core.time import from_ms, to_ms

from .endpoints import PROVIDER
from .metrics import aggregation, canonical_metric, metric_unit
from .planner import Selector

__all__ = [
    "KEY_COLUMNS",
    "metric_frame",
    "parse_products",
    "parse_rows",
    "provider_id",
    "resample",
    "rows_schema",
]

KEY_COLUMNS: Final = ("exchange", "coin", "product", "time")
"""What every `/rows` line starts with."""
_TEXT: Final = ("exchange", "coin", "product")
_CATALOGUE: Final = ("exchange", "coin", "product", "begin")
_BLANK: Final = re.compile(rb"\s*")


def rows_schema(columns: Sequence[str]) -> pl.Schema:
    """The schema of a parsed `/rows` answer asking `columns`."""
    return pl.Schema(
        {
            **dict.fromkeys(_TEXT, pl.String()),
            "time": pl.Int64(),
            **dict.fromkeys(columns, pl.Float64()),
        }
    )


def _format_error(message: str, body: bytes, endpoint: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER, endpoint=endpoint, body=excerpt(body))


def _empty(body: bytes) -> bool:
    """Whether the body holds nothing but whitespace (scanned up to its first character)."""
    return not body or body.isspace()


def _header(body: bytes) -> list[str] | None:
    """The header's names, or `None` when the first line is data (it is not `exchange,...`)."""
    # Sliced, never stripped or split whole: a body of a million rows is not copied.
    blank = _BLANK.match(body)
    start = blank.end() if blank else 0
    stop = body.find(b"\n", start)
    first = body[start : stop if stop >= 0 else len(body)].rstrip(b"\r")
    names = [name.strip() for name in first.decode("utf-8", "replace").split(",")]
    return names if names and names[0] == "exchange" else None


def parse_rows(body: bytes, columns: Sequence[str], *, endpoint: str = "/rows") -> pl.DataFrame:
    """A `/rows` answer as a frame: `exchange coin product` text, `time` Int64, `columns` Float64.

    Raises:
        ResponseFormatError: For a header that does not name exactly the key columns and
            `columns`, or a line that does not parse with those dtypes.

    Examples:
        >>> parse_rows(b"exchange,coin,product,time,close_price\\nbybit,BTC,BTCUSDT,0,63170\\n",
        ...            ["close_price"]).row(0)
        ('bybit', 'BTC', 'BTCUSDT', 0, 63170.0)
        >>> parse_rows(b"", ["close_price"]).height
        0
    """
    wanted = rows_schema(columns)
    if _empty(body):
        return pl.DataFrame(schema=wanted)
    header = _header(body)
    order = list(wanted) if header is None else header
    if header is not None and (sorted(header) != sorted(wanted) or len(set(header)) != len(header)):
        missing = [name for name in wanted if name not in header]
        extra = [name for name in header if name not in wanted]
        raise _format_error(
            f"the header does not match the columns asked (missing: {', '.join(missing) or 'none'}; "
            f"unexpected: {', '.join(extra) or 'none'})",
            body,
            endpoint,
        )
    try:
        frame = pl.read_csv(
            body,
            has_header=header is not None,
            schema=pl.Schema({name: wanted[name] for name in order}),
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise _format_error(f"not Velo CSV rows ({exc})", body, endpoint) from None
    return frame.select(list(wanted))


def _utc(name: str) -> pl.Expr:
    return pl.from_epoch(pl.col(name).cast(pl.Int64), time_unit="ms").cast(pl.Datetime("ms", "UTC"))


def parse_products(body: bytes, *, endpoint: str) -> pl.DataFrame:
    """A catalogue (`/futures`, `/spot`, `/options`) as `exchange coin product begin depth`
    (`begin` UTC, `depth` Boolean, null where the catalogue has no such column), plus `end`
    for a delisted catalogue.

    Raises:
        ResponseFormatError: For a body without the catalogue's columns, or a bad value.
    """
    names = ["exchange", "coin", "product", "begin", "depth"]
    empty = pl.DataFrame(
        schema={
            **dict.fromkeys(_TEXT, pl.String()),
            "begin": pl.Datetime("ms", "UTC"),
            "depth": pl.Boolean(),
        }
    )
    if _empty(body):
        return empty
    header = _header(body)
    if header is None or any(name not in header for name in _CATALOGUE):
        raise _format_error(
            f"a catalogue starts with a header holding {', '.join(_CATALOGUE)}", body, endpoint
        )
    try:
        raw = pl.read_csv(body, infer_schema=False)
        frame = raw.select(
            *(pl.col(name) for name in _TEXT),
            _utc("begin"),
            (
                pl.col("depth").str.to_lowercase().replace_strict({"true": True, "false": False})
                if "depth" in raw.columns
                else pl.lit(None, pl.Boolean)
            ).alias("depth"),
            *([_utc("end")] if "end" in raw.columns else []),
        )
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise _format_error(f"not a Velo catalogue ({exc})", body, endpoint) from None
    return frame if "end" in frame.columns else frame.select(names)


def _bucket(interval: Interval) -> pl.Expr:
    step = interval.seconds * 1000
    origin = to_ms(interval.floor(from_ms(0)))
    return pl.col("time") - (pl.col("time") - origin) % step


_FOLD: Final[dict[str, Callable[[str], pl.Expr]]] = {
    "first": lambda name: pl.col(name).drop_nulls().first(),
    "last": lambda name: pl.col(name).drop_nulls().last(),
    "max": lambda name: pl.col(name).max(),
    "min": lambda name: pl.col(name).min(),
    "mean": lambda name: pl.col(name).mean(),
    "sum": lambda name: pl.when(pl.col(name).count() > 0).then(pl.col(name).sum()),
}


def resample(
    frame: pl.DataFrame, interval: Interval, columns: Sequence[str]
) -> tuple[pl.DataFrame, str | None]:
    """`frame` with finer rows than `interval` folded into its buckets, and a warning saying so.

    Velo has been seen answering minute rows to a coarser request. Rows off the bucket grid,
    or several rows of one series in one bucket, are folded per column by
    `metrics.aggregation` (first, last, max, min, sum, mean); a frame already on the grid is
    returned as it is, with no warning.

    Examples:
        >>> rows = pl.DataFrame({"exchange": ["bybit"] * 2, "coin": ["BTC"] * 2,
        ...     "product": ["BTCUSDT"] * 2, "time": [0, 60_000], "coin_volume": [1.0, 2.0]})
        >>> folded, note = resample(rows, Interval.H1, ["coin_volume"])
        >>> folded.row(0), note is not None
        (('bybit', 'BTC', 'BTCUSDT', 0, 3.0), True)
    """
    if frame.height == 0:
        return frame, None
    bucket = frame.select(_bucket(interval)).to_series()
    series = frame.select(*_TEXT, bucket.alias("time"))
    if (bucket == frame.get_column("time")).all() and not series.is_duplicated().any():
        return frame, None
    folds = {name: aggregation(name) for name in columns}
    folded = (
        frame.sort("time")
        .with_columns(_bucket(interval).alias("_bucket"))
        .group_by(*_TEXT, "_bucket", maintain_order=True)
        .agg(*(_FOLD[how](name).alias(name) for name, how in folds.items()))
        .rename({"_bucket": "time"})
        .select(frame.columns)
        .sort(*_TEXT, "time")
    )
    how = ", ".join(f"{name} {fold}" for name, fold in folds.items())
    note = (
        f"Velo answered {frame.height} rows finer than the {interval.value} buckets asked; "
        f"resampled to {folded.height} {interval.value} rows ({how})"
    )
    return folded, note


def provider_id(selector: Selector, basis: bool) -> pl.Expr:
    """The `provider_id` of `/rows` lines: `<exchange>:<product>`, `<exchange>:coin:<coin>`
    for coin-level rows, the coin alone for the basis (which names no exchange)."""
    if basis:
        return pl.col("coin")
    if selector == "coins":
        return pl.concat_str(pl.col("exchange"), pl.lit(":coin:"), pl.col("coin"))
    return pl.concat_str(pl.col("exchange"), pl.lit(":"), pl.col("product"))


def metric_frame(
    frame: pl.DataFrame,
    interval: Interval,
    columns: Sequence[str],
    *,
    selector: Selector,
    basis: bool,
    entities: EntityMaster,
) -> pl.DataFrame:
    """Parsed `/rows` lines as `metric` rows (`Kind.METRIC`'s schema): one per line and column."""
    coins = frame.get_column("coin").unique().to_list()
    canonical: Mapping[str, str] = {coin: entities.canonical(PROVIDER, coin) for coin in coins}
    metrics = {name: canonical_metric(name, interval) for name in columns}
    units = {name: metric_unit(name, interval) for name in columns}
    long = frame.with_columns(
        provider_id=provider_id(selector, basis),
        entity=pl.col("coin").replace_strict(canonical, return_dtype=pl.String),
    ).unpivot(
        on=list(columns),
        index=["provider_id", "entity", "time"],
        variable_name="column",
        value_name="value",
    )
    return long.select(
        provider=pl.lit(PROVIDER),
        entity="entity",
        metric=pl.col("column").replace_strict(metrics, return_dtype=pl.String),
        interval=pl.lit(interval.value),
        ts=pl.from_epoch("time", time_unit="ms").cast(pl.Datetime("ms", "UTC")),
        value=pl.col("value").cast(pl.Float64),
        unit=pl.col("column").replace_strict(units, return_dtype=pl.String),
        provider_id="provider_id",
    ).cast(schema(Kind.METRIC))
