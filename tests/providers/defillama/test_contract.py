"""DefiLlama joins the provider contract (tests/providers/contract.py): with a Pro key, whose
key travels in the URL path, and on the free hosts, without one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cryptodata import (
    AsyncDefiLlama,
    AuthenticationError,
    DefiLlama,
    ManualClock,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
)
from providers.contract import Placement, ProviderContract, Scenario

from .fake import KEY, NOW, NOW_DT, FakeDefiLlama

D = timedelta(days=1)
PATH = "/historicalChainTvl"


class DefiLlamaHarness:
    """Both DefiLlama clients on one fake server, one clock and one shared limiter."""

    placement: Placement = "path"
    placement_name = ""
    twins = ((DefiLlama, AsyncDefiLlama),)
    iterators = ()

    def __init__(self, key: str | None) -> None:
        self.key = key
        self.clock = ManualClock(start=NOW)
        self.fake = FakeDefiLlama(self.clock)
        self.limiter = SlidingWindowLimiter(10, 60.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        options: dict[str, Any] = {
            "api_key": key,
            "clock": self.clock,
            "limiter": self.limiter,
            "http_transport": httpx.MockTransport(self._record),
        }
        self.client = DefiLlama(**options)
        self.async_client = AsyncDefiLlama(**options)

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.chain_tvl("Ethereum", start=NOW_DT - 4 * D, end=NOW_DT)

    async def acall(self) -> Table:
        return await self.async_client.chain_tvl("Ethereum", start=NOW_DT - 4 * D, end=NOW_DT)

    def empty(self) -> Table:
        self.fake.silent.add("Ethereum")
        return self.call()

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.chain_tvl("", start=NOW_DT - D),
            lambda: client.chain_tvl("Ethereum", start=NOW_DT, end=NOW_DT - D),
            lambda: client.fees("aave", start=1.5),  # type: ignore[arg-type]
            lambda: client.history("tvl_24h@aave", start=NOW_DT - D),
            lambda: client.history("aave", start=NOW_DT - D),
            lambda: client.price_history("bitcoin", start=NOW_DT - D),
            lambda: client.prices([], at=NOW_DT),
            lambda: client.history_steps("ohlcv", ["tvl@aave"], interval="1d", start=NOW_DT - D),
            lambda: client.history_steps("metric", ["tvl@aave"], interval="1h", start=NOW_DT - D),
            lambda: client.stablecoin_supply(chain="", start=NOW_DT - D),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            if self.key is None:
                self.fake.fail_next(403, count=10, path=PATH)
            else:
                self.fake.key = "some-other-key"
            return AuthenticationError
        if scenario == "429":
            self.fake.fail_next(429, headers={"Retry-After": "3"}, count=10, path=PATH)
            return RateLimitError
        if scenario == "500":
            self.fake.fail_next(500, count=10, path=PATH)
            return ServerError
        self.fake.raise_next(httpx.ReadTimeout("timed out"), count=10, path=PATH)
        return TransportError

    def rate_limit_for(self, seconds: float) -> None:
        self.fake.fail_next(429, headers={"Retry-After": f"{seconds:g}"}, path=PATH)

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


class TestDefiLlamaProContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[DefiLlamaHarness]:
        harness = DefiLlamaHarness(KEY)
        yield harness
        harness.close()


class TestDefiLlamaFreeContract(ProviderContract):
    @pytest.fixture
    def harness(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[DefiLlamaHarness]:
        monkeypatch.delenv("DEFILLAMA_API_KEY", raising=False)
        harness = DefiLlamaHarness(None)
        harness.placement = "none"
        yield harness
        harness.close()
