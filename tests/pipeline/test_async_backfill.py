"""abackfill / aupdate: the asyncio client runs the same plans to the same result."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from polars.testing import assert_frame_equal

from cryptodata import AsyncCoinalyze, Coinalyze, ManualClock, abackfill, aupdate, backfill
from fakes.coinalyze import NOW, NOW_DT, FakeCoinalyze, synthetic
from fakes.sinks import MemorySink

H = timedelta(hours=1)
SYMBOLS = [synthetic(i) for i in range(23)]
KINDS = ["open_interest", "ohlcv"]


def _async_client(fake: FakeCoinalyze, clock: ManualClock) -> AsyncCoinalyze:
    return AsyncCoinalyze(
        api_key=fake.api_key,
        clock=clock,
        http_transport=httpx.MockTransport(fake.handle),
        max_points_per_request=100,
    )


def test_abackfill_stores_what_the_sync_backfill_stores(cz: Coinalyze) -> None:
    start, end = NOW_DT - 250 * H, NOW_DT - 3 * H
    sync_sink, async_sink = MemorySink(), MemorySink()
    backfill(cz, KINDS, SYMBOLS, "1h", start, end, sink=sync_sink)

    async def run() -> int:
        clock = ManualClock(start=NOW)
        async with _async_client(FakeCoinalyze(clock), clock) as client:
            report = await abackfill(client, KINDS, SYMBOLS, "1h", start, end, sink=async_sink)
        return report.requests

    assert asyncio.run(run()) == 2 * 2 * 3
    for kind in KINDS:
        assert_frame_equal(
            async_sink.read(kind).to_polars(), sync_sink.read(kind).to_polars(), check_exact=True
        )


def test_aupdate_resumes_from_the_sink() -> None:
    sink = MemorySink()
    clock = ManualClock(start=NOW)
    fake = FakeCoinalyze(clock)

    async def run() -> None:
        async with _async_client(fake, clock) as client:
            await abackfill(
                client,
                ["open_interest"],
                SYMBOLS[:2],
                "1h",
                NOW_DT - 30 * H,
                NOW_DT - 10 * H,
                sink=sink,
            )
            await aupdate(client, ["open_interest"], SYMBOLS[:2], "1h", sink=sink, end=NOW_DT - H)

    asyncio.run(run())

    truth = fake.truth("open_interest_history", SYMBOLS[:2], "1h", NOW_DT - 30 * H, NOW_DT - H)
    assert_frame_equal(sink.read("open_interest").to_polars(), truth, check_exact=True)
    assert [int(call.param_dict["from"]) for call in fake.data_calls][-1] == int(
        (NOW_DT - 13 * H).timestamp()
    )


def test_aupdate_without_symbols_brings_every_stored_series_to_the_end() -> None:
    sink = MemorySink()
    clock = ManualClock(start=NOW)
    fake = FakeCoinalyze(clock)

    async def run() -> None:
        async with _async_client(fake, clock) as client:
            await abackfill(
                client, ["ohlcv"], SYMBOLS[:3], "1h", NOW_DT - 30 * H, NOW_DT - 10 * H, sink=sink
            )
            await aupdate(client, ["ohlcv"], None, "1h", sink=sink, end=NOW_DT - H)

    asyncio.run(run())

    truth = fake.truth("ohlcv_history", SYMBOLS[:3], "1h", NOW_DT - 30 * H, NOW_DT - H)
    assert_frame_equal(sink.read("ohlcv").to_polars(), truth, check_exact=True)
