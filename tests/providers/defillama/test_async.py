"""`AsyncDefiLlama` answers what `DefiLlama` answers, through the same flows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from polars.testing import assert_frame_equal

from cryptodata import AsyncDefiLlama, DefiLlama, JsonlSink, Kind, ManualClock, UnsupportedError
from cryptodata.pipeline import abackfill

from .fake import KEY, NOW, FakeDefiLlama

START = datetime(2025, 1, 1, tzinfo=UTC)


def _async(fake: FakeDefiLlama, key: str | None = None) -> AsyncDefiLlama:
    return AsyncDefiLlama(
        api_key=key, clock=ManualClock(start=NOW), http_transport=httpx.MockTransport(fake.handle)
    )


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        ("fees", ("aave",), {"start": START}),
        ("stablecoin_supply", (), {"chain": "Ethereum", "stablecoin": "tether", "start": START}),
        ("price_history", (["coingecko:bitcoin"],), {"start": START}),
        ("bridge_volume", ("all",), {"start": START}),
    ],
)
def test_the_async_client_returns_the_blocking_rows(
    pro: DefiLlama, method: str, args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    fake = FakeDefiLlama(ManualClock(start=NOW))

    async def main() -> object:
        async with _async(fake, KEY) as client:
            return await getattr(client, method)(*args, **kwargs)

    concurrent = asyncio.run(main())
    blocking = getattr(pro, method)(*args, **kwargs)

    assert_frame_equal(concurrent.to_polars(), blocking.to_polars())  # type: ignore[attr-defined]


def test_the_async_catalogues_are_the_blocking_ones(ll: DefiLlama) -> None:
    fake = FakeDefiLlama(ManualClock(start=NOW))

    async def main() -> list[object]:
        async with _async(fake) as client:
            return [await client.chains(), await client.protocols(), await client.stablecoins()]

    for concurrent, blocking in zip(
        asyncio.run(main()), [ll.chains(), ll.protocols(), ll.stablecoins()], strict=True
    ):
        assert_frame_equal(concurrent, blocking)  # type: ignore[arg-type]


def test_the_async_client_refuses_pro_only_series_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DEFILLAMA_API_KEY", raising=False)
    fake = FakeDefiLlama(ManualClock(start=NOW))

    async def main() -> None:
        async with _async(fake) as client:
            await client.derivatives_volume("all", start=START)

    with pytest.raises(UnsupportedError):
        asyncio.run(main())
    assert fake.requests == []


def test_an_async_backfill_stores_what_the_blocking_one_does(tmp_path: Path) -> None:
    fake = FakeDefiLlama(ManualClock(start=NOW))
    series = ["chain_tvl@Ethereum", "tvl@aave"]

    async def main() -> int:
        async with _async(fake) as client:
            report = await abackfill(client, "metric", series, "1d", START, sink=sink)
            return report.rows_written

    with JsonlSink(tmp_path) as sink:
        written = asyncio.run(main())
        stored = sink.read(Kind.METRIC).to_polars()

    assert written == len(stored) == 2 * 10  # nine days and today's so far
