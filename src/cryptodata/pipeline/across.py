"""Backfills across providers: a `MarketData` question run as one resumable backfill per share.

`backfill_across(md, kinds, assets, venues=..., ...)` asks the facade to route and resolve each
kind (no data request), then backfills every provider share with that provider's own symbols
and window through `backfill`, so each share plans with its source's costs, resumes from
what the sink stores for its series and writes step by step. Rows are written with the
canonical asset in `base` (as the facade answers them). One share's failure stops only that
share: its error is in the report, what it wrote before stays written, and running the same
backfill again resumes it.

Examples:
    >>> from cryptodata import MarketData, ParquetSink                         # doctest: +SKIP
    >>> with ParquetSink("data/") as sink:                                     # doctest: +SKIP
    ...     backfill_across(MarketData(), ["open_interest", "ohlcv"], ["BTC", "ETH"],
    ...                     venues=["binance", "bybit", "hyperliquid"], interval="1h",
    ...                     start="2025-06-01", sink=sink)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from cryptodata.core.errors import CryptoDataError
from cryptodata.core.intervals import IntervalInput
from cryptodata.core.schema import Kind
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput
from cryptodata.marketdata.facade import MarketData, canonical
from cryptodata.marketdata.fanout import Outcome, Share
from cryptodata.sinks.base import Sink, SinkBase

from .backfill import DEFAULT_LAG_BARS, BackfillReport, backfill

__all__ = ["AcrossReport", "ShareRun", "backfill_across"]


@attrs.frozen
class ShareRun:
    """What one provider share's backfill did.

    Attributes:
        kind: The kind.
        share: The share (its route names the venue and provider).
        report: The backfill's report, or `None` if it failed before finishing.
        error: What stopped it, or `None`.
    """

    kind: Kind
    share: Share
    report: BackfillReport | None = None
    error: CryptoDataError | None = None


@attrs.frozen
class AcrossReport:
    """Every share's run, and the assets no provider of a venue lists.

    Attributes:
        runs: One per share, in the order run.
        unresolved: An outcome for each asset a venue's provider lists no market of.
    """

    runs: tuple[ShareRun, ...]
    unresolved: tuple[Outcome, ...]

    @property
    def rows_written(self) -> int:
        """Rows the sink accepted, over every share."""
        return sum(run.report.rows_written for run in self.runs if run.report is not None)

    @property
    def failures(self) -> tuple[ShareRun, ...]:
        """The shares whose backfill failed."""
        return tuple(run for run in self.runs if run.error is not None)

    def summary(self) -> str:
        """One line per share: kind, venue, provider, and rows written or the error."""
        lines = []
        for run in self.runs:
            route = run.share.route
            done = (
                f"{run.report.rows_written} rows in {run.report.requests} requests"
                if run.report is not None
                else f"failed: {type(run.error).__name__}: {run.error}"
            )
            lines.append(f"{run.kind.value} {route.venue} via {route.provider}: {done}")
        for outcome in self.unresolved:
            route = outcome.share.route
            lines.append(f"{route.kind.value} {route.venue} via {route.provider}: {outcome.error}")
        return "\n".join(lines)


def backfill_across(
    md: MarketData,
    kinds: Kind | str | Iterable[Kind | str],
    assets: str | Sequence[str],
    *,
    venues: str | Sequence[str],
    interval: IntervalInput,
    start: TimeInput,
    end: TimeInput | None = None,
    sink: Sink,
    lag: int = DEFAULT_LAG_BARS,
    instrument: str | Sequence[str] | None = None,
    prefer: Sequence[str] | None = None,
    stitch: bool = False,
) -> AcrossReport:
    """Backfill `kinds` of `assets` on `venues` over `[start, end)` into `sink` (see the module).

    Raises:
        ValidationError: For an unknown asset, venue or kind (`UnsupportedError` when no
            provider offers a kind for a venue), before any data request.
    """
    wanted = [Kind(kinds)] if isinstance(kinds, str | Kind) else [Kind(k) for k in kinds]
    questions = [
        md.question(
            kind,
            assets,
            venues=venues,
            interval=interval,
            start=start,
            end=end,
            instrument=instrument,
            prefer=prefer,
            stitch=stitch,
        )
        for kind in wanted
    ]
    runs: list[ShareRun] = []
    unresolved: list[Outcome] = []
    for asked in questions:
        unresolved.extend(asked.unresolved)
        writer = _Canonical(sink, asked.assets)
        for share in asked.shares:
            runs.append(_run(asked.kind, share, writer, interval, lag))
    return AcrossReport(tuple(runs), tuple(unresolved))


def _run(kind: Kind, share: Share, sink: Sink, interval: IntervalInput, lag: int) -> ShareRun:
    try:
        report = backfill(
            share.route.source,
            kind,
            list(share.symbols),
            interval,
            share.start,
            share.end,
            sink=sink,
            lag=lag,
        )
    except CryptoDataError as exc:
        return ShareRun(kind, share, error=exc)
    return ShareRun(kind, share, report)


class _Canonical(SinkBase):
    """The sink, writing each table with the canonical asset in `base`; the rest delegated.

    Closing it leaves the caller's sink open: that one is theirs to close.
    """

    def __init__(self, sink: Sink, assets: dict[tuple[str, str], str]) -> None:
        self._sink = sink
        self._assets = assets

    def write(self, table: Table) -> int:
        return self._sink.write(canonical(table, self._assets))

    def last_ts(self, kind: Kind | str, series: Mapping[str, str]) -> datetime | None:
        return self._sink.last_ts(kind, series)

    def series(self, kind: Kind | str) -> list[dict[str, str]]:
        return self._sink.series(kind)

    def read(self, kind: Kind | str, **options: Any) -> Table:
        return self._sink.read(kind, **options)
