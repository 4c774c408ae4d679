"""Time inputs: one function turns what users pass into an aware UTC `datetime`.

Accepted: aware `datetime` (converted to UTC), naive `datetime` (taken as UTC, never as local
time), `date` (midnight UTC), ISO-8601 strings (`"2025-06-01"`, `"2025-06-01T12:00Z"`, with or
without an offset; naive strings are UTC) and integer epoch **milliseconds**. Everything else is
a `ValidationError` before any request is sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from .errors import ValidationError

__all__ = ["TimeInput", "from_ms", "time_range", "to_ms", "to_utc"]

TimeInput = datetime | date | str | int
"""What every `start` / `end` argument accepts."""

# Epoch ms below this (1973-03-03) are almost surely seconds passed by mistake: a classic
# source of silent empty answers (Coinalyze returns `[]` for a wrong unit).
_MIN_EPOCH_MS = 100_000_000_000
_MAX_EPOCH_MS = 32_503_680_000_000  # year 3000


def to_utc(value: TimeInput, *, name: str = "time") -> datetime:
    """Convert a time input to an aware UTC `datetime`.

    Args:
        value: An aware or naive (= UTC) `datetime`, a `date`, an ISO-8601 string or epoch ms.
        name: Argument name used in error messages.

    Returns:
        An aware `datetime` in UTC.

    Raises:
        ValidationError: If the value has another type, cannot be parsed, or lies outside
            what a UTC `datetime` holds (year 1 to 9999 in UTC).

    Examples:
        >>> to_utc("2025-06-01")
        datetime.datetime(2025, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
        >>> to_utc(1748736000000)
        datetime.datetime(2025, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if isinstance(value, datetime):
        return _as_utc(value, name)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        raise ValidationError(
            f"{name} must be a datetime, date, ISO-8601 string or epoch ms, not a bool"
        )
    if isinstance(value, int):
        return _from_epoch_ms(value, name)
    if isinstance(value, str):
        return _from_iso(value, name)
    raise ValidationError(
        f"{name} must be a datetime, date, ISO-8601 string or epoch ms int, "
        f"not {type(value).__name__} ({value!r})"
    )


def _as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # Year 1 at +01:00 or year 9999 at -01:00 is a valid datetime whose UTC instant is not.
        raise ValidationError(
            f"{name}={value.isoformat()} is outside the supported range: times must fall "
            f"between {datetime.min.isoformat()}Z and {datetime.max.isoformat()}Z in UTC"
        ) from None


def _from_epoch_ms(value: int, name: str) -> datetime:
    if value < _MIN_EPOCH_MS:
        hint = " it looks like epoch seconds; multiply by 1000" if value > 0 else ""
        raise ValidationError(f"{name}={value} is not epoch milliseconds;{hint}")
    if value > _MAX_EPOCH_MS:
        raise ValidationError(
            f"{name}={value} is beyond the year 3000; expected epoch milliseconds"
        )
    return from_ms(value)


def _from_iso(value: str, name: str) -> datetime:
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"{name}={value!r} is not an ISO-8601 date or time (e.g. '2025-06-01' or '2025-06-01T12:00:00Z')"
        ) from None
    return to_utc(parsed, name=name)


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware `datetime`."""
    return (value - _EPOCH) // _MS


def from_ms(value: int) -> datetime:
    """Aware UTC `datetime` of epoch milliseconds."""
    return _EPOCH + timedelta(milliseconds=value)


def time_range(start: TimeInput, end: TimeInput) -> tuple[datetime, datetime]:
    """Parse a half-open window `[start, end)` and check that it is not empty.

    Raises:
        ValidationError: If either bound is invalid or `start >= end`.

    Examples:
        >>> s, e = time_range("2025-06-01", "2025-06-02")
        >>> (e - s).days
        1
    """
    lo = to_utc(start, name="start")
    hi = to_utc(end, name="end")
    if lo >= hi:
        raise ValidationError(f"start ({lo.isoformat()}) must be before end ({hi.isoformat()})")
    return lo, hi


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
