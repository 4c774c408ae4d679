"""`Table`: a kind of data and its typed polars frame, plus what went wrong on the way."""

from __future__ import annotations

import gc
import html
import importlib
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise, starmap
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, overload

import attrs
import polars as pl
from typing_extensions import TypeVar

from .errors import MissingDependencyError, ValidationError
from .records import (
    AccountSummary,
    AggregateLiquidationBar,
    AggregateOpenInterestBar,
    AssetContext,
    BookLevel,
    Exchange,
    FundingRateBar,
    FundingRateSnapshot,
    FundingSettlement,
    LeaderboardEntry,
    LiquidationBar,
    LiquidationEvent,
    LongShortRatioBar,
    Market,
    Metric,
    OhlcvBar,
    OpenInterestBar,
    OpenInterestSnapshot,
    Position,
    PredictedFundingRateBar,
    PredictedFundingRateSnapshot,
    Record,
    Trade,
)
from .schema import Kind, primary_key, record_type, schema

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["R", "Table", "latest_per_key"]

R = TypeVar("R", bound=Record, covariant=True, default=Any)
"""The record class of a table's rows (`OhlcvBar` for `Table[OhlcvBar]`); `Any` when unsaid."""

_T = TypeVar("_T", bound=Record)


def _kind(value: Kind | str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise ValidationError(
            f"unknown kind {value!r}; use one of {', '.join(kind.value for kind in Kind)}"
        ) from None


def _conforming(table: Table[Any], attribute: attrs.Attribute[pl.DataFrame], frame: object) -> None:
    """Refuse a frame that is not exactly the kind's schema (`from_frame` conforms one)."""
    if isinstance(frame, pl.DataFrame) and _fits(frame, schema(table.kind)):
        return
    raise ValidationError(
        f"a Table of kind {table.kind.value!r} needs a polars DataFrame with exactly its schema "
        f"({', '.join(schema(table.kind).names())}); got {_describe(frame)}: build it with "
        f"Table.from_frame(Kind.{table.kind.name}, frame), which selects and casts the columns"
    )


def _fits(frame: pl.DataFrame, target: pl.Schema) -> bool:
    """Whether `frame` has exactly `target`'s columns, in order, and dtypes.

    The same as `frame.schema == target`, which builds a schema and costs ~4x as much.
    """
    return frame.columns == target.names() and frame.dtypes == target.dtypes()


def _describe(frame: object) -> str:
    if not isinstance(frame, pl.DataFrame):
        return f"a {type(frame).__module__}.{type(frame).__qualname__}"
    return f"columns {', '.join(f'{name}: {dtype}' for name, dtype in frame.schema.items())}"


@attrs.frozen(repr=False, eq=False)
class Table(Generic[R]):
    """Rows of one `Kind`, held as a polars frame with the kind's schema.

    A `Table[OhlcvBar]` holds `ohlcv` rows: iterating it or calling `to_records()` gives
    `OhlcvBar` records, and a type checker knows it (`bar.close` checks, `bar.clsoe` does not).
    Client methods say which record their table holds; `Table.from_frame(Kind.OHLCV, frame)`
    and `Table.empty(Kind.OHLCV)` infer it from the kind; a bare `Table` is `Table[Any]`.

    Empty results are empty tables with the full schema, never `None`. Tables are built by
    clients; build one yourself with `Table.from_frame`.

    Attributes:
        kind: What the rows are.
        warnings: Things the caller should know about the result (symbols that answered
            nothing, history the provider no longer keeps, ...).

    Raises:
        ValidationError: Built directly from a frame whose columns or dtypes are not exactly
            the kind's schema (use `Table.from_frame`, which conforms the frame).

    Examples:
        >>> t = Table.empty(Kind.FUNDING_RATE)
        >>> len(t), t.to_polars().columns[:6]
        (0, ['provider', 'exchange', 'symbol', 'base', 'interval', 'ts'])
    """

    kind: Kind = attrs.field(converter=_kind)
    _frame: pl.DataFrame = attrs.field(alias="frame", validator=_conforming)
    warnings: list[str] = attrs.field(factory=list)

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.OHLCV], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[OhlcvBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.OPEN_INTEREST], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[OpenInterestBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.FUNDING_RATE], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[FundingRateBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.PREDICTED_FUNDING_RATE],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[PredictedFundingRateBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.LIQUIDATIONS], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[LiquidationBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.LONG_SHORT_RATIO],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[LongShortRatioBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.OPEN_INTEREST_SNAPSHOT],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[OpenInterestSnapshot]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.FUNDING_RATE_SNAPSHOT],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[FundingRateSnapshot]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.PREDICTED_FUNDING_RATE_SNAPSHOT],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[PredictedFundingRateSnapshot]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.MARKETS], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[Market]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.EXCHANGES], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[Exchange]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.OPEN_INTEREST_AGGREGATE],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[AggregateOpenInterestBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.LIQUIDATIONS_AGGREGATE],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[AggregateLiquidationBar]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.METRIC], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[Metric]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.FUNDING_SETTLEMENT],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[FundingSettlement]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.ASSET_CONTEXT], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[AssetContext]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.LEADERBOARD], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[LeaderboardEntry]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.POSITIONS], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[Position]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.ACCOUNT_SUMMARY], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[AccountSummary]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.TRADES], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[Trade]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Literal[Kind.ORDER_BOOK], frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[BookLevel]: ...

    @overload
    @classmethod
    def from_frame(
        cls,
        kind: Literal[Kind.LIQUIDATION_EVENTS],
        frame: pl.DataFrame,
        warnings: Iterable[str] = ...,
    ) -> Table[LiquidationEvent]: ...

    @overload
    @classmethod
    def from_frame(
        cls, kind: Kind, frame: pl.DataFrame, warnings: Iterable[str] = ...
    ) -> Table[Any]: ...

    @classmethod
    def from_frame(
        cls, kind: Kind, frame: pl.DataFrame, warnings: Iterable[str] = ()
    ) -> Table[Any]:
        """Build a table, selecting and casting the frame's columns to the kind's schema.

        Columns the kind does not have are dropped; its columns are put in schema order and
        cast to its dtypes (integers to `Float64`, naive `ts` to UTC milliseconds, ...).

        Raises:
            ValidationError: If `kind` is unknown, `frame` is not a polars DataFrame, a column
                of the kind is missing, or a column cannot be cast to the kind's dtype; the
                message names the columns.

        Examples:
            >>> frame = pl.DataFrame({"provider": ["coinalyze"], "exchange": ["binance"],
            ...     "symbol": ["BTCUSDT_PERP.A"], "base": ["BTC"], "ts": [1_748_736_000_000],
            ...     "value": [-0.0001], "period_hours": [None]})
            >>> Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame.with_columns(
            ...     pl.from_epoch("ts", time_unit="ms"))).to_records()[0].value
            -0.0001
        """
        known = _kind(kind)
        target = schema(known)
        if not isinstance(frame, pl.DataFrame):
            raise ValidationError(
                f"Table.from_frame needs a polars DataFrame, got {_describe(frame)} "
                "(convert it with polars.from_pandas, polars.from_arrow or polars.DataFrame)"
            )
        if _fits(frame, target):
            # Already the kind's schema (providers build it so): a select of casts would be
            # an identity costing ~0.2 ms, more than a polling bot's whole answer takes.
            return cls(known, frame, list(warnings))
        if missing := [name for name in target if name not in frame.columns]:
            raise ValidationError(
                f"the frame lacks column(s) {', '.join(missing)} of kind {known.value!r}, "
                f"whose columns are {', '.join(target.names())}"
            )
        try:
            conformed = frame.select(pl.col(name).cast(dtype) for name, dtype in target.items())
        except pl.exceptions.PolarsError:
            raise ValidationError(
                f"the frame does not fit kind {known.value!r}: {_uncastable(frame, target)}"
            ) from None
        return cls(known, conformed, list(warnings))

    @overload
    @classmethod
    def empty(cls, kind: Literal[Kind.OHLCV], warnings: Iterable[str] = ...) -> Table[OhlcvBar]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.OPEN_INTEREST], warnings: Iterable[str] = ...
    ) -> Table[OpenInterestBar]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.FUNDING_RATE], warnings: Iterable[str] = ...
    ) -> Table[FundingRateBar]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.PREDICTED_FUNDING_RATE], warnings: Iterable[str] = ...
    ) -> Table[PredictedFundingRateBar]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.LIQUIDATIONS], warnings: Iterable[str] = ...
    ) -> Table[LiquidationBar]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.LONG_SHORT_RATIO], warnings: Iterable[str] = ...
    ) -> Table[LongShortRatioBar]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.OPEN_INTEREST_SNAPSHOT], warnings: Iterable[str] = ...
    ) -> Table[OpenInterestSnapshot]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.FUNDING_RATE_SNAPSHOT], warnings: Iterable[str] = ...
    ) -> Table[FundingRateSnapshot]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.PREDICTED_FUNDING_RATE_SNAPSHOT], warnings: Iterable[str] = ...
    ) -> Table[PredictedFundingRateSnapshot]: ...

    @overload
    @classmethod
    def empty(cls, kind: Literal[Kind.MARKETS], warnings: Iterable[str] = ...) -> Table[Market]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.EXCHANGES], warnings: Iterable[str] = ...
    ) -> Table[Exchange]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.OPEN_INTEREST_AGGREGATE], warnings: Iterable[str] = ...
    ) -> Table[AggregateOpenInterestBar]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.LIQUIDATIONS_AGGREGATE], warnings: Iterable[str] = ...
    ) -> Table[AggregateLiquidationBar]: ...

    @overload
    @classmethod
    def empty(cls, kind: Literal[Kind.METRIC], warnings: Iterable[str] = ...) -> Table[Metric]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.FUNDING_SETTLEMENT], warnings: Iterable[str] = ...
    ) -> Table[FundingSettlement]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.ASSET_CONTEXT], warnings: Iterable[str] = ...
    ) -> Table[AssetContext]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.LEADERBOARD], warnings: Iterable[str] = ...
    ) -> Table[LeaderboardEntry]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.POSITIONS], warnings: Iterable[str] = ...
    ) -> Table[Position]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.ACCOUNT_SUMMARY], warnings: Iterable[str] = ...
    ) -> Table[AccountSummary]: ...

    @overload
    @classmethod
    def empty(cls, kind: Literal[Kind.TRADES], warnings: Iterable[str] = ...) -> Table[Trade]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.ORDER_BOOK], warnings: Iterable[str] = ...
    ) -> Table[BookLevel]: ...

    @overload
    @classmethod
    def empty(
        cls, kind: Literal[Kind.LIQUIDATION_EVENTS], warnings: Iterable[str] = ...
    ) -> Table[LiquidationEvent]: ...

    @overload
    @classmethod
    def empty(cls, kind: Kind, warnings: Iterable[str] = ...) -> Table[Any]: ...
    @classmethod
    def empty(cls, kind: Kind, warnings: Iterable[str] = ()) -> Table[Any]:
        """A table with no rows and the full schema of `kind`."""
        known = _kind(kind)
        return cls(known, pl.DataFrame(schema=schema(known)), list(warnings))

    @classmethod
    def concat(
        cls, kind: Kind, tables: Iterable[Table[_T]], warnings: Iterable[str] = ()
    ) -> Table[_T]:
        """Stack tables of one kind, de-duplicated on the primary key (last one wins) and sorted.

        Raises:
            ValidationError: If a table holds another kind.
        """
        known = _kind(kind)
        parts = list(tables)
        if others := sorted({part.kind.value for part in parts if part.kind is not known}):
            raise ValidationError(
                f"cannot concat tables of kind {', '.join(others)} into kind {known.value!r}"
            )
        frames = [part.to_polars() for part in parts]
        notes = [note for part in parts for note in part.warnings]
        frame = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema(known))
        return Table(known, latest_per_key(frame, primary_key(known)), [*notes, *warnings])

    def to_polars(self) -> pl.DataFrame:
        """The rows as a polars DataFrame (UTC `ts`, the kind's exact dtypes)."""
        return self._frame

    def to_arrow(self) -> pa.Table:
        """The rows as a pyarrow Table (the `arrow` extra: `pip install 'cryptodata[arrow]'`).

        Raises:
            MissingDependencyError: If pyarrow is not installed.
        """
        _require("Table.to_arrow", "pyarrow", "arrow")
        return self._frame.to_arrow()

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (the `pandas` extra), `ts` as UTC timestamps.

        Raises:
            MissingDependencyError: If pandas or pyarrow is not installed.
        """
        _require("Table.to_pandas", "pandas", "pandas")
        _require("Table.to_pandas", "pyarrow", "pandas")
        return self._frame.to_pandas()

    def to_records(self) -> list[R]:
        """The rows as frozen attrs records of the kind's record class."""
        cls = record_type(self.kind)
        # One `to_list` per column (each a single native conversion, `ts` included) zipped into
        # argument tuples is faster than `iter_rows`, which converts row by row. The records
        # are GC-tracked and none can form a cycle, so the collector is paused while they are
        # built: otherwise it rescans the growing list about every 700 records (≈ 30 % of the
        # time).
        columns = [series.to_list() for series in self._frame.get_columns()]
        enabled = gc.isenabled()
        gc.disable()
        try:
            return list(starmap(cls, zip(*columns, strict=True)))
        finally:
            if enabled:
                gc.enable()

    def with_warnings(self, warnings: Iterable[str]) -> Self:
        """A copy of this table with more warnings appended."""
        return attrs.evolve(self, warnings=[*self.warnings, *warnings])

    def __iter__(self) -> Iterator[R]:
        cls = record_type(self.kind)
        for row in self._frame.iter_rows():
            yield cls(*row)

    def __len__(self) -> int:
        return self._frame.height

    def __bool__(self) -> bool:
        return self._frame.height > 0

    def __repr__(self) -> str:
        return f"Table(kind={self.kind.value!r}, rows={len(self)}, warnings={len(self.warnings)})"

    def _repr_html_(self) -> str:
        """Jupyter's preview: the kind, rows, intervals and warnings above the first rows."""
        facts = [f"<b>{html.escape(self.kind.value)}</b>", f"{len(self):,} rows"]
        if "interval" in self._frame.columns and len(self):
            intervals = self._frame.get_column("interval").unique(maintain_order=True)
            facts.append("interval " + ", ".join(html.escape(str(i)) for i in intervals))
        notes = "".join(f"<li>{html.escape(note)}</li>" for note in self.warnings)
        warnings = f"<ul>{notes}</ul>" if notes else ""
        return f"<div><p>{' · '.join(facts)}</p>{warnings}{self._frame.head(_PREVIEW_ROWS)._repr_html_()}</div>"


_PREVIEW_ROWS = 10


def _require(what: str, module: str, extra: str) -> None:
    """Import `module` or raise the error naming the extra that installs it."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(what, package=module, extra=extra) from None


def _uncastable(frame: pl.DataFrame, target: pl.Schema) -> str:
    """Name each column that does not cast to its dtype (called only once a cast failed)."""
    bad = []
    for name, dtype in target.items():
        try:
            frame.select(pl.col(name).cast(dtype))
        except pl.exceptions.PolarsError:
            bad.append(
                f"column {name!r} holds {frame.schema[name]}, which does not cast to {dtype}"
            )
    return "; ".join(bad) or "its columns do not cast to the kind's dtypes"


_Frame = TypeVar("_Frame", pl.DataFrame, pl.LazyFrame)


def latest_per_key(frame: _Frame, key: Sequence[str]) -> _Frame:
    """One row per `key` (the last one given), sorted by `key`: the library's one de-duplication.

    A stable sort keeps repeated keys in input order, so the last of them is the row whose
    successor has another key. That is several times faster than
    `unique(subset=key, keep="last", maintain_order=True).sort(key)`, which hashes every row,
    and gives the same frame (nulls in a key compare equal, as `unique` has them).

    Examples:
        >>> frame = pl.DataFrame({"ts": [2, 1, 2], "v": ["a", "b", "c"]})
        >>> latest_per_key(frame, ["ts"]).rows()
        [(1, 'b'), (2, 'c')]
    """
    columns = list(key)
    if isinstance(frame, pl.DataFrame):
        if frame.height > _PYTHON_CHECK_ROWS:
            # A key column holding one value everywhere (the provider, the interval) neither
            # orders nor separates rows: dropping it spares a string comparison per row, in the
            # check and in the sort.
            columns = [name for name in columns if not _constant(frame.get_column(name))]
            if not columns:
                return frame.tail(1)
        if _strictly_increasing(frame, columns):
            return frame
    last_row = pl.int_range(pl.len()) == pl.len() - 1
    same_as_next = pl.all_horizontal(
        pl.col(name).eq_missing(pl.col(name).shift(-1)) for name in columns
    )
    return frame.sort(columns, maintain_order=True, nulls_last=False).filter(
        last_row | ~same_as_next
    )


_PYTHON_CHECK_ROWS = 64
"""Frames up to this height have their keys compared in Python (see `_strictly_increasing`)."""


def _constant(column: pl.Series) -> bool:
    """Whether every value is the same one (all null counts: nulls in a key compare equal)."""
    nulls = column.null_count()
    if nulls == column.len():
        return True
    return nulls == 0 and bool((column == column[0]).all())


def _strictly_increasing(frame: pl.DataFrame, columns: list[str]) -> bool:
    """Whether every row's key is greater than the previous row's: already sorted and unique.

    One comparison per key column is linear, where the sort is not; most frames (one
    provider's answers in key order, a sink's own rows) pass and skip the sort. A null key
    compares as unknown, which fails the check, so frames with null keys are sorted.

    A small frame (a polling bot's few bars) is checked in Python: building and running the
    expression costs ~0.3 ms whatever the height, comparing a few dozen key tuples ~0.05 ms.
    """
    if frame.height <= _PYTHON_CHECK_ROWS:
        # Column by column: `select(columns).rows()` costs ~10x as much on a few rows.
        keys = list(zip(*(frame.get_column(name).to_list() for name in columns), strict=True))
        if any(None in key for key in keys):
            return False
        return all(a < b for a, b in pairwise(keys))
    later: pl.Expr | None = None
    for name in reversed(columns):
        this, previous = pl.col(name), pl.col(name).shift(1)
        later = (
            this > previous if later is None else (this > previous) | ((this == previous) & later)
        )
    if later is None or frame.height < 2:
        return True
    return bool(frame.select(later.slice(1).fill_null(False).all()).item())
