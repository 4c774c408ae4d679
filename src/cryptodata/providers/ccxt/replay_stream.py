"""ccxt.pro streams offline: a loopback websocket venue replaying bundled liquidations.

`SampleFeed` runs a `websockets` server on 127.0.0.1 (a free port) on an event loop of its
own, in a thread, so blocking and asyncio clients reach it alike. It speaks Binance USDⓈ-M's
and Bybit v5's public protocols as far as ccxt.pro uses them for liquidations: a
subscription is acknowledged the way the venue does (Binance `{"result": null, "id": n}`,
Bybit `{"success": true, "op": "subscribe", ...}`, Bybit's pings answered with a pong),
then, half a second later, the recorded frames of the subscribed topics are sent, oldest
first, and the connection stays open, quiet. The frames (`samples/binanceusdm/forceOrder.json`,
`samples/bybit/allLiquidation.json`) are the venues' exact shapes for the BTC and ETH
perpetuals in the five minutes before `RECORDED_AT`: Binance's `forceOrder` events (the
side of the liquidation *order*) and Bybit's `allLiquidation` messages (the side of the
*position*; one message holds two events). The values are synthetic.

`sample_pro` builds a real ccxt.pro instance of `binanceusdm` or `bybit` whose markets are
the replay samples' and whose websocket URLs point at the feed; its REST `fetch` is the
replay router (`replay.sample_exchange`'s), so nothing it does leaves the machine. Pass it
as `pro=` to a replay client's `stream_liquidations`.

Examples:
    >>> from cryptodata.providers.ccxt.replay import sample_client
    >>> with SampleFeed() as feed, sample_client("bybit") as by:  # doctest: +SKIP
    ...     pro = sample_pro("bybit", feed)
    ...     with by.stream_liquidations(["BTC/USDT:USDT"], pro=pro) as stream:
    ...         items = [next(stream) for _ in range(3)]  # Connected, Subscribed, Data
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
from collections.abc import Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from cryptodata.core.errors import MissingDependencyError, ValidationError

from .replay import _Router, _sample

__all__ = ["STREAMED", "SampleFeed", "sample_pro"]

T = TypeVar("T")

STREAMED: Final = ("binanceusdm", "bybit")
"""The venues whose liquidation streams the feed replays (ccxt.pro has no public
Hyperliquid liquidation stream)."""

_FRAMES: Final = {"binanceusdm": "forceOrder.json", "bybit": "allLiquidation.json"}
"""Each venue's recorded frames, in `samples/<venue>/`."""
_PACE: Final = 0.002
"""Seconds between two replayed frames: in order, without flooding the reader."""
_SETTLE: Final = 0.5
"""Seconds between a subscription's answer and its first frame: the stream subscribes a
venue's symbols one by one, and reports them subscribed before the rows come."""
_CALL_TIMEOUT: Final = 10.0


def _topic(exchange_id: str, frame: Mapping[str, Any]) -> str:
    """The topic a recorded frame is sent on, as the venue's subscription names it."""
    if exchange_id == "binanceusdm":
        return f"{str(frame['o']['s']).lower()}@forceOrder"
    return str(frame["topic"])


def _answer(message: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The venue's replies to one client message, and the topics it subscribes."""
    if message.get("method") == "SUBSCRIBE":  # Binance
        return [json.dumps({"result": None, "id": message.get("id")})], list(message["params"])
    op = message.get("op")
    if op in ("subscribe", "ping"):  # Bybit
        reply = {
            "success": True,
            "ret_msg": "pong" if op == "ping" else "",
            "conn_id": "sample",
            "op": op,
            "req_id": message.get("req_id"),
        }
        return [json.dumps(reply)], list(message.get("args", [])) if op == "subscribe" else []
    return [], []


class SampleFeed:
    """A loopback websocket venue replaying the bundled liquidation frames; a context manager.

    One feed serves Binance's and Bybit's protocols at once: Binance's websockets under
    `/ws`, Bybit's under `/v5/public/`. Each subscription is answered with the recorded
    frames of its topics (so a reconnect's resubscription gets them again).

    Attributes:
        url: `ws://127.0.0.1:<port>`, once entered.
        received: Every message the clients sent, in order.
        sent: How many recorded frames were sent.

    Raises:
        MissingDependencyError: On entering, when `websockets` is not installed
            (`pip install 'cryptodata[websockets]'`).
    """

    def __init__(self) -> None:
        self.url = ""
        self.received: list[str] = []
        self.sent = 0
        self._frames = {
            venue: [(_topic(venue, frame), json.dumps(frame)) for frame in _sample(venue, name)]
            for venue, name in _FRAMES.items()
        }
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __enter__(self) -> Self:
        try:
            server = importlib.import_module("websockets.asyncio.server")
        except ImportError:
            raise MissingDependencyError(
                "SampleFeed", package="websockets", extra="websockets"
            ) from None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="ccxt-sample-feed", daemon=True
        )
        self._thread.start()
        self._server = self._call(self._serve(server.serve))
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._loop is None or self._thread is None:
            return
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        self._loop = self._thread = None

    def frames(self, exchange_id: str) -> list[dict[str, Any]]:
        """The recorded frames of `exchange_id` (`binanceusdm` or `bybit`), decoded."""
        return [json.loads(text) for _, text in self._frames[_streamed(exchange_id)]]

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None  # only called between enter and exit
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(_CALL_TIMEOUT)

    async def _serve(self, serve: Callable[..., Any]) -> Any:
        # `serve` needs the running loop: the feed's own.
        return await serve(self._handle, "127.0.0.1", 0, ping_interval=None)

    async def _close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, connection: Any) -> None:
        venue = "bybit" if str(connection.request.path).startswith("/v5/") else "binanceusdm"
        exceptions = importlib.import_module("websockets.exceptions")
        try:
            async for message in connection:
                text = message if isinstance(message, str) else message.decode()
                self.received.append(text)
                replies, topics = _answer(json.loads(text))
                for reply in replies:
                    await connection.send(reply)
                if topics:
                    self._spawn(self._replay(connection, venue, set(topics)))
        except exceptions.ConnectionClosed:
            pass  # the client went away: the end of this connection

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replay(self, connection: Any, venue: str, topics: set[str]) -> None:
        exceptions = importlib.import_module("websockets.exceptions")
        try:
            await asyncio.sleep(_SETTLE)
            for topic, text in self._frames[venue]:
                if topic in topics:
                    await asyncio.sleep(_PACE)
                    await connection.send(text)
                    self.sent += 1
        except exceptions.ConnectionClosed:
            pass  # closed mid-replay: nothing more to send


def _streamed(exchange_id: str) -> str:
    if exchange_id not in STREAMED:
        raise ValidationError(
            f"the ccxt stream samples hold {', '.join(STREAMED)}; not {exchange_id!r}"
        )
    return exchange_id


def sample_pro(exchange_id: str, feed: SampleFeed) -> Any:
    """A real ccxt.pro instance of `exchange_id` streaming from `feed`, with no network.

    Its markets are the replay samples' BTC and ETH perpetuals, its websocket URLs the
    feed's (`feed` must be entered) and its REST `fetch` the replay router. A blocking
    client's stream closes it with each connection; after an async client's stream, close it
    yourself (`await instance.close()`), on the loop it ran on.

    Args:
        exchange_id: `binanceusdm` or `bybit` (`STREAMED`).
        feed: The running feed.

    Raises:
        ValidationError: For another venue, or a feed not entered.
        MissingDependencyError: When ccxt is not installed (`pip install 'cryptodata[ccxt]'`).
    """
    _streamed(exchange_id)
    if not feed.url:
        raise ValidationError("sample_pro needs a running SampleFeed: enter it first")
    try:
        pro = importlib.import_module("ccxt.pro")
    except ImportError:
        raise MissingDependencyError("the ccxt provider", package="ccxt", extra="ccxt") from None
    instance = getattr(pro, exchange_id)()
    ws = instance.urls["api"]["ws"]
    if exchange_id == "binanceusdm":
        ws["linear"] = f"{feed.url}/ws"
        ws["inverse"] = f"{feed.url}/dws"
    else:
        for market_type in ("linear", "inverse", "spot", "option"):
            ws["public"][market_type] = f"{feed.url}/v5/public/{market_type}"
    instance.set_markets(_sample(exchange_id, "markets.json"))
    instance.fetch = _Router(exchange_id, asynchronous=True)
    return instance
