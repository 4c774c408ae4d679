"""Binance USDⓈ-M and Bybit v5 public websockets, spoken by a loopback `WebsocketServer`.

ccxt.pro connects to it for real (a ccxt.pro instance whose websocket URLs point at the
server, `pro_instance`), sends its own subscription messages and parses the frames below,
shaped as the venues document them (numbers as strings):

- Binance: `{"method": "SUBSCRIBE", "params": [...], "id": n}` is answered
  `{"result": null, "id": n}`; force orders (`forceOrder`, the liquidation *order's* side),
  trades (`trade`, `m` = buyer is maker) and klines (`kline`, pushed again as the bar forms);
- Bybit: `{"op": "subscribe", "args": [...], "req_id": ...}` is answered with
  `success: true`, pings with a pong; `allLiquidation.<id>` (the *position's* side, several
  events in one message), `publicTrade.<id>` and `kline.<interval>.<id>`.

A venue refuses nothing by default; Bybit's `refuse` names topics it answers with an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import ccxt.pro

from fakes.ccxt import markets

__all__ = [
    "BINANCE_FUTURES",
    "binance_kline",
    "binance_liquidation",
    "binance_trade",
    "bybit_kline",
    "bybit_liquidations",
    "bybit_trade",
    "pro_instance",
    "reply",
]

BINANCE_FUTURES = "BTCUSDT"


def reply(exchange_id: str, refuse: Sequence[str] = ()) -> Callable[[str], Sequence[str]]:
    """The venue's answers to what ccxt.pro sends: subscription acks and pongs.

    Bybit answers a subscription to a topic in `refuse` with its error for an unknown topic.
    """

    def answer(text: str) -> Sequence[str]:
        message: dict[str, Any] = json.loads(text)
        if exchange_id == "binanceusdm" and message.get("method") == "SUBSCRIBE":
            return [json.dumps({"result": None, "id": message["id"]})]
        if exchange_id == "bybit" and message.get("op") == "subscribe":
            refused = [topic for topic in message.get("args", []) if topic in refuse]
            ack = {
                "success": not refused,
                "ret_msg": f"error:handler not found,topic:{refused[0]}" if refused else "",
                "conn_id": "fake",
                "op": "subscribe",
            }
            return [json.dumps({**ack, "req_id": message.get("req_id")})]
        if exchange_id == "bybit" and message.get("op") == "ping":
            pong = {"success": True, "ret_msg": "pong", "conn_id": "fake", "op": "ping"}
            return [json.dumps({**pong, "req_id": message.get("req_id")})]
        return []

    return answer


def pro_instance(exchange_id: str, url: str) -> Any:
    """A ccxt.pro instance of `exchange_id` streaming from `url`, its markets the fixtures'."""
    instance = getattr(ccxt.pro, exchange_id)()
    ws = instance.urls["api"]["ws"]
    if exchange_id == "binanceusdm":
        ws["linear"] = f"{url}/ws"
        ws["inverse"] = f"{url}/dws"
    else:
        for market_type in ("linear", "inverse", "spot"):
            ws["public"][market_type] = f"{url}/v5/public/{market_type}"
    instance.set_markets(markets({"binanceusdm": "binance"}.get(exchange_id, exchange_id)))
    return instance


def binance_liquidation(ms: int, side: str, quantity: str, price: str) -> str:
    """A `forceOrder` event for BTCUSDT: `side` is the liquidation order's (`BUY`/`SELL`)."""
    order = {
        "s": BINANCE_FUTURES,
        "S": side,
        "o": "LIMIT",
        "f": "IOC",
        "q": quantity,
        "p": price,
        "ap": price,
        "X": "FILLED",
        "l": quantity,
        "z": quantity,
        "T": ms,
    }
    return json.dumps({"e": "forceOrder", "E": ms + 2, "o": order})


def binance_trade(ms: int, trade_id: int, price: str, quantity: str, *, maker_buys: bool) -> str:
    """A `trade` event for BTCUSDT (`m`: the buyer was the maker, so the taker sold)."""
    return json.dumps(
        {
            "e": "trade",
            "E": ms + 1,
            "T": ms,
            "s": BINANCE_FUTURES,
            "t": trade_id,
            "p": price,
            "q": quantity,
            "X": "MARKET",
            "m": maker_buys,
        }
    )


def binance_kline(start_ms: int, close: str, *, closed: bool = False) -> str:
    """A 1m `kline` push for BTCUSDT: the bar from `start_ms`, its close so far."""
    kline = {
        "t": start_ms,
        "T": start_ms + 59_999,
        "s": BINANCE_FUTURES,
        "i": "1m",
        "f": 1,
        "L": 2,
        "o": "100.0",
        "c": close,
        "h": max("100.0", close, key=float),
        "l": min("100.0", close, key=float),
        "v": "3.5",
        "n": 2,
        "x": closed,
        "q": "350.0",
        "V": "1.5",
        "Q": "150.0",
        "B": "0",
    }
    return json.dumps({"e": "kline", "E": start_ms + 30_000, "s": BINANCE_FUTURES, "k": kline})


def bybit_liquidations(market_id: str, events: Sequence[tuple[int, str, str, str]]) -> str:
    """An `allLiquidation` message: `(ms, side, size, price)` events, `side` the position's."""
    data = [
        {"T": ms, "s": market_id, "S": side, "v": size, "p": price}
        for ms, side, size, price in events
    ]
    stamp = max(ms for ms, *_ in events) + 5
    return json.dumps(
        {"topic": f"allLiquidation.{market_id}", "type": "snapshot", "ts": stamp, "data": data}
    )


def bybit_trade(market_id: str, ms: int, trade_id: str, side: str, size: str, price: str) -> str:
    """A `publicTrade` message with one trade (`side` the taker's: `Buy`/`Sell`)."""
    trade = {
        "T": ms,
        "s": market_id,
        "S": side,
        "v": size,
        "p": price,
        "L": "PlusTick",
        "i": trade_id,
        "BT": False,
    }
    return json.dumps(
        {"topic": f"publicTrade.{market_id}", "type": "snapshot", "ts": ms + 1, "data": [trade]}
    )


def bybit_kline(market_id: str, start_ms: int, close: str, *, confirm: bool = False) -> str:
    """A 1m `kline` push: the bar from `start_ms`, its close so far."""
    bar = {
        "start": start_ms,
        "end": start_ms + 59_999,
        "interval": "1",
        "open": "100.0",
        "close": close,
        "high": max("100.0", close, key=float),
        "low": min("100.0", close, key=float),
        "volume": "2.5",
        "turnover": "250.0",
        "confirm": confirm,
        "timestamp": start_ms + 30_000,
    }
    return json.dumps(
        {
            "topic": f"kline.1.{market_id}",
            "type": "snapshot",
            "ts": start_ms + 30_000,
            "data": [bar],
        }
    )
