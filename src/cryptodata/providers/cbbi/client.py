"""`Cbbi` and `AsyncCbbi`: thin shells over one set of sans-I/O flows.

Each public method validates its arguments (raising before any request), then hands a flow
(see `cryptodata.core.transport`) to its transport. Every operation reads the one data file
through the same flow: a conditional GET (`cache.py`), answered `304 Not Modified` with no
body when the file has not changed since the client's last download.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Self

import attrs
import httpx

from cryptodata.core._args import names
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.metric_names import split_metric_symbol
from cryptodata.core.records import Market, Metric
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport

from . import endpoints as ep
from .cache import FileCache
from .coverage import coverage
from .metrics import PROVIDER_ID
from .parse import Points, metric_rows, parse_file

__all__ = ["AsyncCbbi", "Cbbi"]

Names = str | Sequence[str]

_BASE_URL_VARIABLE: Final = "CBBI_BASE_URL"
_METRIC = re.compile(r"[a-z0-9][a-z0-9_]*")


class _CbbiBase:
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
        cache_dir: str | os.PathLike[str] | None = None,
        entities: EntityMaster | None = None,
    ) -> None:
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(
            ep.CALLS_PER_MINUTE, 60.0, clock=self._clock
        )
        master = entities if entities is not None else EntityMaster.default()
        self._entity = master.canonical(ep.PROVIDER, PROVIDER_ID)
        root = base_url or os.environ.get(_BASE_URL_VARIABLE) or ep.BASE_URL
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": root,
            "limiter": self._limiter,
            "retry": retry,
            "clock": self._clock,
            "timeout": timeout,
            "headers": ep.HEADERS,
        }
        self._cache = FileCache(root.rstrip("/") + ep.PATH, cache_dir)
        # The file parsed once per download: a backfill's steps read one body many times.
        self._parsed: tuple[bytes, Points] | None = None

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
        """The root the data file is read from."""
        return self._transport.base_url

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received (none for
        a `304`)."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What CBBI offers, without I/O: daily `metric` series of bitcoin.

        Examples:
            >>> Cbbi().coverage().check("metric", "1d").metrics[:2]
            ('cbbi_confidence', 'cbbi_pi_cycle')
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
        """The one request of `[start, end)` of every series asked, without network.

        Symbols name series as `"<metric>@bitcoin"` (`cbbi_confidence@bitcoin`,
        `price@bitcoin`, or an unmapped component in snake case). The one file holds every
        series, so one step asks for all of them; it costs one call.

        Raises:
            UnsupportedError: For a kind or interval CBBI does not offer.
            ValidationError: For a symbol about anything but bitcoin, or other bad arguments.

        Examples:
            >>> [step.symbols for step in Cbbi().history_steps(
            ...     "metric", ["cbbi_confidence@bitcoin", "cbbi_mvrv@bitcoin"], interval="1d",
            ...     start="2024-01-01", end="2024-02-01")]
            [('cbbi_confidence@bitcoin', 'cbbi_mvrv@bitcoin')]
        """
        self._check(kind, interval)
        wanted = self._symbols(symbols)
        lo, hi = self._window(start, end)
        return [Step(Kind.METRIC, Interval.D1, tuple(wanted), lo, hi)]

    def _check(self, kind: Kind | str, interval: IntervalInput) -> None:
        try:
            wanted = Kind(kind)
        except ValueError:
            raise ValidationError(f"unknown kind {kind!r}; CBBI offers metric") from None
        coverage().check(wanted, interval)

    @staticmethod
    def _symbols(symbols: Names) -> dict[str, str]:
        """The metric of each symbol, in order, each once."""
        found: dict[str, str] = {}
        for given in names("symbols", symbols):
            provider_id, metric = split_metric_symbol(given)
            if provider_id != PROVIDER_ID or not _METRIC.fullmatch(metric):
                raise ValidationError(
                    f"CBBI's series are '<metric>@{PROVIDER_ID}' with a snake-case metric "
                    f"(e.g. 'cbbi_confidence@{PROVIDER_ID}'), got {given!r}"
                )
            found[given] = metric
        return found

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
                "metric": metric,
                "interval": Interval.D1.value,
            }
            for given, metric in self._symbols(symbols).items()
        }

    def _points(self) -> Flow[Points]:
        """The data file, downloaded only if it changed since the last download."""
        response = yield from self._transport.fetch(ep.file_request(self._cache.conditions()))
        body = self._cache.body(response)
        if self._parsed is None or self._parsed[0] is not body:
            # After a 304 the kept body is the file an error about it must show.
            self._parsed = (body, parse_file(attrs.evolve(response, body=body)))
        return self._parsed[1]

    def _rows(
        self,
        start: datetime,
        end: datetime,
        metrics: Collection[str] | None = None,
        *,
        newest: bool = False,
    ) -> Flow[Table[Metric]]:
        points = yield from self._points()
        return metric_rows(
            points,
            entity=self._entity,
            start=start,
            end=end,
            now=self._now(),
            metrics=metrics,
            newest=newest,
        )

    def _fetch(self, step: Step) -> Flow[Table[Metric]]:
        self._check(step.kind, step.interval)
        wanted = self._symbols(step.symbols)
        return self._rows(step.start, step.end, set(wanted.values()))

    def _history(self, start: TimeInput, end: TimeInput | None) -> Flow[Table[Metric]]:
        lo, hi = self._window(start, end)
        return self._rows(lo, hi)

    def _latest(self) -> Flow[Table[Metric]]:
        return self._rows(ep.EARLIEST, self._now() + timedelta(days=1), newest=True)


class Cbbi(_CbbiBase):
    """CBBI, the ColinTalksCrypto Bitcoin Bull Run Index (no key): daily series of bitcoin.

    Every component of the data file is a `metric` row of provider id `bitcoin` (entity
    `bitcoin`): `cbbi_confidence` and each component as a fraction 0 to 1 (the site shows
    them times 100), `price` in dollars, and any component without a mapping in snake case
    (see `cryptodata.providers.cbbi.metrics`).

    Args:
        limiter: Rate limiter; 10 calls a minute by default (none is documented).
        retry: Retry policy for transient failures.
        clock: Time source (default window ends, the still-open day, limits, retries).
        base_url: Another root for the file (a mirror; `CBBI_BASE_URL` too).
        timeout: Seconds per request before it is abandoned and retried (the file takes
            3-4 s).
        cache_dir: A directory keeping the last download and its validators across
            processes; the copy is kept in memory only by default.
        entities: The entity master naming `entity`; the shipped one by default.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Examples:
        >>> cb = Cbbi(cache_dir="~/.cache/cryptodata/cbbi")                  # doctest: +SKIP
        >>> cb.history(start="2024-01-01").to_polars()                       # doctest: +SKIP
        >>> cb.latest().to_polars()  # a 304: nothing downloaded again      # doctest: +SKIP
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
        cache_dir: str | os.PathLike[str] | None = None,
        entities: EntityMaster | None = None,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            cache_dir=cache_dir,
            entities=entities,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def history(
        self, *, start: TimeInput = "2011-06-27", end: TimeInput | None = None
    ) -> Table[Metric]:
        """Every series over `[start, end)`: one conditional request of the whole file.

        Args:
            start: Start of the window (inclusive); the first day (2011-06-27) by default.
            end: End of the window (exclusive); defaults to now.

        Returns:
            A `metric` table sorted by metric and day; the newest day, while not over, is
            kept at its 00:00 UTC bucket with a warning (the next run replaces it).

        Raises:
            ValidationError: Bad arguments, before any request.
            ResponseFormatError: A file whose keys are no seconds or values no numbers.
        """
        return self._transport.run(self._history(start, end))

    def latest(self) -> Table[Metric]:
        """Each series' newest point (components may end a day apart): one row each."""
        return self._transport.run(self._latest())

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns of each metric series symbol, without I/O."""
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Metric]:
        """The rows of one step of `Cbbi.history_steps`: one (conditional) request."""
        return self._transport.run(self._fetch(step))

    def markets(self) -> Table[Market]:
        """An empty `markets` table: CBBI has no markets."""
        return Table.empty(Kind.MARKETS)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCbbi(_CbbiBase):
    """The asyncio twin of `Cbbi`: same arguments, same results.

    Examples:
        >>> async with AsyncCbbi() as cb:                                    # doctest: +SKIP
        ...     table = await cb.latest()
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
        cache_dir: str | os.PathLike[str] | None = None,
        entities: EntityMaster | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            cache_dir=cache_dir,
            entities=entities,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def history(
        self, *, start: TimeInput = "2011-06-27", end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `Cbbi.history`."""
        return await self._transport.run(self._history(start, end))

    async def latest(self) -> Table[Metric]:
        """See `Cbbi.latest`."""
        return await self._transport.run(self._latest())

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `Cbbi.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Metric]:
        """See `Cbbi.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def markets(self) -> Table[Market]:
        """See `Cbbi.markets`."""
        return Table.empty(Kind.MARKETS)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
