"""The asyncio facade: the same answers as the blocking one, on asyncio clients."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from cryptodata import AsyncMarketData, Kind, MarketData, ServerError, ValidationError, schema
from cryptodata.providers.ccxt.replay import SAMPLE, sample_async_client, sample_client
from cryptodata.providers.registry import PROVIDERS

START = SAMPLE.start
VENUES = ["binance", "bybit"]


def _public(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in ("close", "aclose")
    }


def test_every_method_has_an_awaitable_twin_with_the_same_signature() -> None:
    blocking, concurrent = _public(MarketData), _public(AsyncMarketData)

    assert blocking.keys() == concurrent.keys()
    for name, method in blocking.items():
        twin = concurrent[name]
        assert inspect.signature(twin) == inspect.signature(method), name
        if twin is not method:
            assert inspect.iscoroutinefunction(twin), name


def test_the_async_facade_answers_what_the_blocking_one_does() -> None:
    blocking = MarketData([sample_client("binanceusdm"), sample_client("bybit")])

    async def main() -> Any:
        clients = [sample_async_client("binanceusdm"), sample_async_client("bybit")]
        async with AsyncMarketData(clients) as md:
            table = await md.open_interest("BTC", venues=VENUES, interval="1h", start=START)
            for client in clients:
                await client.aclose()
            return table

    concurrent = asyncio.run(main())
    expected = blocking.open_interest("BTC", venues=VENUES, interval="1h", start=START)

    assert concurrent.to_polars().schema == schema(Kind.OPEN_INTEREST)
    assert concurrent.to_polars().equals(expected.to_polars())
    assert concurrent.report is not None
    assert concurrent.report.ok


def test_a_failing_async_provider_loses_only_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> Any:
        clients = [sample_async_client("binanceusdm"), sample_async_client("bybit")]

        async def down(step: Any) -> Any:
            raise ServerError("maintenance", provider="ccxt", endpoint="fetch_ohlcv", status=503)

        monkeypatch.setattr(clients[1], "fetch", down)
        async with AsyncMarketData(clients) as md:
            table = await md.ohlcv("BTC", venues=VENUES, interval="1h", start=START)
        for client in clients:
            await client.aclose()
        return table

    table = asyncio.run(main())

    assert set(table.to_polars()["exchange"]) == {"binance"}
    (failure,) = table.report.failures
    assert failure.share.route.venue == "bybit"


def test_the_async_facade_takes_asyncio_clients_only() -> None:
    with pytest.raises(ValidationError, match="asyncio provider clients"):
        AsyncMarketData([sample_client("bybit")])  # type: ignore[list-item]


def test_offline_the_async_facade_answers_from_every_providers_samples() -> None:
    async def main() -> Any:
        async with AsyncMarketData(offline=True) as md:
            providers = {source.provider for source in md.providers}
            table = await md.ohlcv(
                "BTC", venues=["binance", "bybit", "hyperliquid"], interval="1h", start=START
            )
            for source in md.providers:
                await source.aclose()
            return providers, table

    providers, table = asyncio.run(main())

    assert providers == {name for name, entry in PROVIDERS.items() if entry.replay is not None}
    assert table.report.ok
    assert table.to_polars().group_by("exchange", "provider").len().sort("exchange").rows() == [
        ("binance", "ccxt", 48),
        ("bybit", "ccxt", 48),
        ("hyperliquid", "hyperliquid", 48),
    ]


def test_by_default_the_async_facade_takes_the_configured_asyncio_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for entry in PROVIDERS.values():
        if entry.key_variable is not None:
            monkeypatch.delenv(entry.key_variable, raising=False)

    async def main() -> set[str]:
        md = AsyncMarketData()
        names = {type(source).__name__ for source in md.providers}
        for source in md.providers:
            await source.aclose()
        return names

    assert asyncio.run(main()) == {
        entry.async_client for entry in PROVIDERS.values() if entry.key_variable is None
    }
