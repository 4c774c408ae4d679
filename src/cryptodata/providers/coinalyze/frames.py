"""Parsed Coinalyze answers → the canonical columns of their kind.

A history query's answers come one per request: symbol batches over consecutive windows, each
answer holding one run of bars per series. `history_frame` lays the runs out in the order of the
kind's primary key (venue, symbol, then time: the window order) before building any column, so
the table's de-duplication finds the rows already sorted and unique and skips its sort, the
costliest step for a million rows. Nothing depends on that order being right: rows the server
sends out of order or twice are sorted and de-duplicated as always.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from itertools import accumulate, groupby
from operator import itemgetter
from typing import TYPE_CHECKING

import attrs
import polars as pl

from cryptodata.core._columns import per_run
from cryptodata.core.decimals import shift_point
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table

from . import endpoints as ep
from .endpoints import Endpoint

if TYPE_CHECKING:
    # Only annotations name it: the parser (and msgspec) load with the first answer.
    from .parse import Parsed

__all__ = ["Bars", "history_frame", "shape", "silent"]

_UTC_MS = pl.Datetime("ms", "UTC")
_PER_MARKET = ("exchange", "base", "unit")
"""The columns a market's catalogue row gives its bars."""
_PYTHON_ROWS = 64
"""Answers up to this many bars are judged in Python (see `_judged`)."""


@attrs.frozen
class Bars:
    """A history query's bars in the kind's columns, and what is known of their order.

    Attributes:
        frame: The bars, with exactly the kind's schema.
        in_key_order: Whether the rows are already sorted and unique on the primary key.
        symbols: The symbols with at least one bar.
    """

    frame: pl.DataFrame
    in_key_order: bool
    symbols: frozenset[str]

    def table(self, kind: Kind, warnings: list[str]) -> Table:
        """The bars as a table: sorted and de-duplicated, unless they are already."""
        table = Table(kind, self.frame, warnings)
        return table if self.in_key_order else Table.concat(kind, [table])


def history_frame(
    endpoint: Endpoint,
    answers: Sequence[Parsed],
    markets: Mapping[str, tuple[str, str, str]],
    interval: Interval,
    start: datetime,
    end: datetime,
    convert_to_usd: bool,
) -> Bars:
    """The bars of a history query's answers (in request order) inside `[start, end)`.

    Args:
        endpoint: The endpoint that answered.
        answers: The parsed answers, in the order of the plan's requests (windows ascending).
        markets: The venue, base and unit of every symbol asked.
        interval: The bars' interval.
        start: The window's first instant.
        end: The window's end (excluded).
        convert_to_usd: Whether the values were asked in USD.
    """
    target = schema(endpoint.kind)
    # The primary key orders by venue, then symbol (the provider and interval are one value,
    # the unit one per symbol), then time; the catalogue names every venue.
    runs = sorted(
        (markets[symbol][0], symbol, index, offset, rows)
        for index, answer in enumerate(answers)
        for symbol, offset, rows in _offsets(answer.series)
        if rows
    )
    if not runs:
        return Bars(pl.DataFrame(schema=target), True, frozenset())
    # Not rechunked, as polars' own readers leave their frames: the raw columns keep one chunk
    # per series (a copy of every bar would cost ~10 % of the whole query); `rechunk()` is the
    # user's to call.
    bars = pl.concat(
        [answers[index].frame.slice(offset, rows) for _, _, index, offset, rows in runs],
        rechunk=False,
    )
    blocks = [
        (symbol, sum(run[4] for run in group)) for symbol, group in groupby(runs, key=itemgetter(1))
    ]
    lo, hi = ep.ceil_seconds(start), ep.ceil_seconds(end)
    starts = list(accumulate((rows for _, rows in blocks[:-1]), initial=0))
    ordered, inside = _judged(bars.get_column("t"), starts, lo, hi)
    lengths = [rows for _, rows in blocks]
    # Each market's venue, base and unit are one value over its block of rows: set per block,
    # which is far cheaper than joining every row with the catalogue.
    per_market = {
        name: per_run([markets[symbol][position] for symbol, _ in blocks], lengths)
        for position, name in enumerate(_PER_MARKET)
    }
    # Every built column has its dtype already; of the raw ones only counts need a cast.
    columns = {
        "interval": pl.lit(interval.value),
        "ts": (pl.col("t") * 1000).cast(_UTC_MS),
        **per_market,
        **_derived(endpoint, convert_to_usd),
    }
    frame = bars.select(
        columns[name].alias(name)
        if name in columns
        else pl.col(name)
        if bars.schema[name] == dtype
        else pl.col(name).cast(dtype)
        for name, dtype in target.items()
    )
    if inside:
        return Bars(frame, ordered, frozenset(symbol for symbol, _ in blocks))
    frame = frame.filter(pl.col("ts").is_between(start, end, closed="left"))
    return Bars(frame, ordered, frozenset(frame.get_column("symbol").unique().to_list()))


def _judged(times: pl.Series, starts: list[int], lo: int, hi: int) -> tuple[bool, bool]:
    """Whether each block's times strictly rise (the rows are in key order), and all are in
    `[lo, hi)` (nothing to filter out).

    `starts` are the blocks' first rows. A few dozen times are judged in Python: a polars
    query costs ~0.1 ms whatever the height, a polling bot's call makes one.
    """
    if times.len() <= _PYTHON_ROWS:
        values, firsts = times.to_list(), set(starts)
        rising = all(values[i - 1] < values[i] for i in range(1, len(values)) if i not in firsts)
        return rising, all(lo <= value < hi for value in values)
    t = pl.col("t")
    # Where a time does not rise on the one before it: in key order, only where blocks meet.
    judged = times.to_frame("t").select(
        falls=(t <= t.shift(1)).arg_true().implode(), first=t.min(), last=t.max()
    )
    falls, first, last = judged.row(0)
    return set(falls) <= set(starts), lo <= first and last < hi


def _offsets(series: Sequence[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """Each run's symbol, first row and row count."""
    found, offset = [], 0
    for symbol, rows in series:
        found.append((symbol, offset, rows))
        offset += rows
    return found


def shape(
    endpoint: Endpoint, raw: pl.DataFrame, info: pl.DataFrame, convert_to_usd: bool
) -> pl.DataFrame:
    """Raw parsed columns (with a naive `ts`) + catalogue rows → the kind's canonical columns."""
    markets = info.select("symbol", "exchange", "base", "unit")
    return (
        raw.join(markets, on="symbol", how="left")
        .with_columns(ts=pl.col("ts").dt.replace_time_zone("UTC").dt.cast_time_unit("ms"))
        .with_columns(**_derived(endpoint, convert_to_usd))
    )


def _derived(endpoint: Endpoint, convert_to_usd: bool) -> dict[str, pl.Expr]:
    """The columns every shaped frame gets from the endpoint: provider, fractions, USD, period."""
    columns = {
        "provider": pl.lit(ep.PROVIDER),
        # Coinalyze does not say a market's funding period (venues settle every 1, 4 or 8
        # hours); a guess would annualise hourly venues eightfold wrong.
        "period_hours": pl.lit(None, pl.Float64),
    }
    if endpoint.percent:
        # Percent to fraction on the decimal digits the API sent: a float division by 100
        # rounds once more, -0.000011 % becoming -1.0999999999999999e-07 instead of -1.1e-07.
        columns |= {column: shift_point(pl.col(column), -2) for _, column in endpoint.fields}
    if endpoint.usd and convert_to_usd:
        columns["unit"] = pl.lit("usd")
    return columns


def silent(endpoint: Endpoint, asked: list[str], answered: Collection[str]) -> list[str]:
    """A warning naming the symbols asked for that are not among those `answered`, if any."""
    missing = [symbol for symbol in asked if symbol not in answered]
    if not missing:
        return []
    return [
        f"no {endpoint.kind.value} data from {endpoint.path} for {', '.join(missing)} "
        "(the venue may not report it, or the window is outside what Coinalyze keeps)"
    ]
