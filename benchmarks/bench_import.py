"""First use of each client against importing cryptodata's required dependencies.

Each side is a fresh interpreter (`subprocess`), timed as a whole process by wall clock
(start, imports, teardown), as issue 9 (target 5) states it: ours is
`import cryptodata; cryptodata.<client>`, the reference `import httpx, polars, attrs`. Both run
with bytecode caching on, in a temporary `PYTHONPYCACHEPREFIX`, so that neither side pays for
compiling sources (as after a `pip install`); the warm-up round writes the caches.
Target: our time ≤ 1.10x the reference's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable

from _harness import Comparison, Size, interleaved

ROUNDS: dict[Size, int] = {"smoke": 1, "small": 5, "full": 15}
CLIENTS: tuple[str, ...] = ("Coinalyze", "AsyncCoinalyze", "top_assets")
REFERENCE = "import httpx, polars, attrs"


def _process(code: str, env: dict[str, str]) -> Callable[[], object]:
    """A callable that runs `code` in a fresh interpreter and waits for it to exit."""
    return lambda: subprocess.run([sys.executable, "-c", code], env=env, check=True)


def comparisons(size: Size) -> list[Comparison]:
    """Whole-process seconds of each client's first use over those of the reference."""
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for client in CLIENTS:
            times = interleaved(
                {
                    "ours": _process(f"import cryptodata; cryptodata.{client}", env),
                    "reference": _process(REFERENCE, env),
                },
                ROUNDS[size],
            )
            rows.append(
                Comparison.judged(
                    f"first use of cryptodata.{client}",
                    times["ours"],
                    REFERENCE,
                    times["reference"],
                    limit=1.10,
                    size=size,
                    detail="whole process, median",
                )
            )
    return rows
