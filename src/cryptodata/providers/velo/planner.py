"""The `/rows` planner: a query split under Velo's 22,500-value cap, in as few calls as the
scheme allows. Pure: no I/O, no clock.

Velo counts a `/rows` request as `buckets x exchanges x products (or coins) x columns` values
and refuses more than 22,500 (`endpoints.MAX_VALUES`); a basis request counts as 3 exchanges.
A request names a *grid*: every exchange it lists with every product and every column.

**The scheme.** The series asked are first gathered into full grids (`Want`s): series of one
selector (`products` or `coins`) asking the same columns are grouped by exchange, and
exchanges asking the same products share a grid, so a grid holds only cells that were asked
(nothing is fetched twice, nothing unwanted is paid for). Each grid of `e x p x c` cells over
`B` buckets is then cut into blocks: its exchanges into `ke` batches, its products into `kp`,
its columns into `kc`, each list split *evenly* (part sizes differ by at most one, larger
parts first, order kept). Each block of `s` values per bucket is fetched over the whole range
in windows of `w = min(B, floor(22,500 / s))` buckets (the last one shorter).

**What is minimal, and why.** A block holds at most `floor(22,500 / s)` buckets per request,
so covering its `B` buckets takes at least `ceil(B / w)` requests, and uniform windows take
exactly that; blocks share no request, so a cut costs the sum over its blocks. `plan` tries
every cut `(ke, kp, kc)` with `1 <= ke <= e`, `1 <= kp <= p`, `1 <= kc <= c` (skipping only
cuts that cannot be cheaper: a cut of `n` blocks needs at least `n` requests) and keeps the
cheapest, so `Plan.minimum` is the exact minimum over every cut of the scheme, which
includes the official clients' batching (one block, `ke = kp = kc = 1`). It is also never
below the true lower bound `ceil(values / 22,500)` (`Plan.lower_bound`): every request
carries at most 22,500 values and the requests carry every asked value exactly once. It is
*not* claimed minimal over every conceivable request set (uneven or overlapping cuts, grids
merging exchanges with different product lists): that is a covering problem this planner
does not solve; the benchmark prints how close the scheme comes to the bound.

Examples:
    >>> want = Want(("binance-futures",), tuple(f"P{i}USDT" for i in range(50)), "products",
    ...             ("close_price", "dollar_open_interest_close", "funding_rate"))
    >>> found = plan("futures", Interval.H1, 0, 365 * 24 * 3_600_000, [want])
    >>> len(found.requests), found.minimum, found.lower_bound
    (59, 59, 59)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Final, Literal

import attrs

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.request import Request
from cryptodata.core.time import from_ms, to_ms

from .endpoints import BASIS_EXCHANGE_WEIGHT, MAX_VALUES, ProductType, resolution

__all__ = [
    "Plan",
    "RowsRequest",
    "Selector",
    "Want",
    "aligned",
    "grids",
    "plan",
    "values_per_bucket",
]

Selector = Literal["products", "coins"]

_MS_PER_MINUTE: Final = 60_000


@attrs.frozen
class Want:
    """A full grid of asked cells: every exchange with every product (or coin) and column.

    Attributes:
        exchanges: Velo exchange ids; empty for a basis query (counted as 3 exchanges).
        ids: Products (exchange symbols) or coins, per `selector`.
        selector: Whether `ids` are sent as `products` or `coins`.
        columns: The `/rows` columns.
    """

    exchanges: tuple[str, ...]
    ids: tuple[str, ...]
    selector: Selector
    columns: tuple[str, ...]

    @property
    def exchange_weight(self) -> int:
        """What the value cap counts the exchanges as (3 for a basis query, listing none)."""
        return len(self.exchanges) or BASIS_EXCHANGE_WEIGHT


def values_per_bucket(want: Want) -> int:
    """Values one bucket of `want` counts against the cap."""
    return want.exchange_weight * len(want.ids) * len(want.columns)


@attrs.frozen
class RowsRequest:
    """One planned `/rows` request: a block of a grid over one window.

    Attributes:
        product_type: `futures`, `spot` or `options`.
        want: The block: its exchanges, products (or coins) and columns.
        resolution: Bucket size in minutes.
        begin: Window start, Unix ms (a bucket start).
        end: Window end, Unix ms, exclusive (a bucket start).
    """

    product_type: ProductType
    want: Want
    resolution: int
    begin: int
    end: int

    @property
    def buckets(self) -> int:
        """Buckets in the window."""
        return (self.end - self.begin) // (self.resolution * _MS_PER_MINUTE)

    @property
    def values(self) -> int:
        """Values the request counts against the cap."""
        return self.buckets * values_per_bucket(self.want)

    def request(self) -> Request:
        """The request as the transport sends it (lists comma-joined, integers as text)."""
        want = self.want
        params: list[tuple[str, str]] = [("type", self.product_type)]
        if want.exchanges:
            params.append(("exchanges", ",".join(want.exchanges)))
        params += [
            (want.selector, ",".join(want.ids)),
            ("columns", ",".join(want.columns)),
            ("begin", str(self.begin)),
            ("end", str(self.end)),
            ("resolution", str(self.resolution)),
        ]
        return Request("/rows", tuple(params))


@attrs.frozen
class Plan:
    """Every request of a query, and what the plan claims about their number.

    Attributes:
        requests: The requests: block by block, each block's windows oldest first.
        minimum: The fewest requests any cut of the scheme needs (see the module); the plan
            has exactly this many.
        lower_bound: `ceil(values / 22,500)`: no set of requests can do with fewer.
        values: Values the query counts against the cap, over all requests.
    """

    requests: tuple[RowsRequest, ...]
    minimum: int
    lower_bound: int
    values: int


def grids(series: Iterable[tuple[str, str, Selector, Sequence[str]]]) -> list[Want]:
    """The full grids of asked series `(exchange, id, selector, columns)` (see the module).

    Series are kept in the order first seen; a series asked twice has its columns merged.

    Examples:
        >>> grids([("binance-futures", "BTCUSDT", "products", ["close_price"]),
        ...        ("bybit", "BTCUSDT", "products", ["close_price"]),
        ...        ("okex-swap", "BTC-USDT-SWAP", "products", ["close_price"])])  # doctest: +NORMALIZE_WHITESPACE
        [Want(exchanges=('binance-futures', 'bybit'), ids=('BTCUSDT',), selector='products', columns=('close_price',)),
         Want(exchanges=('okex-swap',), ids=('BTC-USDT-SWAP',), selector='products', columns=('close_price',))]
    """
    columns_of: dict[tuple[str, str, Selector], dict[str, None]] = {}
    for exchange, identifier, selector, columns in series:
        columns_of.setdefault((exchange, identifier, selector), {}).update(dict.fromkeys(columns))
    ids_of: dict[tuple[Selector, tuple[str, ...]], dict[str, dict[str, None]]] = {}
    for (exchange, identifier, selector), asked in columns_of.items():
        by_exchange = ids_of.setdefault((selector, tuple(asked)), {})
        by_exchange.setdefault(exchange, {})[identifier] = None
    found: list[Want] = []
    for (selector, columns), by_exchange in ids_of.items():
        exchanges_of: dict[tuple[str, ...], list[str]] = {}
        for exchange, held in by_exchange.items():
            exchanges_of.setdefault(tuple(held), []).append(exchange)
        for ids, exchanges in exchanges_of.items():
            named = tuple(exchange for exchange in exchanges if exchange)
            found.append(Want(named, ids, selector, columns))
    return found


def plan(
    product_type: ProductType,
    interval: Interval,
    begin: int,
    end: int,
    wants: Sequence[Want],
    *,
    cap: int = MAX_VALUES,
) -> Plan:
    """The requests of `wants` over `[begin, end)` (Unix ms), split under `cap` values each.

    `begin` is floored and `end` ceiled to the bucket (`interval`'s start of bar), as Velo's
    clients do, so every window starts and ends on a bucket boundary.

    Args:
        product_type: `futures`, `spot` or `options`.
        interval: Bucket size.
        begin: Start, Unix ms (inclusive).
        end: End, Unix ms (exclusive).
        wants: Full grids of asked cells (`grids` builds them from series).
        cap: Values per request (22,500: only tests pass another).

    Raises:
        ValidationError: For an interval Velo lacks, an empty range, or a cap below 1.
    """
    minutes = resolution(interval)
    if cap < 1:
        raise ValidationError(f"cap must be at least 1, got {cap}")
    lo, hi = aligned(interval, begin, end)
    step = minutes * _MS_PER_MINUTE
    buckets = (hi - lo) // step
    requests: list[RowsRequest] = []
    minimum = 0
    values = 0
    for want in wants:
        if not want.ids or not want.columns:
            continue
        cut, calls = _best_cut(want, buckets, cap)
        minimum += calls
        values += values_per_bucket(want) * buckets
        for block in _blocks(want, cut):
            window = min(buckets, cap // values_per_bucket(block))
            for first in range(0, buckets, window):
                last = min(first + window, buckets)
                requests.append(
                    RowsRequest(product_type, block, minutes, lo + first * step, lo + last * step)
                )
    return Plan(tuple(requests), minimum, math.ceil(values / cap), values)


def aligned(interval: Interval, begin: int, end: int) -> tuple[int, int]:
    """`begin` floored and `end` ceiled to `interval`'s bucket starts, in Unix ms.

    Raises:
        ValidationError: If `begin` is not before `end`.

    Examples:
        >>> aligned(Interval.H1, 3_600_001, 7_200_001)
        (3600000, 10800000)
    """
    if begin >= end:
        raise ValidationError(f"begin ({begin}) must be before end ({end})")
    lo = to_ms(interval.floor(from_ms(begin)))
    floor_end = interval.floor(from_ms(end))
    hi = to_ms(floor_end)
    if hi < end:
        hi = to_ms(interval.add(floor_end, 1))
    return lo, hi


_Cut = tuple[int, int, int]


def _parts(count: int, batches: int) -> list[tuple[int, int]]:
    """`(size, how many)` of `count` items split evenly into `batches` parts."""
    size, extra = divmod(count, batches)
    return [(part, many) for part, many in ((size + 1, extra), (size, batches - extra)) if many]


def _cost(want: Want, cut: _Cut, buckets: int, cap: int) -> int | None:
    """Requests of a cut, or `None` when one of its blocks cannot fit a single bucket."""
    ke, kp, kc = cut
    weight = BASIS_EXCHANGE_WEIGHT if not want.exchanges else 1
    calls = 0
    for exchanges, e_many in _parts(len(want.exchanges) or 1, ke):
        for ids, p_many in _parts(len(want.ids), kp):
            for columns, c_many in _parts(len(want.columns), kc):
                size = exchanges * weight * ids * columns
                if size > cap:
                    return None
                calls += e_many * p_many * c_many * math.ceil(buckets / (cap // size))
    return calls


def _best_cut(want: Want, buckets: int, cap: int) -> tuple[_Cut, int]:
    """The cheapest cut of `want` (ties: fewer blocks), found by trying every cut.

    A cut of `n` blocks needs at least `n` requests, so once the blocks alone are at least as
    many as the best cut's requests, cuts with more batches are skipped: none can be cheaper.

    Raises:
        ValidationError: When not even one cell fits `cap` (a basis cell counts 3 values).
    """
    best: tuple[int, int, _Cut] | None = None
    for ke in range(1, (len(want.exchanges) or 1) + 1):
        for kp in range(1, len(want.ids) + 1):
            if best is not None and ke * kp >= best[0]:
                break
            for kc in range(1, len(want.columns) + 1):
                blocks = ke * kp * kc
                if best is not None and blocks >= best[0]:
                    break
                calls = _cost(want, (ke, kp, kc), buckets, cap)
                if calls is not None and (best is None or (calls, blocks) < best[:2]):
                    best = (calls, blocks, (ke, kp, kc))
    if best is None:
        raise ValidationError(f"not one cell of {want} fits in {cap} values")
    return best[2], best[0]


def _split(items: tuple[str, ...], batches: int) -> list[tuple[str, ...]]:
    size, extra = divmod(len(items), batches)
    parts: list[tuple[str, ...]] = []
    start = 0
    for index in range(batches):
        stop = start + size + (1 if index < extra else 0)
        parts.append(items[start:stop])
        start = stop
    return parts


def _blocks(want: Want, cut: _Cut) -> list[Want]:
    ke, kp, kc = cut
    exchange_parts = _split(want.exchanges, ke) if want.exchanges else [()]
    return [
        Want(exchanges, ids, want.selector, columns)
        for exchanges in exchange_parts
        for ids in _split(want.ids, kp)
        for columns in _split(want.columns, kc)
    ]
