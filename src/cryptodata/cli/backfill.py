"""`cryptodata backfill` and `cryptodata update`: fill a sink, resuming where it stopped."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from cryptodata.core.clock import Clock
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.limiters import RateLimiter
from cryptodata.core.schema import Kind, series_key
from cryptodata.core.source import Coverage, SeriesIds, Source, Step
from cryptodata.core.table import Table
from cryptodata.core.time import TimeInput
from cryptodata.pipeline.backfill import (
    BackfillPlan,
    BackfillReport,
    plan_backfill,
    run_plan,
    update,
)
from cryptodata.sinks.base import Sink

from . import _across
from ._common import (
    KEY_VARIABLE,
    add_series_options,
    duration,
    offline_client,
    open_client,
    open_sink,
    provider_of,
    required_symbols,
    series_arguments,
    setup_logging,
    silenced,
    symbols_of,
)
from ._providers import CommandProvider
from ._sharded import add_workers_options, run_sharded

logger = logging.getLogger("cryptodata.cli")

Progress = Callable[[int, BackfillPlan, Table], None]


def register(commands: Any) -> None:
    """Add the `backfill` and `update` sub-commands."""
    backfill = commands.add_parser(
        "backfill", help="fetch history into a sink, resuming where it stopped"
    )
    add_series_options(backfill, start_required=True)
    backfill.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (per kind: series, requests, cost, duration) and fetch nothing; "
        f"needs no key: without {KEY_VARIABLE} it plans on the bundled market list; "
        "ccxt and hyperliquid plan without any request; marketdata prints one line per "
        "provider share, after reading the market lists",
    )
    add_workers_options(backfill)
    backfill.set_defaults(run=run_backfill)
    refresh = commands.add_parser(
        "update",
        help="bring every series in a sink up to now",
        description="Brings every series the sink stores for --provider at --interval (of "
        "--kinds) up to now, each from its newest stored bar. --symbols or --bases/--exchanges "
        "limit it to those markets, and add the ones the sink does not hold yet. With --provider "
        "marketdata, it updates the series of --bases on --exchanges, across providers.",
    )
    add_series_options(
        refresh,
        start_required=False,
        start_help="where series with nothing stored begin (default: the oldest bar the "
        "provider keeps)",
    )
    add_workers_options(refresh)
    refresh.set_defaults(run=run_update)


def run_backfill(args: argparse.Namespace) -> int:
    """Plan, show the plan, then run it with progress."""
    if provider_of(args).facade:
        return _across.run_backfill(args)
    setup_logging(args)
    interval, kinds = series_arguments(args)
    if args.dry_run:
        return _dry_run(args, interval, kinds)
    if args.workers is not None:
        sharded = run_sharded(args, interval, kinds, refresh=False)
        _summarise(sharded)
        return 0 if sharded.ok else 1
    with open_client(args) as client, open_sink(args.sink) as sink:
        plan = plan_backfill(
            client,
            kinds,
            required_symbols(client, args),
            interval,
            args.start,
            args.end,
            sink=sink,
            lag=args.lag,
        )
        with _progress(plan, fancy=not args.json and not args.quiet) as progress:
            report = run_plan(client, plan, sink=sink, progress=progress)
    _summarise(report)
    return 0


def run_update(args: argparse.Namespace) -> int:
    """Update every stored series (or the ones named) from its newest stored bar."""
    if provider_of(args).facade:
        return _across.run_update(args)
    setup_logging(args)
    interval, kinds = series_arguments(args)
    if args.workers is not None:
        sharded = run_sharded(args, interval, kinds, refresh=True)
        _summarise(sharded)
        return 0 if sharded.ok else 1
    with open_client(args) as client, open_sink(args.sink) as sink:
        report = update(
            client,
            kinds,
            symbols_of(client, args),
            interval,
            sink=sink,
            start=args.start,
            end=args.end,
            lag=args.lag,
        )
    _summarise(report)
    return 0


def _summarise(report: BackfillReport) -> None:
    for warning in report.warnings:
        logger.warning("%s", warning)
    logger.info(
        "done: %d requests, %d rows written in %.1fs (%s)",
        report.requests,
        report.rows_written,
        report.elapsed,
        report.plan.describe(),
    )


# -- dry run ---------------------------------------------------------------------------------


def _dry_run(args: argparse.Namespace, interval: Interval, kinds: list[Kind]) -> int:
    """Print the plan as a table; no data request, and no request at all without a key."""
    provider = provider_of(args)
    with ExitStack() as stack:
        offline = stack.enter_context(offline_client(args))
        sink = stack.enter_context(open_sink(args.sink))
        markets = provider.dry_run_markets(args.provider, args, offline, stack)
        client = markets.client
        stand_in = (
            None
            if markets.listed is None
            else _OfflineSource(client, sink, markets.listed, provider, usd=args.usd)
        )
        source = client if stand_in is None else stand_in
        symbols = required_symbols(client, args)
        # The table printed below is the plan: the planner's own log lines would repeat it.
        with silenced("cryptodata.pipeline"):
            plan = plan_backfill(
                source, kinds, symbols, interval, args.start, args.end, sink=sink, lag=args.lag
            )
        now = datetime.fromtimestamp(source.clock.time(), UTC)
        print(render_plan(plan, kinds, source.coverage(), now, label=str(args.provider)))
        print()
        print(f"market list: {markets.origin or f'live, from {source.provider}'}")
        unchecked = [symbol for symbol in symbols if stand_in and symbol in stand_in.unchecked]
        # An empty list (ccxt's) checks none: its origin line says so once.
        if unchecked and markets.listed:
            print(
                "not in it, so not checked (planned from what the sink stores): "
                + ", ".join(unchecked)
            )
        for warning in plan.warnings:
            print(f"warning: {warning}")
    return 0


class _OfflineSource:
    """A client that names only the symbols of a market list it holds, naming the others
    from the sink, so a dry run sends nothing.

    Coinalyze's bundled list holds a handful of markets; ccxt's dry run holds none (naming a
    series needs the venue's list). A symbol not listed is not checked (the real run checks
    it); its series is the one the sink stores for the provider, symbol and interval that
    the provider says is the client's own (`CommandProvider.stores_as`: Coinalyze's unit
    option, ccxt's venue), so the plan resumes it, or, with none stored, starts it at
    `--start`.
    """

    def __init__(
        self,
        client: Source,
        sink: Sink,
        listed: frozenset[str],
        provider: CommandProvider,
        *,
        usd: bool,
    ) -> None:
        self._client = client
        self._sink = sink
        self._listed = listed
        self._command_provider = provider
        self._usd = usd
        self.unchecked: set[str] = set()

    @property
    def provider(self) -> str:
        return self._client.provider

    @property
    def limiter(self) -> RateLimiter:
        return self._client.limiter

    @property
    def clock(self) -> Clock:
        return self._client.clock

    def coverage(self) -> Coverage:
        return self._client.coverage()

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Sequence[str],
        *,
        interval: IntervalInput,
        start: TimeInput,
        end: TimeInput | None = None,
    ) -> list[Step]:
        return self._client.history_steps(kind, symbols, interval=interval, start=start, end=end)

    def series(
        self, kind: Kind | str, symbols: Sequence[str], *, interval: IntervalInput
    ) -> SeriesIds:
        listed = [symbol for symbol in symbols if symbol in self._listed]
        ids = self._client.series(kind, listed, interval=interval) if listed else {}
        step = self.coverage().interval(interval)
        for symbol in symbols:
            if symbol not in self._listed:
                self.unchecked.add(symbol)
                ids[symbol] = self._stored(Kind(kind), symbol, step)
        return ids

    def fetch(self, step: Step) -> Table:
        raise NotImplementedError("a dry run plans; it fetches nothing")

    def markets(self) -> Table:
        return self._client.markets()

    def _stored(self, kind: Kind, symbol: str, interval: Interval) -> dict[str, str]:
        """The stored series of an unlisted symbol, or a name no stored series has."""
        for series in self._sink.series(kind):
            if (
                series["provider"] == self.provider
                and series["symbol"] == symbol
                and series["interval"] == interval.value
                and self._command_provider.stores_as(series, kind, self._client, self._usd)
            ):
                return series
        named = {"provider": self.provider, "symbol": symbol, "interval": interval.value}
        return {column: named.get(column, "unlisted") for column in series_key(kind)}


def render_plan(
    plan: BackfillPlan,
    kinds: Sequence[Kind],
    coverage: Coverage,
    now: datetime,
    *,
    label: str | None = None,
) -> str:
    """The plan as a table: per kind, series, requests, cost, duration, purged-history requests.

    A request for purged history is one whose whole window lies before the oldest bar the
    provider still keeps at `now`: it will come back empty. Each kind's duration is its share
    (by cost) of the plan's estimate. `label` names the provider (`ccxt:bybit`); by default
    the coverage's provider.
    """
    label = label or coverage.provider
    header = ("kind", "series", "requests", "cost", "est. duration", "purged-history requests")
    rows: list[tuple[str, ...]] = []
    for kind in kinds:
        steps = [step for step in plan.steps if step.kind is kind]
        oldest = coverage.check(kind).oldest(plan.interval, now)
        cost = sum(step.cost for step in steps)
        rows.append(
            (
                kind.value,
                str(len({symbol for step in steps for symbol in step.symbols})),
                str(len(steps)),
                str(cost),
                duration(plan.estimated_seconds * cost / plan.cost if plan.cost else 0.0),
                str(sum(1 for step in steps if oldest is not None and step.end <= oldest)),
            )
        )
    purged = sum(int(row[-1]) for row in rows)
    total = (
        "total",
        str(plan.series),
        str(plan.requests),
        str(plan.cost),
        duration(plan.estimated_seconds),
        str(purged),
    )
    table = [header, *rows, total]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    efficiency = plan.cost / plan.minimum_cost if plan.minimum_cost else 1.0
    return "\n".join(
        [
            f"backfill plan, dry run (nothing fetched): {label}, "
            f"{plan.interval.value} bars until {plan.end:%Y-%m-%d %H:%M} UTC",
            "",
            line(header),
            *(line(row) for row in rows),
            line(total),
            "",
            f"cost is in {label} rate-limit units ({plan.rate * 60:g} a minute, the "
            f"first {plan.burst:g} at once); batching symbols makes it {efficiency:.2f}x the "
            "cost of fetching each series alone",
        ]
    )


# -- progress --------------------------------------------------------------------------------


@contextmanager
def _progress(plan: BackfillPlan, *, fancy: bool) -> Iterator[Progress]:
    """A rich progress bar with ETA on a terminal (extra `cli`), else a log line per step."""
    if fancy and sys.stderr.isatty():
        try:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )
        except ImportError:
            pass
        else:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            with Progress(*columns, transient=False) as bar:
                task = bar.add_task("backfill", total=plan.requests)

                def advance(index: int, plan: BackfillPlan, table: Table) -> None:
                    bar.update(task, completed=index + 1, description=f"{table.kind.value:<24}")

                yield advance
                return

    def log_step(index: int, plan: BackfillPlan, table: Table) -> None:
        step = plan.steps[index]
        logger.info(
            "step %d/%d: %s %d symbol(s) %s..%s: %d rows",
            index + 1,
            plan.requests,
            step.kind.value,
            len(step.symbols),
            step.start.isoformat(),
            step.end.isoformat(),
            len(table),
        )

    yield log_step
