"""Hyperliquid joins the provider contract (tests/providers/contract.py); it has no key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cryptodata import (
    AuthenticationError,
    ManualClock,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
)
from cryptodata.providers.hyperliquid.client import AsyncHyperliquid, Hyperliquid
from fakes.hyperliquid import NOW, FakeHyperliquid
from providers.contract import Placement, ProviderContract, Scenario

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)


class HyperliquidHarness:
    """Both Hyperliquid clients on one fake server, one clock and one shared limiter."""

    key = None
    placement: Placement = "none"
    placement_name = ""
    twins = ((Hyperliquid, AsyncHyperliquid),)
    iterators = ("stream",)

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeHyperliquid(self.clock)
        self.limiter = SlidingWindowLimiter(1_000, 60.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        self.failures: list[Callable[[httpx.Request], httpx.Response]] = []
        self.client = Hyperliquid(
            clock=self.clock,
            limiter=self.limiter,
            http_transport=httpx.MockTransport(self._record),
        )
        self.async_client = AsyncHyperliquid(
            clock=self.clock,
            limiter=self.limiter,
            http_transport=httpx.MockTransport(self._record),
        )

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        if self.failures:
            return self.failures.pop(0)(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.candles("BTC", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT)

    async def acall(self) -> Table:
        return await self.async_client.candles(
            "BTC", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
        )

    def empty(self) -> Table:
        return self.client.candles("NOPE", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT)

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.candles("BTC", interval="6h", start=NOW_DT - H),
            lambda: client.candles("btc usd", interval="1h", start=NOW_DT - H),
            lambda: client.candles("BTC", interval="1h", start=1.5),  # type: ignore[arg-type]
            lambda: client.candles("BTC", interval="1h", start=NOW_DT, end=NOW_DT - H),
            lambda: client.funding_history("@107", start=NOW_DT - H),
            lambda: client.positions("0x123"),
            lambda: client.leaderboard(window="year"),
            lambda: client.liquidation_history("BTC"),
            lambda: client.history_steps("liquidations", ["BTC"], interval="1h", start=NOW_DT - H),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        answers: dict[str, tuple[Callable[[httpx.Request], httpx.Response], type[Exception]]] = {
            "401": (lambda request: httpx.Response(401, text="unauthorized"), AuthenticationError),
            "429": (
                lambda request: httpx.Response(429, headers={"Retry-After": "3"}),
                RateLimitError,
            ),
            "500": (lambda request: httpx.Response(500, text="oops"), ServerError),
            "timeout": (_timeout, TransportError),
        }
        answer, error = answers[scenario]
        self.handler = answer
        return error

    def rate_limit_for(self, seconds: float) -> None:
        self.failures.append(
            lambda request: httpx.Response(429, headers={"Retry-After": f"{seconds:g}"})
        )

    def answer_with(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler

    def shown(self) -> list[object]:
        return [self.client, self.async_client, self.client.limiter, self.client.stats]

    def close(self) -> None:
        self.client.close()


def _timeout(request: httpx.Request) -> Any:
    raise httpx.ReadTimeout("timed out", request=request)


class TestHyperliquidContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[HyperliquidHarness]:
        harness = HyperliquidHarness()
        yield harness
        harness.close()
