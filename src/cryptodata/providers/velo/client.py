"""`Velo` and `AsyncVelo`: thin shells over one set of sans-I/O operations.

Each public method validates its arguments (raising before any request), then hands a *flow*
(see `cryptodata.core.transport`) to its transport; the flows (planning under the value cap,
CSV parsing, resampling, `metric` rows) live in `_VeloBase` and are shared by both clients.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Self

import httpx
import polars as pl

from cryptodata.core._args import names
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.records import Market, Metric
from cryptodata.core.request import Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, from_ms, time_range, to_ms
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport

from . import endpoints as ep
from .coverage import coverage
from .endpoints import ProductType
from .metrics import canonical_metric
from .planner import Plan, RowsRequest, Want, grids, plan
from .selection import Cell, cell_symbol, series_of, want_of

__all__ = ["AsyncVelo", "Velo"]

Names = str | Sequence[str]


class _VeloBase:
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
        base_url: str = ep.BASE_URL,
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        product_type: ProductType = "futures",
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("VELO_API_KEY", "")
        if not key:
            raise ValidationError(
                "no Velo API key: pass api_key=... or set VELO_API_KEY (a paid Velo Data API key)"
            )
        # The key, its Basic token and the header stay alive on the client, so that none of
        # them can show in any text the library writes (live secrets are redacted).
        self._key = Secret.credential(
            key, name="api_key" if api_key is not None else "VELO_API_KEY"
        )
        self._token = ep.basic_token(self._key)
        self._authorization = ep.authorization(self._token)
        self._product_type = ep.check_type(product_type)
        self._clock: Clock = clock or SystemClock()
        self._limiter = limiter or SlidingWindowLimiter(ep.CALLS, ep.PER_SECONDS, clock=self._clock)
        self._entities = entities or EntityMaster.default()
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": base_url,
            "limiter": self._limiter,
            "retry": retry,
            "headers": {"Accept": "text/csv"},
            "secret_headers": {"Authorization": self._authorization},
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
    def product_type(self) -> ProductType:
        """The product type (`futures`, `spot`, `options`) pipelines' symbols are asked as."""
        return self._product_type

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What Velo offers, without I/O: `metric` rows at 1m to 1w.

        Examples:
            >>> Velo(api_key="k").coverage().supports("metric", "1d")
            True
        """
        return coverage()

    def plan(
        self,
        *,
        columns: Names,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: Names | None = None,
        products: Names | None = None,
        coins: Names | None = None,
        product_type: ProductType | None = None,
    ) -> Plan:
        """The `/rows` requests a `rows` call would send, without sending anything.

        Takes `rows`' arguments. The plan says how many requests there are, the fewest its
        scheme allows (`minimum`, which it meets) and the bound no plan can beat
        (`lower_bound`, `ceil(values / 22,500)`); see `cryptodata.providers.velo.planner`.

        Examples:
            >>> found = Velo(api_key="k").plan(columns=["close_price", "funding_rate"],
            ...     exchanges="binance-futures", products=["BTCUSDT", "ETHUSDT"],
            ...     interval="1m", start="2025-01-01", end="2025-01-11")
            >>> len(found.requests), found.minimum, found.lower_bound
            (3, 3, 3)
        """
        kind, want, step, lo, hi = self._rows_query(
            columns, interval, start, end, exchanges, products, coins, product_type
        )
        return plan(kind, step, lo, hi, [want])

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Names,
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        """The one-request steps of a pipeline query of metric series, without network.

        Symbols are `"<metric>@<provider id>"` (`"price@binance-futures:BTCUSDT"`); they are
        planned together under the value cap (one step per `/rows` request: several products,
        columns and exchanges at once), each step costing one call. The windows cover
        `[start, end)` widened to whole buckets.

        Raises:
            UnsupportedError: For a kind or interval Velo does not offer.
            ValidationError: For malformed symbols and other bad arguments.
        """
        step = self._metric_interval(kind, interval)
        cells = series_of(names("symbols", symbols), step, self._product_type)
        lo, hi = self._window(start, end)
        found = plan(self._product_type, step, lo, hi, _grids(cells))
        return [
            Step(
                Kind.METRIC,
                step,
                tuple(cell_symbol(cell, step) for cell in _cells(request.want)),
                from_ms(request.begin),
                from_ms(request.end),
            )
            for request in found.requests
        ]

    def _series(self, kind: Kind | str, symbols: Names, interval: IntervalInput) -> SeriesIds:
        step = self._metric_interval(kind, interval)
        cells = series_of(names("symbols", symbols), step, self._product_type)
        return {
            cell_symbol(cell, step): {
                "provider": ep.PROVIDER,
                "provider_id": cell.provider_id,
                "metric": canonical_metric(cell.column, step),
                "interval": step.value,
            }
            for cell in cells
        }

    def _metric_interval(self, kind: Kind | str, interval: IntervalInput) -> Interval:
        step = coverage().interval(interval)
        coverage().check(kind, step)
        return step

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[int, int]:
        lo, hi = time_range(start, self._now() if end is None else end)
        return to_ms(lo), to_ms(hi)

    def _rows_query(
        self,
        columns: Names,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        exchanges: Names | None,
        products: Names | None,
        coins: Names | None,
        product_type: ProductType | None,
    ) -> tuple[ProductType, Want, Interval, int, int]:
        kind = self._product_type if product_type is None else ep.check_type(product_type)
        want = want_of(kind, columns, exchanges, products, coins)
        step = self._metric_interval(Kind.METRIC, interval)
        lo, hi = self._window(start, end)
        return kind, want, step, lo, hi

    def _rows(
        self,
        columns: Names,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        exchanges: Names | None,
        products: Names | None,
        coins: Names | None,
        product_type: ProductType | None,
    ) -> Flow[Table[Metric]]:
        kind, want, step, lo, hi = self._rows_query(
            columns, interval, start, end, exchanges, products, coins, product_type
        )
        return self._run_plan(plan(kind, step, lo, hi, [want]).requests, step)

    def _fetch(self, step: Step) -> Flow[Table[Metric]]:
        interval = self._metric_interval(step.kind, step.interval)
        wants = _grids(series_of(step.symbols, interval, self._product_type))
        if len(wants) != 1:
            raise ValidationError(
                "a step's symbols must form one request's grid (every exchange with every "
                "product and column): plan steps with history_steps"
            )
        minutes = ep.resolution(interval)
        request = RowsRequest(
            self._product_type, wants[0], minutes, to_ms(step.start), to_ms(step.end)
        )
        if request.values > ep.MAX_VALUES:
            raise ValidationError(
                f"the step asks {request.values:,} values, over Velo's {ep.MAX_VALUES:,} "
                "per request: plan steps with history_steps"
            )
        return self._run_plan((request,), interval)

    def _run_plan(self, requests: Sequence[RowsRequest], interval: Interval) -> Flow[Table[Metric]]:
        from .parse import metric_frame, parse_rows, resample

        frames: list[pl.DataFrame] = []
        warnings: list[str] = []
        for planned in requests:
            want = planned.want
            sent = planned.request()
            body = (yield from self._transport.fetch(sent)).body
            wide = parse_rows(body, want.columns, endpoint=sent.label)
            wide, note = resample(_asked(wide, want), interval, want.columns)
            if note is not None:
                warnings.append(note)
            rows = metric_frame(
                wide,
                interval,
                want.columns,
                selector=want.selector,
                basis=not want.exchanges,
                entities=self._entities,
            )
            # Exactly the request's buckets: rows an answer holds outside them are not its.
            window = from_ms(planned.begin), from_ms(planned.end)
            frames.append(rows.filter(pl.col("ts").is_between(*window, closed="left")))
        if not frames:
            return Table.empty(Kind.METRIC, warnings)
        return Table.from_frame(
            Kind.METRIC, pl.concat(frames).sort("provider_id", "metric", "ts"), warnings
        )

    def _products(self, product_type: ProductType) -> Flow[pl.DataFrame]:
        from .parse import parse_products

        request = ep.catalogue_request(ep.check_type(product_type))
        body = (yield from self._transport.fetch(request)).body
        return parse_products(body, endpoint=request.label)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_key=Secret('********'), limiter={self._limiter!r})"


def _grids(cells: Sequence[Cell]) -> list[Want]:
    return grids((cell.exchange, cell.identifier, cell.selector, (cell.column,)) for cell in cells)


def _cells(want: Want) -> list[Cell]:
    return [
        Cell(exchange, identifier, want.selector, column)
        for exchange in want.exchanges or ("",)
        for identifier in want.ids
        for column in want.columns
    ]


def _asked(frame: pl.DataFrame, want: Want) -> pl.DataFrame:
    """Only the series asked: a grid's answer may hold pairs of its exchanges and products
    that were never wanted together, if Velo answers more than its own budget counts."""
    key = "product" if want.selector == "products" else "coin"
    kept = pl.col(key).is_in(want.ids)
    if want.exchanges:
        kept = kept & pl.col("exchange").is_in(want.exchanges)
    return frame.filter(kept)


class Velo(_VeloBase):
    """Blocking client for the Velo Data API: catalogues and metric rows (CSV) under the value cap.

    Args:
        api_key: Velo API key (sent with HTTP Basic, user `api`); defaults to the
            `VELO_API_KEY` environment variable.
        limiter: Rate limiter; 120 requests per 30 s by default (Velo publishes no limit).
        retry: Retry policy; see `RetryPolicy`.
        clock: Time source (tests pass a `ManualClock`).
        base_url: API root.
        timeout: Seconds per request before it is abandoned and retried.
        entities: The entity master that names each row's coin (the shipped one by default).
        product_type: What pipelines' symbols are asked as: `futures` (default), `spot` or
            `options`.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Raises:
        ValidationError: If no key is given or set, or it holds a control character.

    Examples:
        >>> from cryptodata import Velo
        >>> ve = Velo()                                             # doctest: +SKIP
        >>> ve.rows(coins=["BTC"], exchanges=["binance-futures"], columns=["close_price"],
        ...         interval="1h", start="2025-06-01", end="2025-06-02")  # doctest: +SKIP
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
        entities: EntityMaster | None = None,
        product_type: ProductType = "futures",
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
            product_type=product_type,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def products(self, product_type: ProductType = "futures") -> pl.DataFrame:
        """A product catalogue: `exchange coin product begin depth` (`begin` UTC: first data).

        Args:
            product_type: `futures`, `spot` or `options`.
        """
        return self._transport.run(self._products(product_type))

    def rows(
        self,
        *,
        columns: Names,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: Names | None = None,
        products: Names | None = None,
        coins: Names | None = None,
        product_type: ProductType | None = None,
    ) -> Table[Metric]:
        """Metric rows of products (or coins) on exchanges, planned under the 22,500-value cap.

        Args:
            columns: Velo columns (`close_price`, `dollar_open_interest_close`,
                `funding_rate`, ...; `endpoints.COLUMNS` lists each type's).
            interval: Bucket size, `1m` to `1w`; sent as integer minutes.
            start: Start (inclusive), floored to the bucket; naive times are UTC.
            end: End (exclusive), ceiled to the bucket; defaults to now.
            exchanges: Velo exchange ids (`binance-futures`, `bybit`, `okex-swap`, ...);
                needed except for `3m_basis_ann`.
            products: Exchange symbols (`BTCUSDT`): every exchange is asked for each.
            coins: Coins (`BTC`), instead of products: a coin's rows on each exchange.
            product_type: `futures`, `spot` or `options`; the client's by default.

        Returns:
            A table of kind `metric`: `provider_id` `<exchange>:<product>` (or
            `<exchange>:coin:<coin>`, or the coin for the basis), `entity` the coin's canonical
            id, `metric` the canonical name where there is one (see
            `cryptodata.providers.velo.metrics`). Finer rows than asked are resampled, with a
            warning.

        Raises:
            ValidationError: Products and coins both or neither, no exchanges, unknown columns,
                a basis asked with anything else, or a bad window, before any request.
        """
        return self._transport.run(
            self._rows(columns, interval, start, end, exchanges, products, coins, product_type)
        )

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns each symbol's rows carry (no I/O: symbols name them)."""
        return self._series(kind, symbols, interval)

    def fetch(self, step: Step) -> Table[Metric]:
        """The rows of one step of `Velo.history_steps`: one `/rows` request."""
        return self._transport.run(self._fetch(step))

    def markets(self) -> Table[Market]:
        """An empty `markets` table: Velo's catalogue is `products`, not a market list."""
        return Table.empty(Kind.MARKETS)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncVelo(_VeloBase):
    """The asyncio twin of `Velo`: same arguments, same results.

    Examples:
        >>> async with AsyncVelo() as ve:                           # doctest: +SKIP
        ...     table = await ve.rows(products="BTCUSDT", exchanges="bybit",
        ...                           columns="close_price", interval="1h", start="2025-06-01")
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
        entities: EntityMaster | None = None,
        product_type: ProductType = "futures",
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
            product_type=product_type,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def products(self, product_type: ProductType = "futures") -> pl.DataFrame:
        """See `Velo.products`."""
        return await self._transport.run(self._products(product_type))

    async def rows(
        self,
        *,
        columns: Names,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        exchanges: Names | None = None,
        products: Names | None = None,
        coins: Names | None = None,
        product_type: ProductType | None = None,
    ) -> Table[Metric]:
        """See `Velo.rows`."""
        return await self._transport.run(
            self._rows(columns, interval, start, end, exchanges, products, coins, product_type)
        )

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `Velo.series`."""
        return self._series(kind, symbols, interval)

    async def fetch(self, step: Step) -> Table[Metric]:
        """See `Velo.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def markets(self) -> Table[Market]:
        """See `Velo.markets`."""
        return Table.empty(Kind.MARKETS)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
