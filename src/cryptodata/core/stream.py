"""Websocket streams: typed items from a venue's feed, across drops and slow consumers.

A provider describes its websocket protocol once, as a `StreamAdapter`: the URL, how to
connect (a `Link`, most often one websocket), how a subscription is spelled and sent, the
ping, how one frame reads, how a missed span is back-filled. `Stream` does the rest, the same for every provider: it connects, subscribes,
pings after silence, reconnects when the venue goes quiet or drops the connection (with
capped exponential backoff, under the venue's cap on new connections), resubscribes,
back-fills the missed span and hands the consumer typed items through a bounded buffer.
`SyncStream` runs the same stream for blocking code and notebooks.

Websocket links need the `websockets` extra (`pip install 'cryptodata[websockets]'`),
imported on first connection, so importing this module stays cheap.

Examples:
    >>> async def show(adapter: StreamAdapter) -> None:  # doctest: +SKIP
    ...     async with Stream(adapter, ["candle:BTC:1m"]) as stream:
    ...         async for item in stream:
    ...             if isinstance(item, Data):
    ...                 print(item.table.to_polars())
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeAlias, TypeVar
from urllib.parse import urlsplit

import attrs

from ._checks import MAX_TIMEOUT, count, finite
from ._stream_buffer import Buffer, Overflow
from .clock import Clock, SystemClock
from .errors import CryptoDataError, TransportError, ValidationError, excerpt
from .limiters import RateLimiter, SlidingWindowLimiter
from .links import Link, LinkError
from .retry import MAX_ATTEMPTS, RetryPolicy
from .table import Table

__all__ = [
    "Ack",
    "Connected",
    "Data",
    "Disconnected",
    "Incoming",
    "Malformed",
    "Overflow",
    "Payload",
    "Pong",
    "Reconnected",
    "Refusal",
    "Refused",
    "Stream",
    "StreamAdapter",
    "StreamItem",
    "StreamStats",
    "Subscribed",
    "Subscription",
    "SyncStream",
    "TableWriter",
]

_log = logging.getLogger("cryptodata.stream")

_RETRY = RetryPolicy(max_attempts=MAX_ATTEMPTS, backoff_base=0.5, backoff_max=30.0)
"""Reconnect budget: 100 attempts, at most 30 s apart, ride out most of an hour's outage."""

_EXCERPT_CHARS = 200
FrameT = TypeVar("FrameT")
_OVERFLOWS: tuple[Overflow, ...] = ("drop_oldest", "block")


@attrs.frozen
class Subscription:
    """One validated subscription, in the provider's canonical spelling.

    Two subscriptions are equal when their texts are: an adapter rebuilds the subscription
    a frame belongs to from the frame, and the stream matches it by equality.

    Attributes:
        text: The canonical text, e.g. `"candle:BTC:1m"`.
        params: What the provider parsed from it, under its own names (not compared), e.g.
            `{"type": "candle", "coin": "BTC", "interval": "1m"}`.

    Examples:
        >>> Subscription("candle:BTC:1m", {"coin": "BTC"}) == Subscription("candle:BTC:1m")
        True
    """

    text: str
    params: Mapping[str, object] = attrs.field(factory=dict, eq=False)


# What an adapter reads from one frame.


@attrs.frozen
class Ack:
    """The venue accepted a subscription.

    Attributes:
        subscription: The subscription it accepted.
    """

    subscription: Subscription


@attrs.frozen
class Refusal:
    """The venue refused a subscription; the stream does not send it again.

    Attributes:
        subscription: The subscription it refused.
        reason: The venue's words.
    """

    subscription: Subscription
    reason: str


@attrs.frozen
class Pong:
    """The venue answered a ping."""


@attrs.frozen
class Payload:
    """Rows for one subscription.

    Attributes:
        subscription: The subscription the rows belong to.
        table: The rows.
    """

    subscription: Subscription
    table: Table[Any]


@attrs.frozen
class Malformed:
    """The frame is not what the venue's protocol documents; the stream counts and skips it.

    Attributes:
        reason: What is wrong with it, for the log.
    """

    reason: str


Incoming: TypeAlias = Ack | Refusal | Pong | Payload | Malformed
"""One event an adapter reads from a frame."""


# What the stream yields.


@attrs.frozen
class Data:
    """Rows of one subscription.

    Attributes:
        subscription: The subscription the rows belong to.
        table: The rows.
        backfill: True for rows fetched (by REST) for a span the stream missed while it was
            disconnected; they come right after the `Reconnected` item, before live rows.
    """

    subscription: Subscription
    table: Table[Any]
    backfill: bool = False


@attrs.frozen
class Connected:
    """The stream's first connection is open; subscriptions are being sent.

    Attributes:
        url: The venue's websocket URL.
        at: When it opened (UTC, from the stream's clock).
    """

    url: str
    at: datetime


@attrs.frozen
class Reconnected:
    """The stream is connected again after a `Disconnected`; subscriptions are re-sent.

    Attributes:
        at: When the new connection opened (UTC).
        missed_from: When the last message before the drop arrived (or, if none came, when
            that connection opened): the start of the span the stream missed.
        missed_to: The end of the missed span: `at`.
        attempt: Connection attempts it took, from 1 (the first try after the drop worked).
    """

    at: datetime
    missed_from: datetime
    missed_to: datetime
    attempt: int


@attrs.frozen
class Disconnected:
    """The connection ended; the stream reconnects next.

    Attributes:
        reason: Why: the venue closed or dropped it, or it stayed silent too long.
        at: When the stream noticed (UTC).
    """

    reason: str
    at: datetime


@attrs.frozen
class Subscribed:
    """The venue acknowledged a subscription (again after every reconnect).

    Attributes:
        subscription: The subscription.
    """

    subscription: Subscription


@attrs.frozen
class Refused:
    """The venue refused a subscription; the others carry on.

    Attributes:
        subscription: The subscription.
        reason: The venue's words.
    """

    subscription: Subscription
    reason: str


StreamItem: TypeAlias = Data | Connected | Reconnected | Disconnected | Subscribed | Refused
"""One item a stream yields."""


class StreamAdapter(Protocol[FrameT]):
    """A venue's websocket protocol: everything `Stream` needs from a provider.

    The adapter is sans-I/O (it builds and reads frames; the stream owns the link it opens
    with `connect`), except `backfill`, which fetches a missed span through the provider's
    REST client. `FrameT` is what its link receives: text or bytes for a websocket.
    """

    @property
    def provider(self) -> str:
        """Provider name, e.g. `"hyperliquid"`, for logs and errors."""
        ...

    @property
    def url(self) -> str:
        """The websocket URL, e.g. `"wss://api.hyperliquid.xyz/ws"`."""
        ...

    @property
    def ping_after(self) -> float:
        """Seconds without any message after which the stream sends `ping_message()`."""
        ...

    @property
    def connections_per_minute(self) -> int:
        """The venue's cap on new connections per minute (the default limiter's budget)."""
        ...

    def connect(self, open_timeout: float) -> Awaitable[Link[FrameT]]:
        """Open a link to the venue within `open_timeout` seconds.

        Most adapters return `open_websocket(self.url, open_timeout)`.

        Raises:
            LinkError: If it cannot be opened (the stream backs off and tries again).
        """
        ...

    def subscription(self, text: str) -> Subscription:
        """Parse a user's subscription text, e.g. `"candle:BTC:1m"`.

        Raises:
            ValidationError: If the venue offers no such subscription; the stream calls this
                for every subscription before connecting.
        """
        ...

    def check(self, subscriptions: Sequence[Subscription]) -> None:
        """Check the venue's caps on one connection's subscriptions, e.g. distinct users.

        Raises:
            ValidationError: If the set breaks a cap; called before connecting.
        """
        ...

    def subscribe_message(self, subscription: Subscription) -> str:
        """The text frame that subscribes to `subscription`."""
        ...

    def ping_message(self) -> str | None:
        """The application-level ping frame, or `None` if the venue has none."""
        ...

    def read(self, frame: FrameT) -> Sequence[Incoming]:
        """Read one frame into zero or more events.

        Return `Malformed` for a frame that breaks the protocol; an exception raised here is
        treated the same way, so one odd frame never ends the stream.
        """
        ...

    def backfill(
        self, subscription: Subscription, start: datetime, end: datetime
    ) -> Awaitable[Table[Any]] | None:
        """Fetch the rows `subscription` missed from `start` to `end`, or `None` if it cannot.

        Candle streams fetch the span's candles by REST; trades or books return `None`. A
        `CryptoDataError` from the awaitable is logged and the stream goes on.
        """
        ...


class TableWriter(Protocol):
    """What a stream needs of a sink: `write(table)`; every cryptodata sink has it."""

    def write(self, table: Table[Any]) -> object:
        """Store the table's rows."""
        ...


@attrs.define
class StreamStats:
    """Counters a stream keeps; read them to monitor a bot.

    Attributes:
        messages: Frames received, pongs and malformed ones included.
        malformed: Frames skipped because the adapter could not read them.
        dropped: Data items dropped because the consumer fell behind (`"drop_oldest"`).
        reconnects: Connections opened after a drop.
        backfilled: Rows fetched for missed spans.
    """

    messages: int = 0
    malformed: int = 0
    dropped: int = 0
    reconnects: int = 0
    backfilled: int = 0


class Stream:
    """A venue's websocket feed as an async iterator of `StreamItem`s.

    Use it as an async context manager and iterate it; it runs until closed, across drops:

    - **Connection events.** `Connected` first; after a drop, `Disconnected` then
      `Reconnected`, whose `missed_from`/`missed_to` give the span no data came for.
      `Subscribed` or `Refused` answer each subscription, again after every reconnect; a
      refused one is not sent again.
    - **Reconnects.** Every connection attempt first takes one unit from `limiter`, so a
      reconnect loop stays under the venue's cap. An attempt opens the adapter's link and
      sends the subscriptions; it has worked once the link is `ready`. The first attempt after a drop is at once;
      each failed one waits `retry.backoff` (capped exponential, jittered) on `clock`. After
      `retry.max_attempts` failures in a row the stream raises `TransportError`.
    - **Heartbeat and watchdog.** After the adapter's `ping_after` seconds without a
      message the stream sends its ping; after `silence` seconds without one (pongs count)
      it reconnects.
    - **Gaps.** After a reconnect, each subscription's missed span is back-filled through
      the adapter and yielded as `Data` with `backfill=True`, before live data.
    - **Sink.** Every `Data` table (back-fill included) is written to `sink`, in a thread,
      before it is queued, so the sink misses nothing even when the consumer drops items.
    - **Slow consumers.** Items wait in a buffer of `queue_size`. When it is full,
      `"drop_oldest"` drops its oldest data item (connection events are kept) and counts it
      in `stats.dropped`; `"block"` stops reading the socket until the consumer catches up
      (the venue may then drop a connection that falls too far behind).

    An error that ends the stream (`TransportError`, a sink's `SinkError`) is raised from
    the consumer's next item, after the items queued before it.

    Attributes:
        adapter: The venue's protocol.
        subscriptions: The validated subscriptions, in the order given.
        stats: The stream's counters.

    Args:
        adapter: The venue's protocol.
        subscriptions: Subscription texts in the provider's spelling (duplicates count once).
        sink: Where `Data` tables are also written.
        clock: Time source for timestamps and backoff sleeps; the system clock by default.
        limiter: Budget of new connections; `SlidingWindowLimiter(adapter's
            connections_per_minute, 60)` on `clock` by default.
        retry: Backoff and attempts per reconnect; 100 attempts from 0.5 s to 30 s apart by
            default.
        silence: Seconds without any message after which the stream reconnects, more than
            the adapter's `ping_after`; twice it by default.
        queue_size: Most items waiting for the consumer, at least 1.
        overflow: `"drop_oldest"` (the default) or `"block"`.
        open_timeout: Seconds one connection attempt may take to open, and again to be
            ready.
        seed: Seed of the backoff jitter, for reproducible runs.

    Raises:
        ValidationError: For an invalid subscription or setting, before any connection.

    Examples:
        >>> async def candles(adapter: StreamAdapter) -> None:  # doctest: +SKIP
        ...     async with Stream(adapter, ["candle:BTC:1m"], overflow="block") as stream:
        ...         async for item in stream:
        ...             print(item)
    """

    def __init__(
        self,
        adapter: StreamAdapter[Any],
        subscriptions: Iterable[str],
        *,
        sink: TableWriter | None = None,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        silence: float | None = None,
        queue_size: int = 1000,
        overflow: Overflow = "drop_oldest",
        open_timeout: float = 10.0,
        seed: int | None = None,
    ) -> None:
        _check_url(adapter)
        self.adapter = adapter
        self.subscriptions = _subscriptions(adapter, subscriptions)
        self.stats = StreamStats()
        self._sink = sink
        self._clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(
            adapter.connections_per_minute, 60.0, clock=self._clock
        )
        self._retry = retry or _RETRY
        self._silence = _silence(adapter, silence)
        self._open_timeout = finite(
            "open_timeout", open_timeout, above=0, maximum=MAX_TIMEOUT, unit="seconds"
        )
        self._rng = random.Random(seed)
        self._buffer: Buffer[StreamItem] = Buffer(
            count("queue_size", queue_size),
            _overflow(overflow),
            droppable=lambda item: isinstance(item, Data),
            on_drop=self._count_drop,
        )
        self._refused: set[Subscription] = set()
        self._last_seen = 0.0
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def __aenter__(self) -> Self:
        self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> StreamItem:
        self._start()
        return await self._buffer.get()

    async def aclose(self) -> None:
        """Close the connection and end the iteration at once, discarding queued items.

        Calling it again does nothing.
        """
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            # `wait` rather than awaiting the task: it lets a cancellation of aclose itself
            # through instead of mistaking it for the task's.
            await asyncio.wait({self._task})
        await self._buffer.close()

    def __repr__(self) -> str:
        texts = ", ".join(subscription.text for subscription in self.subscriptions)
        return f"Stream({self.adapter.provider!r}, [{texts}])"

    def _start(self) -> None:
        if self._task is not None or self._closed:
            return
        self._task = asyncio.get_running_loop().create_task(
            self._produce(), name=f"cryptodata-stream-{self.adapter.provider}"
        )

    def _count_drop(self) -> None:
        self.stats.dropped += 1

    async def _produce(self) -> None:
        try:
            await self._run()
        except Exception as exc:  # handed to the consumer, raised from its next item
            await self._buffer.fail(exc)

    async def _run(self) -> None:
        dropped_at: float | None = None  # when the last message before a drop came
        while True:
            link, attempt = await self._open()
            try:
                opened = self._last_seen = self._clock.time()
                if dropped_at is None:
                    await self._emit(Connected(self.adapter.url, _utc(opened)))
                else:
                    self.stats.reconnects += 1
                    missed = _utc(dropped_at), _utc(opened)
                    await self._emit(Reconnected(_utc(opened), *missed, attempt))
                reason = await self._session(link, dropped_at, opened)
            finally:
                await link.close()
            dropped_at = self._last_seen
            await self._emit(Disconnected(reason, _utc(self._clock.time())))

    async def _open(self) -> tuple[Link[Any], int]:
        failure: Exception | None = None
        for attempt in range(1, self._retry.max_attempts + 1):
            if attempt > 1:
                await self._clock.asleep(self._retry.backoff(attempt - 1, self._rng))
            await self._limiter.aacquire(1)
            try:
                link = await self._subscribed()
            except LinkError as exc:
                failure = exc
                _log.warning(
                    "%s stream: connection attempt %d failed: %s",
                    self.adapter.provider,
                    attempt,
                    exc,
                )
            else:
                return link, attempt
        raise TransportError(
            f"no connection after {self._retry.max_attempts} attempts (last: {failure})",
            provider=self.adapter.provider,
            endpoint=self.adapter.url.split("?", 1)[0],
        )

    async def _subscribed(self) -> Link[Any]:
        """A link open, the subscriptions sent and live; its failures are `LinkError`s."""
        link = await self.adapter.connect(self._open_timeout)
        try:
            for subscription in self.subscriptions:
                if subscription not in self._refused:
                    await link.send(self.adapter.subscribe_message(subscription))
            async with asyncio.timeout(self._open_timeout):
                await link.ready()
        except TimeoutError:
            await link.close()
            raise LinkError(f"not ready after {self._open_timeout:g} s") from None
        except BaseException:
            await link.close()
            raise
        return link

    async def _session(self, link: Link[Any], dropped_at: float | None, opened: float) -> str:
        """Back-fill the span a drop missed, then read until the link ends."""
        try:
            if dropped_at is not None:
                await self._backfill(_utc(dropped_at), _utc(opened))
            return await self._read(link)
        except LinkError as exc:
            return str(exc)

    async def _read(self, link: Link[Any]) -> str:
        ping = self.adapter.ping_message()
        ping_after = self.adapter.ping_after
        waits = (self._silence,) if ping is None else (ping_after, self._silence - ping_after)
        loop = asyncio.get_running_loop()
        pinged = loop.time()
        while True:
            # A busy feed is never silent, yet venues (Hyperliquid) close a connection that
            # sends them nothing for a minute: ping every `ping_after` seconds regardless.
            if ping is not None and loop.time() - pinged >= ping_after:
                await link.send(ping)
                pinged = loop.time()
            frame = await _receive(link, waits, ping)
            if frame is None:
                return f"nothing received for {self._silence:g} s"
            self._last_seen = self._clock.time()
            self.stats.messages += 1
            await self._handle(frame)

    async def _handle(self, frame: object) -> None:
        try:
            events = self.adapter.read(frame)
        except Exception as exc:  # an adapter's bug on one odd frame costs the frame only
            events = [Malformed(f"{type(exc).__name__}: {exc}")]
        for event in events:
            if isinstance(event, Payload):
                await self._data(Data(event.subscription, event.table))
            elif isinstance(event, Ack):
                await self._emit(Subscribed(event.subscription))
            elif isinstance(event, Refusal):
                self._refused.add(event.subscription)
                await self._emit(Refused(event.subscription, event.reason))
            elif isinstance(event, Malformed):
                self.stats.malformed += 1
                _log.warning(
                    "%s stream skipped a malformed frame (%s): %s",
                    self.adapter.provider,
                    event.reason,
                    excerpt(
                        frame if isinstance(frame, str | bytes) else repr(frame), _EXCERPT_CHARS
                    ),
                )
            # A Pong only proves the connection alive, which its arrival already recorded.

    async def _backfill(self, start: datetime, end: datetime) -> None:
        for subscription in self.subscriptions:
            if subscription in self._refused:
                continue
            pending = self.adapter.backfill(subscription, start, end)
            if pending is None:
                continue
            try:
                table = await pending
            except CryptoDataError as exc:
                _log.warning(
                    "%s stream could not back-fill %s from %s to %s: %s",
                    self.adapter.provider,
                    subscription.text,
                    start.isoformat(),
                    end.isoformat(),
                    exc,
                )
                continue
            self.stats.backfilled += len(table)
            await self._data(Data(subscription, table, backfill=True))

    async def _data(self, data: Data) -> None:
        if self._sink is not None:
            # Sinks block on files and databases: in a thread, the event loop keeps running.
            await asyncio.to_thread(self._sink.write, data.table)
        await self._emit(data)

    async def _emit(self, item: StreamItem) -> None:
        await self._buffer.put(item)


class SyncStream:
    """A `Stream` for blocking code: a plain iterator, in scripts and in notebooks.

    The stream runs on an event loop of its own in a background thread, started by the first
    item, so it works where an event loop is already running (Jupyter). Each `next()` asks
    that loop for the stream's next item: buffering, overflow and every other behaviour are
    the `Stream`'s own. `close()` (or leaving the `with` block) closes the stream and stops
    the thread. Iterate it from one thread at a time.

    Args:
        stream: The stream to run.

    Examples:
        >>> def candles(adapter: StreamAdapter) -> None:  # doctest: +SKIP
        ...     with SyncStream(Stream(adapter, ["candle:BTC:1m"])) as stream:
        ...         for item in stream:
        ...             print(item)
    """

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def stats(self) -> StreamStats:
        """The stream's counters."""
        return self.stream.stats

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> StreamItem:
        if self._closed:
            raise StopIteration
        future = asyncio.run_coroutine_threadsafe(self.stream.__anext__(), self._running_loop())
        try:
            return future.result()
        except StopAsyncIteration:
            raise StopIteration from None
        except BaseException:
            # An interrupted wait (Ctrl-C, a notebook's interrupt) must not leave a reader
            # behind on the loop to take, and lose, the next item.
            future.cancel()
            raise

    def close(self) -> None:
        """Close the stream and stop its thread; calling it again does nothing."""
        self._closed = True
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shut_down(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()

    def __repr__(self) -> str:
        return f"SyncStream({self.stream!r})"

    async def _shut_down(self) -> None:
        await self.stream.aclose()
        # The threads that ran sink writes, joined here rather than left to linger.
        await asyncio.get_running_loop().shutdown_default_executor()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            # A daemon: a stream left open must not keep the interpreter from exiting.
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="cryptodata-stream", daemon=True
            )
            self._thread.start()
        return self._loop


async def _receive(link: Link[Any], waits: Sequence[float], ping: str | None) -> object:
    """The next frame, pinging between the waits; `None` if all of them pass in silence."""
    for number, wait in enumerate(waits):
        if number and ping is not None:
            await link.send(ping)
        try:
            async with asyncio.timeout(wait):
                return await link.recv()
        except TimeoutError:
            continue
    return None


def _check_url(adapter: StreamAdapter[Any]) -> None:
    parts = urlsplit(adapter.url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValidationError(
            f"{adapter.provider} stream URL must be a ws:// or wss:// URL with a host, "
            f"got {adapter.url!r}"
        )


def _subscriptions(adapter: StreamAdapter[Any], texts: Iterable[str]) -> tuple[Subscription, ...]:
    listed = [texts] if isinstance(texts, str) else list(texts)
    if wrong := [text for text in listed if not isinstance(text, str)]:
        raise ValidationError(
            f"subscriptions are strings such as 'candle:BTC:1m', got {wrong[0]!r}"
        )
    parsed = tuple(dict.fromkeys(adapter.subscription(text) for text in listed))
    if not parsed:
        raise ValidationError(f"a {adapter.provider} stream needs at least one subscription")
    adapter.check(parsed)
    return parsed


def _silence(adapter: StreamAdapter[Any], silence: float | None) -> float:
    ping_after = finite(
        f"{adapter.provider} ping_after", adapter.ping_after, above=0, unit="seconds"
    )
    if silence is None:
        return 2 * ping_after
    return finite("silence", silence, above=ping_after, maximum=MAX_TIMEOUT, unit="seconds")


def _overflow(overflow: str) -> Overflow:
    for policy in _OVERFLOWS:
        if overflow == policy:
            return policy
    raise ValidationError(f"overflow must be 'drop_oldest' or 'block', got {overflow!r}")


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
