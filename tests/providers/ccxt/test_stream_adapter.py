"""The ccxt stream adapter without a socket: subscriptions, planning, closed bars, the cache."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata import UnsupportedError, ValidationError
from cryptodata.core.stream import Ack, Payload, Refusal, Subscription
from cryptodata.providers.ccxt.stream import (
    MAX_SYMBOLS,
    Batch,
    CcxtAdapter,
    _LiquidationCache,
    _plan,
    _Watch,
    stream_url,
)

MINUTE_MS = 60_000
LINEAR = {"symbol": "BTC/USDT:USDT", "base": "BTC", "linear": True, "contract": True}
LINEAR |= {"contractSize": 1.0, "type": "swap"}
MARKETS = {
    "BTC/USDT:USDT": LINEAR,
    "ETH/USDT:USDT": {**LINEAR, "symbol": "ETH/USDT:USDT", "base": "ETH"},
    "BTC/USD:BTC": {**LINEAR, "symbol": "BTC/USD:BTC", "linear": False, "inverse": True},
}


class Venue:
    """What the adapter reads of a ccxt.pro instance, and nothing else."""

    id = "demo"

    def __init__(self, *, bulk: bool = True, liquidations: bool = True) -> None:
        self.urls = {
            "api": {"ws": {"linear": "wss://demo.example/linear", "spot": "wss://demo/spot"}}
        }
        self.timeframes = {"1m": "1m", "1h": "1h", "7m": "7m"}
        self.has = {
            "watchLiquidations": liquidations,
            "watchLiquidationsForSymbols": bulk and liquidations,
            "watchTrades": True,
            "watchTradesForSymbols": bulk,
            "watchOHLCV": True,
            "watchOHLCVForSymbols": bulk,
        }
        self.markets: dict[str, Any] = dict(MARKETS)
        self.liquidations: list[Any] = []


def adapter(venue: Venue | None = None) -> CcxtAdapter:
    made = venue or Venue()

    async def markets(_: list[str]) -> Mapping[str, Any]:
        return MARKETS

    return CcxtAdapter(
        lambda: (made, False),
        venue="demo",
        market_type="linear",
        markets=markets,
        history=None,
        backfilled=frozenset(),
        connections_per_minute=30,
    )


def connected(texts: list[str], venue: Venue | None = None) -> CcxtAdapter:
    """An adapter that has checked `texts` and loaded its markets, as on a first connect."""
    made = adapter(venue)
    made.check([made.subscription(text) for text in texts])
    link = asyncio.run(made.connect(1.0))
    assert link is not None
    return made


# --- subscriptions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("liquidations:BTC/USDT:USDT", ("liquidations", "BTC/USDT:USDT", None)),
        ("trades:BTC/USDT", ("trades", "BTC/USDT", None)),
        ("ohlcv:BTC/USDT:USDT:1m", ("ohlcv", "BTC/USDT:USDT", "1m")),
        ("ohlcv:BTC/USDT:1h", ("ohlcv", "BTC/USDT", "1h")),
    ],
)
def test_a_subscription_names_its_channel_symbol_and_interval(
    text: str, params: tuple[str, str, str | None]
) -> None:
    parsed = adapter().subscription(text)

    assert (parsed.params["channel"], parsed.params["symbol"], parsed.params["interval"]) == params


@pytest.mark.parametrize(
    "text", ["book:BTC/USDT:USDT", "trades:", "ohlcv:BTC/USDT:USDT", "ohlcv:BTC/USDT:USDT:7m"]
)
def test_a_malformed_subscription_is_a_validation_error(text: str) -> None:
    with pytest.raises(ValidationError):
        adapter().subscription(text)


def test_a_channel_the_venue_does_not_stream_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match=r"demo: ccxt\.pro streams no liquidations"):
        adapter(Venue(liquidations=False)).subscription("liquidations:BTC/USDT:USDT")


def test_more_symbols_than_a_stream_takes_are_refused_before_connecting() -> None:
    made = adapter()
    texts = [Subscription(f"trades:S{n}/USDT", {"channel": "trades"}) for n in range(201)]

    with pytest.raises(ValidationError, match=f"at most {MAX_SYMBOLS} trades"):
        made.check(texts)


def test_the_stream_url_is_the_venues_for_the_market_type() -> None:
    assert stream_url(Venue(), "spot") == "wss://demo/spot"
    assert stream_url(Venue(), "inverse") == "wss://demo.example/linear"


# --- planning --------------------------------------------------------------------------


def _subs(*texts: str) -> list[Subscription]:
    return [adapter().subscription(text) for text in texts]


def test_a_bulk_venue_gets_one_call_per_channel_and_market_type() -> None:
    plan = _plan(
        Venue(),
        _subs(
            "liquidations:BTC/USDT:USDT",
            "liquidations:ETH/USDT:USDT",
            "liquidations:BTC/USD:BTC",
            "trades:BTC/USDT:USDT",
        ),
    )

    assert [(w.channel, list(w.texts), w.bulk) for w in plan] == [
        ("liquidations", ["BTC/USDT:USDT", "ETH/USDT:USDT"], True),
        ("liquidations", ["BTC/USD:BTC"], True),
        ("trades", ["BTC/USDT:USDT"], True),
    ]


def test_a_venue_without_bulk_methods_gets_one_call_per_symbol() -> None:
    plan = _plan(Venue(bulk=False), _subs("trades:BTC/USDT:USDT", "trades:ETH/USDT:USDT"))

    assert [(list(w.texts), w.bulk) for w in plan] == [
        (["BTC/USDT:USDT"], False),
        (["ETH/USDT:USDT"], False),
    ]


def test_candles_of_two_intervals_are_two_calls() -> None:
    plan = _plan(Venue(), _subs("ohlcv:BTC/USDT:USDT:1m", "ohlcv:BTC/USDT:USDT:1h"))

    assert [w.interval for w in plan] == ["1m", "1h"]


# --- reading batches -------------------------------------------------------------------


def test_an_ack_and_a_refusal_read_as_such() -> None:
    made = connected(["trades:BTC/USDT:USDT"])
    text = "trades:BTC/USDT:USDT"

    (ack,) = made.read(Batch(text, event="ack"))
    (refusal,) = made.read(Batch(text, event="refused", reason="BadSymbol: no"))

    assert isinstance(ack, Ack)
    assert isinstance(refusal, Refusal)
    assert refusal.reason == "BadSymbol: no"


def test_a_trade_without_an_id_gets_one_derived_from_its_raw_row() -> None:
    made = connected(["trades:BTC/USDT:USDT"])
    trade = {"timestamp": 1, "side": "buy", "price": 1.0, "amount": 2.0, "info": {"x": 1}}

    (payload,) = made.read(Batch("trades:BTC/USDT:USDT", [trade]))

    assert isinstance(payload, Payload)
    (row,) = payload.table.to_polars().to_dicts()
    assert len(row["trade_id"]) == 16


@given(
    pushes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=5), st.floats(1, 1e6)),
        max_size=30,
    ).map(lambda pushes: sorted(pushes, key=lambda push: push[0])),
    cuts=st.lists(st.integers(min_value=0, max_value=30), max_size=5),
)
def test_candle_pushes_become_each_closed_bar_once_with_its_last_values(
    pushes: list[tuple[int, float]], cuts: list[int]
) -> None:
    made = connected(["ohlcv:BTC/USDT:USDT:1m"])
    candles = [[minute * MINUTE_MS, 1.0, 2.0, 0.5, close, 3.0] for minute, close in pushes]
    edges = sorted({0, len(candles), *(cut for cut in cuts if cut <= len(candles))})
    emitted: list[tuple[int, float]] = []
    for lo, hi in itertools.pairwise(edges):
        for event in made.read(Batch("ohlcv:BTC/USDT:USDT:1m", candles[lo:hi])):
            assert isinstance(event, Payload)
            frame = event.table.to_polars()
            ms = frame["ts"].dt.epoch("ms").to_list()
            emitted += list(zip(ms, frame["close"].to_list(), strict=True))

    last: dict[int, float] = {}
    for minute, close in pushes:
        last[minute * MINUTE_MS] = close
    newest = max(last, default=None)
    assert emitted == [(ms, close) for ms, close in sorted(last.items()) if ms != newest]


# --- ccxt's liquidation cache ----------------------------------------------------------


def _liquidation(symbol: str, n: int) -> dict[str, Any]:
    return {"symbol": symbol, "timestamp": n, "info": {"n": n}}


def test_rows_cached_before_the_watch_started_are_not_news() -> None:
    venue = Venue()
    venue.liquidations.append(_liquidation("BTC/USDT:USDT", 0))
    watch = _Watch("liquidations", {"BTC/USDT:USDT": "liquidations:BTC/USDT:USDT"}, None, True)
    cache = _LiquidationCache(venue, watch)
    fresh = _liquidation("BTC/USDT:USDT", 1)
    venue.liquidations.append(fresh)

    assert cache.new([fresh]) == {"BTC/USDT:USDT": [fresh]}


def test_every_row_cached_since_the_last_answer_is_news_for_its_symbol() -> None:
    venue = Venue()
    watch = _Watch("liquidations", {"BTC/USDT:USDT": "liquidations:BTC/USDT:USDT"}, None, False)
    cache = _LiquidationCache(venue, watch)
    rows = [
        _liquidation(symbol, n) for n, symbol in enumerate(["BTC/USDT:USDT", "ETH/USDT:USDT"] * 2)
    ]
    venue.liquidations.extend(rows)

    first = cache.new(rows[-1:])
    venue.liquidations.append(later := _liquidation("BTC/USDT:USDT", 9))
    second = cache.new([later])

    assert first == {"BTC/USDT:USDT": [rows[0], rows[2]]}
    assert second == {"BTC/USDT:USDT": [later]}


def test_a_watch_of_another_channel_reads_its_answer_as_it_is() -> None:
    watch = _Watch("trades", {"BTC/USDT:USDT": "trades:BTC/USDT:USDT"}, None, True)

    assert _LiquidationCache(Venue(), watch).new([{"symbol": "BTC/USDT:USDT"}]) is None
