"""A sliding-window rate limiter kept in Redis, so several processes share one API key's budget.

Coinalyze counts calls per API key, not per process: three workers with their own
`SlidingWindowLimiter` of 40 a minute send up to 120 and
draw 429s. A `RedisRateLimiter` keeps the
window in Redis instead; every process that uses the same `key` draws from one budget.

Needs the `redis` extra (`pip install 'cryptodata[redis]'`) and Redis 5 or later.

Keys (the braces are a Redis hash tag: they keep both keys in one slot, as a script touching
several keys needs on Redis Cluster):

- `{key}:grants`: a sorted set with one member per grant, `"<cost>:<uuid>"`, scored by the
  grant time in microseconds of the Redis server's clock. Expires one window after the last
  grant, so an abandoned limiter leaves nothing behind.
- `{key}:pause`: present while the budget is paused (429 with `Retry-After`); its TTL is the
  time left.

Examples:
    >>> limiter = RedisRateLimiter("redis://localhost:6379/0", "coinalyze:main", limit=40)  # doctest: +SKIP
    >>> limiter.acquire(cost=20)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import math
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import unquote, urlsplit, urlunsplit

from ._checks import MAX_TIMEOUT, count, finite
from .clock import Clock, SystemClock
from .errors import TransportError, ValidationError
from .limiters import MAX_WINDOW, BaseLimiter, Taken

if TYPE_CHECKING:
    from redis import Redis
    from redis.asyncio import Redis as AsyncRedis
    from redis.commands.core import AsyncScript, Script

__all__ = ["RedisRateLimiter"]

# One atomic step of the sliding window, on the Redis server's clock so that processes on
# hosts with skewed clocks agree on when a grant expires.
#   KEYS: grants (sorted set), pause (string with a TTL)
#   ARGV: limit, window in microseconds, cost, member to record ("" to only ask)
#   Returns 0 when `cost` fits now (recording the grant when a member is given), else the
#   milliseconds to wait, rounded up so that waiting them never asks again too early.
# The used budget is summed from the members' costs on every call rather than kept in a
# counter key: a counter can expire or be evicted apart from the set and then over-grant,
# while the set alone is always the truth. The set holds at most `limit` members.
_ACQUIRE = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local grants = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #grants, 2 do
  used = used + tonumber(string.match(grants[i], '^%d+'))
end

-- PTTL is -2 when the key is absent, i.e. not paused.
local wait = math.max(redis.call('PTTL', KEYS[2]), 0) * 1000
local excess = used + cost - limit
if excess > 0 then
  local freed = 0
  for i = 1, #grants, 2 do
    freed = freed + tonumber(string.match(grants[i], '^%d+'))
    if freed >= excess then
      wait = math.max(wait, tonumber(grants[i + 1]) + window - now)
      break
    end
  end
end

if wait > 0 then
  return math.ceil(wait / 1000)
end
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
end
return 0
"""

# Pause for ARGV[1] milliseconds unless an existing pause lasts longer: a short Retry-After
# seen by one worker must not cut short the long one another worker was given.
_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[1])
end
return 0
"""


class RedisRateLimiter(BaseLimiter):
    """An exact sliding window in Redis: at most `limit` units in any `window` seconds, for all processes.

    Every process (and host) that builds a `RedisRateLimiter` with the same `key` shares one
    budget: give each API key its own `key`, and the same `limit` and `window` everywhere.
    Each grant and each check is one atomic Lua script run by the Redis server, on the
    server's clock, so hosts with skewed clocks still agree. A
    `RedisRateLimiter.pause` (the transport's answer to
    a 429) is seen by every holder of the key.

    Connections are opened on first use: a blocking client for `acquire` and `pause`, and an
    asyncio client (one per event loop) for `aacquire`. Given a `redis.Redis` client instead of
    a URL, the limiter uses it, and runs `aacquire` in a worker thread unless `async_client`
    is given too. Clients passed in are never closed by the limiter. From asyncio, call
    `await limiter.aclose()` before the event loop ends: its connections belong to that loop.

    When Redis cannot be reached, or does not answer within `timeout` (a stalled server),
    `acquire`, `aacquire` and `pause` raise `TransportError`
    (`provider="redis"`, the password never shown): the limiter never grants blindly, since
    workers each granting the full budget would draw the 429s it exists to prevent. A `key`
    whose Redis keys hold another type of value (another program's data) raises
    `ValidationError` naming them: choose another `key`.

    Args:
        redis_url_or_client: A Redis URL (`redis://`, `rediss://`, `unix://`; credentials
            are never shown by `repr`) or a `redis.Redis` client.
        key: Name of the shared budget, e.g. `"coinalyze:<key id>"`; one per API key.
        limit: Budget per window, an integer of at least 1 (Coinalyze: 40).
        window: Window length in seconds, from 0.001 to a year (Coinalyze: 60).
        clock: Used only to wait (`sleep` / `asleep`); time itself is read from Redis, so a
            `ManualClock` makes `acquire` spin until real time
            has passed.
        async_client: A `redis.asyncio.Redis` client for `aacquire`, when you manage clients
            yourself.
        timeout: Seconds to wait for Redis to connect and to answer each command, above 0
            and at most 3600, for the connections opened from a URL (clients passed in keep
            their own settings; a `socket_timeout` in the URL's query wins). The redis
            package may retry a command that timed out a few times before the error is raised.

    Raises:
        ValidationError: If `key` is not a non-empty string, `limit` is not an integer of at
            least 1, `window` or `timeout` is out of range, or the client is not a URL or a
            `redis.Redis`.
        ImportError: If the `redis` package is missing (install `cryptodata[redis]`).

    Examples:
        Two workers, in two processes or on two hosts, sharing one Coinalyze key:

        >>> from cryptodata import Coinalyze
        >>> from cryptodata.core.redis_limiter import RedisRateLimiter
        >>> shared = RedisRateLimiter("redis://cache:6379/0", "coinalyze:main", limit=40, window=60)  # doctest: +SKIP
        >>> cz = Coinalyze(limiter=shared)  # doctest: +SKIP
    """

    def __init__(
        self,
        redis_url_or_client: str | Redis,
        key: str,
        *,
        limit: int,
        window: float = 60.0,
        clock: Clock | None = None,
        async_client: AsyncRedis | None = None,
        timeout: float = 5.0,
    ) -> None:
        try:
            import redis
        except ImportError as exc:
            raise ImportError(
                "RedisRateLimiter needs the redis package: pip install 'cryptodata[redis]'"
            ) from exc
        if not isinstance(key, str) or not key:
            raise ValidationError(
                f"key must be a non-empty string, e.g. 'coinalyze:main', got {key!r}"
            )
        limit = count("limit", limit)
        window = finite("window", window, minimum=0.001, maximum=MAX_WINDOW, unit="seconds")
        timeout = finite("timeout", timeout, above=0, maximum=MAX_TIMEOUT, unit="seconds")
        if not isinstance(redis_url_or_client, str | redis.Redis):
            raise ValidationError(
                f"expected a Redis URL or a redis.Redis client, got {type(redis_url_or_client).__name__}; "
                "pass an asyncio client as async_client= next to a URL or a blocking client "
                "(pause() is blocking, so a blocking connection is always needed)"
            )
        self.key = key
        self.limit = limit
        self.window = window
        self.timeout = timeout
        self._clock = clock or SystemClock()
        self._window_us = round(window * 1_000_000)
        # The hash tag keeps both keys in one Redis Cluster slot, as one script needs.
        self._keys = (f"{{{key}}}:grants", f"{{{key}}}:pause")
        self._source = redis_url_or_client
        self._where = (
            _redact(redis_url_or_client)
            if isinstance(redis_url_or_client, str)
            else _describe(redis_url_or_client)
        )
        self._secrets = (
            _passwords(redis_url_or_client) if isinstance(redis_url_or_client, str) else ()
        )
        self._lock = threading.Lock()
        self._scripts: tuple[Redis, Script, Script] | None = None
        self._owned_client: Redis | None = None
        self._given_async_script = async_client.register_script(_ACQUIRE) if async_client else None
        # redis.asyncio connections belong to the event loop that opened them, so each loop
        # (each `asyncio.run`) gets its own client.
        self._async_clients: dict[asyncio.AbstractEventLoop, tuple[AsyncRedis, AsyncScript]] = {}

    def take(self, cost: int = 1) -> Taken:
        """Take `cost` if it fits in the shared window now, else say how long to wait.

        The wait (millisecond precision, rounded up) lasts until enough of the oldest grants
        expire, or until the pause ends, whichever is later. A refund removes this grant from
        the shared window (one blocking round trip).

        Raises:
            ValidationError: If `cost` is not an integer from 1 to `limit` (before Redis is
                asked), or the key holds another type of value.
            TransportError: If Redis cannot be reached or does not answer in time.

        Examples:
            >>> limiter.take(40).wait  # doctest: +SKIP
            0.0
            >>> limiter.take(1).wait   # doctest: +SKIP
            59.998
        """
        cost = self._cost(cost)
        _, acquire, _ = self._sync_scripts()
        member = _member(cost)
        with self._translate_errors():
            return self._taken(acquire(keys=self._keys, args=self._args(cost, member)), member)

    async def atake(self, cost: int = 1) -> Taken:
        """The asyncio twin of `take`, on this event loop's connection (a refund blocks)."""
        cost = self._cost(cost)
        script = self._async_script()
        if script is None:
            # Only a blocking client was given: run it off the event loop.
            return await asyncio.to_thread(self.take, cost)
        member = _member(cost)
        with self._translate_errors():
            return self._taken(await script(keys=self._keys, args=self._args(cost, member)), member)

    def wait_time(self, cost: int = 1) -> float:
        """Seconds until `cost` would fit, without taking anything.

        Raises:
            ValidationError: If `cost` is not an integer from 1 to `limit` (before Redis is
                asked), or the key holds another type of value.
            TransportError: If Redis cannot be reached or does not answer in time.
        """
        cost = self._cost(cost)
        _, acquire, _ = self._sync_scripts()
        with self._translate_errors():
            return _seconds(acquire(keys=self._keys, args=self._args(cost, "")))

    def _pause(self, seconds: float) -> None:
        # Blocking (one round trip) even when called from async code, as the RateLimiter
        # protocol's pause is; the base class has capped `seconds` at MAX_PAUSE.
        milliseconds = math.ceil(seconds * 1000)
        _, _, pause = self._sync_scripts()
        with self._translate_errors():
            pause(keys=self._keys[1:], args=[milliseconds])

    def _taken(self, milliseconds: int, member: str) -> Taken:
        if milliseconds > 0:
            return Taken(_seconds(milliseconds))
        return Taken(0.0, lambda: self._refund(member))

    def _refund(self, member: str) -> None:
        client, _, _ = self._sync_scripts()
        with self._translate_errors():
            client.zrem(self._keys[0], member)

    def close(self) -> None:
        """Close the blocking connections this limiter opened; it reconnects if used again."""
        with self._lock:
            if self._owned_client is not None:
                self._owned_client.close()
                self._owned_client = None
                self._scripts = None

    async def aclose(self) -> None:
        """Close the connections this limiter opened, the current event loop's and the blocking ones."""
        with self._lock:
            owned = self._async_clients.pop(asyncio.get_running_loop(), None)
        if owned is not None:
            await owned[0].aclose()
        self.close()

    def _sync_scripts(self) -> tuple[Redis, Script, Script]:
        with self._lock:
            if self._scripts is None:
                if isinstance(self._source, str):
                    import redis

                    # Without timeouts a stalled server (up, not answering) blocks every
                    # acquire forever.
                    client = self._owned_client = redis.Redis.from_url(
                        self._source,
                        socket_timeout=self.timeout,
                        socket_connect_timeout=self.timeout,
                    )
                else:
                    client = self._source
                self._scripts = (
                    client,
                    client.register_script(_ACQUIRE),
                    client.register_script(_PAUSE),
                )
            return self._scripts

    def _async_script(self) -> AsyncScript | None:
        if self._given_async_script is not None or not isinstance(self._source, str):
            return self._given_async_script
        loop = asyncio.get_running_loop()
        with self._lock:
            # A client is bound to its loop and keeps it alive: drop those of finished loops
            # (an `asyncio.run` that ended without `aclose()`), or each would leak.
            for finished in [other for other in self._async_clients if other.is_closed()]:
                del self._async_clients[finished]
            if (owned := self._async_clients.get(loop)) is None:
                import redis.asyncio

                client = redis.asyncio.Redis.from_url(
                    self._source,
                    socket_timeout=self.timeout,
                    socket_connect_timeout=self.timeout,
                )
                owned = self._async_clients[loop] = (client, client.register_script(_ACQUIRE))
            return owned[1]

    def _args(self, cost: int, member: str) -> list[int | str]:
        return [self.limit, self._window_us, cost, member]

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        """Redis's errors as ours: the limiter fails closed, with a typed error."""
        import redis.exceptions

        try:
            yield
        except redis.exceptions.ResponseError as exc:
            if not str(exc).startswith("WRONGTYPE"):
                self._fail("Redis refused the limiter's command", exc)
            # Another program's data under our names: waiting will not fix it, so it is not
            # a TransportError (retried, counted as a failed watch cycle) but a setting to
            # change, like any bad argument.
            raise ValidationError(
                f"the Redis keys of the shared rate limit {self.key!r} "
                f"({', '.join(self._keys)}) hold another type of value, so another program "
                "uses them: give the limiter another key= (or delete those keys)"
            ) from None
        except redis.exceptions.RedisError as exc:
            self._fail("cannot reach Redis for the shared rate limit", exc)

    def _fail(self, what: str, exc: Exception) -> NoReturn:
        detail = shown = f"{type(exc).__name__}: {exc}"
        for secret in self._secrets:
            shown = shown.replace(secret, "***")
        error = TransportError(
            f"{what} ({shown}); check that the server is up and answers within "
            f"timeout={self.timeout:g}s, and that the URL and its password are right",
            provider="redis",
            endpoint=self.key,
        )
        if shown != detail:
            # The cause's message holds the password: it must not ride along either.
            raise error from None
        raise error from exc

    @property
    def capacity(self) -> float:
        """The largest cost one call may take: the whole window's `limit`."""
        return float(self.limit)

    @property
    def rate(self) -> float:
        """Sustained budget in cost units per second: `limit / window`."""
        return self.limit / self.window

    def __repr__(self) -> str:
        return (
            f"RedisRateLimiter({self._where!r}, key={self.key!r}, limit={self.limit}, "
            f"window={self.window:g})"
        )


def _seconds(milliseconds: int) -> float:
    return milliseconds / 1000


def _member(cost: int) -> str:
    """A grant's member in the sorted set: its cost (summed by the script) and a unique id."""
    return f"{cost}:{uuid.uuid4().hex}"


def _passwords(url: str) -> tuple[str, ...]:
    """The passwords a URL holds (user part, `password=` query), to keep out of messages."""
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name.lower() == "password" and value:
            found.append(value)
    # redis-py connects with the percent-decoded password: hide both spellings.
    return tuple(dict.fromkeys(spelling for raw in found for spelling in (raw, unquote(raw))))


def _redact(url: str) -> str:
    """The URL with any password replaced by `***`, in the user part or the query."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rpartition('@')[2]}"
    query = "&".join(
        "password=***" if pair.partition("=")[0].lower() == "password" else pair
        for pair in parts.query.split("&")
        if pair
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _describe(client: Redis) -> str:
    """Where a given client connects, from its settings, leaving out the credentials."""
    settings = client.connection_pool.connection_kwargs
    if "path" in settings:
        return f"unix://{settings['path']}?db={settings.get('db', 0)}"
    return f"redis://{settings.get('host', 'localhost')}:{settings.get('port', 6379)}/{settings.get('db', 0)}"
