"""Bar intervals: one canonical name each, and every provider's spelling of it.

This module is the only place that knows how a provider spells an interval.

Examples:
    >>> Interval.parse("1hour") is Interval.H1
    True
    >>> Interval.parse("4h").spelling("coinalyze")
    '4hour'
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Final

from .errors import ValidationError

__all__ = ["Interval", "IntervalInput"]


class Interval(enum.Enum):
    """A bar length with a canonical name (`1m 5m 15m 30m 1h 2h 4h 6h 12h 1d`)."""

    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    H2 = "2h"
    H4 = "4h"
    H6 = "6h"
    H12 = "12h"
    D1 = "1d"

    @property
    def seconds(self) -> int:
        """Length of one bar in seconds."""
        return _SECONDS[self]

    @property
    def timedelta(self) -> timedelta:
        """Length of one bar."""
        return timedelta(seconds=_SECONDS[self])

    def spelling(self, provider: str) -> str:
        """This interval as `provider` spells it.

        Raises:
            ValidationError: If the provider does not offer this interval.
        """
        names = _SPELLINGS.get(provider)
        if names is None or self not in names:
            raise ValidationError(f"{provider} does not offer the {self.value} interval")
        return names[self]

    def supported_by(self, provider: str) -> bool:
        """Whether `provider` offers this interval."""
        return self in _SPELLINGS.get(provider, {})

    @classmethod
    def parse(cls, value: IntervalInput) -> Interval:
        """Read an interval given by canonical name or any provider's spelling.

        Raises:
            ValidationError: For an unknown spelling; the message lists the valid ones.
        """
        if isinstance(value, Interval):
            return value
        if isinstance(value, str):
            found = _BY_NAME.get(value.strip())
            if found is not None:
                return found
        valid = ", ".join(member.value for member in cls)
        raise ValidationError(
            f"unknown interval {value!r}; use one of {valid} (provider spellings such as '1hour' or 'daily' work too)"
        )

    def __str__(self) -> str:
        return self.value

    def add(self, ts: datetime, n: int) -> datetime:
        return ts + self.timedelta * n

    def floor(self, ts: datetime) -> datetime:
        seconds = int(ts.timestamp()) // self.seconds * self.seconds
        return datetime.fromtimestamp(seconds, UTC)


IntervalInput = Interval | str
"""What every `interval` argument accepts: an `Interval` or any known spelling."""

_SECONDS: Final[dict[Interval, int]] = {
    Interval.M1: 60,
    Interval.M5: 300,
    Interval.M15: 900,
    Interval.M30: 1_800,
    Interval.H1: 3_600,
    Interval.H2: 7_200,
    Interval.H4: 14_400,
    Interval.H6: 21_600,
    Interval.H12: 43_200,
    Interval.D1: 86_400,
}

_SPELLINGS: Final[dict[str, dict[Interval, str]]] = {
    "coinalyze": {
        Interval.M1: "1min",
        Interval.M5: "5min",
        Interval.M15: "15min",
        Interval.M30: "30min",
        Interval.H1: "1hour",
        Interval.H2: "2hour",
        Interval.H4: "4hour",
        Interval.H6: "6hour",
        Interval.H12: "12hour",
        Interval.D1: "daily",
    },
}

_BY_NAME: Final[dict[str, Interval]] = {
    **{name: interval for names in _SPELLINGS.values() for interval, name in names.items()},
    **{interval.value: interval for interval in Interval},
}
