"""`FearGreed` and `AsyncFearGreed`: thin shells over one set of sans-I/O flows.

Each public method validates its arguments (raising before any request), then hands a flow
(see `cryptodata.core.transport`) to its transport. `history` plans the same one-request
`Step` that pipelines run (`history_steps`) and runs it with `fetch`'s flow.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Self

import httpx
import polars as pl

from cryptodata.core._args import names
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.metric_names import metric_symbol, split_metric_symbol
from cryptodata.core.records import Market, Metric
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport

from . import endpoints as ep
from .coverage import coverage
from .metrics import FEAR_GREED, PROVIDER_ID
from .parse import Readings, metric_table, readings

__all__ = ["AsyncFearGreed", "FearGreed"]

Names = str | Sequence[str]

SYMBOL: Final = metric_symbol(PROVIDER_ID, FEAR_GREED.name)
"""The one series' symbol: `fear_greed@crypto-market`."""
_BASE_URL_VARIABLE: Final = "FEARGREED_BASE_URL"
_LATEST: Final = 1


class _FearGreedBase:
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
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
    ) -> None:
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(
            ep.CALLS_PER_MINUTE, 60.0, clock=self._clock
        )
        master = entities if entities is not None else EntityMaster.default()
        self._entity = master.canonical(ep.PROVIDER, PROVIDER_ID)
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": base_url or os.environ.get(_BASE_URL_VARIABLE) or ep.BASE_URL,
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
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What Fear & Greed offers, without I/O: one daily `metric` series.

        Examples:
            >>> FearGreed().coverage().check("metric", "1d").metrics
            ('fear_greed',)
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
        """The one request of the index's history over `[start, end)`, without network.

        The one series is `fear_greed@crypto-market`. The step asks for the newest days back
        to `start` (`limit`; the whole history, `limit=0`, from 2018-02-01 on) and costs
        one call.

        Raises:
            UnsupportedError: For a kind or interval Fear & Greed does not offer.
            ValidationError: For another symbol, or other bad arguments.

        Examples:
            >>> [step.symbols for step in FearGreed().history_steps(
            ...     "metric", "fear_greed@crypto-market", interval="1d", start="2024-01-01",
            ...     end="2024-02-01")]
            [('fear_greed@crypto-market',)]
        """
        self._check(kind, interval)
        wanted = self._symbols(symbols)
        lo, hi = self._window(start, end)
        return [Step(Kind.METRIC, Interval.D1, wanted, lo, hi)]

    def _check(self, kind: Kind | str, interval: IntervalInput) -> None:
        try:
            wanted = Kind(kind)
        except ValueError:
            raise ValidationError(f"unknown kind {kind!r}; Fear & Greed offers metric") from None
        coverage().check(wanted, interval)

    @staticmethod
    def _symbols(symbols: Names) -> tuple[str, ...]:
        found = names("symbols", symbols)
        for given in found:
            provider_id, metric = split_metric_symbol(given)
            if (provider_id, metric) != (PROVIDER_ID, FEAR_GREED.name):
                raise ValidationError(f"Fear & Greed has one series, {SYMBOL!r}; got {given!r}")
        return tuple(dict.fromkeys(found))

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _series(self, kind: Kind | str, symbols: Names, interval: IntervalInput) -> SeriesIds:
        self._check(kind, interval)
        return {
            given: {
                "provider": ep.PROVIDER,
                "provider_id": PROVIDER_ID,
                "metric": FEAR_GREED.name,
                "interval": Interval.D1.value,
            }
            for given in self._symbols(symbols)
        }

    def _readings(self, start: datetime, end: datetime) -> Flow[Readings]:
        now = self._now()
        request = ep.index_request(ep.history_limit(start, now))
        return readings((yield from self._transport.fetch(request)), start=start, end=end, now=now)

    def _fetch(self, step: Step) -> Flow[Table[Metric]]:
        self._check(step.kind, step.interval)
        self._symbols(step.symbols)
        found = yield from self._readings(step.start, step.end)
        return metric_table(found, entity=self._entity)

    def _history(self, start: TimeInput, end: TimeInput | None) -> Flow[Table[Metric]]:
        (step,) = self.history_steps("metric", SYMBOL, interval="1d", start=start, end=end)
        return self._fetch(step)

    def _frame(self, start: TimeInput, end: TimeInput | None) -> Flow[pl.DataFrame]:
        lo, hi = self._window(start, end)
        return (yield from self._readings(lo, hi)).frame

    def _latest(self) -> Flow[Table[Metric]]:
        now = self._now()
        answer = yield from self._transport.fetch(ep.index_request(_LATEST))
        found = readings(answer, start=ep.EARLIEST, end=now + timedelta(days=1), now=now)
        # `limit=1` answers one entry; an answer holding more (a replay, a proxy) still
        # gives only the newest.
        newest = Readings(found.frame.tail(_LATEST), found.warnings)
        return metric_table(newest, entity=self._entity)


class FearGreed(_FearGreedBase):
    """The Crypto Fear & Greed Index of alternative.me (no key): one value a day, 0 to 100.

    Rows are `metric` rows: metric `fear_greed`, unit `index`, provider id `crypto-market`
    (entity `crypto-market`: the index measures the market, no one asset). The band's name
    (`Extreme Fear` ... `Extreme Greed`) is text, so it is not a metric: `history_frame`
    gives it beside each value.

    Args:
        limiter: Rate limiter; 60 calls a minute by default (alternative.me's limit).
        retry: Retry policy for transient failures.
        clock: Time source (default window ends, the still-open day, limits, retries).
        base_url: Another API root (a proxy; `FEARGREED_BASE_URL` too).
        timeout: Seconds per request before it is abandoned and retried.
        entities: The entity master naming `entity`; the shipped one by default.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Examples:
        >>> fg = FearGreed()                                                 # doctest: +SKIP
        >>> fg.history(start="2024-01-01").to_polars()                       # doctest: +SKIP
        >>> fg.latest().to_records()[0].value                                # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
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

    def history(
        self, *, start: TimeInput = "2018-02-01", end: TimeInput | None = None
    ) -> Table[Metric]:
        """The daily index over `[start, end)`, in one request.

        Args:
            start: Start of the window (inclusive); the first day (2018-02-01) by default,
                which asks for the whole history (`limit=0`).
            end: End of the window (exclusive); defaults to now.

        Returns:
            A `metric` table, ascending; today's value, the day so far, is kept at its
            00:00 UTC bucket with a warning (the next run replaces it).

        Raises:
            ValidationError: Bad arguments, before any request.
            ProviderError: An error in `metadata.error` (HTTP 200) or an error status.
        """
        return self._transport.run(self._history(start, end))

    def history_frame(
        self, *, start: TimeInput = "2018-02-01", end: TimeInput | None = None
    ) -> pl.DataFrame:
        """The daily index over `[start, end)` with its band: `ts`, `value`, `classification`.

        `classification` is alternative.me's `value_classification`, as sent (`Extreme Fear`,
        `Fear`, `Neutral`, `Greed`, `Extreme Greed`); null where an entry lacks it.
        """
        return self._transport.run(self._frame(start, end))

    def latest(self) -> Table[Metric]:
        """The newest value (`limit=1`): one row, flagged while its day is still open."""
        return self._transport.run(self._latest())

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns of `fear_greed@crypto-market`, without I/O."""
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Metric]:
        """The rows of one step of `FearGreed.history_steps`: one request."""
        return self._transport.run(self._fetch(step))

    def markets(self) -> Table[Market]:
        """An empty `markets` table: the index has no markets."""
        return Table.empty(Kind.MARKETS)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncFearGreed(_FearGreedBase):
    """The asyncio twin of `FearGreed`: same arguments, same results.

    Examples:
        >>> async with AsyncFearGreed() as fg:                               # doctest: +SKIP
        ...     table = await fg.latest()
    """

    _transport: AsyncTransport

    def __init__(
        self,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
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

    async def history(
        self, *, start: TimeInput = "2018-02-01", end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `FearGreed.history`."""
        return await self._transport.run(self._history(start, end))

    async def history_frame(
        self, *, start: TimeInput = "2018-02-01", end: TimeInput | None = None
    ) -> pl.DataFrame:
        """See `FearGreed.history_frame`."""
        return await self._transport.run(self._frame(start, end))

    async def latest(self) -> Table[Metric]:
        """See `FearGreed.latest`."""
        return await self._transport.run(self._latest())

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `FearGreed.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Metric]:
        """See `FearGreed.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def markets(self) -> Table[Market]:
        """See `FearGreed.markets`."""
        return Table.empty(Kind.MARKETS)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
