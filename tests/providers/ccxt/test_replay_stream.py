"""Stream replay: real ccxt.pro instances on a loopback venue replaying bundled liquidations."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cryptodata import Kind, ParquetSink, Table, ValidationError
from cryptodata.core.stream import Data, SyncStream
from cryptodata.providers.ccxt.replay import RECORDED_AT, SAMPLE, sample_async_client, sample_client
from cryptodata.providers.ccxt.replay_stream import STREAMED, SampleFeed, sample_pro
from cryptodata.providers.ccxt.stream import SAMPLED

WAIT = 10.0
"""Longest wait for the recorded rows: only a failing test waits this long."""
NOW = datetime.fromtimestamp(RECORDED_AT, UTC)


@pytest.fixture
def feed() -> Iterator[SampleFeed]:
    with SampleFeed() as feed:
        yield feed


def _recorded(feed: SampleFeed, venue: str) -> int:
    frames = feed.frames(venue)
    return len(frames) if venue == "binanceusdm" else sum(len(f["data"]) for f in frames)


def _drain(stream: SyncStream, count: int) -> list[dict[str, Any]]:
    """The rows of the stream's `Data` items until `count` are in; an item that takes longer
    than `WAIT` fails the test."""
    found: list[dict[str, Any]] = []
    with ThreadPoolExecutor(1) as pool:
        while len(found) < count:
            item = pool.submit(next, stream).result(WAIT)
            if isinstance(item, Data):
                found += item.table.to_polars().to_dicts()
    return found


def _ms(row: dict[str, Any]) -> int:
    return int(row["ts"].timestamp() * 1000)


def _stream_all(feed: SampleFeed, venue: str) -> list[dict[str, Any]]:
    with (
        sample_client(venue) as client,
        client.stream_liquidations(
            list(SAMPLE.symbols[venue]), pro=sample_pro(venue, feed)
        ) as stream,
    ):
        return _drain(stream, _recorded(feed, venue))


def test_the_samples_hold_a_few_dozen_liquidations_of_both_perps_on_both_sides(
    feed: SampleFeed,
) -> None:
    binance = [frame["o"] for frame in feed.frames("binanceusdm")]
    bybit = feed.frames("bybit")
    events = [event for message in bybit for event in message["data"]]

    assert (len(binance), len(bybit), len(events)) == (20, 14, 15)
    assert (
        {order["s"] for order in binance}
        == {event["s"] for event in events}
        == {
            "BTCUSDT",
            "ETHUSDT",
        }
    )
    assert {order["S"] for order in binance} == {"BUY", "SELL"}
    assert {event["S"] for event in events} == {"Buy", "Sell"}
    stamps = [order["T"] for order in binance] + [event["T"] for event in events]
    assert all(RECORDED_AT * 1000 - 300_000 <= ms < RECORDED_AT * 1000 for ms in stamps)


@pytest.mark.parametrize("venue", STREAMED)
def test_a_sample_client_streams_every_recorded_liquidation(venue: str, feed: SampleFeed) -> None:
    rows = _stream_all(feed, venue)

    assert len(rows) == _recorded(feed, venue)
    assert {row["symbol"] for row in rows} == set(SAMPLE.symbols[venue])
    assert {row["side"] for row in rows} == {"long", "short"}
    assert all(NOW - timedelta(minutes=5) <= row["ts"] < NOW for row in rows)
    assert len({(row["symbol"], row["event_id"]) for row in rows}) == len(rows)


def test_a_binance_force_order_is_read_as_the_opposite_position(feed: SampleFeed) -> None:
    orders = {
        (frame["o"]["T"], frame["o"]["q"]): frame["o"]["S"] for frame in feed.frames("binanceusdm")
    }

    rows = _stream_all(feed, "binanceusdm")

    opposite = {"SELL": "long", "BUY": "short"}
    assert [row["side"] for row in rows] == [
        opposite[orders[(_ms(row), f"{row['amount']:.3f}")]] for row in rows
    ]


def test_a_bybit_message_side_is_the_position_and_two_events_in_a_message_both_come(
    feed: SampleFeed,
) -> None:
    events = [event for message in feed.frames("bybit") for event in message["data"]]
    assert any(len(message["data"]) == 2 for message in feed.frames("bybit"))

    rows = _stream_all(feed, "bybit")

    stated = {(event["T"], float(event["v"])): event["S"] for event in events}
    position = {"Buy": "long", "Sell": "short"}
    assert sorted((_ms(row), row["amount"]) for row in rows) == sorted(stated)
    assert [row["side"] for row in rows] == [
        position[stated[(_ms(row), row["amount"])]] for row in rows
    ]


def test_every_binance_table_carries_the_sample_warning(feed: SampleFeed) -> None:
    with (
        sample_client("binanceusdm") as client,
        client.stream_liquidations(
            ["BTC/USDT:USDT"], pro=sample_pro("binanceusdm", feed)
        ) as stream,
    ):
        tables: list[Table[Any]] = []
        with ThreadPoolExecutor(1) as pool:
            while len(tables) < 3:
                item = pool.submit(next, stream).result(WAIT)
                if isinstance(item, Data):
                    tables.append(item.table)

    assert all(table.warnings == [SAMPLED["binance"]] for table in tables)


def test_the_feed_answers_each_venues_subscriptions_in_its_own_protocol(feed: SampleFeed) -> None:
    _stream_all(feed, "binanceusdm")
    _stream_all(feed, "bybit")

    sent = [json.loads(text) for text in feed.received]
    assert [m["params"] for m in sent if m.get("method") == "SUBSCRIBE"] == [
        ["btcusdt@forceOrder", "ethusdt@forceOrder"]
    ]
    assert sorted(m["args"] for m in sent if m.get("op") == "subscribe") == [
        ["allLiquidation.BTCUSDT"],
        ["allLiquidation.ETHUSDT"],
    ]


@pytest.mark.parametrize("venue", STREAMED)
def test_nothing_leaves_loopback(
    venue: str, feed: SampleFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialled: list[Any] = []
    connect = socket.socket.connect

    def loopback_only(sock: socket.socket, address: Any) -> None:
        dialled.append(address)
        if address[0] != "127.0.0.1":
            raise AssertionError(f"a stream replay dialled {address}")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    pro = sample_pro(venue, feed)

    with (
        sample_client(venue) as client,
        client.stream_liquidations(list(SAMPLE.symbols[venue]), pro=pro) as stream,
    ):
        _drain(stream, 1)
        opened = list(pro.clients)

    assert dialled
    assert opened
    assert all(url.startswith(f"{feed.url}/") for url in opened)
    # Neither ccxt.pro nor the client asked anything by REST (the replay router saw nothing).
    assert pro.fetch.calls == []
    assert client.exchange.fetch.calls == []


@pytest.mark.parametrize("venue", STREAMED)
def test_a_sample_instance_is_closed_with_the_streams_websockets(
    venue: str, feed: SampleFeed
) -> None:
    pro = sample_pro(venue, feed)

    with (
        sample_client(venue) as client,
        client.stream_liquidations([SAMPLE.symbols[venue][0]], pro=pro) as stream,
    ):
        _drain(stream, 1)

    assert pro.closed_by_user
    assert pro.session is None
    assert not pro.clients


def test_an_async_sample_client_streams_into_a_sink(feed: SampleFeed, tmp_path: Path) -> None:
    async def main(sink: ParquetSink) -> int:
        pro = sample_pro("bybit", feed)
        found = 0
        try:
            async with (
                sample_async_client("bybit") as client,
                client.stream_liquidations(
                    list(SAMPLE.symbols["bybit"]), pro=pro, sink=sink
                ) as stream,
            ):
                async with asyncio.timeout(WAIT):
                    async for item in stream:
                        if isinstance(item, Data):
                            found += len(item.table)
                            if found == _recorded(feed, "bybit"):
                                break
        finally:
            await pro.close()
        return found

    with ParquetSink(tmp_path) as sink:
        found = asyncio.run(main(sink))
        stored = sink.read(Kind.LIQUIDATION_EVENTS).to_polars()

    assert found == stored.height == _recorded(feed, "bybit")


def test_a_venue_without_stream_samples_is_refused(feed: SampleFeed) -> None:
    with pytest.raises(ValidationError, match="hold binanceusdm, bybit; not 'hyperliquid'"):
        sample_pro("hyperliquid", feed)


def test_a_feed_must_be_running_to_point_an_instance_at_it() -> None:
    with pytest.raises(ValidationError, match="enter it first"):
        sample_pro("bybit", SampleFeed())
