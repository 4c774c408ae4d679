"""Artemis joins the provider contract (tests/providers/contract.py): the key in the query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from cryptodata import (
    Artemis,
    AsyncArtemis,
    AuthenticationError,
    ManualClock,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
)
from providers.artemis.fake import API_KEY, NOW, FakeArtemis
from providers.contract import Placement, ProviderContract, Scenario

WINDOW = {"start": "2024-01-01", "end": "2024-01-04"}


class ArtemisHarness:
    """Both Artemis clients on one fake server, one clock and one shared limiter."""

    key = API_KEY
    placement: Placement = "query"
    placement_name = "APIKey"
    twins = ((Artemis, AsyncArtemis),)
    iterators = ()

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeArtemis()
        self.limiter = SlidingWindowLimiter(30, 60.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        options: dict[str, Any] = {
            "api_key": API_KEY,
            "clock": self.clock,
            "limiter": self.limiter,
            "http_transport": httpx.MockTransport(self._record),
        }
        self.client = Artemis(**options)
        self.async_client = AsyncArtemis(**options)

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.metrics(["price", "fees"], symbols=["sol", "eth"], **WINDOW)

    async def acall(self) -> Table:
        return await self.async_client.metrics(["price", "fees"], symbols=["sol", "eth"], **WINDOW)

    def empty(self) -> Table:
        return self.client.metrics("NO_SUCH_METRIC", symbols="sol", **WINDOW)

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.metrics([], symbols="sol", **WINDOW),
            lambda: client.metrics("price", symbols=[], **WINDOW),
            lambda: client.metrics("price", symbols="so l", **WINDOW),
            lambda: client.metrics("price,fees", symbols="sol", **WINDOW),
            lambda: client.metrics("active_addresses", symbols="sol", **WINDOW),
            lambda: client.metrics("price", symbols="sol", start="2024-01-04", end="2024-01-01"),
            lambda: client.metrics("price", symbols="sol", start=1.5, end="2024-01-01"),  # type: ignore[arg-type]
            lambda: client.metrics("price", symbols="sol", interval="1h", **WINDOW),
            lambda: client.history_steps("ohlcv", ["price@sol"], interval="1d", **WINDOW),
            lambda: client.history_steps("metric", ["sol"], interval="1d", **WINDOW),
            lambda: client.series("metric", ["price@"], interval="1d"),
            lambda: client.supported_metrics(["sol"]),  # type: ignore[arg-type]
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            self.fake.api_key = "some-other-key"
            return AuthenticationError
        if scenario == "429":
            self.fake.fail_next(429, headers={"Retry-After": "3"}, count=10)
            return RateLimitError
        if scenario == "500":
            self.fake.fail_next(500, count=20)
            return ServerError
        self.fake.raise_next(httpx.ReadTimeout("timed out"), count=10)
        return TransportError

    def rate_limit_for(self, seconds: float) -> None:
        self.fake.fail_next(429, headers={"Retry-After": f"{seconds:g}"})

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


class TestArtemisContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[ArtemisHarness]:
        harness = ArtemisHarness()
        yield harness
        harness.close()
