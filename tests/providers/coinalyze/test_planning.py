"""Request plans: batches of at most 20 symbols, cost = symbols, windows that tile `[start, end)`."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

from cryptodata import (
    Coinalyze,
    CompositeLimiter,
    Interval,
    ManualClock,
    PlannedRequest,
    RateLimiter,
    SlidingWindowLimiter,
    TokenBucketLimiter,
    ValidationError,
)
from cryptodata.providers.coinalyze.endpoints import (
    ENDPOINTS,
    MAX_SYMBOLS_PER_REQUEST,
    plan_history,
)
from cryptodata.providers.coinalyze.intervals import spelling

from .conftest import API_KEY, BASE_URL, NOW, FakeCoinalyze, synthetic

SYMBOLS_45 = [synthetic(i) for i in range(45)]
JAN = datetime(2025, 1, 1, tzinfo=UTC)
FEB = datetime(2025, 2, 1, tzinfo=UTC)


def _batch(lo: int, hi: int) -> str:
    return ",".join(synthetic(i) for i in range(lo, hi))


EXPECTED_PLAN = [
    PlannedRequest(
        "/ohlcv-history",
        (
            ("symbols", _batch(lo, hi)),
            ("interval", "daily"),
            ("from", "1735689600"),
            ("to", "1738367999"),
        ),
        cost=hi - lo,
    )
    for lo, hi in ((0, 20), (20, 40), (40, 45))
]


def test_plan_lists_exact_requests_without_network(httpx_mock: HTTPXMock) -> None:
    with Coinalyze(api_key=API_KEY, clock=ManualClock(start=NOW), base_url=BASE_URL) as client:
        plan = client.plan("ohlcv_history", SYMBOLS_45, interval="1d", start=JAN, end=FEB)

    assert plan == EXPECTED_PLAN
    assert [request.cost for request in plan] == [20, 20, 5]
    assert httpx_mock.get_requests() == []


def test_fake_receives_exactly_the_planned_requests(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    plan = cz.plan("ohlcv_history", SYMBOLS_45, interval="daily", start=JAN, end=FEB)

    table = cz.ohlcv_history(SYMBOLS_45, interval="daily", start=JAN, end=FEB)

    assert [(call.path, call.params, call.cost) for call in fake.data_calls] == [
        (request.endpoint, request.params, request.cost) for request in plan
    ]
    assert [call.path for call in fake.list_calls] == [
        "/exchanges",
        "/future-markets",
        "/spot-markets",
    ]
    assert len(table) == 45 * 31
    assert 429 not in fake.statuses()


def test_each_request_is_charged_its_symbol_count_to_the_limiter(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    charged: list[int] = []
    acquire = cz.limiter.acquire

    def spy(cost: int = 1) -> None:
        charged.append(cost)
        acquire(cost)

    cz.limiter.acquire = spy  # type: ignore[method-assign]

    cz.open_interest_history(
        SYMBOLS_45,
        interval="1h",
        start=datetime(2025, 6, 30, tzinfo=UTC),
        end=datetime(2025, 7, 1, tzinfo=UTC),
    )

    assert charged == [1, 1, 1, 20, 20, 5]
    assert [call.cost for call in fake.data_calls] == [20, 20, 5]
    # 48 units > 40 per minute: the third batch waited for the window to roll.
    assert fake.data_calls[2].time - fake.data_calls[0].time == 60.0
    assert clock.time() - NOW == 60.0


def test_snapshot_plan_batches_and_carries_convert_to_usd(httpx_mock: HTTPXMock) -> None:
    symbols = [synthetic(i) for i in range(21)]
    with Coinalyze(api_key=API_KEY, clock=ManualClock(start=NOW)) as client:
        plan = client.plan("open_interest", symbols, convert_to_usd=True)

    assert plan == [
        PlannedRequest(
            "/open-interest",
            (("symbols", _batch(0, 20)), ("convert_to_usd", "true")),
            cost=20,
        ),
        PlannedRequest(
            "/open-interest",
            (("symbols", synthetic(20)), ("convert_to_usd", "true")),
            cost=1,
        ),
    ]


def test_plan_drops_repeated_symbols_keeping_order(httpx_mock: HTTPXMock) -> None:
    with Coinalyze(api_key=API_KEY, clock=ManualClock(start=NOW)) as client:
        plan = client.plan("funding_rate", ["BTC.H", "BTCUSDT.6", "BTC.H"])

    assert plan == [PlannedRequest("/funding-rate", (("symbols", "BTC.H,BTCUSDT.6"),), cost=2)]


def test_plan_end_defaults_to_the_clock_now(httpx_mock: HTTPXMock) -> None:
    with Coinalyze(api_key=API_KEY, clock=ManualClock(start=NOW)) as client:
        (request,) = client.plan(
            "liquidation_history", "BTC.H", interval="1h", start=datetime(2025, 6, 30, tzinfo=UTC)
        )

    assert request.param_dict == {
        "symbols": "BTC.H",
        "interval": "1hour",
        "from": "1751241600",
        "to": str(int(NOW) - 1),
        "convert_to_usd": "false",
    }


def test_plan_of_a_history_method_needs_interval_and_start(httpx_mock: HTTPXMock) -> None:
    with Coinalyze(api_key=API_KEY, clock=ManualClock(start=NOW)) as client:
        with pytest.raises(ValidationError, match="ohlcv_history needs interval= and start="):
            client.plan("ohlcv_history", "BTC.H", interval="1h")
        with pytest.raises(ValidationError, match="unknown Coinalyze endpoint 'ohlc'"):
            client.plan("ohlc", "BTC.H")


def test_max_points_per_request_below_one_is_rejected() -> None:
    with pytest.raises(
        ValidationError, match="max_points_per_request must be an integer from 1 to 1000000, got 0"
    ):
        Coinalyze(api_key=API_KEY, max_points_per_request=0)


@settings(max_examples=150, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=90),
    interval=st.sampled_from([Interval.D1, Interval.H1]),
    start_offset=st.integers(min_value=0, max_value=5 * 365 * 86400),
    bars=st.integers(min_value=1, max_value=3000),
    extra_seconds=st.integers(min_value=-3599, max_value=3599),
    max_points=st.integers(min_value=1, max_value=2500),
    endpoint_name=st.sampled_from(
        ["open_interest_history", "ohlcv_history", "liquidation_history", "funding_rate_history"]
    ),
)
def test_plan_history_batches_and_windows_tile_the_range(
    count: int,
    interval: Interval,
    start_offset: int,
    bars: int,
    extra_seconds: int,
    max_points: int,
    endpoint_name: str,
) -> None:
    symbols = [f"X{i}USDT_PERP.A" for i in range(count)]
    start = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(seconds=start_offset)
    end = start + interval.timedelta * bars + timedelta(seconds=extra_seconds)
    if end <= start:
        end = start + timedelta(seconds=1)

    plan = plan_history(
        ENDPOINTS[endpoint_name], symbols, interval, start, end, max_points=max_points
    )

    batches: dict[str, list[tuple[int, int]]] = {}
    for request in plan:
        params = request.param_dict
        batch = params["symbols"].split(",")
        assert 1 <= len(batch) <= MAX_SYMBOLS_PER_REQUEST
        assert request.cost == len(batch)
        assert params["interval"] == spelling(interval)
        lo, hi = int(params["from"]), int(params["to"])
        assert hi - lo + 1 <= max_points * interval.seconds
        batches.setdefault(params["symbols"], []).append((lo, hi))

    seen = [symbol for key in batches for symbol in key.split(",")]
    assert sorted(seen) == sorted(symbols)
    assert len(seen) == len(set(seen))
    assert len(batches) == math.ceil(count / MAX_SYMBOLS_PER_REQUEST)
    for windows in batches.values():
        assert windows[0][0] == math.ceil(start.timestamp())
        assert windows[-1][1] == math.ceil(end.timestamp()) - 1
        for (_, previous_to), (next_from, _) in itertools.pairwise(windows):
            assert next_from == previous_to + 1
        assert all(lo <= hi for lo, hi in windows)
        assert len(windows) == math.ceil((end - start) / (interval.timedelta * max_points))


@pytest.mark.parametrize(
    ("limiter", "costs"),
    [
        (SlidingWindowLimiter(40, 60.0), [20, 5]),
        (SlidingWindowLimiter(10, 60.0), [10, 10, 5]),
        (
            CompositeLimiter(TokenBucketLimiter(7, per=1.0), SlidingWindowLimiter(40, 60.0)),
            [7, 7, 7, 4],
        ),
    ],
)
def test_batches_shrink_to_fit_the_limiter_capacity(limiter: RateLimiter, costs: list[int]) -> None:
    cz = Coinalyze(api_key=API_KEY, limiter=limiter)
    symbols = [synthetic(i) for i in range(25)]

    history = cz.plan("ohlcv_history", symbols, interval="1d", start="2025-01-01", end="2025-02-01")
    snapshot = cz.plan("open_interest", symbols)

    assert [request.cost for request in history] == costs
    assert [request.cost for request in snapshot] == costs
    assert [
        step.cost
        for step in cz.history_steps(
            "ohlcv", symbols, interval="1d", start="2025-01-01", end="2025-02-01"
        )
    ] == costs
