"""Derived metrics, defined once: what `cryptodata.marketdata.metrics` computes on frames and
the `PostgresSink` metric views compute in SQL.

A `Metric` names the function that computes it, the kinds it applies to, the column it adds
and its formula: a small tree of operations.

| operation | value |
| --- | --- |
| `Column("close")` | the row's column |
| `Constant(8760.0)` | a number |
| `Before(formula)` | the same series' value of `formula`, `periods` bars earlier (1 in the views) |
| `a - b`, `a / b`, ... (`Arithmetic`) | `+ - * /` of two formulas, or of a formula and a number |
| `NullUnless(value, operand, Guard.NONZERO)` | `value` where `operand` is non-zero (or positive), else null |
| `ByKind(...)` | the column that plays one part in each kind: `close` of funding bars, `rate` of settlements |

A series is the kind's `series_key` (provider, venue, symbol, interval, unit), so `Before`
never reaches into another venue's or provider's rows. `to_polars` compiles a formula into
a polars expression; the Postgres sink compiles the same tree into SQL, each operation in
the same order, so a view returns the very floats the frame holds.

Examples:
    >>> [metric.column for metric in metrics_of(Kind.OPEN_INTEREST)]
    ['change', 'range']
    >>> RANGE_FRACTION.formula.operand
    Column(name='open')
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from typing import Final, TypeAlias

import attrs
import polars as pl

from .errors import ValidationError
from .schema import Kind, series_key

__all__ = [
    "ANNUALISED_FUNDING",
    "CHANGE",
    "HOURS_PER_YEAR",
    "LONG_SHORT_SKEW",
    "METRICS",
    "METRIC_KINDS",
    "RANGE_FRACTION",
    "Arithmetic",
    "Before",
    "ByKind",
    "Column",
    "Constant",
    "Formula",
    "Guard",
    "Metric",
    "NullUnless",
    "Operator",
    "metrics_of",
    "to_polars",
]

HOURS_PER_YEAR: Final = 24.0 * 365
"""The year funding is annualised over: 365 days, as venues quote APRs."""


class Operator(enum.Enum):
    """An arithmetic operation of `Arithmetic`, named by its symbol (the same in SQL)."""

    ADD = "+"
    SUBTRACT = "-"
    MULTIPLY = "*"
    DIVIDE = "/"


class Guard(enum.Enum):
    """What `NullUnless` asks of its operand for the value to count."""

    NONZERO = "nonzero"
    """The operand is not 0 (a divisor)."""
    POSITIVE = "positive"
    """The operand is above 0 (a period, a duration)."""


class _Operations:
    """`+ - * /` on formulas build `Arithmetic` trees; a number operand becomes a `Constant`."""

    __slots__ = ()

    def __add__(self, other: Formula | float) -> Arithmetic:
        return Arithmetic(Operator.ADD, _formula(self), _formula(other))

    def __sub__(self, other: Formula | float) -> Arithmetic:
        return Arithmetic(Operator.SUBTRACT, _formula(self), _formula(other))

    def __mul__(self, other: Formula | float) -> Arithmetic:
        return Arithmetic(Operator.MULTIPLY, _formula(self), _formula(other))

    def __truediv__(self, other: Formula | float) -> Arithmetic:
        return Arithmetic(Operator.DIVIDE, _formula(self), _formula(other))


@attrs.frozen
class Column(_Operations):
    """The row's value of a column of the table."""

    name: str


@attrs.frozen
class Constant(_Operations):
    """A number."""

    value: float = attrs.field(converter=float)


@attrs.frozen
class Before(_Operations):
    """The value of `of` on the same series' bar `periods` bars earlier, in time order.

    `periods` is given when the formula is compiled: 1 in the views, what `change` is asked.
    Null on a series' first `periods` bars.
    """

    of: Formula


@attrs.frozen
class Arithmetic(_Operations):
    """`left <operator> right`, in IEEE double arithmetic."""

    operator: Operator
    left: Formula
    right: Formula


@attrs.frozen
class NullUnless(_Operations):
    """`value` where `operand` passes `guard`; null where it does not, or is null.

    Guards every division: PostgreSQL raises on a zero divisor where polars gives infinity.
    """

    value: Formula
    operand: Formula
    guard: Guard


@attrs.frozen
class ByKind(_Operations):
    """The column that plays one part in each kind: `(kind, column)` pairs."""

    columns: tuple[tuple[Kind, str], ...]

    def column(self, kind: Kind) -> Column:
        """The column this kind uses.

        Raises:
            ValidationError: For a kind without one.
        """
        for candidate, name in self.columns:
            if candidate is kind:
                return Column(name)
        raise ValidationError(f"no column is given for {kind.value} in {self!r}")


Formula: TypeAlias = Column | Constant | Before | Arithmetic | NullUnless | ByKind
"""A derived metric's formula: a tree of the operations above."""


def _formula(value: object) -> Formula:
    if isinstance(value, Formula):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Constant(value)
    raise TypeError(f"a formula takes formulas and numbers, not {type(value).__name__}")


@attrs.frozen
class Metric:
    """One derived metric.

    Attributes:
        name: The function of `cryptodata.marketdata.metrics` computing it on a table.
        kinds: The kinds it applies to.
        column: The column it adds (a fraction: 0.05 = 5 %).
        formula: How a row's value is computed.
    """

    name: str
    kinds: tuple[Kind, ...]
    column: str
    formula: Formula


_BARS: Final = (Kind.OPEN_INTEREST, Kind.OHLCV)
_FUNDING: Final = (Kind.FUNDING_RATE, Kind.FUNDING_SETTLEMENT)
_CLOSE: Final = Column("close")
# A funding bar's close is the period's last rate; a settlement has the rate it settled at.
_RATE: Final = ByKind(((Kind.FUNDING_RATE, "close"), (Kind.FUNDING_SETTLEMENT, "rate")))
_PERIOD: Final = Column("period_hours")

CHANGE: Final = Metric(
    name="change",
    kinds=_BARS,
    column="change",
    formula=NullUnless(_CLOSE / Before(_CLOSE) - 1, Before(_CLOSE), Guard.NONZERO),
)
"""`close` over the same series' earlier close, minus 1."""

RANGE_FRACTION: Final = Metric(
    name="range_fraction",
    kinds=_BARS,
    column="range",
    formula=NullUnless(
        (Column("high") - Column("low")) / Column("open"), Column("open"), Guard.NONZERO
    ),
)
"""`(high - low) / open` of the bar."""

ANNUALISED_FUNDING: Final = Metric(
    name="annualised_funding",
    kinds=_FUNDING,
    column="annualised",
    # A row whose provider states no period stays null rather than being guessed.
    formula=NullUnless(_RATE * HOURS_PER_YEAR / _PERIOD, _PERIOD, Guard.POSITIVE),
)
"""The funding rate per year, each row scaled by its own period."""

LONG_SHORT_SKEW: Final = Metric(
    name="long_short_skew",
    kinds=(Kind.LONG_SHORT_RATIO,),
    column="skew",
    formula=Column("long_pct") - Column("short_pct"),
)
"""`long_pct - short_pct`: positive when more accounts are long."""

METRICS: Final = (CHANGE, RANGE_FRACTION, ANNUALISED_FUNDING, LONG_SHORT_SKEW)
"""Every derived metric, in the order their columns follow a table's."""

METRIC_KINDS: Final = tuple(dict.fromkeys(kind for metric in METRICS for kind in metric.kinds))
"""The kinds at least one metric applies to, in `METRICS` order."""

_POLARS_OPERATORS: Final[dict[Operator, Callable[[pl.Expr, pl.Expr], pl.Expr]]] = {
    Operator.ADD: operator.add,
    Operator.SUBTRACT: operator.sub,
    Operator.MULTIPLY: operator.mul,
    Operator.DIVIDE: operator.truediv,
}


def metrics_of(kind: Kind) -> tuple[Metric, ...]:
    """The metrics that apply to a kind, in `METRICS` order (none for most kinds).

    Examples:
        >>> [metric.name for metric in metrics_of(Kind.FUNDING_SETTLEMENT)]
        ['annualised_funding']
    """
    return tuple(metric for metric in METRICS if kind in metric.kinds)


def to_polars(formula: Formula, kind: Kind, *, periods: int = 1) -> pl.Expr:
    """A polars expression computing `formula` on a frame of `kind`.

    The frame must be sorted by `ts` within each series: `Before` shifts over the kind's
    series key.

    Args:
        formula: The formula.
        kind: The kind of the frame (picks `ByKind` columns and the series key).
        periods: How many bars back `Before` looks.

    Examples:
        >>> frame = pl.DataFrame({"long_pct": [0.6, None], "short_pct": [0.4, 0.5]})
        >>> skew = to_polars(LONG_SHORT_SKEW.formula, Kind.LONG_SHORT_RATIO)
        >>> frame.with_columns(skew=skew)["skew"].to_list()
        [0.19999999999999996, None]
    """
    match formula:
        case Column(name):
            return pl.col(name)
        case Constant(value):
            return pl.lit(value)
        case Before(of):
            return to_polars(of, kind, periods=periods).shift(periods).over(series_key(kind))
        case Arithmetic(op, left, right):
            return _POLARS_OPERATORS[op](
                to_polars(left, kind, periods=periods), to_polars(right, kind, periods=periods)
            )
        case NullUnless(value, operand, guard):
            tested = to_polars(operand, kind, periods=periods)
            passes = tested != 0 if guard is Guard.NONZERO else tested > 0
            return pl.when(passes).then(to_polars(value, kind, periods=periods))
        case ByKind():
            return pl.col(formula.column(kind).name)
