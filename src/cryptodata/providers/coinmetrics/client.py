"""`CoinMetrics` and `AsyncCoinMetrics`: thin shells over one set of sans-I/O operations.

Each public method validates its arguments (raising before any request), then hands a *flow*
(see `cryptodata.core.transport`) to its transport. The flows — planning, paging, splitting
out forbidden metrics, parsing — live in `_CoinMetricsBase` and are shared by both clients.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Self

import attrs
import httpx
import polars as pl

from cryptodata.core._args import names
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import AuthenticationError, ProviderError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.records import Market, Metric
from cryptodata.core.request import Headers, PreparedRequest, Request, Response, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.senders import AsyncHttpxSender, AsyncSender, HttpxSender, Sender
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport

from . import endpoints as ep
from .coverage import COVERAGE
from .endpoints import Forbidden, Grid
from .metrics import canonical_metric, provider_metric

__all__ = ["AsyncCoinMetrics", "CoinMetrics", "ForbiddenMetricsError"]

Names = str | Sequence[str]


class ForbiddenMetricsError(AuthenticationError):
    """Every metric asked for is refused to these credentials (community lacks Pro metrics).

    Raised only when nothing is left: a request with some forbidden metrics returns the others,
    with the forbidden ones named in the table's warnings.

    Attributes:
        refused: `(asset, metric)` pairs Coin Metrics refused, by its names.
    """

    def __init__(self, refused: Sequence[tuple[str, str]], cause: ProviderError) -> None:
        self.refused = tuple(refused)
        super().__init__(
            f"every metric asked for is forbidden with these credentials ({_pairs(refused)}); "
            "community serves a subset: see catalog(), or use a Pro key",
            provider=cause.provider,
            endpoint=cause.endpoint,
            status=cause.status,
            body=cause.body,
        )


def _pairs(pairs: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{metric} of {asset}" for asset, metric in pairs)


@attrs.frozen
class _Answer:
    """What the requests of one grid gave: frames, warnings and the refused pairs."""

    frames: tuple[pl.DataFrame, ...] = ()
    warnings: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()
    error: ProviderError | None = None

    def __add__(self, other: _Answer) -> _Answer:
        return _Answer(
            (*self.frames, *other.frames),
            (*self.warnings, *other.warnings),
            (*self.refused, *other.refused),
            other.error or self.error,
        )


def _reset_as_retry_after(response: Response, now: float) -> Response:
    """A 429 that says when the window resets (`X-RateLimit-Reset`) but not `Retry-After`,
    with `Retry-After` added, so the transport pauses the limiter for that long.

    The reset is read as delta-seconds (draft-polli-ratelimit-headers-03); a value that can
    only be an epoch time (after 2001) is turned into the seconds left.
    """
    headers = response.headers
    if response.status != 429 or "Retry-After" in headers or "X-RateLimit-Reset" not in headers:
        return response
    try:
        reset = float(headers["X-RateLimit-Reset"])
    except ValueError:
        return response
    if not math.isfinite(reset):
        return response
    seconds = reset - now if reset > 1e9 else reset
    wait = str(max(0, math.ceil(seconds)))
    return attrs.evolve(response, headers=Headers([*headers.items(), ("Retry-After", wait)]))


class _ResetSender:
    """Sends through `inner`, reading Coin Metrics' `X-RateLimit-Reset` on a 429."""

    def __init__(self, inner: Sender, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    def send(self, request: PreparedRequest) -> Response:
        """Send `request`; see `Sender.send`."""
        return _reset_as_retry_after(self._inner.send(request), self._clock.time())

    def close(self) -> None:
        """Release connections."""
        self._inner.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _AsyncResetSender:
    """The asyncio twin of `_ResetSender`."""

    def __init__(self, inner: AsyncSender, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    async def send(self, request: PreparedRequest) -> Response:
        """Send `request`; see `AsyncSender.send`."""
        return _reset_as_retry_after(await self._inner.send(request), self._clock.time())

    async def aclose(self) -> None:
        """Release connections."""
        await self._inner.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _without_key(request: Request) -> Request:
    """A next-page request whose URL no longer holds the `api_key` Coin Metrics echoes in it.

    The transport sends the key from its own params, once; the request value (its repr, a
    log of it) then never holds the key in plain text.
    """
    if not request.is_absolute:
        return request
    url = httpx.URL(request.shown_path())
    query = url.params.multi_items()
    kept = [(name, value) for name, value in query if name != ep.API_KEY_PARAM]
    if len(kept) == len(query):
        return request
    return attrs.evolve(request, path=str(url.copy_with(params=kept)))


class _CoinMetricsBase:
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
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(ep.KEY_VARIABLE) or None
        self._pro = key is not None
        params: dict[str, Secret] = {}
        if key is not None:
            name = "api_key" if api_key is not None else ep.KEY_VARIABLE
            params[ep.API_KEY_PARAM] = Secret.credential(key, name=name)
        self._clock: Clock = clock or SystemClock()
        limit, window = ep.PRO_LIMIT if self._pro else ep.COMMUNITY_LIMIT
        self._limiter = limiter or SlidingWindowLimiter(limit, window, clock=self._clock)
        self._entities = EntityMaster.default() if entities is None else entities
        self._refused: dict[tuple[str, str, Interval], ProviderError] = {}
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": base_url or (ep.PRO_URL if self._pro else ep.COMMUNITY_URL),
            "limiter": self._limiter,
            "retry": retry,
            "params": params,
            "clock": self._clock,
            "timeout": timeout,
        }

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter every request of this client is charged to."""
        return self._limiter

    @property
    def clock(self) -> Clock:
        """The time source of limits, retries, default window ends and pipelines."""
        return self._clock

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What Coin Metrics offers, without I/O: `metric` rows at `1m`, `1h` and `1d`.

        Examples:
            >>> CoinMetrics().coverage().supports("metric", "1d")
            True
        """
        return COVERAGE

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Names,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        """The one-request steps of a `metric` history, without network.

        Symbols are `metric_symbol(asset, metric)` (`"active_addresses@btc"`; the metric by
        its canonical name or Coin Metrics' own). Assets asking the same metrics share a
        request (up to 10 assets and 20 metrics), over windows whose rows fit on one page; each
        step costs one request.

        Raises:
            UnsupportedError: For another kind or an interval Coin Metrics lacks.
            ValidationError: For malformed symbols or times.

        Examples:
            >>> steps = CoinMetrics().history_steps("metric", ["price@btc", "TxCnt@btc"],
            ...     interval="1d", start="2024-01-01", end="2024-02-01")
            >>> [(step.symbols, step.cost) for step in steps]
            [(('price@btc', 'TxCnt@btc'), 1)]
        """
        step = self._interval(kind, interval)
        wanted = names("symbols", symbols)
        pairs = ep.series_pairs(wanted)
        lo, hi = self._window(start, end)
        steps = []
        for grid in ep.plan_grids(pairs):
            cells = {(asset, metric) for asset in grid.assets for metric in grid.metrics}
            members = tuple(s for s, pair in zip(wanted, pairs, strict=True) if pair in cells)
            for w_lo, w_hi in ep.windows(grid, step, lo, hi):
                steps.append(Step(Kind.METRIC, step, members, w_lo, w_hi))
        return steps

    def _interval(self, kind: Kind | str, interval: IntervalInput) -> Interval:
        COVERAGE.check(kind, interval)
        return COVERAGE.interval(interval)

    def _series(self, kind: Kind | str, symbols: Names, interval: IntervalInput) -> SeriesIds:
        step = self._interval(kind, interval)
        wanted = names("symbols", symbols)
        return {
            symbol: {
                "provider": ep.PROVIDER,
                "provider_id": asset,
                "metric": canonical_metric(metric),
                "interval": step.value,
            }
            for symbol, (asset, metric) in zip(wanted, ep.series_pairs(wanted), strict=True)
        }

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _asset_metrics(
        self,
        assets: Names,
        metrics: Names,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
    ) -> Flow[Table[Metric]]:
        step = self._interval(Kind.METRIC, interval)
        ids = [ep.check_asset(asset) for asset in names("assets", assets)]
        asked = list(dict.fromkeys(provider_metric(metric) for metric in names("metrics", metrics)))
        lo, hi = self._window(start, end)
        pairs = [(asset, metric) for asset in ids for metric in asked]
        return self._pairs_flow(pairs, step, lo, hi)

    def _fetch(self, step: Step) -> Flow[Table[Metric]]:
        self._interval(step.kind, step.interval)
        return self._pairs_flow(ep.series_pairs(step.symbols), step.interval, step.start, step.end)

    def _pairs_flow(
        self, pairs: list[tuple[str, str]], interval: Interval, start: datetime, end: datetime
    ) -> Flow[Table[Metric]]:
        answer = yield from self._ask(pairs, interval, start, end)
        refused = tuple(dict.fromkeys(answer.refused))
        if answer.error is not None and len(refused) == len(set(pairs)):
            raise ForbiddenMetricsError(refused, answer.error)
        warnings = list(dict.fromkeys(answer.warnings))
        if refused:
            warnings.append(
                f"Coin Metrics refused {_pairs(refused)} to these credentials (forbidden: "
                "community serves a subset, see catalog()); left out, the other metrics are here"
            )
        if not answer.frames:
            return Table.empty(Kind.METRIC, warnings)
        # Exactly the pairs asked: an answer holding other assets' rows (a grid is a cross
        # product; a replay answers its whole recording) does not give them.
        asked = [
            f"{metric}@{asset}" for asset, metric in {(a, canonical_metric(m)) for a, m in pairs}
        ]
        frame = (
            pl.concat(answer.frames)
            .filter(pl.concat_str("metric", pl.lit("@"), "provider_id").is_in(asked))
            .sort("provider_id", "metric", "ts")
        )
        return Table.from_frame(Kind.METRIC, frame, warnings)

    def _ask(
        self, pairs: list[tuple[str, str]], interval: Interval, start: datetime, end: datetime
    ) -> Flow[_Answer]:
        """Every pair's rows over `[start, end)`, grid by grid and window by window.

        A pair refused once is not asked again by this client (its credentials do not
        change): the windows after a refusal are planned anew without it, and so are later
        calls and pipeline steps, which still report it.
        """
        known = [pair for pair in pairs if (*pair, interval) in self._refused]
        answer = _Answer(
            refused=tuple(known), error=self._refused[(*known[0], interval)] if known else None
        )
        for grid in ep.plan_grids([pair for pair in pairs if pair not in known]):
            spans = ep.windows(grid, interval, start, end)
            for index, (lo, hi) in enumerate(spans):
                found = yield from self._grid_flow(grid, interval, lo, hi)
                answer += found
                if found.error is None:
                    continue
                for asset, metric in found.refused:
                    self._refused[(asset, metric, interval)] = found.error
                if index + 1 < len(spans):
                    cells = [(asset, metric) for asset in grid.assets for metric in grid.metrics]
                    answer += yield from self._ask(cells, interval, hi, end)
                break
        return answer

    def _grid_flow(
        self, grid: Grid, interval: Interval, start: datetime, end: datetime
    ) -> Flow[_Answer]:
        """One grid's rows; a forbidden answer splits the refused pair out and asks again."""
        from .parse import metric_frame, rows_of

        request = ep.asset_metrics_request(grid, interval, start, end)
        try:
            pages = yield from ep.PAGINATOR.pages(self._page, request)
        except ProviderError as exc:
            refused = ep.forbidden_in(exc)
            if refused is None:
                raise
            answer = _Answer(error=exc)
            for part, cell in _split(grid, refused):
                if cell is not None:
                    answer += _Answer(refused=(cell,), error=exc)
                if part is not None:
                    answer += yield from self._grid_flow(part, interval, start, end)
            return answer
        frame, warnings = metric_frame(
            rows_of(pages.responses),
            grid,
            interval,
            start,
            end,
            self._entities,
            endpoint=request.label,
        )
        return _Answer((frame,), tuple(warnings))

    def _page(self, request: Request) -> Flow[Response]:
        return self._transport.fetch(_without_key(request))

    def _catalog(self, assets: Names) -> Flow[pl.DataFrame]:
        ids = [ep.check_asset(asset) for asset in names("assets", assets)]
        return self._catalog_flow(ids)

    def _catalog_flow(self, assets: list[str]) -> Flow[pl.DataFrame]:
        from .parse import catalog_frame

        pages = yield from ep.PAGINATOR.pages(self._page, ep.catalog_request(assets))
        return catalog_frame(pages.responses)

    def __repr__(self) -> str:
        tier = "api_key=Secret('********')" if self._pro else "community"
        return f"{type(self).__name__}({tier}, limiter={self._limiter!r})"


def _split(grid: Grid, refused: Forbidden) -> list[tuple[Grid | None, tuple[str, str] | None]]:
    """How to ask again after `refused`: smaller grids, and the pair found refused (if known).

    The refused metric and asset come from the message, or from the grid when it holds only
    one. With the pair known, every asset is asked again for the other metrics, and the other
    assets for the refused metric alone (a tier-wide refusal then costs one request per
    asset, not two). A message that names neither halves the grid instead, so any refusal is
    found in a few requests.
    """
    metric = refused.metric if refused.metric in grid.metrics else None
    asset = refused.asset if refused.asset in grid.assets else None
    if metric is None and len(grid.metrics) == 1:
        metric = grid.metrics[0]
    if asset is None and len(grid.assets) == 1:
        asset = grid.assets[0]
    if metric is not None and asset is not None:
        others = tuple(a for a in grid.assets if a != asset)
        rest = tuple(m for m in grid.metrics if m != metric)
        return [
            (Grid(grid.assets, rest) if rest else None, (asset, metric)),
            (Grid(others, (metric,)) if others else None, None),
        ]
    if metric is None:
        half = len(grid.metrics) // 2
        halves = [Grid(grid.assets, grid.metrics[:half]), Grid(grid.assets, grid.metrics[half:])]
    else:
        half = len(grid.assets) // 2
        halves = [Grid(grid.assets[:half], grid.metrics), Grid(grid.assets[half:], grid.metrics)]
    return [(part, None) for part in halves]


class CoinMetrics(_CoinMetricsBase):
    """Blocking client for the Coin Metrics API v4: asset metrics and their catalogue.

    Without a key it asks the community API (free, CC BY-NC 4.0: non-commercial use), limited
    to 10 requests per 6 s per IP; with a Pro key, `api.coinmetrics.io` (6,000 per 20 s), the
    key sent as the `api_key` query parameter and shown as `***` everywhere else. Pass the
    same `limiter` to several clients that share an IP or a key.

    Args:
        api_key: Coin Metrics Pro key; defaults to the `COINMETRICS_API_KEY` environment
            variable, else none (community).
        limiter: Rate limiter; the tier's sliding window by default.
        retry: Retry policy; see `RetryPolicy`.
        clock: Time source (tests pass a `ManualClock`).
        base_url: API root; the tier's host by default.
        timeout: Seconds per request before it is abandoned and retried.
        entities: The entity master naming each asset's canonical `entity`; the shipped one
            by default.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Raises:
        ValidationError: For a key holding a control or non-ASCII character (the message gives
            its position, never the key), or a bad setting.

    Examples:
        >>> from cryptodata import CoinMetrics
        >>> cm = CoinMetrics()                                          # doctest: +SKIP
        >>> cm.asset_metrics(["btc"], ["AdrActCnt", "price"], interval="1d",
        ...                  start="2024-01-01", end="2024-02-01")      # doctest: +SKIP
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
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            entities=entities,
        )
        self._transport = SyncTransport(
            **self._transport_options,
            sender=_ResetSender(HttpxSender(http_transport, timeout=timeout), self._clock),
        )

    def asset_metrics(
        self,
        assets: Names,
        metrics: Names,
        *,
        interval: IntervalInput = "1d",
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[Metric]:
        """Asset metrics over `[start, end)` as `metric` rows, one per asset, metric and bar.

        Args:
            assets: Coin Metrics asset ids (`"btc"`, `["btc", "eth"]`).
            metrics: Canonical names (`"active_addresses"`) or Coin Metrics' own
                (`"AdrActCnt"`); unmapped ones keep their name in snake case.
            interval: `1d` (community's staple), `1h` or `1m` where the tier has them.
            start: Start of the window (inclusive); naive times are UTC.
            end: End of the window (exclusive); defaults to now.

        Returns:
            A table of kind `metric`. Its warnings name metrics Coin Metrics refused to these
            credentials (the others are still there), metrics an asset lacks and assets that
            answered nothing.

        Raises:
            ValidationError: Bad arguments, before any request.
            ForbiddenMetricsError: When every metric asked for is refused.
        """
        return self._transport.run(self._asset_metrics(assets, metrics, interval, start, end))

    def catalog(self, assets: Names) -> pl.DataFrame:
        """The metrics each asset has per frequency, with their first and last time.

        Columns: `asset`, `metric` (Coin Metrics' name), `canonical` (the `metric` column its
        rows carry), `unit`, `frequency`, `interval` (canonical, null for `1b`, `1s`,
        `1d-ny-close`), `min_time`, `max_time`. What it lists is what these credentials
        may ask for.
        """
        return self._transport.run(self._catalog(assets))

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns each metric symbol's rows carry (no request).

        Raises:
            ValidationError: Malformed symbols, another kind or interval.
        """
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Metric]:
        """The rows of one step of `CoinMetrics.history_steps`: one request (more only to page
        or to split out a forbidden metric)."""
        return self._transport.run(self._fetch(step))

    def markets(self) -> Table[Market]:
        """An empty `markets` table: Coin Metrics is a research source here, without markets."""
        return Table.empty(Kind.MARKETS)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCoinMetrics(_CoinMetricsBase):
    """The asyncio twin of `CoinMetrics`: same arguments, same results.

    Examples:
        >>> async with AsyncCoinMetrics() as cm:                      # doctest: +SKIP
        ...     t = await cm.asset_metrics("btc", "price", start="2024-01-01")
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
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            base_url=base_url,
            timeout=timeout,
            entities=entities,
        )
        self._transport = AsyncTransport(
            **self._transport_options,
            sender=_AsyncResetSender(
                AsyncHttpxSender(http_transport, timeout=timeout), self._clock
            ),
        )

    async def asset_metrics(
        self,
        assets: Names,
        metrics: Names,
        *,
        interval: IntervalInput = "1d",
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[Metric]:
        """See `CoinMetrics.asset_metrics`."""
        return await self._transport.run(self._asset_metrics(assets, metrics, interval, start, end))

    async def catalog(self, assets: Names) -> pl.DataFrame:
        """See `CoinMetrics.catalog`."""
        return await self._transport.run(self._catalog(assets))

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `CoinMetrics.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Metric]:
        """See `CoinMetrics.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def markets(self) -> Table[Market]:
        """See `CoinMetrics.markets`."""
        return Table.empty(Kind.MARKETS)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
