"""Velo joins the provider contract (tests/providers/contract.py).

The key travels as HTTP Basic (`Authorization: Basic base64("api:" + key)`): the contract's
"header" placement is checked on the decoded header, and every leak check looks for the key
itself; `test_key_hygiene.py`-style checks of the encoded token are in `test_rows.py`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cryptodata import (
    AsyncVelo,
    AuthenticationError,
    ManualClock,
    RateLimitError,
    ServerError,
    SlidingWindowLimiter,
    Table,
    TransportError,
    Velo,
)
from providers.contract import Harness, Placement, ProviderContract, Scenario

from .fake import KEY, NOW, NOW_DT, FakeVelo

H = timedelta(hours=1)
ROWS: dict[str, Any] = {
    "exchanges": ["binance-futures", "bybit"],
    "products": "BTCUSDT",
    "columns": ["close_price", "funding_rate"],
    "interval": "1h",
    "start": NOW_DT - 3 * H,
    "end": NOW_DT,
}


class VeloHarness:
    """Both Velo clients on one fake server, one clock and one shared limiter."""

    key = KEY
    placement: Placement = "header"
    placement_name = "Authorization"
    twins = ((Velo, AsyncVelo),)
    iterators = ()

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.fake = FakeVelo(self.clock)
        self.limiter = SlidingWindowLimiter(120, 30.0, clock=self.clock)
        self.sent: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = self.fake.handle
        options: dict[str, Any] = {
            "api_key": KEY,
            "clock": self.clock,
            "limiter": self.limiter,
            "http_transport": httpx.MockTransport(self._record),
        }
        self.client = Velo(**options)
        self.async_client = AsyncVelo(**options)

    def _record(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.handler(request)

    def requests(self) -> list[httpx.Request]:
        return self.sent

    def call(self) -> Table:
        return self.client.rows(**ROWS)

    async def acall(self) -> Table:
        return await self.async_client.rows(**ROWS)

    def empty(self) -> Table:
        return self.client.rows(**{**ROWS, "products": "NOSUCHUSDT"})

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.rows(**{**ROWS, "coins": "BTC"}),
            lambda: client.rows(**{**ROWS, "exchanges": None}),
            lambda: client.rows(**{**ROWS, "columns": "3m_basis_ann"}),
            lambda: client.rows(**{**ROWS, "columns": "no_such_column"}),
            lambda: client.rows(**{**ROWS, "interval": "3d"}),
            lambda: client.rows(**{**ROWS, "start": 1.5}),
            lambda: client.products("perpetuals"),  # type: ignore[arg-type]
            lambda: client.history_steps(
                "ohlcv", ["price@bybit:BTCUSDT"], interval="1h", start=NOW_DT - H
            ),
            lambda: client.history_steps(
                "metric", ["price@BTCUSDT"], interval="1h", start=NOW_DT - H
            ),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "401":
            self.fake.key = "some-other-key"
            return AuthenticationError
        if scenario == "429":
            self.fake.fail_next(429, headers={"Retry-After": "3"}, count=10)
            return RateLimitError
        if scenario == "500":
            self.fake.fail_next(500, count=10)
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


class TestVeloContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[VeloHarness]:
        harness = VeloHarness()
        yield harness
        harness.close()

    @staticmethod
    def _assert_key_placed(harness: Harness, request: httpx.Request) -> None:
        scheme, _, token = request.headers["Authorization"].partition(" ")
        assert scheme == "Basic"
        assert base64.b64decode(token).decode() == f"api:{harness.key}"
        assert str(harness.key) not in str(request.url)
