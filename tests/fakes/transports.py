"""Send one request through a sync or async core transport, expecting it to fail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from cryptodata.core.clock import ManualClock
from cryptodata.core.errors import CryptoDataError
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.request import Request, Response
from cryptodata.core.transport import AsyncTransport, RequestStats, SyncTransport

E = TypeVar("E", bound=CryptoDataError)


def failed_fetch(
    server: Callable[[httpx.Request], httpx.Response] | None,
    request: Request,
    executor: str,
    expected: type[E],
    *,
    base_url: str,
    **options: Any,
) -> tuple[E, RequestStats]:
    """Fetch `request` from `server` through a `"sync"` or `"async"` transport.

    `server` is a mock's handler, or `None` for a real connection to `base_url`.

    Returns the `expected` error it raised and the transport's stats; fails the test if it
    raised nothing or something else.
    """
    clock = ManualClock()
    common: dict[str, Any] = {
        "provider": "fake",
        "base_url": base_url,
        "limiter": SlidingWindowLimiter(40, 60, clock=clock),
        "clock": clock,
        "seed": 1,
        **options,
    }
    mock = None if server is None else httpx.MockTransport(server)
    if executor == "sync":
        transport = SyncTransport(http_transport=mock, **common)
        try:
            with pytest.raises(expected) as caught:
                transport.run(transport.fetch(request))
        finally:
            transport.close()
        return caught.value, transport.stats

    concurrent = AsyncTransport(http_transport=mock, **common)

    async def main() -> Response:
        try:
            return await concurrent.run(concurrent.fetch(request))
        finally:
            await concurrent.aclose()

    with pytest.raises(expected) as caught:
        asyncio.run(main())
    return caught.value, concurrent.stats
