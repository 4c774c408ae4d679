"""What every benchmark module shares: interleaved timing and the comparison it reports.

A module of `benchmarks/` exposes `comparisons(size: Size) -> list[Comparison]`; `run.py`
collects them into one table. Every figure is a ratio against a reference measured in the same
process (or the same run), interleaved round by round, so a noisy machine slows both sides
alike; absolute times are printed for context only and nothing here asserts on them.
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

Size = Literal["smoke", "small", "full"]
"""`smoke`: seconds, for CI (figures meaningless); `small`: a quick look; `full`: the targets."""

SIZES: tuple[Size, ...] = ("smoke", "small", "full")


@dataclass(frozen=True)
class Comparison:
    """One line of the table: our path against its reference.

    Attributes:
        path: What is measured (`"parser, OHLCV shape"`).
        ours: Our median, in `unit`.
        reference_name: What we are measured against (`"msgspec decode only"`).
        reference: The reference's median, in `unit`.
        unit: `"s"` (lower is better) or a rate such as `"rows/s"` (higher is better).
        ratio: The figure the target is about, as the issue states it (e.g. our time over the
            reference's time, or our rate over the reference's rate).
        target: The target, as text (`"≤ 1.40x"`).
        met: Whether `ratio` meets the target; `None` at the `smoke` size.
        detail: Anything else worth printing (sizes, table size, HOT updates).
    """

    path: str
    ours: float
    reference_name: str
    reference: float
    unit: str
    ratio: float
    target: str
    met: bool | None
    detail: str = ""

    @classmethod
    def judged(
        cls,
        path: str,
        ours: float,
        reference_name: str,
        reference: float,
        *,
        limit: float,
        size: Size,
        unit: str = "s",
        detail: str = "",
    ) -> Comparison:
        """A row whose ratio is ours over the reference's: a time (`unit="s"`) must be at most
        `limit`, a rate at least `limit`."""
        ratio = ours / reference
        if unit == "s":
            target, met = f"≤ {limit:.2f}x", at_most(ratio, limit, size)
        else:
            target, met = f"≥ {limit:.2f}x", at_least(ratio, limit, size)
        return cls(path, ours, reference_name, reference, unit, ratio, target, met, detail)


def interleaved(
    work: dict[str, Callable[[], object]], rounds: int, *, warmup: int = 1
) -> dict[str, float]:
    """Median seconds of each callable, run in turn round after round (after `warmup` rounds).

    Interleaving spreads the machine's noise over every contender instead of letting one
    contender's rounds fall in a quiet or busy stretch. The garbage collector is run before
    each call so that one contender's garbage is not collected on another's clock.
    """
    return medians({name: partial(_timed, call) for name, call in work.items()}, rounds, warmup)


def medians(
    measures: dict[str, Callable[[], float]], rounds: int, warmup: int = 1
) -> dict[str, float]:
    """Median of the figure each measure returns, run in turn round after round (after `warmup`).

    For contenders that time themselves (a batch of calls, another process); `interleaved`
    times plain callables with it.
    """
    figures: dict[str, list[float]] = {name: [] for name in measures}
    for index in range(warmup + rounds):
        for name, measure in measures.items():
            figure = measure()
            if index >= warmup:
                figures[name].append(figure)
    return {name: statistics.median(values) for name, values in figures.items()}


def _timed(call: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def per_call(call: Callable[[], object], calls: int) -> float:
    """Seconds per call of `call`, over `calls` calls in a row (after a collection)."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def at_most(ratio: float, limit: float, size: Size) -> bool | None:
    """Whether `ratio <= limit`; `None` at the `smoke` size, whose figures mean nothing."""
    return None if size == "smoke" else ratio <= limit


def at_least(ratio: float, limit: float, size: Size) -> bool | None:
    """Whether `ratio >= limit`; `None` at the `smoke` size, whose figures mean nothing."""
    return None if size == "smoke" else ratio >= limit


def peak_rss_mib() -> float:
    """This process's peak RSS in MiB. On Linux `VmHWM`, because `ru_maxrss` survives `exec`
    and so would report the parent's peak in a child run for its own figures."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB
