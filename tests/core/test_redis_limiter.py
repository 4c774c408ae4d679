"""RedisRateLimiter against a real redis-server: one shared sliding window for every process.

Grant times are read back from the limiter's sorted set, where the Lua script scores each
grant with the Redis server's clock (`TIME`, in microseconds), so the assertions check the
window the server enforced, not what a client believes its clock said.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import multiprocessing
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from cryptodata import Coinalyze, RateLimitError, RetryPolicy
from cryptodata.core.clock import SystemClock
from cryptodata.core.errors import TransportError, ValidationError
from cryptodata.core.limiters import CompositeLimiter, RateLimiter, SlidingWindowLimiter
from cryptodata.core.redis_limiter import RedisRateLimiter
from servers.redis import redis_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "coinalyze"
SYMBOLS = ["BTCUSD_PERP.A", "BTCUSDC_PERP.A", "BTCUSDT_PERP.A"]  # the fixture's futures
US = 1_000_000

MakeLimiter = Callable[..., RedisRateLimiter]


class RecordingClock(SystemClock):
    """The system clock, remembering every wait it was asked for."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        super().sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await super().asleep(seconds)


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as inspector:
        yield inspector


@pytest.fixture
def make_limiter(redis_url: str, redis_key: str) -> Iterator[MakeLimiter]:
    """Limiters on this test's key (unless told otherwise), closed after the test."""
    made: list[RedisRateLimiter] = []

    def make(**options: Any) -> RedisRateLimiter:
        options.setdefault("key", redis_key)
        limiter = RedisRateLimiter(redis_url, **options)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        limiter.close()


@pytest.fixture
def unreachable() -> Iterator[redis.Redis]:
    """A client of a port that refuses connections (bound, never listening), without retries."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        with redis.Redis(port=port, retry=Retry(NoBackoff(), 0)) as dead:
            yield dead


def grants_key(key: str) -> str:
    """The limiter's sorted set of grants (the layout documented in the module)."""
    return f"{{{key}}}:grants"


def grants(client: redis.Redis, key: str) -> list[tuple[int, int]]:
    """`(server time in µs, cost)` of every live grant on `key`, oldest first."""
    members = client.zrange(grants_key(key), 0, -1, withscores=True)
    return [(int(score), int(member.split(b":")[0])) for member, score in members]


def server_now(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return seconds * US + micros


def wait_bounds_ms(expires_at: int, asked_between: tuple[int, int]) -> tuple[int, int]:
    """The wait in ms the script answers when asked between two server times (µs), rounded up."""
    before, after = asked_between
    return math.ceil((expires_at - after) / 1000), math.ceil((expires_at - before) / 1000)


# --- the window -------------------------------------------------------------------------------


def test_it_is_a_rate_limiter(make_limiter: MakeLimiter) -> None:
    assert isinstance(make_limiter(limit=40), RateLimiter)


def test_the_limit_is_granted_at_once_then_the_next_waits_for_the_oldest_grant(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    limiter = make_limiter(limit=3, window=1.0)

    granted = [limiter.try_acquire() for _ in range(3)]
    before = server_now(client)
    wait = limiter.try_acquire()
    after = server_now(client)

    assert granted == [0.0, 0.0, 0.0]
    oldest = grants(client, redis_key)[0][0]
    low, high = wait_bounds_ms(oldest + 1 * US, (before, after))
    assert low <= round(wait * 1000) <= high
    assert len(grants(client, redis_key)) == 3  # the refused call took nothing


def test_cost_counts_as_its_units_not_as_one_grant(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    limiter = make_limiter(limit=5, window=1.0)

    first = limiter.try_acquire(3)
    refused = limiter.try_acquire(3)  # 3 + 3 > 5, though only one grant is recorded
    fits = limiter.try_acquire(2)  # 3 + 2 = 5

    assert (first, fits) == (0.0, 0.0)
    assert 0.9 < refused <= 1.0
    assert [cost for _, cost in grants(client, redis_key)] == [3, 2]


def test_a_large_cost_waits_until_enough_cost_has_expired(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    limiter = make_limiter(limit=4, window=1.0)
    limiter.acquire(1)
    time.sleep(0.1)
    limiter.acquire(3)
    (first, _), (second, _) = grants(client, redis_key)

    before = server_now(client)
    one, three = limiter.wait_time(1), limiter.wait_time(3)
    after = server_now(client)

    low, high = wait_bounds_ms(first + 1 * US, (before, after))
    assert low <= round(one * 1000) <= high  # 1 unit frees when the first grant expires
    low, high = wait_bounds_ms(second + 1 * US, (before, after))
    assert low <= round(three * 1000) <= high  # 3 units need the second one gone too
    assert [cost for _, cost in grants(client, redis_key)] == [1, 3]  # wait_time takes nothing


def test_acquire_sleeps_on_its_clock_until_the_window_slides(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    clock = RecordingClock()
    limiter = make_limiter(limit=2, window=0.3, clock=clock)

    started = server_now(client)
    for _ in range(3):
        limiter.acquire()

    # The third grant came once the first (made after `started`) had expired.
    third = grants(client, redis_key)[-1][0]
    assert 0.3 * US <= third - started < 0.4 * US
    assert 0.25 < sum(clock.waits) < 0.35


def test_keys_expire_one_window_after_the_last_grant(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    make_limiter(limit=5, window=0.2).acquire()

    assert 0 < client.pttl(grants_key(redis_key)) <= 200
    time.sleep(0.25)
    assert client.exists(grants_key(redis_key)) == 0


# --- pause ------------------------------------------------------------------------------------


def test_a_pause_is_seen_by_another_limiter_on_the_same_key(make_limiter: MakeLimiter) -> None:
    first, second = make_limiter(limit=40), make_limiter(limit=40)

    started = time.monotonic()
    first.pause(0.5)
    wait = second.wait_time()
    elapsed = time.monotonic() - started

    assert 0.5 - elapsed - 0.001 <= wait <= 0.5


def test_a_pause_holds_async_acquirers(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    pauser, waiter = make_limiter(limit=40), make_limiter(limit=40)

    async def acquire_after_pause() -> float:
        started = time.monotonic()
        pauser.pause(0.3)
        await waiter.aacquire()
        elapsed = time.monotonic() - started
        await waiter.aclose()
        return elapsed

    # At least the pause; how late the wake-up comes is the machine's, not the limiter's.
    assert asyncio.run(acquire_after_pause()) >= 0.29
    assert len(grants(client, redis_key)) == 1


def test_a_shorter_pause_does_not_cut_a_longer_one(make_limiter: MakeLimiter) -> None:
    first, second = make_limiter(limit=40), make_limiter(limit=40)

    first.pause(1.0)
    second.pause(0.1)

    assert 0.9 < second.wait_time() <= 1.0


def test_a_longer_pause_extends_a_shorter_one(make_limiter: MakeLimiter) -> None:
    first, second = make_limiter(limit=40), make_limiter(limit=40)

    first.pause(0.1)
    second.pause(1.0)

    assert 0.9 < first.wait_time() <= 1.0


# --- several processes ------------------------------------------------------------------------

SHARED_LIMIT = 4
SHARED_WINDOW = 0.4
GRANTS_PER_WORKER = 10


def _worker(url: str, key: str, start: Any, results: Any) -> None:
    """Take GRANTS_PER_WORKER units, snapshotting the grant set after each one."""
    limiter = RedisRateLimiter(url, key, limit=SHARED_LIMIT, window=SHARED_WINDOW)
    seen: dict[bytes, float] = {}
    with redis.Redis.from_url(url) as inspector:
        start.wait()
        for _ in range(GRANTS_PER_WORKER):
            limiter.acquire()
            # A grant stays in the set for a whole window, so this snapshot holds our own.
            seen.update(inspector.zrange(grants_key(key), 0, -1, withscores=True))
    limiter.close()
    results.put(seen)


def test_two_processes_sharing_a_key_never_exceed_the_limit_in_any_window(
    redis_url: str, redis_key: str
) -> None:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(3), context.Queue()
    workers = [
        context.Process(target=_worker, args=(redis_url, redis_key, start, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    start.wait(timeout=30)
    seen = {**results.get(timeout=30), **results.get(timeout=30)}
    for worker in workers:
        worker.join(timeout=10)

    times = sorted(int(score) for score in seen.values())
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert len(times) == 2 * GRANTS_PER_WORKER
    # No SHARED_LIMIT + 1 grants within one window: each grant is at least a window after
    # the one SHARED_LIMIT places earlier.
    gaps = [later - earlier for earlier, later in zip(times, times[SHARED_LIMIT:], strict=False)]
    assert min(gaps) >= SHARED_WINDOW * US


# --- asyncio ----------------------------------------------------------------------------------


def test_aacquire_waits_for_the_window_without_blocking_the_event_loop(
    make_limiter: MakeLimiter,
) -> None:
    clock = RecordingClock()
    limiter = make_limiter(limit=2, window=0.3, clock=clock)

    async def three_acquirers_and_a_ticker() -> tuple[float, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        started = time.monotonic()
        await asyncio.gather(*(limiter.aacquire() for _ in range(3)))
        elapsed = time.monotonic() - started
        ticker.cancel()
        await limiter.aclose()
        return elapsed, ticks

    elapsed, ticks = asyncio.run(three_acquirers_and_a_ticker())

    # The third waited for the first grant to expire. No upper bound: on a busy machine the
    # wake-up comes late, and speed is the benchmarks' to measure.
    assert elapsed >= 0.299
    # The loop kept running meanwhile: a blocking wait would have let the ticker run once.
    assert ticks >= 5
    assert 0.25 < sum(clock.waits) < 0.35


def test_aacquire_works_again_in_a_new_event_loop(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    limiter = make_limiter(limit=5, window=1.0)

    async def acquire(cost: int) -> None:
        await limiter.aacquire(cost)
        await limiter.aclose()

    asyncio.run(acquire(1))
    asyncio.run(acquire(2))

    assert [cost for _, cost in grants(client, redis_key)] == [1, 2]


def test_aacquire_uses_a_given_asyncio_client(
    redis_url: str, redis_key: str, client: redis.Redis
) -> None:
    async def acquire_with_own_client() -> None:
        async with redis.asyncio.Redis.from_url(redis_url) as async_client:
            limiter = RedisRateLimiter(
                client, redis_key, limit=5, window=1.0, async_client=async_client
            )
            await limiter.aacquire(2)

    asyncio.run(acquire_with_own_client())

    assert [cost for _, cost in grants(client, redis_key)] == [2]


def test_aacquire_with_only_a_blocking_client_still_grants(
    client: redis.Redis, redis_key: str
) -> None:
    limiter = RedisRateLimiter(client, redis_key, limit=5, window=1.0)

    asyncio.run(limiter.aacquire(3))

    assert [cost for _, cost in grants(client, redis_key)] == [3]


# --- as a client's limiter --------------------------------------------------------------------


class FakeCoinalyze:
    """Market lists from the fixtures; data endpoints answer the queued responses, then `[]`."""

    def __init__(self, *queued: httpx.Response) -> None:
        self.queued = list(queued)
        self.calls: list[tuple[float, str, int]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name in ("exchanges", "future-markets", "spot-markets"):
            response = httpx.Response(200, content=(FIXTURES / f"{name}.json").read_bytes())
        else:
            response = self.queued.pop(0) if self.queued else httpx.Response(200, json=[])
        self.calls.append((time.monotonic(), name, response.status_code))
        return response

    def client(self, limiter: RedisRateLimiter, **options: Any) -> Coinalyze:
        return Coinalyze(
            api_key="k",
            limiter=limiter,
            http_transport=httpx.MockTransport(self.handle),
            **options,
        )


def test_a_coinalyze_request_is_charged_one_unit_per_symbol(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    cz = FakeCoinalyze().client(make_limiter(limit=40))

    cz.funding_rate(SYMBOLS)

    # /exchanges, /future-markets, /spot-markets, then one request for the three symbols
    assert [cost for _, cost in grants(client, redis_key)] == [1, 1, 1, 3]


def test_a_429_pauses_the_shared_budget_for_another_client_on_the_key(
    make_limiter: MakeLimiter,
) -> None:
    fake = FakeCoinalyze(httpx.Response(429, headers={"Retry-After": "1"}, json=[]))
    refused = fake.client(make_limiter(limit=40), retry=RetryPolicy(max_attempts=1))
    other = fake.client(make_limiter(limit=40))

    with pytest.raises(RateLimitError):
        refused.funding_rate(SYMBOLS)
    other.funding_rate(SYMBOLS)

    rate_limited_at = next(at for at, _, status in fake.calls if status == 429)
    other_first_call = fake.calls[4][0]  # after the refused client's 3 list calls and its 429
    assert other_first_call - rate_limited_at >= 0.99
    assert [status for _, _, status in fake.calls].count(429) == 1
    assert other.stats.rate_limited == 0


# --- errors, repr, imports --------------------------------------------------------------------


def test_repr_hides_the_password_of_a_url() -> None:
    in_user_part = RedisRateLimiter("redis://app:s3cret@cache:6379/0", "cz", limit=40)
    in_query = RedisRateLimiter("redis://cache:6379/0?password=s3cret&db=1", "cz", limit=40)

    assert repr(in_user_part) == (
        "RedisRateLimiter('redis://app:***@cache:6379/0', key='cz', limit=40, window=60)"
    )
    assert repr(in_query) == (
        "RedisRateLimiter('redis://cache:6379/0?password=***&db=1', key='cz', limit=40, window=60)"
    )


def test_repr_of_a_given_client_shows_where_without_credentials() -> None:
    with redis.Redis(host="cache", port=6380, db=2, password="s3cret") as given:
        limiter = RedisRateLimiter(given, "cz", limit=40, window=30)

        assert repr(limiter) == (
            "RedisRateLimiter('redis://cache:6380/2', key='cz', limit=40, window=30)"
        )


@pytest.mark.parametrize("cost", [0, 41])
def test_a_cost_outside_1_to_limit_is_refused_before_redis_is_asked(
    unreachable: redis.Redis, cost: int
) -> None:
    # Any call to Redis would raise TransportError here.
    limiter = RedisRateLimiter(unreachable, "cz", limit=40)

    with pytest.raises(ValidationError, match=f"an integer from 1 to 40, got {cost}"):
        limiter.acquire(cost)
    with pytest.raises(ValidationError):
        limiter.wait_time(cost)
    with pytest.raises(ValidationError):
        asyncio.run(limiter.aacquire(cost))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key": "", "limit": 40}, "key must be a non-empty string"),
        ({"key": "cz", "limit": 0}, "limit must be an integer of at least 1, got 0"),
        ({"key": "cz", "limit": 40, "window": 0.0}, "window must be .* at least 0.001"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RedisRateLimiter("redis://cache:6379/0", **options)


def test_an_asyncio_client_alone_is_refused_with_the_way_out() -> None:
    async_client = redis.asyncio.Redis(host="cache")

    with pytest.raises(ValidationError, match="pass an asyncio client as async_client="):
        RedisRateLimiter(async_client, "cz", limit=40)  # type: ignore[arg-type]


def test_unreachable_redis_raises_transport_error(unreachable: redis.Redis) -> None:
    limiter = RedisRateLimiter(unreachable, "cz", limit=40)

    with pytest.raises(TransportError, match="cannot reach Redis") as caught:
        limiter.acquire()

    assert (caught.value.provider, caught.value.endpoint) == ("redis", "cz")
    assert isinstance(caught.value.__cause__, redis.exceptions.ConnectionError)


def test_close_leaves_a_given_client_open(client: redis.Redis, redis_key: str) -> None:
    limiter = RedisRateLimiter(client, redis_key, limit=5)
    limiter.acquire()

    limiter.close()

    assert client.ping() is True


def test_a_missing_redis_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)

    with pytest.raises(ImportError, match=r"pip install 'cryptodata\[redis\]'"):
        RedisRateLimiter("redis://cache:6379/0", "cz", limit=40)


def test_importing_the_module_does_not_import_redis() -> None:
    code = "import sys, cryptodata.core.redis_limiter; print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "False"


def test_capacity_is_the_limit(redis_url: str, redis_key: str) -> None:
    limiter = RedisRateLimiter(redis_url, redis_key, limit=12, window=1.0)

    assert limiter.capacity == 12.0
    limiter.close()


def test_rate_is_the_limit_per_window_second(redis_url: str, redis_key: str) -> None:
    limiter = RedisRateLimiter(redis_url, redis_key, limit=12, window=4.0)

    assert limiter.rate == 3.0
    limiter.close()


# --- hostile inputs and a misbehaving server (issue 8) ----------------------------------------


@pytest.mark.parametrize("cost", [math.nan, 1.9, -1, True, "2"])
def test_a_cost_that_is_not_an_integer_is_refused_and_nothing_is_recorded(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str, cost: Any
) -> None:
    limiter = make_limiter(limit=40)

    with pytest.raises(ValidationError, match="cost must be an integer from 1 to 40"):
        limiter.try_acquire(cost)

    assert client.zcard(grants_key(redis_key)) == 0


def test_a_nan_cost_does_not_poison_the_key_for_later_acquires(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    poisoner, other = make_limiter(limit=40), make_limiter(limit=40)
    with pytest.raises(ValidationError):
        poisoner.try_acquire(math.nan)

    assert other.try_acquire(1) == 0.0
    assert [cost for _, cost in grants(client, redis_key)] == [1]


def test_a_pause_of_1e16_seconds_is_cut_to_a_day(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    limiter = make_limiter(limit=40)

    limiter.pause(1e16)

    assert 86_399_000 <= client.pttl(f"{{{redis_key}}}:pause") <= 86_400_000
    assert 86_399 <= limiter.wait_time(1) <= 86_400


def test_an_infinite_pause_is_cut_to_a_day(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    make_limiter(limit=40).pause(math.inf)

    assert 86_399_000 <= client.pttl(f"{{{redis_key}}}:pause") <= 86_400_000


def test_a_key_holding_another_type_raises_a_validation_error_naming_it(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    client.set(grants_key(redis_key), "someone else's value")
    limiter = make_limiter(limit=40)

    with pytest.raises(ValidationError, match="hold another type of value") as caught:
        limiter.acquire()

    assert grants_key(redis_key) in str(caught.value)
    assert "another key=" in str(caught.value)


def test_a_key_holding_another_type_raises_the_same_from_asyncio(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    client.set(grants_key(redis_key), "someone else's value")
    limiter = make_limiter(limit=40)

    async def main() -> None:
        try:
            await limiter.aacquire()
        finally:
            await limiter.aclose()

    with pytest.raises(ValidationError, match="hold another type of value"):
        asyncio.run(main())


def test_a_stalled_redis_fails_acquire_with_transport_error_after_the_timeout(
    own_redis: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, server = own_redis
    limiter = RedisRateLimiter(url, "stalled", limit=40, timeout=0.5)
    limiter.acquire()  # connected and working
    server.send_signal(signal.SIGSTOP)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        attempt = pool.submit(limiter.acquire)
        # A blocked acquire is left to the fixture's SIGCONT, which ends it.
        with pytest.raises(TransportError, match=r"answers within timeout=0\.5s") as caught:
            attempt.result(timeout=15)

    assert (caught.value.provider, caught.value.endpoint) == ("redis", "stalled")
    limiter.close()


def test_a_stalled_redis_fails_aacquire_and_pause_with_transport_error(
    own_redis: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, server = own_redis
    limiter = RedisRateLimiter(url, "stalled", limit=40, timeout=0.5)

    async def acquire_then_stall() -> None:
        await limiter.aacquire()
        server.send_signal(signal.SIGSTOP)
        try:
            await asyncio.wait_for(limiter.aacquire(), timeout=15)
        finally:
            await limiter.aclose()

    with pytest.raises(TransportError):
        asyncio.run(acquire_then_stall())
    with concurrent.futures.ThreadPoolExecutor(1) as pool, pytest.raises(TransportError):
        pool.submit(limiter.pause, 5).result(timeout=15)
    limiter.close()


def test_a_wrong_password_raises_transport_error_that_never_shows_it(tmp_path: Path) -> None:
    with redis_server(tmp_path, "--requirepass", "right-one") as (url, _):
        for wrong in (
            url.replace("redis://", "redis://:hunter2-wrong@"),
            f"{url}?password=hunter2-wrong",
        ):
            limiter = RedisRateLimiter(wrong, "cz", limit=40, timeout=2)

            with pytest.raises(TransportError, match="AuthenticationError") as caught:
                limiter.acquire()

            shown = "".join(traceback.format_exception(caught.value))
            assert "hunter2-wrong" not in shown
            limiter.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"limit": 2.5}, "limit must be an integer of at least 1, got 2.5"),
        ({"limit": True}, "limit must be an integer of at least 1, got True"),
        ({"limit": 40, "window": math.nan}, "window must be a number of seconds"),
        ({"limit": 40, "window": math.inf}, "window must be a number of seconds"),
        ({"limit": 40, "timeout": -1}, "timeout must be a number of seconds greater than 0"),
        ({"limit": 40, "timeout": math.nan}, "timeout must be a number of seconds greater than 0"),
        ({"limit": 40, "timeout": math.inf}, "timeout must be a number of seconds greater than 0"),
    ],
)
def test_non_finite_or_mistyped_settings_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RedisRateLimiter("redis://cache:6379/0", "cz", **options)


# --- refunds and composites -------------------------------------------------------------------


def test_a_refund_removes_the_grant_from_the_shared_window(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    limiter = make_limiter(limit=2)
    limiter.acquire()
    taken = limiter.take(1)

    taken.refund()

    assert [cost for _, cost in grants(client, redis_key)] == [1]
    assert limiter.try_acquire(1) == 0.0


def test_a_composite_refuses_and_refunds_when_the_shared_redis_budget_is_gone(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    local = SlidingWindowLimiter(10, 60)
    shared, other_process = make_limiter(limit=3), make_limiter(limit=3)
    both = CompositeLimiter(local, shared)
    other_process.acquire(3)

    assert both.try_acquire(1) > 0
    assert local.wait_time(10) == 0.0  # the unit taken from `local` was given back
    assert len(grants(client, redis_key)) == 1


def test_an_async_composite_with_a_redis_member_takes_from_both(
    make_limiter: MakeLimiter, client: redis.Redis, redis_key: str
) -> None:
    local = SlidingWindowLimiter(10, 60)
    shared = make_limiter(limit=3)
    both = CompositeLimiter(local, shared)

    async def main() -> None:
        try:
            await both.aacquire(2)
        finally:
            await shared.aclose()

    asyncio.run(main())

    assert [cost for _, cost in grants(client, redis_key)] == [2]
    assert local.wait_time(9) > 0
