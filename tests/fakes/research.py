"""Research providers for facade tests: daily `metric` rows of any id and metric, one value
per day, 1.0 unless told otherwise; `fail` makes every fetch raise a `TransportError`, `empty`
answer no rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from cryptodata import (
    Coverage,
    Interval,
    Kind,
    KindCoverage,
    ManualClock,
    Step,
    Table,
    TokenBucketLimiter,
    TransportError,
    schema,
)
from cryptodata.core.metric_names import METRIC_NAMES, split_metric_symbol

NOW = datetime(2025, 7, 1, tzinfo=UTC)
D = timedelta(days=1)


class Research:
    """A research provider offering daily `metrics`, one value per (id, metric, day)."""

    def __init__(
        self,
        provider: str,
        metrics: tuple[str, ...],
        *,
        now: datetime = NOW,
        value: float = 1.0,
        fail: bool = False,
        empty: bool = False,
    ) -> None:
        self.provider = provider
        self.metrics = metrics
        self.value = value
        self.fail = fail
        self.empty = empty
        self.clock = ManualClock(start=now.timestamp())
        self.limiter = TokenBucketLimiter(1_000, 1.0, clock=self.clock)
        self.asked: list[tuple[str, ...]] = []

    def coverage(self) -> Coverage:
        offer = KindCoverage(Kind.METRIC, (Interval.D1,), metrics=self.metrics)
        return Coverage(self.provider, (offer,))

    def markets(self) -> Table[Any]:
        return Table.empty(Kind.MARKETS)

    def history_steps(
        self, kind: Any, symbols: Sequence[str], *, interval: Any, start: datetime, end: datetime
    ) -> list[Step]:
        return [Step(Kind.METRIC, Interval.D1, tuple(symbols), start, end, cost=1)]

    def series(
        self, kind: Any, symbols: Sequence[str], *, interval: Any
    ) -> dict[str, dict[str, str]]:
        return {}

    def fetch(self, step: Step) -> Table[Any]:
        self.asked.append(step.symbols)
        if self.fail:
            raise TransportError("connection reset", provider=self.provider, endpoint="/x")
        rows = []
        for symbol in () if self.empty else step.symbols:
            provider_id, metric = split_metric_symbol(symbol)
            day = step.start
            while day < step.end:
                rows.append(
                    {
                        "provider": self.provider,
                        # What a client whose master lacks an override would write.
                        "entity": provider_id.lower(),
                        "metric": metric,
                        "interval": "1d",
                        "ts": day,
                        "value": self.value,
                        "unit": METRIC_NAMES[metric].unit,
                        "provider_id": provider_id,
                    }
                )
                day += D
        return Table.from_frame(Kind.METRIC, pl.DataFrame(rows, schema=schema(Kind.METRIC)))


class AsyncResearch(Research):
    async def fetch(self, step: Step) -> Table[Any]:  # type: ignore[override]
        return Research.fetch(self, step)

    async def series(  # type: ignore[override]
        self, kind: Any, symbols: Sequence[str], *, interval: Any
    ) -> dict[str, dict[str, str]]:
        return {}

    async def markets(self) -> Table[Any]:  # type: ignore[override]
        return Table.empty(Kind.MARKETS)
