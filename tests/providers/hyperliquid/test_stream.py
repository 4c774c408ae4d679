"""Hyperliquid's websocket feed: subscriptions, frames into tables, closed bars, back-fill."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from cryptodata import Kind, ValidationError, schema
from cryptodata.core.clock import ManualClock
from cryptodata.core.stream import (
    Ack,
    Connected,
    Data,
    Disconnected,
    Malformed,
    Payload,
    Pong,
    Reconnected,
    Refusal,
    Refused,
    StreamItem,
    Subscribed,
)
from cryptodata.providers.hyperliquid.client import AsyncHyperliquid, Hyperliquid
from cryptodata.providers.hyperliquid.stream import HyperliquidAdapter
from fakes.hyperliquid import NOW, FakeHyperliquid
from servers.websocket import WebsocketServer

FRAMES = Path(__file__).resolve().parents[2] / "fixtures" / "hyperliquid" / "ws"
TRADER = "0x" + "ab" * 20
WAIT = 5.0


def frame(name: str) -> str:
    return (FRAMES / name).read_text()


def candle(t_ms: int, close: str, coin: str = "BTC") -> str:
    data = {"t": t_ms, "T": t_ms + 59_999, "s": coin, "i": "1m", "o": "1.0", "c": close}
    data |= {"h": "2.0", "l": "0.5", "v": "3.0", "n": 7}
    return json.dumps({"channel": "candle", "data": data})


@pytest.fixture
def adapter() -> HyperliquidAdapter:
    return HyperliquidAdapter("ws://127.0.0.1:1/ws", clock=ManualClock(start=NOW))


def payload(events: Any) -> Payload:
    (event,) = events
    assert isinstance(event, Payload)
    return event


# --- subscriptions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("candle:BTC:1m", {"type": "candle", "coin": "BTC", "interval": "1m"}),
        ("trades:kPEPE", {"type": "trades", "coin": "kPEPE"}),
        ("book:xyz:TSLA", {"type": "l2Book", "coin": "xyz:TSLA"}),
        ("l2Book:BTC", {"type": "l2Book", "coin": "BTC"}),
        ("bbo:ETH", {"type": "bbo", "coin": "ETH"}),
        ("asset_context:SOL", {"type": "activeAssetCtx", "coin": "SOL"}),
        ("asset_context:@107", {"type": "activeSpotAssetCtx", "coin": "@107"}),
        (
            f"positions:{TRADER.upper().replace('0X', '0x')}",
            {"type": "clearinghouseState", "user": TRADER},
        ),
    ],
)
def test_each_subscription_becomes_the_venues_subscribe_message(
    adapter: HyperliquidAdapter, text: str, params: dict[str, str]
) -> None:
    subscription = adapter.subscription(text)

    assert json.loads(adapter.subscribe_message(subscription)) == {
        "method": "subscribe",
        "subscription": params,
    }


@pytest.mark.parametrize(
    "text",
    ["candle:BTC:6h", "candle:BTC", "trades:", "orders:BTC", "positions:0x12", "book:btc usd"],
)
def test_a_bad_subscription_is_refused(adapter: HyperliquidAdapter, text: str) -> None:
    with pytest.raises(ValidationError):
        adapter.subscription(text)


def test_an_eleventh_trader_is_refused_before_connecting(adapter: HyperliquidAdapter) -> None:
    traders = [adapter.subscription(f"positions:0x{i:040x}") for i in range(11)]

    adapter.check(traders[:10])
    with pytest.raises(ValidationError, match="at most 10"):
        adapter.check(traders)


# --- frames ----------------------------------------------------------------------------


def test_an_ack_names_its_subscription(adapter: HyperliquidAdapter) -> None:
    assert adapter.read(frame("subscription_response.json")) == [
        Ack(adapter.subscription("candle:BTC:1m"))
    ]


def test_an_error_naming_a_subscription_is_its_refusal(adapter: HyperliquidAdapter) -> None:
    (event,) = adapter.read(frame("error.json"))

    assert isinstance(event, Refusal)
    assert event.subscription == adapter.subscription("candle:NOPE:1m")


def test_a_pong_is_a_pong(adapter: HyperliquidAdapter) -> None:
    assert adapter.read('{"channel":"pong"}') == [Pong()]


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1,2]",
        '{"channel":"surprise","data":{}}',
        '{"channel":"trades","data":[{"coin":"ETH"}]}',
    ],
)
def test_a_frame_of_the_wrong_shape_is_malformed(adapter: HyperliquidAdapter, text: str) -> None:
    (event,) = adapter.read(text)

    assert isinstance(event, Malformed)


def test_a_candle_is_emitted_once_the_next_bar_shows_it_closed(adapter: HyperliquidAdapter) -> None:
    t = 1_751_327_940_000
    assert adapter.read(candle(t, "10.0")) == []
    assert adapter.read(candle(t, "11.5")) == []

    event = payload(adapter.read(candle(t + 60_000, "12.0")))

    (bar,) = event.table.to_records()
    assert event.table.kind is Kind.OHLCV
    assert (bar.ts, bar.close, bar.trades, bar.unit) == (
        datetime.fromtimestamp(t / 1000, UTC),
        11.5,
        7,
        "base",
    )


def test_trades_are_rows_with_the_taker_side_and_the_id_as_text(
    adapter: HyperliquidAdapter,
) -> None:
    event = payload(adapter.read(frame("trades.json")))

    frame_ = event.table.to_polars()
    assert event.subscription == adapter.subscription("trades:ETH")
    assert frame_.schema == schema(Kind.TRADES)
    assert frame_.select("trade_id", "side", "price", "amount").rows() == [
        ("981894269203506", "buy", 2501.3, 0.5),
        ("981894269203507", "sell", 2501.2, 1.25),
    ]


def test_a_book_push_is_a_snapshot_of_levels_per_side(adapter: HyperliquidAdapter) -> None:
    event = payload(adapter.read(frame("l2book.json")))

    rows = event.table.to_polars().select("side", "level", "price", "size", "orders").rows()
    assert sorted(rows) == [
        ("ask", 0, 107211.0, 2.0, 4),
        ("bid", 0, 107210.0, 1.5, 3),
        ("bid", 1, 107209.0, 0.25, 1),
    ]


def test_a_bbo_with_an_empty_side_gives_the_other_side_only(adapter: HyperliquidAdapter) -> None:
    event = payload(adapter.read(frame("bbo.json")))

    assert event.table.to_polars().select("side", "level", "price").rows() == [("bid", 0, 107210.0)]


def test_an_asset_context_push_is_stamped_with_the_clock(adapter: HyperliquidAdapter) -> None:
    event = payload(adapter.read(frame("active_asset_ctx.json")))

    (row,) = event.table.to_records()
    assert (row.symbol, row.mark_price, row.mid_price, row.ts) == (
        "BTC",
        104210.5,
        None,
        datetime.fromtimestamp(NOW, UTC),
    )
    assert row.open_interest_usd == 28402.11726 * 104210.5


def _state(size: str) -> str:
    position = {
        "coin": "ETH",
        "szi": size,
        "entryPx": "2986.3",
        "leverage": {"type": "cross", "value": 20},
        "liquidationPx": None,
        "marginUsed": "4.96",
        "maxLeverage": 50,
        "positionValue": "100.0",
        "returnOnEquity": "0.01",
        "unrealizedPnl": "0.5",
        "cumFunding": {"allTime": "1.0", "sinceChange": "0.0", "sinceOpen": "0.0"},
    }
    summary = {
        "accountValue": "1000.0",
        "totalMarginUsed": "4.96",
        "totalNtlPos": "100.0",
        "totalRawUsd": "900.0",
    }
    state = {
        "assetPositions": [{"type": "oneWay", "position": position}],
        "marginSummary": summary,
        "crossMarginSummary": summary,
        "crossMaintenanceMarginUsed": "1.0",
        "withdrawable": "995.0",
        "time": 1_751_327_990_000,
    }
    return json.dumps(
        {"channel": "clearinghouseState", "data": {"user": TRADER, "clearinghouseState": state}}
    )


def test_positions_are_emitted_only_when_they_change(adapter: HyperliquidAdapter) -> None:
    first = adapter.read(_state("0.0335"))
    again = adapter.read(_state("0.0335"))
    changed = adapter.read(_state("-0.0100"))

    assert payload(first).table.to_records()[0].side == "long"
    assert again == []
    assert payload(changed).table.to_records()[0].side == "short"


def test_every_positions_push_is_emitted_when_asked(clock_adapter: HyperliquidAdapter) -> None:
    assert len(clock_adapter.read(_state("1.0"))) == 1
    assert len(clock_adapter.read(_state("1.0"))) == 1


@pytest.fixture
def clock_adapter() -> HyperliquidAdapter:
    return HyperliquidAdapter(
        "ws://127.0.0.1:1/ws", clock=ManualClock(start=NOW), positions_changes_only=False
    )


# --- end to end ------------------------------------------------------------------------


def venue(message: str) -> list[str]:
    """Hyperliquid, as far as a stream sees it: acks, pongs, refusals of unknown coins."""
    request = json.loads(message)
    if request["method"] == "ping":
        return ['{"channel":"pong"}']
    subscription = request["subscription"]
    if subscription.get("coin") == "NOPE":
        return [
            json.dumps(
                {"channel": "error", "data": f"Invalid subscription {json.dumps(subscription)}"}
            )
        ]
    return [
        json.dumps(
            {
                "channel": "subscriptionResponse",
                "data": {"method": "subscribe", "subscription": subscription},
            }
        )
    ]


@pytest.fixture
def server() -> Iterator[WebsocketServer]:
    with WebsocketServer(venue) as running:
        yield running


async def take(stream: Any, count: int) -> list[StreamItem]:
    return [await asyncio.wait_for(anext(stream), WAIT) for _ in range(count)]


def test_a_stream_acks_refuses_and_delivers_closed_bars(server: WebsocketServer) -> None:
    clock = ManualClock(start=NOW)
    client = AsyncHyperliquid(clock=clock, ws_url=server.url)
    t = int(NOW * 1000) - 120_000

    async def main() -> list[StreamItem]:
        async with client.stream(["candle:BTC:1m", "candle:NOPE:1m"]) as stream:
            items = await take(stream, 3)
            server.push(candle(t, "5.0"))
            server.push(candle(t + 60_000, "6.0"))
            return [*items, *await take(stream, 1)]

    items = asyncio.run(main())

    btc = HyperliquidAdapter(server.url, clock=clock).subscription("candle:BTC:1m")
    assert isinstance(items[0], Connected)
    assert {type(item) for item in items[1:3]} == {Subscribed, Refused}
    assert isinstance(items[3], Data)
    assert items[3].subscription == btc
    assert [row.close for row in items[3].table] == [5.0]


def test_after_a_drop_the_missed_candles_come_by_rest(
    server: WebsocketServer, httpx_mock: HTTPXMock
) -> None:
    clock = ManualClock(start=NOW)
    FakeHyperliquid(clock).mount(httpx_mock)
    client = AsyncHyperliquid(clock=clock, ws_url=server.url)

    async def main() -> list[StreamItem]:
        async with client.stream(["candle:BTC:1h"]) as stream:
            await take(stream, 2)
            clock.advance(3 * 3_600)
            server.drop()
            items = await take(stream, 3)
            return items

    items = asyncio.run(main())

    assert [type(item) for item in items] == [Disconnected, Reconnected, Data]
    backfill = items[2]
    assert isinstance(backfill, Data)
    assert backfill.backfill
    # The closed bars of the span missed; the one forming at the reconnect is left out.
    now = datetime.fromtimestamp(NOW, UTC)
    assert backfill.table.to_polars()["ts"].to_list() == [
        now + timedelta(hours=h) for h in range(3)
    ]


def test_the_blocking_stream_back_fills_through_an_asyncio_twin_of_the_client(
    server: WebsocketServer, httpx_mock: HTTPXMock
) -> None:
    clock = ManualClock(start=NOW)
    FakeHyperliquid(clock).mount(httpx_mock)
    client = Hyperliquid(clock=clock, ws_url=server.url)

    with client.stream(["candle:BTC:1h"]) as feed:
        items = [next(feed), next(feed)]
        clock.advance(2 * 3_600)
        server.drop()
        items += [next(feed) for _ in range(3)]

    assert [type(item) for item in items] == [
        Connected,
        Subscribed,
        Disconnected,
        Reconnected,
        Data,
    ]
    backfill = items[-1]
    assert isinstance(backfill, Data)
    assert len(backfill.table) == 2
