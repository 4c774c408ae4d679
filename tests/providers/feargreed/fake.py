"""A fake alternative.me `/fng/` shaped as `shared/providers/feargreed.md` documents it.

Every field is a string (`value`, `timestamp` in Unix seconds, `time_until_update` on the
newest entry only); entries come newest first; `limit` is the count of newest days (`0`: all);
some days are missing; a failure can be a `metadata.error` message in an HTTP 200. The index
is synthetic and known to the test (`truth`), so results compare value for value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

DAY = 86_400
FIRST = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
NOW_DT = datetime(2024, 3, 1, 15, tzinfo=UTC)
NOW = NOW_DT.timestamp()
TODAY = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())
MISSING = frozenset({FIRST + 10 * DAY, FIRST + 11 * DAY})
"""Days the history lacks."""
BANDS = ((25, "Extreme Fear"), (46, "Fear"), (55, "Neutral"), (75, "Greed"), (101, "Extreme Greed"))


def value_of(day: int) -> int:
    """The index of the day starting at `day` (seconds)."""
    return (day // DAY * 7) % 101


def band(value: int) -> str:
    """The band the fake names a value by."""
    return next(name for bound, name in BANDS if value < bound)


def truth(start: datetime, end: datetime) -> dict[datetime, float]:
    """The fake's index over `[start, end)`, by day."""
    return {
        datetime.fromtimestamp(day, UTC): float(value_of(day))
        for day in range(FIRST, TODAY + DAY, DAY)
        if day not in MISSING and start.timestamp() <= day < end.timestamp()
    }


class FakeFearGreed:
    """The fake server: records every request, answers like alternative.me."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.error: str | None = None
        self.failures: list[httpx.Response] = []
        self.revised: dict[int, int] = {}
        """Values changed since the history was first read, by day (seconds)."""

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, newest first, as strings."""
        found: list[dict[str, Any]] = []
        for day in range(TODAY, FIRST - DAY, -DAY):
            if day in MISSING:
                continue
            value = self.revised.get(day, value_of(day))
            entry = {
                "value": str(value),
                "value_classification": band(value),
                "timestamp": str(day),
            }
            if not found:
                entry["time_until_update"] = "32400"
            found.append(entry)
        return found

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            return self.failures.pop(0)
        if request.url.path != "/fng/":
            return httpx.Response(404, text="Not Found")
        if self.error is not None:
            return httpx.Response(
                200,
                json={
                    "name": "Fear and Greed Index",
                    "data": [],
                    "metadata": {"error": self.error},
                },
            )
        limit = int(request.url.params.get("limit", "1"))
        entries = self.entries()
        data = entries if limit == 0 else entries[:limit]
        return httpx.Response(
            200, json={"name": "Fear and Greed Index", "data": data, "metadata": {"error": None}}
        )
