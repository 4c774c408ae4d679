"""The CoinGecko history clients join the provider contract (tests/providers/contract.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from cryptodata import (
    AsyncCoinGecko,
    AuthenticationError,
    CoinGecko,
    ManualClock,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
)
from providers.contract import Placement, ProviderContract, Scenario

from .chart_fake import DEMO_KEY, NOW, FakeChart

WINDOW = {"start": "2025-03-01", "end": "2025-03-05"}


class CoinGeckoHistoryHarness:
    """Both history clients on a Demo key, one fake server, one clock and one shared limiter."""

    key = DEMO_KEY
    placement: Placement = "header"
    placement_name = "x-cg-demo-api-key"
    twins = ((CoinGecko, AsyncCoinGecko),)
    iterators = ()

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeChart(self.clock)
        self.limiter = SlidingWindowLimiter(30, 60.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        self.failures: list[Callable[[httpx.Request], httpx.Response]] = []
        options: dict[str, Any] = {
            "api_key": DEMO_KEY,
            "clock": self.clock,
            "limiter": self.limiter,
            "http_transport": httpx.MockTransport(self._record),
        }
        self.client = CoinGecko(**options)
        self.async_client = AsyncCoinGecko(**options)

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        if self.failures:
            return self.failures.pop(0)(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.market_chart("bitcoin", **WINDOW)

    async def acall(self) -> Table:
        return await self.async_client.market_chart("bitcoin", **WINDOW)

    def empty(self) -> Table:
        self.fake.answer_next(
            httpx.Response(200, json={"prices": [], "market_caps": [], "total_volumes": []})
        )
        return self.call()

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.market_chart("BTC USD", **WINDOW),
            lambda: client.market_chart("bitcoin", metrics="tvl", **WINDOW),
            lambda: client.market_chart("bitcoin", start="2025-03-05", end="2025-03-01"),
            lambda: client.market_chart("bitcoin", interval="2h", **WINDOW),
            lambda: client.ohlc("bitcoin", start="2024-01-01"),
            lambda: client.coin(""),
            lambda: client.history_steps("ohlcv", ["price@bitcoin"], interval="1d", **WINDOW),
            lambda: client.history_steps("metric", ["bitcoin"], interval="1d", **WINDOW),
            lambda: client.series("metric", ["price@"], interval="1d"),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            self.fake.demo_key = "another-key"
            return AuthenticationError
        if scenario == "429":
            self.fake.answer_next(httpx.Response(200, json={"status": {"error_code": 429}}), 20)
            return RateLimitError
        if scenario == "500":
            self.fake.answer_next(httpx.Response(500, json={"error": "Internal"}), 20)
            return ServerError

        def timeout(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        self.failures.extend([timeout] * 20)
        return TransportError

    def rate_limit_for(self, seconds: float) -> None:
        self.fake.answer_next(
            httpx.Response(
                429,
                headers={"Retry-After": f"{seconds:g}"},
                json={"status": {"error_code": 429, "error_message": "Rate limited"}},
            )
        )

    def answer_with(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler

    def shown(self) -> list[object]:
        return [
            self.client,
            self.async_client,
            self.client.limiter,
            self.client.stats,
            self.client._transport,
            self.async_client._transport,
        ]

    def close(self) -> None:
        self.client.close()


class TestCoinGeckoHistoryContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[CoinGeckoHistoryHarness]:
        harness = CoinGeckoHistoryHarness()
        yield harness
        harness.close()
