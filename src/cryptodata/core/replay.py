"""Replay and record: answer requests from saved responses, and save live ones as snapshots.

`ReplayTransport` runs the real client code path
(planning, limiter, run loop, parsing) against saved responses: `cryptodata demo` uses it, and
so can your own tests and notebooks. `Recorder` (and
`AsyncRecorder`) wrap a sender and save every answer
as a JSON snapshot that `ReplayTransport.from_snapshots` serves back. Snapshots never hold a
key: every secret (header, query or path) is written as `***`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import msgspec

from .request import PreparedRequest, Response, redact_known
from .senders import AsyncSender, Sender

__all__ = ["AsyncRecorder", "Recorder", "ReplayTransport", "Snapshot"]

_SECRET_PART = re.escape("***")


class ReplayTransport(httpx.MockTransport):
    """An httpx transport (sync and async) that serves a fixed body per URL path.

    Args:
        responses: Map of URL path suffix (e.g. `"/ohlcv-history"`) to response body. In a
            suffix, `***` stands for one path segment (where a key was, in a snapshot).
            A request whose path matches no suffix gets a 404.
        route: What a suffix is matched against, for APIs that name the call elsewhere than
            in the path (Hyperliquid posts every call to `/info` with its `type` in the
            body); the URL path by default.

    Examples:
        >>> import httpx
        >>> replay = ReplayTransport({"/exchanges": b'[{"name":"Binance","code":"A"}]'})
        >>> httpx.Client(transport=replay).get("https://api.example.test/v1/exchanges").status_code
        200
    """

    def __init__(
        self,
        responses: Mapping[str, bytes],
        *,
        route: Callable[[httpx.Request], str] | None = None,
    ) -> None:
        self.responses = dict(responses)
        self._route = route or _path
        self.requests: list[httpx.Request] = []
        self._routes = [
            (re.compile(re.escape(suffix).replace(_SECRET_PART, "[^/]+") + "$"), body)
            for suffix, body in self.responses.items()
        ]
        super().__init__(self._answer)

    @classmethod
    def from_directory(cls, directory: Path, routes: Mapping[str, str]) -> ReplayTransport:
        """Build a replay from files: `routes` maps a path suffix to a file name in `directory`."""
        return cls({path: (directory / name).read_bytes() for path, name in routes.items()})

    @classmethod
    def from_snapshots(cls, directory: Path) -> ReplayTransport:
        """Build a replay from the successful answers a `Recorder` saved in `directory`.

        When several snapshots share a path, the last one recorded is served.
        """
        responses: dict[str, bytes] = {}
        for file in sorted(directory.glob("*.json")):
            snapshot = Snapshot.load(file)
            if 200 <= snapshot.status < 300:
                responses[snapshot.path] = snapshot.body.encode()
        return cls(responses)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        where = self._route(request)
        for pattern, body in self._routes:
            if pattern.search(where):
                return httpx.Response(
                    200, content=body, headers={"Content-Type": "application/json"}
                )
        return httpx.Response(404, json={"message": f"no recorded response for {where}"})


def _path(request: httpx.Request) -> str:
    return request.url.path


class Snapshot(msgspec.Struct, frozen=True):
    """One recorded answer, as saved on disk (secrets written as `***`).

    Attributes:
        method: HTTP method.
        label: The request's label.
        path: URL path.
        query: Query parameters.
        status: HTTP status.
        headers: Response headers.
        body: Response body, as text.
    """

    method: str
    label: str
    path: str
    query: list[tuple[str, str]]
    status: int
    headers: list[tuple[str, str]]
    body: str

    @classmethod
    def of(cls, request: PreparedRequest, response: Response) -> Snapshot:
        """The snapshot of one exchange, with every live secret redacted."""
        return cls(
            method=request.method,
            label=request.label,
            path=redact_known(httpx.URL(request.url).path),
            query=[(name, redact_known(value)) for name, value in request.params],
            status=response.status,
            headers=[(name, redact_known(value)) for name, value in response.headers.items()],
            body=redact_known(response.text),
        )

    @classmethod
    def load(cls, file: Path) -> Snapshot:
        """Read a snapshot file."""
        return msgspec.json.decode(file.read_bytes(), type=cls)

    def save(self, file: Path) -> None:
        """Write this snapshot to `file` (its directory is created)."""
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(msgspec.json.format(msgspec.json.encode(self)))


class _Snapshots:
    """Numbered snapshot files in one directory, in the order answers arrive."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.count = 0

    def save(self, request: PreparedRequest, response: Response) -> None:
        self.count += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", request.label).strip("-") or "root"
        Snapshot.of(request, response).save(self.directory / f"{self.count:04d}-{slug}.json")


class Recorder:
    """A `Sender` that saves every answer of another one.

    Args:
        sender: The sender that does the work (e.g. an `HttpxSender` on the live API).
        directory: Where snapshot files go, numbered in arrival order.

    Examples:
        >>> from cryptodata.core.senders import HttpxSender
        >>> recorder = Recorder(HttpxSender(), Path("samples"))  # doctest: +SKIP
    """

    def __init__(self, sender: Sender, directory: Path) -> None:
        self._sender = sender
        self._snapshots = _Snapshots(directory)

    def send(self, request: PreparedRequest) -> Response:
        """Send through the wrapped sender and save the answer."""
        response = self._sender.send(request)
        self._snapshots.save(request, response)
        return response

    def close(self) -> None:
        """Close the wrapped sender."""
        self._sender.close()


class AsyncRecorder:
    """The asyncio twin of `Recorder`.

    Args:
        sender: The async sender that does the work.
        directory: Where snapshot files go, numbered in arrival order.
    """

    def __init__(self, sender: AsyncSender, directory: Path) -> None:
        self._sender = sender
        self._snapshots = _Snapshots(directory)

    async def send(self, request: PreparedRequest) -> Response:
        """Send through the wrapped sender and save the answer."""
        response = await self._sender.send(request)
        self._snapshots.save(request, response)
        return response

    async def aclose(self) -> None:
        """Close the wrapped sender."""
        await self._sender.aclose()
