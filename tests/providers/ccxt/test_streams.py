"""ccxt.pro streams: real ccxt.pro clients on loopback websockets shaped as the venues' own.

Each test runs a `WebsocketServer` speaking Binance's or Bybit's public protocol
(`fakes.ccxt_ws`) and a real ccxt.pro instance pointed at it (`pro=`); the REST side
(markets, back-fills) is the fake venue behind the client's own instance (`fakes.ccxt`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from cryptodata import Kind, UnsupportedError, ValidationError, schema
from cryptodata.core.clock import ManualClock
from cryptodata.core.stream import (
    Connected,
    Data,
    Disconnected,
    Reconnected,
    Refused,
    Stream,
    StreamItem,
    Subscribed,
    SyncStream,
)
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
from cryptodata.providers.ccxt.stream import SAMPLED
from fakes.ccxt import NOW, FakeVenue, exchange
from fakes.ccxt_ws import (
    binance_kline,
    binance_liquidation,
    binance_trade,
    bybit_kline,
    bybit_liquidations,
    bybit_trade,
    pro_instance,
    reply,
)
from fakes.limiters import RecordingTokenBucket
from fakes.sinks import MemorySink
from servers.websocket import WebsocketServer

WAIT = 10.0
"""Longest wait for an item that should come: only a failing test waits this long."""
NOW_MS = int(NOW * 1000)
PERP = "BTC/USDT:USDT"
INVERSE = "BTC/USD:BTC"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture(params=["binanceusdm", "bybit"])
def venue_id(request: pytest.FixtureRequest) -> str:
    venue: str = request.param
    return venue


@pytest.fixture
def server(venue_id: str) -> Iterator[WebsocketServer]:
    with WebsocketServer(reply(venue_id)) as server:
        yield server


@pytest.fixture
def pro(venue_id: str, server: WebsocketServer) -> Any:
    # Closed by `streaming`, inside the event loop its websockets ran on.
    return pro_instance(venue_id, server.url)


def client(venue_id: str, clock: ManualClock) -> AsyncCcxt:
    venue = FakeVenue(exchange(venue_id, asynchronous=True), clock)
    limiter = RecordingTokenBucket(1_000, 1.0, clock=clock)
    return AsyncCcxt(venue.instance, clock=clock, limiter=limiter)


@contextlib.asynccontextmanager
async def streaming(venue_id: str, clock: ManualClock, pro: Any) -> AsyncIterator[AsyncCcxt]:
    """The async client on the fake venue; `pro`, the caller's instance, is closed after."""
    try:
        async with client(venue_id, clock) as cx:
            yield cx
    finally:
        await pro.close()


async def take(stream: Stream, count: int) -> list[StreamItem]:
    items = []
    async with asyncio.timeout(WAIT):
        while len(items) < count:
            items.append(await anext(stream))
    return items


async def opened(stream: Stream) -> list[StreamItem]:
    """The stream's first items: `Connected`, then a `Subscribed` per subscription."""
    return await take(stream, 1 + len(stream.subscriptions))


def rows(item: StreamItem) -> list[dict[str, Any]]:
    assert isinstance(item, Data)
    return item.table.to_polars().drop("provider").to_dicts()


def run(work: Any) -> Any:
    return asyncio.run(work)


# --- connection and subscription --------------------------------------------------------


@pytest.mark.parametrize("venue_id", ["binanceusdm"])
def test_a_binance_stream_subscribes_the_symbols_of_a_market_type_in_one_bulk_message(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming("binanceusdm", clock, pro) as cx,
            cx.stream_liquidations([PERP, INVERSE], pro=pro) as stream,
        ):
            return await opened(stream)

    items = run(main())

    assert isinstance(items[0], Connected)
    assert {item.subscription.text for item in items[1:] if isinstance(item, Subscribed)} == {
        f"liquidations:{PERP}",
        f"liquidations:{INVERSE}",
    }
    subscribed = [json.loads(text) for text in server.received]
    # Linear and inverse contracts stream from two websockets: one bulk message each.
    assert sorted(message["params"] for message in subscribed) == [
        ["btcusd_perp@forceOrder"],
        ["btcusdt@forceOrder"],
    ]


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_a_venue_without_a_bulk_method_gets_one_subscription_per_symbol(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming("bybit", clock, pro) as cx,
            cx.stream_liquidations([PERP, INVERSE], pro=pro) as stream,
        ):
            return await opened(stream)

    run(main())

    topics = [json.loads(text)["args"] for text in server.received]
    assert sorted(topics) == [["allLiquidation.BTCUSD"], ["allLiquidation.BTCUSDT"]]


def test_the_connected_event_names_the_venues_websocket(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming(venue_id, clock, pro) as cx,
            cx.stream_trades([PERP], pro=pro) as stream,
        ):
            return await opened(stream)

    first = run(main())[0]

    assert isinstance(first, Connected)
    assert first.url.startswith(server.url)
    assert first.at == datetime.fromtimestamp(NOW, UTC)


def test_an_unknown_symbol_is_refused_before_any_connection(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> None:
        async with (
            streaming(venue_id, clock, pro) as cx,
            cx.stream_trades(["BTC/USDC:USDC"], pro=pro) as stream,
        ):
            await take(stream, 1)

    with pytest.raises(ValidationError, match="lists no market 'BTC/USDC:USDC'"):
        run(main())

    assert server.connections == 0


def test_a_blocking_client_refuses_an_unknown_symbol_at_the_call(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    cx = Ccxt(FakeVenue(exchange(venue_id), clock).instance, clock=clock)

    with pytest.raises(ValidationError, match="did you mean"):
        cx.stream_liquidations(["BTC/USDT:USDC"], pro=pro)

    assert server.connections == 0


def test_a_venue_whose_ccxt_pro_class_streams_no_liquidations_is_unsupported(
    clock: ManualClock,
) -> None:
    cx = AsyncCcxt("hyperliquid", clock=clock)

    with pytest.raises(UnsupportedError, match=r"hyperliquid: ccxt\.pro streams no liquidations"):
        cx.stream_liquidations(["BTC/USDC:USDC"])

    run(cx.aclose())


def test_a_pro_instance_of_another_venue_is_refused(clock: ManualClock) -> None:
    cx = AsyncCcxt(exchange("binanceusdm", asynchronous=True), clock=clock)
    other = pro_instance("bybit", "ws://127.0.0.1:1")

    with pytest.raises(ValidationError, match=r"ccxt\.pro instance of binanceusdm"):
        cx.stream_trades([PERP], pro=other)

    run(cx.aclose())
    run(other.close())


def test_an_interval_the_venue_does_not_stream_is_refused(clock: ManualClock) -> None:
    cx = AsyncCcxt(exchange("binanceusdm", asynchronous=True), clock=clock)

    with pytest.raises(ValidationError):
        cx.stream_ohlcv([PERP], interval="7m")

    run(cx.aclose())


def test_a_subscription_the_venue_refuses_is_refused_and_the_others_carry_on(
    clock: ManualClock,
) -> None:
    with WebsocketServer(reply("bybit", refuse=["allLiquidation.BTCUSD"])) as server:
        pro = pro_instance("bybit", server.url)

        async def main() -> list[StreamItem]:
            async with (
                streaming("bybit", clock, pro) as cx,
                cx.stream_liquidations([INVERSE, PERP], pro=pro) as stream,
            ):
                items = await opened(stream)
                linear = "/v5/public/linear"
                server.push(
                    bybit_liquidations("BTCUSDT", [(NOW_MS, "Buy", "0.3", "100.0")]), linear
                )
                return [*items, *await take(stream, 1)]

        items = run(main())

    assert isinstance(items[0], Connected)
    answers = {type(item): getattr(item, "subscription", None) for item in items[1:3]}
    assert {kind: sub.text for kind, sub in answers.items() if sub is not None} == {
        Refused: f"liquidations:{INVERSE}",
        Subscribed: f"liquidations:{PERP}",
    }
    refused = next(item for item in items if isinstance(item, Refused))
    assert "handler not found" in refused.reason
    assert [row["symbol"] for row in rows(items[3])] == [PERP]


# --- liquidations -----------------------------------------------------------------------


@pytest.mark.parametrize("venue_id", ["binanceusdm"])
def test_binance_liquidations_read_the_forced_orders_side_as_the_opposite_position(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming("binanceusdm", clock, pro) as cx,
            cx.stream_liquidations([PERP], pro=pro) as stream,
        ):
            await opened(stream)
            server.push(binance_liquidation(NOW_MS, "SELL", "0.5", "100.0"))
            server.push(binance_liquidation(NOW_MS + 1_000, "BUY", "0.2", "110.0"))
            return await take(stream, 2)

    first, second = (rows(item) for item in run(main()))

    assert [row["side"] for row in first + second] == ["long", "short"]
    assert first[0]["exchange"] == "binance"
    assert first[0]["symbol"] == PERP
    assert first[0]["ts"] == datetime.fromtimestamp(NOW, UTC)
    assert (first[0]["amount"], first[0]["value"], first[0]["unit"]) == (0.5, 50.0, "base")


@pytest.mark.parametrize("venue_id", ["binanceusdm"])
def test_every_binance_liquidation_table_says_the_stream_is_a_sample(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming("binanceusdm", clock, pro) as cx,
            cx.stream_liquidations([PERP], pro=pro) as stream,
        ):
            await opened(stream)
            server.push(binance_liquidation(NOW_MS, "SELL", "0.5", "100.0"))
            server.push(binance_liquidation(NOW_MS + 1_000, "SELL", "0.5", "100.0"))
            return await take(stream, 2)

    for item in run(main()):
        assert isinstance(item, Data)
        assert item.table.warnings == [SAMPLED["binance"]]


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_bybit_liquidations_state_the_position_and_none_of_a_message_is_lost(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    # Two events in one message (and a third right behind it): ccxt answers a watcher
    # with one event; the stream reads the rest from ccxt's cache.
    events = [(NOW_MS, "Buy", "0.3", "100.0"), (NOW_MS, "Sell", "0.1", "101.0")]

    async def main() -> list[dict[str, Any]]:
        async with (
            streaming("bybit", clock, pro) as cx,
            cx.stream_liquidations([PERP], pro=pro) as stream,
        ):
            await opened(stream)
            server.push(bybit_liquidations("BTCUSDT", events))
            server.push(bybit_liquidations("BTCUSDT", [(NOW_MS + 5, "Buy", "0.2", "99.0")]))
            found: list[dict[str, Any]] = []
            while len(found) < 3:
                found += rows((await take(stream, 1))[0])
            return found

    found = run(main())

    assert [(row["side"], row["amount"], row["price"]) for row in found] == [
        ("long", 0.3, 100.0),
        ("short", 0.1, 101.0),
        ("long", 0.2, 99.0),
    ]
    assert len({row["event_id"] for row in found}) == 3
    assert all(row["value"] == pytest.approx(row["amount"] * row["price"]) for row in found)


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_an_inverse_liquidation_is_sized_from_its_usd_contracts(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming("bybit", clock, pro) as cx,
            cx.stream_liquidations([INVERSE], pro=pro) as stream,
        ):
            await opened(stream)
            server.push(bybit_liquidations("BTCUSD", [(NOW_MS, "Sell", "5000", "100000")]))
            return await take(stream, 1)

    (row,) = rows(run(main())[0])

    assert (row["side"], row["value"], row["amount"]) == ("short", 5000.0, 0.05)


def test_liquidation_tables_have_the_canonical_schema(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    push = (
        binance_liquidation(NOW_MS, "SELL", "0.5", "100.0")
        if venue_id == "binanceusdm"
        else bybit_liquidations("BTCUSDT", [(NOW_MS, "Buy", "0.3", "100.0")])
    )

    async def main() -> list[StreamItem]:
        async with (
            streaming(venue_id, clock, pro) as cx,
            cx.stream_liquidations([PERP], pro=pro) as stream,
        ):
            await opened(stream)
            server.push(push)
            return await take(stream, 1)

    (item,) = run(main())

    assert isinstance(item, Data)
    assert item.table.kind is Kind.LIQUIDATION_EVENTS
    assert item.table.to_polars().schema == schema(Kind.LIQUIDATION_EVENTS)


# --- trades -----------------------------------------------------------------------------


def test_trades_carry_the_venues_id_and_the_takers_side(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    pushes = (
        [
            binance_trade(NOW_MS, 7, "100.5", "0.25", maker_buys=True),
            binance_trade(NOW_MS + 1, 8, "100.6", "0.5", maker_buys=False),
        ]
        if venue_id == "binanceusdm"
        else [
            bybit_trade("BTCUSDT", NOW_MS, "7", "Sell", "0.25", "100.5"),
            bybit_trade("BTCUSDT", NOW_MS + 1, "8", "Buy", "0.5", "100.6"),
        ]
    )

    async def main() -> list[dict[str, Any]]:
        async with (
            streaming(venue_id, clock, pro) as cx,
            cx.stream_trades([PERP], pro=pro) as stream,
        ):
            await opened(stream)
            for push in pushes:
                server.push(push)
            found: list[dict[str, Any]] = []
            while len(found) < 2:
                found += rows((await take(stream, 1))[0])
            return found

    found = run(main())

    assert [(row["trade_id"], row["side"], row["price"], row["amount"]) for row in found] == [
        ("7", "sell", 100.5, 0.25),
        ("8", "buy", 100.6, 0.5),
    ]
    assert {row["unit"] for row in found} == {"base"}


# --- candles ----------------------------------------------------------------------------


def _kline(venue_id: str, start_ms: int, close: str) -> str:
    if venue_id == "binanceusdm":
        return binance_kline(start_ms, close)
    return bybit_kline("BTCUSDT", start_ms, close)


def test_only_closed_bars_are_emitted_each_with_its_last_values(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming(venue_id, clock, pro) as cx,
            cx.stream_ohlcv([PERP], interval="1m", pro=pro) as stream,
        ):
            await opened(stream)
            for start, close in [(0, "101.0"), (0, "102.0"), (60_000, "99.0")]:
                server.push(_kline(venue_id, NOW_MS + start, close))
            return await take(stream, 1)

    (item,) = run(main())

    (bar,) = rows(item)
    assert (bar["ts"], bar["close"], bar["interval"]) == (
        datetime.fromtimestamp(NOW, UTC),
        102.0,
        "1m",
    )
    assert item.table.to_polars().schema == schema(Kind.OHLCV)


@pytest.mark.parametrize("venue_id", ["binanceusdm"])
def test_after_a_drop_the_missed_bars_come_by_rest(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming("binanceusdm", clock, pro) as cx,
            cx.stream_ohlcv([PERP], interval="1m", pro=pro) as stream,
        ):
            await opened(stream)
            clock.advance(5 * 60)
            server.drop()
            return await take(stream, 4)

    items = run(main())

    # The back-fill comes right after the reconnect, before the resubscription's answer.
    assert [type(item) for item in items] == [Disconnected, Reconnected, Data, Subscribed]
    backfill = items[2]
    assert isinstance(backfill, Data)
    assert backfill.backfill
    start = datetime.fromtimestamp(NOW, UTC)
    assert backfill.table.to_polars()["ts"].to_list() == [
        start + timedelta(minutes=m) for m in range(5)
    ]
    assert server.connections == 2


# --- sinks, blocking use, budgets -------------------------------------------------------


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_the_sink_gets_every_data_table(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    sink = MemorySink()

    async def main() -> None:
        async with (
            streaming("bybit", clock, pro) as cx,
            cx.stream_liquidations([PERP], pro=pro, sink=sink) as stream,
        ):
            await opened(stream)
            server.push(bybit_liquidations("BTCUSDT", [(NOW_MS, "Buy", "0.3", "100.0")]))
            await take(stream, 1)

    run(main())

    assert sink.writes == 1
    assert sink.frames[Kind.LIQUIDATION_EVENTS].height == 1


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_the_blocking_client_streams_on_a_thread_of_its_own(
    server: WebsocketServer, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptodata.providers.ccxt import sender

    monkeypatch.setattr(
        sender, "build_stream_exchange", lambda *_: pro_instance("bybit", server.url)
    )
    cx = Ccxt(FakeVenue(exchange("bybit"), clock).instance, clock=clock)

    with cx.stream_liquidations([PERP]) as feed, ThreadPoolExecutor(1) as pool:
        assert isinstance(feed, SyncStream)
        items = [pool.submit(next, feed).result(WAIT) for _ in range(2)]
        server.push(bybit_liquidations("BTCUSDT", [(NOW_MS, "Sell", "0.3", "100.0")]))
        items.append(pool.submit(next, feed).result(WAIT))

    assert [type(item) for item in items] == [Connected, Subscribed, Data]
    assert [row["side"] for row in rows(items[2])] == ["short"]


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_a_stream_made_from_the_exchange_id_closes_its_own_ccxt_pro_instance(
    server: WebsocketServer, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptodata.providers.ccxt import sender

    made: list[Any] = []

    def build(exchange_: Any, config: Any) -> Any:
        made.append(pro_instance("bybit", server.url))
        return made[-1]

    monkeypatch.setattr(sender, "build_stream_exchange", build)

    async def main() -> None:
        async with client("bybit", clock) as cx, cx.stream_trades([PERP]) as stream:
            await opened(stream)

    run(main())

    (instance,) = made
    assert instance.closed_by_user
    assert not instance.clients


def test_a_venue_down_at_first_is_retried_until_it_answers(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    server.reject = 2

    async def main() -> list[StreamItem]:
        async with (
            streaming(venue_id, clock, pro) as cx,
            cx.stream_trades([PERP], pro=pro) as stream,
        ):
            return await opened(stream)

    items = run(main())

    assert [type(item) for item in items] == [Connected, Subscribed]
    assert server.connections == 1


def test_stream_tables_are_polars_frames_in_utc(
    venue_id: str, server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    async def main() -> list[StreamItem]:
        async with (
            streaming(venue_id, clock, pro) as cx,
            cx.stream_trades([PERP], pro=pro) as stream,
        ):
            await opened(stream)
            server.push(
                binance_trade(NOW_MS, 1, "1.0", "1.0", maker_buys=True)
                if venue_id == "binanceusdm"
                else bybit_trade("BTCUSDT", NOW_MS, "1", "Buy", "1.0", "1.0")
            )
            return await take(stream, 1)

    (item,) = run(main())

    assert isinstance(item, Data)
    assert item.table.to_polars().schema["ts"] == pl.Datetime("ms", "UTC")


def test_a_subscription_is_acknowledged_before_its_first_rows(clock: ManualClock) -> None:
    # The linear websocket answers with a liquidation right after its ack, before the inverse
    # one has connected: `Subscribed` must still come before that subscription's data.
    acks = reply("bybit")
    early = bybit_liquidations("BTCUSDT", [(NOW_MS, "Buy", "0.3", "100.0")])

    def answer(text: str) -> list[str]:
        frames = list(acks(text))
        if "allLiquidation.BTCUSDT" in text:
            frames.append(early)
        return frames

    with WebsocketServer(answer) as server:
        pro = pro_instance("bybit", server.url)

        async def main() -> list[StreamItem]:
            async with (
                streaming("bybit", clock, pro) as cx,
                cx.stream_liquidations([PERP, INVERSE], pro=pro) as stream,
            ):
                return await take(stream, 4)

        items = run(main())

    assert isinstance(items[0], Connected)
    perp = [
        type(item)
        for item in items
        if getattr(item, "subscription", None) is not None
        and item.subscription.text == f"liquidations:{PERP}"  # type: ignore[union-attr]
    ]
    assert perp == [Subscribed, Data]


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_the_blocking_client_closes_the_session_of_the_instance_it_streamed_on(
    server: WebsocketServer, pro: Any, clock: ManualClock
) -> None:
    # The stream's event loop ends with the stream: the session must not outlive it.
    cx = Ccxt(FakeVenue(exchange("bybit"), clock).instance, clock=clock)

    with cx.stream_liquidations([PERP], pro=pro) as feed, ThreadPoolExecutor(1) as pool:
        [pool.submit(next, feed).result(WAIT) for _ in range(2)]
        assert pro.session is not None

    assert pro.session is None
