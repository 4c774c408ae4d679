"""Retry policy and `Retry-After` parsing."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core.errors import ValidationError
from cryptodata.core.retry import RetryPolicy, parse_retry_after

HTTP_DATE = "Wed, 21 Oct 2015 07:28:00 GMT"
HTTP_DATE_TS = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()


class _Highest(random.Random):
    """Always draws the top of the jitter range, exposing the cap."""

    def uniform(self, a: float, b: float) -> float:
        return b


class _Lowest(random.Random):
    """Always draws the bottom of the jitter range."""

    def uniform(self, a: float, b: float) -> float:
        return a


# --- parse_retry_after -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("17", 17.0), ("0", 0.0), ("7", 7.0), (" 120 ", 120.0), ("1.5", 1.5), ("0.25", 0.25)],
)
def test_retry_after_delta_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value, now=1_700_000_000.0) == expected


def test_retry_after_negative_seconds_is_clamped_to_zero() -> None:
    assert parse_retry_after("-3", now=0.0) == 0.0


def test_retry_after_http_date_in_the_future_is_the_remaining_delay() -> None:
    assert parse_retry_after(HTTP_DATE, now=HTTP_DATE_TS - 120) == 120.0


def test_retry_after_http_date_at_epoch_example() -> None:
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now=30.0) == 30.0


def test_retry_after_http_date_now_is_zero() -> None:
    assert parse_retry_after(HTTP_DATE, now=HTTP_DATE_TS) == 0.0


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after(HTTP_DATE, now=HTTP_DATE_TS + 3_600) == 0.0


def test_retry_after_http_date_with_numeric_offset() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 09:28:00 +0200", now=HTTP_DATE_TS - 5) == 5.0


@pytest.mark.parametrize(
    "value", ["soon", "in a minute", "Wed, 32 Oct 2015 07:28:00 GMT", "1,5", "7s", ""]
)
def test_retry_after_garbage_is_none(value: str) -> None:
    assert parse_retry_after(value, now=0.0) is None


def test_retry_after_blank_is_none() -> None:
    assert parse_retry_after("   ", now=0.0) is None


def test_retry_after_absent_is_none() -> None:
    assert parse_retry_after(None, now=0.0) is None


def test_retry_after_nan_is_unreadable() -> None:
    assert parse_retry_after("nan", now=0.0) is None


# --- RetryPolicy defaults and validation -----------------------------------------------------


def test_default_policy() -> None:
    policy = RetryPolicy()

    assert (
        policy.max_attempts,
        policy.backoff_base,
        policy.backoff_max,
        policy.max_retry_after,
    ) == (5, 0.5, 30.0, 120.0)


@pytest.mark.parametrize("attempts", [0, -1])
def test_max_attempts_below_one_is_rejected(attempts: int) -> None:
    with pytest.raises(ValidationError) as info:
        RetryPolicy(max_attempts=attempts)

    assert str(info.value) == f"max_attempts must be an integer from 1 to 100, got {attempts}"


def test_one_attempt_is_allowed() -> None:
    assert RetryPolicy(max_attempts=1).max_attempts == 1


@pytest.mark.parametrize("field", ["backoff_base", "backoff_max", "max_retry_after"])
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_non_positive_delays_are_rejected(field: str, value: float) -> None:
    with pytest.raises(ValidationError) as info:
        RetryPolicy(**{field: value})  # type: ignore[arg-type]

    assert str(info.value) == (
        f"{field} must be a number of seconds greater than 0 and at most 86400, got {value}"
    )


def test_policy_is_frozen() -> None:
    policy = RetryPolicy()

    with pytest.raises(AttributeError):
        policy.max_attempts = 3  # type: ignore[misc]


# --- which statuses are retried --------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504, 501, 599])
def test_retried_statuses(status: int) -> None:
    assert RetryPolicy().retries_status(status) is True


@pytest.mark.parametrize("status", [200, 301, 400, 401, 403, 404, 422])
def test_not_retried_statuses(status: int) -> None:
    assert RetryPolicy().retries_status(status) is False


# --- backoff ---------------------------------------------------------------------------------


def test_default_backoff_caps_double_up_to_thirty_seconds() -> None:
    policy = RetryPolicy()

    caps = [policy.backoff(attempt, _Highest()) for attempt in range(1, 10)]

    assert caps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_default_backoff_floor_is_half_the_cap() -> None:
    policy = RetryPolicy()

    floors = [policy.backoff(attempt, _Lowest()) for attempt in range(1, 8)]

    assert floors == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0]


def test_backoff_is_reproducible_with_a_seed() -> None:
    policy = RetryPolicy()

    first = [policy.backoff(n, random.Random(42)) for n in range(1, 6)]
    second = [policy.backoff(n, random.Random(42)) for n in range(1, 6)]

    assert first == second


policies = st.builds(
    RetryPolicy,
    backoff_base=st.floats(min_value=0.001, max_value=100.0),
    backoff_max=st.floats(min_value=0.001, max_value=1_000.0),
)


@given(policy=policies, attempt=st.integers(min_value=1, max_value=200), seed=st.integers())
def test_backoff_stays_within_half_cap_and_cap(
    policy: RetryPolicy, attempt: int, seed: int
) -> None:
    cap = policy.backoff(attempt, _Highest())

    delay = policy.backoff(attempt, random.Random(seed))

    assert cap / 2 <= delay <= cap
    assert cap <= policy.backoff_max


@given(policy=policies, attempt=st.integers(min_value=1, max_value=200))
def test_backoff_cap_doubles_until_backoff_max(policy: RetryPolicy, attempt: int) -> None:
    cap = policy.backoff(attempt, _Highest())
    next_cap = policy.backoff(attempt + 1, _Highest())

    assert policy.backoff(1, _Highest()) == min(policy.backoff_base, policy.backoff_max)
    assert next_cap == min(policy.backoff_max, 2 * cap)


@given(policy=policies)
def test_backoff_cap_reaches_backoff_max(policy: RetryPolicy) -> None:
    # One attempt of slack for log2 rounding.
    doublings = max(0, math.ceil(math.log2(policy.backoff_max / policy.backoff_base)))

    assert policy.backoff(doublings + 2, _Highest()) == policy.backoff_max


def test_backoff_of_a_very_late_attempt_is_backoff_max() -> None:
    policy = RetryPolicy()

    assert policy.backoff(1_100, _Highest()) == 30.0


@pytest.mark.parametrize("value", ["inf", "1e999", "-inf"])
def test_infinite_retry_after_is_treated_as_absent(value: str) -> None:
    assert parse_retry_after(value, now=0.0) is None


# --- numeric settings (issue 8) ---------------------------------------------------------------


@pytest.mark.parametrize("attempts", [math.nan, 2.5, 3.0, True, "5", 101])
def test_max_attempts_that_is_not_an_integer_from_1_to_100_is_refused(attempts: object) -> None:
    with pytest.raises(ValidationError) as info:
        RetryPolicy(max_attempts=attempts)  # type: ignore[arg-type]

    assert str(info.value) == f"max_attempts must be an integer from 1 to 100, got {attempts!r}"


@pytest.mark.parametrize("field", ["backoff_base", "backoff_max", "max_retry_after"])
@pytest.mark.parametrize("value", [math.nan, math.inf, 1e300, True, "1"])
def test_a_delay_that_is_not_finite_or_above_a_day_is_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        RetryPolicy(**{field: value})  # type: ignore[arg-type]

    assert str(info.value) == (
        f"{field} must be a number of seconds greater than 0 and at most 86400, got {value!r}"
    )


def test_a_delay_of_a_day_is_allowed() -> None:
    assert RetryPolicy(max_retry_after=86_400).max_retry_after == 86_400
