"""`DefiLlama` and `AsyncDefiLlama`: thin shells over one set of sans-I/O flows.

Each public method validates its arguments (raising before any request), then hands a flow
(see `cryptodata.core.transport`) to its transport. Every history method plans the same
one-request `Step`s that pipelines run (`history_steps`) and runs them with `fetch`'s flow,
so the friendly methods and `backfill` share every line. The catalogues (`/v2/chains`,
`/protocols`, `/stablecoins`) are read when a name must be looked up and kept for
`catalog_ttl` seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Self

import attrs
import httpx
import polars as pl

from cryptodata.core._args import names
from cryptodata.core._checks import finite
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import UnsupportedError, ValidationError
from cryptodata.core.intervals import IntervalInput
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.metric_names import MetricMap, metric_symbol, split_metric_symbol
from cryptodata.core.records import Market, Metric
from cryptodata.core.request import Request, Response, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, SeriesIds, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput, time_range, to_utc
from cryptodata.core.transport import AsyncTransport, Flow, RequestStats, SyncTransport, Transport
from cryptodata.core.windows import history_steps

from . import endpoints as ep
from .catalog import (
    Stablecoin,
    close_names,
    find_chain,
    find_protocol,
    find_stablecoin,
    is_all,
    is_protocol_first,
    protocol_ids,
)
from .coverage import coverage
from .endpoints import ALL
from .frames import metric_frame
from .metrics import BY_NAME
from .parse import (
    Points,
    parse_bridge_volume,
    parse_chain_tvl,
    parse_chains,
    parse_dimension,
    parse_price_chart,
    parse_prices,
    parse_protocol_tvl,
    parse_protocols,
    parse_stablecoin_chart,
    parse_stablecoins,
)

__all__ = ["AsyncDefiLlama", "DefiLlama"]

Names = str | Sequence[str]
_Catalogue = Literal["chains", "protocols", "stablecoins"]

_PRICE = "price"
_CATALOGUES: Mapping[str, tuple[Callable[..., Request], Callable[[Response], pl.DataFrame]]] = {
    "chains": (ep.chains, parse_chains),
    "protocols": (ep.protocols, parse_protocols),
    "stablecoins": (ep.stablecoins, parse_stablecoins),
}


@attrs.frozen
class _Target:
    """What one series' request asks, and how its answer reads."""

    provider_id: str
    request: Request
    parse: Callable[[Response], Points]


def _metric(name: str) -> MetricMap:
    found = BY_NAME.get(name)
    if found is None:
        known = ", ".join(sorted({entry.name for entry in BY_NAME.values()}))
        raise ValidationError(f"DefiLlama has no metric {name!r}; use one of {known}")
    return found


def _coins(coins: Names) -> list[str]:
    wanted = names("coins", coins)
    for coin in wanted:
        if ":" not in coin.strip(":"):
            raise ValidationError(
                f"a DefiLlama coin is '<chain>:<address>' or 'coingecko:<id>', got {coin!r}"
            )
    return wanted


class _DefiLlamaBase:
    """Configuration, catalogues and every operation as a flow; I/O is the subclass's."""

    provider = ep.PROVIDER
    _transport: Transport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        hosts: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        catalog_ttl: float = 3600.0,
    ) -> None:
        given = api_key if api_key is not None else os.environ.get(ep.KEY_VARIABLE) or None
        self._key = (
            None
            if given is None
            else Secret.credential(
                given, name="api_key" if api_key is not None else ep.KEY_VARIABLE
            )
        )
        unknown = sorted(set(hosts or {}) - set(ep.HOSTS))
        if unknown:
            raise ValidationError(
                f"unknown DefiLlama host name(s) {', '.join(unknown)}; use {', '.join(ep.HOSTS)}"
            )
        self._clock: Clock = clock or SystemClock()
        per_minute = ep.FREE_CALLS_PER_MINUTE if self._key is None else ep.PRO_CALLS_PER_MINUTE
        self._limiter = limiter or SlidingWindowLimiter(per_minute, 60.0, clock=self._clock)
        self._catalog_ttl = finite("catalog_ttl", catalog_ttl, minimum=0, unit="seconds")
        self._entities = EntityMaster.default() if entities is None else entities
        self._transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_urls": {**ep.HOSTS, **(hosts or {})},
            "limiter": self._limiter,
            "retry": retry,
            "clock": self._clock,
            "timeout": timeout,
        }
        self._cache: dict[str, tuple[float, pl.DataFrame]] = {}

    @property
    def limiter(self) -> RateLimiter:
        """The limiter every request is charged to (10 a minute free, 1,000 with Pro)."""
        return self._limiter

    @property
    def clock(self) -> Clock:
        """The time source of limits, retries, default window ends and the unfinished day."""
        return self._clock

    @property
    def pro(self) -> bool:
        """Whether the client has a Pro key (and so reaches the Pro-only series)."""
        return self._key is not None

    @property
    def stats(self) -> RequestStats:
        """Request counters: sent, retried, rate limited, failed, bytes received."""
        return self._transport.stats

    def coverage(self) -> Coverage:
        """What DefiLlama offers, without I/O: daily `metric` series in US dollars."""
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
        """The one-request steps of a history query, without network.

        Symbols name series as `"<metric>@<provider id>"` (`metric_symbol`): `chain_tvl@Ethereum`,
        `fees_24h@aave`, `stablecoin_supply@all`, `price@coingecko:bitcoin`. DefiLlama answers a
        series' whole history in one request, so each series is one step over `[start, end)`
        (the rows are cut client-side); prices come from daily charts, up to 10 coins and
        365 days per step. Every step costs one call.

        Raises:
            UnsupportedError: For a kind or interval other than daily `metric`, or a Pro-only
                series (bridge and derivatives volume) on a client without a Pro key.
            ValidationError: For other bad arguments (malformed symbols, unknown metrics).
        """
        step = coverage().interval(interval)
        coverage().check(kind, step)
        lo, hi = self._window(start, end)
        series = [self._parsed(symbol) for symbol in names("symbols", symbols)]
        coins = [metric_symbol(pid, _PRICE) for pid, metric in series if metric == _PRICE]
        found = [
            Step(Kind.METRIC, step, (metric_symbol(pid, metric),), lo, hi)
            for pid, metric in series
            if metric != _PRICE
        ]
        for item in history_steps(
            coins,
            lo,
            hi,
            window=timedelta(days=ep.MAX_DAYS_PER_CHART),
            batch_size=ep.MAX_COINS_PER_REQUEST,
        ):
            found.append(Step(Kind.METRIC, step, item.symbols, item.start, item.end))
        return found

    def _parsed(self, symbol: str) -> tuple[str, str]:
        """`(provider id, canonical metric)` of a series symbol, checked without I/O."""
        provider_id, name = split_metric_symbol(symbol)
        metric = _metric(name).name
        if metric in ep.PRO_ONLY and self._key is None:
            raise UnsupportedError(
                f"DefiLlama serves {metric} on its Pro API only: pass api_key= or set "
                f"{ep.KEY_VARIABLE}",
                provider=ep.PROVIDER,
                what=metric,
            )
        if metric == _PRICE:
            _coins(provider_id)
        return provider_id, metric

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def _window(self, start: TimeInput, end: TimeInput | None) -> tuple[datetime, datetime]:
        return time_range(start, self._now() if end is None else end)

    def _catalogue(self, name: _Catalogue) -> Flow[pl.DataFrame]:
        """A catalogue, fetched at most once per `catalog_ttl` seconds."""
        now = self._clock.monotonic()
        cached = self._cache.get(name)
        if cached is not None and now - cached[0] < self._catalog_ttl:
            return cached[1]
        build, parse = _CATALOGUES[name]
        frame = parse((yield from self._transport.fetch(build(key=self._key))))
        self._cache[name] = (now, frame)
        return frame

    def _entity(self, provider_id: str) -> str:
        return self._entities.canonical(ep.PROVIDER, provider_id)

    def _chains(self) -> Flow[pl.DataFrame]:
        chains = yield from self._catalogue("chains")
        names_ = chains.get_column("name")
        return chains.with_columns(
            overview_name=names_.map_elements(ep.overview_chain, return_dtype=pl.String),
            entity=names_.map_elements(self._entity, return_dtype=pl.String),
        )

    def _protocols(self) -> Flow[pl.DataFrame]:
        protocols = yield from self._catalogue("protocols")
        ids = pl.Series("provider_id", protocol_ids(protocols), dtype=pl.String)
        return protocols.with_columns(
            provider_id=ids,
            entity=ids.map_elements(self._entity, return_dtype=pl.String),
        )

    def _stablecoins(self) -> Flow[pl.DataFrame]:
        listed = yield from self._catalogue("stablecoins")
        ids = [
            gecko or symbol or name or number
            for number, name, symbol, gecko in listed.select(
                "id", "name", "symbol", "gecko_id"
            ).rows()
        ]
        provider_ids = pl.Series("provider_id", ids, dtype=pl.String)
        return listed.with_columns(
            provider_id=provider_ids,
            entity=provider_ids.map_elements(self._entity, return_dtype=pl.String),
        )

    def _chain(self, name: str, metric: str) -> Flow[str]:
        chains = yield from self._catalogue("chains")
        found = find_chain(chains, name)
        if found is None:
            hint = close_names(name, chains.get_column("name").to_list())
            raise ValidationError(
                f"DefiLlama lists no chain named {name!r} (for {metric})"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        return found

    def _protocol(self, name: str, metric: str) -> Flow[str]:
        protocols = yield from self._catalogue("protocols")
        found = find_protocol(protocols, name)
        if found is None:
            hint = close_names(name, protocol_ids(protocols))
            raise ValidationError(
                f"DefiLlama lists no protocol named {name!r} (for {metric})"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        return found

    def _stablecoin(self, name: str) -> Flow[Stablecoin]:
        listed = yield from self._catalogue("stablecoins")
        found = find_stablecoin(listed, name)
        if found is None:
            hint = close_names(name, listed.get_column("symbol").to_list())
            raise ValidationError(
                f"DefiLlama lists no stablecoin named {name!r}"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        return found

    def _target(self, name: str, metric: str) -> Flow[_Target]:
        """The request of the series `metric@name`, its provider id resolved in the catalogues."""
        key = self._key
        if metric == "chain_tvl":
            if is_all(name):
                return _Target(ALL, ep.chain_tvl(None, key=key), parse_chain_tvl)
            chain = yield from self._chain(name, metric)
            return _Target(chain, ep.chain_tvl(chain, key=key), parse_chain_tvl)
        if metric == "tvl":
            slug = yield from self._protocol(name, metric)
            return _Target(slug, ep.protocol(slug, key=key), parse_protocol_tvl)
        if metric in ep.DIMENSIONS:
            return (yield from self._dimension(name, metric))
        if metric == "stablecoin_supply":
            return (yield from self._stablecoin_target(name))
        if metric != "bridge_volume_24h":
            raise ValidationError(f"{metric} series are read by price_history, not one by one")
        if is_all(name):
            return _Target(ALL, ep.bridge_volume(None, key=key), parse_bridge_volume)
        chain = yield from self._chain(name, metric)
        return _Target(chain, ep.bridge_volume(chain, key=key), parse_bridge_volume)

    def _dimension(self, name: str, metric: str) -> Flow[_Target]:
        dimension = ep.DIMENSIONS[metric]
        if is_all(name):
            return _Target(ALL, dimension.overview(None, key=self._key), parse_dimension)
        chains = yield from self._catalogue("chains")
        chain = find_chain(chains, name, by_gecko_id=False)
        if chain is not None and not is_protocol_first(name, chains):
            request = dimension.overview(ep.overview_chain(chain), key=self._key)
            return _Target(chain, request, parse_dimension)
        protocols = yield from self._catalogue("protocols")
        slug = find_protocol(protocols, name)
        if slug is not None:
            return _Target(slug, dimension.summary(slug, key=self._key), parse_dimension)
        chain = find_chain(chains, name)
        if chain is None:
            hint = close_names(name, [*chains.get_column("name"), *protocol_ids(protocols)])
            raise ValidationError(
                f"DefiLlama lists no chain or protocol named {name!r} (for {metric})"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        request = dimension.overview(ep.overview_chain(chain), key=self._key)
        return _Target(chain, request, parse_dimension)

    def _stablecoin_target(self, name: str) -> Flow[_Target]:
        where, colon, which = name.partition(":")
        if not colon:
            if is_all(name):
                return _Target(
                    ALL, ep.stablecoin_chart(None, None, key=self._key), parse_stablecoin_chart
                )
            chains = yield from self._catalogue("chains")
            if (chain := find_chain(chains, name)) is not None:
                return _Target(
                    chain, ep.stablecoin_chart(chain, None, key=self._key), parse_stablecoin_chart
                )
            where, which = ALL, name
        coin = yield from self._stablecoin(which)
        chain = None if is_all(where) else (yield from self._chain(where, "stablecoin_supply"))
        provider_id = coin.provider_id if chain is None else f"{chain}:{coin.provider_id}"
        return _Target(
            provider_id,
            ep.stablecoin_chart(chain, coin.number, key=self._key),
            parse_stablecoin_chart,
        )

    def _series(self, kind: Kind | str, symbols: Names, interval: IntervalInput) -> Flow[SeriesIds]:
        step = coverage().interval(interval)
        coverage().check(kind, step)
        wanted = [(symbol, *self._parsed(symbol)) for symbol in names("symbols", symbols)]
        return self._series_flow(wanted, step.value)

    def _series_flow(self, wanted: list[tuple[str, str, str]], interval: str) -> Flow[SeriesIds]:
        found: SeriesIds = {}
        for symbol, name, metric in wanted:
            provider_id = (
                name if metric == _PRICE else (yield from self._target(name, metric)).provider_id
            )
            found[symbol] = {
                "provider": ep.PROVIDER,
                "provider_id": provider_id,
                "metric": metric,
                "interval": interval,
            }
        return found

    def _fetch(self, step: Step) -> Flow[Table[Metric]]:
        series = [self._parsed(symbol) for symbol in step.symbols]
        if series and all(metric == _PRICE for _, metric in series):
            return (yield from self._prices_flow(step, [pid for pid, _ in series]))
        if len(series) != 1:
            raise ValidationError(
                f"a DefiLlama step fetches one series or up to {ep.MAX_COINS_PER_REQUEST} "
                f"prices, got {', '.join(step.symbols)}"
            )
        ((name, metric),) = series
        target = yield from self._target(name, metric)
        points = target.parse((yield from self._transport.fetch(target.request)))
        rows = metric_frame(
            points,
            _metric(metric),
            provider_id=target.provider_id,
            entity=self._entity(target.provider_id),
            start=step.start,
            end=step.end,
            now=self._now(),
        )
        return Table.from_frame(Kind.METRIC, rows.frame, rows.warnings)

    def _prices_flow(self, step: Step, coins: list[str]) -> Flow[Table[Metric]]:
        days = max(1, -(-(step.end - step.start) // timedelta(days=1)))
        request = ep.price_chart(coins, step.start, days, key=self._key)
        charts = parse_price_chart((yield from self._transport.fetch(request)))
        by_fold = {coin.casefold(): points for coin, points in charts.items()}
        tables: list[Table[Metric]] = []
        silent: list[str] = []
        for coin in coins:
            points = charts.get(coin) or by_fold.get(coin.casefold())
            if points is None:
                silent.append(coin)
                continue
            rows = metric_frame(
                points,
                _metric(_PRICE),
                provider_id=coin,
                entity=self._entity(coin),
                start=step.start,
                end=step.end,
                now=self._now(),
            )
            tables.append(Table.from_frame(Kind.METRIC, rows.frame, rows.warnings))
        notes = [f"DefiLlama has no price of {', '.join(silent)}"] if silent else []
        return Table.concat(Kind.METRIC, tables, notes)

    def _history(
        self, symbols: list[str], start: TimeInput, end: TimeInput | None
    ) -> Flow[Table[Metric]]:
        steps = self.history_steps(Kind.METRIC, symbols, interval="1d", start=start, end=end)
        return self._run(steps)

    def _run(self, steps: list[Step]) -> Flow[Table[Metric]]:
        tables = []
        for step in steps:
            tables.append((yield from self._fetch(step)))
        return Table.concat(Kind.METRIC, tables)

    def _named(self, name: str, metric: str) -> list[str]:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"name a chain or protocol with a non-empty string, got {name!r}")
        return [metric_symbol(name.strip(), metric)]

    def _supply_symbol(self, chain: str | None, stablecoin: str | None) -> list[str]:
        for argument, value in (("chain", chain), ("stablecoin", stablecoin)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValidationError(f"{argument} must be a non-empty string, got {value!r}")
        where = ALL if chain is None else chain.strip()
        if stablecoin is None:
            return [metric_symbol(where, "stablecoin_supply")]
        return [metric_symbol(f"{where}:{stablecoin.strip()}", "stablecoin_supply")]

    def _quotes(self, coins: Names, at: TimeInput | None) -> Flow[pl.DataFrame]:
        wanted = _coins(coins)
        moment = None if at is None else to_utc(at, name="at")
        return self._quotes_flow(wanted, moment)

    def _quotes_flow(self, coins: list[str], at: datetime | None) -> Flow[pl.DataFrame]:
        frames = []
        for start in range(0, len(coins), ep.MAX_COINS_PER_REQUEST):
            batch = coins[start : start + ep.MAX_COINS_PER_REQUEST]
            request = (
                ep.prices_current(batch, key=self._key)
                if at is None
                else ep.prices_historical(batch, at, key=self._key)
            )
            frames.append(parse_prices((yield from self._transport.fetch(request))))
        return pl.concat(frames)

    def __repr__(self) -> str:
        key = "api_key=Secret('********'), " if self._key is not None else ""
        return f"{type(self).__name__}({key}limiter={self._limiter!r})"


class DefiLlama(_DefiLlamaBase):
    """Blocking client for DefiLlama: TVL, fees, revenue, volumes, stablecoins, bridges, prices.

    Free by default (no key; `api.llama.fi`, `coins.llama.fi`, `stablecoins.llama.fi`); with a
    Pro key (`api_key=` or `DEFILLAMA_API_KEY`) every request goes to `pro-api.llama.fi` with the
    key in its path, shown as `***` in every log line, error and repr. Histories are daily
    `metric` tables (see `cryptodata.providers.defillama.frames` for the window and the
    unfinished day); every request is charged to a rate limiter and retried on 429/5xx.

    Args:
        api_key: DefiLlama Pro key; defaults to `DEFILLAMA_API_KEY`; none: the free API.
        limiter: Rate limiter; a sliding window of 10 (free) or 1,000 (Pro) calls a minute.
        retry: Retry policy; see `RetryPolicy`.
        clock: Time source (tests pass a `ManualClock`).
        hosts: Base URLs by name, over the defaults: `api`, `coins`, `stablecoins` (the free
            hosts) and `pro`.
        timeout: Seconds per request before it is abandoned and retried.
        entities: The entity master naming each row's `entity` (the shipped one by default).
        catalog_ttl: Seconds the chains, protocols and stablecoins lists are kept.
        http_transport: An httpx transport to send through (proxies, replays, mocks).

    Raises:
        ValidationError: For a blank key or one holding a control or non-ASCII character, an
            unknown host name, or a setting out of range.

    Examples:
        >>> from cryptodata import DefiLlama
        >>> ll = DefiLlama()                                                 # doctest: +SKIP
        >>> ll.chain_tvl("Ethereum", start="2024-01-01", end="2025-01-01")  # doctest: +SKIP
    """

    _transport: SyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        hosts: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        catalog_ttl: float = 3600.0,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            hosts=hosts,
            timeout=timeout,
            entities=entities,
            catalog_ttl=catalog_ttl,
        )
        self._transport = SyncTransport(http_transport=http_transport, **self._transport_options)

    def protocols(self) -> pl.DataFrame:
        """Every protocol: `id name slug symbol category chains gecko_id cmc_id tvl parent`,
        plus `provider_id` (what its series are named by: the slug, else the name made a slug,
        else the gecko id) and its canonical `entity`."""
        return self._transport.run(self._protocols())

    def chains(self) -> pl.DataFrame:
        """Every chain: `name gecko_id token_symbol cmc_id chain_id tvl`, plus `overview_name`
        (the spelling the fees and volume overviews take) and its canonical `entity`."""
        return self._transport.run(self._chains())

    def stablecoins(self) -> pl.DataFrame:
        """Every stablecoin: `id name symbol gecko_id peg_type peg_mechanism chains`, plus
        `provider_id` (gecko id, else symbol) and its canonical `entity`."""
        return self._transport.run(self._stablecoins())

    def markets(self) -> Table[Market]:
        """An empty `markets` table: DefiLlama has no markets (the source protocol's)."""
        return Table.empty(Kind.MARKETS)

    def series(self, kind: Kind | str, symbols: Names, *, interval: IntervalInput) -> SeriesIds:
        """The series-key columns each symbol's rows carry, its provider id resolved in the
        (cached) catalogues: `chain_tvl@ethereum` names the series of `Ethereum`.

        Raises:
            ValidationError: For malformed symbols, unknown metrics or names.
        """
        return self._transport.run(self._series(kind, symbols, interval))

    def fetch(self, step: Step) -> Table[Metric]:
        """The rows of one step of `DefiLlama.history_steps`: one data request."""
        return self._transport.run(self._fetch(step))

    def history(
        self, symbols: Names, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """Daily rows of any series by symbol (`"fees_24h@aave"`, `"price@coingecko:bitcoin"`).

        Args:
            symbols: Series symbols, `"<metric>@<provider id>"`.
            start: Start of the window (inclusive).
            end: End of the window (exclusive); defaults to now.
        """
        return self._transport.run(self._history(names("symbols", symbols), start, end))

    def chain_tvl(
        self, chain: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """A chain's daily TVL (`chain_tvl`, USD; liquid staking and double counting excluded).

        Args:
            chain: A chain (`"Ethereum"`, `"ethereum"`, `"BSC"`), or `"all"`.
            start: Start of the window (inclusive).
            end: End of the window (exclusive); defaults to now.
        """
        return self._transport.run(self._history(self._named(chain, "chain_tvl"), start, end))

    def protocol_tvl(
        self, protocol: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """A protocol's daily TVL (`tvl`, USD), by slug, name or gecko id (`"aave"`)."""
        return self._transport.run(self._history(self._named(protocol, "tvl"), start, end))

    def fees(self, name: str, *, start: TimeInput, end: TimeInput | None = None) -> Table[Metric]:
        """Daily fees (`fees_24h`, USD) of a chain, a protocol or `"all"`."""
        return self._transport.run(self._history(self._named(name, "fees_24h"), start, end))

    def revenue(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """Daily revenue (`revenue_24h`, USD) of a chain, a protocol or `"all"`."""
        return self._transport.run(self._history(self._named(name, "revenue_24h"), start, end))

    def dex_volume(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """Daily spot DEX volume (`dex_volume_24h`, USD) of a chain, a protocol or `"all"`."""
        return self._transport.run(self._history(self._named(name, "dex_volume_24h"), start, end))

    def derivatives_volume(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """Daily perpetuals volume (`derivatives_volume_24h`, USD); Pro only.

        Raises:
            UnsupportedError: Without a Pro key, before any request.
        """
        return self._transport.run(
            self._history(self._named(name, "derivatives_volume_24h"), start, end)
        )

    def options_volume(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """Daily options notional volume (`options_volume_24h`, USD) of a chain, a protocol or `"all"`."""
        return self._transport.run(
            self._history(self._named(name, "options_volume_24h"), start, end)
        )

    def stablecoin_supply(
        self,
        *,
        chain: str | None = None,
        stablecoin: str | None = None,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[Metric]:
        """Daily stablecoins in circulation (`stablecoin_supply`, USD, every peg summed).

        Args:
            chain: On one chain (`"Ethereum"`); every chain by default.
            stablecoin: One stablecoin (`"tether"`, `"USDT"`); all by default.
            start: Start of the window (inclusive).
            end: End of the window (exclusive); defaults to now.

        Returns:
            Rows named `all`, the chain (`Ethereum`), the stablecoin (`tether`) or both
            (`Ethereum:tether`).
        """
        symbols = self._supply_symbol(chain, stablecoin)
        return self._transport.run(self._history(symbols, start, end))

    def bridge_volume(
        self, chain: str = ALL, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """Daily bridged value, deposits plus withdrawals (`bridge_volume_24h`, USD); Pro only.

        Raises:
            UnsupportedError: Without a Pro key, before any request.
        """
        return self._transport.run(
            self._history(self._named(chain, "bridge_volume_24h"), start, end)
        )

    def price_history(
        self, coins: Names, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """Daily prices (`price`, USD) of coins (`"coingecko:bitcoin"`, `"ethereum:0x..."`)."""
        symbols = [metric_symbol(coin, _PRICE) for coin in _coins(coins)]
        return self._transport.run(self._history(symbols, start, end))

    def prices(self, coins: Names, *, at: TimeInput | None = None) -> pl.DataFrame:
        """The current price of each coin, or the one closest to `at`.

        Quotes are points in time, not daily bars: a frame `coin symbol price decimals
        confidence ts` (`ts` the quote's own time), not `metric` rows. Coins DefiLlama does not
        know are absent.

        Examples:
            >>> ll.prices(["coingecko:bitcoin"], at="2025-01-01")  # doctest: +SKIP
        """
        return self._transport.run(self._quotes(coins, at))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncDefiLlama(_DefiLlamaBase):
    """The asyncio twin of `DefiLlama`: same arguments, same results.

    Examples:
        >>> async with AsyncDefiLlama() as ll:                               # doctest: +SKIP
        ...     t = await ll.fees("aave", start="2025-01-01")
    """

    _transport: AsyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        hosts: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        entities: EntityMaster | None = None,
        catalog_ttl: float = 3600.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key,
            limiter=limiter,
            retry=retry,
            clock=clock,
            hosts=hosts,
            timeout=timeout,
            entities=entities,
            catalog_ttl=catalog_ttl,
        )
        self._transport = AsyncTransport(http_transport=http_transport, **self._transport_options)

    async def protocols(self) -> pl.DataFrame:
        """See `DefiLlama.protocols`."""
        return await self._transport.run(self._protocols())

    async def chains(self) -> pl.DataFrame:
        """See `DefiLlama.chains`."""
        return await self._transport.run(self._chains())

    async def stablecoins(self) -> pl.DataFrame:
        """See `DefiLlama.stablecoins`."""
        return await self._transport.run(self._stablecoins())

    async def markets(self) -> Table[Market]:
        """See `DefiLlama.markets`."""
        return Table.empty(Kind.MARKETS)

    async def series(
        self, kind: Kind | str, symbols: Names, *, interval: IntervalInput
    ) -> SeriesIds:
        """See `DefiLlama.series`."""
        return await self._transport.run(self._series(kind, symbols, interval))

    async def fetch(self, step: Step) -> Table[Metric]:
        """See `DefiLlama.fetch`."""
        return await self._transport.run(self._fetch(step))

    async def history(
        self, symbols: Names, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.history`."""
        return await self._transport.run(self._history(names("symbols", symbols), start, end))

    async def chain_tvl(
        self, chain: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.chain_tvl`."""
        return await self._transport.run(self._history(self._named(chain, "chain_tvl"), start, end))

    async def protocol_tvl(
        self, protocol: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.protocol_tvl`."""
        return await self._transport.run(self._history(self._named(protocol, "tvl"), start, end))

    async def fees(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.fees`."""
        return await self._transport.run(self._history(self._named(name, "fees_24h"), start, end))

    async def revenue(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.revenue`."""
        return await self._transport.run(
            self._history(self._named(name, "revenue_24h"), start, end)
        )

    async def dex_volume(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.dex_volume`."""
        return await self._transport.run(
            self._history(self._named(name, "dex_volume_24h"), start, end)
        )

    async def derivatives_volume(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.derivatives_volume`."""
        return await self._transport.run(
            self._history(self._named(name, "derivatives_volume_24h"), start, end)
        )

    async def options_volume(
        self, name: str, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.options_volume`."""
        return await self._transport.run(
            self._history(self._named(name, "options_volume_24h"), start, end)
        )

    async def stablecoin_supply(
        self,
        *,
        chain: str | None = None,
        stablecoin: str | None = None,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> Table[Metric]:
        """See `DefiLlama.stablecoin_supply`."""
        symbols = self._supply_symbol(chain, stablecoin)
        return await self._transport.run(self._history(symbols, start, end))

    async def bridge_volume(
        self, chain: str = ALL, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.bridge_volume`."""
        return await self._transport.run(
            self._history(self._named(chain, "bridge_volume_24h"), start, end)
        )

    async def price_history(
        self, coins: Names, *, start: TimeInput, end: TimeInput | None = None
    ) -> Table[Metric]:
        """See `DefiLlama.price_history`."""
        symbols = [metric_symbol(coin, _PRICE) for coin in _coins(coins)]
        return await self._transport.run(self._history(symbols, start, end))

    async def prices(self, coins: Names, *, at: TimeInput | None = None) -> pl.DataFrame:
        """See `DefiLlama.prices`."""
        return await self._transport.run(self._quotes(coins, at))

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
