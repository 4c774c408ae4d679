"""Bar intervals: one canonical name each, and the calendar arithmetic of bars.

This module knows no provider. A provider keeps its own spellings (Coinalyze's `1hour`,
`daily`) in its package and passes them to `Interval.parse` as
`aliases`; it also says which intervals it offers.

Canonical names are case-sensitive: `1m` is a minute and `1M` a month (the only upper-case
name). Bars are aligned to UTC:

- fixed-length bars are counted from 1970-01-01 00:00 UTC, so hours start on the hour, `8h`
  bars at 00:00, 08:00 and 16:00, days at 00:00, and `3d` bars every third day from
  1970-01-01;
- weeks start on Monday 00:00 UTC;
- months start on the first of the month at 00:00 UTC and have no fixed length.

Examples:
    >>> Interval.parse("4h") is Interval.H4
    True
    >>> Interval.parse("1hour", aliases={"1hour": Interval.H1})
    <Interval.H1: '1h'>
    >>> from datetime import UTC, datetime
    >>> Interval.MO1.add(datetime(2024, 12, 1, tzinfo=UTC), 2)
    datetime.datetime(2025, 2, 1, 0, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

from .errors import ValidationError
from .time import to_utc

__all__ = ["Interval", "IntervalInput"]


class Interval(enum.Enum):
    """A bar length with a canonical name (`1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M`).

    Members are listed from the shortest to the longest.
    """

    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    H2 = "2h"
    H4 = "4h"
    H6 = "6h"
    H8 = "8h"
    H12 = "12h"
    D1 = "1d"
    D3 = "3d"
    W1 = "1w"
    MO1 = "1M"

    @property
    def fixed(self) -> bool:
        """Whether every bar has the same length (all but `1M`)."""
        return self in _SECONDS

    @property
    def seconds(self) -> int:
        """Length of one bar in seconds.

        Raises:
            ValidationError: For `1M`, whose bars last 28 to 31 days; use `add` instead.
        """
        return self._fixed_seconds()

    @property
    def timedelta(self) -> timedelta:
        """Length of one bar.

        Raises:
            ValidationError: For `1M`, whose bars last 28 to 31 days; use `add` instead.
        """
        return timedelta(seconds=self._fixed_seconds())

    def add(self, ts: datetime, n: int) -> datetime:
        """`ts` moved by `n` bars (`n` may be negative), as an aware UTC `datetime`.

        Fixed-length intervals add `n` times their length. `1M` moves by calendar months and
        keeps the day and time of day; a day the target month lacks becomes its last day
        (January 31 plus one month is February 28 or 29). Bar starts, the first of a month,
        never need that.

        Args:
            ts: A `datetime`; a naive one is UTC.
            n: Number of bars.

        Raises:
            ValidationError: If the result falls outside the years 1 to 9999.

        Examples:
            >>> from datetime import UTC, datetime
            >>> Interval.H8.add(datetime(2025, 6, 1, tzinfo=UTC), -1)
            datetime.datetime(2025, 5, 31, 16, 0, tzinfo=datetime.timezone.utc)
        """
        start = to_utc(ts, name="ts")
        try:
            if self is Interval.MO1:
                return _add_months(start, n)
            return start + timedelta(seconds=self._fixed_seconds() * n)
        except OverflowError:
            raise ValidationError(
                f"{start.isoformat()} moved by {n} {self.value} bars is outside the years 1-9999"
            ) from None

    def floor(self, ts: datetime) -> datetime:
        """The start of the bar that holds `ts`, as an aware UTC `datetime`.

        Args:
            ts: A `datetime`; a naive one is UTC.

        Examples:
            >>> from datetime import UTC, datetime
            >>> Interval.W1.floor(datetime(2025, 6, 1, 12, tzinfo=UTC))  # a Sunday
            datetime.datetime(2025, 5, 26, 0, 0, tzinfo=datetime.timezone.utc)
            >>> Interval.MO1.floor(datetime(2025, 6, 17, 9, 30, tzinfo=UTC))
            datetime.datetime(2025, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
        """
        moment = to_utc(ts, name="ts")
        if self is Interval.MO1:
            return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        period = timedelta(seconds=self._fixed_seconds())
        origin = _WEEK_ORIGIN if self is Interval.W1 else _EPOCH
        try:
            return moment - (moment - origin) % period
        except OverflowError:
            raise ValidationError(
                f"the {self.value} bar holding {moment.isoformat()} starts before the year 1"
            ) from None

    @classmethod
    def parse(cls, value: IntervalInput, aliases: Mapping[str, Interval] | None = None) -> Interval:
        """Read an interval given by canonical name or by one of a provider's spellings.

        Canonical names always work and always win over an alias of the same spelling. Both
        are matched exactly (after stripping surrounding white space): `"1M"` is a month,
        `"1m"` a minute, and other spellings of a month such as `"1mo"` are rejected.

        Args:
            value: An `Interval` (returned unchanged) or a name.
            aliases: A provider's own spellings, e.g. `{"1hour": Interval.H1}`.

        Raises:
            ValidationError: For an unknown spelling; the message lists the canonical names
                and the spellings in `aliases`.

        Examples:
            >>> Interval.parse(" 1M ")
            <Interval.MO1: '1M'>
        """
        if isinstance(value, Interval):
            return value
        if isinstance(value, str):
            name = value.strip()
            found = _BY_NAME.get(name)
            if found is None and aliases is not None:
                found = aliases.get(name)
            if found is not None:
                return found
        valid = ", ".join(member.value for member in cls)
        extra = f", or one of {', '.join(aliases)}" if aliases else ""
        raise ValidationError(f"unknown interval {value!r}; use one of {valid}{extra}")

    def _fixed_seconds(self) -> int:
        seconds = _SECONDS.get(self)
        if seconds is None:
            raise ValidationError(
                f"the {self.value} interval has no fixed length; use Interval.add to move by bars"
            )
        return seconds

    def __str__(self) -> str:
        return self.value


IntervalInput = Interval | str
"""What every `interval` argument accepts: an `Interval` or one of its spellings."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_WEEK_ORIGIN: Final = datetime(1970, 1, 5, tzinfo=UTC)
"""The first Monday after the epoch: weeks start on Mondays."""

_MINUTE, _HOUR, _DAY = 60, 3_600, 86_400

_SECONDS: Final[dict[Interval, int]] = {
    Interval.M1: _MINUTE,
    Interval.M3: 3 * _MINUTE,
    Interval.M5: 5 * _MINUTE,
    Interval.M15: 15 * _MINUTE,
    Interval.M30: 30 * _MINUTE,
    Interval.H1: _HOUR,
    Interval.H2: 2 * _HOUR,
    Interval.H4: 4 * _HOUR,
    Interval.H6: 6 * _HOUR,
    Interval.H8: 8 * _HOUR,
    Interval.H12: 12 * _HOUR,
    Interval.D1: _DAY,
    Interval.D3: 3 * _DAY,
    Interval.W1: 7 * _DAY,
}

_BY_NAME: Final[dict[str, Interval]] = {interval.value: interval for interval in Interval}


def _add_months(ts: datetime, n: int) -> datetime:
    year, month = divmod(ts.year * 12 + ts.month - 1 + n, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(year)
    day = min(ts.day, calendar.monthrange(year, month + 1)[1])
    return ts.replace(year=year, month=month + 1, day=day)
