"""`--provider marketdata` on `backfill`, `update` and `watch`: the pipelines across providers.

Assets come from `--bases`, venues from `--exchanges` (or `--venues`, as `cryptodata fetch`
spells it; `all` for every venue some provider offers a kind for), and `--kinds` is required (each venue is routed per kind). The facade is built by
`build_facade`, the one place it is made (tests replace it): every configured provider, as
`cryptodata fetch` has it, or with `--offline` every provider's bundled samples. Each command
logs one line per provider share (`AcrossReport.summary`), and a share that failed makes the
exit status the one of its error, after the other shares are written.
"""

from __future__ import annotations

import argparse
import logging

import attrs

from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.time import time_range, to_utc
from cryptodata.marketdata.facade import MarketData
from cryptodata.pipeline.across import (
    AcrossPlan,
    AcrossReport,
    backfill_across,
    plan_across,
    update_across,
)
from cryptodata.pipeline.watch import watch_across
from cryptodata.sinks.base import check_storable

from ._common import (
    check_sink_spec,
    duration,
    exit_code,
    open_sink,
    setup_logging,
    silenced,
)

__all__ = ["build_facade", "run_backfill", "run_update", "run_watch"]

logger = logging.getLogger("cryptodata.cli")

_EXAMPLE = "--bases BTC,ETH --exchanges binance,hyperliquid --kinds ohlcv"


@attrs.frozen
class _Asked:
    """The question the arguments ask, checked without a request."""

    kinds: list[Kind]
    assets: list[str]
    venues: str | list[str]
    interval: Interval


def build_facade(*, offline: bool) -> MarketData:
    """The facade of every configured provider, or (`offline`) of their bundled samples."""
    return MarketData(offline=True) if offline else MarketData()


def run_backfill(args: argparse.Namespace) -> int:
    """Backfill across providers (or, with `--dry-run`, print every share's plan)."""
    setup_logging(args)
    asked = _arguments(args)
    with build_facade(offline=args.offline) as md, open_sink(args.sink) as sink:
        if args.dry_run:
            # The table printed is the plan: the planner's own log lines would repeat it.
            with silenced("cryptodata.pipeline"):
                planned = plan_across(
                    md,
                    asked.kinds,
                    asked.assets,
                    venues=asked.venues,
                    interval=asked.interval,
                    start=args.start,
                    end=args.end,
                    sink=sink,
                    lag=args.lag,
                )
            print(_render(planned, asked, offline=args.offline))
            return 0
        report = backfill_across(
            md,
            asked.kinds,
            asked.assets,
            venues=asked.venues,
            interval=asked.interval,
            start=args.start,
            end=args.end,
            sink=sink,
            lag=args.lag,
        )
    return _summarise(report)


def run_update(args: argparse.Namespace) -> int:
    """Update every series of the assets on the venues, each from its newest stored bar."""
    setup_logging(args)
    asked = _arguments(args)
    with build_facade(offline=args.offline) as md, open_sink(args.sink) as sink:
        report = update_across(
            md,
            asked.kinds,
            asked.assets,
            venues=asked.venues,
            interval=asked.interval,
            sink=sink,
            start=args.start,
            end=args.end,
            lag=args.lag,
        )
    return _summarise(report)


def run_watch(args: argparse.Namespace) -> int:
    """Watch across providers; exit 1 if every cycle failed (as a one-provider watch)."""
    setup_logging(args)
    asked = _arguments(args)
    with build_facade(offline=args.offline) as md, open_sink(args.sink) as sink:
        stats = watch_across(
            md,
            asked.kinds,
            asked.assets,
            venues=asked.venues,
            interval=asked.interval,
            sink=sink,
            delay=args.delay,
            lag=args.lag,
            start=args.start,
            max_cycles=args.cycles,
        )
    return 0 if stats.failures < stats.cycles else 1


def _arguments(args: argparse.Namespace) -> _Asked:
    """The options `marketdata` takes, checked before the facade is built.

    Raises:
        ValidationError: For `--symbols`, `--usd` or `--quote` (the facade resolves and
            converts nothing of the kind), missing `--bases`/`--exchanges`/`--kinds`, a kind
            sinks do not store, a bad interval or time, or `--start` not before `--end`.
    """
    check_sink_spec(args.sink)
    if args.symbols:
        raise ValidationError(
            f"--symbols: marketdata resolves assets on venues itself; use {_EXAMPLE}"
        )
    if args.usd:
        raise ValidationError("--usd: marketdata stores each provider's own units; drop --usd")
    if args.quote:
        raise ValidationError(
            "--quote: marketdata picks each venue's instrument (linear USDT perpetual first); "
            "drop --quote"
        )
    if not args.bases or not args.exchanges or not args.kinds:
        raise ValidationError(f"marketdata needs --bases, --exchanges and --kinds: {_EXAMPLE}")
    kinds = list(dict.fromkeys(check_storable(name) for name in args.kinds))
    interval = Interval.parse(args.interval)
    start = None if args.start is None else to_utc(args.start, name="start")
    end = getattr(args, "end", None)
    stop = None if end is None else to_utc(end, name="end")
    if start is not None and stop is not None:
        time_range(start, stop)
    # `all`, as `cryptodata fetch` takes it: every venue some provider offers the kind for.
    venues = "all" if args.exchanges == ["all"] else list(args.exchanges)
    return _Asked(kinds, list(args.bases), venues, interval)


def _summarise(report: AcrossReport) -> int:
    """Log one line per share and the warnings; the exit status of the first failure."""
    for run in report.runs:
        if run.report is None:
            logger.error("%s", run.describe())
            continue
        logger.info("%s", run.describe())
        for warning in run.report.warnings:
            logger.warning("%s: %s", run.share.route.venue, warning)
    for outcome in report.unresolved:
        route = outcome.share.route
        logger.error(
            "%s %s via %s: %s", route.kind.value, route.venue, route.provider, outcome.error
        )
    logger.info("done: %d requests, %d rows written", report.requests, report.rows_written)
    errors: list[CryptoDataError] = [run.error for run in report.failures if run.error is not None]
    errors += [outcome.error for outcome in report.unresolved if outcome.error is not None]
    return exit_code(errors[0]) if errors else 0


def _render(planned: AcrossPlan, asked: _Asked, *, offline: bool) -> str:
    """Every share's plan as a table, its footer, then the shares that could not be planned."""
    header = ("kind", "venue", "provider", "symbols", "series", "requests", "cost", "est. duration")
    rows = [
        (
            share.kind.value,
            share.share.route.venue,
            share.share.route.provider,
            ",".join(share.share.symbols),
            str(share.plan.series),
            str(share.plan.requests),
            str(share.plan.cost),
            duration(share.plan.estimated_seconds),
        )
        for share in planned.plans
        if share.plan is not None
    ]
    table = [header, *rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths[:4], strict=True)]
        cells += [cell.rjust(width) for cell, width in zip(row[4:], widths[4:], strict=True)]
        return "  ".join(cells).rstrip()

    ends = [share.plan.end for share in planned.plans if share.plan is not None]
    until = f" until {max(ends):%Y-%m-%d %H:%M} UTC" if ends else ""
    lists = "the bundled samples (--offline)" if offline else "read from each provider"
    lines = [
        f"backfill plan, dry run (nothing fetched): marketdata, {asked.interval.value} bars{until}",
        "",
        *map(line, table),
        "",
        "cost is in each provider's own rate-limit units; each share's duration is at its "
        "provider's budget",
        f"market lists: {lists}",
    ]
    lines += [f"not planned: {share.describe()}" for share in planned.plans if share.plan is None]
    lines += [
        f"unresolved: {route.kind.value} {route.venue} via {route.provider}: {outcome.error}"
        for outcome in planned.unresolved
        for route in [outcome.share.route]
    ]
    lines += [
        f"warning: {share.share.route.venue}: {warning}"
        for share in planned.plans
        if share.plan is not None
        for warning in share.plan.warnings
    ]
    return "\n".join(lines)
