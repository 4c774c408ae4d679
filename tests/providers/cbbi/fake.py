"""A fake CBBI data file host shaped as `shared/providers/cbbi.md` documents it.

One static file at `/cbbi/data/latest.json`: component → `{"<seconds as a string>": number}`,
00:00 UTC points, `Confidence` and the components as fractions, `Price` in dollars, null
early values (`RHODL`'s first days), components ending a day apart (`Woobull`), a component
of an older version (`GoldenRatio`). It sends an `ETag` and a `Last-Modified` and answers a
matching `If-None-Match` (else `If-Modified-Since`) with `304 Not Modified` and no body; a
request without a browser's User-Agent is refused (403), as the CDN may do. The values are
synthetic and known to the test (`truth`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx

DAY = 86_400
FIRST = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
NOW_DT = datetime(2024, 2, 1, 15, tzinfo=UTC)
NOW = NOW_DT.timestamp()
TODAY = int(datetime(2024, 2, 1, tzinfo=UTC).timestamp())
PATH = "/cbbi/data/latest.json"
COMPONENTS = (
    "Price",
    "PiCycle",
    "RUPL",
    "RHODL",
    "Puell",
    "2YMA",
    "Trolololo",
    "MVRV",
    "ReserveRisk",
    "Woobull",
    "GoldenRatio",
    "Confidence",
)
LAST_DAY = {"Woobull": TODAY - DAY}
"""Components ending before today."""
NULL_DAYS = {"RHODL": frozenset({FIRST, FIRST + DAY})}
"""Early days a component has no value for."""


def value(component: str, day: int) -> float | None:
    """A component's value on the day starting at `day` (seconds)."""
    if day in NULL_DAYS.get(component, frozenset()):
        return None
    index = (day - FIRST) // DAY
    if component == "Price":
        return 40_000.0 + 125.5 * index
    return round((COMPONENTS.index(component) * 0.05 + index * 0.001) % 1, 6)


def truth(component: str, start: datetime, end: datetime) -> dict[datetime, float | None]:
    """A component's values over `[start, end)`, by day."""
    last = LAST_DAY.get(component, TODAY)
    return {
        datetime.fromtimestamp(day, UTC): value(component, day)
        for day in range(FIRST, last + DAY, DAY)
        if start.timestamp() <= day < end.timestamp()
    }


class FakeCbbi:
    """The fake host: records every request, serves the file conditionally."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.failures: list[httpx.Response] = []
        self.version = 1
        self.validators = ("ETag", "Last-Modified")
        """The validators the host sends (a host may send only one)."""

    def body(self) -> bytes:
        """The file as the host serves it now."""
        return json.dumps(
            {
                component: {
                    str(day): value(component, day)
                    for day in range(FIRST, LAST_DAY.get(component, TODAY) + DAY, DAY)
                }
                for component in COMPONENTS
            }
        ).encode()

    def etag(self) -> str:
        return f'"v{self.version}"'

    def last_modified(self) -> str:
        return format_datetime(datetime.fromtimestamp(TODAY + self.version, UTC), usegmt=True)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            return self.failures.pop(0)
        if not request.headers.get("User-Agent", "").startswith("Mozilla/"):
            return httpx.Response(403, text="Forbidden")
        if request.url.path != PATH:
            return httpx.Response(404, text="Not Found")
        headers = {"Content-Type": "application/json"}
        if "ETag" in self.validators:
            headers["ETag"] = self.etag()
        if "Last-Modified" in self.validators:
            headers["Last-Modified"] = self.last_modified()
        tag = request.headers.get("If-None-Match")
        since = request.headers.get("If-Modified-Since")
        if ("ETag" in self.validators and tag is not None and tag == self.etag()) or (
            tag is None and since is not None and since == self.last_modified()
        ):
            return httpx.Response(304, headers=headers)
        return httpx.Response(200, headers=headers, content=self.body())
