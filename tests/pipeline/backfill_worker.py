"""One backfill from the fake Coinalyze into a sink: the process the kill/resume tests kill.

Run as `python tests/pipeline/backfill_worker.py SINK_SPEC [LATENCY_SECONDS]`; prints `ready`
once imports are done, then backfills. The tests SIGKILL it at a random moment and resume.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptodata import Coinalyze, ManualClock
from cryptodata.cli._common import open_sink
from cryptodata.pipeline import backfill
from fakes.coinalyze import NOW, NOW_DT, FakeCoinalyze, synthetic

KINDS = {
    "open_interest": "open_interest_history",
    "liquidations": "liquidation_history",
    "ohlcv": "ohlcv_history",
}
SYMBOLS = [synthetic(i) for i in range(12)]
START, END = NOW_DT - timedelta(hours=400), NOW_DT - timedelta(hours=2)
INTERVAL = "1h"


def client(fake: FakeCoinalyze, clock: ManualClock, latency: float = 0.0) -> Coinalyze:
    """A client on the fake, with a real-time `latency` per request so a kill can land mid-run."""

    def answer(request: httpx.Request) -> httpx.Response:
        time.sleep(latency)
        return fake.handle(request)

    return Coinalyze(
        api_key=fake.api_key,
        clock=clock,
        http_transport=httpx.MockTransport(answer),
        max_points_per_request=40,
    )


def run(spec: str, latency: float = 0.0, *, announce: bool = False) -> None:
    """Backfill the scenario into the sink `spec` (`jsonl:DIR`, `parquet:DIR`, `postgres:DSN`)."""
    clock = ManualClock(start=NOW)
    fake = FakeCoinalyze(clock)
    with client(fake, clock, latency) as source, open_sink(spec) as sink:
        if announce:
            print("ready", flush=True)
        backfill(source, list(KINDS), SYMBOLS, INTERVAL, START, END, sink=sink)


if __name__ == "__main__":
    run(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.0, announce=True)
