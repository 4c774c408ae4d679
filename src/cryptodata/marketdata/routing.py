"""Routing: which provider answers a kind for a venue, decided from `coverage()` alone.

For each venue asked, the router lists the sources whose coverage names the venue and offers
the kind at the interval, then picks one:

1. **Preference.** `prefer` (provider names, first preferred) orders the candidates; by
   default a venue's own API (a source covering that one venue: a ccxt exchange, Hyperliquid)
   comes before an aggregator covering many venues (Coinalyze), and among a venue's own APIs
   the provider named for the venue (Hyperliquid's client) before a library reaching it
   (ccxt). The venue's own API answers
   with the venue's own numbers and budget; the aggregator fills in what venues do not serve
   (liquidation bars, aggregates) and history they no longer keep.
2. **Depth.** A candidate whose oldest bar still kept (`KindCoverage.oldest`) is after the
   requested `start` does not cover the range. With `stitch=True` the range is split: the
   preferred candidate answers what it keeps, and the first one keeping the start (else the
   deepest) the older part (each row's `provider` column says who answered it). Without it,
   the first candidate keeping the start answers alone, else the deepest, and the route says
   what it lacks.
3. **Nothing covers it.** `UnsupportedError`, naming the venue, the kind, and the nearest
   offer (another interval of the kind there, or other venues that have it).

No request is made: routes are the same for a given set of sources, question and clock.

Examples:
    >>> from cryptodata.core.source import Coverage, KindCoverage
    >>> class Demo:
    ...     provider = "demo"
    ...     def coverage(self):
    ...         return Coverage("demo", (KindCoverage(Kind.OHLCV, (Interval.H1,)),), ("binance",))
    >>> (found,) = route([Demo()], Kind.OHLCV, ["binance"], interval="1h")
    >>> found.provider, found.venue, found.start
    ('demo', 'binance', None)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from cryptodata.core.errors import UnsupportedError, ValidationError
from cryptodata.core.intervals import Interval, IntervalInput
from cryptodata.core.schema import Kind
from cryptodata.core.source import Coverage, KindCoverage
from cryptodata.core.time import TimeInput, to_utc
from cryptodata.core.venues import canonical_venue

__all__ = ["Covered", "Route", "route"]


class Covered(Protocol):
    """What routing needs of a source: its name and its coverage (every source has both)."""

    @property
    def provider(self) -> str:
        """The source's name."""
        ...

    def coverage(self) -> Coverage:
        """What the source offers, without I/O."""
        ...


@attrs.frozen
class Route:
    """One provider's share of a question: a kind for a venue, over part of the range.

    Attributes:
        venue: The canonical venue.
        kind: The kind.
        interval: The interval (`None` for kinds without bars).
        provider: Who answers.
        source: The source that answers (the client object).
        start: Where its share starts (`None`: the question's own start).
        end: Where its share ends (`None`: the question's own end).
        reason: Why this source, in a sentence.
        lacks: What of the range it cannot answer (empty when it covers all of it).
    """

    venue: str
    kind: Kind
    interval: Interval | None
    provider: str
    source: Any = attrs.field(repr=False, eq=False)
    start: datetime | None = None
    end: datetime | None = None
    reason: str = ""
    lacks: str = ""


@attrs.frozen
class _Candidate:
    source: Covered
    coverage: KindCoverage
    own: bool  # the venue's own API (the source covers that venue only)
    oldest: datetime | None  # the oldest bar it still keeps; None: unbounded or unknown


def route(
    sources: Iterable[Covered],
    kind: Kind | str,
    venues: Sequence[str],
    *,
    interval: IntervalInput | None = None,
    start: TimeInput | None = None,
    now: datetime | None = None,
    prefer: Sequence[str] = (),
    stitch: bool = False,
) -> list[Route]:
    """The routes that answer `kind` for each of `venues` (see the module for the rules).

    Args:
        sources: The sources to choose from, in no particular order.
        kind: What is asked.
        venues: Venue names (any spelling `canonical_venue` knows).
        interval: The bar interval, for bar kinds.
        start: The range's start, to check each source's depth; `None` checks none.
        now: "Now" for the depth of sources that keep only their newest bars.
        prefer: Provider names, the first preferred; the others follow in the default order.
        stitch: Whether a range no single source keeps may be split across sources.

    Returns:
        One route per venue, in the order asked, or several per venue when stitched (oldest
        share first).

    Raises:
        UnsupportedError: If no source offers the kind at the interval for a venue; the
            message names the nearest offer.
        ValidationError: For an unknown kind, interval or venue, or depth asked without `now`.
    """
    wanted = _kind(kind)
    pool = list(sources)
    step = None if interval is None else Interval.parse(interval)
    begin = None if start is None else to_utc(start)
    if begin is not None and now is None:
        raise ValidationError("route needs now= to check depth against start=")
    routes: list[Route] = []
    for name in venues:
        venue = canonical_venue(name)
        candidates = _candidates(pool, wanted, venue, step, now, prefer)
        if not candidates:
            raise _nothing(pool, wanted, venue, step)
        routes.extend(_choose(candidates, wanted, venue, step, begin, stitch))
    return routes


def _kind(kind: Kind | str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise ValidationError(f"unknown kind {kind!r}") from None


def _candidates(
    sources: list[Covered],
    kind: Kind,
    venue: str,
    step: Interval | None,
    now: datetime | None,
    prefer: Sequence[str],
) -> list[_Candidate]:
    found = []
    for source in sources:
        coverage = source.coverage()
        if venue not in coverage.venues or not coverage.supports(kind, step):
            continue
        offer = coverage.check(kind)
        oldest = None if step is None or now is None else offer.oldest(step, now)
        found.append(_Candidate(source, offer, coverage.venues == (venue,), oldest))
    rank = {provider: position for position, provider in enumerate(prefer)}
    # Stable: sources keep their given order within a rank.
    return sorted(
        found,
        key=lambda c: (
            rank.get(c.source.provider, len(rank)),
            not c.own,
            c.source.provider != venue,
        ),
    )


def _choose(
    candidates: list[_Candidate],
    kind: Kind,
    venue: str,
    step: Interval | None,
    start: datetime | None,
    stitch: bool,
) -> list[Route]:
    def made(candidate: _Candidate, reason: str, **share: Any) -> Route:
        return Route(
            venue, kind, step, candidate.source.provider, candidate.source, reason=reason, **share
        )

    first = candidates[0]
    why = "the venue's own API" if first.own else f"it covers {venue}"
    if start is None or _keeps(first, start):
        return [made(first, f"{why}, first in preference")]
    keeper = next((c for c in candidates[1:] if _keeps(c, start)), None)
    # No candidate left here keeps its whole history (that one would keep the start).
    older = keeper or min(candidates, key=lambda c: c.oldest or start)
    lacks = "" if keeper else f"bars before {_iso(older.oldest)} (no source keeps them)"
    if stitch and older is not first:
        boundary = first.oldest
        return [
            made(
                older,
                f"stitched: the part before {_iso(boundary)}, which "
                f"{first.source.provider} no longer keeps",
                end=boundary,
                lacks=lacks,
            ),
            made(first, f"stitched: {why} from {_iso(boundary)}", start=boundary),
        ]
    if keeper is not None:
        return [
            made(
                keeper,
                f"{first.source.provider} keeps {kind.value} only from "
                f"{_iso(first.oldest)}; {keeper.source.provider} keeps the whole range",
            )
        ]
    return [made(older, "the deepest history of the sources", lacks=lacks)]


def _keeps(candidate: _Candidate, start: datetime) -> bool:
    return candidate.oldest is None or candidate.oldest <= start


def _iso(moment: datetime | None) -> str:
    return "the start" if moment is None else moment.isoformat()


def _nothing(
    sources: list[Covered], kind: Kind, venue: str, step: Interval | None
) -> UnsupportedError:
    """The error for a venue no source answers, naming the nearest offer."""
    here = [s for s in sources if venue in s.coverage().venues and s.coverage().supports(kind)]
    if here and step is not None:
        offered = {i for s in here for i in s.coverage().check(kind).intervals}
        listed = ", ".join(i.value for i in Interval if i in offered)
        nearest = f"{kind.value} for {venue} comes at {listed}"
    else:
        elsewhere = sorted(
            {v for s in sources if s.coverage().supports(kind, step) for v in s.coverage().venues}
        )
        nearest = (
            f"{kind.value} is offered for {', '.join(elsewhere[:8])}"
            f"{' and more' if len(elsewhere) > 8 else ''}"
            if elsewhere
            else f"no source given offers {kind.value}"
        )
    at = f" at {step.value}" if step is not None else ""
    return UnsupportedError(
        f"no source offers {kind.value}{at} for {venue}: {nearest}",
        provider="marketdata",
        what=f"{kind.value}{at} on {venue}",
    )
