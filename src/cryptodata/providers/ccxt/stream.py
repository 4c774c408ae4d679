"""ccxt.pro feeds as a `StreamAdapter`: liquidations, trades and candles of any ccxt.pro venue.

ccxt.pro owns its websockets (connection, subscription messages, keep-alive pings, parsing);
`CcxtLink` is the stream's link over it, so the core `Stream` still does the rest: connection
events, reconnects under a budget, the back-fill of missed candles, the bounded buffer and
the sink. Subscriptions are written `channel:symbol[:interval]`, the symbol ccxt's unified
one:

| text | ccxt.pro method (bulk where the venue has it) | rows (kind) |
| --- | --- | --- |
| `liquidations:BTC/USDT:USDT` | `watch_liquidations_for_symbols`, else `watch_liquidations` | `liquidation_events` |
| `trades:BTC/USDT:USDT` | `watch_trades_for_symbols`, else `watch_trades` | `trades` |
| `ohlcv:BTC/USDT:USDT:1m` | `watch_ohlcv_for_symbols`, else `watch_ohlcv` | `ohlcv`, closed bars only |

All symbols of one channel and market type (each type has its own websocket) share one bulk
call where ccxt has one for the venue, else each symbol is its own call, started `SUBSCRIBE_GAP` seconds apart (venues cap subscription
messages per second). A candle push is the forming bar: the adapter holds it and emits it
once a later bar shows it closed. ccxt hands a watcher only the liquidation that woke it,
so the link reads each venue's liquidation cache instead, and none that arrive between two
wake-ups is lost. Streams that are samples (Binance sends at most one liquidation per symbol
per second) say so in the warnings of every table (`SAMPLED`).
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

import attrs

from cryptodata.core.errors import UnsupportedError, ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.links import LinkError
from cryptodata.core.schema import Kind
from cryptodata.core.stream import Ack, Incoming, Payload, Refusal, Subscription
from cryptodata.core.table import Table

from . import frames
from .endpoints import PROVIDER

__all__ = [
    "CHANNELS",
    "CONNECTIONS_PER_MINUTE",
    "MAX_SYMBOLS",
    "SAMPLED",
    "SUBSCRIBE_GAP",
    "Batch",
    "CcxtAdapter",
    "CcxtLink",
    "stream_url",
]

_log = logging.getLogger("cryptodata.ccxt")

CHANNELS: Final = {
    "liquidations": Kind.LIQUIDATION_EVENTS,
    "trades": Kind.TRADES,
    "ohlcv": Kind.OHLCV,
}
"""Each channel a ccxt stream offers and the kind of its rows."""
_METHODS: Final = {
    "liquidations": ("watchLiquidations", "watchLiquidationsForSymbols"),
    "trades": ("watchTrades", "watchTradesForSymbols"),
    "ohlcv": ("watchOHLCV", "watchOHLCVForSymbols"),
}
"""Each channel's ccxt.pro methods, as named in `has`: one symbol, then many at once."""
_CALLS: Final = {
    "liquidations": ("watch_liquidations", "watch_liquidations_for_symbols"),
    "trades": ("watch_trades", "watch_trades_for_symbols"),
    "ohlcv": ("watch_ohlcv", "watch_ohlcv_for_symbols"),
}
"""The same methods, as Python names."""
SAMPLED: Final = {
    "binance": "binance's liquidation stream is a sample: at most one liquidation per symbol "
    "per second (the latest) is sent",
}
"""Venues whose liquidation stream leaves events out, with the warning every table carries."""
CONNECTIONS_PER_MINUTE: Final = {"binance": 60, "bybit": 100, "okx": 180}
"""The venues' caps on new websocket connections a minute (Binance 300 and Bybit 500 in five
minutes, OKX 3 a second); other venues get 30."""
MAX_SYMBOLS: Final = 200
"""Most symbols of one channel in one stream (Binance's cap of streams on one connection)."""
SUBSCRIBE_GAP: Final = 0.2
"""Seconds between per-symbol subscriptions: under Binance's 10 messages a second and the
other venues' caps."""
_INTERVALS: Final = frozenset(interval.value for interval in Interval)
_READY_POLL: Final = 0.01
_CLOSE_WAIT: Final = 2.0
"""Seconds a closing link waits for a websocket still connecting, so none is left open."""
_OPENED: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "ccxt_stream_clients", default=None
)
"""The websocket clients ccxt opened for the watch running in this task."""
_BACKLOG: Final = 10_000
"""Most batches a link holds for a stream that has stopped reading (the oldest go first)."""


@attrs.frozen
class Batch:
    """What a `CcxtLink` receives: rows of one subscription, or news about it.

    Attributes:
        text: The subscription's text.
        rows: ccxt's unified structures (liquidations, trades) or candles.
        event: `"rows"`, `"ack"` (the subscription is live) or `"refused"`.
        reason: Why the venue refused it.
    """

    text: str
    rows: Sequence[Any] = ()
    event: Literal["rows", "ack", "refused"] = "rows"
    reason: str = ""


def stream_url(exchange: Any, market_type: str) -> str:
    """The venue's public websocket URL for `market_type` (`linear`, `spot`...), for events.

    ccxt keeps URLs per market type, sometimes under `public`; the first `ws`/`wss` one found
    that way is the one the venue streams that type on.

    Examples:
        >>> class Venue:
        ...     urls = {"api": {"ws": {"public": {"linear": "wss://stream.example/linear"}}}}
        >>> stream_url(Venue(), "linear")
        'wss://stream.example/linear'
    """
    found = _find_url(exchange.urls.get("api", {}).get("ws"), market_type)
    if found is None:
        raise UnsupportedError(
            f"ccxt.pro lists no websocket URL of {exchange.id}", provider=PROVIDER, what="stream"
        )
    return found.replace("{hostname}", str(getattr(exchange, "hostname", "") or ""))


def _find_url(urls: object, market_type: str) -> str | None:
    if isinstance(urls, str):
        return urls if urls.startswith(("ws://", "wss://")) else None
    if not isinstance(urls, Mapping):
        return None
    for key in (market_type, "public", "swap", "future", *urls):
        if key in urls and (found := _find_url(urls[key], market_type)) is not None:
            return found
    return None


@attrs.frozen
class _Watch:
    """One ccxt.pro call that stays pending: a channel for one symbol, or for many at once."""

    channel: str
    texts: Mapping[str, str]  # unified symbol → subscription text
    interval: str | None
    bulk: bool

    def call(self, exchange: Any) -> Awaitable[Any]:
        """The ccxt.pro call, answered at the venue's next push."""
        one, many = _CALLS[self.channel]
        symbols = list(self.texts)
        candles = self.channel == "ohlcv"
        pending: Awaitable[Any]
        if self.bulk:
            pending = getattr(exchange, many)(
                [[symbol, self.interval] for symbol in symbols] if candles else symbols
            )
        else:
            pending = getattr(exchange, one)(symbols[0], *((self.interval,) if candles else ()))
        return pending

    def batches(self, result: Any, rows_of: Mapping[str, list[Any]] | None) -> list[Batch]:
        """The rows of one answer, split by subscription (`rows_of`: already split)."""
        if rows_of is None:
            if self.channel == "ohlcv" and isinstance(result, Mapping):
                rows_of = {
                    symbol: list(by_interval.get(self.interval, []))
                    for symbol, by_interval in result.items()
                }
            elif self.channel == "ohlcv":
                rows_of = {next(iter(self.texts)): list(result)}
            else:
                rows_of = _by_symbol(result)
        return [
            Batch(self.texts[symbol], rows)
            for symbol, rows in rows_of.items()
            if rows and symbol in self.texts
        ]


def _by_symbol(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    split: dict[str, list[Any]] = {}
    for row in rows:
        split.setdefault(str(row.get("symbol")), []).append(row)
    return split


def _market_type(market: Mapping[str, Any]) -> str:
    """`spot`, `linear`, `inverse` or ccxt's type: venues stream each on its own URL."""
    if market.get("spot"):
        return "spot"
    if market.get("linear"):
        return "linear"
    if market.get("inverse"):
        return "inverse"
    return str(market.get("type"))


def _plan(exchange: Any, subscriptions: Iterable[Subscription]) -> list[_Watch]:
    """The ccxt.pro calls that serve `subscriptions`: one bulk call per channel, interval and
    market type where the venue has one, else one per symbol."""
    groups: dict[tuple[str, str | None, str], dict[str, str]] = {}
    for subscription in subscriptions:
        params = subscription.params
        interval, symbol = params.get("interval"), str(params["symbol"])
        key = (
            str(params["channel"]),
            None if interval is None else str(interval),
            _market_type(exchange.markets[symbol]),
        )
        groups.setdefault(key, {})[symbol] = subscription.text
    watches = []
    for (channel, interval, _), texts in groups.items():
        bulk = exchange.has.get(_METHODS[channel][1]) is True
        if bulk or len(texts) == 1:
            watches.append(_Watch(channel, texts, interval, bulk))
        else:
            watches.extend(
                _Watch(channel, {symbol: text}, interval, False) for symbol, text in texts.items()
            )
    return watches


class CcxtLink:
    """The stream's link over one ccxt.pro instance: its watch calls, kept pending.

    `send` takes subscription texts; `ready` starts the calls (per-symbol ones
    `SUBSCRIBE_GAP` apart) and returns once every websocket ccxt opened for them is
    connected. Each call runs in a task of its own that calls again as soon as it is
    answered, so nothing waits on the consumer; answers queue as `Batch`es for `recv`. A
    network error from ccxt ends the link (`LinkError`, after the batches before it); any
    other error refuses the call's subscriptions (a symbol the venue does not stream).

    Args:
        exchange: The ccxt.pro instance, its markets set.
        subscriptions: The subscriptions by text.
        owned: Whether the link made the instance (closed with the link) or was given it
            (only its websockets are closed).
    """

    def __init__(
        self, exchange: Any, subscriptions: Mapping[str, Subscription], *, owned: bool
    ) -> None:
        self._exchange = exchange
        self._subscriptions = subscriptions
        self._owned = owned
        self._sent: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._clients: list[list[Any]] = []  # per watch task, the clients it opened
        self._batches: deque[Batch] = deque()
        self._answered: set[str] = set()  # subscriptions acked or refused on this link
        self._wake = asyncio.Event()
        self._failure: str | None = None
        self._dropped = 0

    async def send(self, message: str) -> None:
        """Take a subscription (its text): it is subscribed when the link gets `ready`."""
        self._sent.append(self._subscriptions[message])

    async def ready(self) -> None:
        """Start the watch calls; return once ccxt's websockets for them are connected.

        Raises:
            LinkError: If a websocket cannot connect, or ccxt fails a call with a network
                error first.
        """
        errors = importlib.import_module("ccxt.base.errors")
        _record_clients(self._exchange)
        for number, watch in enumerate(_plan(self._exchange, self._sent)):
            if number:
                await asyncio.sleep(SUBSCRIBE_GAP)
            opened: list[Any] = []
            self._clients.append(opened)
            self._tasks.append(asyncio.create_task(self._watch(watch, errors, opened)))
        while not self._connected():
            await asyncio.sleep(_READY_POLL)
        for subscription in self._sent:
            if subscription.text not in self._answered:
                self._put(Batch(subscription.text, event="ack"))

    def _connected(self) -> bool:
        """Whether every websocket ccxt opened is connected (`LinkError` if one failed);
        true at once when the venue refused every call, with nothing to connect."""
        if self._failure is not None:
            raise LinkError(self._failure)
        waiting = [
            opened
            for task, opened in zip(self._tasks, self._clients, strict=True)
            if not task.done()
        ]
        if any(not opened for opened in waiting):
            return False  # a call has not reached its websocket yet
        clients = [client for opened in waiting for client in opened]
        if not all(client.connected.done() for client in clients):
            return False
        for client in clients:
            if (failed := client.connected.exception()) is not None:
                raise LinkError(f"{self._exchange.id}: {failed}")
        return True

    async def recv(self) -> Batch:
        """The next batch.

        Raises:
            LinkError: Once the batches before it are read, if ccxt lost the connection.
        """
        while not self._batches:
            if self._failure is not None:
                raise LinkError(self._failure)
            self._wake.clear()
            await self._wake.wait()
        return self._batches.popleft()

    async def close(self) -> None:
        """Cancel the watch calls and close ccxt's websockets (the instance too, if made)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        # A websocket still connecting has nothing to close yet: let it finish first.
        connecting = [
            client.connected
            for opened in self._clients
            for client in opened
            if not client.connected.done()
        ]
        if connecting:
            await asyncio.wait(connecting, timeout=_CLOSE_WAIT)
        try:
            await (self._exchange.close() if self._owned else self._exchange.close_ws_clients())
        except Exception as exc:  # closing must not raise: the stream is already ending
            _log.debug("ccxt %s: closing its websockets failed: %s", self._exchange.id, exc)

    async def _watch(self, watch: _Watch, errors: Any, opened: list[Any]) -> None:
        _OPENED.set(opened)
        liquidations = _LiquidationCache(self._exchange, watch)
        try:
            while True:
                result = await watch.call(self._exchange)
                for batch in watch.batches(result, liquidations.new(result)):
                    self._put(batch)
        except errors.NetworkError as exc:
            self._fail(f"{self._exchange.id}: {type(exc).__name__}: {exc}")
        except errors.BaseError as exc:
            for text in watch.texts.values():
                self._put(Batch(text, event="refused", reason=f"{type(exc).__name__}: {exc}"))
        except Exception as exc:  # a ccxt bug on one message: reconnect rather than stall
            self._fail(f"{self._exchange.id}: ccxt failed: {type(exc).__name__}: {exc}")

    def _put(self, batch: Batch) -> None:
        # A watch whose websocket connected before the others' may answer before `ready`
        # acks them all: its subscription is acked first, so `Subscribed` precedes its data.
        if batch.event == "rows" and batch.text not in self._answered:
            self._put(Batch(batch.text, event="ack"))
        self._answered.add(batch.text)
        if len(self._batches) >= _BACKLOG:
            self._batches.popleft()
            self._dropped += 1
            if self._dropped == 1:
                _log.warning(
                    "ccxt %s stream: the consumer fell %d batches behind; dropping the oldest",
                    self._exchange.id,
                    _BACKLOG,
                )
        self._batches.append(batch)
        self._wake.set()

    def _fail(self, reason: str) -> None:
        if self._failure is None:
            self._failure = reason
        self._wake.set()


def _record_clients(exchange: Any) -> None:
    """Make `exchange.client(url)` note each websocket client in the calling watch's list.

    ccxt opens a client per URL inside the watch call; knowing which call opened which lets
    `ready` wait for exactly those. Installed once per instance; a no-op outside a watch.
    """
    if getattr(exchange, "_cryptodata_records_clients", False):
        return
    original = exchange.client

    def client(url: str) -> Any:
        made = original(url)
        opened = _OPENED.get()
        if opened is not None and made not in opened:
            opened.append(made)
        return made

    exchange.client = client
    exchange._cryptodata_records_clients = True


class _LiquidationCache:
    """The liquidations ccxt cached since the last answer, for the watch's symbols.

    ccxt answers a liquidation watcher with the one event that woke it; the others that
    arrived since (in the same message, or before the next call) are only in its
    `liquidations` cache. Comparing identities with the previous look finds them; the
    previous look holds its rows, so no new row can reuse an identity.
    """

    def __init__(self, exchange: Any, watch: _Watch) -> None:
        self._exchange = exchange
        self._active = watch.channel == "liquidations"
        self._symbols = frozenset(watch.texts)
        self._previous: list[Any] = list(self._cache() or ()) if self._active else []

    def _cache(self) -> list[Any] | None:
        cache = getattr(self._exchange, "liquidations", None)
        return cache if isinstance(cache, list) else None

    def new(self, answer: Any) -> dict[str, list[Any]] | None:
        """The new rows by symbol, or `None` where the answer is the whole news."""
        if not self._active:
            return None
        cache = self._cache()
        if cache is None:
            return _by_symbol(answer)
        seen = {id(row) for row in self._previous}
        self._previous = list(cache)
        fresh = [row for row in self._previous if id(row) not in seen]
        return {
            symbol: rows for symbol, rows in _by_symbol(fresh).items() if symbol in self._symbols
        }


HistoryFetch = Callable[[Kind, str, Interval, datetime, datetime], Awaitable[Table[Any]]]
"""Fetches one symbol's rows of a kind over `[start, end)` by REST (the client's method)."""


class CcxtAdapter:
    """ccxt.pro's feeds for `Stream` (see the module for subscriptions).

    Args:
        exchange: Makes a ccxt.pro instance for each connection, with whether the link owns
            it (and closes it); the first one it made is read for the venue's methods.
        venue: The canonical venue name in the `exchange` column.
        market_type: The subscribed markets' type (`linear`, `inverse`, `spot`): whose
            websocket URL the stream's events name.
        markets: Loads the exchange's markets (through the client's budget) and checks the
            subscribed symbols against them; run on the first connection.
        history: Fetches a missed span by REST, or `None` to back-fill nothing; candles
            are back-filled, and liquidations where the venue has a REST history.
        backfilled: The kinds `history` can fetch.
        connections_per_minute: The venue's cap on new connections.
    """

    provider = PROVIDER
    ping_after = 900.0
    """ccxt keeps the websockets alive itself (its own pings); the stream's watchdog only
    reconnects a feed silent for twice this long."""

    def __init__(
        self,
        exchange: Callable[[], tuple[Any, bool]],
        *,
        venue: str,
        market_type: str,
        markets: Callable[[list[str]], Awaitable[Mapping[str, Any]]],
        history: HistoryFetch | None,
        backfilled: frozenset[Kind],
        connections_per_minute: int,
    ) -> None:
        self._make = exchange
        self._unused: tuple[Any, bool] | None = exchange()
        first = self._unused[0]
        self._id = str(first.id)
        self._has: Mapping[str, Any] = first.has
        self._timeframes: Mapping[str, Any] = first.timeframes or {}
        self.url = stream_url(first, market_type)
        self._venue = venue
        self._load = markets
        self._markets: Mapping[str, Any] | None = None
        self._history = history
        self._backfilled = backfilled
        self._subscriptions: dict[str, Subscription] = {}
        self._forming: dict[str, list[Any]] = {}
        self.connections_per_minute = connections_per_minute

    def subscription(self, text: str) -> Subscription:
        """Parse `channel:symbol[:interval]` (see the module)."""
        channel, _, rest = text.partition(":")
        if channel not in CHANNELS or not rest:
            raise ValidationError(
                f"unknown ccxt subscription {text!r}; use 'liquidations:<symbol>', "
                "'trades:<symbol>' or 'ohlcv:<symbol>:<interval>'"
            )
        interval: str | None = None
        symbol = rest
        if channel == "ohlcv":
            symbol, _, interval = rest.rpartition(":")
            if interval not in self._timeframes or interval not in _INTERVALS or not symbol:
                raise ValidationError(
                    f"ccxt subscription {text!r}: the interval must be one of "
                    f"{', '.join(self._timeframes)}"
                )
        if not any(self._has.get(method) for method in _METHODS[channel]):
            raise UnsupportedError(
                f"{self._id}: ccxt.pro streams no {channel}",
                provider=PROVIDER,
                what=CHANNELS[channel].value,
            )
        return Subscription(text, {"channel": channel, "symbol": symbol, "interval": interval})

    def check(self, subscriptions: Sequence[Subscription]) -> None:
        """At most `MAX_SYMBOLS` symbols a channel; remembered for the first connection."""
        for channel in CHANNELS:
            count = sum(1 for sub in subscriptions if sub.params["channel"] == channel)
            if count > MAX_SYMBOLS:
                raise ValidationError(
                    f"at most {MAX_SYMBOLS} {channel} subscriptions in one stream, got {count}"
                )
        self._subscriptions = {sub.text: sub for sub in subscriptions}

    async def connect(self, open_timeout: float) -> CcxtLink:
        """A link over a ccxt.pro instance with the markets set (loaded the first time)."""
        if self._markets is None:
            symbols = sorted({str(sub.params["symbol"]) for sub in self._subscriptions.values()})
            self._markets = await self._load(symbols)
        exchange, owned = self._unused or self._make()
        self._unused = None
        if not exchange.markets:
            exchange.set_markets(list(self._markets.values()))
        return CcxtLink(exchange, self._subscriptions, owned=owned)

    def subscribe_message(self, subscription: Subscription) -> str:
        """The subscription's text: the link subscribes through ccxt."""
        return subscription.text

    def ping_message(self) -> str | None:
        """None: ccxt pings the venue itself."""
        return None

    def read(self, frame: Batch) -> Sequence[Incoming]:
        """A batch as an ack, a refusal or the rows of its subscription."""
        subscription = self._subscriptions[frame.text]
        if frame.event == "ack":
            return [Ack(subscription)]
        if frame.event == "refused":
            return [Refusal(subscription, frame.reason)]
        table = self._table(subscription, list(frame.rows))
        return [Payload(subscription, table)] if len(table) else []

    def backfill(
        self, subscription: Subscription, start: datetime, end: datetime
    ) -> Awaitable[Table[Any]] | None:
        """The missed span of candles (or of liquidations, where REST has them)."""
        kind = CHANNELS[str(subscription.params["channel"])]
        if self._history is None or kind not in self._backfilled:
            return None
        interval = subscription.params.get("interval") or Interval.H1.value
        symbol = str(subscription.params["symbol"])
        return self._history(kind, symbol, Interval(interval), start, end)

    def _table(self, subscription: Subscription, rows: list[Any]) -> Table[Any]:
        params = subscription.params
        assert self._markets is not None  # read only runs on a connected link
        market = self._markets[str(params["symbol"])]
        channel = params["channel"]
        if channel == "trades":
            return frames.trades(rows, venue=self._venue, market=market)
        if channel == "liquidations":
            table = frames.liquidation_events(
                rows, venue=self._venue, market=market, endpoint="stream:liquidations"
            )
            if self._venue in SAMPLED:
                table.warnings.append(SAMPLED[self._venue])
            return table
        closed = self._closed(subscription.text, rows)
        return frames.ohlcv(
            closed, venue=self._venue, market=market, interval=Interval(str(params["interval"]))
        )

    def _closed(self, text: str, candles: list[list[Any]]) -> list[list[Any]]:
        """The bars that `candles` (pushes of forming bars, oldest first) show closed."""
        closed = []
        forming = self._forming.get(text)
        for candle in sorted(candles, key=lambda candle: candle[0]):
            if forming is not None and candle[0] > forming[0]:
                closed.append(forming)
            if forming is None or candle[0] >= forming[0]:
                forming = candle
        if forming is not None:
            self._forming[text] = forming
        return closed
