"""The CoinGecko universe joins the provider contract (tests/providers/contract.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptodata import (
    Asset,
    AuthenticationError,
    ManualClock,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    TransportError,
    atop_assets,
    top_assets,
)
from providers.contract import Placement, ProviderContract, Scenario

from .conftest import KEY_HEADER, NOW, FakeCoinGecko, fixture_bytes

KEY = "CG-SUPERSECRET-CONTRACT-KEY"


class CoinGeckoHarness:
    """`top_assets` and `atop_assets` on one fake server, one clock and one shared limiter."""

    key = KEY
    placement: Placement = "header"
    placement_name = KEY_HEADER
    twins = ((top_assets, atop_assets),)
    iterators = ()

    def __init__(self, cache_dir: Path) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeCoinGecko(self.clock, api_key=KEY)
        self.limiter = SlidingWindowLimiter(30, 60.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        self.timeouts = 0
        self.throttle_for: float | None = None
        self.options: dict[str, Any] = {
            "api_key": KEY,
            "clock": self.clock,
            "limiter": self.limiter,
            "cache_dir": cache_dir,
            "ttl": 0,
            "http_transport": httpx.MockTransport(self._record),
        }

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        if self.timeouts:
            self.timeouts -= 1
            raise httpx.ReadTimeout("timed out", request=request)
        if self.throttle_for is not None:
            seconds, self.throttle_for = self.throttle_for, None
            return httpx.Response(
                429,
                headers={"Retry-After": f"{seconds:g}"},
                content=fixture_bytes("rate-limit.json"),
            )
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> list[Asset]:
        return top_assets(5, **self.options)

    async def acall(self) -> list[Asset]:
        return await atop_assets(5, **self.options)

    def empty(self) -> list[Asset]:
        self.fake.coins = []
        return self.call()

    def invalid_calls(self) -> list[Callable[[], object]]:
        options = self.options
        return [
            lambda: top_assets(0, **options),
            lambda: top_assets(5, **{**options, "ttl": -1}),
            lambda: top_assets(5, **{**options, "exclude": ["stablecoins", ""]}),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            self.fake.api_key = "another-key"
            return AuthenticationError
        if scenario == "429":
            self.fake.answer_next(429, fixture_bytes("rate-limit.json"), count=20)
            return RateLimitError
        if scenario == "500":
            self.fake.answer_next(500, b'{"error": "Internal Server Error"}', count=20)
            return ServerError
        self.timeouts = 20
        return TransportError

    def rate_limit_for(self, seconds: float) -> None:
        self.throttle_for = seconds

    def answer_with(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler

    def shown(self) -> list[object]:
        return [self.limiter]


class TestCoinGeckoContract(ProviderContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> CoinGeckoHarness:
        return CoinGeckoHarness(tmp_path / "cache")
