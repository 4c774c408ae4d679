"""Budget, 429s and error envelopes, through the shared transport, on simulated time."""

from __future__ import annotations

import pytest

from cryptodata import (
    ManualClock,
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    SlidingWindowLimiter,
)

from .conftest import NOW, FakeCoinGecko, Universe, fixture_bytes

RATE_LIMITED = fixture_bytes("rate-limit.json")


def test_keyless_default_budget_is_ten_calls_a_minute(
    universe: Universe, fake: FakeCoinGecko, clock: ManualClock
) -> None:
    fake.limit = 10

    for _ in range(2):
        universe(300, ttl=0)  # 24 calls each

    assert len(fake.calls) == 48
    assert 429 not in fake.statuses()
    assert fake.most_in_any_window() == 10
    assert clock.time() - NOW == 240.0


def test_demo_key_default_budget_is_thirty_calls_a_minute(
    universe: Universe, fake: FakeCoinGecko, clock: ManualClock
) -> None:
    fake.api_key, fake.limit = "demo-key", 30

    for _ in range(2):
        universe(300, ttl=0, api_key="demo-key")  # 24 calls each

    assert len(fake.calls) == 48
    assert 429 not in fake.statuses()
    assert fake.most_in_any_window() == 30
    assert clock.time() - NOW == 60.0


def test_a_429_is_backed_off_then_retried(
    universe: Universe, fake: FakeCoinGecko, clock: ManualClock
) -> None:
    expected = universe(5, ttl=0)
    fake.calls.clear()
    start = clock.time()
    fake.answer_next(429, RATE_LIMITED, path="/coins/markets")

    assert universe(5, ttl=0) == expected

    assert fake.statuses()[1:3] == [429, 200]
    waited = fake.calls[2].time - fake.calls[1].time
    assert 7.5 <= waited <= 15.0  # first backoff: half to all of 15 s (no Retry-After)
    assert fake.calls[1].time == start


def test_429s_exhausting_the_attempts_raise_and_pause_a_shared_limiter(
    universe: Universe, fake: FakeCoinGecko, clock: ManualClock
) -> None:
    shared = SlidingWindowLimiter(30, 60.0, clock=clock)
    fake.answer_next(429, RATE_LIMITED, count=10, path="/coins/markets")

    with pytest.raises(RateLimitError) as caught:
        universe(5, limiter=shared)

    assert fake.statuses() == [200, 429, 429, 429, 429, 429]
    assert caught.value.endpoint == "/coins/markets"
    assert caught.value.retry_after is None
    assert caught.value.body.startswith('{ "status": { "error_code": 429, "error_message": ')
    assert 30.0 <= shared.wait_time() <= 60.0  # the last backoff: everyone sharing it waits


def test_retry_policy_is_configurable(universe: Universe, fake: FakeCoinGecko) -> None:
    fake.answer_next(429, RATE_LIMITED, count=10, path="/coins/markets")

    with pytest.raises(RateLimitError):
        universe(5, retry=RetryPolicy(max_attempts=2))

    assert fake.statuses() == [200, 429, 429]


def test_a_rate_limit_envelope_with_http_200_is_backed_off_and_retried_like_a_429(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    expected = universe(5, ttl=0)
    fake.calls.clear()
    fake.answer_next(200, RATE_LIMITED, path="/coins/markets")

    assert universe(5, ttl=0) == expected

    assert fake.statuses()[1:3] == [200, 200]
    waited = fake.calls[2].time - fake.calls[1].time
    assert 7.5 <= waited <= 15.0  # the same first backoff as an HTTP 429


def test_rate_limit_envelopes_exhausting_the_attempts_raise_and_pause_a_shared_limiter(
    universe: Universe, fake: FakeCoinGecko, clock: ManualClock
) -> None:
    shared = SlidingWindowLimiter(30, 60.0, clock=clock)
    fake.answer_next(200, RATE_LIMITED, count=10, path="/coins/markets")

    with pytest.raises(RateLimitError) as caught:
        universe(5, limiter=shared)

    assert str(caught.value).startswith(
        "coingecko /coins/markets answered HTTP 200: rate limited (error_code 429 in a 200 "
        'response) (body: { "status": { "error_code": 429,'
    )
    assert fake.statuses() == [200] * 6
    assert 30.0 <= shared.wait_time() <= 60.0


def test_a_body_that_is_not_a_coin_list_raises_response_format_error(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    fake.answer_next(200, b'{"coins": []}', path="/coins/markets")

    with pytest.raises(ResponseFormatError) as caught:
        universe(5)

    assert str(caught.value) == (
        "coingecko /coins/markets sent a response we cannot parse: Expected `array`, got "
        '`object` (body: {"coins": []})'
    )
