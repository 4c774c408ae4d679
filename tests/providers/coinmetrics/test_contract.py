"""Coin Metrics joins the provider contract (tests/providers/contract.py), with a Pro key in
the query: the placement a key-holding client must keep to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
from cryptodata.providers.coinmetrics import AsyncCoinMetrics, CoinMetrics
from providers.contract import Placement, ProviderContract, Scenario

from .conftest import NOW
from .fake import FakeCoinMetrics

KEY = "cm-pro-key-0123456789"
START, END = "2024-01-01", "2024-01-08"


class CoinMetricsHarness:
    """Both Coin Metrics clients (Pro) on one fake server, one clock and one shared limiter."""

    key = KEY
    placement: Placement = "query"
    placement_name = "api_key"
    twins = ((CoinMetrics, AsyncCoinMetrics),)
    iterators = ()

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeCoinMetrics()
        # Three pages a call: every next-page URL echoes the key, and must still place it once.
        self.fake.max_page = 5
        self.limiter = SlidingWindowLimiter(1_000, 60.0, clock=self.clock)
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake
        self.failures: list[Callable[[httpx.Request], httpx.Response]] = []
        self.sent: list[httpx.Request] = []
        self.client = CoinMetrics(
            KEY,
            clock=self.clock,
            limiter=self.limiter,
            http_transport=httpx.MockTransport(self._record),
        )
        self.async_client = AsyncCoinMetrics(
            KEY,
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
        return self.client.asset_metrics(
            ["btc", "eth"], ["AdrActCnt", "TxCnt"], start=START, end=END
        )

    async def acall(self) -> Table:
        return await self.async_client.asset_metrics(
            ["btc", "eth"], ["AdrActCnt", "TxCnt"], start=START, end=END
        )

    def empty(self) -> Table:
        return self.client.asset_metrics("btc", "AdrActCnt", start="2030-01-01", end="2030-01-02")

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.asset_metrics("BTC", "AdrActCnt", start=START),
            lambda: client.asset_metrics("btc", "Adr ActCnt", start=START),
            lambda: client.asset_metrics("btc,eth", "AdrActCnt", start=START),
            lambda: client.asset_metrics([], "AdrActCnt", start=START),
            lambda: client.asset_metrics("btc", "AdrActCnt", interval="4h", start=START),
            lambda: client.asset_metrics("btc", "AdrActCnt", start=END, end=START),
            lambda: client.asset_metrics("btc", "AdrActCnt", start=1.5),  # type: ignore[arg-type]
            lambda: client.catalog("Btc"),
            lambda: client.history_steps("ohlcv", ["price@btc"], interval="1d", start=START),
            lambda: client.history_steps("metric", ["price-btc"], interval="1d", start=START),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        answers: dict[str, tuple[Callable[[httpx.Request], httpx.Response], type[Exception]]] = {
            "401": (
                lambda request: httpx.Response(
                    401, json={"error": {"type": "unauthorized", "message": f"bad key {KEY}"}}
                ),
                AuthenticationError,
            ),
            "429": (
                lambda request: httpx.Response(429, headers={"X-RateLimit-Reset": "3"}),
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


class TestCoinMetricsContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[CoinMetricsHarness]:
        harness = CoinMetricsHarness()
        yield harness
        harness.close()
