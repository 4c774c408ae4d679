"""ccxt's replay mode: real ccxt exchange instances answered by bundled samples, no network.

The package ships answers in the venues' exact shapes (`samples/<exchange id>/`) for the BTC
and ETH perpetuals of `binanceusdm`, `bybit` and `hyperliquid`: the 48 hourly candles before
`RECORDED_AT`, hourly open-interest history (Binance, Bybit: ccxt's Hyperliquid has none),
the funding settlements (every 8 hours on Binance and Bybit, hourly on Hyperliquid) and the
current open interest and funding rates. The values are synthetic; the shapes and traps are
the venues': numbers as strings, Binance's plain lists oldest first, Bybit's
`{"retCode": 0, "result": {"list": [...]}}` newest first, Hyperliquid's `POST /info` named by
the body's `type` and its settlements stamped a few ms after the hour.

`sample_exchange` builds a real ccxt instance, sets its markets from the samples (no market
request) and replaces its `fetch` with a router: ccxt still builds every request and parses
every answer itself. The router answers a window from the recorded rows as the venue would
(inclusive ms bounds, `limit`, the venue's order), so the client's pagination runs as it
does live. What was not recorded (another endpoint, interval, symbol, or a window reaching
before the samples) raises the ccxt error the venue's answer would (`BadRequest`,
`BadSymbol`), naming what was asked and what the samples hold, and the client maps it to
ours. `sample_client` runs `Ccxt` on it, on a `ManualClock` stopped at `RECORDED_AT`.

Examples:
    >>> with sample_client("bybit") as by:
    ...     table = by.ohlcv("BTC/USDT:USDT", interval=SAMPLE.interval, start=SAMPLE.start)
    >>> len(table), table.to_polars().item(0, "open"), table.to_polars().item(0, "exchange")
    (48, 107550.1, 'bybit')
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import attrs

from cryptodata.core.clock import Clock, ManualClock
from cryptodata.core.errors import ValidationError

from .client import AsyncCcxt, Ccxt

__all__ = [
    "RECORDED_AT",
    "SAMPLE",
    "SampleQuery",
    "sample_async_client",
    "sample_async_sources",
    "sample_client",
    "sample_exchange",
    "sample_sources",
]

RECORDED_AT: Final = 1_751_328_000.0
"""The samples' "now" (2025-07-01 00:00 UTC), as epoch seconds."""


@attrs.frozen
class SampleQuery:
    """What the samples hold: the venues, their symbols, and the window's interval and start.

    Attributes:
        venues: The ccxt exchange ids `sample_exchange` builds.
        symbols: Each venue's recorded perpetuals, as ccxt's unified symbols.
        interval: The candles' and open-interest samples' interval.
        start: The first candle, sample and settlement, ISO time (`RECORDED_AT` - 48 h).
    """

    venues: tuple[str, ...]
    symbols: Mapping[str, tuple[str, ...]] = attrs.field(hash=False)
    interval: str
    start: str


SAMPLE: Final = SampleQuery(
    venues=("binanceusdm", "bybit", "hyperliquid"),
    symbols=MappingProxyType(
        {
            "binanceusdm": ("BTC/USDT:USDT", "ETH/USDT:USDT"),
            "bybit": ("BTC/USDT:USDT", "ETH/USDT:USDT"),
            "hyperliquid": ("BTC/USDC:USDC", "ETH/USDC:USDC"),
        }
    ),
    interval="1h",
    start="2025-06-29T00:00:00Z",
)
"""The 48 hours before `RECORDED_AT` of BTC and ETH perpetuals on three venues."""

_START_MS: Final = int(RECORDED_AT * 1000) - 48 * 3_600_000
"""`SAMPLE.start` in ms: nothing older is recorded."""


@attrs.frozen
class _History:
    """A recorded series: where the request names its market and window, where rows keep
    their time, and how the venue answers.

    Attributes:
        stem: The sample files' name before the market id (`klines.BTCUSDT.1h.json`).
        interval: The parameter naming the interval, `None` where the series has none.
        recorded: The interval's spelling in the file names (the venue's own).
        at: Where a row holds its time in ms: a list index or a key.
        lo: The inclusive lower bound's parameter.
        hi: The inclusive upper bound's parameter.
        limit: Rows answered when the request asks for no `limit`.
        enveloped: Bybit's v5 envelope: rows in `result.list`, newest first.
    """

    stem: str
    interval: str | None
    recorded: str | None
    at: int | str
    lo: str
    hi: str
    limit: int
    enveloped: bool = False


_HISTORIES: Final[dict[str, dict[str, _History]]] = {
    "binanceusdm": {
        "/fapi/v1/klines": _History("klines", "interval", "1h", 0, "startTime", "endTime", 500),
        "/futures/data/openInterestHist": _History(
            "openInterestHist", "period", "1h", "timestamp", "startTime", "endTime", 30
        ),
        "/fapi/v1/fundingRate": _History(
            "fundingRate", None, None, "fundingTime", "startTime", "endTime", 100
        ),
    },
    "bybit": {
        "/v5/market/kline": _History("kline", "interval", "60", 0, "start", "end", 200, True),
        "/v5/market/open-interest": _History(
            "open-interest", "intervalTime", "1h", "timestamp", "startTime", "endTime", 50, True
        ),
        "/v5/market/funding/history": _History(
            "funding-history", None, None, "fundingRateTimestamp", "startTime", "endTime", 200, True
        ),
    },
    "hyperliquid": {
        "candleSnapshot": _History(
            "candleSnapshot", "interval", "1h", "t", "startTime", "endTime", 5000
        ),
        "fundingHistory": _History(
            "fundingHistory", None, None, "time", "startTime", "endTime", 500
        ),
    },
}
"""Each venue's recorded history endpoints (Hyperliquid's by the `/info` body's `type`)."""

_SNAPSHOTS: Final = {
    "binanceusdm": ("/fapi/v1/openInterest", "/fapi/v1/premiumIndex"),
    "bybit": ("/v5/market/tickers",),
    "hyperliquid": ("metaAndAssetCtxs",),
}
"""Each venue's recorded current-value endpoints (Bybit's open interest is a history's
newest sample)."""

_MARKET_IDS: Final = {
    "binanceusdm": ("BTCUSDT", "ETHUSDT"),
    "bybit": ("BTCUSDT", "ETHUSDT"),
    "hyperliquid": ("BTC", "ETH"),
}
"""The venues' own names of the recorded markets, as the requests carry them."""


@cache
def _text(exchange_id: str, name: str) -> str:
    """A sample file's text, read once."""
    return (resources.files(__package__) / "samples" / exchange_id / name).read_text()


def _sample(exchange_id: str, name: str) -> Any:
    """A fresh copy of a sample answer (the router narrows its copy)."""
    return json.loads(_text(exchange_id, name))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def _errors() -> Any:
    return importlib.import_module("ccxt.base.errors")


class _Router:
    """Stands in for the venue's HTTP API behind a ccxt instance's `fetch`.

    Attributes:
        calls: Every URL ccxt fetched, in order (Hyperliquid's with the body's `type`).
    """

    def __init__(self, exchange_id: str, *, asynchronous: bool) -> None:
        self._id = exchange_id
        self._asynchronous = asynchronous
        self.calls: list[str] = []

    def __call__(self, url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        """ccxt's `fetch(url, method, headers, body)`: the decoded answer (awaitable for an
        async instance)."""
        if self._asynchronous:
            return self._later(url, body)
        return self._answer(url, body)

    async def _later(self, url: str, body: Any) -> Any:
        return self._answer(url, body)

    def _answer(self, url: str, body: Any) -> Any:
        parts = urlsplit(url)
        query: dict[str, Any] = dict(parse_qsl(parts.query))
        route = parts.path
        if self._id == "hyperliquid" and route == "/info":
            sent = json.loads(body or "{}")
            # candleSnapshot names its market and window inside `req`, the others at the top.
            query = {**sent, **(sent.get("req") or {})}
            route = str(query.get("type"))
        self.calls.append(url if route == parts.path else f"{url}#{route}")
        history = _HISTORIES[self._id].get(route)
        if history is not None:
            return self._history(route, history, query)
        if route in _SNAPSHOTS[self._id]:
            return self._snapshot(route, query)
        held = ", ".join([*_HISTORIES[self._id], *_SNAPSHOTS[self._id]])
        raise _errors().BadRequest(
            f"{self._id} replay: nothing recorded for {route}; the samples hold {held}"
        )

    def _market(self, route: str, query: Mapping[str, Any]) -> str:
        """The request's market id, one of the recorded ones."""
        market = str(query.get("coin" if self._id == "hyperliquid" else "symbol"))
        if market not in _MARKET_IDS[self._id]:
            held = ", ".join(_MARKET_IDS[self._id])
            raise _errors().BadSymbol(
                f"{self._id} replay: nothing recorded of {market} at {route}; "
                f"the samples hold {held}"
            )
        return market

    def _history(self, route: str, history: _History, query: Mapping[str, Any]) -> Any:
        market = self._market(route, query)
        name = f"{history.stem}.{market}"
        if history.interval is not None:
            asked = query.get(history.interval)
            if asked != history.recorded:
                raise _errors().BadRequest(
                    f"{self._id} replay: nothing recorded of {market} at {route} with "
                    f"{history.interval}={asked}; the samples hold {history.recorded} only"
                )
            name += f".{history.recorded}"
        answer = _sample(self._id, f"{name}.json")
        rows = answer["result"]["list"] if history.enveloped else answer
        chosen = self._window(route, market, history, rows, query)
        if history.enveloped:
            answer["result"]["list"] = chosen[::-1]
            return answer
        return chosen

    def _window(
        self,
        route: str,
        market: str,
        history: _History,
        rows: list[Any],
        query: Mapping[str, Any],
    ) -> list[Any]:
        """The rows inside the request's inclusive ms bounds, at most its `limit`, oldest
        first: from the lower bound where it has one, else the newest."""
        at = history.at

        def time_of(row: Any) -> int:
            return int(row[at])

        lo = _ms(query.get(history.lo))
        hi = _ms(query.get(history.hi))
        if lo is not None and lo < _START_MS:
            # The venue would answer older rows: an empty page would hide that they are not
            # recorded.
            raise _errors().BadRequest(
                f"{self._id} replay: {route} of {market} asked from {_iso(lo)}; the samples "
                f"hold {SAMPLE.start} to {_iso(int(RECORDED_AT * 1000))}"
            )
        ordered = sorted(rows, key=time_of)
        inside = [
            row
            for row in ordered
            if (lo is None or time_of(row) >= lo) and (hi is None or time_of(row) <= hi)
        ]
        limit = int(query.get("limit", history.limit))
        return inside[:limit] if lo is not None else inside[-limit:]

    def _snapshot(self, route: str, query: Mapping[str, Any]) -> Any:
        if route == "/fapi/v1/openInterest":
            return _sample(self._id, f"openInterest.{self._market(route, query)}.json")
        if route == "/fapi/v1/premiumIndex":
            # With a symbol Binance answers that one object, without one the list of all.
            listed: list[Any] = _sample(self._id, "premiumIndex.json")
            if "symbol" not in query:
                return listed
            market = self._market(route, query)
            return next(row for row in listed if row["symbol"] == market)
        if route == "/v5/market/tickers":
            answer = _sample(self._id, "tickers.json")
            if "symbol" in query:
                market = self._market(route, query)
                answer["result"]["list"] = [
                    row for row in answer["result"]["list"] if row["symbol"] == market
                ]
            return answer
        return _sample(self._id, "metaAndAssetCtxs.json")


def _ms(value: Any) -> int | None:
    return None if value is None else int(value)


def sample_exchange(exchange_id: str, *, asynchronous: bool = False) -> Any:
    """A real ccxt instance of a recorded venue, answered by the bundled samples.

    Its markets are the samples' BTC and ETH perpetuals (set with `set_markets`, so no market
    request is made; `load_markets` sets them again) and its `fetch` is the samples' router: the instance makes no network
    request. `instance.fetch.calls` lists every URL ccxt fetched, in order.

    Args:
        exchange_id: `binanceusdm`, `bybit` or `hyperliquid` (`SAMPLE.venues`).
        asynchronous: Build the `ccxt.async_support` instance (for `AsyncCcxt`).

    Raises:
        ValidationError: For a venue the samples do not hold.
        MissingDependencyError: When ccxt is not installed (`pip install 'cryptodata[ccxt]'`).
    """
    if exchange_id not in SAMPLE.venues:
        raise ValidationError(
            f"the ccxt samples hold {', '.join(SAMPLE.venues)}; not {exchange_id!r}"
        )
    from .sender import build_exchange

    instance = build_exchange(exchange_id, {}, asynchronous=asynchronous)
    markets = _sample(exchange_id, "markets.json")
    instance.set_markets(markets)
    instance.fetch = _Router(exchange_id, asynchronous=asynchronous)
    # The samples' markets are the venue's whole list: reloading them (a client's market_ttl
    # ran out, as in a long offline watch) reads them again, with no request.
    instance.load_markets = _reload(instance, markets, asynchronous=asynchronous)
    return instance


def _reload(instance: Any, markets: Any, *, asynchronous: bool) -> Any:
    def load_markets(reload: bool = False, params: Any = None) -> Any:
        instance.set_markets(markets)
        return instance.markets

    if not asynchronous:
        return load_markets

    async def aload_markets(reload: bool = False, params: Any = None) -> Any:
        return load_markets(reload, params)

    return aload_markets


def _clock(clock: Clock | None) -> Clock:
    return clock if clock is not None else ManualClock(start=RECORDED_AT)


def sample_client(exchange_id: str = "binanceusdm", *, clock: Clock | None = None) -> Ccxt:
    """A `Ccxt` client on `sample_exchange(exchange_id)`: no network.

    Args:
        exchange_id: `binanceusdm`, `bybit` or `hyperliquid`.
        clock: The client's clock; by default a `ManualClock` at `RECORDED_AT`, so "now",
            window ends and the forming candle read as they did for the samples.
    """
    return Ccxt(sample_exchange(exchange_id), clock=_clock(clock))


def sample_async_client(
    exchange_id: str = "binanceusdm", *, clock: Clock | None = None
) -> AsyncCcxt:
    """An `AsyncCcxt` client on `sample_exchange(exchange_id, asynchronous=True)`.

    Args:
        exchange_id: `binanceusdm`, `bybit` or `hyperliquid`.
        clock: As `sample_client`'s.
    """
    return AsyncCcxt(sample_exchange(exchange_id, asynchronous=True), clock=_clock(clock))


def sample_sources() -> list[Ccxt]:
    """A `Ccxt` client on the samples of every venue recorded (`SAMPLE.venues`)."""
    return [sample_client(exchange_id) for exchange_id in SAMPLE.venues]


def sample_async_sources() -> list[AsyncCcxt]:
    """An `AsyncCcxt` client on the samples of every venue recorded (`SAMPLE.venues`)."""
    return [sample_async_client(exchange_id) for exchange_id in SAMPLE.venues]
