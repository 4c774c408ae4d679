"""Every example runs offline on the bundled samples (no key, no network) and prints its result.

Each runs as a user runs it, `python examples/<name>.py`, in a subprocess without
`COINALYZE_API_KEY` and with every proxy variable pointing at a closed port, so a request that
escaped the replay would fail instead of reaching the network.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    "research_frame.py": (
        [],
        [
            "BTC on binance, 2025-06-01 to 2025-06-06 (samples)",
            "│ 2025-06-01 00:00:00 UTC ┆ base ┆ 82802.078 │",
            "│ binance  ┆ 0.041956   │",
        ],
    ),
}


def _run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "COINALYZE_API_KEY"}
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        env[variable] = _DEAD_PROXY
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
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
