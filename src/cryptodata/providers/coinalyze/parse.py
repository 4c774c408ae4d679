"""Coinalyze response bodies → polars frames, through typed columns (msgspec), never row dicts.

Each parser validates the body's shape while decoding; anything else is a
`ResponseFormatError` naming the endpoint. Frames come out
with raw Coinalyze values (`t` in seconds, funding in percent); the client turns them into the
canonical schema.

Data answers are checked row by row against what was asked and what the API documents:

- a series or reading for a symbol the request did not ask for is dropped, with a warning
  (its market is unknown, so its exchange, base and unit would be null);
- a timestamp (`t` in UNIX seconds, `update` in UNIX milliseconds) that is null, missing,
  fractional, in the other unit or outside 1973-3000 drops its row with a warning when other
  rows are good (a time written as an integral float, `1748736000.0`, is that time),
  and is a `ResponseFormatError` naming the field when no row is: an answer whose every time
  is wrong (`t` in milliseconds) is a unit mistake, not data.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any, Final, Literal, Protocol, TypeVar

import attrs
import msgspec
import polars as pl

from cryptodata.core._columns import per_run
from cryptodata.core.errors import ResponseFormatError, excerpt

from .endpoints import PROVIDER, Endpoint

__all__ = [
    "Parsed",
    "parse_exchanges",
    "parse_future_markets",
    "parse_history",
    "parse_snapshot",
    "parse_spot_markets",
]

S = TypeVar("S")


class _Snapshot(msgspec.Struct, gc=False):
    symbol: str
    value: float | None = None
    update: int | None = None


class _Exchange(msgspec.Struct):
    name: str
    code: str


class _FutureMarket(msgspec.Struct):
    symbol: str
    exchange: str
    symbol_on_exchange: str
    base_asset: str
    quote_asset: str
    is_perpetual: bool = False
    margined: str | None = None
    expire_at: int | None = None
    oi_lq_vol_denominated_in: str | None = None
    has_long_short_ratio_data: bool = False
    has_ohlcv_data: bool = False
    has_buy_sell_data: bool = False


class _SpotMarket(msgspec.Struct):
    symbol: str
    exchange: str
    symbol_on_exchange: str
    base_asset: str
    quote_asset: str
    has_buy_sell_data: bool = False


_SNAPSHOTS: Final = msgspec.json.Decoder(list[_Snapshot])
_EXCHANGES: Final = msgspec.json.Decoder(list[_Exchange])
_FUTURES: Final = msgspec.json.Decoder(list[_FutureMarket])
_SPOTS: Final = msgspec.json.Decoder(list[_SpotMarket])


@functools.cache
def _history_decoder(endpoint: Endpoint) -> msgspec.json.Decoder[list[Any]]:
    """A decoder whose bar struct holds exactly the endpoint's fields: fewer slots, faster decoding."""
    point = msgspec.defstruct(
        "Point",
        # JSON does not tell 1748736000 from 1748736000.0; `_bad_times` rejects a fractional one.
        [("t", int | float), *((field, float | None, None) for field, _ in endpoint.fields)],
        gc=False,
    )
    series = msgspec.defstruct("Series", [("symbol", str), ("history", list[point], [])], gc=False)  # type: ignore[valid-type]
    return msgspec.json.Decoder(list[series])  # type: ignore[valid-type]


def _decode(decoder: msgspec.json.Decoder[list[S]], body: bytes, path: str) -> list[S]:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise ResponseFormatError(
            str(exc), provider=PROVIDER, endpoint=path, body=excerpt(body)
        ) from None


@attrs.frozen
class Parsed:
    """A decoded data answer: its raw columns, and what was dropped from it and why.

    Attributes:
        frame: The rows kept, with raw Coinalyze columns.
        warnings: One line per kind of row dropped (symbols not asked for, bad timestamps).
        series: For a history answer, its series in frame order: each one's symbol and
            number of rows (the frame's rows come in these runs); empty for other answers.
    """

    frame: pl.DataFrame
    warnings: tuple[str, ...] = ()
    series: tuple[tuple[str, int], ...] = ()


_SMALL_BODY: Final = 32_768
"""Bytes up to which a history body is decoded bar by bar (faster there; measured crossover
between 64 and 400 KB)."""


_ROW_FRAME: Final = 32
"""Bars up to which a small answer's frame is built row by row (~23 us for 10 bars against
~60 us column by column); above it columns win (at 100 k bars rows are 7x slower)."""


def parse_history(endpoint: Endpoint, body: bytes, asked: Iterable[str]) -> Parsed:
    """Decode a history body into `symbol`, `t` (UNIX seconds) and the endpoint's columns.

    A small body (up to `_SMALL_BODY` bytes) is decoded bar by bar. A larger
    well-formed body is read column by column by polars' JSON reader; a body holding anything
    to judge (a bad time, a value of the wrong type, a malformed bar) is decoded bar by bar,
    with every check below. Both give the same frame for any body the first accepts.

    Args:
        endpoint: The endpoint that answered.
        body: The response body.
        asked: The symbols the request asked for; series of other symbols are dropped.

    Raises:
        ResponseFormatError: The body is not a list of series, or no bar has a valid `t`.

    Examples:
        >>> from cryptodata.providers.coinalyze.endpoints import LIQUIDATION_HISTORY
        >>> body = b'[{"symbol":"BTC.H","history":[{"t":1748736000,"l":1,"s":2.5}]}]'
        >>> parse_history(LIQUIDATION_HISTORY, body, ["BTC.H"]).frame.row(0)
        ('BTC.H', 1748736000, 1.0, 2.5)
    """
    wanted = set(asked)
    # The columnar reader's fixed cost (~0.2 ms of frame operations) outweighs its speed on a
    # small body: a polling bot's few bars decode faster bar by bar, into the same frame.
    if len(body) <= _SMALL_BODY:
        return _bar_by_bar(endpoint, body, wanted)
    parsed = _columnar(endpoint, body, wanted)
    return parsed if parsed is not None else _bar_by_bar(endpoint, body, wanted)


class _RawSeries(msgspec.Struct, gc=False):
    symbol: str
    history: msgspec.Raw = msgspec.Raw(b"[]")


_RAW_SERIES: Final = msgspec.json.Decoder(list[_RawSeries])


@functools.cache
def _bar_schema(endpoint: Endpoint) -> dict[str, pl.DataType]:
    # `t` is read as a float so that a fractional time is seen rather than truncated; times
    # up to the year 3000 are exact in a double.
    return {"t": pl.Float64(), **{field: pl.Float64() for field, _ in endpoint.fields}}


def _columnar(endpoint: Endpoint, body: bytes, asked: set[str]) -> Parsed | None:
    """The body read by polars' columnar JSON reader, or `None` if the bar-by-bar path must judge it.

    Decoding a million bars into Python objects and walking them once per column costs about
    three times the decoding; the columnar reader builds the columns directly. It is lenient
    where msgspec is strict (it reads `true` as 1.0 and truncates a fractional `t`), so any
    answer holding a boolean, a time that is missing, fractional or implausible, or anything
    the reader rejects goes to the bar-by-bar path, which keeps or drops rows and words the
    errors exactly as before.
    """
    try:
        decoded = _RAW_SERIES.decode(body)
    except msgspec.DecodeError:
        return None
    series, warnings = _asked_only(endpoint.path, decoded, asked)
    # Series nobody asked for are rare; the strict path also judges their bars, so it decides.
    if warnings:
        return None
    schema = _bar_schema(endpoint)
    frames: list[pl.DataFrame] = []
    for entry in series:
        bars = bytes(entry.history)
        if not bars.startswith(b"[") or _may_hold_a_boolean(bars):
            return None
        try:
            frames.append(pl.read_json(bars, schema=schema))
        except pl.exceptions.PolarsError:
            return None
    frame = pl.concat(frames, how="vertical") if frames else None
    if frame is None or frame.height == 0:
        return None
    lo, hi = _RANGES["s"]
    t = pl.col("t")
    if not frame.select((t.is_between(lo, hi) & (t == t.floor())).fill_null(False).all()).item():
        return None
    runs = [(entry.symbol, part.height) for entry, part in zip(series, frames, strict=True)]
    columns = frame.select(
        symbol=per_run([symbol for symbol, _ in runs], [rows for _, rows in runs]),
        t=t.cast(pl.Int64),
        **{column: pl.col(field) for field, column in endpoint.fields},
    )
    return Parsed(columns, tuple(warnings), tuple(runs))


def _may_hold_a_boolean(bars: bytes) -> bool:
    # Both literals end in "e", which numbers hold only as an exponent: one memchr-speed scan
    # for it spares the two slower substring searches on almost every body.
    return b"e" in bars and (b"true" in bars or b"false" in bars)


def _bar_by_bar(endpoint: Endpoint, body: bytes, asked: set[str]) -> Parsed:
    """The body decoded into one typed struct per bar, each time checked (see the module)."""
    decoded = _decode(_history_decoder(endpoint), body, endpoint.path)
    series, warnings = _asked_only(endpoint.path, decoded, asked)
    times = [(entry.symbol, point.t) for entry in series for point in entry.history]
    bad = _bad_times(endpoint.path, "t", "s", times, body)
    if bad:
        warnings.append(_dropped(endpoint.path, "t", "s", [times[i] for i in sorted(bad)]))
        offset = 0
        for entry in series:
            size = len(entry.history)
            entry.history = [p for i, p in enumerate(entry.history, offset) if i not in bad]
            offset += size
    points = list(itertools.chain.from_iterable(entry.history for entry in series))
    runs = [(entry.symbol, len(entry.history)) for entry in series]
    if len(points) <= _ROW_FRAME:
        return Parsed(_row_frame(endpoint, series), tuple(warnings), tuple(runs))
    columns: dict[str, Any] = {
        "symbol": pl.Series(
            "symbol", [entry.symbol for entry in series for _ in entry.history], dtype=pl.String
        ),
        "t": pl.Series("t", list(map(int, map(attrgetter("t"), points))), dtype=pl.Int64),
    }
    for field, column in endpoint.fields:
        columns[column] = pl.Series(column, list(map(attrgetter(field), points)), dtype=pl.Float64)
    return Parsed(pl.DataFrame(columns), tuple(warnings), tuple(runs))


def _row_frame(endpoint: Endpoint, series: Sequence[Any]) -> pl.DataFrame:
    """The bars of a few series built row by row: one polars call, where a column each
    costs a Series apiece (the frame is the one `_bar_by_bar` builds column by column)."""
    fields = [field for field, _ in endpoint.fields]
    rows = [
        (entry.symbol, int(point.t), *(getattr(point, field) for field in fields))
        for entry in series
        for point in entry.history
    ]
    return pl.DataFrame(rows, schema=_row_schema(endpoint), orient="row")


@functools.cache
def _row_schema(endpoint: Endpoint) -> pl.Schema:
    return pl.Schema(
        [("symbol", pl.String()), ("t", pl.Int64())]
        + [(column, pl.Float64()) for _, column in endpoint.fields]
    )


def parse_snapshot(endpoint: Endpoint, body: bytes, asked: Iterable[str]) -> Parsed:
    """Decode a current-value body into `symbol`, `update` (UNIX ms) and `value`.

    Args:
        endpoint: The endpoint that answered.
        body: The response body.
        asked: The symbols the request asked for; readings of other symbols are dropped.

    Raises:
        ResponseFormatError: The body is not a list of readings, or no reading has a valid
            `update`.
    """
    decoded = _decode(_SNAPSHOTS, body, endpoint.path)
    rows, warnings = _asked_only(endpoint.path, decoded, set(asked))
    times = [(row.symbol, row.update) for row in rows]
    bad = _bad_times(endpoint.path, "update", "ms", times, body)
    if bad:
        warnings.append(_dropped(endpoint.path, "update", "ms", [times[i] for i in sorted(bad)]))
        rows = [row for i, row in enumerate(rows) if i not in bad]
    frame = pl.DataFrame(
        {
            "symbol": [row.symbol for row in rows],
            "update": [row.update for row in rows],
            "value": [row.value for row in rows],
        },
        schema={"symbol": pl.String, "update": pl.Int64, "value": pl.Float64},
    )
    return Parsed(frame, tuple(warnings))


class _Symbolic(Protocol):
    @property
    def symbol(self) -> str: ...


E = TypeVar("E", bound=_Symbolic)


def _asked_only(path: str, entries: list[E], wanted: set[str]) -> tuple[list[E], list[str]]:
    """The entries for symbols the request asked for, and a warning naming the others."""
    kept = [entry for entry in entries if entry.symbol in wanted]
    if len(kept) == len(entries):
        return kept, []
    others = list(dict.fromkeys(entry.symbol for entry in entries if entry.symbol not in wanted))
    return kept, [
        f"dropped the answer for {', '.join(others)} from {path}: the request did not ask for "
        f"{'it' if len(others) == 1 else 'them'} (Coinalyze sent symbols outside the request)"
    ]


Unit = Literal["s", "ms"]

# Plausible epoch times, the range core.time accepts: 1973-03-03 to the year 3000. A time in
# the other unit lands outside it by a factor of 1000, so a unit mistake can be named.
_RANGES: Final[dict[Unit, tuple[int, int]]] = {
    "s": (100_000_000, 32_503_680_000),
    "ms": (100_000_000_000, 32_503_680_000_000),
}
_UNIT_NAMES: Final[dict[Unit, str]] = {"s": "seconds", "ms": "milliseconds"}


def _bad_times(
    path: str, field: str, unit: Unit, times: Sequence[tuple[str, float | None]], body: bytes
) -> set[int]:
    """Indices of rows whose time is not a plausible, whole UNIX time in `unit`.

    Raises:
        ResponseFormatError: If there are rows and none has a good time.
    """
    lo, hi = _RANGES[unit]
    bad = {
        i
        for i, (_, value) in enumerate(times)
        if value is None or not lo <= value <= hi or not _whole(value)
    }
    if bad and len(bad) == len(times):
        raise ResponseFormatError(
            f"field {field} {_problem(unit, [value for _, value in times])} in every row "
            f"(e.g. {_example(field, times[0])}); Coinalyze documents {field} in UNIX "
            f"{_UNIT_NAMES[unit]}",
            provider=PROVIDER,
            endpoint=path,
            body=excerpt(body),
        )
    return bad


def _whole(value: float) -> bool:
    return isinstance(value, int) or value.is_integer()


def _dropped(path: str, field: str, unit: Unit, rows: list[tuple[str, float | None]]) -> str:
    symbols = list(dict.fromkeys(symbol for symbol, _ in rows))
    return (
        f"dropped {len(rows)} row(s) of {', '.join(symbols)} from {path}: field {field} "
        f"{_problem(unit, [value for _, value in rows])} (e.g. {_example(field, rows[0])}); "
        f"Coinalyze documents {field} in UNIX {_UNIT_NAMES[unit]}"
    )


def _problem(unit: Unit, values: Sequence[float | None]) -> str:
    """What is wrong with these times, said once: null, fractional, other unit or out of range."""
    if all(value is None for value in values):
        return "is null or missing"
    if all(value is not None and not _whole(value) for value in values):
        return f"is not a whole number of {_UNIT_NAMES[unit]}"
    other: Unit = "ms" if unit == "s" else "s"
    lo, hi = _RANGES[other]
    if all(value is not None and lo <= value <= hi for value in values):
        return f"looks like {_UNIT_NAMES[other]}"
    return f"is not a UNIX time in {_UNIT_NAMES[unit]} between 1973 and 3000"


def _example(field: str, row: tuple[str, float | None]) -> str:
    symbol, value = row
    return f"{symbol} {field}={'null' if value is None else value}"


def parse_exchanges(body: bytes) -> pl.DataFrame:
    """Decode `/exchanges` into `code` and `display_name`."""
    rows = _decode(_EXCHANGES, body, "/exchanges")
    return pl.DataFrame(
        {"code": [row.code for row in rows], "display_name": [row.name for row in rows]},
        schema={"code": pl.String, "display_name": pl.String},
    )


_UNITS: Final = {"BASE_ASSET": "base", "QUOTE_ASSET": "quote", "CONTRACTS": "contracts"}


def _unit(denominated_in: str | None) -> str:
    # Spot markets carry no unit field; their volume is in the base asset.
    if denominated_in is None:
        return "base"
    return _UNITS.get(denominated_in, denominated_in.lower())


_MARKET_SCHEMA: Final = {
    "symbol": pl.String,
    "exchange_code": pl.String,
    "symbol_on_exchange": pl.String,
    "base": pl.String,
    "quote": pl.String,
    "market_type": pl.String,
    "is_perpetual": pl.Boolean,
    "margined": pl.String,
    "expire_at": pl.Int64,
    "unit": pl.String,
    "has_long_short_ratio_data": pl.Boolean,
    "has_ohlcv_data": pl.Boolean,
    "has_buy_sell_data": pl.Boolean,
}


def parse_future_markets(body: bytes) -> pl.DataFrame:
    """Decode `/future-markets`; `expire_at` of 0 or null becomes null (perpetuals).

    Raises:
        ResponseFormatError: The body is not a list of markets, or an `expire_at` is not a
            UNIX time in milliseconds (the market list is what every symbol is checked
            against, so it is not patched up).
    """
    rows = _decode(_FUTURES, body, "/future-markets")
    lo, hi = _RANGES["ms"]
    for m in rows:
        if m.expire_at and not lo <= m.expire_at <= hi:
            raise ResponseFormatError(
                f"field expire_at {_problem('ms', [m.expire_at])} "
                f"(e.g. {_example('expire_at', (m.symbol, m.expire_at))}); Coinalyze documents "
                "expire_at in UNIX milliseconds, 0 or null for none",
                provider=PROVIDER,
                endpoint="/future-markets",
                body=excerpt(body),
            )
    return pl.DataFrame(
        [
            (
                m.symbol,
                m.exchange,
                m.symbol_on_exchange,
                m.base_asset,
                m.quote_asset,
                "future",
                m.is_perpetual,
                m.margined,
                m.expire_at or None,
                _unit(m.oi_lq_vol_denominated_in),
                m.has_long_short_ratio_data,
                m.has_ohlcv_data,
                m.has_buy_sell_data,
            )
            for m in rows
        ],
        schema=_MARKET_SCHEMA,
        orient="row",
    )


def parse_spot_markets(body: bytes) -> pl.DataFrame:
    """Decode `/spot-markets`; spot markets have OHLCV and no long/short ratio."""
    rows = _decode(_SPOTS, body, "/spot-markets")
    return pl.DataFrame(
        [
            (
                m.symbol,
                m.exchange,
                m.symbol_on_exchange,
                m.base_asset,
                m.quote_asset,
                "spot",
                False,
                None,
                None,
                _unit(None),
                False,
                True,
                m.has_buy_sell_data,
            )
            for m in rows
        ],
        schema=_MARKET_SCHEMA,
        orient="row",
    )
