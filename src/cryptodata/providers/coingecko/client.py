"""`CoinGecko` and `AsyncCoinGecko`: history, categories and coin details over shared flows.

Each public method validates its arguments (raising before any request), then hands a *flow*
(see `cryptodata.core.transport`) to its transport; planning and parsing live in
`_CoinGeckoBase` and are shared by both clients.

Planning a market chart (`/coins/{id}/market_chart/range`, one coin a request, its three
series together): CoinGecko picks the granularity by the range's length, so each interval
has its window:

- `1d`: `interval=daily` (every plan), windows of 365 days;
- `1h`: CoinGecko's automatic hourly granularity, windows of 2 to 90 days (a window is asked
  from 2 days before its end at least: a range of about a day near now would come
  5-minutely);
- `5m`: `interval=5m`, windows of 10 days, paid (Enterprise) keys only.

Keyless and Demo keys reach back 365 days: a window is clipped to them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Self, cast, get_args

import attrs
import httpx
import polars as pl

from cryptodata.core._args import names
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter
from cryptodata.core.metric_names import MetricMap, metric_symbol, split_metric_symbol
from cryptodata.core.records import Market, Metric, OhlcvBar
from cryptodata.core.request import Request, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport
from cryptodata.core.windows import time_windows

from . import endpoints as ep
from .coverage import coverage
from .metrics import COINGECKO_METRICS, resolve_metric
from .parse import (
    CoinDetails,
    categories_frame,
    parse_coin,
    parse_market_chart,
    parse_ohlc,
)
from .universe import _default_limiter

if TYPE_CHECKING:
    from cryptodata.core.entities import EntityMaster

__all__ = ["AsyncCoinGecko", "CoinGecko"]

Names = str | Sequence[str]

_DAY: Final = timedelta(days=1)
_COIN_ID: Final = re.compile(r"[a-z0-9][a-z0-9._-]*")
_WINDOWS: Final = {Interval.D1: 365 * _DAY, Interval.H1: 90 * _DAY, Interval.M5: 10 * _DAY}
_CHART_INTERVAL: Final = {Interval.D1: "daily", Interval.H1: None, Interval.M5: "5m"}
_HOURLY_SPAN: Final = 2 * _DAY
"""The shortest range CoinGecko answers hourly wherever it lies."""
_BUDGETS: Final = {
    "public": ep.CALLS_PER_MINUTE_KEYLESS,
    "demo": ep.CALLS_PER_MINUTE_DEMO,
    "pro": ep.CALLS_PER_MINUTE_PRO,
}
# OHLC: the `days` values the endpoint takes, per candle, and the `interval` it needs.
_OHLC: Final[dict[Interval, tuple[tuple[int, ...], str | None, bool]]] = {
    Interval.M30: ((1,), None, False),
    Interval.H4: ((7, 14, 30), None, False),
    Interval.H1: ((1, 7, 14, 30, 90), "hourly", True),
    Interval.D1: ((1, 7, 14, 30, 90, 180), "daily", True),
}
"""Candle → (days it can be asked over, `interval` sent, paid plans only)."""


@attrs.frozen
class _Query:
    """One market-chart request: a coin's series over `[start, end)` at one interval."""

    coin_id: str
    metrics: tuple[MetricMap, ...]
    interval: Interval
    start: datetime
    end: datetime

    @property
    def series(self) -> tuple[str, ...]:
        return tuple(metric_symbol(self.coin_id, m.name) for m in self.metrics)


def _coin_id(given: object) -> str:
    if not isinstance(given, str) or not _COIN_ID.fullmatch(given.strip()):
        raise ValidationError(
            f"malformed CoinGecko coin id {given!r}: expected an API id such as 'bitcoin' or "
            "'avalanche-2' (not a ticker)"
        )
    return given.strip()


def _series_of(symbols: Names) -> list[tuple[str, MetricMap]]:
    found = []
    for given in names("symbols", symbols):
        provider_id, metric = split_metric_symbol(given)
        found.append((_coin_id(provider_id), resolve_metric(metric)))
    return list(dict.fromkeys(found))


class _CoinGeckoBase:
    """Configuration and every operation as a flow; I/O is the subclass's."""

    provider = ep.PROVIDER
    _transport: Transport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        plan: ep.Plan | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
    ) -> None:
        chosen = plan if plan is not None else os.environ.get(ep.PLAN_VARIABLE) or None
        if chosen is not None and chosen not in get_args(ep.Plan):
            raise ValidationError(f"plan must be 'public', 'demo' or 'pro', got {chosen!r}")
        if chosen == "public" and api_key:
            raise ValidationError("plan='public' is the keyless API: pass no key with it")
        # An explicit keyless plan ignores a key in the environment (replays, doctests).
        ambient = "" if chosen == "public" else os.environ.get(ep.KEY_VARIABLE, "")
        key = api_key if api_key is not None else ambient
        if chosen is None:
            chosen = "demo" if key else "public"
        if chosen != "public" and not key:
            raise ValidationError(
                f"plan={chosen!r} needs a key: pass api_key=... or set {ep.KEY_VARIABLE}"
            )
        self._plan: ep.Plan = cast("ep.Plan", chosen)
        name = "api_key" if api_key is not None else ep.KEY_VARIABLE
        secret = Secret.credential(key, name=name) if key else None
        header = ep.PRO_KEY_HEADER if chosen == "pro" else ep.DEMO_KEY_HEADER
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or _default_limiter(_BUDGETS[chosen], self._clock)
        # Imported here: `top_assets` shares this package, and its first use should not pay
        # for the entity master (difflib) it never reads.
        from cryptodata.core.entities import EntityMaster

        self._entities = entities if entities is not None else EntityMaster.default()
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": base_url or (ep.PRO_BASE_URL if chosen == "pro" else ep.BASE_URL),
            "limiter": self._limiter,
            "retry": retry or ep.RETRY,
            "secret_headers": {header: secret} if secret is not None else {},
            "clock": self._clock,
            "timeout": timeout,
        }

    @property
    def plan(self) -> ep.Plan:
        """The plan requests are sent on: `public` (keyless), `demo` or `pro`."""
        return self._plan

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter every request of this client is charged to (one unit a call)."""
        return self._limiter

    @property
    def clock(self) -> Clock:
        """The time source of limits, retries, default window ends and pipelines."""
        return self._clock

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._transport.base_url

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What this client's plan offers, without I/O: `metric` rows at 1d and 1h (and 5m
        on paid keys), the last 365 days on keyless and Demo plans.

        Examples:
            >>> [i.value for i in CoinGecko(plan="public").coverage().check("metric").intervals]
            ['1d', '1h']
        """
        return coverage(self._plan)

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Names,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        """The one-request steps of a metric history, without network.

        Symbols name series as `"<metric>@<coin id>"` (`metric_symbol("bitcoin", "price")`);
        the series of one coin share its requests, windowed as the module says. Each step
        costs one call.

        Raises:
            UnsupportedError: For a kind or interval the plan does not offer.
            ValidationError: For other bad arguments.

        Examples:
            >>> steps = CoinGecko("k", plan="pro").history_steps(
            ...     "metric", ["price@bitcoin", "market_cap@bitcoin", "price@ethereum"],
            ...     interval="1h", start="2024-01-01", end="2024-04-01")
            >>> [(s.symbols, s.start.date().isoformat()) for s in steps][:2]
            [(('price@bitcoin', 'market_cap@bitcoin'), '2024-01-01'), (('price@bitcoin', 'market_cap@bitcoin'), '2024-03-31')]
        """
        wanted = self._check(kind, interval)
        lo, hi = self._window(start, end)
        return [
            Step(Kind.METRIC, wanted, query.series, query.start, query.end)
            for query in self._plan_queries(_series_of(symbols), wanted, lo, hi)
        ]

    def _check(self, kind: Kind | str, interval: IntervalInput) -> Interval:
        try:
            wanted = Kind(kind)
        except ValueError:
            raise ValidationError(f"unknown kind {kind!r}; CoinGecko offers metric") from None
        self.coverage().check(wanted, interval)
        return Interval.parse(interval, aliases=dict(self.coverage().interval_aliases))

    def _plan_queries(
        self,
        series: Sequence[tuple[str, MetricMap]],
        interval: Interval,
        start: datetime,
        end: datetime,
    ) -> list[_Query]:
        wanted: dict[str, list[MetricMap]] = {}
        for coin_id, metric in series:
            wanted.setdefault(coin_id, []).append(metric)
        lo = max(start, self._reach())
        if lo >= end:
            return []
        return [
            _Query(coin_id, tuple(metrics), interval, a, b)
            for coin_id, metrics in wanted.items()
            for a, b in time_windows(lo, end, _WINDOWS[interval])
        ]

    def _reach(self) -> datetime:
        """The oldest moment the plan can ask for (keyless and Demo: 365 days back, the
        first full day of them)."""
        if self._plan == "pro":
            return datetime.min.replace(tzinfo=UTC)
        oldest = self._now() - ep.HISTORY_DAYS_FREE * _DAY
        return Interval.D1.floor(oldest) + _DAY

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _entity(self, coin_id: str) -> str:
        """The canonical id of a coin: the entity whose CoinGecko id it is, else its slug."""
        return self._entities.canonical(ep.PROVIDER, coin_id)

    def _series(self, kind: Kind | str, symbols: Names, interval: IntervalInput) -> SeriesIds:
        wanted = self._check(kind, interval)
        found: SeriesIds = {}
        for given in names("symbols", symbols):
            ((coin_id, metric),) = _series_of(given)
            found[given] = {
                "provider": ep.PROVIDER,
                "provider_id": coin_id,
                "metric": metric.name,
                "interval": wanted.value,
            }
        return found

    def _market_chart(
        self,
        coin_id: str,
        start: TimeInput,
        end: TimeInput | None,
        metrics: Names | None,
        interval: IntervalInput,
    ) -> Flow[Table]:
        coin = _coin_id(coin_id)
        chosen = (
            COINGECKO_METRICS
            if metrics is None
            else tuple(dict.fromkeys(resolve_metric(m) for m in names("metrics", metrics)))
        )
        wanted = self._check(Kind.METRIC, interval)
        lo, hi = self._window(start, end)
        plan = self._plan_queries([(coin, metric) for metric in chosen], wanted, lo, hi)
        notes = []
        if lo < self._reach():
            notes.append(
                f"the {self._plan} plan reaches back {ep.HISTORY_DAYS_FREE} days: rows start at "
                f"{self._reach():%Y-%m-%d}, not {lo:%Y-%m-%d} (a paid key reaches further)"
            )
        return self._run(plan, notes)

    def _run(self, plan: list[_Query], notes: list[str]) -> Flow[Table]:
        if not plan:
            return Table.empty(Kind.METRIC, [*notes, "the window holds nothing to ask"])
        tables = []
        for query in plan:
            tables.append((yield from self._query(query)))
        return Table.concat(Kind.METRIC, tables, notes)

    def _query(self, query: _Query) -> Flow[Table]:
        start = query.start
        if query.interval == Interval.H1:
            start = min(start, query.end - _HOURLY_SPAN)
        request = ep.market_chart_request(
            query.coin_id, start, query.end, _CHART_INTERVAL[query.interval]
        )
        response = yield from self._transport.fetch(request)
        return parse_market_chart(
            response,
            coin_id=query.coin_id,
            entity=self._entity(query.coin_id),
            metrics=query.metrics,
            interval=query.interval,
            start=query.start,
            end=query.end,
            now=self._now(),
        )

    def _fetch(self, step: Step) -> Flow[Table]:
        wanted = self._check(step.kind, step.interval)
        asked = _series_of(step.symbols)
        coins = {coin_id for coin_id, _ in asked}
        if len(coins) != 1:
            raise ValidationError(
                f"a CoinGecko step asks one coin's series, got {', '.join(sorted(coins))}"
            )
        query = _Query(coins.pop(), tuple(m for _, m in asked), wanted, step.start, step.end)
        return self._query(query)

    def _ohlc(
        self, coin_id: str, start: TimeInput, end: TimeInput | None, interval: IntervalInput
    ) -> Flow[Table]:
        coin = _coin_id(coin_id)
        candle = Interval.parse(interval)
        if candle not in _OHLC:
            raise ValidationError(
                f"CoinGecko's OHLC candles are {', '.join(i.value for i in _OHLC)}, not "
                f"{candle.value} (its 4-day candles have no interval name here)"
            )
        allowed, sent, paid = _OHLC[candle]
        if paid and self._plan != "pro":
            raise ValidationError(f"{candle.value} OHLC candles need a paid key (plan='pro')")
        lo, hi = self._window(start, end)
        needed = math.ceil((self._now() - lo) / _DAY)
        days = next((n for n in allowed if n >= needed), None)
        if days is None:
            raise ValidationError(
                f"CoinGecko gives {candle.value} OHLC candles over the last {allowed[-1]} days "
                f"at most; {lo:%Y-%m-%d} is {needed} days back"
            )
        return self._ohlc_flow(ep.ohlc_request(coin, days, sent), coin, candle, lo, hi)

    def _ohlc_flow(
        self, request: Request, coin: str, candle: Interval, lo: datetime, hi: datetime
    ) -> Flow[Table]:
        response = yield from self._transport.fetch(request)
        return parse_ohlc(response, coin_id=coin, interval=candle, start=lo, end=hi)

    def _categories(self) -> Flow[pl.DataFrame]:
        response = yield from self._transport.fetch(ep.plan_categories())
        return categories_frame(response.body)

    def _coin(self, coin_id: str) -> Flow[CoinDetails]:
        request = ep.coin_request(_coin_id(coin_id))
        return self._coin_flow(request)

    def _coin_flow(self, request: Request) -> Flow[CoinDetails]:
        return parse_coin((yield from self._transport.fetch(request)))

    def __repr__(self) -> str:
        key = "Secret('********')" if self._plan != "public" else "None"
        return (
            f"{type(self).__name__}(api_key={key}, plan={self._plan!r}, "
            f"base_url={self.base_url!r}, limiter={self._limiter!r})"
        )


class CoinGecko(_CoinGeckoBase):
    """Blocking CoinGecko client: market-chart history, OHLC candles, categories, coin details.

    History rows are the canonical `metric` kind: `provider_id` is the CoinGecko coin id
    (`bitcoin`), `entity` its canonical id (`bitcoin`; `bnb` for `binancecoin`), `metric`
    one of `price`, `market_cap`, `volume_usd_24h`, `interval` the granularity CoinGecko
    answered. Every request is charged to a rate limiter and retried on 429/5xx/timeouts,
    error envelopes in 200 answers included.

    Args:
        api_key: A Demo or paid key; defaults to `$COINGECKO_API_KEY`. Without one the
            keyless API answers. It travels in a header (`x-cg-demo-api-key` or
            `x-cg-pro-api-key`) and is redacted from every log, repr and error.
        plan: `public` (keyless), `demo` or `pro` (any paid key). A key does not tell its
            plan, so this says it; defaults to `$COINGECKO_PLAN`, else `demo` with a key and
            `public` without. It picks the host (`pro-api.coingecko.com` for `pro`), the key
            header, the default budget and the history's reach.
        limiter: Rate limiter; by default one per process and clock, shared with
            `top_assets`: 10 calls a minute keyless, 30 on Demo, 250 on paid plans.
        retry: Retry policy; by default backoffs of 15 to 60 seconds.
        clock: Time source (tests pass a `ManualClock`).
        base_url: API root; the plan's by default.
        timeout: Seconds per request before it is abandoned and retried.
        entities: The entity master naming `entity`; the shipped one by default.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Raises:
        ValidationError: For an unknown plan, an `api_key` with `public` (which ignores
            `$COINGECKO_API_KEY`), no key with `demo` or `pro`, or a key holding a control or
            non-ASCII character.

    Examples:
        >>> cg = CoinGecko()                                                  # doctest: +SKIP
        >>> cg.market_chart("bitcoin", start="2024-01-01").to_polars()        # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        plan: ep.Plan | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            plan=plan,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            entities=entities,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def market_chart(
        self,
        coin_id: str,
        *,
        start: TimeInput,
        end: TimeInput | None = None,
        metrics: Names | None = None,
        interval: IntervalInput = "1d",
    ) -> Table[Metric]:
        """Price, market cap and 24-hour volume of one coin over `[start, end)`.

        Args:
            coin_id: CoinGecko API id (`bitcoin`, `avalanche-2`), not a ticker.
            start: Start of the window (inclusive).
            end: End of the window (exclusive); defaults to now.
            metrics: Some of `price`, `market_cap`, `volume_usd_24h` (or CoinGecko's
                `prices`, `market_caps`, `total_volumes`); all three by default.
            interval: `1d`, `1h`, or `5m` on paid (Enterprise) keys.

        Returns:
            A `metric` table, with a warning for a window clipped to the plan's reach, a
            granularity other than the one asked, and a bucket still filling.

        Raises:
            ValidationError: Bad arguments, before any request.
            UnsupportedError: An interval the plan does not offer.
            RateLimitError: CoinGecko still refused after the retries.
            AuthenticationError: A bad key, or a key of another plan (error 10010/10011).
        """
        return self._transport.run(self._market_chart(coin_id, start, end, metrics, interval))

    def ohlc(
        self,
        coin_id: str,
        *,
        start: TimeInput,
        end: TimeInput | None = None,
        interval: IntervalInput = "4h",
    ) -> Table[OhlcvBar]:
        """CoinGecko's OHLC candles of one coin (in US dollars) over `[start, end)`.

        The candles aggregate many venues: rows are `ohlcv` bars with `exchange`
        `"coingecko"`, `symbol` the coin id, `unit` `usd` and null volume. One request over
        the last `days` CoinGecko takes that reach `start`.

        Args:
            coin_id: CoinGecko API id.
            start: Start of the window (inclusive), within the candle's reach.
            end: End of the window (exclusive); defaults to now.
            interval: `30m` (the last day), `4h` (the last 30 days); on paid keys also `1h`
                (90 days) and `1d` (180 days).

        Raises:
            ValidationError: Bad arguments, a candle the plan lacks, or a `start` beyond
                the candle's reach.
        """
        return self._transport.run(self._ohlc(coin_id, start, end, interval))

    def categories(self) -> pl.DataFrame:
        """Every CoinGecko category with its market cap and volume (`CATEGORY_SCHEMA`)."""
        return self._transport.run(self._categories())

    def coin(self, coin_id: str) -> CoinDetails:
        """One coin's details and current market data."""
        return self._transport.run(self._coin(coin_id))

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns of each metric series symbol, without I/O."""
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Any]:
        """The rows of one step of `CoinGecko.history_steps`: one request."""
        return self._transport.run(self._fetch(step))

    def markets(self) -> Table[Market]:
        """An empty `markets` table: the history client has no markets."""
        return Table.empty(Kind.MARKETS)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCoinGecko(_CoinGeckoBase):
    """The asyncio twin of `CoinGecko`: same arguments, same results.

    Examples:
        >>> async with AsyncCoinGecko() as cg:                                # doctest: +SKIP
        ...     t = await cg.market_chart("bitcoin", start="2024-01-01")
    """

    _transport: AsyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        plan: ep.Plan | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            plan=plan,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            entities=entities,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def market_chart(
        self,
        coin_id: str,
        *,
        start: TimeInput,
        end: TimeInput | None = None,
        metrics: Names | None = None,
        interval: IntervalInput = "1d",
    ) -> Table[Metric]:
        """See `CoinGecko.market_chart`."""
        return await self._transport.run(self._market_chart(coin_id, start, end, metrics, interval))

    async def ohlc(
        self,
        coin_id: str,
        *,
        start: TimeInput,
        end: TimeInput | None = None,
        interval: IntervalInput = "4h",
    ) -> Table[OhlcvBar]:
        """See `CoinGecko.ohlc`."""
        return await self._transport.run(self._ohlc(coin_id, start, end, interval))

    async def categories(self) -> pl.DataFrame:
        """See `CoinGecko.categories`."""
        return await self._transport.run(self._categories())

    async def coin(self, coin_id: str) -> CoinDetails:
        """See `CoinGecko.coin`."""
        return await self._transport.run(self._coin(coin_id))

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `CoinGecko.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Any]:
        """See `CoinGecko.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def markets(self) -> Table[Market]:
        """See `CoinGecko.markets`."""
        return Table.empty(Kind.MARKETS)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
