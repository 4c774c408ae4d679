"""Windows and batches: how a history query splits into requests, planned before sending.

Computing a plan touches no network, so tests and users can see the exact requests (and their
cost) a query will make. `planning` re-exports these beside the cursor paginator; providers
import them from here, which keeps the paginator out of their import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import attrs

from .errors import ValidationError

__all__ = ["HistoryStep", "batched", "history_steps", "time_windows"]

T = TypeVar("T")


def time_windows(
    start: datetime, end: datetime, step: timedelta
) -> list[tuple[datetime, datetime]]:
    """Split the half-open window `[start, end)` into consecutive windows of at most `step`.

    The windows are contiguous and non-overlapping, and together cover exactly `[start, end)`.

    Examples:
        >>> from datetime import UTC
        >>> w = time_windows(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 3, 12, tzinfo=UTC), timedelta(days=1))
        >>> [(a.day, b.day, b.hour) for a, b in w]
        [(1, 2, 0), (2, 3, 0), (3, 3, 12)]
    """
    if step <= timedelta(0):
        raise ValidationError(f"window step must be positive, got {step}")
    if start >= end:
        raise ValidationError(f"start ({start.isoformat()}) must be before end ({end.isoformat()})")
    windows = []
    lo = start
    while lo < end:
        # `lo + step` would overflow past year 9999 when the last window is short.
        hi = end if end - lo <= step else lo + step
        windows.append((lo, hi))
        lo = hi
    return windows


def batched(items: Iterable[T], size: int) -> list[list[T]]:
    """Split `items` into lists of at most `size`, in order.

    Examples:
        >>> batched("abcde", 2)
        [['a', 'b'], ['c', 'd'], ['e']]
    """
    if size < 1:
        raise ValidationError(f"batch size must be at least 1, got {size}")
    pending: Sequence[T] = list(items)
    return [list(pending[i : i + size]) for i in range(0, len(pending), size)]


@attrs.frozen
class HistoryStep:
    """One request's worth of a history query: a symbol batch over one window `[start, end)`.

    Pipelines run a plan step by step, writing each result before the next request, so a
    crash loses at most one step.
    """

    symbols: tuple[str, ...]
    start: datetime
    end: datetime

    @property
    def cost(self) -> int:
        """Rate-limit cost when each symbol counts as one call."""
        return len(self.symbols)


def history_steps(
    symbols: Sequence[str], start: datetime, end: datetime, *, window: timedelta, batch_size: int
) -> list[HistoryStep]:
    """Split a query into steps: batches of `batch_size` symbols, each over consecutive windows.

    Each batch's windows come in chronological order, so a series written step by step never
    has a gap before its newest stored bar.

    Examples:
        >>> from datetime import UTC
        >>> steps = history_steps(["A.1", "B.1", "C.1"], datetime(2025, 1, 1, tzinfo=UTC),
        ...                       datetime(2025, 1, 3, tzinfo=UTC), window=timedelta(days=1), batch_size=2)
        >>> [(s.symbols, s.start.day) for s in steps]
        [(('A.1', 'B.1'), 1), (('A.1', 'B.1'), 2), (('C.1',), 1), (('C.1',), 2)]
    """
    windows = time_windows(start, end, window)
    return [
        HistoryStep(tuple(batch), lo, hi)
        for batch in batched(symbols, batch_size)
        for lo, hi in windows
    ]
