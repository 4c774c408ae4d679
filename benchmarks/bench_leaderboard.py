"""`parse_leaderboard` against `json.loads` and a Python loop building the same frame.

The body is a synthetic Hyperliquid leaderboard of the real shape (seeded, so every run parses
the same bytes): 45k traders at `full` (~19 MB), every number a JSON string, four windows per
row, one row in ten with an extra `perpDay` window first and one in twenty without `month`.
Both sides parse the `week` window into the whole ranked frame, and the two frames are checked
equal before anything is timed.

- speed: document rows per second. Target: ours ≥ 2.00x the reference's.
- memory: the RSS the parse adds over the body already in memory, each side in a fresh
  interpreter warmed by a tiny parse (polars allocates in Rust, where `tracemalloc` does not
  look), read from the kernel's high-water mark (`VmHWM`). Target: ours ≤ 1.00x the reference's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from _harness import SIZES, Comparison, Size, at_most, interleaved, peak_rss_mib

from cryptodata.core.schema import Kind, schema
from cryptodata.providers.hyperliquid.leaderboard import WINDOWS, parse_leaderboard

ROWS: dict[Size, int] = {"smoke": 300, "small": 10_000, "full": 45_000}
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 3, "full": 5}
WINDOW = "week"
TS = datetime(2026, 12, 3, tzinfo=UTC)


def body(rows: int, seed: int = 20261203) -> bytes:
    """A leaderboard document of `rows` traders, the same bytes for the same seed."""
    rng = random.Random(seed)

    def number(scale: float, places: int) -> str:
        return f"{rng.uniform(-scale, scale):.{rng.randint(1, places)}f}"

    traders = []
    for index in range(rows):
        windows = [name for name in WINDOWS if not (name == "month" and index % 20 == 7)]
        if index % 10 == 3:
            windows.insert(0, "perpDay")
        address = "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(40))
        traders.append(
            {
                "ethAddress": f"0x{address}",
                "accountValue": f"{rng.lognormvariate(8, 3):.6f}",
                "displayName": f"trader-{index}" if rng.random() < 0.1 else None,
                "prize": 0,
                "windowPerformances": [
                    [
                        name,
                        {
                            "pnl": number(1e6, 8),
                            "roi": number(3.0, 10),
                            "vlm": f"{rng.uniform(0, 1e9):.2f}",
                        },
                    ]
                    for name in windows
                ],
            }
        )
    return json.dumps({"leaderboardRows": traders}, separators=(",", ":")).encode()


def reference(document: bytes, window: str, ts: datetime) -> pl.DataFrame:
    """The same frame, the obvious way: `json.loads`, one loop, `float()` of each string."""
    columns: dict[str, list[object]] = {
        name: [] for name in ("address", "display_name", "account_value", "pnl", "roi", "volume")
    }
    for row in json.loads(document)["leaderboardRows"]:
        for name, performance in row["windowPerformances"]:
            if name == window:
                columns["address"].append(row["ethAddress"].lower())
                columns["display_name"].append(row["displayName"])
                columns["account_value"].append(float(row["accountValue"]))
                columns["pnl"].append(float(performance["pnl"]))
                columns["roi"].append(float(performance["roi"]))
                columns["volume"].append(float(performance["vlm"]))
                break
    board = schema(Kind.LEADERBOARD)
    frame = pl.DataFrame(columns, schema={name: board[name] for name in columns})
    ranked = frame.sort("pnl", descending=True, nulls_last=True, maintain_order=True)
    return ranked.with_columns(
        provider=pl.lit("hyperliquid", dtype=board["provider"]),
        window=pl.lit(window, dtype=board["window"]),
        ts=pl.lit(ts, dtype=board["ts"]),
    ).select(board.names())


def _ours(document: bytes) -> pl.DataFrame:
    return parse_leaderboard(document, window=WINDOW, ts=TS)


def _reference(document: bytes) -> pl.DataFrame:
    return reference(document, WINDOW, TS)


def memory_child(side: str, path: str) -> None:
    """Parse the body at `path` with one side in this fresh interpreter; print the RSS it added."""
    parse = _ours if side == "ours" else _reference
    # The first frame a process builds starts polars' thread pool (~10 MiB): a tiny parse
    # pays for it before the baseline, so only the body's own cost is counted.
    parse(body(10))
    document = Path(path).read_bytes()
    before = peak_rss_mib()
    frame = parse(document)
    print(json.dumps({"added_mib": peak_rss_mib() - before, "rows": frame.height}))


def _added_rss(side: str, path: Path) -> float:
    command = [sys.executable, __file__, "--memory-child", side, str(path)]
    # The child imports `cryptodata` the way this process did.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    output = subprocess.run(command, capture_output=True, check=True, env=env).stdout
    return float(json.loads(output)["added_mib"])


def comparisons(size: Size) -> list[Comparison]:
    """Rows per second and added RSS of `parse_leaderboard` beside the `json.loads` reference."""
    rows = ROWS[size]
    document = body(rows)
    ours = _ours(document)
    if not ours.equals(_reference(document)):
        raise AssertionError("parse_leaderboard and the reference disagree on the synthetic body")
    times = interleaved(
        {"ours": lambda: _ours(document), "reference": lambda: _reference(document)},
        ROUNDS[size],
    )
    shape = f"{rows:,} traders, {len(document) / 2**20:,.1f} MiB, {ours.height:,} in {WINDOW!r}"
    with tempfile.TemporaryDirectory(prefix="bench_leaderboard-") as scratch:
        path = Path(scratch, "leaderboard.json")
        path.write_bytes(document)
        added = {side: _added_rss(side, path) for side in ("ours", "reference")}
    # A tiny body adds less than a page of RSS on either side: floor the reference at 1 MiB
    # so the ratio stays finite.
    memory_ratio = added["ours"] / max(added["reference"], 1.0)
    return [
        Comparison.judged(
            "parse_leaderboard",
            rows / times["ours"],
            "json.loads + Python loop",
            rows / times["reference"],
            limit=2.0,
            size=size,
            unit="rows/s",
            detail=shape,
        ),
        Comparison(
            path="parse_leaderboard, RSS added",
            ours=added["ours"],
            reference_name="json.loads + Python loop",
            reference=added["reference"],
            unit="MiB",
            ratio=memory_ratio,
            target="≤ 1.00x",
            met=at_most(memory_ratio, 1.0, size),
            detail=f"{shape}; each side in a fresh interpreter, over the body's bytes",
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory-child"]:
        memory_child(sys.argv[2], sys.argv[3])
    else:
        import run

        parser = argparse.ArgumentParser(description=__doc__)
        parser.add_argument("--size", choices=SIZES, default="small")
        print(run.table(comparisons(parser.parse_args().size)))
