"""`BlockchainInfo` and `AsyncBlockchainInfo`: thin shells over one set of sans-I/O operations.

Each public method validates its arguments (raising before any request), then hands a *flow*
(see `cryptodata.core.transport`) to its transport. Planning and parsing live in
`_BlockchainInfoBase` and are shared by both clients.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Self

import httpx

from cryptodata.core._args import names
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import UnsupportedError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.records import Market, Metric
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport

from . import endpoints as ep
from .coverage import coverage
from .endpoints import ChartQuery
from .metrics import CHARTS, BlockchainChart, resolve_chart
from .parse import BlockchainStats

__all__ = ["AsyncBlockchainInfo", "BlockchainInfo"]

Names = str | Sequence[str]


class _BlockchainInfoBase:
    """Configuration and every operation as a flow; I/O is the subclass's."""

    provider = ep.PROVIDER
    _transport: Transport

    def __init__(
        self,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        entities: EntityMaster | None = None,
    ) -> None:
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(ep.CALLS, ep.PER_SECONDS, clock=self._clock)
        self._entities = entities if entities is not None else EntityMaster.default()
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": base_url or os.environ.get(ep.BASE_URL_VARIABLE) or ep.BASE_URL,
            "limiter": self._limiter,
            "retry": retry,
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
    def request_stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received (`stats()`
        is the API's snapshot)."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What blockchain.info offers, without I/O: daily and 15-minute `metric` rows.

        Examples:
            >>> BlockchainInfo().coverage().check("metric", "1d").intervals
            (<Interval.M15: '15m'>, <Interval.D1: '1d'>)
        """
        return coverage()

    def charts(self) -> list[BlockchainChart]:
        """The chart catalogue, without I/O: each chart's name, metric, unit, description and
        interval. Only these charts are asked for.

        Examples:
            >>> [(c.name, c.metric, c.unit) for c in BlockchainInfo().charts()][:2]
            [('market-price', 'price', 'usd'), ('market-cap', 'market_cap', 'usd')]
        """
        return list(CHARTS)

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

        Symbols name series as `"<metric>@bitcoin"` (`hash_rate@bitcoin`; an unmapped chart
        by its name in snake case, `n_unique_addresses@bitcoin`). Each chart is one request
        for the whole window (`sampled=false`, `timespan` spanning it), covering the buckets
        that start in `[start, end)`. Every chart of a step must come in `interval`. Each
        step costs one call.

        Raises:
            UnsupportedError: For a kind or interval blockchain.info does not offer, or a
                chart that comes in another interval.
            ValidationError: For other bad arguments.

        Examples:
            >>> steps = BlockchainInfo().history_steps(
            ...     "metric", ["hash_rate@bitcoin", "difficulty@bitcoin"],
            ...     interval="1d", start="2024-01-01", end="2024-02-01")
            >>> [(step.symbols, step.start.day, step.end.month) for step in steps]
            [(('hash_rate@bitcoin',), 1, 2), (('difficulty@bitcoin',), 1, 2)]
        """
        step = self._check(kind, interval)
        charts = self._charts_at(ep.series_of(symbols), step)
        lo, hi = self._window(start, end)
        return [
            Step(Kind.METRIC, step, (query.symbol,), query.start, query.end)
            for query in ep.plan_queries(charts, lo, hi)
        ]

    def _check(self, kind: Kind | str, interval: IntervalInput) -> Interval:
        try:
            wanted = Kind(kind)
        except ValueError:
            raise ValidationError(f"unknown kind {kind!r}; blockchain.info offers metric") from None
        coverage().check(wanted, interval)
        return coverage().interval(interval)

    def _charts_at(
        self, charts: list[BlockchainChart], interval: Interval
    ) -> list[BlockchainChart]:
        for chart in charts:
            if chart.interval is not interval:
                raise UnsupportedError(
                    f"blockchain.info's {chart.name} comes in {chart.interval.value} bars, not "
                    f"{interval.value}: ask {chart.metric}@{ep.PROVIDER_ID} at "
                    f"interval={chart.interval.value!r}",
                    provider=ep.PROVIDER,
                    what=interval.value,
                )
        return charts

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _series(self, kind: Kind | str, symbols: Names, interval: IntervalInput) -> SeriesIds:
        step = self._check(kind, interval)
        found: SeriesIds = {}
        for given in names("symbols", symbols):
            (chart,) = self._charts_at(ep.series_of(given), step)
            found[given] = {
                "provider": ep.PROVIDER,
                "provider_id": ep.PROVIDER_ID,
                "metric": chart.metric,
                "interval": chart.interval.value,
            }
        return found

    def _chart(
        self,
        chart: str,
        start: TimeInput,
        end: TimeInput | None,
        rolling_average: str | None,
    ) -> Flow[Table]:
        if not isinstance(chart, str):
            raise ValidationError(f"chart must be one chart name (a str), got {chart!r}")
        wanted = resolve_chart(chart)
        rolling = ep.rolling_average(rolling_average)
        lo, hi = self._window(start, end)
        return self._run(ep.plan_queries([wanted], lo, hi, rolling=rolling))

    def _run(self, plan: list[ChartQuery]) -> Flow[Table]:
        if not plan:
            return Table.empty(Kind.METRIC, ["the window holds no bucket start of the chart"])
        tables = []
        for query in plan:
            tables.append((yield from self._query(query)))
        return Table.concat(Kind.METRIC, tables)

    def _fetch(self, step: Step) -> Flow[Table]:
        charts = self._charts_at(ep.series_of(step.symbols), self._check(step.kind, step.interval))
        return self._run(ep.plan_queries(charts, step.start, step.end))

    def _query(self, query: ChartQuery) -> Flow[Table]:
        from .parse import parse_chart

        response = yield from self._transport.fetch(ep.chart_request(query))
        return parse_chart(response, query, entities=self._entities, now=self._now())

    def _stats(self) -> Flow[BlockchainStats]:
        from .parse import parse_stats

        response = yield from self._transport.fetch(ep.stats_request())
        return parse_stats(response)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, limiter={self._limiter!r})"


class BlockchainInfo(_BlockchainInfoBase):
    """Blocking client for blockchain.info's Charts and Stats APIs: the bitcoin network.

    Rows are the canonical `metric` kind with `provider_id` `bitcoin` (entity `bitcoin`):
    `metric` is the canonical name (`hash_rate`, `transaction_count`) or the chart's name in
    snake case. No key is needed. Every request is charged to a rate limiter (one call every
    10 seconds by default; pass one `limiter` to clients sharing an address) and retried on
    429/5xx/timeouts.

    Args:
        limiter: Rate limiter; one call per 10 s sliding window by default.
        retry: Retry policy; see `RetryPolicy`.
        clock: Time source (tests pass a `ManualClock`).
        base_url: API root; `BLOCKCHAININFO_BASE_URL`, else `https://api.blockchain.info`.
        timeout: Seconds per request before it is abandoned and retried.
        entities: The entity master naming `entity`; the shipped one by default.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Examples:
        >>> bc = BlockchainInfo()                                            # doctest: +SKIP
        >>> bc.chart("hash-rate", start="2024-01-01").to_polars()            # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        entities: EntityMaster | None = None,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            entities=entities,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def chart(
        self,
        chart: str,
        *,
        start: TimeInput,
        end: TimeInput | None = None,
        rolling_average: str | None = None,
    ) -> Table[Metric]:
        """The points of one chart over `[start, end)`, at full resolution, in one request.

        Args:
            chart: A chart name (`hash-rate`), its canonical metric (`hash_rate`) or its name
                in snake case; `charts()` lists them.
            start: Start of the window (inclusive): the first bucket is the first day (or
                quarter hour, for 15-minute charts) starting at or after it.
            end: End of the window (exclusive); defaults to now.
            rolling_average: A `rollingAverage` duration (`7days`, `8hours`) to smooth the
                series server-side; the rows' metric is then `<metric>_rolling_<duration>`
                (`hash_rate_rolling_7days`), so smoothed values never pass for raw ones.

        Returns:
            A table of kind `metric` (`interval` `1d`, or `15m` for the mempool and
            transactions-per-second charts), with a warning for negative values (stored as
            null), a unit other than the one a scaled chart expects, a bucket still filling
            and an answer with no points.

        Raises:
            ValidationError: Bad arguments or an unknown chart, before any request.
            ResponseFormatError: An answer whose `period` does not match the chart's interval.
        """
        return self._transport.run(self._chart(chart, start, end, rolling_average))

    def stats(self) -> BlockchainStats:
        """The `/stats` snapshot of the last 24 hours, satoshi fields in BTC, hash rate in
        TH/s; `.to_polars()` gives it as a one-row frame."""
        return self._transport.run(self._stats())

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns of each metric series symbol, without I/O."""
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Any]:
        """The rows of one step of `BlockchainInfo.history_steps`: one request."""
        return self._transport.run(self._fetch(step))

    def markets(self) -> Table[Market]:
        """An empty `markets` table: blockchain.info has no markets."""
        return Table.empty(Kind.MARKETS)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncBlockchainInfo(_BlockchainInfoBase):
    """The asyncio twin of `BlockchainInfo`: same arguments, same results.

    Examples:
        >>> async with AsyncBlockchainInfo() as bc:                          # doctest: +SKIP
        ...     t = await bc.chart("hash-rate", start="2024-01-01")
    """

    _transport: AsyncTransport

    def __init__(
        self,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        entities: EntityMaster | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            entities=entities,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def chart(
        self,
        chart: str,
        *,
        start: TimeInput,
        end: TimeInput | None = None,
        rolling_average: str | None = None,
    ) -> Table[Metric]:
        """See `BlockchainInfo.chart`."""
        return await self._transport.run(self._chart(chart, start, end, rolling_average))

    async def stats(self) -> BlockchainStats:
        """See `BlockchainInfo.stats`."""
        return await self._transport.run(self._stats())

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `BlockchainInfo.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Any]:
        """See `BlockchainInfo.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def markets(self) -> Table[Market]:
        """See `BlockchainInfo.markets`."""
        return Table.empty(Kind.MARKETS)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
