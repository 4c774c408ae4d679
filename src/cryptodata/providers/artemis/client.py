"""`Artemis` and `AsyncArtemis`: thin shells over one set of sans-I/O operations.

Each public method validates its arguments (raising before any request), then hands a *flow*
(see `cryptodata.core.transport`) to its transport. Planning, the batch split on a refused
batch and parsing live in `_ArtemisBase` and are shared by both clients.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Self

import attrs
import httpx
import polars as pl

from cryptodata.core._args import names
from cryptodata.core._checks import count
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import ServerError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.records import Market, Metric
from cryptodata.core.request import Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport

from . import endpoints as ep
from .coverage import coverage
from .endpoints import MetricsQuery
from .metrics import ArtemisMetric, resolve_metric
from .parse import ArtemisAsset, SupportedMetric

__all__ = ["Artemis", "AsyncArtemis"]

Names = str | Sequence[str]


class _ArtemisBase:
    """Configuration and every operation as a flow; I/O is the subclass's."""

    provider = ep.PROVIDER
    _transport: Transport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        legacy_paths: bool = False,
        timeout: float = 60.0,
        batch_size: int = ep.DEFAULT_BATCH_SIZE,
        max_points_per_request: int = ep.MAX_POINTS,
        entities: EntityMaster | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(ep.KEY_VARIABLE, "")
        if not key:
            raise ValidationError(
                f"no Artemis API key: pass api_key=... or set {ep.KEY_VARIABLE} "
                "(keys are in the Artemis app's settings)"
            )
        secret = Secret.credential(key, name="api_key" if api_key is not None else ep.KEY_VARIABLE)
        self._batch_size = count("batch_size", batch_size, maximum=ep.MAX_BATCH_SIZE)
        self._max_points = count(
            "max_points_per_request", max_points_per_request, maximum=ep.MAX_POINTS
        )
        if not isinstance(legacy_paths, bool):
            raise ValidationError(f"legacy_paths must be True or False, got {legacy_paths!r}")
        self._legacy_paths = legacy_paths
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(
            ep.CALLS_PER_MINUTE, 60.0, clock=self._clock
        )
        self._entities = entities if entities is not None else EntityMaster.default()
        # The smallest batch Artemis refused with a 5xx: batches as big are split unasked.
        self._refused: int | None = None
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": base_url or os.environ.get(ep.BASE_URL_VARIABLE) or ep.BASE_URL,
            "limiter": self._limiter,
            "retry": retry,
            "params": {ep.KEY_PARAM: secret},
            "clock": self._clock,
            "timeout": timeout,
        }

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
        """What Artemis offers, without I/O: daily `metric` rows.

        Examples:
            >>> Artemis(api_key="k").coverage().check("metric", "1d").intervals
            (<Interval.D1: '1d'>,)
        """
        return coverage()

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

        Symbols name series as `"<metric>@<symbol>"` (`metric_symbol("sol", "price")`).
        Symbols asking the same metrics share requests, `batch_size` at a time (each request
        answers every metric of every symbol in it); a window spans at most
        `max_points_per_request` days. Steps start and end at 00:00 UTC: the day starts of
        `[start, end)`. Each costs one call.

        Raises:
            UnsupportedError: For a kind or interval Artemis does not offer.
            ValidationError: For other bad arguments.

        Examples:
            >>> steps = Artemis(api_key="k", batch_size=2).history_steps(
            ...     "metric", ["price@sol", "price@eth", "price@btc", "fees@sol"],
            ...     interval="1d", start="2024-01-01", end="2024-02-01")
            >>> [step.symbols for step in steps]
            [('price@sol', 'fees_24h@sol'), ('price@eth', 'price@btc')]
        """
        self._check(kind, interval)
        lo, hi = self._window(start, end)
        return [
            Step(Kind.METRIC, Interval.D1, query.series, query.start, query.end)
            for query in self._plan(ep.series_of(symbols), lo, hi)
        ]

    def _check(self, kind: Kind | str, interval: IntervalInput) -> None:
        try:
            wanted = Kind(kind)
        except ValueError:
            raise ValidationError(f"unknown kind {kind!r}; Artemis offers metric") from None
        coverage().check(wanted, interval)

    def _plan(
        self, series: Sequence[tuple[str, ArtemisMetric]], start: datetime, end: datetime
    ) -> list[MetricsQuery]:
        return ep.plan_queries(
            series, start, end, batch_size=self._batch_size, max_points=self._max_points
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _series(self, kind: Kind | str, symbols: Names, interval: IntervalInput) -> SeriesIds:
        self._check(kind, interval)
        found: SeriesIds = {}
        for given in names("symbols", symbols):
            ((symbol, metric),) = ep.series_of(given)
            found[given] = {
                "provider": ep.PROVIDER,
                "provider_id": symbol,
                "metric": metric.name,
                "interval": Interval.D1.value,
            }
        return found

    def _metrics(
        self,
        metrics: Names,
        symbols: Names,
        start: TimeInput,
        end: TimeInput | None,
        interval: IntervalInput,
    ) -> Flow[Table]:
        wanted = list(dict.fromkeys(resolve_metric(name) for name in names("metrics", metrics)))
        ids = ep.validate_symbols(symbols)
        self._check(Kind.METRIC, interval)
        lo, hi = self._window(start, end)
        plan = self._plan([(symbol, metric) for symbol in ids for metric in wanted], lo, hi)
        return self._run(plan)

    def _run(self, plan: list[MetricsQuery]) -> Flow[Table]:
        if not plan:
            return Table.empty(Kind.METRIC, ["the window holds no day start (00:00 UTC)"])
        tables = []
        for query in plan:
            tables.append((yield from self._query(query)))
        return Table.concat(Kind.METRIC, tables)

    def _fetch(self, step: Step) -> Flow[Table]:
        self._check(step.kind, step.interval)
        asked = ep.series_of(step.symbols)
        ids = tuple(dict.fromkeys(symbol for symbol, _ in asked))
        metrics = tuple(dict.fromkeys(metric for _, metric in asked))
        days = ep.day_window(step.start, step.end)
        if days is None:
            return self._run([])
        table = self._query(MetricsQuery(ids, metrics, *days))
        if len(asked) == len(ids) * len(metrics):
            return table
        return self._only(table, [f"{metric.name}@{symbol}" for symbol, metric in asked])

    def _only(self, flow: Flow[Table], series: list[str]) -> Flow[Table]:
        """The rows of `series` alone, of a request that asked a cross product around them."""
        table = yield from flow
        frame = table.to_polars().filter(
            pl.concat_str("metric", pl.lit("@"), "provider_id").is_in(series)
        )
        return Table.from_frame(Kind.METRIC, frame, table.warnings)

    def _query(self, query: MetricsQuery) -> Flow[Table]:
        """One metrics request; a batch the server refuses (5xx) is asked again in halves.

        A single symbol's request gets the retry policy's attempts and then raises; a
        batch's 5xx after those attempts splits it, recursively, down to single symbols. The
        client then asks every batch at least as big in halves straight away, so a long
        window split in many requests spends the refused attempts once.
        """
        from .parse import parse_metrics

        size = len(query.symbols)
        if self._refused is not None and size >= self._refused > 1:
            note = (
                f"asked {', '.join(query.symbols)} in halves: Artemis refused a batch of "
                f"{self._refused} symbols earlier (a smaller batch_size= avoids it)"
            )
            return (yield from self._halves(query, note))
        request = ep.metrics_request(query, legacy_paths=self._legacy_paths)
        try:
            response = yield from self._transport.fetch(request)
        except ServerError as exc:
            if size < 2:
                raise
            self._refused = size if self._refused is None else min(self._refused, size)
            note = (
                f"Artemis answered HTTP {exc.status} to a batch of {size} symbols "
                f"({', '.join(query.symbols)}); asked again in halves (a smaller batch_size= "
                "avoids it)"
            )
            return (yield from self._halves(query, note))
        return parse_metrics(response, query, entities=self._entities)

    def _halves(self, query: MetricsQuery, note: str) -> Flow[Table]:
        half = len(query.symbols) // 2
        parts = []
        for symbols in (query.symbols[:half], query.symbols[half:]):
            parts.append((yield from self._query(attrs.evolve(query, symbols=symbols))))
        return Table.concat(Kind.METRIC, parts, [note])

    def _supported(self, symbol: str) -> Flow[list[SupportedMetric]]:
        if not isinstance(symbol, str):
            raise ValidationError(f"symbol must be one Artemis symbol (a str), got {symbol!r}")
        (wanted,) = ep.validate_symbols(symbol)
        return self._supported_flow(wanted)

    def _supported_flow(self, symbol: str) -> Flow[list[SupportedMetric]]:
        from .parse import parse_supported

        response = yield from self._transport.fetch(ep.supported_metrics_request(symbol))
        return parse_supported(response.body)

    def _assets(self) -> Flow[list[ArtemisAsset]]:
        from .parse import parse_assets

        response = yield from self._transport.fetch(ep.asset_request())
        return parse_assets(response.body)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(api_key=Secret('********'), base_url={self.base_url!r}, "
            f"batch_size={self._batch_size}, limiter={self._limiter!r})"
        )


class Artemis(_ArtemisBase):
    """Blocking client for the Artemis data API: daily metrics of chains, protocols and assets.

    Rows are the canonical `metric` kind: `provider_id` is Artemis' symbol (`sol`), `entity`
    its canonical id (`solana`), `metric` the canonical name (`price`, `fees_24h`) or Artemis'
    own in snake case. Every request is charged to a rate limiter (30 calls a minute by
    default; pass one `limiter` to clients sharing a key) and retried on 429/5xx/timeouts.

    Args:
        api_key: Artemis API key; defaults to the `ARTEMIS_API_KEY` environment variable. It
            travels in the query (`APIKey`) and is redacted from every URL, log and error.
        limiter: Rate limiter; a 30-per-60-s sliding window by default.
        retry: Retry policy; see `RetryPolicy`.
        clock: Time source (tests pass a `ManualClock`).
        base_url: API root; `ARTEMIS_BASE_URL`, else `https://data-svc.artemisxyz.com`
            (the official SDK's). The older host is `https://api.artemisxyz.com`.
        legacy_paths: Ask metrics at `/data/{METRICS}/` (the older host's path) instead of
            `/data/api/{METRICS}/`.
        timeout: Seconds per request before it is abandoned and retried.
        batch_size: Symbols per request (1 to 100; 5 by default: big batches are answered
            with HTTP 500). A refused batch is asked again in halves, and so, unasked, is
            every later batch at least as big.
        max_points_per_request: Days per request before a window is split (1 to 1,000,
            Artemis' `limit`).
        entities: The entity master naming `entity`; the shipped one by default.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Raises:
        ValidationError: If no API key is given or set, the key holds a control or non-ASCII
            character, or a setting is out of range.

    Examples:
        >>> ar = Artemis()                                                   # doctest: +SKIP
        >>> ar.metrics(["price", "fees"], symbols=["sol", "eth"],
        ...            start="2024-01-01", end="2024-02-01").to_polars()     # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        legacy_paths: bool = False,
        timeout: float = 60.0,
        batch_size: int = ep.DEFAULT_BATCH_SIZE,
        max_points_per_request: int = ep.MAX_POINTS,
        entities: EntityMaster | None = None,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            legacy_paths=legacy_paths,
            timeout=timeout,
            batch_size=batch_size,
            max_points_per_request=max_points_per_request,
            entities=entities,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def metrics(
        self,
        metrics: Names,
        *,
        symbols: Names,
        start: TimeInput,
        end: TimeInput | None = None,
        interval: IntervalInput = "1d",
    ) -> Table[Metric]:
        """Daily values of `metrics` for `symbols` over `[start, end)`.

        Args:
            metrics: Canonical names (`price`, `fees_24h`) or Artemis' own (`PRICE`, `FEES`,
                `DAILY_TXNS`), in any case.
            symbols: Artemis symbols (lower-case tickers: `sol`, `eth`; see `assets()`).
            start: Start of the window (inclusive): the first day is the first 00:00 UTC at
                or after it.
            end: End of the window (exclusive); defaults to now. Artemis' `endDate` is
                inclusive, so the day before `end`'s day start is sent.
            interval: `1d` (Artemis' `DAY`), the only one offered.

        Returns:
            A table of kind `metric`, with a warning for each series Artemis answered with a
            message instead of values, each it left out, a batch it refused (asked again in
            halves) and an answer with no series at all (an unknown metric name).

        Raises:
            ValidationError: Bad arguments, before any request.
            AuthenticationError: A bad key (401/403, or a message about the key in a 200).
        """
        return self._transport.run(self._metrics(metrics, symbols, start, end, interval))

    def supported_metrics(self, symbol: str) -> list[SupportedMetric]:
        """The metrics Artemis offers for one symbol: name, label, description, unit, ..."""
        return self._transport.run(self._supported(symbol))

    def assets(self) -> list[ArtemisAsset]:
        """Every asset Artemis covers: `artemis_id`, `symbol`, `title`, `coingecko_id`."""
        return self._transport.run(self._assets())

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns of each metric series symbol, without I/O."""
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Any]:
        """The rows of one step of `Artemis.history_steps`: one request (more only when a
        refused batch is asked again in halves)."""
        return self._transport.run(self._fetch(step))

    def markets(self) -> Table[Market]:
        """An empty `markets` table: Artemis has no markets."""
        return Table.empty(Kind.MARKETS)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncArtemis(_ArtemisBase):
    """The asyncio twin of `Artemis`: same arguments, same results.

    Examples:
        >>> async with AsyncArtemis() as ar:                                 # doctest: +SKIP
        ...     t = await ar.metrics("price", symbols="sol", start="2024-01-01")
    """

    _transport: AsyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        legacy_paths: bool = False,
        timeout: float = 60.0,
        batch_size: int = ep.DEFAULT_BATCH_SIZE,
        max_points_per_request: int = ep.MAX_POINTS,
        entities: EntityMaster | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            legacy_paths=legacy_paths,
            timeout=timeout,
            batch_size=batch_size,
            max_points_per_request=max_points_per_request,
            entities=entities,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def metrics(
        self,
        metrics: Names,
        *,
        symbols: Names,
        start: TimeInput,
        end: TimeInput | None = None,
        interval: IntervalInput = "1d",
    ) -> Table[Metric]:
        """See `Artemis.metrics`."""
        return await self._transport.run(self._metrics(metrics, symbols, start, end, interval))

    async def supported_metrics(self, symbol: str) -> list[SupportedMetric]:
        """See `Artemis.supported_metrics`."""
        return await self._transport.run(self._supported(symbol))

    async def assets(self) -> list[ArtemisAsset]:
        """See `Artemis.assets`."""
        return await self._transport.run(self._assets())

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `Artemis.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Any]:
        """See `Artemis.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def markets(self) -> Table[Market]:
        """See `Artemis.markets`."""
        return Table.empty(Kind.MARKETS)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
