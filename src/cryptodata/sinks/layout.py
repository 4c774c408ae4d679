"""Layout versions of stored data, and the error for data written by an older release.

Layout 2 (this release) names every series by its kind's full series key: bar kinds gain
`interval`, and kinds with a unit gain `unit`, so 1h and 1d bars, or native and USD values,
are separate series. Layout 1 (cryptodata 0.1) keyed series by provider, exchange and symbol
only, and its rows carry no `interval`: migrating needs the one interval the old data was
collected at (the 0.1 docs asked for one sink per interval and unit).
"""

from __future__ import annotations

from cryptodata.core.errors import ValidationError

__all__ = ["LayoutError"]


class LayoutError(ValidationError):
    """A sink was opened on data written in another layout, and was not told to migrate it.

    Attributes:
        location: The root directory, URL or database schema.
        found: The layout version found there.
        expected: The layout version this release reads and writes.
        command: The command that migrates the data in place.

    Examples:
        >>> err = LayoutError("data", 1, 2, "jsonl:data")
        >>> err.command
        'cryptodata migrate jsonl:data --interval INTERVAL'
    """

    def __init__(self, location: str, found: object, expected: int, spec: str) -> None:
        self.location = location
        self.found = found
        self.expected = expected
        self.command = f"cryptodata migrate {spec} --interval INTERVAL"
        super().__init__(
            f"{location} holds data in layout {found}, this release reads layout {expected} "
            "(series keys now hold interval and unit); migrate it once, in place, with "
            f"`{self.command}` (INTERVAL: the interval its bars were collected at, e.g. 1h), "
            "or open the sink with migrate_interval='1h'"
        )
