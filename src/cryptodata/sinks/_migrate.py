"""In-place migration of a file sink's root from layout 1 to layout 2, safe at any crash.

Three phases, each restartable:

1. **Stage.** Every layout-1 file is read, given the columns layout 2 adds (`interval` from the
   caller, `period_hours` null) and written through a layout-2 sink into `<root>/.migrating/`.
   The old tree is untouched: a crash here leaves a layout-1 root and a stale staging tree,
   which the next attempt deletes first.
2. **Intent.** The root's marker is replaced atomically by one saying "migrating to 2": from
   here on the staged tree is complete, and opening the root rolls the migration forward
   without needing the interval again.
3. **Swap.** Each kind directory moves to `<root>/.layout-1/` and its staged twin takes its
   place (one rename each, restartable per kind); then the layout-2 marker is written, which
   commits, and the two hidden trees are removed.

Hidden names (leading `.`) keep the staging and backup trees out of every reader's way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import msgspec
import polars as pl

from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind, primary_key, schema
from cryptodata.core.table import Table

from ._files import Storage, WriteTarget
from .base import Sink
from .layout import LayoutError

__all__ = ["STAGING", "V1_KINDS", "migrate", "roll_forward", "to_layout_2", "write_marker"]

STAGING = ".migrating"
_BACKUP = ".layout-1"

V1_KINDS: Final = frozenset(kind.value for kind in Kind if "exchange" in primary_key(kind))
"""The kinds layout 1 stored (those keyed by a market), by directory name."""


def to_layout_2(kind: Kind, rows: pl.DataFrame, interval: Interval | None) -> Table:
    """Layout-1 rows of `kind` with the columns layout 2 added: `interval`, `period_hours`."""
    target = schema(kind)
    added = []
    if "interval" in target and "interval" not in rows.columns:
        if interval is None:  # checked by `migrate` before anything is written
            raise AssertionError(f"{kind.value} rows need an interval to migrate")
        added.append(pl.lit(interval.value).alias("interval"))
    if "period_hours" in target and "period_hours" not in rows.columns:
        added.append(pl.lit(None, pl.Float64).alias("period_hours"))
    return Table.from_frame(kind, rows.with_columns(added))


def migrate(
    storage: Storage,
    *,
    files: Iterable[tuple[Kind, str]],
    read: Callable[[Kind, str], pl.DataFrame],
    open_staging: Callable[[], Sink],
    marker_name: str,
    marker: Mapping[str, Any],
    interval: Interval | None,
    location: str,
    spec: str,
) -> None:
    """Migrate a layout-1 root in place (all three phases).

    Args:
        storage: The root's storage.
        files: Every layout-1 data file, with its kind.
        read: Reads one layout-1 file's rows.
        open_staging: Opens a layout-2 sink on the staging tree, `<root>/.migrating`.
        marker_name: The root marker's file name.
        marker: The layout-2 marker the root ends with.
        interval: The interval layout-1 bars were collected at.
        location: The root, for messages.
        spec: The sink spec naming the root (`jsonl:DIR`), for the migrate command.

    Raises:
        LayoutError: If bar files exist and `interval` is `None`; nothing is changed then.
    """
    found = list(files)
    if interval is None and any("interval" in schema(kind) for kind, _ in found):
        raise LayoutError(location, 1, 2, spec)
    staging = storage.path(STAGING)
    storage.remove_tree(staging)
    with open_staging() as target:
        for kind, path in found:
            target.write(to_layout_2(kind, read(kind, path), interval))
    write_marker(storage, marker_name, {**marker, "layout": 1, "migrating_to": 2})
    roll_forward(storage, marker_name=marker_name, marker=marker)


def roll_forward(storage: Storage, *, marker_name: str, marker: Mapping[str, Any]) -> None:
    """Finish a migration whose staged tree is complete: swap kind directories, then commit."""
    staging, backup = storage.path(STAGING), storage.path(_BACKUP)
    for name in storage.listdir(staging):
        if name.startswith(("_", ".")):
            continue  # the staging sink's own marker, or its temps
        current = storage.path(name)
        if storage.isdir(current):
            storage.move(current, f"{backup}/{name}")
        storage.move(f"{staging}/{name}", current)
    write_marker(storage, marker_name, marker)
    storage.remove_tree(backup)
    storage.remove_tree(staging)


def write_marker(storage: Storage, name: str, content: Mapping[str, Any]) -> None:
    """Replace the root's marker file atomically with `content` as JSON."""
    data = msgspec.json.encode(dict(content)) + b"\n"

    def write(target: WriteTarget) -> None:
        if isinstance(target, str):
            with open(target, "wb") as file:
                file.write(data)
        else:
            target.write(data)

    storage.write_atomic(storage.path(name), write)
