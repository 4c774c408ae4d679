"""Retry policy: which failures are retried, how long to wait, and when to give up."""

from __future__ import annotations

import math
import random

import attrs

from ._checks import count, finite
from .limiters import MAX_PAUSE

__all__ = ["MAX_ATTEMPTS", "RetryPolicy", "parse_retry_after"]

_RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

MAX_ATTEMPTS = 100
"""Most attempts a policy may allow: with the longest backoff, hours of retrying one request."""


def _seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    # Capped like a limiter's pause: a longer wait overflows sleep, and no server means it.
    finite(attribute.name, value, above=0, maximum=MAX_PAUSE, unit="seconds")


def _attempts(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    # A NaN would compare false with every attempt number and retry forever.
    count(attribute.name, value, maximum=MAX_ATTEMPTS)


@attrs.frozen
class RetryPolicy:
    """How the transport retries 429, 5xx, 408 and network failures.

    Delays grow exponentially from `backoff_base` up to `backoff_max`, with jitter (each delay
    is drawn between half and all of its cap) so clients that failed together do not retry
    together. A positive `Retry-After` from the server replaces the computed delay; one longer
    than `max_retry_after` is not waited out but raised as a
    `RateLimitError`.

    Attributes:
        max_attempts: Total attempts per request, the first included (1 disables retries),
            an integer from 1 to 100.
        backoff_base: Cap of the first retry's delay, in seconds.
        backoff_max: Largest delay between two attempts, in seconds.
        max_retry_after: Longest `Retry-After` the transport waits out, in seconds; also the
            longest the transport pauses the limiter for, whatever the server asks.

    Every delay is a finite number of seconds above 0 and at most a day
    (`MAX_PAUSE`).

    Raises:
        ValidationError: For a setting of the wrong type (`max_attempts=2.5`, `True`), NaN,
            infinite or out of range.

    Examples:
        >>> patient = RetryPolicy(max_attempts=8, max_retry_after=300)
    """

    max_attempts: int = attrs.field(default=5, validator=_attempts)
    backoff_base: float = attrs.field(default=0.5, validator=_seconds)
    backoff_max: float = attrs.field(default=30.0, validator=_seconds)
    max_retry_after: float = attrs.field(default=120.0, validator=_seconds)

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
