"""A scriptable websocket venue on a loopback port, for stream tests.

`WebsocketServer` runs the `websockets` library's asyncio server on 127.0.0.1 (port 0) on
an event loop of its own, in a thread, so async clients on the test's loop and blocking
clients (`SyncStream`) reach it alike. A `reply` function scripts the venue: for each
message the server receives it returns the frames to send back. The test steers it from
its own thread (`push` frames to every open connection, `drop` them without a close frame
as venues do, set `silent` to stop answering, `reject` handshakes with HTTP 503) and reads
what it saw (`connections`, `received`).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypeVar

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

__all__ = ["WebsocketServer", "unused_url"]

T = TypeVar("T")

_CALL_TIMEOUT = 5.0


def unused_url() -> str:
    """A websocket URL on 127.0.0.1 that nothing listens on right now (a venue that is down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return f"ws://127.0.0.1:{port}"


class WebsocketServer:
    """A websocket venue whose answers a test scripts; use it as a context manager.

    Args:
        reply: The frames to send back for each text message received.

    Attributes:
        url: `ws://127.0.0.1:<port>`, once started.
        silent: When true, the server records messages but answers nothing.
        reject: How many of the next handshakes to refuse with HTTP 503 (not counted as
            connections).
        connections: Connections accepted so far.
        received: Every message received, in order, over all connections.
    """

    def __init__(self, reply: Callable[[str], Sequence[str]]) -> None:
        self.reply = reply
        self.url = ""
        self.silent = False
        self.reject = 0
        self.connections = 0
        self.received: list[str] = []
        self._open: set[ServerConnection] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="websocket-server", daemon=True
        )
        self._server: Server | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        self._server = self._call(self._serve())
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def push(self, frame: str, path: str | None = None) -> None:
        """Send `frame` to every open connection (whose request path starts with `path`)."""
        self._call(self._push(frame, path))

    def drop(self) -> None:
        """Cut every open connection without a close frame, as a venue dropping it does."""
        self._call(self._drop())

    def count(self, message: str) -> int:
        """How many times `message` was received."""
        return self.received.count(message)

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(_CALL_TIMEOUT)

    async def _serve(self) -> Server:
        return await serve(
            self._handle, "127.0.0.1", 0, ping_interval=None, process_request=self._gate
        )

    def _gate(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.reject <= 0:
            return None
        self.reject -= 1
        return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "down for maintenance\n")

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _push(self, frame: str, path: str | None) -> None:
        for connection in list(self._open):
            request = connection.request
            if path is None or (request is not None and request.path.startswith(path)):
                await connection.send(frame)

    async def _drop(self) -> None:
        for connection in list(self._open):
            connection.transport.abort()

    async def _handle(self, connection: ServerConnection) -> None:
        self.connections += 1
        self._open.add(connection)
        try:
            async for message in connection:
                text = message if isinstance(message, str) else message.decode()
                self.received.append(text)
                if not self.silent:
                    for frame in self.reply(text):
                        await connection.send(frame)
        except ConnectionClosed:
            pass  # the client went away, or `drop` cut it: the end of this connection
        finally:
            self._open.discard(connection)
