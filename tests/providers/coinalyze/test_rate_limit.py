"""Budget, 429 / Retry-After, retries and error classes, all on simulated time."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from cryptodata import (
    AuthenticationError,
    BadRequestError,
    Coinalyze,
    ManualClock,
    RateLimitError,
    RetryPolicy,
    ServerError,
    SlidingWindowLimiter,
    TransportError,
)

from .conftest import (
    API_KEY,
    BASE_URL,
    LIMIT,
    NOW,
    NOW_DT,
    WINDOW,
    Call,
    FakeCoinalyze,
    assert_exact,
    synthetic,
)

H = timedelta(hours=1)
PATH = "/open-interest-history"


def _fetch(client: Coinalyze, i: int = 0) -> None:
    client.open_interest_history(synthetic(i % 50), interval="1h", start=NOW_DT - 2 * H, end=NOW_DT)


def _max_units_in_any_window(calls: list[Call]) -> int:
    granted = [call for call in calls if call.status == 200]
    return max(
        sum(other.cost for other in granted if call.time - WINDOW < other.time <= call.time)
        for call in granted
    )


def test_sixty_single_symbol_calls_never_draw_a_429(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    for i in range(60):
        _fetch(cz, i)

    assert len(fake.data_calls) == 60
    assert 429 not in fake.statuses()
    assert cz.stats.rate_limited == 0
    # 3 list calls + 60 symbol-calls = 63 units: 40 at t=0, the other 23 once the window rolls.
    assert clock.time() - NOW == 60.0
    assert [call.time - NOW for call in fake.data_calls].count(0.0) == 37
    assert _max_units_in_any_window(fake.calls) == LIMIT


def test_batched_requests_wait_for_their_full_cost(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    symbols = [synthetic(i) for i in range(50)]

    cz.funding_rate(symbols)  # 3 + 20 + 20 + 10 units
    cz.funding_rate(symbols[:20])

    assert [(call.cost, call.time - NOW) for call in fake.data_calls] == [
        (20, 0.0),
        (20, 60.0),  # 3 + 20 + 20 > 40: waits for the first grants to expire
        (10, 60.0),
        (20, 120.0),  # 20 + 10 + 20 > 40: waits for the 20 granted at t=60
    ]
    assert 429 not in fake.statuses()


def test_retry_after_is_waited_on_the_clock_then_the_call_succeeds(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.fail_next(429, headers={"Retry-After": "5"}, path=PATH)

    table = cz.open_interest_history("BTCUSDT.6", interval="1h", start=NOW_DT - 2 * H, end=NOW_DT)

    assert [call.status for call in fake.data_calls] == [429, 200]
    assert fake.data_calls[1].time - fake.data_calls[0].time == 5.0
    assert clock.time() - NOW == 5.0
    assert cz.stats.rate_limited == 1
    assert cz.stats.retried == 1
    assert cz.stats.sent == 5
    assert cz.stats.failed == 0
    assert_exact(
        table.to_polars(),
        fake.truth("open_interest_history", ["BTCUSDT.6"], "1h", NOW_DT - 2 * H, NOW_DT),
    )


def test_long_retry_after_pauses_every_client_sharing_the_limiter(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    shared = SlidingWindowLimiter(LIMIT, WINDOW, clock=clock)
    first = Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL, limiter=shared)
    second = Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL, limiter=shared)
    _fetch(second)  # loads the second client's catalogue
    fake.fail_next(429, headers={"Retry-After": "300"}, path=PATH)

    with pytest.raises(RateLimitError):
        _fetch(first)
    refused_at = fake.data_calls[-1].time
    _fetch(second, 1)

    # Paused for as long as the policy waits out (max_retry_after=120), not the 300 asked.
    assert fake.data_calls[-1].time - refused_at == 120.0
    assert fake.data_calls[-1].status == 200
    first.close()
    second.close()


def test_a_429_on_the_last_attempt_still_pauses_the_limiter(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.fail_next(429, headers={"Retry-After": "7"}, path=PATH)
    with Coinalyze(
        api_key=API_KEY, clock=clock, base_url=BASE_URL, retry=RetryPolicy(max_attempts=1)
    ) as client:
        with pytest.raises(RateLimitError):
            _fetch(client)
        _fetch(client, 1)

    assert fake.data_calls[1].time - fake.data_calls[0].time >= 7.0


def test_429_without_retry_after_backs_off(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.fail_next(429, headers={}, path=PATH)

    _fetch(cz)

    waited = fake.data_calls[1].time - fake.data_calls[0].time
    assert 0.25 <= waited <= 0.5  # first backoff: between half and all of backoff_base
    assert cz.stats.rate_limited == 1


def test_retry_after_longer_than_allowed_raises_at_once_and_pauses_for_max_retry_after(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.fail_next(429, headers={"Retry-After": "300"}, path=PATH)

    with pytest.raises(RateLimitError) as caught:
        _fetch(cz)

    assert caught.value.retry_after == 300.0
    assert caught.value.status == 429
    assert caught.value.endpoint == PATH
    assert len(fake.data_calls) == 1
    assert (cz.stats.rate_limited, cz.stats.retried, cz.stats.failed) == (1, 0, 1)
    _fetch(cz)  # the limiter honours the pause, capped at the policy's 120 s, before sending
    assert fake.data_calls[1].time - fake.data_calls[0].time == 120.0


def test_429_exhausting_the_attempts_raises_rate_limit_error(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.fail_next(429, headers={"Retry-After": "2"}, count=10, path=PATH)

    with pytest.raises(RateLimitError) as caught:
        _fetch(cz)

    assert caught.value.retry_after == 2.0
    assert [call.status for call in fake.data_calls] == [429] * 5
    assert clock.time() - NOW == 8.0
    assert (cz.stats.rate_limited, cz.stats.retried, cz.stats.failed) == (5, 4, 1)


def test_server_errors_are_retried_then_succeed(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.fail_next(503, count=2, path=PATH)

    _fetch(cz)

    assert [call.status for call in fake.data_calls] == [503, 503, 200]
    assert cz.stats.retried == 2


def test_server_errors_exhausting_the_attempts_raise_server_error(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.fail_next(500, count=10, body=b'{"message": "Internal Server Error"}', path=PATH)

    with pytest.raises(ServerError) as caught:
        _fetch(cz)

    assert str(caught.value) == (
        'coinalyze /open-interest-history answered HTTP 500: server error (body: {"message": '
        '"Internal Server Error"})'
    )
    assert len(fake.data_calls) == 5
    assert cz.stats.failed == 1


def test_timeouts_are_retried_then_raise_transport_error(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.raise_next(httpx.ReadTimeout("timed out"), count=10, path=PATH)

    with pytest.raises(TransportError) as caught:
        _fetch(cz)

    assert str(caught.value) == "coinalyze /open-interest-history: ReadTimeout: timed out"
    assert len(fake.data_calls) == 5


def test_bad_key_raises_authentication_error_without_retry(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    with (
        Coinalyze(api_key="wrong-key", clock=clock, base_url=BASE_URL) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        _fetch(client)

    assert caught.value.status == 401
    assert caught.value.endpoint == "/exchanges"
    assert [call.status for call in fake.calls] == [401]


def test_bad_request_is_not_retried(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.fail_next(400, body=b'{"message": "bad interval"}', path=PATH)

    with pytest.raises(BadRequestError) as caught:
        _fetch(cz)

    assert caught.value.body == '{"message": "bad interval"}'
    assert len(fake.data_calls) == 1


def test_clients_sharing_one_limiter_stay_under_the_server_limit(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    shared = SlidingWindowLimiter(LIMIT, WINDOW, clock=clock)
    clients = [
        Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL, limiter=shared) for _ in range(2)
    ]

    for i in range(30):
        for client in clients:
            _fetch(client, i)

    assert 429 not in fake.statuses()
    assert len(fake.data_calls) == 60
    assert _max_units_in_any_window(fake.calls) <= LIMIT
    for client in clients:
        client.close()


def test_clients_with_separate_limiters_are_throttled_by_the_server_and_recover(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    clients = [Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL) for _ in range(2)]

    for i in range(30):
        for client in clients:
            _fetch(client, i)

    throttled = fake.statuses().count(429)
    assert throttled > 0
    assert sum(client.stats.rate_limited for client in clients) == throttled
    assert sum(client.stats.failed for client in clients) == 0
    assert [call.status for call in fake.data_calls].count(200) == 60
    assert _max_units_in_any_window(fake.calls) <= LIMIT
    for client in clients:
        client.close()
