"""Retry policy: which failures are retried, how long to wait, and when to give up."""

from __future__ import annotations

import math
import random

import attrs

from .errors import ValidationError

__all__ = ["RetryPolicy", "parse_retry_after"]

_RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ValidationError(f"{attribute.name} must be positive, got {value}")


@attrs.frozen
class RetryPolicy:
    """How the transport retries 429, 5xx, 408 and network failures.

    Delays grow exponentially from `backoff_base` up to `backoff_max`, with jitter (each delay
    is drawn between half and all of its cap) so clients that failed together do not retry
    together. A positive `Retry-After` from the server replaces the computed delay; one longer
    than `max_retry_after` is not waited out but raised as a
    [`RateLimitError`][cryptodata.RateLimitError].

    Attributes:
        max_attempts: Total attempts per request, the first included (1 disables retries).
        backoff_base: Cap of the first retry's delay, in seconds.
        backoff_max: Largest delay between two attempts, in seconds.
        max_retry_after: Longest `Retry-After` the transport waits out, in seconds.

    Examples:
        >>> patient = RetryPolicy(max_attempts=8, max_retry_after=300)
    """

    max_attempts: int = attrs.field(default=5)
    backoff_base: float = attrs.field(default=0.5, validator=_positive)
    backoff_max: float = attrs.field(default=30.0, validator=_positive)
    max_retry_after: float = attrs.field(default=120.0, validator=_positive)

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ValidationError(f"max_attempts must be at least 1, got {value}")

    def retries_status(self, status: int) -> bool:
        """Whether a response with this status is worth another attempt."""
        return status in _RETRIED_STATUSES or status >= 500

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before retry number `attempt` (1 for the first retry)."""
        # The exponent is bounded so that very late attempts cannot overflow a float.
        cap = min(self.backoff_max, self.backoff_base * 2.0 ** min(attempt - 1, 64))
        return rng.uniform(cap / 2, cap)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date.

    Args:
        value: The header value, or `None` when absent.
        now: Current UNIX time, to turn an HTTP date into a delay.

    Returns:
        A delay of at least 0, or `None` when the header is absent or unreadable.

    Examples:
        >>> parse_retry_after("17", now=0.0)
        17.0
        >>> parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now=30.0)
        30.0
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime  # deferred: rare path, costly import

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - now, 0.0)
