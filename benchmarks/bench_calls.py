"""One small request, per call: our client against raw httpx and the PyPI peers, on one mock.

The call is what a polling bot makes: `Coinalyze.open_interest_history` for 1 symbol and 10
hourly bars, the market list already loaded and cached, the limiter generous enough never to
sleep (a `SlidingWindowLimiter`, the default's kind, of 10**9 calls a minute), on an
`httpx.MockTransport` serving `_coinalyze.FakeCoinalyze` (a market list of `MARKETS`
futures). Targets (issue 9, item 3):

- our time per call ≤ 0.6 ms above a raw `httpx.Client.get` of the same URL on the same mock
  (the row prints the ratio, but is judged by the difference);
- our time per call < the PyPI `coinalyze` package's and `coinalyze-pandas`'s on the same mock
  (`coinalyze` is handed an `httpx_client`, `coinalyze-pandas`'s `.client` is replaced);
  `coinalyze` is judged by `get_history_df`, which returns a frame as we do; its
  `get_history`, which hands back the decoded JSON, is printed for scale.

The peers run in their own venv, `benchmarks/.peers-venv` (`python benchmarks/bench_calls.py
--setup-peers` makes it from `benchmarks/peers-requirements.txt`, which pins their broken
dependency), in a subprocess (`_peers_driver.py`) that serves the same fake. Rounds are
interleaved across both processes: each contender runs `CALLS` calls in turn, the other
process waiting, and medians of the per-call means are compared. Without the venv the peer
rows are skipped, with a note.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from _coinalyze import API_KEY, NOW, FakeCoinalyze, symbol
from _harness import SIZES, Comparison, Size, at_most, medians, per_call

from cryptodata.core.clock import ManualClock
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.table import Table
from cryptodata.providers.coinalyze import Coinalyze
from cryptodata.providers.coinalyze.endpoints import OPEN_INTEREST_HISTORY

HERE = Path(__file__).resolve().parent
PEERS_VENV = HERE / ".peers-venv"
PEERS_PYTHON = PEERS_VENV / "bin" / "python"
PEERS_REQUIREMENTS = HERE / "peers-requirements.txt"
PEERS = ("coinalyze get_history", "coinalyze get_history_df", "coinalyze-pandas")
"""The peers' calls: `coinalyze`'s answers as parsed JSON and as a pandas frame (the closer
match to our typed table), and `coinalyze-pandas`'s frame."""
FOR_SCALE = {"coinalyze get_history": "for scale: it returns the decoded JSON, no frame"}
"""Peer calls printed but not judged: they do less than building a typed table."""

MARKETS = 3_000
"""Futures in the fake's market list: the real one lists a few thousand."""
BARS = 10
START, END = NOW - timedelta(hours=BARS), NOW
CALLS: dict[Size, int] = {"smoke": 5, "small": 100, "full": 300}
"""Calls per timed batch: one batch is one contender's turn in a round."""
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 5, "full": 11}
LIMIT_ABOVE_RAW = 0.6e-3
"""Seconds per call our client may cost above raw httpx."""


def ours_and_raw() -> tuple[Callable[[], object], Callable[[], object], str]:
    """Our call, the raw httpx GET of the URL it sends (same mock, same headers), that URL."""
    fake = FakeCoinalyze(OPEN_INTEREST_HISTORY, MARKETS)
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return fake.handle(request)

    # The clock stands at the benchmarks' `NOW`, so the window is recent (no retention note)
    # and the cached market list never expires; the limiter keeps the system clock.
    client = Coinalyze(
        api_key=API_KEY,
        clock=ManualClock(start=NOW.timestamp()),
        limiter=SlidingWindowLimiter(10**9, 60.0),
        http_transport=httpx.MockTransport(record),
    )

    def ours() -> Table[Any]:
        return client.open_interest_history(symbol(0), interval="1h", start=START, end=END)

    table = ours()
    assert len(table) == BARS, table
    url = str(sent[-1].url)
    headers = {"api_key": API_KEY}
    raw = httpx.Client(transport=fake.transport())
    assert raw.get(url, headers=headers).content == fake.handle(sent[-1]).content
    return ours, (lambda: raw.get(url, headers=headers)), url


class Peers:
    """The peers' subprocess: one contender's batch of calls per `time(name, calls)`."""

    def __init__(self, url: str) -> None:
        config = {
            "fields": [list(pair) for pair in OPEN_INTEREST_HISTORY.fields],
            "markets": MARKETS,
            "symbol": symbol(0),
            "from": int(START.timestamp()),
            "to": int(END.timestamp()) - 1,
            "url": url,
        }
        self._process = subprocess.Popen(
            [str(PEERS_PYTHON), str(HERE / "_peers_driver.py"), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._ask(None)

    def _ask(self, line: str | None) -> str:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        if line is not None:
            stdin.write(line + "\n")
            stdin.flush()
        answer = stdout.readline()
        if not answer:
            raise RuntimeError(f"the peers' driver stopped (exit {self._process.wait()})")
        return answer.strip()

    def time(self, name: str, calls: int) -> float:
        """Seconds per call of `calls` calls of peer `name`, timed in the peers' process."""
        return float(self._ask(f"{name} {calls}"))

    def close(self) -> None:
        """End the subprocess (closing its stdin ends its loop)."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


def comparisons(size: Size) -> list[Comparison]:
    """Our per-call time against raw httpx (by difference) and each peer's (by ratio)."""
    calls = CALLS[size]
    ours, raw, url = ours_and_raw()
    work: dict[str, Callable[[], float]] = {
        "ours": lambda: per_call(ours, calls),
        "raw httpx": lambda: per_call(raw, calls),
    }
    peers = Peers(url) if PEERS_PYTHON.exists() else None
    if peers is None:
        print(
            f"bench_calls: no {PEERS_VENV.relative_to(HERE.parent)} (make it with `python "
            "benchmarks/bench_calls.py --setup-peers`); the PyPI peer rows are skipped"
        )
    else:
        for name in (*PEERS, "raw httpx"):
            work[f"peer:{name}"] = lambda name=name: peers.time(name, calls)  # type: ignore[misc]
    try:
        # Each contender times its own batch of calls (a peer's in its own process).
        times = medians(work, ROUNDS[size])
    finally:
        if peers is not None:
            peers.close()
    sample = f"1 symbol x {BARS} bars, {calls} calls x {ROUNDS[size]} rounds"
    above = times["ours"] - times["raw httpx"]
    found = [
        Comparison(
            path="small request: ours minus raw httpx.Client.get, same URL and mock",
            ours=times["ours"],
            reference_name="raw httpx.Client.get",
            reference=times["raw httpx"],
            unit="s",
            ratio=times["ours"] / times["raw httpx"],
            target="≤ +0.60 ms",
            met=at_most(above, LIMIT_ABOVE_RAW, size),
            detail=f"+{above * 1e3:.2f} ms per call, judged by this difference; {sample}",
        )
    ]
    for name in PEERS if peers is not None else ():
        peer = times[f"peer:{name}"]
        ratio = times["ours"] / peer
        found.append(
            Comparison(
                path=f"small request: ours over PyPI {name}, same mock",
                ours=times["ours"],
                reference_name=f"{name} (its venv)",
                reference=peer,
                unit="s",
                ratio=ratio,
                target="-" if name in FOR_SCALE else "< 1.00x",
                met=None if size == "smoke" or name in FOR_SCALE else ratio < 1.0,
                detail=f"{FOR_SCALE[name] + '; ' if name in FOR_SCALE else ''}{sample}; raw "
                f"httpx in the peers' process {times['peer:raw httpx'] * 1e3:.3f} ms per call",
            )
        )
    return found


def setup_peers() -> None:
    """Make `benchmarks/.peers-venv` and install the pinned peers into it."""
    subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run(
        [str(PEERS_PYTHON), "-m", "pip", "install", "-q", "-r", str(PEERS_REQUIREMENTS)],
        check=True,
    )


if __name__ == "__main__":
    import run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--setup-peers", action="store_true", help="make the peers' venv")
    args = parser.parse_args()
    if args.setup_peers:
        setup_peers()
    else:
        print(run.table(comparisons(args.size)))
