"""The benchmarks still run: every comparison at the `smoke` size, figures not judged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import MODULES  # noqa: E402


def test_every_benchmark_runs_at_the_smoke_size_and_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--size", "smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout.split("| path | ours | reference |", 1)[1].splitlines()[2:]
    rows = [line for line in table if line.startswith("| ")]
    # At smoke size no target is judged: every line says "-" rather than met or missed.
    assert len(rows) >= len(MODULES)
    assert all(line.endswith("| - |") for line in rows)
