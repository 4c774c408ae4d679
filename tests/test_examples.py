"""Every example runs offline on the bundled samples (no key, no network) and prints its result.

Each runs as a user runs it, `python examples/<name>.py`, in a subprocess without
`COINALYZE_API_KEY` and with every proxy variable pointing at a closed port, so a request that
escaped the replay would fail instead of reaching the network. The notebook,
`examples/cross_venue.ipynb`, is executed the same way by nbclient, on an IPython kernel of this
test's own interpreter, and is committed without outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

EXAMPLES = Path(__file__).parents[1] / "examples"
_DEAD_PROXY = "http://127.0.0.1:9"

OFFLINE_RUNS: dict[str, tuple[list[str], list[str]]] = {
    # name: (arguments, lines the output must hold)
    "ccxt_pipeline.py": (
        ["--seconds", "4"],
        [
            "seeding BTC and ETH perps on binanceusdm, bybit, hyperliquid (samples) "
            "into a temporary dataset",
            "hyperliquid: no open_interest (ccxt's hyperliquid has no fetchOpenInterestHistory)",
            "binanceusdm: 20 liquidations streamed in at most 4 s",
            "bybit: 15 liquidations streamed in at most 4 s",
            # Binance: base and quote series of open interest, 48 h of both perps; funding
            # settled every 8 h on Binance and Bybit, hourly on Hyperliquid.
            "stored open_interest: binance 192, bybit 96",
            "stored funding_settlement: binance 12, bybit 12, hyperliquid 96",
            "stored liquidation_events: binance 20, bybit 15",
        ],
    ),
    "poll_open_interest.py": (
        ["--cycles", "2"],
        [
            "polling BTCUSDT_PERP.A every 1d (samples)",
            "cycle 1 at 2025-06-06 00:00: BTCUSDT_PERP.A funding +0.0041% per period, "
            "OI bars held: 5",
            "cycle 2 at 2025-06-07 00:00: BTCUSDT_PERP.A funding +0.0041% per period, "
            "OI bars held: 5",
        ],
    ),
    "hyperliquid_tracker.py": (
        ["--top", "2"],
        [
            "tracking BTC and the top 2 traders (samples) into a temporary dataset",
            "BTC: 48 closed 1h candles, last close 107,958.1 at 2025-06-30 23:00",
            "stored: 48 ohlcv, 2 leaderboard, 4 positions",
        ],
    ),
    "onchain_dashboard.py": (
        [],
        [
            "BTC on-chain summary (samples)",
            "  sentiment  fear_greed                           24 index on 2024-01-08 via "
            "feargreed",
            "  sentiment  cbbi_confidence                    0.76 fraction on 2024-01-07 via cbbi",
            "stored daily rows: active_addresses 5, cbbi_confidence 7, fear_greed 7, "
            "hash_rate 5, market_cap 5, price 5, transaction_count 5",
        ],
    ),
    "research_pipeline.py": (
        [],
        [
            "4 pulls (samples) into a temporary Parquet dataset",
            "defillama-hourly: ok, 48 rows in 6 requests",
            "velo-hourly: ok, 36 rows in 1 requests",
            "artemis-daily: ok, 25 rows in 1 requests",
            "coinmetrics-daily: ok, 20 rows in 1 requests",
            "stored metric rows: artemis 25, coinmetrics 20, defillama 48, velo 36",
            "21 series, 0 duplicate rows",
        ],
    ),
    "research_frame.py": (
        [],
        [
            "BTC on binance, 2025-06-01 to 2025-06-06 (samples)",
            "│ 2025-06-01 00:00:00 UTC ┆ base ┆ 82802.078 │",
            "│ binance  ┆ 0.041956   │",
        ],
    ),
}


def _offline_env() -> dict[str, str]:
    """This process's environment without the key, every proxy a closed port."""
    env = {key: value for key, value in os.environ.items() if key != "COINALYZE_API_KEY"}
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        env[variable] = _DEAD_PROXY
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return env


def _run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=_offline_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_example_has_an_offline_run() -> None:
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == sorted(OFFLINE_RUNS)


@pytest.mark.parametrize("name", sorted(OFFLINE_RUNS))
def test_example_runs_offline_on_the_bundled_samples(name: str) -> None:
    args, expected = OFFLINE_RUNS[name]

    done = _run(name, *args)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for line in expected:
        assert line in lines


def test_the_polling_example_stops_after_three_cycles_offline_by_default() -> None:
    done = _run("poll_open_interest.py")

    assert done.returncode == 0, done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines()[1:]] == [
        "cycle 1 at 2025-06-06 00",
        "cycle 2 at 2025-06-07 00",
        "cycle 3 at 2025-06-08 00",
    ]


NOTEBOOK = EXAMPLES / "cross_venue.ipynb"
_KERNEL = "cryptodata-tests"

# Run in the kernel after the notebook's own cells: what its tables hold, as one JSON line.
_PROBE = """
import json, sys
print(json.dumps({
    "python": sys.executable,
    "oi": oi.to_polars().group_by("exchange", "unit").len().sort("exchange").rows(),
    "oi_report": [(o.share.route.venue, o.ok) for o in oi.report.outcomes],
    "funding": funding.to_polars().group_by("exchange", "period_hours").len().sort("exchange").rows(),
}))
"""


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The notebook executed offline, the probe cell appended (outputs in memory only)."""
    home = tmp_path_factory.mktemp("notebook")
    # A kernelspec of this interpreter under a name no installed kernel has, found first on
    # JUPYTER_PATH: the kernel imports the same cryptodata and packages as this test.
    spec = home / "kernels" / _KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "cryptodata tests",
                "language": "python",
            }
        )
    )
    env = _offline_env()
    # The inline backend is what turns a figure into an image/png output; an inherited
    # MPLBACKEND (Agg on a headless machine) would replace it. The kernel's IPython profile
    # and history go to the temporary directory, not the home directory.
    env.pop("MPLBACKEND", None)
    env["IPYTHONDIR"] = str(home / "ipython")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(_PROBE, id="probe"))
    client = NotebookClient(
        notebook,
        kernel_name=_KERNEL,
        timeout=60,
        resources={"metadata": {"path": str(home)}},
        # Unix sockets in the temporary directory: the kernel listens on no TCP port at all.
        config=Config({"KernelManager": {"transport": "ipc", "ip": str(home / "kernel")}}),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(home))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
        client.execute(env=env)
    return notebook


def _outputs(notebook: Any) -> list[Any]:
    return [output for cell in notebook.cells for output in cell.get("outputs", [])]


def _probe(notebook: Any) -> dict[str, Any]:
    (output,) = notebook.cells[-1].outputs
    return json.loads(output.text)


def test_the_notebook_runs_offline_without_errors_or_warnings(executed_notebook: Any) -> None:
    faults = [
        output
        for output in _outputs(executed_notebook)
        if output.output_type == "error" or output.get("name") == "stderr"
    ]

    assert faults == []


def test_the_notebook_runs_on_this_interpreter(executed_notebook: Any) -> None:
    assert _probe(executed_notebook)["python"] == sys.executable


def test_the_notebook_draws_one_chart_of_two_axes(executed_notebook: Any) -> None:
    images = [o for o in _outputs(executed_notebook) if "image/png" in o.get("data", {})]

    assert [image.data["text/plain"] for image in images] == ["<Figure size 900x600 with 2 Axes>"]


def test_the_notebook_asks_open_interest_of_three_venues_in_usd(executed_notebook: Any) -> None:
    facts = _probe(executed_notebook)

    # Hyperliquid keeps no OI history; Coinalyze, which has it live, holds Binance alone in
    # its samples, so offline that share fails and says so in the report.
    assert facts["oi_report"] == [["binance", True], ["bybit", True], ["hyperliquid", False]]
    assert facts["oi"] == [["binance", "usd", 48], ["bybit", "usd", 48]]


def test_the_notebook_compares_funding_of_three_venues_per_8h(executed_notebook: Any) -> None:
    assert _probe(executed_notebook)["funding"] == [
        ["binance", 8.0, 6],
        ["bybit", 8.0, 6],
        ["hyperliquid", 8.0, 48],
    ]


def test_the_notebook_shows_the_open_interest_preview(executed_notebook: Any) -> None:
    (preview,) = next(c for c in executed_notebook.cells if c.id == "oi-preview").outputs

    assert "<b>open_interest</b> · 96 rows · interval 1h" in preview.data["text/html"]


def test_the_notebook_is_committed_without_outputs_or_execution_counts() -> None:
    cells = [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]

    assert cells
    assert [(c["outputs"], c["execution_count"]) for c in cells] == [([], None)] * len(cells)


def test_the_research_pipeline_runs_twice_into_postgres_without_a_duplicate(
    postgres_db: str,
) -> None:
    first = _run("research_pipeline.py", "--dsn", postgres_db)
    second = _run("research_pipeline.py", "--dsn", postgres_db)

    for result in (first, second):
        assert result.returncode == 0, result.stderr
        assert "stored metric rows: artemis 25, coinmetrics 20, defillama 48, velo 36" in (
            result.stdout
        )
        assert "21 series, 0 duplicate rows" in result.stdout
    # The second run re-reads only each series' last bars (and the series with none stored).
    assert "defillama-hourly: ok, 18 rows in 6 requests" in second.stdout
    assert "velo-hourly: ok, 18 rows in 1 requests" in second.stdout
    # The samples' clocks stand still: a rerun's log rows replace the first run's (same start).
    assert "pull_log: 4 runs" in second.stdout
