"""Hyperliquid's websocket feed as a `StreamAdapter`: subscriptions, frames, back-fill.

Subscriptions are written `channel:argument[:interval]`:

| text | Hyperliquid subscription | rows (kind) |
| --- | --- | --- |
| `candle:BTC:1m` | `candle` | each bar once it has closed (`ohlcv`) |
| `trades:ETH` | `trades` | every trade (`trades`), unique on (coin, time, tid) |
| `book:BTC` | `l2Book` | 20 levels a side, a snapshot each push (`order_book`) |
| `bbo:BTC` | `bbo` | the best bid and ask when they change (`order_book`, level 0) |
| `asset_context:BTC` | `activeAssetCtx` (`activeSpotAssetCtx` for `@N`) | the live context (`asset_context`) |
| `positions:0x…` | `clearinghouseState` | the trader's positions (`positions`), by default only when they change |

A candle push is the forming bar, pushed again on every trade: the adapter holds it and emits
it when the next bar's first push shows it closed, so a stream (and a sink behind it) only
ever gets final bars; after a reconnect the missed span's candles come by REST. At most 10
distinct traders may be followed from one IP: an 11th is refused before connecting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
import polars as pl

from cryptodata.core.clock import Clock
from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.links import WebsocketLink, open_websocket
from cryptodata.core.schema import Kind
from cryptodata.core.stream import Ack, Incoming, Malformed, Payload, Pong, Refusal, Subscription
from cryptodata.core.table import Table

from .coverage import INTERVALS
from .endpoints import PROVIDER, VENUE, WS_CONNECTIONS_PER_MINUTE
from .frames import asset_contexts, ohlcv
from .symbols import base_of, size_unit, validate_address, validate_coin

__all__ = ["MAX_USERS", "HyperliquidAdapter"]

MAX_USERS: Final = 10
"""Distinct traders one IP may follow over websockets."""
MAX_SUBSCRIPTIONS: Final = 1_000
_CHANNELS: Final = {
    "candle": "candle",
    "trades": "trades",
    "book": "l2Book",
    "bbo": "bbo",
    "asset_context": "activeAssetCtx",
    "positions": "clearinghouseState",
}
_CHANNEL_OF: Final = {
    **{kind: channel for channel, kind in _CHANNELS.items()},
    "activeSpotAssetCtx": "asset_context",
}
"""A Hyperliquid subscription `type` → our channel name (acks and errors echo the type)."""
_SPELLINGS: Final = {"l2Book": "book", "activeAssetCtx": "asset_context"}
_UTC_MS = pl.Datetime("ms", "UTC")
_SIDES: Final = {"B": "buy", "A": "sell"}


class HyperliquidAdapter:
    """Hyperliquid's websocket protocol for `Stream` (see the module for subscriptions).

    Args:
        url: The websocket URL.
        clock: Stamps the rows whose frames carry no time (asset contexts).
        client: Makes the asyncio client that back-fills missed candles (made once, on the
            first back-fill, inside the stream's event loop); `None` back-fills nothing.
        positions_changes_only: Emit a trader's positions only when they differ from the
            last ones emitted (sizes, prices, PnL...), not on every push.
    """

    provider = PROVIDER
    connections_per_minute = WS_CONNECTIONS_PER_MINUTE
    ping_after = 30.0
    """The venue closes a connection that sent nothing for 60 s; its SDK pings every 50."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        client: Callable[[], Any] | None = None,
        positions_changes_only: bool = True,
    ) -> None:
        self.url = url
        self._clock = clock
        self._make_client = client
        self._client: Any = None
        self._changes_only = positions_changes_only
        self._forming: dict[Subscription, pl.DataFrame] = {}
        self._positions: dict[str, pl.DataFrame] = {}

    def connect(self, open_timeout: float) -> Awaitable[WebsocketLink]:
        """One websocket to `url`."""
        return open_websocket(self.url, open_timeout)

    def subscription(self, text: str) -> Subscription:
        """`text` parsed and checked: channel, coin (or address) and, for candles, interval.

        Raises:
            ValidationError: For an unknown channel, a malformed coin, address or interval.

        Examples:
            >>> from cryptodata.core.clock import ManualClock
            >>> adapter = HyperliquidAdapter("wss://x.test/ws", clock=ManualClock())
            >>> adapter.subscription("l2Book:BTC").text
            'book:BTC'
        """
        if not isinstance(text, str):
            raise ValidationError(f"a subscription is text such as 'candle:BTC:1m', got {text!r}")
        channel, _, rest = text.partition(":")
        channel = _SPELLINGS.get(channel, channel)
        if channel not in _CHANNELS or not rest:
            raise ValidationError(
                f"unknown Hyperliquid subscription {text!r}; use one of candle:COIN:INTERVAL, "
                "trades:COIN, book:COIN, bbo:COIN, asset_context:COIN, positions:ADDRESS"
            )
        if channel == "positions":
            user = validate_address(rest)
            return Subscription(f"positions:{user}", {"type": _CHANNELS[channel], "user": user})
        if channel == "candle":
            coin, _, spelt = rest.rpartition(":")
            interval = _interval(spelt)
            params = {"type": "candle", "coin": validate_coin(coin), "interval": interval.value}
            return Subscription(f"candle:{coin}:{interval.value}", params)
        coin = validate_coin(rest)
        kind = _CHANNELS[channel]
        if channel == "asset_context" and coin.startswith("@"):
            kind = "activeSpotAssetCtx"
        return Subscription(f"{channel}:{coin}", {"type": kind, "coin": coin})

    def check(self, subscriptions: Sequence[Subscription]) -> None:
        """Refuse more than 10 distinct traders or 1,000 subscriptions, before connecting.

        Raises:
            ValidationError: Naming the cap.
        """
        users = {sub.params["user"] for sub in subscriptions if "user" in sub.params}
        if len(users) > MAX_USERS:
            raise ValidationError(
                f"{len(users)} traders asked; Hyperliquid streams at most {MAX_USERS} distinct "
                "users per IP (poll positions() for the others)"
            )
        if len(subscriptions) > MAX_SUBSCRIPTIONS:
            raise ValidationError(
                f"{len(subscriptions)} subscriptions asked; Hyperliquid allows {MAX_SUBSCRIPTIONS}"
            )

    def subscribe_message(self, subscription: Subscription) -> str:
        """The `{"method": "subscribe", ...}` frame of `subscription`."""
        return json.dumps({"method": "subscribe", "subscription": dict(subscription.params)})

    def ping_message(self) -> str:
        """`{"method":"ping"}`, answered `{"channel":"pong"}`."""
        return '{"method":"ping"}'

    def read(self, frame: str | bytes) -> Sequence[Incoming]:
        """The events of one frame: acks, refusals, pongs and rows.

        Unknown channels and frames of the wrong shape are `Malformed` (counted, skipped).
        """
        try:
            message = msgspec.json.decode(frame)
        except msgspec.DecodeError as exc:
            return [Malformed(f"not JSON ({exc})")]
        if not isinstance(message, dict) or not isinstance(message.get("channel"), str):
            return [Malformed("no channel")]
        channel, data = message["channel"], message.get("data")
        reader = _READERS.get(channel)
        if reader is None:
            return [Malformed(f"unknown channel {channel!r}")]
        try:
            return reader(self, data)
        except (KeyError, TypeError, ValueError, IndexError, CryptoDataError) as exc:
            return [Malformed(f"{channel}: {type(exc).__name__}: {exc}")]

    def backfill(
        self, subscription: Subscription, start: datetime, end: datetime
    ) -> Awaitable[Table[Any]] | None:
        """The missed span's closed candles by REST, for candle subscriptions; else `None`."""
        if subscription.params.get("type") != "candle" or self._make_client is None:
            return None
        if self._client is None:
            self._client = self._make_client()
        interval = Interval(subscription.params["interval"])
        # From the bar that was forming when the connection dropped: it may have closed since.
        first = interval.floor(start)
        self._forming.pop(subscription, None)
        return self._client.candles(  # type: ignore[no-any-return]
            subscription.params["coin"], interval=interval, start=first, end=end
        )

    # --- frames ----------------------------------------------------------------------------

    def _ack(self, data: Any) -> list[Incoming]:
        wanted = data["subscription"]
        return [Ack(self.subscription(_text_of(wanted)))]

    def _error(self, data: Any) -> list[Incoming]:
        text = str(data)
        found = re.search(r"\{.*\}", text)
        if found is not None:
            try:
                wanted = json.loads(found.group(0))
                return [Refusal(self.subscription(_text_of(wanted)), text)]
            except (ValueError, KeyError, ValidationError):
                pass
        return [Malformed(f"venue error naming no subscription: {text}")]

    def _pong(self, data: Any) -> list[Incoming]:
        return [Pong()]

    def _candle(self, data: Any) -> list[Incoming]:
        from .parse import parse_candles

        coin, interval = data["s"], Interval(data["i"])
        subscription = self.subscription(f"candle:{coin}:{interval.value}")
        bar = parse_candles(msgspec.json.encode([data]))
        held = self._forming.get(subscription)
        self._forming[subscription] = bar
        if held is None or held["t"][0] >= bar["t"][0]:
            return []
        return [Payload(subscription, ohlcv(coin, base_of(coin), interval, held))]

    def _trades(self, data: Any) -> list[Incoming]:
        by_coin: dict[str, list[Any]] = {}
        for trade in data:
            by_coin.setdefault(trade["coin"], []).append(trade)
        return [
            Payload(self.subscription(f"trades:{coin}"), _trades(coin, trades))
            for coin, trades in by_coin.items()
        ]

    def _book(self, data: Any) -> list[Incoming]:
        bids, asks = data["levels"]
        table = _levels(data["coin"], data["time"], [("bid", bids), ("ask", asks)])
        return [Payload(self.subscription(f"book:{data['coin']}"), table)]

    def _bbo(self, data: Any) -> list[Incoming]:
        bid, ask = data["bbo"]
        sides = [(side, [level] if level else []) for side, level in (("bid", bid), ("ask", ask))]
        table = _levels(data["coin"], data["time"], sides)
        return [Payload(self.subscription(f"bbo:{data['coin']}"), table)]

    def _context(self, data: Any) -> list[Incoming]:
        from .parse import parse_context

        coin = data["coin"]
        contexts = parse_context(msgspec.json.encode(data["ctx"])).with_columns(
            coin=pl.lit(coin), base=pl.lit(base_of(coin))
        )
        now = datetime.fromtimestamp(self._clock.time(), UTC)
        table = asset_contexts(contexts, spot=coin.startswith("@"), ts=now)
        return [Payload(self.subscription(f"asset_context:{coin}"), table)]

    def _clearinghouse(self, data: Any) -> list[Incoming]:
        from .positions import parse_clearinghouse

        state = data.get("clearinghouseState", data)
        user = validate_address(data.get("user") or state.get("user"))
        now = datetime.fromtimestamp(self._clock.time(), UTC)
        positions, _ = parse_clearinghouse(msgspec.json.encode(state), address=user, ts=now)
        if self._changes_only:
            held = self._positions.get(user)
            self._positions[user] = positions
            if held is not None and held.drop("ts").equals(positions.drop("ts")):
                return []
        table = Table.from_frame(Kind.POSITIONS, positions)
        return [Payload(self.subscription(f"positions:{user}"), table)]


_READERS: Final[dict[str, Callable[[HyperliquidAdapter, Any], list[Incoming]]]] = {
    "subscriptionResponse": HyperliquidAdapter._ack,
    "error": HyperliquidAdapter._error,
    "pong": HyperliquidAdapter._pong,
    "candle": HyperliquidAdapter._candle,
    "trades": HyperliquidAdapter._trades,
    "l2Book": HyperliquidAdapter._book,
    "bbo": HyperliquidAdapter._bbo,
    "activeAssetCtx": HyperliquidAdapter._context,
    "activeSpotAssetCtx": HyperliquidAdapter._context,
    "clearinghouseState": HyperliquidAdapter._clearinghouse,
}


def _interval(spelt: str) -> Interval:
    try:
        interval = Interval(spelt)
    except ValueError:
        interval = None
    if interval not in INTERVALS:
        offered = " ".join(member.value for member in INTERVALS)
        raise ValidationError(f"Hyperliquid has no {spelt!r} candles; use one of {offered}")
    assert interval is not None
    return interval


def _text_of(wanted: dict[str, Any]) -> str:
    """A subscription's text from the subscription object an ack or error echoes."""
    channel = _CHANNEL_OF.get(wanted["type"])
    if channel == "positions":
        return f"positions:{wanted['user']}"
    if channel == "candle":
        return f"candle:{wanted['coin']}:{wanted['interval']}"
    if channel is None:
        raise KeyError(wanted["type"])
    return f"{channel}:{wanted['coin']}"


def _trades(coin: str, trades: list[Any]) -> Table[Any]:
    frame = pl.DataFrame(
        {
            "ts": pl.Series([trade["time"] for trade in trades], dtype=pl.Int64),
            "trade_id": [str(trade["tid"]) for trade in trades],
            "side": [_SIDES[trade["side"]] for trade in trades],
            "price": [float(trade["px"]) for trade in trades],
            "amount": [float(trade["sz"]) for trade in trades],
        }
    ).with_columns(
        provider=pl.lit(PROVIDER),
        exchange=pl.lit(VENUE),
        symbol=pl.lit(coin),
        base=pl.lit(base_of(coin)),
        ts=pl.from_epoch("ts", time_unit="ms").dt.replace_time_zone("UTC"),
        unit=pl.lit(size_unit(coin)),
    )
    # A push may repeat a trade (after a resubscribe): the key keeps it once.
    return Table.concat(Kind.TRADES, [Table.from_frame(Kind.TRADES, frame)])


def _levels(coin: str, time: int, sides: list[tuple[str, list[Any]]]) -> Table[Any]:
    rows = [
        (side, level, float(entry["px"]), float(entry["sz"]), entry.get("n"))
        for side, entries in sides
        for level, entry in enumerate(entries)
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "side": pl.String,
            "level": pl.Int64,
            "price": pl.Float64,
            "size": pl.Float64,
            "orders": pl.Int64,
        },
        orient="row",
    ).with_columns(
        provider=pl.lit(PROVIDER),
        exchange=pl.lit(VENUE),
        symbol=pl.lit(coin),
        base=pl.lit(base_of(coin)),
        ts=pl.lit(datetime.fromtimestamp(time / 1000, UTC)).dt.cast_time_unit("ms"),
        unit=pl.lit(size_unit(coin)),
    )
    return Table.from_frame(Kind.ORDER_BOOK, frame)
