"""Coinalyze joins the provider contract (tests/providers/contract.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cryptodata import (
    AsyncCoinalyze,
    AuthenticationError,
    Coinalyze,
    ManualClock,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
)
from fakes.coinalyze import NOW, NOW_DT, FakeCoinalyze
from providers.contract import Placement, ProviderContract, Scenario

KEY = "SUPERSECRET-COINALYZE-KEY-42"
H = timedelta(hours=1)
PATH = "/open-interest-history"


class CoinalyzeHarness:
    """Both Coinalyze clients on one fake server, one clock and one shared limiter."""

    key = KEY
    placement: Placement = "header"
    placement_name = "api_key"
    twins = ((Coinalyze, AsyncCoinalyze),)
    iterators = ()

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeCoinalyze(self.clock, api_key=KEY)
        self.limiter = SlidingWindowLimiter(40, 60.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        options: dict[str, Any] = {
            "api_key": KEY,
            "clock": self.clock,
            "limiter": self.limiter,
            "http_transport": httpx.MockTransport(self._record),
        }
        self.client = Coinalyze(**options)
        self.async_client = AsyncCoinalyze(**options)

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.open_interest_history(
            "BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
        )

    async def acall(self) -> Table:
        return await self.async_client.open_interest_history(
            "BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
        )

    def empty(self) -> Table:
        self.fake.silence("BTCUSDT_PERP.A")
        return self.call()

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.funding_rate("BINANCE:BTCUSDT"),
            lambda: client.funding_rate([]),
            lambda: client.ohlcv_history("BTCUSDT_PERP.A", interval="1w", start=NOW_DT - H),
            lambda: client.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=1.5),  # type: ignore[arg-type]
            lambda: client.ohlcv_history(
                "BTCUSDT_PERP.A", interval="1h", start=NOW_DT, end=NOW_DT - H
            ),
            lambda: client.history_steps(
                "metric", ["BTCUSDT_PERP.A"], interval="1h", start=NOW_DT - H
            ),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            self.fake.api_key = "some-other-key"
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


class TestCoinalyzeContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[CoinalyzeHarness]:
        harness = CoinalyzeHarness()
        yield harness
        harness.close()
