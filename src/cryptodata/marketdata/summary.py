"""The on-chain summary: the latest value of each network, sentiment, valuation and activity
metric of an asset, with its time and its source, one row per metric, gaps said out loud.

`MarketData.onchain_summary("BTC")` asks, for each metric of `SUMMARY_METRICS`, the provider
routing picks for it (as `MarketData.metrics` does) for its newest value: each provider over
the last `lookback` of its own clock, so a provider that publishes a day late still answers.
The frame has one row per metric in the order below whatever happened: a metric no provider
offers, one whose provider knows no id of the entity, one whose request failed and one with no
value in the window all have a null `value` and an `error` that says which.

Market-wide metrics (Fear & Greed) are about the crypto market as a whole, the others about
the asset (`cryptodata.marketdata.metric_routing.subject`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs
import polars as pl

from cryptodata.core.entities import Entity, EntityMaster
from cryptodata.core.errors import UnsupportedError
from cryptodata.core.intervals import Interval

from .fanout import Outcome, Report, Share
from .metric_routing import MetricRoutes, route_metrics, subject
from .routing import Covered

__all__ = [
    "SUMMARY_METRICS",
    "SUMMARY_PREFER",
    "SUMMARY_SCHEMA",
    "SummaryPlan",
    "plan_summary",
    "summary_frame",
]

SUMMARY_METRICS: Final[Mapping[str, tuple[str, ...]]] = {
    "network": ("hash_rate", "difficulty", "block_height", "transaction_count"),
    "sentiment": ("fear_greed", "cbbi_confidence"),
    "valuation": ("price", "market_cap", "mvrv"),
    "activity": ("active_addresses", "transfer_volume_usd"),
}
"""The summary's metrics by group, in the order its rows come."""

SUMMARY_PREFER: Final = ("coinmetrics", "blockchaininfo", "cbbi", "feargreed")
"""The providers the summary prefers: the on-chain and sentiment sources, before those that
also answer some of its metrics (market-data and fundamentals providers)."""

SUMMARY_SCHEMA: Final = pl.Schema(
    [
        ("group", pl.String()),
        ("metric", pl.String()),
        ("entity", pl.String()),
        ("value", pl.Float64()),
        ("unit", pl.String()),
        ("ts", pl.Datetime("ms", "UTC")),
        ("provider", pl.String()),
        ("provider_id", pl.String()),
        ("error", pl.String()),
    ]
)
"""The columns of the summary frame."""


@attrs.frozen
class SummaryPlan:
    """The summary's metrics routed: the shares to fetch, and every row's first error.

    Attributes:
        rows: `(group, metric, entity)` in the summary's order.
        shares: The shares to fetch, each over the last `lookback` of its source's clock.
        refused: `(metric, entity) → error` of the metrics routing could not place.
        unresolved: The outcomes of metrics whose providers know no id of the entity.
        provider_ids: `(provider, provider id) → canonical entity id` of every share.
    """

    rows: tuple[tuple[str, str, str], ...]
    shares: tuple[Share, ...]
    refused: dict[tuple[str, str], str]
    unresolved: tuple[Outcome, ...]
    provider_ids: dict[tuple[str, str], str]


def plan_summary(
    sources: Sequence[Covered],
    asset: Entity,
    *,
    master: EntityMaster,
    metrics: Mapping[str, Sequence[str]] = SUMMARY_METRICS,
    lookback: timedelta = timedelta(days=14),
    prefer: Sequence[str] = SUMMARY_PREFER,
) -> SummaryPlan:
    """Route every summary metric of `asset` (market-wide ones of the market); no request."""
    rows: list[tuple[str, str, str]] = []
    wanted: dict[str, list[str]] = {}  # entity id -> its metrics that some source offers
    refused: dict[tuple[str, str], str] = {}
    entities: dict[str, Entity] = {}
    for group, names in metrics.items():
        for metric in names:
            about = subject(asset, metric, master)
            entity = entities.setdefault(about.id, about)
            rows.append((group, metric, entity.id))
            try:
                _route(sources, entity, [metric], master, prefer)
            except UnsupportedError as exc:
                refused[(metric, entity.id)] = str(exc)
            else:
                wanted.setdefault(entity.id, []).append(metric)
    shares: list[Share] = []
    unresolved: list[Outcome] = []
    provider_ids: dict[tuple[str, str], str] = {}
    # One routing per entity: a provider answers all its metrics of the entity in one share.
    for entity_id, offered in wanted.items():
        routed = _route(sources, entities[entity_id], offered, master, prefer)
        shares.extend(_recent(share, lookback) for share in routed.shares)
        unresolved.extend(routed.unresolved)
        provider_ids.update(routed.provider_ids)
        # Unresolved outcomes come in the order of the metrics no share answers.
        answered = {s.partition("@")[0] for share in routed.shares for s in share.symbols}
        lacking = [metric for metric in offered if metric not in answered]
        for metric, outcome in zip(lacking, routed.unresolved, strict=True):
            refused[(metric, entity_id)] = str(outcome.error)
    return SummaryPlan(tuple(rows), tuple(shares), refused, tuple(unresolved), provider_ids)


def summary_frame(plan: SummaryPlan, rows: pl.DataFrame, report: Report) -> pl.DataFrame:
    """One row per summary metric: its newest value (see the module), or why there is none.

    `rows` are the shares' `metric` rows, with the canonical entities of `plan.provider_ids`.
    """
    failed = {
        key: f"{type(outcome.error).__name__}: {outcome.error}"
        for outcome in report.failures
        for key in _asked(outcome.share, plan.rows)
    }
    newest = {(row["metric"], row["entity"]): row for row in rows.sort("ts").iter_rows(named=True)}
    out = []
    for group, metric, entity in plan.rows:
        found = newest.get((metric, entity))
        error = plan.refused.get((metric, entity)) or failed.get((metric, entity))
        if found is None and error is None:
            error = "no value in the window asked"
        out.append(
            {
                "group": group,
                "metric": metric,
                "entity": entity,
                "value": None if found is None else found["value"],
                "unit": None if found is None else found["unit"],
                "ts": None if found is None else found["ts"],
                "provider": None if found is None else found["provider"],
                "provider_id": None if found is None else found["provider_id"],
                "error": None if found is not None else error,
            }
        )
    return pl.DataFrame(out, schema=SUMMARY_SCHEMA)


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _route(
    sources: Sequence[Covered],
    entity: Entity,
    metrics: list[str],
    master: EntityMaster,
    prefer: Sequence[str],
) -> MetricRoutes:
    # The window is set per share afterwards (`_recent`): each source's own "now".
    return route_metrics(
        sources,
        [entity],
        metrics,
        interval=Interval.D1,
        start=_EPOCH,
        end=_EPOCH,
        master=master,
        prefer=prefer,
    )


def _recent(share: Share, lookback: timedelta) -> Share:
    """`share` over the last `lookback` of its source's own clock (today's bar included)."""
    now = datetime.fromtimestamp(share.route.source.clock.time(), UTC)
    return attrs.evolve(share, start=Interval.D1.floor(now - lookback), end=now)


def _asked(share: Share, rows: Iterable[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """The `(metric, entity)` of the summary's rows a share answers."""
    metrics = {symbol.partition("@")[0] for symbol in share.symbols}
    return [
        (metric, entity)
        for _, metric, entity in rows
        if entity == share.route.venue and metric in metrics
    ]
