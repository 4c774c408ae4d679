"""`Coinalyze` and `AsyncCoinalyze`: thin shells over one set of sans-I/O operations.

Each public method validates its arguments (raising before any request), then hands a *flow*
(see `cryptodata.core.transport`) to its transport. The flows —
market catalogue, validation, planning, parsing, shaping — live in `_CoinalyzeBase` and are
shared by both clients, so no endpoint logic is written twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Self, overload

import httpx
import polars as pl

from cryptodata.core._args import names, text
from cryptodata.core._checks import count, finite
from cryptodata.core.aggregates import sum_venues
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.records import (
    AggregateLiquidationBar,
    AggregateOpenInterestBar,
    Exchange,
    FundingRateBar,
    FundingRateSnapshot,
    LiquidationBar,
    LongShortRatioBar,
    Market,
    OhlcvBar,
    OpenInterestBar,
    OpenInterestSnapshot,
    PredictedFundingRateBar,
    PredictedFundingRateSnapshot,
)
from cryptodata.core.request import Request, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind, series_key
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.transport import (
    AsyncTransport,
    Flow,
    RequestStats,
    SyncTransport,
    Transport,
)

from . import endpoints as ep
from .coverage import coverage
from .endpoints import Endpoint
from .intervals import parse_interval
from .markets import MarketCatalog, ResolvedSymbols, quote_preference

# `.parse` (and msgspec with it) is imported by the flows that read answers, not here: using
# the client class costs no decoder until the first answer arrives.

__all__ = ["AsyncCoinalyze", "Coinalyze"]

Symbols = str | Sequence[str]
AggregateKind = Literal["open_interest", "liquidations"]

_AGGREGATES: dict[str, Endpoint] = {
    "open_interest": ep.OPEN_INTEREST_HISTORY,
    "liquidations": ep.LIQUIDATION_HISTORY,
}


# A bound that keeps a request's window (points x interval) inside what a timedelta holds.
_MAX_POINTS = 1_000_000


class _CoinalyzeBase:
    """Configuration, market cache and every operation as a flow; I/O is the subclass's."""

    provider = ep.PROVIDER
    _transport: Transport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str = ep.BASE_URL,
        timeout: float = 30.0,
        market_ttl: float = 3600.0,
        max_points_per_request: int = ep.MAX_POINTS_PER_REQUEST,
        convert_to_usd: bool = False,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("COINALYZE_API_KEY", "")
        if not key:
            raise ValidationError(
                "no Coinalyze API key: pass api_key=... or set COINALYZE_API_KEY "
                "(get a free key on the Coinalyze API doc page after signing in)"
            )
        secret = Secret.credential(
            key, name="api_key" if api_key is not None else "COINALYZE_API_KEY"
        )
        # The transport checks `timeout` when the subclass builds it, in this constructor too.
        max_points_per_request = count(
            "max_points_per_request", max_points_per_request, maximum=_MAX_POINTS
        )
        market_ttl = finite("market_ttl", market_ttl, minimum=0, unit="seconds")
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(
            ep.CALLS_PER_MINUTE, 60.0, clock=self._clock
        )
        # Each symbol costs one call: a limiter that grants less than 20 at once gets smaller
        # batches instead of a request it could never admit.
        self._batch_size = ep.batch_size_for(self._limiter.capacity)
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": base_url,
            "limiter": self._limiter,
            "retry": retry,
            "secret_headers": {ep.API_KEY_HEADER: secret},
            "clock": self._clock,
            "timeout": timeout,
        }
        self._market_ttl = market_ttl
        self._max_points = max_points_per_request
        self._convert_to_usd = convert_to_usd
        self._catalog_cache: tuple[float, MarketCatalog] | None = None

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter every request of this client is charged to."""
        return self._limiter

    @property
    def clock(self) -> Clock:
        """The time source of limits, retries, default window ends and pipelines."""
        return self._clock

    @property
    def convert_to_usd(self) -> bool:
        """Whether `history`, `fetch` and pipelines ask for USD values (OI, liquidations)."""
        return self._convert_to_usd

    def coverage(self) -> Coverage:
        """What Coinalyze offers, without I/O: kinds, intervals, units, retention and venues.

        Examples:
            >>> Coinalyze(api_key="k").coverage().check("open_interest", "1h").retained_bars(Interval.H1)
            1500
        """
        return coverage()

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def plan(
        self,
        method: str,
        symbols: Symbols,
        *,
        interval: IntervalInput | None = None,
        start: TimeInput | None = None,
        end: TimeInput | None = None,
        convert_to_usd: bool = False,
    ) -> list[Request]:
        """The data requests a call would send, without sending anything.

        Market-list requests (made once per `market_ttl`) are not included, and neither is
        the market list's verdict: symbols the real call skips because their market lacks the
        data (e.g. `has_long_short_ratio_data` is false) still appear here.

        Args:
            method: Client method name, e.g. `"open_interest_history"`.
            symbols: Coinalyze symbols.
            interval: Bar interval (history methods only).
            start: Start of the window (history methods only).
            end: End of the window, exclusive; defaults to now.
            convert_to_usd: As the method's argument.

        Examples:
            >>> cz = Coinalyze(api_key="k")
            >>> plan = cz.plan("ohlcv_history", [f"S{i}.A" for i in range(45)], interval="1d",
            ...                start="2025-01-01", end="2025-02-01")
            >>> [request.cost for request in plan]
            [20, 20, 5]
        """
        endpoint = ep.endpoint_named(method)
        wanted = ep.validate_symbols(symbols)
        if not endpoint.is_history:
            return ep.plan_snapshot(
                endpoint, wanted, convert_to_usd=convert_to_usd, batch_size=self._batch_size
            )
        if interval is None or start is None:
            raise ValidationError(f"{method} needs interval= and start=")
        lo, hi = self._window(start, end)
        return ep.plan_history(
            endpoint,
            wanted,
            parse_interval(interval),
            lo,
            hi,
            convert_to_usd=convert_to_usd,
            max_points=self._max_points,
            batch_size=self._batch_size,
        )

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        """The one-request steps of a `Coinalyze.history` call, without network.

        Each step is a batch of up to 20 symbols over one window of at most
        `max_points_per_request` bars, costing one call per symbol; `fetch(step)` sends
        exactly one data request. Pipelines run plans step by step.

        Raises:
            UnsupportedError: For a kind or interval Coinalyze does not offer.
            ValidationError: For other bad arguments.
        """
        endpoint = ep.history_endpoint(kind)
        step = parse_interval(interval)
        coverage().check(endpoint.kind, step)
        lo, hi = self._window(start, end)
        found = ep.steps(
            ep.validate_symbols(symbols),
            step,
            lo,
            hi,
            max_points=self._max_points,
            batch_size=self._batch_size,
        )
        return [
            Step(endpoint.kind, step, item.symbols, item.start, item.end, cost=len(item.symbols))
            for item in found
        ]

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _catalog(self) -> Flow[MarketCatalog]:
        """The market catalogue, fetched at most once per `market_ttl` seconds."""
        now = self._clock.monotonic()
        if self._catalog_cache is not None and now - self._catalog_cache[0] < self._market_ttl:
            return self._catalog_cache[1]
        from .parse import parse_exchanges, parse_future_markets, parse_spot_markets

        fetch = self._transport.fetch
        exchanges = parse_exchanges((yield from fetch(Request(ep.EXCHANGES.path))).body)
        futures = parse_future_markets((yield from fetch(Request(ep.FUTURE_MARKETS.path))).body)
        spots = parse_spot_markets((yield from fetch(Request(ep.SPOT_MARKETS.path))).body)
        catalog = MarketCatalog.build(exchanges, futures, spots)
        self._catalog_cache = (now, catalog)
        return catalog

    def _exchanges(self) -> Flow[Table[Exchange]]:
        return (yield from self._catalog()).exchanges_table()

    def _markets(self, market_type: str | None) -> Flow[Table[Market]]:
        return (yield from self._catalog()).markets_table(market_type)

    def _series(
        self, kind: Kind | str, symbols: Sequence[str], interval: IntervalInput
    ) -> Flow[SeriesIds]:
        endpoint = ep.history_endpoint(kind)
        step = parse_interval(interval)
        wanted = ep.validate_symbols(symbols)
        return self._series_flow(endpoint, wanted, step)

    def _series_flow(
        self, endpoint: Endpoint, symbols: list[str], interval: Interval
    ) -> Flow[SeriesIds]:
        catalog = yield from self._catalog()
        catalog.check_known(symbols)
        info = catalog.info(symbols).with_columns(
            provider=pl.lit(ep.PROVIDER), interval=pl.lit(interval.value)
        )
        if endpoint.usd and self._convert_to_usd:
            info = info.with_columns(unit=pl.lit("usd"))
        columns = list(series_key(endpoint.kind))
        return {row["symbol"]: row for row in info.select(columns).iter_rows(named=True)}

    def _fetch(self, step: Step) -> Flow[Table]:
        return self._history_of(
            step.kind, step.symbols, step.interval, step.start, step.end, self._convert_to_usd
        )

    def _resolve(
        self, exchange: str, base: str, quote: str | None, perpetual: bool, spot: bool
    ) -> Flow[str]:
        # Checked here, so that malformed arguments fail before the market lists are fetched.
        venue, asset = text("exchange", exchange), text("base", base)
        wanted = None if quote is None else text("quote", quote)
        return self._resolve_flow(venue, asset, wanted, perpetual, spot)

    def _resolve_flow(
        self, exchange: str, base: str, quote: str | None, perpetual: bool, spot: bool
    ) -> Flow[str]:
        catalog = yield from self._catalog()
        return catalog.resolve(
            exchange=exchange, base=base, quote=quote, perpetual=perpetual, spot=spot
        )

    def _resolve_many(
        self,
        bases: str | Iterable[str],
        exchanges: str | Iterable[str],
        quote: str | Sequence[str] | None,
        perpetual: bool,
    ) -> Flow[ResolvedSymbols]:
        # Checked here, so that malformed arguments fail before the market lists are fetched.
        wanted, venues = names("bases", bases), names("exchanges", exchanges)
        return self._resolve_many_flow(wanted, venues, quote_preference(quote), perpetual)

    def _resolve_many_flow(
        self, bases: list[str], exchanges: list[str], quotes: tuple[str, ...], perpetual: bool
    ) -> Flow[ResolvedSymbols]:
        catalog = yield from self._catalog()
        return catalog.resolve_many(bases, exchanges, quote=quotes, perpetual=perpetual)

    def _snapshot(
        self, endpoint: Endpoint, symbols: Symbols, convert_to_usd: bool = False
    ) -> Flow[Table]:
        wanted = ep.validate_symbols(symbols)
        return self._snapshot_flow(endpoint, wanted, convert_to_usd)

    def _snapshot_flow(
        self, endpoint: Endpoint, symbols: list[str], convert_to_usd: bool
    ) -> Flow[Table]:
        from .frames import shape, silent
        from .parse import parse_snapshot

        catalog = yield from self._catalog()
        catalog.check_known(symbols)
        frames: list[pl.DataFrame] = []
        warnings: list[str] = []
        for request in ep.plan_snapshot(
            endpoint, symbols, convert_to_usd=convert_to_usd, batch_size=self._batch_size
        ):
            body = (yield from self._transport.fetch(request)).body
            parsed = parse_snapshot(endpoint, body, ep.asked_symbols(request))
            frames.append(parsed.frame)
            warnings.extend(parsed.warnings)
        raw = pl.concat(frames).with_columns(ts=pl.from_epoch("update", time_unit="ms"))
        frame = shape(endpoint, raw, catalog.info(symbols), convert_to_usd)
        return Table.concat(
            endpoint.kind,
            [Table.from_frame(endpoint.kind, frame)],
            [*warnings, *silent(endpoint, symbols, set(frame.get_column("symbol")))],
        )

    def _history(
        self,
        endpoint: Endpoint,
        symbols: Symbols,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        convert_to_usd: bool = False,
    ) -> Flow[Table]:
        wanted = ep.validate_symbols(symbols)
        step = parse_interval(interval)
        lo, hi = self._window(start, end)
        return self._history_flow(endpoint, wanted, step, lo, hi, convert_to_usd)

    def _history_of(
        self,
        kind: Kind | str,
        symbols: Symbols,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        convert_to_usd: bool | None,
    ) -> Flow[Table]:
        endpoint = ep.history_endpoint(kind)
        usd = self._convert_to_usd if convert_to_usd is None else convert_to_usd
        return self._history(endpoint, symbols, interval, start, end, usd and endpoint.usd)

    def _history_flow(
        self,
        endpoint: Endpoint,
        symbols: list[str],
        interval: Interval,
        start: datetime,
        end: datetime,
        convert_to_usd: bool,
    ) -> Flow[Table]:
        from .frames import history_frame, silent
        from .parse import parse_history

        catalog = yield from self._catalog()
        catalog.check_known(symbols)
        warnings: list[str] = []
        if endpoint.coverage_flag is not None:
            lacking = catalog.lacking(symbols, endpoint.coverage_flag)
            if lacking:
                warnings.append(
                    f"skipped {', '.join(lacking)}: Coinalyze lists no {endpoint.kind.value} data for "
                    f"{'it' if len(lacking) == 1 else 'them'} ({endpoint.coverage_flag} is false)"
                )
                symbols = [symbol for symbol in symbols if symbol not in lacking]
        if (note := ep.retention_warning(interval, start, self._now())) is not None:
            warnings.append(note)
        if not symbols:
            return Table.empty(endpoint.kind, warnings)
        plan = ep.plan_history(
            endpoint,
            symbols,
            interval,
            start,
            end,
            convert_to_usd=convert_to_usd,
            max_points=self._max_points,
            batch_size=self._batch_size,
        )
        answers = []
        for request in plan:
            body = (yield from self._transport.fetch(request)).body
            answers.append(parse_history(endpoint, body, ep.asked_symbols(request)))
            warnings.extend(answers[-1].warnings)
        markets = catalog.venue_base_unit(symbols)
        bars = history_frame(endpoint, answers, markets, interval, start, end, convert_to_usd)
        warnings.extend(silent(endpoint, symbols, bars.symbols))
        return bars.table(endpoint.kind, warnings)

    def _aggregate(
        self,
        kind: AggregateKind,
        base: str,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        exchanges: str | Iterable[str] | None,
    ) -> Flow[Table]:
        if not isinstance(kind, str) or kind not in _AGGREGATES:
            raise ValidationError(f"cannot aggregate {kind!r}; use one of {', '.join(_AGGREGATES)}")
        asset = text("base", base)
        step = parse_interval(interval)
        lo, hi = self._window(start, end)
        venues = None if exchanges is None else names("exchanges", exchanges)
        return self._aggregate_flow(kind, asset, step, lo, hi, venues)

    def _aggregate_flow(
        self,
        kind: AggregateKind,
        base: str,
        interval: Interval,
        start: datetime,
        end: datetime,
        exchanges: list[str] | None,
    ) -> Flow[Table]:
        endpoint = _AGGREGATES[kind]
        catalog = yield from self._catalog()
        markets = catalog.select(base=base, exchanges=exchanges, perpetual=True)
        if markets.height == 0:
            raise ValidationError(
                f"no Coinalyze perpetual markets for base {base!r} on the venues asked"
            )
        symbols = markets.get_column("symbol").to_list()
        table = yield from self._history_flow(endpoint, symbols, interval, start, end, True)
        asked = sorted(set(markets.get_column("exchange").to_list()))
        answered = sorted(set(table.to_polars().get_column("exchange").to_list()))
        notes = [
            f"{kind} summed in USD over {len(answered)} venue(s): {', '.join(answered) or 'none'}"
        ]
        if silent := [venue for venue in asked if venue not in answered]:
            notes.append(f"no {kind} data from: {', '.join(silent)}")
        return sum_venues(table, provider=ep.PROVIDER, warnings=[*table.warnings, *notes])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_key=Secret('********'), limiter={self._limiter!r})"


class Coinalyze(_CoinalyzeBase):
    """Blocking client for the Coinalyze API (open interest, funding, liquidations, L/S, OHLCV).

    Every request is charged to a rate limiter (40 symbol-calls a minute by default; pass the
    same `limiter` to several clients that share one key), retried on 429/5xx/timeouts, and
    parsed into a typed `Table`. Symbols are checked against the market
    list (cached for `market_ttl` seconds) before any data request.

    Args:
        api_key: Coinalyze API key; defaults to the `COINALYZE_API_KEY` environment variable.
            Surrounding whitespace is stripped (a key read from a file keeps no newline).
        limiter: Rate limiter; a 40-per-60-s sliding window by default.
        retry: Retry policy; see `RetryPolicy`.
        clock: Time source (tests pass a `ManualClock`).
        base_url: API root.
        timeout: Seconds per request before it is abandoned and retried (above 0, at most
            3600).
        market_ttl: Seconds the market catalogue is cached (a finite number, at least 0).
        max_points_per_request: Bars per symbol per request before a window is split (an
            integer from 1 to 1,000,000).
        convert_to_usd: Ask for USD values (OI, liquidations) in `history`, `fetch`,
            `series` and so in pipelines; the per-method argument overrides it.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Raises:
        ValidationError: If no API key is given or set, or the key holds a control or
            non-ASCII character (the message gives its position, never the key).
        ValidationError: If a numeric setting is of the wrong type, NaN or out of range.

    Examples:
        >>> from cryptodata import Coinalyze
        >>> cz = Coinalyze()                                        # doctest: +SKIP
        >>> t = cz.open_interest_history(["BTCUSDT_PERP.A"], interval="1h",
        ...                              start="2025-06-01", end="2025-06-02")  # doctest: +SKIP
        >>> t.to_polars()                                           # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str = ep.BASE_URL,
        timeout: float = 30.0,
        market_ttl: float = 3600.0,
        max_points_per_request: int = ep.MAX_POINTS_PER_REQUEST,
        convert_to_usd: bool = False,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            market_ttl=market_ttl,
            max_points_per_request=max_points_per_request,
            convert_to_usd=convert_to_usd,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def exchanges(self) -> Table[Exchange]:
        """Venues Coinalyze covers: canonical `name` (e.g. `binance`), `code` (e.g. `A`), display name."""
        return self._transport.run(self._exchanges())

    def future_markets(self) -> Table[Market]:
        """Every futures market (perpetual and dated) with its unit and coverage flags."""
        return self._transport.run(self._markets("future"))

    def spot_markets(self) -> Table[Market]:
        """Every spot market (OHLCV only; volume in the base asset)."""
        return self._transport.run(self._markets("spot"))

    def markets(self) -> Table[Market]:
        """Every market, futures and spot, as one table of kind `markets` (the source protocol's)."""
        return self._transport.run(self._markets(None))

    def series(self, kind: Kind | str, symbols: Symbols, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns each symbol's `kind` bars carry, from the (cached) market list.

        Pipelines ask a sink where each of these series stopped. The unit is `usd` for OI
        and liquidations when the client converts to USD, else the market's own.

        Raises:
            ValidationError: Unknown or malformed symbols, an unknown kind.
        """
        return self._transport.run(self._series(kind, symbols, interval))

    def fetch(self, step: Step) -> Table[Any]:
        """The rows of one step of `Coinalyze.history_steps`: one data request."""
        return self._transport.run(self._fetch(step))

    def resolve(
        self,
        *,
        exchange: str,
        base: str,
        quote: str | None = None,
        perpetual: bool = True,
        spot: bool = False,
    ) -> str:
        """The Coinalyze symbol of a market, found in the market list (never built from strings).

        Args:
            exchange: Canonical venue name, e.g. `"binance"`, `"bybit"`, `"okx"`.
            base: Base asset, e.g. `"BTC"`.
            quote: Quote asset, e.g. `"USDT"`; required when several markets match.
            perpetual: Perpetual (True) or dated (False) futures.
            spot: Look in spot markets instead of futures.

        Raises:
            ValidationError: If no market or several markets match.

        Examples:
            >>> cz.resolve(exchange="binance", base="BTC", quote="USDT")  # doctest: +SKIP
            'BTCUSDT_PERP.A'
        """
        return self._transport.run(self._resolve(exchange, base, quote, perpetual, spot))

    def resolve_many(
        self,
        bases: str | Iterable[str],
        exchanges: str | Iterable[str],
        *,
        quote: str | Sequence[str] | None = None,
        perpetual: bool = True,
    ) -> ResolvedSymbols:
        """Futures symbols for every base on every venue, read from the market list, and the pairs with none.

        Per (base, venue) pair one market is chosen: with `quote=None`, the USDT contract,
        else the USD one, else the USDC one (see
        `cryptodata.providers.coinalyze.markets.QUOTE_PREFERENCE`); a
        pair with none of them is reported in `missing`, never guessed. The market lists are
        fetched once per `market_ttl`, so resolving 50 bases on 10 venues costs at most 3 calls.

        Args:
            bases: Base assets (`"BTC"`, or `"btc"`: case does not matter).
            exchanges: Canonical venue names, e.g. `["binance", "bybit", "okx"]`.
            quote: One quote (`"USDT"`), or quotes in order of preference (`["USDC", "USDT"]`).
            perpetual: Perpetual (True) or dated (False; the nearest expiry) futures.

        Returns:
            The symbols (iterate it or pass it as `symbols=`), with `pairs` naming each one's
            base and venue and `missing` listing the pairs without a market.

        Raises:
            ValidationError: Empty or malformed arguments (before any request), or an exchange
                Coinalyze does not cover (the message names close matches).

        Examples:
            >>> found = cz.resolve_many(["BTC", "ETH"], ["binance", "bybit"])  # doctest: +SKIP
            >>> found.symbols                                                # doctest: +SKIP
            ['BTCUSDT_PERP.A', 'BTCUSDT.6', 'ETHUSDT_PERP.A', 'ETHUSDT.6']
            >>> table = cz.open_interest_history(found, interval="1d", start="2025-01-01")  # doctest: +SKIP
        """
        return self._transport.run(self._resolve_many(bases, exchanges, quote, perpetual))

    def open_interest(
        self, symbols: Symbols, *, convert_to_usd: bool = False
    ) -> Table[OpenInterestSnapshot]:
        """Current open interest per symbol (kind `open_interest_snapshot`; `ts` = update time)."""
        return self._transport.run(self._snapshot(ep.OPEN_INTEREST, symbols, convert_to_usd))

    def funding_rate(self, symbols: Symbols) -> Table[FundingRateSnapshot]:
        """Current funding rate per symbol, a fraction per funding period."""
        return self._transport.run(self._snapshot(ep.FUNDING_RATE, symbols))

    def predicted_funding_rate(self, symbols: Symbols) -> Table[PredictedFundingRateSnapshot]:
        """Predicted next funding rate per symbol, a fraction per funding period."""
        return self._transport.run(self._snapshot(ep.PREDICTED_FUNDING_RATE, symbols))

    def open_interest_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool = False,
    ) -> Table[OpenInterestBar]:
        """Open interest bars (`open high low close`) over `[start, end)`.

        Args:
            symbols: Coinalyze symbols; more than 20 are split into batches.
            interval: `1m 5m 15m 30m 1h 2h 4h 6h 12h 1d` (or `1min ... daily`).
            start: Start of the window (inclusive); naive times are UTC.
            end: End of the window (exclusive); defaults to now.
            convert_to_usd: USD values (`unit="usd"`) instead of the market's own unit.

        Returns:
            A table of kind `open_interest`, de-duplicated and sorted, with warnings for
            symbols that answered nothing and for windows older than the retention.

        Raises:
            ValidationError: Bad arguments or unknown symbols, before any data request.
        """
        return self._transport.run(
            self._history(ep.OPEN_INTEREST_HISTORY, symbols, interval, start, end, convert_to_usd)
        )

    def funding_rate_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[FundingRateBar]:
        """Funding rate bars over `[start, end)`, as fractions per funding period."""
        return self._transport.run(
            self._history(ep.FUNDING_RATE_HISTORY, symbols, interval, start, end)
        )

    def predicted_funding_rate_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[PredictedFundingRateBar]:
        """Predicted funding rate bars over `[start, end)`, as fractions per funding period."""
        return self._transport.run(
            self._history(ep.PREDICTED_FUNDING_RATE_HISTORY, symbols, interval, start, end)
        )

    def liquidation_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool = False,
    ) -> Table[LiquidationBar]:
        """Long and short liquidations summed per bar over `[start, end)`."""
        return self._transport.run(
            self._history(ep.LIQUIDATION_HISTORY, symbols, interval, start, end, convert_to_usd)
        )

    def long_short_ratio_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[LongShortRatioBar]:
        """Long/short account ratio bars over `[start, end)` (symbols without the data are skipped, with a warning)."""
        return self._transport.run(
            self._history(ep.LONG_SHORT_RATIO_HISTORY, symbols, interval, start, end)
        )

    def ohlcv_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[OhlcvBar]:
        """Price bars with volume, buy volume, trades and buy trades over `[start, end)`; spot symbols work too."""
        return self._transport.run(self._history(ep.OHLCV_HISTORY, symbols, interval, start, end))

    def history(
        self,
        kind: Kind | str,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool | None = None,
    ) -> Table[Any]:
        """Bars of any series kind, by name.

        Args:
            kind: `open_interest`, `funding_rate`, `predicted_funding_rate`, `liquidations`,
                `long_short_ratio` or `ohlcv`.
            symbols: Coinalyze symbols.
            interval: Bar interval.
            start: Start of the window (inclusive).
            end: End of the window (exclusive); defaults to now.
            convert_to_usd: USD values, for `open_interest` and `liquidations` (ignored
                otherwise); the client's `convert_to_usd` by default.
        """
        return self._transport.run(
            self._history_of(kind, symbols, interval, start, end, convert_to_usd)
        )

    @overload
    def aggregate(
        self,
        kind: Literal["open_interest"],
        base: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: str | Iterable[str] | None = None,
    ) -> Table[AggregateOpenInterestBar]: ...

    @overload
    def aggregate(
        self,
        kind: Literal["liquidations"],
        base: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: str | Iterable[str] | None = None,
    ) -> Table[AggregateLiquidationBar]: ...

    def aggregate(
        self,
        kind: AggregateKind,
        base: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: str | Iterable[str] | None = None,
    ) -> Table[Any]:
        """Cross-venue USD sum of open interest or liquidations for every perpetual of `base`.

        Every Coinalyze perpetual of the base is summed (USDT, USDC and inverse markets alike),
        by the rule of `MarketData.aggregate` (`cryptodata.core.aggregates`). That one is the
        cross-provider sum: each venue answered by its preferred provider, one instrument
        per venue (`instrument=`), dollars with `usd=True`; use it to mix providers.

        Args:
            kind: `"open_interest"` (sums `open` and `close`) or `"liquidations"`.
            base: Base asset, e.g. `"BTC"`.
            interval: Bar interval.
            start: Start of the window (inclusive).
            end: End of the window (exclusive); defaults to now.
            exchanges: Venues to include (one name or several); all venues by default.

        Returns:
            A table of kind `open_interest_aggregate` or `liquidations_aggregate`; each row names
            the venues in its sum, and the warnings name the venues that answered and those that did not.
        """
        return self._transport.run(self._aggregate(kind, base, interval, start, end, exchanges))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCoinalyze(_CoinalyzeBase):
    """The asyncio twin of `Coinalyze`: same arguments, same results.

    Examples:
        >>> async with AsyncCoinalyze() as cz:                        # doctest: +SKIP
        ...     t = await cz.funding_rate_history("BTCUSDT_PERP.A", interval="1h", start="2025-06-01")
    """

    _transport: AsyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str = ep.BASE_URL,
        timeout: float = 30.0,
        market_ttl: float = 3600.0,
        max_points_per_request: int = ep.MAX_POINTS_PER_REQUEST,
        convert_to_usd: bool = False,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            market_ttl=market_ttl,
            max_points_per_request=max_points_per_request,
            convert_to_usd=convert_to_usd,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def exchanges(self) -> Table[Exchange]:
        """See `Coinalyze.exchanges`."""
        return await self._transport.run(self._exchanges())

    async def future_markets(self) -> Table[Market]:
        """See `Coinalyze.future_markets`."""
        return await self._transport.run(self._markets("future"))

    async def spot_markets(self) -> Table[Market]:
        """See `Coinalyze.spot_markets`."""
        return await self._transport.run(self._markets("spot"))

    async def markets(self) -> Table[Market]:
        """See `Coinalyze.markets`."""
        return await self._transport.run(self._markets(None))

    async def series(
        self, kind: Kind | str, symbols: Symbols, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `Coinalyze.series`."""
        return await self._transport.run(self._series(kind, symbols, interval))

    async def fetch(self, step: Step) -> Table[Any]:
        """See `Coinalyze.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def resolve(
        self,
        *,
        exchange: str,
        base: str,
        quote: str | None = None,
        perpetual: bool = True,
        spot: bool = False,
    ) -> str:
        """See `Coinalyze.resolve`."""
        return await self._transport.run(self._resolve(exchange, base, quote, perpetual, spot))

    async def resolve_many(
        self,
        bases: str | Iterable[str],
        exchanges: str | Iterable[str],
        *,
        quote: str | Sequence[str] | None = None,
        perpetual: bool = True,
    ) -> ResolvedSymbols:
        """See `Coinalyze.resolve_many`."""
        return await self._transport.run(self._resolve_many(bases, exchanges, quote, perpetual))

    async def open_interest(
        self, symbols: Symbols, *, convert_to_usd: bool = False
    ) -> Table[OpenInterestSnapshot]:
        """See `Coinalyze.open_interest`."""
        return await self._transport.run(self._snapshot(ep.OPEN_INTEREST, symbols, convert_to_usd))

    async def funding_rate(self, symbols: Symbols) -> Table[FundingRateSnapshot]:
        """See `Coinalyze.funding_rate`."""
        return await self._transport.run(self._snapshot(ep.FUNDING_RATE, symbols))

    async def predicted_funding_rate(self, symbols: Symbols) -> Table[PredictedFundingRateSnapshot]:
        """See `Coinalyze.predicted_funding_rate`."""
        return await self._transport.run(self._snapshot(ep.PREDICTED_FUNDING_RATE, symbols))

    async def open_interest_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool = False,
    ) -> Table[OpenInterestBar]:
        """See `Coinalyze.open_interest_history`."""
        return await self._transport.run(
            self._history(ep.OPEN_INTEREST_HISTORY, symbols, interval, start, end, convert_to_usd)
        )

    async def funding_rate_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[FundingRateBar]:
        """See `Coinalyze.funding_rate_history`."""
        return await self._transport.run(
            self._history(ep.FUNDING_RATE_HISTORY, symbols, interval, start, end)
        )

    async def predicted_funding_rate_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[PredictedFundingRateBar]:
        """See `Coinalyze.predicted_funding_rate_history`."""
        return await self._transport.run(
            self._history(ep.PREDICTED_FUNDING_RATE_HISTORY, symbols, interval, start, end)
        )

    async def liquidation_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool = False,
    ) -> Table[LiquidationBar]:
        """See `Coinalyze.liquidation_history`."""
        return await self._transport.run(
            self._history(ep.LIQUIDATION_HISTORY, symbols, interval, start, end, convert_to_usd)
        )

    async def long_short_ratio_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[LongShortRatioBar]:
        """See `Coinalyze.long_short_ratio_history`."""
        return await self._transport.run(
            self._history(ep.LONG_SHORT_RATIO_HISTORY, symbols, interval, start, end)
        )

    async def ohlcv_history(
        self,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[OhlcvBar]:
        """See `Coinalyze.ohlcv_history`."""
        return await self._transport.run(
            self._history(ep.OHLCV_HISTORY, symbols, interval, start, end)
        )

    async def history(
        self,
        kind: Kind | str,
        symbols: Symbols,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        convert_to_usd: bool | None = None,
    ) -> Table[Any]:
        """See `Coinalyze.history`."""
        return await self._transport.run(
            self._history_of(kind, symbols, interval, start, end, convert_to_usd)
        )

    @overload
    async def aggregate(
        self,
        kind: Literal["open_interest"],
        base: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: str | Iterable[str] | None = None,
    ) -> Table[AggregateOpenInterestBar]: ...

    @overload
    async def aggregate(
        self,
        kind: Literal["liquidations"],
        base: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: str | Iterable[str] | None = None,
    ) -> Table[AggregateLiquidationBar]: ...

    async def aggregate(
        self,
        kind: AggregateKind,
        base: str,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: str | Iterable[str] | None = None,
    ) -> Table[Any]:
        """See `Coinalyze.aggregate`."""
        return await self._transport.run(
            self._aggregate(kind, base, interval, start, end, exchanges)
        )

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
