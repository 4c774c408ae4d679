"""Metric routing: which provider answers a canonical metric about an entity, from coverage alone.

For each `(entity, metric)` asked, the candidates are the sources whose `metric` coverage names
the metric (`KindCoverage.metrics`) at the interval, in preference order (`prefer` first, then
the order the facade was given its sources). The first candidate the entity master knows an
id of the entity for answers it (`EntityMaster.provider_id`); a metric that candidates offer
but none knows the entity for is *unresolved*: a reported share, not an error for the whole
question. A metric no source offers at the interval is an `UnsupportedError` naming who
offers it at other intervals, else which metrics the sources do offer.

A provider's metrics about one entity become one share (its symbols the
`"<metric>@<provider id>"` series), so a provider that batches several metrics per request
answers them together. A market-wide metric (`MARKET_WIDE`: Fear & Greed) is about the market
as a whole (`MARKET_ENTITY`) whatever entity it is asked of. No request is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

import attrs

from cryptodata.core.entities import Entity, EntityMaster
from cryptodata.core.errors import UnsupportedError
from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import METRIC_NAMES, metric_symbol
from cryptodata.core.schema import Kind

from .fanout import Outcome, Share
from .routing import Covered, Route

__all__ = ["MARKET_ENTITY", "MARKET_WIDE", "MetricRoutes", "route_metrics", "subject"]

MARKET_WIDE: Final = frozenset({"fear_greed"})
"""Metrics about the market as a whole rather than one asset."""

MARKET_ENTITY: Final = "crypto-market"
"""The entity market-wide metrics are about."""


def subject(entity: Entity, metric: str, master: EntityMaster) -> Entity:
    """What `metric` asked of `entity` is about: the market for a market-wide metric."""
    return master.entity(MARKET_ENTITY) if metric in MARKET_WIDE else entity


@attrs.frozen
class MetricRoutes:
    """A metric question routed: one share per provider and entity, and what no one answers.

    Attributes:
        shares: Each provider's share about one entity: its route (whose `venue` is the
            entity's canonical id) and the provider's series symbols.
        unresolved: An outcome for each metric whose providers know no id of the entity.
        provider_ids: `(provider, provider id) → canonical entity id` of every share.
    """

    shares: tuple[Share, ...]
    unresolved: tuple[Outcome, ...]
    provider_ids: dict[tuple[str, str], str]


def route_metrics(
    sources: Sequence[Covered],
    entities: Iterable[Entity],
    metrics: Sequence[str],
    *,
    interval: Interval,
    start: datetime,
    end: datetime,
    master: EntityMaster,
    prefer: Sequence[str] = (),
) -> MetricRoutes:
    """Route `metrics` about `entities` to sources (see the module).

    Raises:
        UnsupportedError: For a metric no source offers at `interval`.
    """
    offering = {metric: _offering(sources, metric, interval, prefer) for metric in metrics}
    symbols: dict[tuple[str, str], list[str]] = {}
    chosen: dict[tuple[str, str], Covered] = {}
    unresolved: list[Outcome] = []
    provider_ids: dict[tuple[str, str], str] = {}
    # Each (entity, metric) once, a market-wide metric about the market.
    asked: dict[tuple[str, str], Entity] = {}
    for entity in entities:
        for metric in metrics:
            about = subject(entity, metric, master)
            asked.setdefault((about.id, metric), about)
    for (_, metric), entity in asked.items():
        found = next(
            (
                (source, provider_id)
                for source in offering[metric]
                if (provider_id := master.provider_id(entity.id, source.provider))
            ),
            None,
        )
        if found is None:
            unresolved.append(_unknown(entity, metric, offering[metric], interval, start, end))
            continue
        source, provider_id = found
        key = (source.provider, entity.id)
        chosen[key] = source
        symbols.setdefault(key, []).append(metric_symbol(provider_id, metric))
        provider_ids[(source.provider, provider_id)] = entity.id
    shares = tuple(
        Share(
            Route(
                entity,
                Kind.METRIC,
                interval,
                provider,
                chosen[(provider, entity)],
                reason=f"{provider} answers {len(listed)} of the metrics asked about {entity}",
            ),
            tuple(listed),
            start,
            end,
        )
        for (provider, entity), listed in symbols.items()
    )
    return MetricRoutes(shares, tuple(unresolved), provider_ids)


def _unknown(
    entity: Entity,
    metric: str,
    offering: list[Covered],
    interval: Interval,
    start: datetime,
    end: datetime,
) -> Outcome:
    """The outcome of a metric whose providers know no id of the entity."""
    names = ", ".join(source.provider for source in offering)
    first = offering[0]
    error = UnsupportedError(
        f"{names} offer {metric} but know no id of {entity.id!r}: add one with an "
        "EntityMaster override",
        provider=first.provider,
        what=f"{metric} of {entity.id}",
    )
    route = Route(entity.id, Kind.METRIC, interval, first.provider, first, reason="no id")
    return Outcome(Share(route, (), start, end), 0, 0, error=error)


def _offering(
    sources: Sequence[Covered], metric: str, interval: Interval, prefer: Sequence[str]
) -> list[Covered]:
    """The sources offering `metric` at `interval`, preferred first."""
    found = [
        source
        for source in sources
        if source.coverage().supports(Kind.METRIC, interval)
        and metric in source.coverage().check(Kind.METRIC).metrics
    ]
    if not found:
        raise UnsupportedError(_nearest(sources, metric, interval), provider="", what=metric)
    rank = {name: index for index, name in enumerate(prefer)}
    return sorted(found, key=lambda source: rank.get(source.provider, len(rank)))


def _nearest(sources: Sequence[Covered], metric: str, interval: Interval) -> str:
    offers = [
        (source.provider, source.coverage().check(Kind.METRIC))
        for source in sources
        if source.coverage().supports(Kind.METRIC)
    ]
    elsewhere = sorted(
        f"{provider} at {', '.join(i.value for i in cover.intervals)}"
        for provider, cover in offers
        if metric in cover.metrics
    )
    if elsewhere:
        return f"no source offers {metric} at {interval.value}: {'; '.join(elsewhere)}"
    known = METRIC_NAMES.get(metric)
    if known is not None and known.elsewhere:
        return f"no source here offers {metric}: {known.elsewhere}"
    offered = sorted({name for _, cover in offers for name in cover.metrics})
    listed = ", ".join(offered) if offered else "none (no metric provider is configured)"
    return f"no source offers the metric {metric!r}; the metrics offered are {listed}"
