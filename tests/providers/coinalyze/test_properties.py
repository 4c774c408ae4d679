"""Property tests of the whole client against the fake: any query returns exactly the truth."""

from __future__ import annotations

from datetime import timedelta

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptodata import Coinalyze, ManualClock

from .conftest import (
    API_KEY,
    BASE_URL,
    NOW,
    NOW_DT,
    FakeCoinalyze,
    assert_exact,
    synthetic,
)

POOL = ["BTCUSDT_PERP.A", "BTCUSD_PERP.A", "BTCUSDT.6", "BTCUSDT_PERP.3", "BTC.H", "BTCUSD.A"]
POOL += [synthetic(i) for i in range(44)]
STEPS = {"1h": 3600, "4h": 14_400, "1d": 86_400}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    method=st.sampled_from(["open_interest_history", "liquidation_history", "ohlcv_history"]),
    interval=st.sampled_from(list(STEPS)),
    windows=st.integers(min_value=1, max_value=6),
    max_points=st.integers(min_value=1, max_value=120),
    offset_bars=st.integers(min_value=0, max_value=400),
    start_jitter=st.integers(min_value=0, max_value=3599),
    overlap=st.integers(min_value=0, max_value=3),
    reverse=st.booleans(),
    usd=st.booleans(),
)
def test_any_query_returns_exactly_the_truth(
    data: st.DataObject,
    method: str,
    interval: str,
    windows: int,
    max_points: int,
    offset_bars: int,
    start_jitter: int,
    overlap: int,
    reverse: bool,
    usd: bool,
) -> None:
    symbols = data.draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=45, unique=True))
    silent = data.draw(st.lists(st.sampled_from(symbols), max_size=3, unique=True))
    bars = data.draw(
        st.integers(min_value=(windows - 1) * max_points + 1, max_value=windows * max_points)
    )
    step = timedelta(seconds=STEPS[interval])
    end = NOW_DT - offset_bars * step
    start = end - bars * step + timedelta(seconds=start_jitter)
    clock = ManualClock(start=NOW)
    fake = FakeCoinalyze(clock)
    fake.extra_bars_after_to = overlap
    fake.reverse = reverse
    for i, symbol in enumerate(silent):
        fake.silence(symbol, "empty" if i % 2 else "omit")
    kwargs = {"convert_to_usd": usd} if method != "ohlcv_history" else {}

    with Coinalyze(
        api_key=API_KEY,
        clock=clock,
        base_url=BASE_URL,
        max_points_per_request=max_points,
        http_transport=httpx.MockTransport(fake.handle),
    ) as client:
        table = getattr(client, method)(symbols, interval=interval, start=start, end=end, **kwargs)

    expected = fake.truth(method, symbols, interval, start, end, convert_to_usd=usd)
    assert_exact(table.to_polars(), expected)
    assert 429 not in fake.statuses()
    assert all(len(call.symbols) <= 20 for call in fake.data_calls)
    answered = set(expected.get_column("symbol").to_list())
    silent_named = " ".join(table.warnings)
    for symbol in symbols:
        if symbol not in answered and fake.market(symbol) is not None:
            assert symbol in silent_named
