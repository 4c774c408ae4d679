"""blockchain.info joins the provider contract (tests/providers/contract.py): keyless."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from cryptodata import (
    AsyncBlockchainInfo,
    BlockchainInfo,
    ManualClock,
    NotFoundError,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
)
from providers.blockchaininfo.fake import NOW, FakeBlockchainInfo
from providers.contract import Placement, ProviderContract, Scenario

WINDOW = {"start": "2024-01-01", "end": "2024-01-08"}


class BlockchainInfoHarness:
    """Both blockchain.info clients on one fake server, one clock and one shared limiter."""

    key = None
    placement: Placement = "none"
    placement_name = ""
    twins = ((BlockchainInfo, AsyncBlockchainInfo),)
    iterators = ()

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeBlockchainInfo()
        self.limiter = SlidingWindowLimiter(1, 10.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        options: dict[str, Any] = {
            "clock": self.clock,
            "limiter": self.limiter,
            "http_transport": httpx.MockTransport(self._record),
        }
        self.client = BlockchainInfo(**options)
        self.async_client = AsyncBlockchainInfo(**options)

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.chart("hash-rate", **WINDOW)

    async def acall(self) -> Table:
        return await self.async_client.chart("hash-rate", **WINDOW)

    def empty(self) -> Table:
        self.fake.answer("/charts/n-unique-addresses", {"status": "ok", "values": []})
        return self.client.chart("n-unique-addresses", **WINDOW)

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.chart("no-such-chart", **WINDOW),
            lambda: client.chart("", **WINDOW),
            lambda: client.chart(["hash-rate"], **WINDOW),  # type: ignore[arg-type]
            lambda: client.chart("hash-rate", start="2024-01-08", end="2024-01-01"),
            lambda: client.chart("hash-rate", start=1.5),  # type: ignore[arg-type]
            lambda: client.chart("hash-rate", rolling_average="a week", **WINDOW),
            lambda: client.history_steps("ohlcv", ["hash_rate@bitcoin"], interval="1d", **WINDOW),
            lambda: client.history_steps("metric", ["hash_rate@bitcoin"], interval="1h", **WINDOW),
            lambda: client.history_steps("metric", ["hash_rate@btc"], interval="1d", **WINDOW),
            lambda: client.history_steps(
                "metric", ["mempool_size@bitcoin"], interval="1d", **WINDOW
            ),
            lambda: client.series("metric", ["hash_rate@"], interval="1d"),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            # No key to refuse: the nearest failure is the server not knowing the chart.
            self.fake.fail_next(404, count=10)
            return NotFoundError
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
        return [self.client, self.async_client, self.client.limiter, self.client.request_stats]

    def close(self) -> None:
        self.client.close()


class TestBlockchainInfoContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[BlockchainInfoHarness]:
        harness = BlockchainInfoHarness()
        yield harness
        harness.close()
