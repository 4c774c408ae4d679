"""First use of each client loads nothing beyond cryptodata's required dependencies.

Issue 9 holds the first use of a client (`import cryptodata; cryptodata.Coinalyze`) to about
the cost of importing httpx, polars and attrs. Timing is the benchmark's job
(`benchmarks/bench_import.py`); this guards what keeps it cheap, without timing anything: a
fresh interpreter that touches a client has loaded no module outside cryptodata that
`import httpx, polars, attrs, msgspec` does not load too, except those listed below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cryptodata

SRC = Path(cryptodata.__file__).parents[1]
REFERENCE = "import httpx, polars, attrs, msgspec"

ALLOWED: dict[str, str] = {
    # Built into the interpreter: importing it runs no Python and loads no file.
    "gc": "Table.to_records pauses the collector while it builds records",
}
"""Modules first use may add to the reference's, each with the reason it is worth it."""


def _loaded(code: str) -> set[str]:
    """The modules `sys.modules` holds after `code` runs in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture(scope="module")
def reference() -> set[str]:
    return _loaded(REFERENCE)


@pytest.mark.parametrize(
    "client",
    [
        "Coinalyze",
        "AsyncCoinalyze",
        "Hyperliquid",
        "AsyncHyperliquid",
        "Ccxt",
        "AsyncCcxt",
        "top_assets",
        "AssetRegistry",
    ],
)
def test_first_use_of_a_client_loads_only_what_its_dependencies_load(
    reference: set[str], client: str
) -> None:
    loaded = _loaded(f"import cryptodata\ncryptodata.{client}")

    extra = {
        name
        for name in loaded - reference
        if name != "cryptodata" and not name.startswith("cryptodata.")
    }
    assert extra <= set(ALLOWED), sorted(extra - set(ALLOWED))


DEFERRED: dict[str, str] = {
    "difflib": "only a misspelt venue or symbol needs close matches",
    "msgspec": "the first answer decoded loads it",
    "cryptodata.providers.coinalyze.parse": "the first answer decoded loads it",
    "cryptodata.providers.coinalyze.frames": "the first answer shaped loads it",
    "cryptodata.core.venues": "the coverage or the first market catalogue loads it",
    "cryptodata.core.planning": "Coinalyze plans with core.windows, not the cursor paginator",
}
"""Modules the Coinalyze clients load when first needed, not on first use, and why."""


@pytest.mark.parametrize("client", ["Coinalyze", "AsyncCoinalyze"])
def test_first_use_of_coinalyze_defers_what_its_first_answer_needs(client: str) -> None:
    loaded = _loaded(f"import cryptodata\ncryptodata.{client}")

    assert not loaded & set(DEFERRED), sorted(loaded & set(DEFERRED))


HYPERLIQUID_DEFERRED: dict[str, str] = {
    "msgspec": "the first answer or frame decoded loads it",
    "websockets": "the first stream started loads it",
    "cryptodata.core.stream": "the first stream built loads it",
    "cryptodata.providers.hyperliquid.parse": "the first answer decoded loads it",
    "cryptodata.providers.hyperliquid.stream": "the first stream built loads it",
}
"""Modules the Hyperliquid clients load when first needed, not on first use, and why."""


@pytest.mark.parametrize("client", ["Hyperliquid", "AsyncHyperliquid"])
def test_first_use_of_hyperliquid_defers_decoders_and_streams(client: str) -> None:
    loaded = _loaded(f"import cryptodata\ncryptodata.{client}()")

    assert not loaded & set(HYPERLIQUID_DEFERRED), sorted(loaded & set(HYPERLIQUID_DEFERRED))
