"""The bounded buffer between a stream's socket reader and its consumer.

One reader task puts items, one consumer gets them, both on the stream's event loop. The
buffer never holds more than its size: when full it either waits (`"block"`) or drops the
oldest data item (`"drop_oldest"`), keeping connection events, which are few and tell the
consumer where the gaps are.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, Literal, TypeAlias, TypeVar

__all__ = ["Buffer", "Overflow"]

Overflow: TypeAlias = Literal["drop_oldest", "block"]
"""What a full buffer does with one more item: drop the oldest data item, or wait."""

T = TypeVar("T")


class Buffer(Generic[T]):
    """A bounded FIFO of stream items with an overflow policy.

    Args:
        size: Most items held at once, at least 1.
        overflow: `"drop_oldest"` or `"block"`.
        droppable: Whether an item may be dropped before the others (data items).
        on_drop: Called once per dropped item (the stream counts them).
    """

    def __init__(
        self,
        size: int,
        overflow: Overflow,
        droppable: Callable[[T], bool],
        on_drop: Callable[[], None],
    ) -> None:
        self._items: deque[T] = deque()
        self._size = size
        self._overflow = overflow
        self._droppable = droppable
        self._on_drop = on_drop
        self._end: Exception | None = None
        self._changed = asyncio.Condition()

    def __len__(self) -> int:
        return len(self._items)

    async def put(self, item: T) -> None:
        """Add `item`; when full, wait for room (`"block"`) or drop one (`"drop_oldest"`)."""
        async with self._changed:
            if self._overflow == "block":
                await self._changed.wait_for(lambda: len(self._items) < self._size)
            elif len(self._items) >= self._size:
                self._drop_oldest()
            self._items.append(item)
            self._changed.notify_all()

    async def get(self) -> T:
        """The oldest item, waiting for one; once drained after `fail`, raise its error."""
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._items) or self._end is not None)
            if self._items:
                item = self._items.popleft()
                self._changed.notify_all()
                return item
            end = self._end if self._end is not None else StopAsyncIteration()
            self._end = StopAsyncIteration()
            raise end

    async def fail(self, error: Exception) -> None:
        """End the buffer with `error`: `get` raises it once drained, then stops.

        A buffer already ended (failed or closed) stays as it is.
        """
        async with self._changed:
            if self._end is None:
                self._end = error
            self._changed.notify_all()

    async def close(self) -> None:
        """Discard what is queued and end the buffer: `get` stops at once."""
        async with self._changed:
            self._items.clear()
            self._end = StopAsyncIteration()
            self._changed.notify_all()

    def _drop_oldest(self) -> None:
        index = next((i for i, item in enumerate(self._items) if self._droppable(item)), 0)
        del self._items[index]
        self._on_drop()
