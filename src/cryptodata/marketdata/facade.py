"""`MarketData` and `AsyncMarketData`: one call, the same columns, whichever providers answer.

A question names a kind, canonical assets and venues, an interval and a window. The facade:

1. **routes** each venue to a provider from the providers' `coverage()` alone (`routing`: the
   venue's own API before an aggregator, depth checked against retention, `prefer=`);
2. **resolves** each asset to that provider's instrument on the venue from its markets table
   (`AssetRegistry.resolve`: linear USDT perpetual first, `instrument=` to choose);
3. **fans out**: every provider's share is planned without I/O, then the providers are
   fetched concurrently, each under its own limiter (`fanout`);
4. **answers** one `MarketTable` of the kind: the kind's own columns whoever answered,
   `exchange` the canonical venue, `symbol` the provider's own instrument, `base` the
   canonical asset, `provider` who answered each row; and `report`, what each share did.

A provider that fails loses only its own share: its error is in `report` (or raised, with
`strict=True`). Market tables are read once per provider and kept.

Every question is written once, as a flow: a generator that asks for its I/O by yielding
one of two effects (load these sources' market tables; fetch these shares) and gets the
answer back. `MarketData` runs flows on blocking clients (threads for the fan-out),
`AsyncMarketData` on asyncio ones (`asyncio.gather`): the twins share every line of logic.

Examples:
    >>> from cryptodata.providers.coinalyze.replay import sample_client
    >>> from cryptodata.providers.hyperliquid.replay import sample_client as hl_sample
    >>> md = MarketData([sample_client(), hl_sample()])
    >>> md.resolve("BTC", "hyperliquid").symbol
    'BTC'
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
from collections.abc import Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Self, TypeAlias, TypeVar

import attrs
import polars as pl

from cryptodata.core._checks import finite
from cryptodata.core.aggregates import AGGREGATES, sum_venues
from cryptodata.core.clock import Clock
from cryptodata.core.entities import EntityMaster
from cryptodata.core.errors import CryptoDataError, UnsupportedError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.records import (
    FundingRateBar,
    FundingSettlement,
    LiquidationBar,
    LongShortRatioBar,
    Metric,
    OhlcvBar,
    OpenInterestBar,
)
from cryptodata.core.schema import Kind
from cryptodata.core.source import AsyncSource, Source
from cryptodata.core.table import R, Table
from cryptodata.core.time import TimeInput, time_range
from cryptodata.core.venues import canonical_venue

from .assets import AssetRegistry
from .capabilities import capabilities
from .fanout import Outcome, Report, Share, afetch_shares, fetch_shares, plan_shares
from .instruments import Instrument
from .metric_routing import route_metrics
from .routing import Route, route
from .summary import SUMMARY_METRICS, SUMMARY_PREFER, plan_summary, summary_frame
from .usd import in_usd, price_shares

__all__ = [
    "DEFAULT_MARKET_TTL",
    "AsyncMarketData",
    "MarketData",
    "MarketTable",
    "Question",
    "canonical",
]


DEFAULT_MARKET_TTL: Final = 3600.0
"""Seconds the facade keeps a provider's market table: an hour, as the clients cache theirs."""

Assets = str | Sequence[str]
Venues = str | Sequence[str]
Instruments = str | Sequence[str] | None
T = TypeVar("T")


@attrs.frozen(repr=False, eq=False)
class MarketTable(Table[R]):
    """A `Table` answered by the facade, with the report of who answered what.

    Attributes:
        report: Every provider's share: rows, requests, cost, and the error of a share that
            failed (its rows up to the error are in the table).
    """

    report: Report | None = None

    def __repr__(self) -> str:
        failed = 0 if self.report is None else len(self.report.failures)
        return f"MarketTable(kind={self.kind.value!r}, rows={len(self)}, failed_shares={failed})"


@attrs.frozen
class Question:
    """A question routed and resolved, before any data request: what a pipeline runs.

    Attributes:
        kind: What is asked.
        shares: Each provider's share: its route (and source), the provider's own symbols and
            the share's window.
        assets: The canonical asset each `(provider, symbol)` stands for.
        unresolved: An outcome for each asset a venue's provider lists no market of.
        instruments: The instrument each `(provider, symbol)` is.
    """

    kind: Kind
    shares: tuple[Share, ...]
    assets: dict[tuple[str, str], str]
    unresolved: tuple[Outcome, ...]
    instruments: dict[tuple[str, str], Instrument] = attrs.field(factory=dict)


@attrs.frozen
class _LoadMarkets:
    """Effect: read the market tables of these sources (those not read yet)."""

    sources: tuple[Any, ...]


@attrs.frozen
class _FetchShares:
    """Effect: fetch these shares; the answer is `(table, report)`."""

    kind: Kind
    shares: tuple[Share, ...]
    strict: bool


_Flow: TypeAlias = Generator[_LoadMarkets | _FetchShares, Any, T]
"""A question's logic, asking for its I/O by yielding effects (see the module)."""


class _Facade:
    """What both facades do, without I/O: routing, resolution, shaping, and every flow."""

    _kind_of_sources = "provider clients"

    def __init__(
        self,
        providers: Sequence[Any],
        *,
        registry: AssetRegistry | None,
        entities: EntityMaster | None,
        prefer: Sequence[str],
        strict: bool,
        market_ttl: float,
        protocol: type,
    ) -> None:
        sources = list(providers)
        if not sources:
            raise ValidationError(f"{type(self).__name__} needs at least one provider client")
        # A runtime protocol checks names only: whether `fetch` awaits tells the two apart.
        awaits = protocol is AsyncSource
        if bad := [
            source
            for source in sources
            if not isinstance(source, protocol)
            or inspect.iscoroutinefunction(getattr(source, "fetch", None)) != awaits
        ]:
            raise ValidationError(
                f"{type(self).__name__} takes {self._kind_of_sources} (sources); got {bad[0]!r}"
            )
        self._sources = sources
        self._registry = registry or AssetRegistry.default()
        self._entities = EntityMaster.default() if entities is None else entities
        self._prefer = tuple(prefer)
        self._strict = strict
        self._market_ttl = finite("market_ttl", market_ttl, minimum=0, unit="seconds")
        # Per source: when its market table was read (its clock's monotonic time), and the table.
        self._markets: dict[int, tuple[float, Table[Any]]] = {}
        # Per source whose table could not be read: why (until a read succeeds).
        self._unreadable: dict[int, CryptoDataError] = {}
        self._instruments: dict[tuple[str, str, int, str], Instrument] = {}
        self._lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        """The facade's clock: its first provider's (replay clients stop it at their samples'
        "now", so depth and windows are judged as they are)."""
        clock: Clock = self._sources[0].clock
        return clock

    @property
    def registry(self) -> AssetRegistry:
        """The asset registry names are resolved with."""
        return self._registry

    def capabilities(self) -> pl.DataFrame:
        """What every provider offers: provider, venue, kind, interval, depth, units."""
        return capabilities(self._sources)

    def routes(
        self,
        kind: Kind | str,
        venues: Venues,
        *,
        interval: IntervalInput,
        start: TimeInput | None = None,
        prefer: Sequence[str] | None = None,
        stitch: bool = False,
    ) -> list[Route]:
        """Who answers `kind` for each venue (no I/O); see `cryptodata.marketdata.routing`.

        `venues="all"` asks every venue some provider offers the kind for at the interval.
        """
        return route(
            self._sources,
            kind,
            self._venues(kind, venues, interval),
            interval=interval,
            start=start,
            now=self._now(),
            prefer=self._prefer if prefer is None else tuple(prefer),
            stitch=stitch,
        )

    def __repr__(self) -> str:
        names = ", ".join(source.provider for source in self._sources)
        return f"{type(self).__name__}([{names}])"

    # --- flows (see the module) --------------------------------------------------------------

    def _resolve_flow(
        self, asset: str, venue: str, provider: str | None, instrument: Instruments
    ) -> _Flow[Instrument]:
        name = canonical_venue(venue)
        source = (
            self._source(provider)
            if provider is not None
            else route(
                self._sources, Kind.OHLCV, [name], interval=Interval.H1, prefer=self._prefer
            )[0].source
        )
        yield _LoadMarkets((source,))
        return self._instrument(asset, name, source, instrument)

    def _question_flow(
        self,
        kind: Kind | str,
        assets: Assets,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        instrument: Instruments,
        prefer: Sequence[str] | None,
        stitch: bool,
    ) -> _Flow[Question]:
        wanted = Kind(kind)
        names = _names("assets", assets)
        # One "now" and one routing for the whole question: the markets it loads are the
        # ones its shares are resolved against.
        lo, hi = time_range(start, self._now() if end is None else end)
        routed = self.routes(
            wanted, venues, interval=interval, start=lo, prefer=prefer, stitch=stitch
        )
        yield _LoadMarkets(tuple({id(r.source): r.source for r in routed}.values()))
        shares, unresolved = self._shares(routed, names, lo, hi, instrument)
        instruments = {
            (share.route.provider, pick.symbol): pick for share, picks in shares for pick in picks
        }
        return Question(
            wanted,
            tuple(share for share, _ in shares),
            {key: pick.asset for key, pick in instruments.items()},
            tuple(unresolved),
            instruments,
        )

    def _metrics_flow(
        self,
        entities: str | Sequence[str],
        metrics: str | Sequence[str],
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None,
        prefer: Sequence[str] | None,
        strict: bool | None,
    ) -> _Flow[MarketTable[Any]]:
        found = [self._entities.entity(name) for name in _names("entities", entities)]
        wanted = _names("metrics", metrics)
        lo, hi = time_range(start, self._now() if end is None else end)
        routed = route_metrics(
            self._sources,
            found,
            wanted,
            interval=Interval.parse(interval),
            start=lo,
            end=hi,
            master=self._entities,
            prefer=self._prefer if prefer is None else tuple(prefer),
        )
        strictly = self._strict if strict is None else strict
        if strictly and routed.unresolved:
            failure = routed.unresolved[0].error
            assert failure is not None
            raise failure
        table, fetched = yield _FetchShares(Kind.METRIC, routed.shares, strictly)
        report = Report(Kind.METRIC, (*fetched.outcomes, *routed.unresolved))
        frame = _canonical_entities(table.to_polars(), routed.provider_ids)
        return MarketTable(Kind.METRIC, frame, table.warnings, report=report)

    def _summary_flow(
        self,
        asset: str,
        metrics: Mapping[str, Sequence[str]] | None,
        lookback: float,
        prefer: Sequence[str] | None,
    ) -> _Flow[tuple[pl.DataFrame, Report]]:
        days = finite("lookback", lookback, above=0, unit="days")
        planned = plan_summary(
            self._sources,
            self._entities.entity(asset),
            master=self._entities,
            metrics=SUMMARY_METRICS if metrics is None else metrics,
            lookback=timedelta(days=days),
            prefer=(*(self._prefer if prefer is None else prefer), *SUMMARY_PREFER),
        )
        table, fetched = yield _FetchShares(Kind.METRIC, planned.shares, False)
        report = Report(Kind.METRIC, (*fetched.outcomes, *planned.unresolved))
        found = _canonical_entities(table.to_polars(), planned.provider_ids)
        return summary_frame(planned, found, report), report

    def _plan_flow(self, asked: _Flow[Question]) -> _Flow[pl.DataFrame]:
        question = yield from asked
        rows = [
            _plan_row(share, len(steps), sum(step.cost for step in steps), None)
            for share, steps in plan_shares(question.kind, question.shares)
        ]
        rows += [_plan_row(o.share, 0, 0, o.error) for o in question.unresolved]
        return pl.DataFrame(rows, schema=_PLAN)

    def _answer_flow(
        self, asked: _Flow[Question], strict: bool | None
    ) -> _Flow[tuple[MarketTable[Any], Question]]:
        question = yield from asked
        strictly = self._strict if strict is None else strict
        if strictly and question.unresolved:
            failure = question.unresolved[0].error
            assert failure is not None
            raise failure
        table, fetched = yield _FetchShares(question.kind, question.shares, strictly)
        report = Report(question.kind, (*fetched.outcomes, *question.unresolved))
        frame = _canonical_bases(table.to_polars(), question.assets)
        routes = {share.route for share in question.shares}
        notes = [*table.warnings, *(f"{r.venue}: {r.lacks}" for r in routes if r.lacks)]
        answered = MarketTable(question.kind, frame, notes, report=report)
        return answered, question

    def _history_flow(self, asked: _Flow[Question], strict: bool | None) -> _Flow[MarketTable[Any]]:
        answered, _ = yield from self._answer_flow(asked, strict)
        return answered

    def _quantity_flow(
        self, asked: _Flow[Question], strict: bool | None, usd: bool
    ) -> _Flow[MarketTable[Any]]:
        answered, question = yield from self._answer_flow(asked, strict)
        return (yield from self._dollars_flow(answered, question, strict)) if usd else answered

    def _dollars_flow(
        self, answered: MarketTable[Any], question: Question, strict: bool | None
    ) -> _Flow[MarketTable[Any]]:
        strictly = self._strict if strict is None else strict
        units = {
            share.route.provider: share.route.source.coverage().price_unit
            for share in question.shares
        }
        candles, prices = None, None
        if needed := price_shares(answered, question.shares, question.instruments, units):
            candles, prices = yield _FetchShares(Kind.OHLCV, needed, strictly)
        rows, notes = in_usd(answered, question.instruments, units, candles, prices)
        table = Table.concat(answered.kind, [Table.from_frame(answered.kind, rows)])
        warnings = [*answered.warnings, *notes]
        return MarketTable(answered.kind, table.to_polars(), warnings, report=answered.report)

    def _funding_flow(
        self, asked: _Flow[Question], strict: bool | None, per: str | None, columns: tuple[str, ...]
    ) -> _Flow[MarketTable[Any]]:
        answered = yield from self._history_flow(asked, strict)
        return answered if per is None else _per(answered, columns, per)

    def _aggregate_flow(
        self, asked: _Flow[Question], strict: bool | None, usd: bool
    ) -> _Flow[MarketTable[Any]]:
        answered = yield from self._quantity_flow(asked, strict, usd)
        return _summed(answered)

    # --- internals -------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), UTC)

    def _venues(self, kind: Kind | str, venues: Venues, interval: IntervalInput) -> list[str]:
        if venues != "all":
            return _names("venues", venues)
        table = capabilities(self._sources).filter(
            kind=Kind(kind).value, interval=Interval.parse(interval).value
        )
        found = sorted(set(table.get_column("venue").drop_nulls()))
        if not found:
            raise UnsupportedError(
                f"no provider offers {Kind(kind).value} at {Interval.parse(interval).value}",
                provider="marketdata",
                what=Kind(kind).value,
            )
        return found

    def _source(self, provider: str) -> Any:
        for source in self._sources:
            if source.provider == provider:
                return source
        raise ValidationError(
            f"no {provider!r} among the facade's providers "
            f"({', '.join(source.provider for source in self._sources)})"
        )

    def _markets_of(self, source: Any) -> Table[Any]:
        """A source's market table, read by the runner when a flow asked for it.

        Raises:
            CryptoDataError: The error reading it raised, when there is no table to use.
        """
        with self._lock:
            read = self._markets.get(id(source))
            if read is None:
                raise self._unreadable[id(source)]
            return read[1]

    def _market_failure(self, source: Any) -> CryptoDataError | None:
        """Why a source's market table could not be read, when there is none to use."""
        with self._lock:
            return None if id(source) in self._markets else self._unreadable.get(id(source))

    def _unread(self, sources: Sequence[Any]) -> list[Any]:
        """The sources whose market tables are not read yet, or were read `market_ttl` ago."""
        with self._lock:
            return [source for source in sources if self._stale(source)]

    def _stale(self, source: Any) -> bool:
        read = self._markets.get(id(source))
        return read is None or source.clock.monotonic() - read[0] >= self._market_ttl

    def _keep(self, source: Any, markets: Table[Any] | BaseException) -> None:
        with self._lock:
            if isinstance(markets, BaseException):
                if not isinstance(markets, CryptoDataError):
                    raise markets
                # The question goes on without this source's shares (each one reported);
                # an older table, if any, stays in use, and the next question reads again.
                self._unreadable[id(source)] = markets
                return
            self._unreadable.pop(id(source), None)
            self._markets[id(source)] = (source.clock.monotonic(), markets)
            # Instruments were chosen from the old table: a delisted market must not stay.
            for key in [key for key in self._instruments if key[2] == id(source)]:
                del self._instruments[key]

    def _instrument(
        self, asset: str, venue: str, source: Source, instrument: str | Sequence[str] | None
    ) -> Instrument:
        # Kept as long as the market table they were chosen from: a polling loop resolves
        # each asset once per `market_ttl`.
        key = (asset, venue, id(source), repr(instrument))
        found = self._instruments.get(key)
        if found is None:
            found = self._registry.resolve(
                asset,
                venue,
                self._markets_of(source),
                instrument=instrument,
                provider=source.provider,
            )
            self._instruments[key] = found
        return found

    def _shares(
        self,
        routes: Sequence[Route],
        names: Sequence[str],
        lo: datetime,
        hi: datetime,
        instrument: Instruments,
    ) -> tuple[list[tuple[Share, list[Instrument]]], list[Outcome]]:
        """Each route's share of `[lo, hi)` with its instruments, and an outcome for every
        asset a venue's provider lists no market of.

        An unknown or ambiguous asset name raises: it is the question that is wrong. A venue
        without a market for the asset, or whose provider's market table could not be read,
        is that share's failure, as a provider's error is.
        """
        shares, unresolved = [], []
        for found in routes:
            share_start = max(lo, found.start) if found.start is not None else lo
            share_end = min(hi, found.end) if found.end is not None else hi
            if share_start >= share_end:
                continue
            if (failure := self._market_failure(found.source)) is not None:
                unread = Share(found, (), share_start, share_end)
                unresolved.append(Outcome(unread, 0, 0, error=failure))
                continue
            picks: dict[str, Instrument] = {}
            for name in names:
                try:
                    pick = self._instrument(name, found.venue, found.source, instrument)
                except UnsupportedError as exc:
                    missing = Share(found, (), share_start, share_end)
                    unresolved.append(Outcome(missing, 0, 0, error=exc))
                    continue
                picks[pick.symbol] = pick
            if picks:
                share = Share(found, tuple(picks), share_start, share_end)
                shares.append((share, list(picks.values())))
        return shares, unresolved


class MarketData(_Facade):
    """Canonical market data across providers and venues, on blocking clients (see the module).

    Args:
        providers: The sources to answer from: blocking provider clients (`Coinalyze`,
            `Hyperliquid`, `Ccxt("bybit")`...), each with its own limiter. By default every
            configured provider: the keyless ones (Hyperliquid; ccxt's Binance USDⓈ-M,
            Bybit and OKX, where ccxt is installed) and those whose key is set
            (`COINALYZE_API_KEY`).
        offline: With no `providers`, answer from every provider's bundled samples
            instead (their replay clients): no key, no network.
        registry: The asset registry (the shipped one by default; `AssetRegistry.load(...)`
            for your overrides).
        entities: The entity master research metrics are named with (the shipped one by
            default; `EntityMaster.default().load(...)` for your overrides).
        prefer: Provider names in order of preference, before the default routing order.
        strict: Raise the first provider's error instead of reporting it (per call too).
        market_ttl: Seconds a provider's market table (and the instruments chosen from it)
            is kept before the next question reads it again (a finite number, at least 0),
            by the provider's clock: a long-running poll sees listings and delistings.

    Raises:
        ValidationError: For no providers, something that is not a source, or a bad
            `market_ttl`.

    Examples:
        >>> from cryptodata.providers.hyperliquid.replay import SAMPLE, sample_client
        >>> md = MarketData([sample_client()])
        >>> t = md.ohlcv("BTC", venues="hyperliquid", interval="1h", start=SAMPLE.start)
        >>> len(t), t.report.ok, t.to_polars().item(0, "base")
        (48, True, 'BTC')
    """

    _kind_of_sources = "blocking provider clients"

    def __init__(
        self,
        providers: Sequence[Source] | None = None,
        *,
        offline: bool = False,
        registry: AssetRegistry | None = None,
        entities: EntityMaster | None = None,
        prefer: Sequence[str] = (),
        strict: bool = False,
        market_ttl: float = DEFAULT_MARKET_TTL,
    ) -> None:
        super().__init__(
            _configured(providers, offline, asynchronous=False),
            registry=registry,
            entities=entities,
            prefer=prefer,
            strict=strict,
            market_ttl=market_ttl,
            protocol=Source,
        )
        self._pool: ThreadPoolExecutor | None = None
        self._thread_prefix = f"cryptodata-marketdata-{id(self):x}"

    @property
    def providers(self) -> tuple[Source, ...]:
        """The sources the facade answers from."""
        return tuple(self._sources)

    def resolve(
        self,
        asset: str,
        venue: str,
        *,
        provider: str | None = None,
        instrument: Instruments = None,
    ) -> Instrument:
        """The instrument that stands for `asset` on `venue` (from the provider's markets).

        Args:
            asset: Any name of the asset (`"BTC"`, `"bitcoin"`, `"XBT"`, `"kPEPE"`).
            venue: The venue.
            provider: Whose markets to read; by default the provider routing prefers for the
                venue's OHLCV at 1h.
            instrument: See `AssetRegistry.resolve`.
        """
        return self._run(self._resolve_flow(asset, venue, provider, instrument))

    def question(
        self,
        kind: Kind | str,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        prefer: Sequence[str] | None = None,
        stitch: bool = False,
    ) -> Question:
        """The question routed and resolved, without a data request (see `Question`).

        Market lists may be read (once per provider) to resolve the assets.
        """
        return self._run(
            self._question_flow(
                kind, assets, venues, interval, start, end, instrument, prefer, stitch
            )
        )

    def plan(
        self,
        kind: Kind | str,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        prefer: Sequence[str] | None = None,
        stitch: bool = False,
    ) -> pl.DataFrame:
        """Who answers what, in how many requests at what cost, before any data request.

        Market lists may be read (once per provider) to resolve the assets.

        Returns:
            One row per provider share: venue, provider, symbols, start, end, requests, cost
            (in that provider's limiter units), why it was chosen, and the error of an asset
            the venue's provider lists no market of.
        """
        return self._run(
            self._plan_flow(
                self._question_flow(
                    kind, assets, venues, interval, start, end, instrument, prefer, stitch
                )
            )
        )

    def history(
        self,
        kind: Kind | str,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        prefer: Sequence[str] | None = None,
        stitch: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[Any]:
        """`kind` bars of `assets` on `venues` over `[start, end)` (see the module).

        Raises:
            UnsupportedError: If no provider offers the kind for a venue (before any request).
            ValidationError: For an unknown asset or venue, or other bad arguments.
            CryptoDataError: With `strict`, the first provider's error.
        """
        return self._run(
            self._history_flow(
                self._question_flow(
                    kind, assets, venues, interval, start, end, instrument, prefer, stitch
                ),
                strict,
            )
        )

    def ohlcv(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        strict: bool | None = None,
    ) -> MarketTable[OhlcvBar]:
        """OHLCV bars; see `history`."""
        return self._run(
            self._history_flow(
                self._question_flow(
                    Kind.OHLCV, assets, venues, interval, start, end, instrument, None, False
                ),
                strict,
            )
        )

    def open_interest(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        usd: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[OpenInterestBar]:
        """Open-interest bars (`unit` as each provider gives them); see `history`.

        `usd=True` answers in US dollars where it can without guessing: a value the venue
        gives in a dollar-pegged quote (USD, USDT, USDC) is taken as it is; an amount in the
        base or in contracts is turned into dollars with the market's contract size and its
        close of the same bar, from the same provider (one more request per share whose
        rows need a price); of a bar given both ways the venue's value is kept. Other rows
        (other quotes, an unknown contract size, a provider without candles) stay in their
        unit, and the table's warnings count them. The rules, unit by unit, are in
        `cryptodata.marketdata.usd`.
        """
        return self._run(
            self._quantity_flow(
                self._question_flow(
                    Kind.OPEN_INTEREST,
                    assets,
                    venues,
                    interval,
                    start,
                    end,
                    instrument,
                    None,
                    False,
                ),
                strict,
                usd,
            )
        )

    def funding_rate(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        per: str | None = None,
        strict: bool | None = None,
    ) -> MarketTable[FundingRateBar]:
        """Funding-rate bars (fractions per funding period, `period_hours` beside); see
        `history`.

        `per="8h"` (or `"1h"`, `"1d"`, `"1y"`...) rescales every rate to that period, so
        venues funding every hour, 4 hours or 8 hours compare: `rate * per / period_hours`,
        `period_hours` set to `per`. Rows whose period the provider does not state are left
        as they came, and the table's warnings count them.
        """
        return self._run(
            self._funding_flow(
                self._question_flow(
                    Kind.FUNDING_RATE, assets, venues, interval, start, end, instrument, None, False
                ),
                strict,
                per,
                _BAR_RATES,
            )
        )

    def funding_settlements(
        self,
        assets: Assets,
        *,
        venues: Venues,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        per: str | None = None,
        strict: bool | None = None,
    ) -> MarketTable[FundingSettlement]:
        """Settled funding, one row per settlement (`rate` per `period_hours`); see `history`
        and, for `per=`, `funding_rate`.

        Routed at the hour: the venues' own APIs list their settlements whatever the period.
        """
        return self._run(
            self._funding_flow(
                self._question_flow(
                    Kind.FUNDING_SETTLEMENT,
                    assets,
                    venues,
                    Interval.H1,
                    start,
                    end,
                    instrument,
                    None,
                    False,
                ),
                strict,
                per,
                _SETTLED_RATES,
            )
        )

    def liquidations(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        usd: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[LiquidationBar]:
        """Liquidation bars (longs and shorts liquidated per bar); see `history`.

        `usd=True` turns amounts into US dollars as `open_interest` does, each bar's amount
        priced with the same bar's close (liquidations happen through the bar, so a bar of
        a steep move is an estimate; a venue's own dollar value is kept where it gives one).
        """
        return self._run(
            self._quantity_flow(
                self._question_flow(
                    Kind.LIQUIDATIONS, assets, venues, interval, start, end, instrument, None, False
                ),
                strict,
                usd,
            )
        )

    def long_short_ratio(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        strict: bool | None = None,
    ) -> MarketTable[LongShortRatioBar]:
        """Long/short ratio bars; see `history`."""
        return self._run(
            self._history_flow(
                self._question_flow(
                    Kind.LONG_SHORT_RATIO,
                    assets,
                    venues,
                    interval,
                    start,
                    end,
                    instrument,
                    None,
                    False,
                ),
                strict,
            )
        )

    def aggregate(
        self,
        kind: str,
        asset: str,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        usd: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[Any]:
        """The cross-venue sum of `asset`'s open interest or liquidations, per bar and unit.

        Each venue is answered as `open_interest` or `liquidations` would answer it, then the
        bars are summed per time and unit (quantities in different units are never added):
        `open` and `close` for open interest, `longs` and `shorts` for liquidations. Each row
        says how many venues (`venues`) and which (`exchanges`) its sum holds, so a bar a
        venue lacks shows as a smaller sum with fewer venues, never as a silent gap. With
        `usd=True` the venues are first turned into dollars (see `open_interest`), so every
        venue that can be is in one `usd` sum.

        Returns:
            A table of kind `open_interest_aggregate` or `liquidations_aggregate`, `provider`
            `"marketdata"`, with the venues' report.

        Raises:
            ValidationError: For a kind other than `"open_interest"` or `"liquidations"`.
        """
        return self._run(
            self._aggregate_flow(
                self._question_flow(
                    _summable(kind), asset, venues, interval, start, end, instrument, None, False
                ),
                strict,
                usd,
            )
        )

    def metrics(
        self,
        entities: str | Sequence[str],
        metrics: str | Sequence[str],
        *,
        interval: IntervalInput = "1d",
        start: TimeInput,
        end: TimeInput | None = None,
        prefer: Sequence[str] | None = None,
        strict: bool | None = None,
    ) -> MarketTable[Metric]:
        """Canonical metrics about entities across the research providers, as one table.

        Each `(entity, metric)` is answered by the first provider (in `prefer` order, then
        the facade's) whose coverage offers the metric at the interval and whose id of the
        entity the entity master knows (`cryptodata.marketdata.metric_routing`); rows carry
        the canonical `entity` beside the provider's own `provider_id`. A metric whose
        providers know no id of an entity is a reported share.

        Args:
            entities: Entities by any name the master knows (`"solana"`, `"SOL"`, `"sol"`).
            metrics: Canonical metric names (`cryptodata.core.metric_names.METRIC_NAMES`).
            interval: Bar interval (daily by default).
            start: Start of the window (inclusive).
            end: End of the window (exclusive); defaults to now.
            prefer: Provider names to prefer for this call.
            strict: Raise the first failure instead of reporting it.

        Raises:
            UnknownEntityError: For a name no entity answers to (before any request).
            UnsupportedError: For a metric no provider offers at the interval, naming what
                is offered (before any request).
        """
        return self._run(
            self._metrics_flow(entities, metrics, interval, start, end, prefer, strict)
        )

    def onchain_summary(
        self,
        asset: str = "BTC",
        *,
        metrics: Mapping[str, Sequence[str]] | None = None,
        lookback: float = 14,
        prefer: Sequence[str] | None = None,
    ) -> tuple[pl.DataFrame, Report]:
        """The latest value of each on-chain, sentiment and valuation metric of `asset`.

        One row per metric of `metrics` (by group; `SUMMARY_METRICS` by default: network,
        sentiment, valuation, activity) with its newest value over the last `lookback` days
        of its provider's clock, its time, unit and provider; a metric without a value has
        a null `value` and an `error` saying why (no provider offers it, no id of the
        entity, the request failed, nothing in the window). See
        `cryptodata.marketdata.summary`.

        Returns:
            The summary frame (`SUMMARY_SCHEMA`) and the report of every share.

        Raises:
            UnknownEntityError: For an asset the entity master does not know.
            ValidationError: For a `lookback` that is not a positive number of days.
        """
        return self._run(self._summary_flow(asset, metrics, lookback, prefer))

    def close(self) -> None:
        """Stop the fan-out's threads (the provider clients are yours to close)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, flow: _Flow[T]) -> T:
        """Run a flow on the blocking clients: markets read in turn, shares fanned out on
        the facade's threads."""
        try:
            effect = next(flow)
            while True:
                if isinstance(effect, _LoadMarkets):
                    for source in self._unread(effect.sources):
                        self._keep(source, _read_markets(source))
                    effect = flow.send(None)
                else:
                    answer = fetch_shares(
                        effect.kind, effect.shares, strict=effect.strict, pool=self._threads()
                    )
                    effect = flow.send(answer)
        except StopIteration as done:
            result: T = done.value
            return result

    def _threads(self) -> ThreadPoolExecutor:
        """The fan-out's threads, made on first use and kept (starting threads costs ms)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=len(self._sources), thread_name_prefix=self._thread_prefix
                )
            return self._pool


class AsyncMarketData(_Facade):
    """The asyncio twin of `MarketData`, on asyncio provider clients (`AsyncCoinalyze`,
    `AsyncHyperliquid`, `AsyncCcxt`...): same methods, awaited, same results.

    Args:
        providers: asyncio provider clients; by default those of every configured provider
            (as `MarketData`'s).
        offline: With no `providers`, every provider's bundled samples instead.
        registry: See `MarketData`.
        entities: See `MarketData`.
        prefer: See `MarketData`.
        strict: See `MarketData`.
        market_ttl: See `MarketData`.

    Examples:
        >>> from cryptodata.providers.ccxt.replay import SAMPLE, sample_async_client
        >>> async def main():
        ...     async with AsyncMarketData([sample_async_client("bybit")]) as md:
        ...         return await md.ohlcv("BTC", venues="bybit", interval="1h", start=SAMPLE.start)
        >>> len(asyncio.run(main()))
        48
    """

    _kind_of_sources = "asyncio provider clients"

    def __init__(
        self,
        providers: Sequence[AsyncSource] | None = None,
        *,
        offline: bool = False,
        registry: AssetRegistry | None = None,
        entities: EntityMaster | None = None,
        prefer: Sequence[str] = (),
        strict: bool = False,
        market_ttl: float = DEFAULT_MARKET_TTL,
    ) -> None:
        super().__init__(
            _configured(providers, offline, asynchronous=True),
            registry=registry,
            entities=entities,
            prefer=prefer,
            strict=strict,
            market_ttl=market_ttl,
            protocol=AsyncSource,
        )

    @property
    def providers(self) -> tuple[AsyncSource, ...]:
        """The sources the facade answers from."""
        return tuple(self._sources)

    async def resolve(
        self,
        asset: str,
        venue: str,
        *,
        provider: str | None = None,
        instrument: Instruments = None,
    ) -> Instrument:
        """See `MarketData.resolve`."""
        return await self._arun(self._resolve_flow(asset, venue, provider, instrument))

    async def question(
        self,
        kind: Kind | str,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        prefer: Sequence[str] | None = None,
        stitch: bool = False,
    ) -> Question:
        """See `MarketData.question`."""
        return await self._arun(
            self._question_flow(
                kind, assets, venues, interval, start, end, instrument, prefer, stitch
            )
        )

    async def plan(
        self,
        kind: Kind | str,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        prefer: Sequence[str] | None = None,
        stitch: bool = False,
    ) -> pl.DataFrame:
        """See `MarketData.plan`."""
        return await self._arun(
            self._plan_flow(
                self._question_flow(
                    kind, assets, venues, interval, start, end, instrument, prefer, stitch
                )
            )
        )

    async def history(
        self,
        kind: Kind | str,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        prefer: Sequence[str] | None = None,
        stitch: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[Any]:
        """See `MarketData.history`."""
        return await self._arun(
            self._history_flow(
                self._question_flow(
                    kind, assets, venues, interval, start, end, instrument, prefer, stitch
                ),
                strict,
            )
        )

    async def ohlcv(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        strict: bool | None = None,
    ) -> MarketTable[OhlcvBar]:
        """See `MarketData.ohlcv`."""
        return await self._arun(
            self._history_flow(
                self._question_flow(
                    Kind.OHLCV, assets, venues, interval, start, end, instrument, None, False
                ),
                strict,
            )
        )

    async def open_interest(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        usd: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[OpenInterestBar]:
        """See `MarketData.open_interest`."""
        return await self._arun(
            self._quantity_flow(
                self._question_flow(
                    Kind.OPEN_INTEREST,
                    assets,
                    venues,
                    interval,
                    start,
                    end,
                    instrument,
                    None,
                    False,
                ),
                strict,
                usd,
            )
        )

    async def funding_rate(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        per: str | None = None,
        strict: bool | None = None,
    ) -> MarketTable[FundingRateBar]:
        """See `MarketData.funding_rate`."""
        return await self._arun(
            self._funding_flow(
                self._question_flow(
                    Kind.FUNDING_RATE, assets, venues, interval, start, end, instrument, None, False
                ),
                strict,
                per,
                _BAR_RATES,
            )
        )

    async def funding_settlements(
        self,
        assets: Assets,
        *,
        venues: Venues,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        per: str | None = None,
        strict: bool | None = None,
    ) -> MarketTable[FundingSettlement]:
        """See `MarketData.funding_settlements`."""
        return await self._arun(
            self._funding_flow(
                self._question_flow(
                    Kind.FUNDING_SETTLEMENT,
                    assets,
                    venues,
                    Interval.H1,
                    start,
                    end,
                    instrument,
                    None,
                    False,
                ),
                strict,
                per,
                _SETTLED_RATES,
            )
        )

    async def liquidations(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        usd: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[LiquidationBar]:
        """See `MarketData.liquidations`."""
        return await self._arun(
            self._quantity_flow(
                self._question_flow(
                    Kind.LIQUIDATIONS, assets, venues, interval, start, end, instrument, None, False
                ),
                strict,
                usd,
            )
        )

    async def long_short_ratio(
        self,
        assets: Assets,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        strict: bool | None = None,
    ) -> MarketTable[LongShortRatioBar]:
        """See `MarketData.long_short_ratio`."""
        return await self._arun(
            self._history_flow(
                self._question_flow(
                    Kind.LONG_SHORT_RATIO,
                    assets,
                    venues,
                    interval,
                    start,
                    end,
                    instrument,
                    None,
                    False,
                ),
                strict,
            )
        )

    async def aggregate(
        self,
        kind: str,
        asset: str,
        *,
        venues: Venues,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
        instrument: Instruments = None,
        usd: bool = False,
        strict: bool | None = None,
    ) -> MarketTable[Any]:
        """See `MarketData.aggregate`."""
        return await self._arun(
            self._aggregate_flow(
                self._question_flow(
                    _summable(kind), asset, venues, interval, start, end, instrument, None, False
                ),
                strict,
                usd,
            )
        )

    async def metrics(
        self,
        entities: str | Sequence[str],
        metrics: str | Sequence[str],
        *,
        interval: IntervalInput = "1d",
        start: TimeInput,
        end: TimeInput | None = None,
        prefer: Sequence[str] | None = None,
        strict: bool | None = None,
    ) -> MarketTable[Metric]:
        """See `MarketData.metrics`."""
        return await self._arun(
            self._metrics_flow(entities, metrics, interval, start, end, prefer, strict)
        )

    async def onchain_summary(
        self,
        asset: str = "BTC",
        *,
        metrics: Mapping[str, Sequence[str]] | None = None,
        lookback: float = 14,
        prefer: Sequence[str] | None = None,
    ) -> tuple[pl.DataFrame, Report]:
        """See `MarketData.onchain_summary`."""
        return await self._arun(self._summary_flow(asset, metrics, lookback, prefer))

    async def aclose(self) -> None:
        """Nothing to release: the provider clients are yours to close."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _arun(self, flow: _Flow[T]) -> T:
        """Run a flow on the asyncio clients: markets read and shares fetched concurrently."""
        try:
            effect = next(flow)
            while True:
                if isinstance(effect, _LoadMarkets):
                    unread = self._unread(effect.sources)
                    tables = await asyncio.gather(
                        *(source.markets() for source in unread), return_exceptions=True
                    )
                    for source, table in zip(unread, tables, strict=True):
                        self._keep(source, table)
                    effect = flow.send(None)
                else:
                    answer = await afetch_shares(effect.kind, effect.shares, strict=effect.strict)
                    effect = flow.send(answer)
        except StopIteration as done:
            result: T = done.value
            return result


def _read_markets(source: Any) -> Table[Any] | CryptoDataError:
    """A source's market table, or the error reading it raised (the question goes on)."""
    try:
        markets: Table[Any] = source.markets()
    except CryptoDataError as exc:
        return exc
    return markets


def _configured(providers: Sequence[Any] | None, offline: bool, *, asynchronous: bool) -> list[Any]:
    """The providers given, or every configured provider's clients (or replay clients)."""
    if providers is not None and offline:
        raise ValidationError("offline=True picks the providers: pass no providers with it")
    if providers is not None:
        return list(providers)
    # The registry names the providers; the facade imports none of them itself.
    from cryptodata.providers.registry import default_sources

    return default_sources(offline=offline, asynchronous=asynchronous)


_PLAN = pl.Schema(
    [
        ("venue", pl.String),
        ("provider", pl.String),
        ("symbols", pl.List(pl.String)),
        ("start", pl.Datetime("ms", "UTC")),
        ("end", pl.Datetime("ms", "UTC")),
        ("requests", pl.Int64),
        ("cost", pl.Int64),
        ("reason", pl.String),
        ("error", pl.String),
    ]
)
"""The columns of `MarketData.plan`."""


def _plan_row(share: Share, requests: int, cost: int, error: Exception | None) -> dict[str, Any]:
    return {
        "venue": share.route.venue,
        "provider": share.route.provider,
        "symbols": list(share.symbols),
        "start": share.start,
        "end": share.end,
        "requests": requests,
        "cost": cost,
        "reason": share.route.reason,
        "error": None if error is None else f"{type(error).__name__}: {error}",
    }


_PER = re.compile(r"(\d+(?:\.\d+)?)([hdy])")
_HOURS = {"h": 1.0, "d": 24.0, "y": 24.0 * 365}


def per_hours(per: str) -> float:
    """Hours in a funding period written `8h`, `1d` or `1y` (365 days).

    Raises:
        ValidationError: For another spelling.

    Examples:
        >>> per_hours("8h"), per_hours("1y")
        (8.0, 8760.0)
    """
    found = _PER.fullmatch(per.strip().lower()) if isinstance(per, str) else None
    if found is None or float(found.group(1)) <= 0:
        raise ValidationError(f"per= is a period such as '1h', '8h', '1d' or '1y', got {per!r}")
    return float(found.group(1)) * _HOURS[found.group(2)]


def _per(table: MarketTable[Any], columns: Sequence[str], per: str) -> MarketTable[Any]:
    """Rates rescaled from each row's funding period to `per` (see `funding_rate`)."""
    hours = per_hours(per)
    frame = table.to_polars()
    period = pl.col("period_hours")
    known = period.is_not_null() & (period > 0)
    rescaled = frame.with_columns(
        *(pl.when(known).then(pl.col(c) * hours / period).otherwise(pl.col(c)) for c in columns),
        pl.when(known).then(pl.lit(hours)).otherwise(period).alias("period_hours"),
    )
    unknown = frame.height - frame.select(known.sum()).item()
    notes = [*table.warnings]
    if unknown:
        notes.append(f"{unknown} rows state no funding period: left per their own period")
    return MarketTable(table.kind, rescaled, notes, report=table.report)


def _names(what: str, value: str | Sequence[str]) -> list[str]:
    listed = [value] if isinstance(value, str) else list(value)
    if not listed or any(not isinstance(item, str) or not item for item in listed):
        raise ValidationError(f"{what} must be a name or a list of names, got {value!r}")
    return list(dict.fromkeys(listed))


def canonical(table: Table[Any], assets: dict[tuple[str, str], str]) -> Table[Any]:
    """`table` with `base` set to the canonical asset of each row's provider and symbol.

    `assets` is a `Question`'s: pipelines write provider tables through it, so stored rows
    name assets as the facade's answers do (`PEPE` for Hyperliquid's `kPEPE`).
    """
    frame = table.to_polars()
    if "base" not in frame.columns:
        return table
    return Table(table.kind, _canonical_bases(frame, assets), table.warnings)


def _canonical_entities(frame: pl.DataFrame, ids: dict[tuple[str, str], str]) -> pl.DataFrame:
    """`entity` set to the canonical entity each row's provider id was asked for: the
    facade's master (with the user's overrides) names them, whatever the client's did."""
    if frame.height == 0 or not ids:
        return frame
    keys = pl.DataFrame(
        [{"provider": p, "provider_id": i, "_entity": e} for (p, i), e in ids.items()],
        schema={"provider": pl.String, "provider_id": pl.String, "_entity": pl.String},
    )
    joined = frame.join(keys, on=["provider", "provider_id"], how="left", maintain_order="left")
    return joined.with_columns(entity=pl.coalesce("_entity", "entity")).drop("_entity")


def _canonical_bases(frame: pl.DataFrame, assets: dict[tuple[str, str], str]) -> pl.DataFrame:
    """`base` set to the canonical asset each row's provider symbol was resolved for."""
    if frame.height == 0 or not assets:
        return frame
    # A question names a few instruments: one condition each is cheaper than a join.
    base: Any = pl.col("base")
    for (provider, symbol), asset in assets.items():
        matches = (pl.col("provider") == provider) & (pl.col("symbol") == symbol)
        base = pl.when(matches).then(pl.lit(asset)).otherwise(base)
    return frame.with_columns(base.alias("base"))


_BAR_RATES: Final = ("open", "high", "low", "close")
_SETTLED_RATES: Final = ("rate",)


def _summable(kind: str) -> str:
    if kind not in {summed.value for summed in AGGREGATES}:
        raise ValidationError(f"aggregate sums open_interest or liquidations, not {kind!r}")
    return kind


def _summed(answered: MarketTable[Any]) -> MarketTable[Any]:
    """The cross-venue sums of `answered`, with its warnings and report."""
    summed = sum_venues(answered, provider="marketdata", warnings=answered.warnings)
    return MarketTable(summed.kind, summed.to_polars(), summed.warnings, report=answered.report)
