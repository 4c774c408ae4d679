"""Coinalyze's intervals: the ten it offers and how it spells them.

Coinalyze answers `1min 5min 15min 30min 1hour 2hour 4hour 6hour 12hour daily`; every
`interval=` argument of the Coinalyze clients takes those spellings or the canonical names
(`1m` ... `1d`). The other canonical intervals (`3m 8h 3d 1w 1M`) are rejected before any
request.

Examples:
    >>> parse_interval("1hour") is parse_interval("1h")
    True
    >>> spelling(parse_interval("1d"))
    'daily'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from cryptodata.core.errors import UnsupportedError
from cryptodata.core.intervals import Interval, IntervalInput

__all__ = ["SPELLINGS", "parse_interval", "spelling"]

SPELLINGS: Final[Mapping[Interval, str]] = MappingProxyType(
    {
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
    }
)
"""Every interval Coinalyze offers, shortest first, with its spelling in the `interval` parameter."""

_BY_SPELLING: Final[Mapping[str, Interval]] = MappingProxyType(
    {name: interval for interval, name in SPELLINGS.items()}
)


def parse_interval(value: IntervalInput) -> Interval:
    """An interval Coinalyze offers, given as an `Interval`, a canonical name or Coinalyze's spelling.

    Raises:
        ValidationError: For an unknown spelling; `UnsupportedError` for an interval Coinalyze does not offer
            (such as `8h` or `1M`); the message lists what it offers.

    Examples:
        >>> parse_interval("4hour")
        <Interval.H4: '4h'>
    """
    interval = Interval.parse(value, aliases=_BY_SPELLING)
    spelling(interval)
    return interval


def spelling(interval: Interval) -> str:
    """`interval` as Coinalyze's `interval` parameter spells it.

    Raises:
        UnsupportedError: If Coinalyze does not offer this interval.

    Examples:
        >>> spelling(Interval.H4)
        '4hour'
    """
    name = SPELLINGS.get(interval)
    if name is None:
        offered = " ".join(member.value for member in SPELLINGS)
        raise UnsupportedError(
            f"Coinalyze does not offer the {interval.value} interval; it offers {offered} "
            f"(or {' '.join(SPELLINGS.values())})",
            provider="coinalyze",
            what=interval.value,
        )
    return name
