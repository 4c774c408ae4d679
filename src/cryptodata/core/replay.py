"""`ReplayTransport`: answer requests from recorded response bodies, without a network.

It runs the real client code path (planning, limiter, transport, parsing) against saved
responses: `cryptodata demo` uses it, and so can your own tests and notebooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx

__all__ = ["ReplayTransport"]


class ReplayTransport(httpx.MockTransport):
    """An httpx transport (sync and async) that serves a fixed body per URL path.

    Args:
        responses: Map of URL path suffix (e.g. `"/ohlcv-history"`) to response body.
            A request whose path matches no suffix gets a 404.

    Examples:
        >>> import httpx
        >>> replay = ReplayTransport({"/exchanges": b'[{"name":"Binance","code":"A"}]'})
        >>> httpx.Client(transport=replay).get("https://api.example.test/v1/exchanges").status_code
        200
    """

    def __init__(self, responses: Mapping[str, bytes]) -> None:
        self.responses = dict(responses)
        self.requests: list[httpx.Request] = []
        super().__init__(self._answer)

    @classmethod
    def from_directory(cls, directory: Path, routes: Mapping[str, str]) -> ReplayTransport:
        """Build a replay from files: `routes` maps a path suffix to a file name in `directory`."""
        return cls({path: (directory / name).read_bytes() for path, name in routes.items()})

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for suffix, body in self.responses.items():
            if request.url.path.endswith(suffix):
                return httpx.Response(
                    200, content=body, headers={"Content-Type": "application/json"}
                )
        return httpx.Response(404, json={"message": f"no recorded response for {request.url.path}"})
