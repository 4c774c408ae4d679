"""Rate limiters, driven by a ManualClock (no real sleeping) except for the thread-safety test."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core.clock import ManualClock, SystemClock
from cryptodata.core.errors import ValidationError
from cryptodata.core.limiters import (
    MAX_PAUSE,
    BaseLimiter,
    CompositeLimiter,
    RateLimiter,
    SlidingWindowLimiter,
    Taken,
    TokenBucketLimiter,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def acquire_within(
    limiter: SlidingWindowLimiter | TokenBucketLimiter, clock: ManualClock, max_sleeps: int = 50
) -> bool:
    """`acquire()`'s own loop, but giving up after `max_sleeps` sleeps instead of spinning forever."""
    for _ in range(max_sleeps):
        wait = limiter.try_acquire(1)
        if wait <= 0:
            return True
        clock.sleep(wait)
    return False


def max_units_in_any_window(grants: list[tuple[float, int]], window: float) -> int:
    """Largest total cost of grants inside one window, checked at each grant's time.

    A grant at `t` counts until `t + window` (exclusive), as the limiter expires it.
    """
    return max(
        (
            sum(cost for at, cost in grants if at <= now and not at + window <= now)
            for now, _ in grants
        ),
        default=0,
    )


# --- SlidingWindowLimiter --------------------------------------------------------------------


def test_sliding_window_grants_the_whole_budget_at_once(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)

    for _ in range(40):
        limiter.acquire()

    assert clock.monotonic() == 0.0


def test_sliding_window_41st_call_waits_until_exactly_the_window_end(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    for _ in range(40):
        limiter.acquire()

    limiter.acquire()

    assert clock.monotonic() == 60.0


def test_sliding_window_reports_the_wait_without_taking(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.acquire(cost=40)
    clock.advance(15)

    assert limiter.wait_time() == 45.0
    assert limiter.try_acquire() == 45.0
    clock.advance(45)
    assert limiter.wait_time(40) == 0.0


def test_sliding_window_grant_expires_exactly_one_window_later(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.acquire(cost=40)
    clock.advance(60)

    assert limiter.try_acquire(40) == 0.0
    assert clock.monotonic() == 60.0


def test_sliding_window_slides_instead_of_resetting_per_window(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.acquire(cost=10)  # t=0
    clock.advance(50)
    limiter.acquire(cost=30)  # t=50: window [0, 60) is now full

    limiter.acquire(cost=10)  # needs the t=0 grant to expire
    assert clock.monotonic() == 60.0

    limiter.acquire(cost=1)  # needs the t=50 grant to expire
    assert clock.monotonic() == 110.0


def test_sliding_window_charges_the_cost_weight(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.acquire(cost=30)
    limiter.acquire(cost=10)

    assert clock.monotonic() == 0.0
    assert limiter.wait_time(1) == 60.0


def test_sliding_window_waits_for_enough_old_grants_to_cover_a_heavy_call(
    clock: ManualClock,
) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.acquire(cost=30)  # t=0
    clock.advance(10)
    limiter.acquire(cost=10)  # t=10

    limiter.acquire(cost=35)  # the 30 freed at t=60 are not enough; the 10 at t=70 are

    assert clock.monotonic() == 70.0


def test_sliding_window_cost_above_limit_is_rejected(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)

    with pytest.raises(ValidationError) as info:
        limiter.acquire(cost=41)

    assert str(info.value) == "cost must be an integer from 1 to 40, got 41"


@pytest.mark.parametrize("cost", [0, -1])
def test_sliding_window_cost_below_one_is_rejected(clock: ManualClock, cost: int) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)

    with pytest.raises(ValidationError, match=f"got {cost}$"):
        limiter.try_acquire(cost)


def test_sliding_window_cost_equal_to_limit_is_allowed(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)

    limiter.acquire(cost=40)

    assert limiter.wait_time(1) == 60.0


@pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (-1, 60.0), (40, 0.0), (40, -1.0)])
def test_sliding_window_invalid_settings_are_rejected(limit: int, window: float) -> None:
    with pytest.raises(ValidationError, match=r"(limit|window) must be"):
        SlidingWindowLimiter(limit, window)


def test_sliding_window_repr() -> None:
    assert repr(SlidingWindowLimiter(40, 60)) == "SlidingWindowLimiter(limit=40, window=60)"


def test_sliding_window_uses_the_system_clock_by_default() -> None:
    limiter = SlidingWindowLimiter(40, 60)

    assert isinstance(limiter._clock, SystemClock)


# --- pause -----------------------------------------------------------------------------------


def test_pause_blocks_the_next_acquire_until_it_is_over(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)

    limiter.pause(7)
    limiter.acquire()

    assert clock.monotonic() == 7.0


def test_pause_blocks_every_acquire_not_only_the_first(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.pause(7)
    clock.advance(3)

    assert limiter.try_acquire() == 4.0
    assert limiter.try_acquire() == 4.0
    assert limiter.wait_time(5) == 4.0


def test_pause_is_over_after_it_elapsed(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.pause(7)
    clock.advance(7)

    for _ in range(40):
        assert limiter.try_acquire() == 0.0
    assert clock.monotonic() == 7.0


def test_pause_does_not_use_budget(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.pause(7)

    limiter.acquire(cost=40)

    assert clock.monotonic() == 7.0


def test_shorter_pause_does_not_cut_a_longer_one(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.pause(10)
    limiter.pause(3)

    limiter.acquire()

    assert clock.monotonic() == 10.0


def test_longer_pause_extends_a_shorter_one(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.pause(3)
    limiter.pause(10)

    limiter.acquire()

    assert clock.monotonic() == 10.0


def test_pause_and_full_window_wait_for_the_later_of_both(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.acquire(cost=40)
    limiter.pause(7)

    limiter.acquire()

    assert clock.monotonic() == 60.0


def test_token_bucket_pause_blocks_acquire(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)

    limiter.pause(5)
    limiter.acquire()

    assert clock.monotonic() == 5.0


# --- TokenBucketLimiter ----------------------------------------------------------------------


def test_token_bucket_allows_a_burst_of_capacity(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)

    for _ in range(4):
        limiter.acquire()

    assert clock.monotonic() == 0.0


def test_token_bucket_refills_rate_per_period(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)
    limiter.acquire(cost=4)

    limiter.acquire()

    assert clock.monotonic() == 0.25


def test_token_bucket_wait_is_missing_tokens_times_per_over_rate(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(2, per=4.0, clock=clock)  # one token every 2 s
    limiter.acquire(cost=2)

    assert limiter.wait_time(1) == 2.0
    assert limiter.wait_time(2) == 4.0


def test_token_bucket_partial_refill(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)
    limiter.acquire(cost=4)
    clock.advance(0.5)  # 2 tokens back

    assert limiter.try_acquire(2) == 0.0
    assert limiter.wait_time(1) == 0.25


def test_token_bucket_capacity_above_rate_allows_a_larger_burst(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(2, per=1.0, capacity=8, clock=clock)

    for _ in range(8):
        limiter.acquire()
    assert clock.monotonic() == 0.0

    limiter.acquire()
    assert clock.monotonic() == 0.5


def test_token_bucket_refill_stops_at_capacity(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)
    limiter.acquire(cost=4)
    clock.advance(1_000)

    limiter.acquire(cost=4)

    assert limiter.wait_time(1) == 0.25


def test_token_bucket_capacity_defaults_to_rate() -> None:
    assert TokenBucketLimiter(5, per=2.0).capacity == 5.0


def test_token_bucket_cost_above_capacity_is_rejected(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)

    with pytest.raises(ValidationError) as info:
        limiter.acquire(cost=5)

    assert str(info.value) == "cost must be an integer from 1 to 4, got 5"


@pytest.mark.parametrize(("rate", "per"), [(0, 1.0), (-1, 1.0), (1, 0.0), (1, -2.0)])
def test_token_bucket_non_positive_rate_or_period_is_rejected(rate: float, per: float) -> None:
    with pytest.raises(ValidationError, match=r"(rate|per) must be a number of .* greater than 0"):
        TokenBucketLimiter(rate, per)


def test_token_bucket_capacity_below_one_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"capacity must be a number at least 1, got 0\.5"):
        TokenBucketLimiter(1, capacity=0.5)


def test_token_bucket_repr() -> None:
    assert (
        repr(TokenBucketLimiter(10, per=1.0, capacity=20))
        == "TokenBucketLimiter(rate=10, per=1, capacity=20)"
    )


# --- CompositeLimiter ------------------------------------------------------------------------


def test_composite_takes_from_every_member(clock: ManualClock) -> None:
    fast = SlidingWindowLimiter(2, 10, clock=clock)
    slow = SlidingWindowLimiter(5, 100, clock=clock)
    both = CompositeLimiter(fast, slow)

    both.acquire()
    both.acquire()

    assert fast.wait_time(1) == 10.0
    assert slow.wait_time(3) == 0.0
    assert slow.wait_time(4) == 100.0


def test_composite_refusal_takes_from_no_member(clock: ManualClock) -> None:
    fast = SlidingWindowLimiter(2, 10, clock=clock)
    slow = SlidingWindowLimiter(5, 100, clock=clock)
    both = CompositeLimiter(fast, slow)
    both.acquire(cost=2)

    assert both.try_acquire(1) == 10.0
    assert slow.wait_time(3) == 0.0  # the refused unit was not taken from `slow`


def test_composite_waits_for_the_member_with_the_longest_wait(clock: ManualClock) -> None:
    fast = SlidingWindowLimiter(2, 10, clock=clock)
    slow = SlidingWindowLimiter(3, 100, clock=clock)
    both = CompositeLimiter(fast, slow)
    for _ in range(3):
        both.acquire()
    assert clock.monotonic() == 10.0

    both.acquire()

    assert clock.monotonic() == 100.0


def test_composite_capacity_is_the_smallest_member_capacity() -> None:
    both = CompositeLimiter(TokenBucketLimiter(10), SlidingWindowLimiter(3, 60))

    assert both.capacity == 3.0


def test_composite_cost_above_a_member_capacity_is_rejected(clock: ManualClock) -> None:
    both = CompositeLimiter(
        SlidingWindowLimiter(40, 60, clock=clock), SlidingWindowLimiter(3, 1, clock=clock)
    )

    with pytest.raises(ValidationError, match="cost must be an integer from 1 to 3, got 4"):
        both.acquire(cost=4)


def test_composite_needs_a_member() -> None:
    with pytest.raises(ValidationError, match="needs at least one limiter"):
        CompositeLimiter()


def test_composite_pause_pauses_every_member(clock: ManualClock) -> None:
    first = SlidingWindowLimiter(40, 60, clock=clock)
    second = TokenBucketLimiter(4, clock=clock)
    both = CompositeLimiter(first, second)

    both.pause(9)

    assert first.wait_time() == 9.0
    assert second.wait_time() == 9.0


def test_composite_can_nest(clock: ManualClock) -> None:
    inner = CompositeLimiter(SlidingWindowLimiter(2, 10, clock=clock))
    outer = CompositeLimiter(inner, SlidingWindowLimiter(40, 60, clock=clock))
    for _ in range(3):
        outer.acquire()

    assert clock.monotonic() == 10.0


def test_composite_repr() -> None:
    both = CompositeLimiter(TokenBucketLimiter(10), SlidingWindowLimiter(1000, 3600))

    assert repr(both) == (
        "CompositeLimiter(TokenBucketLimiter(rate=10, per=1, capacity=10), "
        "SlidingWindowLimiter(limit=1000, window=3600))"
    )


@pytest.mark.parametrize(
    "limiter",
    [
        SlidingWindowLimiter(1, 1),
        TokenBucketLimiter(1),
        CompositeLimiter(TokenBucketLimiter(1)),
    ],
    ids=["sliding", "bucket", "composite"],
)
def test_every_limiter_satisfies_the_rate_limiter_protocol(limiter: object) -> None:
    assert isinstance(limiter, RateLimiter)


# --- asyncio ---------------------------------------------------------------------------------


def test_aacquire_waits_on_the_manual_clock(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)

    async def main() -> None:
        for _ in range(41):
            await limiter.aacquire()

    asyncio.run(main())

    assert clock.monotonic() == 60.0


def test_aacquire_grants_concurrent_tasks_within_the_budget(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    granted: list[float] = []

    async def task() -> None:
        await limiter.aacquire(cost=20)
        granted.append(clock.monotonic())

    async def main() -> None:
        await asyncio.gather(*(task() for _ in range(3)))

    asyncio.run(main())

    assert granted == [0.0, 0.0, 60.0]


def test_token_bucket_aacquire(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)

    async def main() -> None:
        for _ in range(5):
            await limiter.aacquire()

    asyncio.run(main())

    assert clock.monotonic() == 0.25


def test_composite_aacquire(clock: ManualClock) -> None:
    both = CompositeLimiter(
        SlidingWindowLimiter(2, 10, clock=clock), SlidingWindowLimiter(40, 60, clock=clock)
    )

    async def main() -> None:
        for _ in range(3):
            await both.aacquire()

    asyncio.run(main())

    assert clock.monotonic() == 10.0


def test_aacquire_respects_a_pause(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.pause(7)

    asyncio.run(limiter.aacquire())

    assert clock.monotonic() == 7.0


# --- threads (real clock) --------------------------------------------------------------------


class _RecordingSlidingWindow(SlidingWindowLimiter):
    """Records every grant at the time the limiter itself saw, under its lock."""

    def __init__(self, limit: int, window: float) -> None:
        super().__init__(limit, window, clock=SystemClock())
        self.grants: list[tuple[float, int]] = []

    def _take_locked(self, cost: int, now: float) -> tuple[float, int]:
        receipt = super()._take_locked(cost, now)
        self.grants.append((now, cost))
        return receipt


def test_threads_sharing_a_sliding_window_never_exceed_the_limit() -> None:
    limit, window, threads, calls = 5, 0.05, 10, 3
    limiter = _RecordingSlidingWindow(limit, window)
    start = threading.Barrier(threads)

    def worker() -> None:
        start.wait()
        for _ in range(calls):
            limiter.acquire()

    began = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=5)
    elapsed = time.monotonic() - began

    assert not any(thread.is_alive() for thread in pool)
    assert sum(cost for _, cost in limiter.grants) == threads * calls
    assert max_units_in_any_window(limiter.grants, window) <= limit
    # 30 units at 5 per 50 ms: the 26th grant comes at least 5 windows after the 1st.
    assert elapsed >= (threads * calls // limit - 1) * window - 1e-6


# --- properties ------------------------------------------------------------------------------


@given(
    limit=st.integers(min_value=1, max_value=10),
    window=st.sampled_from([1.0, 2.5, 60.0]),
    steps=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10), st.floats(min_value=0.0, max_value=150.0)
        ),
        max_size=40,
    ),
)
def test_sliding_window_never_grants_more_than_limit_in_any_window(
    limit: int, window: float, steps: list[tuple[int, float]]
) -> None:
    clock = ManualClock()
    limiter = SlidingWindowLimiter(limit, window, clock=clock)
    grants: list[tuple[float, int]] = []

    for cost, gap in steps:
        clock.advance(gap * window / 60.0)
        limiter.acquire(min(cost, limit))
        grants.append((clock.monotonic(), min(cost, limit)))

    assert max_units_in_any_window(grants, window) <= limit
    assert [at for at, _ in grants] == sorted(at for at, _ in grants)


# --- waits that float arithmetic cannot land exactly still terminate --------------------------


def test_token_bucket_with_non_dyadic_rate_terminates_on_manual_clock(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(3, per=1.0, clock=clock)

    assert all(acquire_within(limiter, clock) for _ in range(10))


def test_sliding_window_with_fractional_window_terminates_on_manual_clock(
    clock: ManualClock,
) -> None:
    limiter = SlidingWindowLimiter(1, 0.1, clock=clock)
    limiter.acquire()

    assert acquire_within(limiter, clock)


def test_fractional_pause_terminates_on_manual_clock(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(40, 60, clock=clock)
    limiter.pause(0.1)

    assert acquire_within(limiter, clock)


@pytest.mark.parametrize(
    ("limiter", "rate"),
    [
        (SlidingWindowLimiter(40, window=60.0), 40 / 60),
        (TokenBucketLimiter(10, per=2.0), 5.0),
        (TokenBucketLimiter(3), 3.0),
        (
            CompositeLimiter(TokenBucketLimiter(10), SlidingWindowLimiter(1_000, window=3_600)),
            1_000 / 3_600,
        ),
        (CompositeLimiter(SlidingWindowLimiter(100, window=1.0), TokenBucketLimiter(7)), 7.0),
    ],
)
def test_every_limiter_reports_its_sustained_rate_per_second(
    limiter: RateLimiter, rate: float
) -> None:
    assert limiter.rate == pytest.approx(rate)


def test_a_token_bucket_sustains_exactly_its_reported_rate(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=2.0, clock=clock)
    start = clock.time()

    for _ in range(4 + 20):  # the burst, then 20 at the sustained rate
        limiter.acquire()

    assert clock.time() - start == pytest.approx(20 / limiter.rate)


# --- numeric settings and costs (issue 8) ----------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rate": math.nan}, "rate must be a number of tokens greater than 0, got nan"),
        ({"rate": math.inf}, "rate must be a number of tokens greater than 0, got inf"),
        ({"rate": True}, "rate must be a number of tokens greater than 0, got True"),
        ({"rate": 1, "per": math.nan}, "per must be a number of seconds greater than 0"),
        ({"rate": 1, "per": math.inf}, "per must be a number of seconds greater than 0"),
        ({"rate": 1, "capacity": math.nan}, "capacity must be a number at least 1, got nan"),
        ({"rate": 1, "capacity": math.inf}, "capacity must be a number at least 1, got inf"),
    ],
)
def test_token_bucket_non_finite_settings_are_refused(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=f"^{message}"):
        TokenBucketLimiter(**options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": math.nan}, "window must be a number of seconds greater than 0"),
        ({"window": math.inf}, "window must be a number of seconds greater than 0"),
        ({"window": 1e300}, "window must be a number of seconds .* at most 3.1622"),
        ({"limit": 2.5}, "limit must be an integer of at least 1, got 2.5"),
        ({"limit": math.nan}, "limit must be an integer of at least 1, got nan"),
        ({"limit": True}, "limit must be an integer of at least 1, got True"),
    ],
)
def test_sliding_window_non_finite_or_mistyped_settings_are_refused(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=f"^{message}"):
        SlidingWindowLimiter(**{"limit": 10, **options})


def test_a_composite_member_must_be_a_limiter() -> None:
    with pytest.raises(
        ValidationError, match=r"members must be cryptodata limiters \(.*\), got 10$"
    ):
        CompositeLimiter(TokenBucketLimiter(1), 10)  # type: ignore[arg-type]


LIMITERS = {
    "sliding": lambda clock: SlidingWindowLimiter(10, 60, clock=clock),
    "bucket": lambda clock: TokenBucketLimiter(10, per=60, clock=clock),
    "composite": lambda clock: CompositeLimiter(SlidingWindowLimiter(10, 60, clock=clock)),
}


@pytest.mark.parametrize("make", LIMITERS.values(), ids=LIMITERS.keys())
@pytest.mark.parametrize("cost", [math.nan, 1.9, 2.0, -1, True, "1", None])
def test_a_cost_that_is_not_an_integer_from_1_to_capacity_is_refused(
    make: Any, cost: Any, clock: ManualClock
) -> None:
    limiter = make(clock)

    for call in (limiter.acquire, limiter.try_acquire, limiter.wait_time, limiter.take):
        with pytest.raises(ValidationError, match="cost must be an integer from 1 to 10"):
            call(cost)
    with pytest.raises(ValidationError, match="cost must be an integer from 1 to 10"):
        asyncio.run(limiter.aacquire(cost))
    assert limiter.wait_time(10) == 0.0  # nothing was taken


# --- pauses (issue 8, item 7) ----------------------------------------------------------------


@pytest.mark.parametrize("make", LIMITERS.values(), ids=LIMITERS.keys())
@pytest.mark.parametrize("seconds", [99_999_999.0, 1e300, math.inf])
def test_a_pause_longer_than_a_day_is_cut_to_a_day(
    make: Any, seconds: float, clock: ManualClock
) -> None:
    limiter = make(clock)

    limiter.pause(seconds)

    assert limiter.wait_time(1) == MAX_PAUSE == 86_400.0


@pytest.mark.parametrize("make", LIMITERS.values(), ids=LIMITERS.keys())
def test_the_next_acquire_after_a_huge_pause_returns_after_a_day(
    make: Any, clock: ManualClock
) -> None:
    limiter = make(clock)
    limiter.pause(1e300)

    limiter.acquire()

    assert clock.monotonic() == 86_400.0


@pytest.mark.parametrize("seconds", [math.nan, "5", None, True])
def test_a_pause_that_is_not_a_number_is_refused(seconds: Any, clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(10, 60, clock=clock)

    with pytest.raises(ValidationError, match="a pause must be a number of seconds"):
        limiter.pause(seconds)

    assert limiter.wait_time(1) == 0.0


def test_a_negative_pause_does_nothing(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, clock=clock)

    limiter.pause(-5)

    assert limiter.wait_time(1) == 0.0


# --- refunds and the composite's all-or-nothing grant (issue 8, item 10) ----------------------


def test_a_sliding_window_refund_frees_exactly_that_grant(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(3, 60, clock=clock)
    limiter.acquire(2)
    clock.advance(10)
    taken = limiter.take(1)

    taken.refund()
    taken.refund()  # a second refund gives nothing more back

    assert limiter.wait_time(1) == 0.0
    assert limiter.wait_time(2) == 50.0  # the first grant still holds its 2 units


def test_a_token_bucket_refund_restores_the_tokens(clock: ManualClock) -> None:
    limiter = TokenBucketLimiter(4, per=1.0, clock=clock)
    limiter.acquire(3)
    taken = limiter.take(1)

    taken.refund()

    assert limiter.wait_time(1) == 0.0
    assert limiter.wait_time(2) == 0.25


def test_a_refused_take_holds_nothing_to_refund(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(1, 60, clock=clock)
    limiter.acquire()

    refused = limiter.take(1)
    refused.refund()

    assert (refused.wait, limiter.wait_time(1)) == (60.0, 60.0)


class _Racing(SlidingWindowLimiter):
    """A member that, the first time budget is taken from it, lets another holder of `shared`
    take all of that budget first: the interleaving two threads can produce, made certain."""

    def __init__(self, shared: SlidingWindowLimiter, clock: ManualClock) -> None:
        super().__init__(10, 60, clock=clock)
        self.shared = shared
        self.raced = False

    def _race(self) -> None:
        if not self.raced:
            self.raced = True
            self.shared.acquire(int(self.shared.capacity))  # the other holder

    def try_acquire(self, cost: int = 1) -> float:
        self._race()
        return super().try_acquire(cost)

    def take(self, cost: int = 1) -> Taken:
        self._race()
        return super().take(cost)


def test_a_composite_refuses_when_a_shared_member_is_drained_between_check_and_take(
    clock: ManualClock,
) -> None:
    shared = SlidingWindowLimiter(3, 60, clock=clock)
    first = _Racing(shared, clock)
    both = CompositeLimiter(first, shared)

    wait = both.try_acquire(1)

    assert wait == 60.0  # refused: `shared` has no budget left for it
    assert shared.wait_time(1) == 60.0  # `shared` holds the other holder's 3 units, no more
    assert first.wait_time(10) == 0.0  # the unit taken from `first` was refunded


def test_an_async_composite_waits_when_a_shared_member_is_drained_between_check_and_take(
    clock: ManualClock,
) -> None:
    shared = SlidingWindowLimiter(3, 60, clock=clock)
    first = _Racing(shared, clock)
    both = CompositeLimiter(first, shared)

    asyncio.run(both.aacquire(1))

    assert clock.monotonic() == 60.0  # granted only once the other holder's units expired
    assert (first.wait_time(9), first.wait_time(10)) == (0.0, 60.0)  # one unit, taken at 60
    assert shared.wait_time(3) == 60.0


def test_a_composite_refund_gives_back_every_member(clock: ManualClock) -> None:
    one, two = SlidingWindowLimiter(1, 60, clock=clock), TokenBucketLimiter(1, clock=clock)
    both = CompositeLimiter(one, two)
    taken = both.take(1)

    taken.refund()

    assert (one.wait_time(1), two.wait_time(1)) == (0.0, 0.0)


def test_every_limiter_is_a_base_limiter() -> None:
    for make in LIMITERS.values():
        assert isinstance(make(ManualClock()), BaseLimiter)
