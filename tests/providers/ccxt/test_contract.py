"""The ccxt adapter joins the provider contract (tests/providers/contract.py); it has no key.

The harness drives real ccxt instances whose `fetch` is the fake venue; an httpx handler's
answers are passed through ccxt's own error handling, as its `fetch` does with the wire's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import ccxt
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
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
from fakes.ccxt import NOW, FakeVenue, exchange
from providers.contract import Placement, ProviderContract, Scenario

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)


class CcxtHarness:
    """Both ccxt clients over Bybit instances on one fake, one clock and one shared limiter."""

    key = None
    placement: Placement = "none"
    placement_name = ""
    twins = ((Ccxt, AsyncCcxt),)
    iterators = ("stream_liquidations", "stream_ohlcv", "stream_trades")

    def __init__(self) -> None:
        self.clock = ManualClock(start=NOW)
        self.limiter = SlidingWindowLimiter(1_000, 60.0, clock=self.clock)
        self.fake = FakeVenue(exchange("bybit"), self.clock)
        self.async_fake = FakeVenue(exchange("bybit", asynchronous=True), self.clock)
        self.client = Ccxt(self.fake.instance, clock=self.clock, limiter=self.limiter)
        self.async_client = AsyncCcxt(
            self.async_fake.instance, clock=self.clock, limiter=self.limiter
        )

    def requests(self) -> list[httpx.Request]:
        return [httpx.Request("GET", url) for url in self.fake.calls + self.async_fake.calls]

    def call(self) -> Table:
        return self.client.ohlcv("BTC/USDT:USDT", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT)

    async def acall(self) -> Table:
        return await self.async_client.ohlcv(
            "BTC/USDT:USDT", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
        )

    def empty(self) -> Table:
        # The fake's series starts in 2024: a window before it has no bars.
        return self.client.ohlcv(
            "BTC/USDT:USDT", interval="1h", start="2023-01-01", end="2023-01-02"
        )

    def invalid_calls(self) -> list[Callable[[], object]]:
        client = self.client
        return [
            lambda: client.ohlcv("BTC/USDT:USDT", interval="8h", start=NOW_DT - H),
            lambda: client.ohlcv("BTC/USDT:USDC", interval="1h", start=NOW_DT - H),
            lambda: client.ohlcv("BTC/USDT:USDT", interval="1h", start=1.5),  # type: ignore[arg-type]
            lambda: client.funding_history("BTC/USDT:USDT", start=NOW_DT, end=NOW_DT - H),
            lambda: client.open_interest_history("BTC/USDT:USDT", interval="1m", start=NOW_DT - H),
            lambda: client.open_interest([]),
            lambda: client.history_steps(
                "liquidations", ["BTC/USDT:USDT"], interval="1h", start=NOW_DT - H
            ),
        ]

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        if scenario == "timeout":
            for _ in range(10):
                self.fake.raise_next(ccxt.RequestTimeout("bybit GET timed out"))
            return TransportError
        status, error = {
            "401": (401, AuthenticationError),
            "429": (429, RateLimitError),
            "500": (500, ServerError),
        }[scenario]
        self.fake.fail(status, times=10, headers={"Retry-After": "3"})
        return error

    def rate_limit_for(self, seconds: float) -> None:
        self.fake.fail(429, headers={"Retry-After": f"{seconds:g}"})

    def answer_with(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.fake.answer_with(handler)
        self.async_fake.answer_with(handler)

    def shown(self) -> list[object]:
        return [self.client, self.async_client, self.client.limiter, self.client.stats]

    def close(self) -> None:
        self.client.close()


class TestCcxtContract(ProviderContract):
    @pytest.fixture
    def harness(self) -> Iterator[CcxtHarness]:
        harness = CcxtHarness()
        yield harness
        harness.close()

    @pytest.mark.skip(
        reason="ccxt does its own HTTP (requests/aiohttp follow redirects, not our sender); "
        "the adapter is keyless, so no key of ours can be redirected"
    )
    def test_no_redirect_takes_the_key_to_another_origin(self) -> None: ...
