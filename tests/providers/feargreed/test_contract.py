"""Fear & Greed joins the provider contract (tests/providers/contract.py): keyless, so the
key checks have nothing to find, and every other promise holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest

from cryptodata import (
    AsyncFearGreed,
    FearGreed,
    ManualClock,
    ProviderError,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
)
from providers.contract import Placement, ProviderContract, Scenario

from .fake import NOW, NOW_DT, FakeFearGreed

D = timedelta(days=1)


class FearGreedHarness:
    """Both Fear & Greed clients on one fake server, one clock and one shared limiter."""

    key = None
    placement: Placement = "none"
    placement_name = ""
    twins = ((FearGreed, AsyncFearGreed),)
    iterators = ()

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeFearGreed()
        self.limiter = SlidingWindowLimiter(10, 60.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        transport = httpx.MockTransport(self._record)
        options = {"clock": self.clock, "limiter": self.limiter}
        self.client = FearGreed(http_transport=transport, **options)  # type: ignore[arg-type]
        self.async_client = AsyncFearGreed(http_transport=transport, **options)  # type: ignore[arg-type]

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.history(start=NOW_DT - 5 * D)

    async def acall(self) -> Table:
        return await self.async_client.history(start=NOW_DT - 5 * D)

    def empty(self) -> Table:
        return self.client.history(start="2017-01-01", end="2017-02-01")

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.history(start=NOW_DT, end=NOW_DT - D),
            lambda: client.history(start=1.5),  # type: ignore[arg-type]
            lambda: client.history_frame(start="yesterday"),
            lambda: client.history_steps(
                "ohlcv", "fear_greed@crypto-market", interval="1d", start=NOW_DT - D
            ),
            lambda: client.history_steps(
                "metric", "fear_greed@crypto-market", interval="1h", start=NOW_DT - D
            ),
            lambda: client.history_steps(
                "metric", "price@bitcoin", interval="1d", start=NOW_DT - D
            ),
            lambda: client.series("metric", "fear_greed", interval="1d"),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            self.fake.failures += [httpx.Response(403, text="Forbidden")] * 10
            return ProviderError
        if scenario == "429":
            self.fake.failures += [httpx.Response(429, headers={"Retry-After": "3"})] * 10
            return RateLimitError
        if scenario == "500":
            self.fake.failures += [httpx.Response(500)] * 10
            return ServerError

        def timeout(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        self.handler = timeout
        return TransportError

    def rate_limit_for(self, seconds: float) -> None:
        self.fake.failures.append(httpx.Response(429, headers={"Retry-After": f"{seconds:g}"}))

    def answer_with(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler

    def shown(self) -> list[object]:
        return [self.client, self.async_client, self.client.limiter, self.client.stats]

    def close(self) -> None:
        self.client.close()


class TestFearGreedContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[FearGreedHarness]:
        harness = FearGreedHarness()
        yield harness
        harness.close()
