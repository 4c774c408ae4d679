"""A backfill process killed with SIGKILL at random moments, then resumed, stores exactly the truth."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from cryptodata import ManualClock
from cryptodata.cli._common import open_sink
from fakes.coinalyze import NOW, FakeCoinalyze

from . import backfill_worker as scenario

WORKER = Path(scenario.__file__)
TRIALS = 8
LATENCY = 0.01
"""Real seconds per fake request: about 30 steps, so a run lasts about half a second."""


def _kill_at_random(spec: str, seed: int) -> None:
    command = [sys.executable, str(WORKER), spec, str(LATENCY)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(random.Random(seed).uniform(0.0, 0.7))
        process.kill()
    # The run lasts about a second after "ready": the kill lands before it finishes.
    assert process.returncode == -signal.SIGKILL


def _assert_sink_holds_truth(spec: str) -> None:
    fake = FakeCoinalyze(ManualClock(start=NOW))
    with open_sink(spec) as sink:
        for kind, method in scenario.KINDS.items():
            truth = fake.truth(
                method, scenario.SYMBOLS, scenario.INTERVAL, scenario.START, scenario.END
            )
            assert_frame_equal(sink.read(kind).to_polars(), truth, check_exact=True)


@pytest.mark.parametrize("seed", range(TRIALS))
@pytest.mark.parametrize("sink_kind", ["jsonl", "parquet"])
def test_killed_backfill_resumes_to_exactly_the_servers_data(
    tmp_path: Path, sink_kind: str, seed: int
) -> None:
    spec = f"{sink_kind}:{tmp_path / 'store'}"

    _kill_at_random(spec, seed)
    scenario.run(spec)

    _assert_sink_holds_truth(spec)


@pytest.mark.parametrize("seed", range(TRIALS))
def test_killed_backfill_into_postgres_resumes_to_exactly_the_servers_data(
    postgres_db: str, seed: int
) -> None:
    spec = f"postgres:{postgres_db}"

    _kill_at_random(spec, seed)
    scenario.run(spec)

    _assert_sink_holds_truth(spec)
