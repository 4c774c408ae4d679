"""`AsyncCoinalyze` runs the same flows as `Coinalyze`: same requests, same tables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from cryptodata import AsyncCoinalyze, Coinalyze, ManualClock, Table, ValidationError

from .conftest import API_KEY, BASE_URL, NOW, NOW_DT, FakeCoinalyze, assert_exact, synthetic

H = timedelta(hours=1)
T = TypeVar("T")
SYMBOLS = ["BTCUSDT_PERP.A", "BTCUSDT.6", "BTC.H"]


def _run_async(clock: ManualClock, call: Callable[[AsyncCoinalyze], Awaitable[T]]) -> T:
    async def main() -> T:
        async with AsyncCoinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL) as client:
            return await call(client)

    return asyncio.run(main())


def _same(left: Table, right: Table) -> None:
    assert left.kind is right.kind
    assert_exact(left.to_polars(), right.to_polars())
    assert left.warnings == right.warnings


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("open_interest_history", {"interval": "1h", "start": NOW_DT - 6 * H, "end": NOW_DT}),
        ("funding_rate_history", {"interval": "1h", "start": NOW_DT - 6 * H, "end": NOW_DT}),
        ("long_short_ratio_history", {"interval": "1h", "start": NOW_DT - 6 * H, "end": NOW_DT}),
        ("ohlcv_history", {"interval": "daily", "start": NOW_DT - 900 * 24 * H}),
        ("open_interest", {"convert_to_usd": True}),
        ("predicted_funding_rate", {}),
    ],
)
def test_async_gives_the_same_table_as_sync(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock, method: str, kwargs: dict[str, Any]
) -> None:
    fake.silence("BTC.H", "empty")
    sync_table = getattr(cz, method)(SYMBOLS, **kwargs)
    sync_calls = [(call.path, call.params) for call in fake.data_calls]

    async_table = _run_async(clock, lambda client: getattr(client, method)(SYMBOLS, **kwargs))

    _same(async_table, sync_table)
    assert [(call.path, call.params) for call in fake.data_calls] == sync_calls * 2


def test_async_markets_resolve_and_aggregate_match_sync(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    async def calls(client: AsyncCoinalyze) -> tuple[Table, Table, str, Table]:
        return (
            await client.exchanges(),
            await client.spot_markets(),
            await client.resolve(exchange="bybit", base="BTC", quote="USDT"),
            await client.aggregate("liquidations", "BTC", interval="1h", start=NOW_DT - 3 * H),
        )

    exchanges, spots, symbol, aggregate = _run_async(clock, calls)

    _same(exchanges, cz.exchanges())
    _same(spots, cz.spot_markets())
    assert symbol == cz.resolve(exchange="bybit", base="BTC", quote="USDT") == "BTCUSDT.6"
    _same(aggregate, cz.aggregate("liquidations", "BTC", interval="1h", start=NOW_DT - 3 * H))


def test_async_waits_retry_after_on_the_clock(fake: FakeCoinalyze, clock: ManualClock) -> None:
    fake.fail_next(429, headers={"Retry-After": "5"}, path="/funding-rate")

    async def main() -> tuple[Table, int, int]:
        async with AsyncCoinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL) as client:
            table = await client.funding_rate("BTC.H")
            return table, client.stats.rate_limited, client.stats.retried

    table, rate_limited, retried = asyncio.run(main())

    assert len(table) == 1
    assert (rate_limited, retried) == (1, 1)
    assert clock.time() - NOW == 5.0


def test_async_keeps_the_pace_without_429(fake: FakeCoinalyze, clock: ManualClock) -> None:
    async def main(client: AsyncCoinalyze) -> None:
        for i in range(45):
            await client.funding_rate(synthetic(i))

    _run_async(clock, main)

    assert 429 not in fake.statuses()
    assert clock.time() - NOW == 60.0


def test_async_validation_error_before_any_request(fake: FakeCoinalyze, clock: ManualClock) -> None:
    async def bad(client: AsyncCoinalyze) -> Table:
        return await client.ohlcv_history("BINANCE:BTCUSDT", interval="1h", start=NOW_DT - H)

    with pytest.raises(ValidationError, match="malformed Coinalyze symbol 'BINANCE:BTCUSDT'"):
        _run_async(clock, bad)

    assert fake.calls == []
