"""blockchain.info answers → `metric` rows and the stats snapshot.

A chart answer is `{"status": "ok", "name", "unit", "period", "description", "values":
[{"x": <Unix seconds>, "y": <number>}]}`. Its quirks, each handled here:

- `x` is in seconds (a value in milliseconds, as the stats use, is refused, not read as a
  date thousands of years ahead); each point goes in its bucket (`ts` at the bucket's start;
  the last point wins where two share one), cut to the query's window.
- `period` is checked against the chart's interval: a `day` chart answering with another
  period (or a 15-minute chart answering `day`) is refused rather than mislabelled.
- `unit` is recorded: rows of unmapped charts carry it; a scaled chart (`hash-rate`,
  `avg-block-size`) answered in a unit other than the one its scale expects is flagged.
- A negative `y` (no catalogued chart can be negative) is stored as null, with a warning
  quoting it; a null `y` is a null value. An answer with no points (stale or removed charts
  are answered so) is an empty table with a warning.
- A bucket that has not ended at the client's now (the still-filling day) is kept with a
  warning, and a later run replaces it; a bucket not begun is dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import attrs
import polars as pl

from cryptodata.core.entities import EntityMaster
from cryptodata.core.intervals import Interval
from cryptodata.core.request import Response
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table
from cryptodata.core.time import from_ms, to_ms

from .endpoints import PROVIDER, PROVIDER_ID, ChartQuery, format_error

__all__ = ["BlockchainStats", "parse_chart", "parse_stats"]

_LATEST_SECONDS: Final = 10**11
"""Unix seconds below this are before the year 5138; anything above is milliseconds."""
_SATOSHI: Final = 1e-8
_GH_TO_TH: Final = 1e-3


def parse_chart(
    response: Response, query: ChartQuery, *, entities: EntityMaster, now: datetime
) -> Table[Any]:
    """The rows of one chart answer inside the query's window, with warnings.

    Raises:
        ResponseFormatError: For a period that does not match the chart's interval, or a
            point that is no `{"x": seconds, "y": number}`.
    """
    body = response.json()
    chart = query.chart
    _check_period(response, query, body.get("period"))
    unit = body.get("unit") if isinstance(body.get("unit"), str) else ""
    warnings: list[str] = []
    expected = chart.expected_units
    if expected and not any(word.lower() in unit.lower() for word in expected):
        warnings.append(
            f"blockchain.info gives {chart.name} in {unit!r}, not {expected[0]}: values are "
            f"scaled by {chart.scale:g} into {chart.unit} as for {expected[0]}; check them"
        )
    window = (to_ms(query.start) // 1000, to_ms(query.end) // 1000)
    seconds, values, odd = _points(response, chart.name, body["values"], window)
    if odd:
        shown = ", ".join(
            f"{datetime.fromtimestamp(x, UTC):%Y-%m-%d %H:%M} {y:g}" for x, y in odd[:3]
        )
        warnings.append(
            f"blockchain.info gave {len(odd)} negative value(s) of {chart.name} ({shown}"
            f"{', ...' if len(odd) > 3 else ''}): stored as null, as no {chart.metric} is below 0"
        )
    if not seconds:
        warnings.append(
            f"blockchain.info answered no points of {chart.name} from {query.start:%Y-%m-%d %H:%M} "
            f"to {query.end:%Y-%m-%d %H:%M} (stale or removed charts are answered so)"
        )
        return Table.empty(Kind.METRIC, warnings)
    step = chart.interval.seconds * 1000
    points = (
        pl.DataFrame(
            {"ms": [x * 1000 for x in seconds], "value": values},
            schema={"ms": pl.Int64, "value": pl.Float64},
        )
        .with_columns(pl.col("ms") - pl.col("ms") % step)
        .unique("ms", keep="last", maintain_order=True)
        .sort("ms")
        .filter(pl.col("ms") <= to_ms(now))
    )
    open_bucket = points.filter(pl.col("ms") + step > to_ms(now))
    if open_bucket.height:
        first = datetime.fromtimestamp(open_bucket.item(0, "ms") / 1000, UTC)
        warnings.append(
            f"{first:%Y-%m-%d %H:%M} of {query.symbol} is the {chart.interval.value} bucket so "
            "far (it has not ended): a later run replaces it"
        )
    frame = points.select(
        pl.lit(PROVIDER).alias("provider"),
        pl.lit(entities.canonical(PROVIDER, PROVIDER_ID)).alias("entity"),
        pl.lit(query.metric).alias("metric"),
        pl.lit(chart.interval.value).alias("interval"),
        pl.from_epoch("ms", time_unit="ms").dt.replace_time_zone("UTC").alias("ts"),
        (pl.col("value") * chart.scale).alias("value"),
        pl.lit(chart.unit if chart.mapped or not unit else unit).alias("unit"),
        pl.lit(PROVIDER_ID).alias("provider_id"),
    )
    return Table.from_frame(Kind.METRIC, frame.cast(schema(Kind.METRIC)), warnings)


def _check_period(response: Response, query: ChartQuery, period: object) -> None:
    daily = query.chart.interval is Interval.D1
    if period is None or (period == "day") == daily:
        return
    raise format_error(
        response,
        f"{query.chart.name} came with period {period!r}, but its rows are "
        f"{query.chart.interval.value} bars: refused rather than stored under the wrong "
        "interval (the chart's interval in the catalogue needs updating)",
    )


def _points(
    response: Response, name: str, raw: list[Any], window: tuple[int, int]
) -> tuple[list[int], list[float | None], list[tuple[int, float]]]:
    """The points with `x` in the half-open `window` (seconds; bucket-aligned, so a point is
    in it exactly when its bucket is), and the negative ones among them."""
    seconds: list[int] = []
    values: list[float | None] = []
    odd: list[tuple[int, float]] = []
    for point in raw:
        x = point.get("x") if isinstance(point, dict) else None
        y = point.get("y") if isinstance(point, dict) else None
        if isinstance(x, bool) or not isinstance(x, int):
            raise format_error(response, f"a point of {name} has no integer 'x' (Unix seconds)")
        if x >= _LATEST_SECONDS:
            raise format_error(
                response, f"a point of {name} has x={x}: milliseconds, where seconds are expected"
            )
        if y is not None and (isinstance(y, bool) or not isinstance(y, int | float)):
            raise format_error(response, f"a point of {name} has a value {y!r} that is no number")
        if not window[0] <= x < window[1]:
            continue
        if y is not None and y < 0:
            odd.append((x, float(y)))
            y = None
        seconds.append(x)
        values.append(None if y is None else float(y))
    return seconds, values, odd


@attrs.frozen
class BlockchainStats:
    """The `/stats` snapshot of the last 24 hours, in plain units.

    blockchain.info names five satoshi fields `_btc` (`total_fees_btc`, `n_btc_mined`,
    `estimated_btc_sent`, `total_btc_sent`) or nothing (`totalbc`): here they are in BTC, so
    the names are true. `hash_rate` comes in GH/s and is here in TH/s (as the `hash-rate`
    chart and the canonical `hash_rate`). A value that cannot be (a negative one, or a zero
    `miners_revenue_usd`, both seen in real answers) is `None`, named in `warnings`.

    Attributes:
        ts: When the snapshot was taken (the answer's `timestamp`, in milliseconds).
        market_price_usd: Price of one bitcoin, USD.
        hash_rate: Network hash rate, TH/s.
        difficulty: Mining difficulty.
        n_tx: Transactions over the 24 hours.
        n_blocks_mined: Blocks over the 24 hours.
        n_blocks_total: Height of the chain.
        minutes_between_blocks: Mean minutes between blocks.
        nextretarget: Block height of the next difficulty retarget.
        blocks_size: Bytes of the blocks of the 24 hours.
        totalbc: Bitcoins mined so far, BTC.
        n_btc_mined: Bitcoins mined over the 24 hours, BTC.
        total_fees_btc: Fees over the 24 hours, BTC.
        miners_revenue_btc: Miners' revenue over the 24 hours, BTC (blockchain.info gives BTC).
        miners_revenue_usd: Miners' revenue over the 24 hours, USD.
        estimated_btc_sent: Estimated value sent, BTC.
        estimated_transaction_volume_usd: Estimated value sent, USD.
        total_btc_sent: Total output value, BTC.
        trade_volume_btc: Exchange trading volume, BTC.
        trade_volume_usd: Exchange trading volume, USD.
        warnings: Each odd value left out, and each field the answer lacked.
    """

    ts: datetime
    market_price_usd: float | None = None
    hash_rate: float | None = None
    difficulty: float | None = None
    n_tx: float | None = None
    n_blocks_mined: float | None = None
    n_blocks_total: float | None = None
    minutes_between_blocks: float | None = None
    nextretarget: float | None = None
    blocks_size: float | None = None
    totalbc: float | None = None
    n_btc_mined: float | None = None
    total_fees_btc: float | None = None
    miners_revenue_btc: float | None = None
    miners_revenue_usd: float | None = None
    estimated_btc_sent: float | None = None
    estimated_transaction_volume_usd: float | None = None
    total_btc_sent: float | None = None
    trade_volume_btc: float | None = None
    trade_volume_usd: float | None = None
    warnings: tuple[str, ...] = ()

    def to_polars(self) -> pl.DataFrame:
        """The snapshot as a one-row frame: `ts` (`Datetime("ms", "UTC")`), then one Float64
        column per field, in the units above.

        Examples:
            >>> from datetime import UTC
            >>> BlockchainStats(datetime(2024, 1, 1, tzinfo=UTC), hash_rate=5e8).to_polars().width
            20
        """
        fields = [field.name for field in attrs.fields(BlockchainStats)][1:-1]
        return pl.DataFrame(
            {"ts": [self.ts], **{name: [getattr(self, name)] for name in fields}},
            schema={"ts": pl.Datetime("ms", "UTC"), **dict.fromkeys(fields, pl.Float64)},
        )


_SCALES: Final = {
    "hash_rate": _GH_TO_TH,
    "totalbc": _SATOSHI,
    "n_btc_mined": _SATOSHI,
    "total_fees_btc": _SATOSHI,
    "estimated_btc_sent": _SATOSHI,
    "total_btc_sent": _SATOSHI,
}
"""What multiplies a stats field into its unit here (satoshis → BTC, GH/s → TH/s)."""
_POSITIVE: Final = frozenset(
    {"market_price_usd", "hash_rate", "difficulty", "miners_revenue_usd", "totalbc"}
)
"""Fields for which 0 is as impossible as a negative value."""


def parse_stats(response: Response) -> BlockchainStats:
    """The snapshot of one `/stats` answer.

    Raises:
        ResponseFormatError: For a field that is no number.
    """
    body = response.json()
    fields = [field.name for field in attrs.fields(BlockchainStats)][1:-1]
    found: dict[str, float | None] = {}
    warnings: list[str] = []
    for name in fields:
        value = body.get(name)
        if value is None:
            warnings.append(f"the stats snapshot has no {name}")
            found[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise format_error(response, f"stats field {name} is {value!r}, no number")
        if value < 0 or (value == 0 and name in _POSITIVE):
            warnings.append(f"stats field {name} is {value!r}, which cannot be: left out (None)")
            found[name] = None
            continue
        found[name] = float(value) * _SCALES.get(name, 1.0)
    ts = from_ms(int(body["timestamp"]))
    return BlockchainStats(ts, **found, warnings=tuple(warnings))
