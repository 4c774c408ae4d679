"""The /rows planner: no request over the cap, exact cover, and the minimum it claims."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cryptodata import Interval
from cryptodata.providers.velo.planner import Plan, Want, aligned, grids, plan, values_per_bucket

HOUR = 3_600_000
INTERVALS = (Interval.M1, Interval.M15, Interval.H1, Interval.D1)


def _want(exchanges: int, ids: int, columns: int, grid: int = 0) -> Want:
    return Want(
        tuple(f"ex{i}" for i in range(exchanges)),
        tuple(f"G{grid}P{i}" for i in range(ids)),
        "products",
        tuple(f"c{i}" for i in range(columns)),
    )


shapes = st.lists(
    st.tuples(
        st.integers(0, 3),  # exchanges; 0: a basis grid, which names none and counts as 3
        st.integers(1, 6),  # products
        st.integers(1, 5),  # columns
    ),
    min_size=1,
    max_size=3,
)
"""Grids of disjoint products, as `grids` makes them."""


def _scheme_minimum(want: Want, buckets: int, cap: int) -> int:
    """Every even cut of the grid, priced by brute force, independently of the planner."""

    def parts(n: int, k: int) -> list[int]:
        return [n // k + (1 if index < n % k else 0) for index in range(k)]

    weight = 1 if want.exchanges else 3
    best = math.inf
    for ke, kp, kc in itertools.product(
        range(1, (len(want.exchanges) or 1) + 1),
        range(1, len(want.ids) + 1),
        range(1, len(want.columns) + 1),
    ):
        sizes = [
            e * weight * p * c
            for e in parts(len(want.exchanges) or 1, ke)
            for p in parts(len(want.ids), kp)
            for c in parts(len(want.columns), kc)
        ]
        if max(sizes) <= cap:
            best = min(best, sum(math.ceil(buckets / (cap // size)) for size in sizes))
    return int(best)


def _cells(found: Plan) -> dict[tuple[str, str, str], list[tuple[int, int]]]:
    windows: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for request in found.requests:
        block = request.want
        for cell in itertools.product(block.exchanges or ("",), block.ids, block.columns):
            windows.setdefault(cell, []).append((request.begin, request.end))
    return windows


@settings(max_examples=200, deadline=None)
@given(
    shapes=shapes,
    interval=st.sampled_from(INTERVALS),
    begin=st.integers(0, 400 * 24 * HOUR),
    span=st.integers(1, 30 * 24 * HOUR),
    cap=st.sampled_from([12, 60, 500, 22_500]),
)
def test_the_plan_is_under_the_cap_covers_every_cell_exactly_and_meets_its_minimum(
    shapes: list[tuple[int, int, int]], interval: Interval, begin: int, span: int, cap: int
) -> None:
    wants = [_want(*shape, grid=index) for index, shape in enumerate(shapes)]
    wants = [want for want in wants if _fits(want, cap)]
    lo, hi = aligned(interval, begin, begin + span)
    buckets = (hi - lo) // (interval.seconds * 1000)

    found = plan("futures", interval, begin, begin + span, wants, cap=cap)

    assert all(request.values <= cap for request in found.requests)
    for windows in _cells(found).values():
        ordered = sorted(windows)
        assert (ordered[0][0], ordered[-1][1]) == (lo, hi)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ordered))  # no gap, no overlap
    asked = sum(values_per_bucket(want) // (1 if want.exchanges else 3) for want in wants)
    assert len(_cells(found)) == asked
    assert len(found.requests) == found.minimum
    assert found.minimum >= found.lower_bound == math.ceil(found.values / cap)
    assert found.minimum == sum(_scheme_minimum(want, buckets, cap) for want in wants)
    if all(values_per_bucket(want) <= cap for want in wants):  # the official clients' batching
        official = sum(math.ceil(buckets / (cap // values_per_bucket(w))) for w in wants)
        assert found.minimum <= official


def _fits(want: Want, cap: int) -> bool:
    return (1 if want.exchanges else 3) <= cap


def test_begin_is_floored_and_end_ceiled_to_the_bucket() -> None:
    found = plan("futures", Interval.H1, HOUR + 1, 3 * HOUR + 1, [_want(1, 1, 1)])

    (request,) = found.requests
    assert (request.begin, request.end) == (HOUR, 4 * HOUR)


def test_resolution_is_sent_as_integer_minutes() -> None:
    found = plan("futures", Interval.D1, 0, 24 * HOUR, [_want(1, 1, 1)])

    assert found.requests[0].request().param_dict["resolution"] == "1440"


def test_a_grid_too_big_for_one_bucket_is_split_by_products_and_columns() -> None:
    want = _want(1, 1_000, 30)  # 30,000 values a bucket: no single request holds one

    found = plan("futures", Interval.H1, 0, HOUR, [want])

    assert all(request.values <= 22_500 for request in found.requests)
    assert len(found.requests) == found.minimum == found.lower_bound == 2


def test_a_basis_request_counts_as_three_exchanges_and_names_none() -> None:
    want = Want((), ("BTC", "ETH"), "coins", ("3m_basis_ann",))

    (request,) = plan("futures", Interval.D1, 0, 10 * 24 * HOUR, [want]).requests

    assert request.values == 10 * 3 * 2
    assert "exchanges" not in request.request().param_dict
    assert request.request().param_dict["coins"] == "BTC,ETH"


def test_exchanges_asking_the_same_products_share_a_grid() -> None:
    found = grids(
        [
            ("binance-futures", "BTCUSDT", "products", ["close_price"]),
            ("bybit", "BTCUSDT", "products", ["close_price"]),
            ("binance-futures", "ETHUSDT", "products", ["close_price"]),
        ]
    )

    assert [(w.exchanges, w.ids) for w in found] == [
        (("binance-futures",), ("BTCUSDT", "ETHUSDT")),
        (("bybit",), ("BTCUSDT",)),
    ]


def test_the_top_50_hourly_year_plan_meets_the_lower_bound() -> None:
    want = Want(
        ("binance-futures",),
        tuple(f"C{i}USDT" for i in range(50)),
        "products",
        ("close_price", "dollar_open_interest_close", "funding_rate"),
    )

    found = plan("futures", Interval.H1, 0, 365 * 24 * HOUR, [want])

    assert len(found.requests) == found.minimum == found.lower_bound == 59
