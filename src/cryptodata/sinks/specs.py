"""Sink specs: a sink named by one string, `jsonl:DIR`, `parquet:DIR_OR_URL` or `postgres:DSN`.

The command line's `--sink`, a pulls file's `sink =` and a `SinkConfig` (what a worker of a
sharded backfill opens) all spell a sink this way; this module reads the spelling once.

Examples:
    >>> sink_scheme("parquet:s3://bucket/data")
    'parquet'
"""

from __future__ import annotations

import os
from typing import Final

from cryptodata.core.errors import ValidationError
from cryptodata.sinks.base import Sink

__all__ = ["SCHEMES", "open_sink", "sink_scheme"]

_MARKERS: Final = {"jsonl": "_sink.json", "parquet": "_cryptodata.json"}
SCHEMES: Final = ("jsonl", "parquet", "postgres")
"""The sink kinds a spec may name, as its prefix."""


def open_sink(
    spec: str,
    *,
    migrate_interval: str | None = None,
    existing: bool = False,
    label: str = "sink",
) -> Sink:
    """A sink from `jsonl:DIR`, `parquet:DIR_OR_URL` or `postgres:DSN`.

    Args:
        spec: The spec.
        migrate_interval: Data an older release wrote is migrated in place on opening, its
            bars taken to be of this interval.
        existing: For readers only: a local root must exist and hold data.
        label: What error messages call the spec (the command line says `--sink`).

    Raises:
        ValidationError: For a malformed spec, a local root holding the other file sink's
            data, or (with `existing`) a local root that does not exist or holds no data.
    """
    scheme = sink_scheme(spec, label=label)
    target = spec.partition(":")[2]
    if scheme == "postgres":
        from cryptodata.sinks.postgres import PostgresSink

        return PostgresSink(target, migrate_interval=migrate_interval)
    _check_root(scheme, target, existing=existing, label=label)
    if scheme == "jsonl":
        from cryptodata.sinks.jsonl import JsonlSink

        return JsonlSink(target, migrate_interval=migrate_interval)
    from cryptodata.sinks.parquet import ParquetSink

    return ParquetSink(target, migrate_interval=migrate_interval)


def sink_scheme(spec: str, *, label: str = "sink") -> str:
    """The kind of sink a spec names (`jsonl`, `parquet` or `postgres`), without opening it.

    Raises:
        ValidationError: For an unknown scheme (only the scheme is named: the rest may be a
            DSN with a password in it) or a missing target.
    """
    scheme, _, target = spec.partition(":")
    if scheme not in SCHEMES:
        raise ValidationError(f"{label}: unknown sink {scheme!r}; use jsonl, parquet or postgres")
    if not target:
        raise ValidationError(f"{label}: expected jsonl:DIR, parquet:DIR_OR_URL or postgres:DSN")
    return scheme


def _check_root(scheme: str, target: str, *, existing: bool, label: str) -> None:
    """A local file-sink root holds this sink's data (or nothing yet), never the other's.

    Object-store URLs are not listed here: the sink reads them as they are.
    """
    url_scheme, sep, rest = target.partition("://")
    if sep and url_scheme != "file":
        return
    root = rest if sep else target
    other = "parquet" if scheme == "jsonl" else "jsonl"
    named = f"{label} {scheme}:{target}"
    if not os.path.exists(root):
        if existing:
            raise ValidationError(f"{named}: {root} does not exist")
        return
    if not os.path.isdir(root):
        raise ValidationError(f"{named}: {root} is not a directory")
    entries = os.listdir(root)
    foreign = _MARKERS[other] in entries or (
        other == "parquet" and any(name.startswith("kind=") for name in entries)
    )
    if foreign:
        raise ValidationError(f"{named}: {root} holds a {other} sink; use {label} {other}:{target}")
    # Layout 1 Parquet datasets had no marker, only their `kind=` directories.
    own = _MARKERS[scheme] in entries or (
        scheme == "parquet" and any(name.startswith("kind=") for name in entries)
    )
    if existing and not own:
        raise ValidationError(
            f"{named}: {root} holds no cryptodata {scheme} data (no {_MARKERS[scheme]})"
        )
