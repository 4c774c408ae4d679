"""The websocket stream: events, reconnects, heartbeats, slow consumers, sinks, sync use.

Every test talks to a real websocket server on 127.0.0.1 (`servers.websocket`) through a
tiny adapter defined here: a venue whose frames are `{"channel": ..., ...}` JSON objects and
whose data are one-candle `ohlcv` tables. Timestamps and backoff sleeps run on a
`ManualClock`; heartbeat and watchdog waits are real, a few tenths of a second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, TypeVar

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core._stream_buffer import Buffer
from cryptodata.core.clock import ManualClock
from cryptodata.core.errors import MissingDependencyError, TransportError, ValidationError
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.links import LinkError, WebsocketLink, open_websocket
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.stream import (
    Ack,
    Connected,
    Data,
    Disconnected,
    Incoming,
    Malformed,
    Payload,
    Pong,
    Reconnected,
    Refusal,
    Refused,
    Stream,
    StreamItem,
    Subscribed,
    Subscription,
    SyncStream,
)
from cryptodata.core.table import Table
from fakes.sinks import MemorySink
from servers.websocket import WebsocketServer, unused_url

T = TypeVar("T")

BTC = "candle:BTC:1m"
ETH = "candle:ETH:1m"
PING = '{"method": "ping"}'
PONG = '{"channel": "pong"}'
MINUTE_MS = 60_000
START_MS = 1_700_000_040_000
WAIT = 5.0
"""Longest wait for an item that should come: only a failing test waits this long."""


def candle_table(text: str, minute: int, close: float) -> Table[Any]:
    _, coin, interval = text.split(":")
    frame = pl.DataFrame(
        {
            "provider": ["demo"],
            "exchange": ["demo"],
            "symbol": [coin],
            "base": [coin],
            "interval": [interval],
            "ts": [START_MS + minute * MINUTE_MS],
            "open": [close],
            "high": [close],
            "low": [close],
            "close": [close],
            "volume": [1.0],
            "buy_volume": [0.5],
            "trades": [1],
            "buy_trades": [1],
            "unit": ["base"],
        }
    ).with_columns(pl.from_epoch("ts", time_unit="ms"))
    return Table.from_frame(Kind.OHLCV, frame)


def closes(item: StreamItem) -> list[float]:
    assert isinstance(item, Data)
    return list(item.table.to_polars()["close"])


class CandleAdapter:
    """The demo venue's protocol: `candle:<COIN>:<1m|1h>` subscriptions, at most 3."""

    provider = "demo"
    connections_per_minute = 30

    def __init__(self, url: str, *, ping_after: float = 5.0, backfill: bool = False) -> None:
        self.url = url
        self.ping_after = ping_after
        self.backfill_rows = backfill
        self.backfills: list[tuple[Subscription, datetime, datetime]] = []

    def connect(self, open_timeout: float) -> Awaitable[WebsocketLink]:
        return open_websocket(self.url, open_timeout)

    def subscription(self, text: str) -> Subscription:
        parts = text.split(":")
        if len(parts) != 3 or parts[0] != "candle" or parts[2] not in ("1m", "1h"):
            raise ValidationError(f"unknown subscription {text!r}; use 'candle:<COIN>:<1m|1h>'")
        return Subscription(text, {"coin": parts[1], "interval": parts[2]})

    def check(self, subscriptions: Sequence[Subscription]) -> None:
        if len(subscriptions) > 3:
            raise ValidationError(f"at most 3 subscriptions, got {len(subscriptions)}")

    def subscribe_message(self, subscription: Subscription) -> str:
        return json.dumps({"method": "subscribe", "subscription": subscription.text})

    def ping_message(self) -> str | None:
        return PING

    def read(self, frame: str | bytes) -> list[Incoming]:
        message = json.loads(frame)  # not JSON: the stream counts the raised error as malformed
        channel = message.get("channel")
        if channel == "pong":
            return [Pong()]
        if channel == "subscriptionResponse":
            return [Ack(self.subscription(message["subscription"]))]
        if channel == "error":
            return [Refusal(self.subscription(message["subscription"]), message["reason"])]
        if channel == "candle":
            text, data = message["subscription"], message["data"]
            table = candle_table(text, data["minute"], data["close"])
            return [Payload(self.subscription(text), table)]
        return [Malformed(f"unknown channel {channel!r}")]

    def backfill(
        self, subscription: Subscription, start: datetime, end: datetime
    ) -> Coroutine[Any, Any, Table[Any]] | None:
        self.backfills.append((subscription, start, end))
        return self._missed(subscription) if self.backfill_rows else None

    async def _missed(self, subscription: Subscription) -> Table[Any]:
        tables = [candle_table(subscription.text, minute, 100.0 + minute) for minute in (1, 2)]
        return Table.concat(Kind.OHLCV, tables)


def subscribe(text: str) -> str:
    return json.dumps({"method": "subscribe", "subscription": text})


def candle(text: str, minute: int, close: float | None = None) -> str:
    data = {"minute": minute, "close": 100.0 + minute if close is None else close}
    return json.dumps({"channel": "candle", "subscription": text, "data": data})


def venue(*, refuse: Sequence[str] = (), candles: int = 0) -> Callable[[str], list[str]]:
    """A venue that answers pings, refuses `refuse`, and acks the rest then sends `candles`."""

    def reply(message: str) -> list[str]:
        request = json.loads(message)
        if request["method"] == "ping":
            return [PONG]
        text = request["subscription"]
        if text in refuse:
            return [json.dumps({"channel": "error", "subscription": text, "reason": "no coin"})]
        ack = json.dumps({"channel": "subscriptionResponse", "subscription": text})
        return [ack, *(candle(text, minute) for minute in range(candles))]

    return reply


class CountingLimiter:
    """A limiter with room for everything that records the cost of every acquisition."""

    capacity = 1_000.0
    rate = 1_000.0

    def __init__(self) -> None:
        self.costs: list[int] = []

    def acquire(self, cost: int = 1) -> None:
        self.costs.append(cost)

    async def aacquire(self, cost: int = 1) -> None:
        self.costs.append(cost)

    def pause(self, seconds: float) -> None:
        pass


class SleepRecordingClock(ManualClock):
    """A `ManualClock` that records every asynchronous sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps: list[float] = []

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await super().asleep(seconds)


@pytest.fixture
def server() -> Iterator[WebsocketServer]:
    with WebsocketServer(venue(candles=1)) as running:
        yield running


def open_stream(
    adapter: CandleAdapter, subscriptions: Sequence[str] = (BTC,), **options: Any
) -> Stream:
    options.setdefault("clock", ManualClock())
    options.setdefault("limiter", SlidingWindowLimiter(1_000, 60.0, clock=options["clock"]))
    return Stream(adapter, subscriptions, seed=1, **options)


async def take(stream: Stream, count: int) -> list[StreamItem]:
    return [await asyncio.wait_for(anext(stream), WAIT) for _ in range(count)]


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)


def at(clock: ManualClock) -> datetime:
    return datetime.fromtimestamp(clock.time(), UTC)


def run(work: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(work)


def test_items_come_in_order_connected_subscribed_then_data(server: WebsocketServer) -> None:
    clock = ManualClock()
    stream = open_stream(CandleAdapter(server.url), clock=clock)

    async def main() -> list[StreamItem]:
        async with stream:
            return await take(stream, 3)

    connected, subscribed, data = run(main())

    assert connected == Connected(server.url, at(clock))
    assert subscribed == Subscribed(Subscription(BTC))
    assert isinstance(data, Data)
    assert data.subscription == Subscription(BTC)
    assert (closes(data), data.backfill) == ([100.0], False)


def test_a_refused_subscription_yields_refused_and_the_others_carry_on() -> None:
    with WebsocketServer(venue(refuse=[ETH], candles=1)) as server:
        stream = open_stream(CandleAdapter(server.url), [ETH, BTC])

        async def main() -> list[StreamItem]:
            async with stream:
                return await take(stream, 4)

        items = run(main())

    assert items[1:3] == [Refused(Subscription(ETH), "no coin"), Subscribed(Subscription(BTC))]
    assert closes(items[3]) == [100.0]


def test_an_invalid_subscription_raises_before_any_connection(server: WebsocketServer) -> None:
    with pytest.raises(ValidationError, match="'candle:BTC:7m'"):
        open_stream(CandleAdapter(server.url), [BTC, "candle:BTC:7m"])

    assert server.connections == 0


def test_a_set_over_the_adapters_cap_raises_before_any_connection(
    server: WebsocketServer,
) -> None:
    texts = [f"candle:{coin}:1m" for coin in ("BTC", "ETH", "SOL", "XRP")]

    with pytest.raises(ValidationError, match="at most 3"):
        open_stream(CandleAdapter(server.url), texts)

    assert server.connections == 0


def test_a_url_that_is_not_a_websocket_url_raises_before_any_connection() -> None:
    with pytest.raises(ValidationError, match="ws:// or wss://"):
        open_stream(CandleAdapter("https://127.0.0.1/ws"))


@pytest.mark.parametrize(
    "setting",
    [{"queue_size": 0}, {"overflow": "grow"}, {"silence": 5.0}, {"open_timeout": -1}],
    ids=lambda setting: next(iter(setting)),
)
def test_an_invalid_setting_raises_before_any_connection(
    server: WebsocketServer, setting: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        open_stream(CandleAdapter(server.url, ping_after=5.0), **setting)

    assert server.connections == 0


def test_duplicate_subscriptions_are_sent_once(server: WebsocketServer) -> None:
    stream = open_stream(CandleAdapter(server.url), [BTC, BTC])

    async def main() -> None:
        async with stream:
            await take(stream, 3)

    run(main())

    assert server.count(subscribe(BTC)) == 1


def test_a_malformed_frame_is_counted_logged_and_skipped(
    server: WebsocketServer, caplog: pytest.LogCaptureFixture
) -> None:
    stream = open_stream(CandleAdapter(server.url))

    async def main() -> list[StreamItem]:
        async with stream:
            await take(stream, 3)
            server.push("{not json")
            server.push('{"channel": "surprise"}')
            server.push(candle(BTC, 1))
            return await take(stream, 1)

    with caplog.at_level(logging.WARNING, logger="cryptodata.stream"):
        (item,) = run(main())

    assert closes(item) == [101.0]
    assert stream.stats.malformed == 2
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2
    assert "JSONDecodeError" in warnings[0]
    assert "{not json" in warnings[0]
    assert "unknown channel 'surprise'" in warnings[1]


def test_a_ping_goes_out_after_silence_and_its_pong_keeps_the_connection(
    server: WebsocketServer,
) -> None:
    stream = open_stream(CandleAdapter(server.url, ping_after=0.05), silence=0.25)

    async def main() -> None:
        async with stream:
            await take(stream, 3)
            await asyncio.sleep(0.6)

    run(main())

    assert server.count(PING) >= 4
    assert (server.connections, stream.stats.reconnects) == (1, 0)


def test_a_busy_feed_still_pings_every_ping_after_seconds() -> None:
    with WebsocketServer(venue(candles=1)) as busy:
        stream = open_stream(CandleAdapter(busy.url, ping_after=0.05), silence=1.0)

        async def main() -> None:
            async with stream:
                await take(stream, 2)
                for minute in range(30):  # a frame every 10 ms: never 0.05 s of silence
                    busy.push(candle(BTC, minute))
                    await asyncio.sleep(0.01)

        run(main())

        assert busy.count(PING) >= 3


def test_the_watchdog_reconnects_after_silence(server: WebsocketServer) -> None:
    server.silent = True
    stream = open_stream(CandleAdapter(server.url, ping_after=0.05), silence=0.15)

    async def main() -> list[StreamItem]:
        async with stream:
            return await take(stream, 3)

    connected, disconnected, reconnected = run(main())

    assert isinstance(connected, Connected)
    assert isinstance(disconnected, Disconnected)
    assert disconnected.reason == "nothing received for 0.15 s"
    assert isinstance(reconnected, Reconnected)
    assert reconnected.attempt == 1
    assert server.count(PING) >= 1
    assert server.connections == 2


def test_a_drop_yields_reconnected_with_the_missed_span_and_resubscribes_everything() -> None:
    clock = ManualClock()
    with WebsocketServer(venue()) as server:
        stream = open_stream(CandleAdapter(server.url), [BTC, ETH], clock=clock)

        async def main() -> tuple[datetime, list[StreamItem]]:
            async with stream:
                await take(stream, 3)
                last_message = at(clock)
                clock.advance(42.0)
                server.drop()
                return last_message, await take(stream, 4)

        last_message, (disconnected, reconnected, *resubscribed) = run(main())

    assert isinstance(disconnected, Disconnected)
    assert disconnected.reason.startswith("connection closed")
    after = last_message + timedelta(seconds=42)
    assert reconnected == Reconnected(after, last_message, after, attempt=1)
    assert resubscribed == [Subscribed(Subscription(BTC)), Subscribed(Subscription(ETH))]
    assert (server.count(subscribe(BTC)), server.count(subscribe(ETH))) == (2, 2)
    assert stream.stats.reconnects == 1


def test_a_refused_subscription_is_not_sent_again_after_a_reconnect() -> None:
    with WebsocketServer(venue(refuse=[ETH])) as server:
        stream = open_stream(CandleAdapter(server.url), [ETH, BTC])

        async def main() -> None:
            async with stream:
                await take(stream, 3)
                server.drop()
                await take(stream, 3)

        run(main())

    assert (server.count(subscribe(ETH)), server.count(subscribe(BTC))) == (1, 2)


def test_backoff_between_failed_connects_grows_and_is_capped() -> None:
    clock = SleepRecordingClock()
    retry = RetryPolicy(max_attempts=6, backoff_base=1.0, backoff_max=4.0)
    stream = open_stream(CandleAdapter(unused_url()), clock=clock, retry=retry)

    async def main() -> None:
        async with stream:
            await take(stream, 1)

    with pytest.raises(TransportError, match="no connection after 6 attempts"):
        run(main())

    caps = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(clock.sleeps) == len(caps)
    for sleep, cap in zip(clock.sleeps, caps, strict=True):
        assert cap / 2 <= sleep <= cap


def test_reconnected_counts_the_attempts_a_reconnect_took(server: WebsocketServer) -> None:
    clock = SleepRecordingClock()
    stream = open_stream(CandleAdapter(server.url), clock=clock)

    async def main() -> list[StreamItem]:
        async with stream:
            await take(stream, 3)
            server.reject = 2
            server.drop()
            return await take(stream, 2)

    _, reconnected = run(main())

    assert isinstance(reconnected, Reconnected)
    assert reconnected.attempt == 3
    assert len(clock.sleeps) == 2
    assert server.connections == 2


def test_every_connection_takes_one_unit_from_the_connection_limiter(
    server: WebsocketServer,
) -> None:
    limiter = CountingLimiter()
    stream = open_stream(CandleAdapter(server.url), limiter=limiter)

    async def main() -> None:
        async with stream:
            await take(stream, 3)
            server.drop()
            await take(stream, 2)

    run(main())

    assert server.connections == 2
    assert limiter.costs == [1, 1]


class NeverReady:
    """A link over `inner` whose subscriptions never become live: it times out or fails."""

    def __init__(self, inner: WebsocketLink, *, raises: bool, closed: list[None]) -> None:
        self.inner = inner
        self.raises = raises
        self.closed = closed

    async def send(self, message: str) -> None:
        await self.inner.send(message)

    async def ready(self) -> None:
        if self.raises:
            raise LinkError("the venue refused the subscriptions")
        await asyncio.sleep(WAIT)

    async def recv(self) -> str | bytes:
        return await self.inner.recv()

    async def close(self) -> None:
        self.closed.append(None)
        await self.inner.close()


class SlowToReadyAdapter(CandleAdapter):
    """A venue whose first `failures` links never get ready."""

    def __init__(self, url: str, failures: int, *, raises: bool) -> None:
        super().__init__(url)
        self.failures = failures
        self.raises = raises
        self.closed: list[None] = []

    async def connect(self, open_timeout: float) -> WebsocketLink | NeverReady:
        link = await open_websocket(self.url, open_timeout)
        if self.failures <= 0:
            return link
        self.failures -= 1
        return NeverReady(link, raises=self.raises, closed=self.closed)


@pytest.mark.parametrize("raises", [False, True], ids=["times-out", "fails"])
def test_a_link_that_is_not_ready_is_a_failed_attempt_and_is_closed(
    server: WebsocketServer, raises: bool
) -> None:
    adapter = SlowToReadyAdapter(server.url, failures=2, raises=raises)
    limiter = CountingLimiter()
    stream = open_stream(adapter, limiter=limiter, open_timeout=0.2)

    async def main() -> list[StreamItem]:
        async with stream:
            return await take(stream, 2)

    connected, subscribed = run(main())

    assert isinstance(connected, Connected)
    assert isinstance(subscribed, Subscribed)
    assert limiter.costs == [1, 1, 1]
    assert len(adapter.closed) == 2


def test_failed_connection_attempts_are_charged_to_the_limiter_too() -> None:
    limiter = CountingLimiter()
    retry = RetryPolicy(max_attempts=3)
    stream = open_stream(CandleAdapter(unused_url()), limiter=limiter, retry=retry)

    async def main() -> None:
        async with stream:
            await take(stream, 1)

    with pytest.raises(TransportError):
        run(main())

    assert limiter.costs == [1, 1, 1]


def test_the_default_limiter_holds_reconnects_to_the_venues_cap_per_minute() -> None:
    clock = SleepRecordingClock()
    adapter = CandleAdapter(unused_url())
    adapter.connections_per_minute = 2
    retry = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.001)
    stream = Stream(adapter, [BTC], clock=clock, retry=retry)

    async def main() -> None:
        async with stream:
            await take(stream, 1)

    with pytest.raises(TransportError):
        run(main())

    assert clock.time() - 1_700_000_000.0 >= 60.0


def test_drop_oldest_drops_the_oldest_data_and_counts_it_when_the_consumer_is_slow() -> None:
    with WebsocketServer(venue(candles=10)) as server:
        stream = open_stream(CandleAdapter(server.url), queue_size=4)

        async def main() -> list[StreamItem]:
            async with stream:
                await until(lambda: stream.stats.messages == 11)
                return await take(stream, 4)

        connected, subscribed, *data = run(main())

    assert (type(connected), type(subscribed)) == (Connected, Subscribed)
    assert [closes(item) for item in data] == [[108.0], [109.0]]
    assert stream.stats.dropped == 8


def test_block_never_drops_and_delivers_every_item_in_order() -> None:
    with WebsocketServer(venue(candles=10)) as server:
        stream = open_stream(CandleAdapter(server.url), queue_size=2, overflow="block")

        async def main() -> list[StreamItem]:
            async with stream:
                await asyncio.sleep(0.1)
                return await take(stream, 12)

        items = run(main())

    assert [closes(item)[0] for item in items[2:]] == [100.0 + minute for minute in range(10)]
    assert stream.stats.dropped == 0


def test_the_sink_receives_live_rows_and_the_backfill_of_the_missed_span() -> None:
    sink = MemorySink()
    clock = ManualClock()
    with WebsocketServer(venue(candles=1)) as server:
        adapter = CandleAdapter(server.url, backfill=True)
        stream = open_stream(adapter, clock=clock, sink=sink)

        async def main() -> list[StreamItem]:
            async with stream:
                await take(stream, 3)
                clock.advance(180.0)
                server.drop()
                return await take(stream, 5)

        _, reconnected, backfill, subscribed, live = run(main())

    assert isinstance(reconnected, Reconnected)
    assert isinstance(backfill, Data)
    assert backfill.backfill
    assert closes(backfill) == [101.0, 102.0]
    assert isinstance(subscribed, Subscribed)
    assert isinstance(live, Data)
    assert not live.backfill
    assert adapter.backfills == [
        (Subscription(BTC), reconnected.missed_from, reconnected.missed_to)
    ]
    assert list(sink.frames[Kind.OHLCV]["close"]) == [100.0, 101.0, 102.0]
    assert stream.stats.backfilled == 2


def test_a_subscription_that_cannot_be_backfilled_yields_no_backfill(
    server: WebsocketServer,
) -> None:
    adapter = CandleAdapter(server.url, backfill=False)
    stream = open_stream(adapter)

    async def main() -> list[StreamItem]:
        async with stream:
            await take(stream, 3)
            server.drop()
            return await take(stream, 4)

    items = run(main())

    assert [type(item) for item in items] == [Disconnected, Reconnected, Subscribed, Data]
    assert len(adapter.backfills) == 1
    assert stream.stats.backfilled == 0


class FailingBackfillAdapter(CandleAdapter):
    async def _missed(self, subscription: Subscription) -> Table[Any]:
        raise TransportError("timed out", provider="demo", endpoint="/candles")


def test_a_failed_backfill_is_logged_and_the_stream_goes_on(
    server: WebsocketServer, caplog: pytest.LogCaptureFixture
) -> None:
    stream = open_stream(FailingBackfillAdapter(server.url, backfill=True))

    async def main() -> list[StreamItem]:
        async with stream:
            await take(stream, 3)
            server.drop()
            return await take(stream, 4)

    with caplog.at_level(logging.WARNING, logger="cryptodata.stream"):
        items = run(main())

    assert [type(item) for item in items] == [Disconnected, Reconnected, Subscribed, Data]
    assert "could not back-fill candle:BTC:1m" in caplog.text
    assert "timed out" in caplog.text
    assert stream.stats.backfilled == 0


def test_the_sync_stream_yields_the_same_items_as_the_async_one(
    server: WebsocketServer,
) -> None:
    async def read_async() -> list[StreamItem]:
        async with open_stream(CandleAdapter(server.url)) as stream:
            return await take(stream, 3)

    with SyncStream(open_stream(CandleAdapter(server.url))) as stream:
        blocking = list(islice(stream, 3))

    expected = run(read_async())
    assert [type(item) for item in blocking] == [Connected, Subscribed, Data]
    assert blocking[1] == expected[1]
    assert closes(blocking[2]) == closes(expected[2])


def test_the_sync_stream_works_inside_a_running_event_loop(server: WebsocketServer) -> None:
    def read_blocking() -> list[StreamItem]:
        with SyncStream(open_stream(CandleAdapter(server.url))) as stream:
            return list(islice(stream, 3))

    async def notebook_cell() -> list[StreamItem]:
        return read_blocking()

    items = run(notebook_cell())

    assert [type(item) for item in items] == [Connected, Subscribed, Data]


def test_an_interrupted_next_loses_no_item(server: WebsocketServer) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with SyncStream(open_stream(CandleAdapter(server.url))) as stream:
            list(islice(stream, 3))
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            with pytest.raises(KeyboardInterrupt):
                next(stream)
            server.push(candle(BTC, 5))
            server.push(candle(BTC, 6))
            item = next(stream)
    finally:
        signal.signal(signal.SIGALRM, previous)

    assert closes(item) == [105.0]


def test_closing_the_sync_stream_stops_its_threads_and_ends_iteration(
    server: WebsocketServer,
) -> None:
    before = set(threading.enumerate())
    stream = SyncStream(open_stream(CandleAdapter(server.url), sink=MemorySink()))
    list(islice(stream, 3))

    stream.close()

    assert set(threading.enumerate()) - before == set()
    assert list(stream) == []
    assert server.connections == 1


def test_closing_the_stream_ends_the_iteration(server: WebsocketServer) -> None:
    stream = open_stream(CandleAdapter(server.url))

    async def main() -> list[StreamItem]:
        await take(stream, 1)
        await stream.aclose()
        return [item async for item in stream]

    assert run(main()) == []


def test_importing_the_stream_module_does_not_import_websockets() -> None:
    code = "import sys, cryptodata.core.stream; print('websockets' in sys.modules)"

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "False"


def test_a_missing_websockets_package_names_the_extra_to_install(
    server: WebsocketServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "websockets.asyncio.client", None)
    stream = open_stream(CandleAdapter(server.url))

    with pytest.raises(MissingDependencyError, match=r"pip install 'cryptodata\[websockets\]'"):
        run(take(stream, 1))

    assert server.connections == 0


@given(
    size=st.integers(min_value=1, max_value=6),
    items=st.lists(st.one_of(st.integers(), st.text(max_size=1)), max_size=30),
)
def test_a_drop_oldest_buffer_keeps_the_newest_data_and_every_event_that_fits(
    size: int, items: list[int | str]
) -> None:
    # Integers play data items, strings connection events.
    dropped: list[None] = []
    buffer: Buffer[int | str] = Buffer(
        size, "drop_oldest", lambda item: isinstance(item, int), lambda: dropped.append(None)
    )

    async def fill() -> list[int | str]:
        for item in items:
            await buffer.put(item)
        return [await buffer.get() for _ in range(len(buffer))]

    kept = run(fill())

    assert len(kept) == min(len(items), size)
    assert len(dropped) == len(items) - len(kept)
    events = [item for item in items if isinstance(item, str)]
    if len(events) < size:
        data = [item for item in items if isinstance(item, int)]
        room = len(kept) - len(events)
        assert [item for item in kept if isinstance(item, str)] == events
        assert [item for item in kept if isinstance(item, int)] == data[len(data) - room :]


def test_the_sync_stream_raises_the_error_that_ends_the_stream() -> None:
    retry = RetryPolicy(max_attempts=2)
    with (
        SyncStream(open_stream(CandleAdapter(unused_url()), retry=retry)) as stream,
        pytest.raises(TransportError, match="no connection after 2 attempts"),
    ):
        next(stream)
