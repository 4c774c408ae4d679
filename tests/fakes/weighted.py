"""A second source for pipeline tests, shaped unlike Coinalyze: one symbol per request,
windows aligned to fixed pages, and a cost that grows with the window's length.

Weight-based providers (Hyperliquid's per-request weights, Velo's per-cell cost) charge by
how much a request returns, so a partial window costs less than a full one. Pages are aligned
to multiples of `PAGE_BARS` bars since the epoch, so the *first* window of a series is usually
partial and cheap: exactly the step a cost-ordered plan would move to the end.

The source keeps its own truth: one bar per interval boundary up to the clock's now, values a
pure function of (symbol, ts). `fail_after` makes `fetch` raise a `TransportError` after that
many successful fetches, like a process that dies mid-plan.

`built` and `dying` make it from plain arguments only, as a `SourceConfig` naming them does
in a worker thread or process of a sharded backfill.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from cryptodata import (
    AuthenticationError,
    Kind,
    ManualClock,
    Table,
    TokenBucketLimiter,
    TransportError,
    ValidationError,
    schema,
)
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.schema import series_key
from cryptodata.core.source import Coverage, KindCoverage, SeriesIds, Step
from cryptodata.core.time import TimeInput, time_range

PROVIDER = "weighted"
VENUE = "hyperliquid"
UNIT = "contracts"
PAGE_BARS = 100
"""Windows end on multiples of this many bars since the epoch."""
RETAINED_HOURLY_BARS = 2_000
SYMBOLS = ("AAA", "BBB", "CCC")
NOW = 1_751_328_000.0
"""2025-07-01 00:00:00 UTC."""
NOW_DT = datetime.fromtimestamp(NOW, UTC)

COVERAGE = Coverage(
    PROVIDER,
    (
        KindCoverage(
            Kind.OPEN_INTEREST,
            intervals=(Interval.H1, Interval.D1),
            units=(UNIT,),
            retention=((Interval.H1, RETAINED_HOURLY_BARS),),
        ),
        KindCoverage(Kind.FUNDING_RATE, intervals=(Interval.H1,)),
    ),
    (VENUE,),
)


def cost_of(bars: int) -> int:
    """What a window of `bars` bars costs: 1, plus 1 per started 20 bars."""
    return 1 + math.ceil(bars / 20)


class WeightedSource:
    """The blocking source; `AsyncWeightedSource` is its asyncio twin."""

    provider = PROVIDER

    def __init__(self, clock: ManualClock, *, fail_after: int | None = None) -> None:
        self._clock = clock
        self._limiter = TokenBucketLimiter(50, per=1.0, clock=clock)
        self.fail_after = fail_after
        self.fetched: list[Step] = []
        self.series_calls = 0

    @property
    def limiter(self) -> TokenBucketLimiter:
        return self._limiter

    @property
    def clock(self) -> ManualClock:
        return self._clock

    def coverage(self) -> Coverage:
        return COVERAGE

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Sequence[str],
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        wanted = Kind(kind)
        step = Interval.parse(interval)
        COVERAGE.check(wanted, step)
        lo, hi = time_range(start, end if end is not None else self._now())
        steps = []
        for symbol in symbols:
            self._check_symbol(symbol)
            at = lo
            while at < hi:
                bar = _bar_index(at, step)
                page_end = _from_index((bar // PAGE_BARS + 1) * PAGE_BARS, step)
                until = min(page_end, hi)
                cost = cost_of(_bars_in(at, until, step))
                steps.append(Step(wanted, step, (symbol,), at, until, cost))
                at = until
        return steps

    def series(
        self, kind: Kind | str, symbols: Sequence[str], *, interval: IntervalInput
    ) -> SeriesIds:
        self.series_calls += 1
        wanted = Kind(kind)
        step = Interval.parse(interval)
        for symbol in symbols:
            self._check_symbol(symbol)
        values = {"provider": PROVIDER, "exchange": VENUE, "interval": step.value, "unit": UNIT}
        return {
            symbol: {column: values.get(column, symbol) for column in series_key(wanted)}
            for symbol in symbols
        }

    def fetch(self, step: Step) -> Table:
        if self.fail_after is not None and len(self.fetched) >= self.fail_after:
            raise TransportError("connection reset", provider=PROVIDER, endpoint="/history")
        self.fetched.append(step)
        return self.truth(step.kind, step.symbols, step.interval, step.start, step.end)

    def markets(self) -> Table:
        frame = pl.DataFrame(
            {
                "provider": PROVIDER,
                "exchange": VENUE,
                "symbol": list(SYMBOLS),
                "symbol_on_exchange": list(SYMBOLS),
                "base": list(SYMBOLS),
                "quote": "USD",
                "market_type": "future",
                "is_perpetual": True,
                "margined": "USD",
                "expire_at": None,
                "unit": UNIT,
                "has_long_short_ratio_data": False,
                "has_ohlcv_data": False,
                "has_buy_sell_data": False,
            }
        )
        return Table.from_frame(Kind.MARKETS, frame)

    def truth(
        self,
        kind: Kind,
        symbols: Sequence[str],
        interval: Interval,
        start: datetime,
        end: datetime,
    ) -> Table:
        """Every bar the source holds for `symbols` in `[start, end)`, as its fetch returns them."""
        oldest = COVERAGE.check(kind).oldest(interval, self._now())
        rows: list[dict[str, Any]] = []
        for symbol in symbols:
            at = interval.floor(start)
            at = at if at >= start else interval.add(at, 1)
            while at < end and at <= self._now():
                if oldest is None or at >= oldest:
                    rows.append(_row(kind, symbol, interval, at))
                at = interval.add(at, 1)
        if not rows:
            return Table.empty(kind)
        return Table.from_frame(kind, pl.DataFrame(rows, schema=schema(kind)))

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    @staticmethod
    def _check_symbol(symbol: str) -> None:
        if symbol not in SYMBOLS:
            raise ValidationError(f"unknown {PROVIDER} symbol {symbol!r}")


class AsyncWeightedSource(WeightedSource):
    """The asyncio twin: the same logic behind awaitable I/O methods."""

    async def series(  # type: ignore[override]
        self, kind: Kind | str, symbols: Sequence[str], *, interval: IntervalInput
    ) -> SeriesIds:
        return WeightedSource.series(self, kind, symbols, interval=interval)

    async def fetch(self, step: Step) -> Table:  # type: ignore[override]
        return WeightedSource.fetch(self, step)

    async def markets(self) -> Table:  # type: ignore[override]
        return WeightedSource.markets(self)


def _bar_index(ts: datetime, interval: Interval) -> int:
    return int(ts.timestamp()) // interval.seconds


def _from_index(index: int, interval: Interval) -> datetime:
    return datetime.fromtimestamp(index * interval.seconds, UTC)


def _bars_in(start: datetime, end: datetime, interval: Interval) -> int:
    """How many bars start in `[start, end)`."""
    seconds = interval.seconds
    return math.ceil(end.timestamp() / seconds) - math.ceil(start.timestamp() / seconds)


def _row(kind: Kind, symbol: str, interval: Interval, ts: datetime) -> dict[str, Any]:
    """One bar: every column of the kind's schema, values a pure function of (symbol, ts)."""
    seed = zlib.crc32(symbol.encode()) % 1_000
    hours = int(ts.timestamp()) // 3_600
    text = {
        "provider": PROVIDER,
        "exchange": VENUE,
        "symbol": symbol,
        "base": symbol,
        "interval": interval.value,
        "unit": UNIT,
    }
    row: dict[str, Any] = {}
    for column, dtype in schema(kind).items():
        if column == "ts":
            row[column] = ts
        elif column in text:
            row[column] = text[column]
        elif column == "period_hours":
            row[column] = 1.0
        elif dtype == pl.Float64:
            row[column] = seed + hours % 97 + len(column) / 4
        else:
            row[column] = None
    return row


def built(*, fail_symbol: str | None = None, failures: int = 0, tally: str | None = None) -> Any:
    """A `WeightedSource` at `NOW`, made from plain arguments only: what
    `SourceConfig("fakes.weighted:built", ...)` builds in a worker thread or process.

    With `fail_symbol`, a fetch of that symbol raises a `TransportError` while the file
    `tally` (shared by every worker) records fewer than `failures` failures; `failures=-1`
    fails it every time.
    """
    if fail_symbol is None:
        return WeightedSource(ManualClock(start=NOW))
    assert tally is not None
    return _FlakySource(ManualClock(start=NOW), fail_symbol, failures, tally)


class _FlakySource(WeightedSource):
    def __init__(self, clock: ManualClock, symbol: str, failures: int, tally: str) -> None:
        super().__init__(clock)
        self._symbol = symbol
        self._failures = failures
        self._tally = Path(tally)

    def fetch(self, step: Step) -> Table:
        if self._symbol in step.symbols:
            failed = len(self._tally.read_text()) if self._tally.exists() else 0
            if self._failures < 0 or failed < self._failures:
                with self._tally.open("a") as file:
                    file.write("x")
                raise TransportError("connection reset", provider=PROVIDER, endpoint="/history")
        return super().fetch(step)


def dying() -> Any:
    """A `WeightedSource` at `NOW` whose process dies (no exception, no cleanup) on its first
    fetch of BBB: a worker killed by the OOM killer."""
    return _DyingSource(ManualClock(start=NOW))


class _DyingSource(WeightedSource):
    def fetch(self, step: Step) -> Table:
        if "BBB" in step.symbols:
            os._exit(1)
        return super().fetch(step)


def keyed(*, api_key: str, limiter: Any = None) -> Any:
    """A `WeightedSource` at `NOW` built with an API key (and optionally a limiter), as a
    keyed provider is: every fetch with the key `revoked` is refused with a 401, as a
    provider refuses a revoked key."""
    source = _KeyedSource(ManualClock(start=NOW), api_key)
    if limiter is not None:
        source._limiter = limiter
    return source


class _KeyedSource(WeightedSource):
    def __init__(self, clock: ManualClock, api_key: str) -> None:
        super().__init__(clock)
        self.api_key = api_key

    def fetch(self, step: Step) -> Table:
        if self.api_key == "revoked":
            raise AuthenticationError(
                "the API key is missing, invalid or not allowed here",
                provider=PROVIDER,
                endpoint="/history",
                status=401,
            )
        return super().fetch(step)
