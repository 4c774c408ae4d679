"""The source protocol: what pipelines and the facade know of a provider, and nothing more.

A *source* is a provider client seen from the outside: its name, its rate limiter and clock, a
static `Coverage` (kinds, intervals, units, history depth,
venues) that routing and planning read without I/O, a planner that splits a history query
into one-request `Step`s with their cost in the source's own
limiter units, `fetch(step)` returning exactly that step's rows, `series(...)` naming the
series a query writes (so a pipeline can ask a sink where each one stopped), and `markets()`.

Provider options (Coinalyze's `convert_to_usd`, a key tier) are arguments of the client, never
of the protocol: two clients of one provider with different options are two sources.

`Source` is the blocking variant and
`AsyncSource` the asyncio one; they differ only in the
methods that do I/O.

Examples:
    >>> from datetime import timedelta
    >>> cov = KindCoverage(Kind.OPEN_INTEREST, intervals=(Interval.H1, Interval.D1),
    ...                    units=("base", "usd"), retention=((Interval.H1, 1_500),))
    >>> cov.retained_bars(Interval.H1), cov.retained_bars(Interval.D1)
    (1500, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

import attrs

from .clock import Clock
from .errors import UnsupportedError
from .intervals import Interval, IntervalInput
from .limiters import RateLimiter
from .records import Market
from .schema import Kind
from .table import Table
from .time import TimeInput

__all__ = [
    "AsyncSource",
    "Coverage",
    "KindCoverage",
    "SeriesIds",
    "Source",
    "Step",
]

_PRICE_UNITS: Final = ("base", "contracts")

SeriesIds = dict[str, dict[str, str]]
"""Per symbol asked, the series-key columns (all but `ts`) its rows will carry."""


@attrs.frozen
class Step:
    """One request's worth of a history query, planned before anything is sent.

    Attributes:
        kind: What the rows are.
        interval: Bar interval.
        symbols: The provider's ids fetched together by this one request.
        start: Start of the window (inclusive).
        end: End of the window (exclusive).
        cost: Units of the source's own limiter the request takes (Coinalyze: one per symbol;
            weight-based providers: whatever the window costs).
    """

    kind: Kind
    interval: Interval
    symbols: tuple[str, ...]
    start: datetime
    end: datetime
    cost: int = 1


@attrs.frozen
class KindCoverage:
    """What a source offers for one kind.

    Attributes:
        kind: The kind.
        intervals: Bar intervals offered (empty for snapshots and point events).
        units: Units its quantities can come in (`base`, `quote`, `contracts`, `usd`, ...).
        retention: `(interval, bars)` for intervals whose old bars the provider purges: only
            the newest `bars` bars exist. Intervals not listed keep their whole history.
        earliest: The oldest data the provider has at all, where it is known.
        metrics: For `metric`, the canonical metric names it answers (see
            `cryptodata.core.metric_names`): what the facade routes a metric by.
    """

    kind: Kind
    intervals: tuple[Interval, ...] = ()
    units: tuple[str, ...] = ()
    retention: tuple[tuple[Interval, int], ...] = ()
    earliest: datetime | None = None
    metrics: tuple[str, ...] = ()

    def retained_bars(self, interval: Interval) -> int | None:
        """How many bars of `interval` the provider keeps, or `None` for its whole history."""
        return dict(self.retention).get(interval)

    def oldest(self, interval: Interval, now: datetime) -> datetime | None:
        """The oldest bar start that still exists at `now`, or `None` when unknown (unbounded)."""
        bars = self.retained_bars(interval)
        kept = None if bars is None else interval.floor(interval.add(now, -bars))
        if kept is None or self.earliest is None:
            return kept or self.earliest
        return max(kept, self.earliest)


@attrs.frozen
class Coverage:
    """Everything a source offers, known without I/O: what routers and planners rely on.

    Attributes:
        provider: The source's name.
        kinds: What it offers per kind.
        venues: Canonical names of the venues it covers (empty when it is not venue-based).
        interval_aliases: The provider's own interval spellings (`("1hour", Interval.H1)`),
            which every `interval=` argument of its clients accepts beside the canonical names.
        missing: Why kinds a user may expect are absent, and where to get them
            (`(Kind.LIQUIDATIONS, "no public feed; Coinalyze has them")`): added to the
            `UnsupportedError` that `check` raises for them.
        price_unit: What one of its prices buys: a unit of the market's `base` (`"base"`,
            as ccxt quotes every market), or one contract (`"contracts"`:
            Hyperliquid prices a `kPEPE`, a contract of 1,000 PEPE). Turning a quantity into
            dollars with a price needs it.

    Examples:
        >>> cov = Coverage("demo", (KindCoverage(Kind.FUNDING_RATE, intervals=(Interval.H1,)),))
        >>> cov.supports(Kind.FUNDING_RATE, Interval.H1), cov.supports("ohlcv")
        (True, False)
    """

    provider: str
    kinds: tuple[KindCoverage, ...]
    venues: tuple[str, ...] = ()
    interval_aliases: tuple[tuple[str, Interval], ...] = ()
    missing: tuple[tuple[Kind, str], ...] = ()
    price_unit: str = attrs.field(default="base", validator=attrs.validators.in_(_PRICE_UNITS))

    def interval(self, value: IntervalInput) -> Interval:
        """`value` read as a canonical interval name or one of the provider's spellings.

        Raises:
            ValidationError: For a spelling neither canonical nor the provider's own.

        Examples:
            >>> Coverage("demo", (), interval_aliases=(("hourly", Interval.H1),)).interval("hourly")
            <Interval.H1: '1h'>
        """
        return Interval.parse(value, aliases=dict(self.interval_aliases))

    def supports(self, kind: Kind | str, interval: IntervalInput | None = None) -> bool:
        """Whether the source offers `kind` (at `interval`, when given)."""
        try:
            self.check(kind, interval)
        except UnsupportedError:
            return False
        return True

    def check(self, kind: Kind | str, interval: IntervalInput | None = None) -> KindCoverage:
        """The coverage of `kind`, checked to offer `interval`.

        Raises:
            UnsupportedError: If the source lacks the kind or the interval; the message names
                what it offers instead, so a router can ask another source.
        """
        wanted = Kind(kind)
        found = next((entry for entry in self.kinds if entry.kind is wanted), None)
        if found is None:
            offered = ", ".join(entry.kind.value for entry in self.kinds) or "nothing"
            why = dict(self.missing).get(wanted)
            raise UnsupportedError(
                f"{self.provider} does not offer {wanted.value}"
                f"{f': {why}' if why else ''} (it offers {offered})",
                provider=self.provider,
                what=wanted.value,
            )
        if interval is None:
            return found
        step = self.interval(interval)
        if step not in found.intervals:
            offered = ", ".join(member.value for member in found.intervals) or "no intervals"
            raise UnsupportedError(
                f"{self.provider} does not offer {wanted.value} at {step.value} (it offers {offered})",
                provider=self.provider,
                what=f"{wanted.value} {step.value}",
            )
        return found


class _Planner(Protocol):
    """The no-I/O half every source shares, sync or async."""

    @property
    def provider(self) -> str:
        """The source's name, as stored in the `provider` column."""
        ...

    @property
    def limiter(self) -> RateLimiter:
        """The limiter every request is charged to; step costs are in its units."""
        ...

    @property
    def clock(self) -> Clock:
        """The source's time source; pipelines read "now" from it, never from the wall."""
        ...

    def coverage(self) -> Coverage:
        """What the source offers, without I/O."""
        ...

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Sequence[str],
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        """The one-request steps of a history query, without I/O.

        Each symbol batch's steps come in chronological order and cover `[start, end)`
        exactly, with neither gaps nor overlaps.

        Raises:
            ValidationError: Bad arguments (`UnsupportedError` for what the source lacks).
        """
        ...


@runtime_checkable
class Source(_Planner, Protocol):
    """A blocking source (`Coinalyze` is one)."""

    def series(
        self, kind: Kind | str, symbols: Sequence[str], *, interval: IntervalInput
    ) -> SeriesIds:
        """The series-key columns of the rows each symbol's history will carry.

        Raises:
            ValidationError: For unknown symbols (the market list may be read, cached).
        """
        ...

    def fetch(self, step: Step) -> Table:
        """Exactly the rows of one planned step: one data request (plus cached market lists)."""
        ...

    def markets(self) -> Table[Market]:
        """Every instrument the source serves, as a table of kind `markets`."""
        ...


@runtime_checkable
class AsyncSource(_Planner, Protocol):
    """An asyncio source (`AsyncCoinalyze` is one): `Source` with awaitable I/O."""

    async def series(
        self, kind: Kind | str, symbols: Sequence[str], *, interval: IntervalInput
    ) -> SeriesIds:
        """See `Source.series`."""
        ...

    async def fetch(self, step: Step) -> Table:
        """See `Source.fetch`."""
        ...

    async def markets(self) -> Table[Market]:
        """See `Source.markets`."""
        ...
