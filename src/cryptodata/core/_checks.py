"""Checks of numeric settings, shared by every constructor and entry point that takes one.

A setting that is NaN, infinite, of the wrong type or out of range fails later, and badly: a
NaN `max_attempts` retries forever (every comparison with NaN is false), an infinite wait
overflows `time.sleep`, a cost of 1.9 is counted as 1. These checks turn each of them into a
`ValidationError` that says the allowed range, before any
request is sent.

`bool` is an `int` subclass, but `True` is never meant as a count or a number of seconds: it
is refused everywhere.
"""

from __future__ import annotations

import math
import numbers

from .errors import ValidationError

__all__ = ["MAX_TIMEOUT", "count", "finite"]

MAX_TIMEOUT = 3600.0
"""Longest network timeout a setting accepts, in seconds (an hour)."""


def finite(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    unit: str = "",
) -> float:
    """`value` as a float, if it is a finite real number in range.

    Args:
        name: The setting's name, for the message.
        value: What was given.
        minimum: Smallest allowed value (inclusive).
        maximum: Largest allowed value (inclusive).
        above: A bound the value must exceed (exclusive), e.g. 0 for a positive length.
        unit: Unit for the message, e.g. `"seconds"`.

    Raises:
        ValidationError: If `value` is not a real number (a `bool` is not), is NaN or
            infinite, or is out of range; the message says the range.

    Examples:
        >>> finite("timeout", 5, above=0, unit="seconds")
        5.0
        >>> finite("timeout", float("nan"), above=0, maximum=3600, unit="seconds")
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.ValidationError: timeout must be a number of seconds greater than 0 and at most 3600, got nan
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(number := float(value))
        or (minimum is not None and number < minimum)
        or (above is not None and number <= above)
        or (maximum is not None and number > maximum)
    ):
        what = f"a number of {unit}" if unit else "a number"
        raise ValidationError(
            f"{name} must be {what}{_range(minimum, maximum, above)}, got {value!r}"
        )
    return number


def count(name: str, value: object, *, minimum: int = 1, maximum: float | None = None) -> int:
    """`value` as an int, if it is an integer (not a float, not a `bool`) in range.

    Args:
        name: The setting's name, for the message.
        value: What was given.
        minimum: Smallest allowed value (inclusive).
        maximum: Largest allowed value (inclusive); a float bound (a token bucket's capacity
            of 2.5) allows the integers up to it.

    Raises:
        ValidationError: If `value` is not an integer or is out of range; the message says
            the range.

    Examples:
        >>> count("cost", 3, maximum=40)
        3
        >>> count("cost", 1.9, maximum=40)
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.ValidationError: cost must be an integer from 1 to 40, got 1.9
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or (number := int(value)) < minimum
        or (maximum is not None and number > maximum)
    ):
        if maximum is None:
            bounds = f" of at least {minimum}"
        else:
            bounds = f" from {minimum} to {math.floor(maximum)}"
        raise ValidationError(f"{name} must be an integer{bounds}, got {value!r}")
    return number


def _range(minimum: float | None, maximum: float | None, above: float | None) -> str:
    parts = []
    if above is not None:
        parts.append(f"greater than {above:g}")
    if minimum is not None:
        parts.append(f"at least {minimum:g}")
    if maximum is not None:
        parts.append(f"at most {maximum:g}")
    return " " + " and ".join(parts) if parts else ""
