"""Links: the one open connection a `Stream` reads a venue's feed through.

A `Stream` owns the loop (connect, subscribe, read, reconnect); a link is what it connects:
`send` a subscription or a ping, wait until the subscriptions are `ready` on the wire,
`recv` the next frame, `close`. Most venues are one websocket, `WebsocketLink` (the
`websockets` library); a provider whose library owns the sockets itself (ccxt.pro) gives
the stream a link over that library instead, and the stream's reconnects, back-fills,
buffer and sink work on it unchanged.

Every failure of a link, to open or later, is a `LinkError`: the stream counts a failed
open as a failed attempt (and backs off) and a later one as a drop (and reconnects).

Needs the `websockets` extra for `WebsocketLink`, imported on first connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

from .errors import MissingDependencyError

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["Link", "LinkError", "WebsocketLink", "open_websocket"]

FrameT_co = TypeVar("FrameT_co", covariant=True)


class LinkError(Exception):
    """A link could not open, or ended; the message says why (for `Disconnected.reason`)."""


class Link(Protocol[FrameT_co]):
    """One open connection to a venue's feed; every method raises `LinkError` on failure."""

    async def send(self, message: str) -> None:
        """Send a subscription or ping message."""
        ...

    async def ready(self) -> None:
        """Return once the subscriptions sent are live, the connection proven open."""
        ...

    async def recv(self) -> FrameT_co:
        """The next frame."""
        ...

    async def close(self) -> None:
        """Close the connection; it never raises."""
        ...


class WebsocketLink:
    """A `Link` over one `websockets` client connection; its frames are text or bytes.

    Args:
        connection: The open connection.
    """

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection

    async def send(self, message: str) -> None:
        """Send a text frame."""
        from websockets.exceptions import ConnectionClosed

        try:
            await self._connection.send(message)
        except ConnectionClosed as exc:
            raise LinkError(f"connection closed: {exc}") from exc

    async def ready(self) -> None:
        """Return at once: an open websocket carries what was sent."""

    async def recv(self) -> str | bytes:
        """The next frame."""
        from websockets.exceptions import ConnectionClosed

        try:
            return await self._connection.recv()
        except ConnectionClosed as exc:
            raise LinkError(f"connection closed: {exc}") from exc

    async def close(self) -> None:
        """Close the connection."""
        await self._connection.close()


async def open_websocket(url: str, open_timeout: float) -> WebsocketLink:
    """Open a websocket to `url` within `open_timeout` seconds.

    Raises:
        LinkError: If the connection cannot be opened.
        MissingDependencyError: If the `websockets` package is not installed.
    """
    try:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException
    except ImportError:
        raise MissingDependencyError("Stream", package="websockets", extra="websockets") from None
    try:
        # Pings are the venue's application-level ones (`ping_message`), not websocket
        # control frames, which some venues ignore.
        connection = await connect(url, ping_interval=None, open_timeout=open_timeout)
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise LinkError(str(exc) or type(exc).__name__) from exc
    return WebsocketLink(connection)
