"""Backfills on any executor: shards submitted to a `concurrent.futures.Executor` or a Dask
`distributed.Client`, retried, and collected into one report.

The driver plans (with a client and a sink of its own, built from the same configurations the
workers get), splits the plan into shards (`cryptodata.pipeline.shards`), submits each one,
and receives only counts, warnings and errors. A shard that fails is submitted again without
the steps it stored, up to `retries` times, then reported; the others complete. Running the
same backfill again plans only what is still missing, so it resumes the failed shards.

JSONL is single-writer (appends and rewrites of one root by two processes can interleave),
so a `jsonl:` sink with an executor of more than one worker is refused before anything runs.
"""

from __future__ import annotations

import logging
import queue
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs

from cryptodata.core._checks import count
from cryptodata.core.errors import ValidationError
from cryptodata.core.source import Source
from cryptodata.sinks.base import Sink

from .backfill import DEFAULT_RETRIES, BackfillPlan, BackfillReport
from .configs import SinkConfig, SourceConfig
from .shards import Shard, ShardResult, _built, plan_shards, run_shard

__all__ = [
    "ShardFailure",
    "ShardProgress",
    "ShardedReport",
    "run_shards",
    "spread_keys",
]

logger = logging.getLogger("cryptodata.pipeline")

ShardProgress = Callable[[ShardResult, BackfillPlan], None]
"""Called on the driver as each shard attempt ends (failed ones too), with the whole plan."""


class _Future(Protocol):
    def result(self) -> Any: ...

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...


class _Refused:
    """The outcome of a submission the executor refused, read like a future that raised."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def result(self) -> Any:
        raise self._error

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        fn(self)


@attrs.frozen
class ShardFailure:
    """A shard that still failed after its retries.

    Attributes:
        shard: What was left of it at its last attempt (its steps not yet stored).
        error: The last attempt's error, as `"TypeName: message"`.
        attempts: How many times it was run.
    """

    shard: Shard
    error: str
    attempts: int


@attrs.define
class ShardedReport(BackfillReport):
    """What a backfill on an executor did: a `BackfillReport` over every shard, and the
    shards that failed.

    Attributes:
        shards: The shards the plan was split into.
        failures: The shards that failed after their retries; running the same backfill
            again resumes them. Empty when every shard completed.
        retried: Attempts that failed and were submitted again.
        revoked: The keys (by name, `COINALYZE_API_KEYS[1]`, never by value) the provider
            refused (401/403): they left the rotation and their shards moved to the others.
    """

    shards: tuple[Shard, ...] = ()
    failures: list[ShardFailure] = attrs.field(factory=list)
    retried: int = 0
    revoked: list[str] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """Whether every shard completed."""
        return not self.failures


def run_shards(
    plan: BackfillPlan,
    shards: Sequence[Shard],
    executor: Any,
    *,
    retries: int = DEFAULT_RETRIES,
    progress: ShardProgress | None = None,
) -> ShardedReport:
    """Run `shards` (made from `plan` by `plan_shards`) on `executor`, retrying failed ones.

    Args:
        plan: The plan the shards were made from (the report's plan and warnings).
        shards: The shards.
        executor: A `concurrent.futures.Executor` (threads, processes) or a Dask
            `distributed.Client`; anything whose `submit(fn, shard)` returns a future with
            `result()` and `add_done_callback(fn)` works.
        retries: Times a failed shard is submitted again, without the steps it stored.
        progress: Called on the driver as each attempt ends.

    Returns:
        The report: rows and requests over every attempt, the plan's and the providers'
        warnings, and the failures.

    Raises:
        ValidationError: When `retries` is not an integer of at least 0, or the shards'
            sink is JSONL and the executor has more than one worker.
    """
    budget = count("retries", retries, minimum=0)
    if shards:
        _check_writers(shards[0].sink, executor)
    started = time.monotonic()
    report = ShardedReport(plan, shards=tuple(shards))
    seen = set(plan.warnings)
    report.warnings.extend(plan.warnings)
    done: queue.SimpleQueue[tuple[Shard, int, _Future]] = queue.SimpleQueue()
    submit = _submitter(executor)

    def send(shard: Shard, attempt: int) -> None:
        try:
            future = submit(shard)
        # A pool that broke (a worker process died) refuses new work: that attempt fails.
        except Exception as exc:
            done.put((shard, attempt, _Refused(exc)))
            return
        future.add_done_callback(lambda ended: done.put((shard, attempt, ended)))

    for shard in shards:
        send(shard, 1)
    running = len(shards)
    while running:
        shard, attempt, future = done.get()
        running -= 1
        result = _result(shard, future)
        report.requests += result.requests
        report.rows_written += result.rows_written
        for warning in result.warnings:
            if warning not in seen:
                seen.add(warning)
                report.warnings.append(warning)
        if progress is not None:
            progress(result, plan)
        if result.error is None:
            continue
        rest = shard.after(result.requests)
        moved = _to_another_key(rest, result.error, report)
        if moved is not None:
            # A refused key is not the shard's fault: the move costs no retry.
            send(moved, attempt)
            running += 1
        elif attempt <= budget:
            logger.warning("shard %d failed (attempt %d): %s", shard.index, attempt, result.error)
            report.retried += 1
            send(rest, attempt + 1)
            running += 1
        else:
            logger.error(
                "shard %d failed after %d attempts: %s", shard.index, attempt, result.error
            )
            report.failures.append(ShardFailure(rest, result.error, attempt))
    report.failures.sort(key=lambda failure: failure.shard.index)
    report.elapsed = time.monotonic() - started
    logger.info(
        "sharded backfill done: %d shards, %d requests, %d rows written, %d failed in %.1fs",
        len(shards),
        report.requests,
        report.rows_written,
        len(report.failures),
        report.elapsed,
    )
    return report


def spread_keys(shards: Sequence[Shard]) -> list[Shard]:
    """`shards` dealt round-robin across the keys of their source's `key_variable`, when it
    holds several (`COINALYZE_API_KEYS=k1,k2`): each key's shards draw on its own budget."""
    if not shards or shards[0].source.key_index is not None:
        return list(shards)
    keys = shards[0].source.key_count()
    if keys < 2:
        return list(shards)
    return [
        attrs.evolve(shard, source=attrs.evolve(shard.source, key_index=position % keys))
        for position, shard in enumerate(shards)
    ]


def _to_another_key(shard: Shard, error: str | None, report: ShardedReport) -> Shard | None:
    """The shard on the next key still in the rotation, if its key was refused (401/403)
    and one is left; the refused key leaves the rotation."""
    source = shard.source
    if source.key_index is None or not (error or "").startswith("AuthenticationError"):
        return None
    name = source.key_name or ""
    if name not in report.revoked:
        logger.error("key %s refused (%s): it leaves the rotation", name, error)
        report.revoked.append(name)
    keys = source.key_count()
    for step in range(1, keys):
        index = (source.key_index + step) % keys
        candidate = attrs.evolve(source, key_index=index)
        if candidate.key_name not in report.revoked:
            return attrs.evolve(shard, source=candidate)
    return None


def _check_writers(sink: SinkConfig, executor: Any) -> None:
    """Refuse a JSONL sink on an executor that may run more than one shard at once.

    Raises:
        ValidationError: Saying why and what to use instead.
    """
    if sink.scheme != "jsonl":
        return
    workers = _workers(executor)
    if workers != 1:
        many = "more than one worker" if workers is not None else "workers it does not count"
        raise ValidationError(
            f"a JSONL sink has a single writer (one process writes a root at a time), and "
            f"this executor has {many}; backfill into parquet: or postgres:, which take "
            "concurrent writers of distinct series, or use an executor with one worker"
        )


def _workers(executor: Any) -> int | None:
    """How many shards `executor` may run at once, when it says; `None` otherwise."""
    if _is_dask(executor):
        info = executor.scheduler_info()
        return sum(int(worker.get("nthreads", 1)) for worker in info["workers"].values())
    # concurrent.futures has no public name for it; both pools keep it here.
    found = getattr(executor, "_max_workers", None)
    return found if isinstance(found, int) else None


def _is_dask(executor: Any) -> bool:
    """Whether `executor` is a Dask client: looked up only if `distributed` is imported, as it
    must be for a client to exist, so Dask is never imported here."""
    if "distributed" not in sys.modules:
        return False
    from distributed import Client

    return isinstance(executor, Client)


def _submitter(executor: Any) -> Callable[[Shard], _Future]:
    if _is_dask(executor):
        # `pure=False`: Dask would otherwise hand back the finished future of an identical
        # earlier submission instead of running a retry.
        return lambda shard: executor.submit(run_shard, shard, pure=False)
    return lambda shard: executor.submit(run_shard, shard)


def _result(shard: Shard, future: _Future) -> ShardResult:
    """The attempt's result; a future that raised (a worker process died, the result did
    not come back) is a failed attempt whose stored steps are unknown."""
    try:
        found: ShardResult = future.result()
    # Whatever the executor raises ends this attempt only, like a failure inside it.
    except Exception as exc:
        return ShardResult(shard.index, 0, 0, error=f"{type(exc).__name__}: {exc}")
    return found


def _sharded(
    source: SourceConfig,
    planner: Callable[[Source, Sink], BackfillPlan],
    *,
    sink: SinkConfig,
    executor: Any,
    shards: int | None,
    retries: int,
    progress: ShardProgress | None,
) -> ShardedReport:
    """Plan on the driver with a client and a sink of its own, built from the configurations
    the workers get (so both name the series alike), then run the plan shard by shard.

    Raises:
        ValidationError: Before anything runs: a JSONL sink on a parallel executor, bad
            `shards` or `retries`, or an executor that does not count its workers without
            `shards=`; then as the planner does.
    """
    _check_writers(sink, executor)
    # A Dask cluster still scaling up may count no workers yet: ask, rather than guess.
    wanted = shards if shards is not None else _workers(executor) or None
    if wanted is None:
        raise ValidationError("pass shards=: this executor does not say how many workers it has")
    count("shards", wanted, minimum=1)
    count("retries", retries, minimum=0)
    with _built(source) as client, sink.open() as store:
        plan = planner(client, store)
    parts = spread_keys(plan_shards(plan, source, sink, shards=wanted))
    return run_shards(plan, parts, executor, retries=retries, progress=progress)
