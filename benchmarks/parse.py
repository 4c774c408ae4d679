"""Parser throughput and import cost, printed side by side.

Builds one Coinalyze-shaped history payload (500 symbols x 2,000 bars = 1,000,000 rows, values
with the digits real responses carry), then times, on the same bytes:

- cryptodata's parser: msgspec decode → typed columns → polars frame with a UTC `ts`;
- the pandas path other clients use: `json.loads` → `pandas.json_normalize` → `to_datetime`.

It also times `import cryptodata` against `import httpx, polars, attrs` in fresh interpreters.
Run: `python benchmarks/parse.py [--rows N] [--repeat K]`. Targets: ≥ 1.5 M rows/s, ≥ 6x pandas,
import ≤ 1.1x.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import polars as pl

from cryptodata.providers.coinalyze.endpoints import OHLCV_HISTORY, OPEN_INTEREST_HISTORY, Endpoint
from cryptodata.providers.coinalyze.parse import parse_history

BARS_PER_SYMBOL = 2_000


def payload(endpoint: Endpoint, rows: int, seed: int = 7) -> bytes:
    """A history body shaped like Coinalyze's, with realistic magnitudes and decimals."""
    rng = random.Random(seed)
    symbols = max(rows // BARS_PER_SYMBOL, 1)
    body = []
    for index in range(symbols):
        history = []
        for bar in range(rows // symbols):
            point: dict[str, float | int] = {"t": 1_700_000_000 + 60 * bar}
            for field, _ in endpoint.fields:
                point[field] = (
                    rng.randint(1, 300_000)
                    if field in ("tx", "btx")
                    else round(rng.uniform(1e3, 1e5), 3)
                )
            history.append(point)
        body.append({"symbol": f"S{index}USDT_PERP.A", "history": history})
    return json.dumps(body, separators=(",", ":")).encode()


def ours(endpoint: Endpoint, body: bytes) -> int:
    frame = parse_history(endpoint, body).with_columns(
        ts=pl.from_epoch("t", time_unit="s").dt.replace_time_zone("UTC").dt.cast_time_unit("ms")
    )
    return frame.height


def pandas_path(body: bytes) -> int:
    import pandas as pd

    frame = pd.json_normalize(json.loads(body), record_path="history", meta=["symbol"])
    frame["ts"] = pd.to_datetime(frame["t"], unit="s", utc=True)
    return len(frame)


def best_of(repeat: int, work: Callable[[], int]) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = work()
        times.append(time.perf_counter() - started)
    return min(times), rows


def import_time(statement: str, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"{'payload':<24}{'MB':>8}{'cryptodata rows/s':>20}{'pandas rows/s':>16}{'speed-up':>10}")
    for endpoint in (OPEN_INTEREST_HISTORY, OHLCV_HISTORY):
        body = payload(endpoint, args.rows)
        ours_s, rows = best_of(
            args.repeat, lambda body=body, endpoint=endpoint: ours(endpoint, body)
        )
        pandas_s, pandas_rows = best_of(args.repeat, lambda body=body: pandas_path(body))
        assert rows == pandas_rows == args.rows, (rows, pandas_rows)
        print(
            f"{endpoint.path:<24}{len(body) / 1e6:>8.1f}{rows / ours_s:>20,.0f}{rows / pandas_s:>16,.0f}"
            f"{pandas_s / ours_s:>9.1f}x"
        )

    baseline = import_time("import httpx, polars, attrs", args.repeat + 2)
    library = import_time("import cryptodata", args.repeat + 2)
    first_use = import_time("import cryptodata; cryptodata.Coinalyze", args.repeat + 2)
    print(f"\nimport httpx, polars, attrs : {baseline * 1000:7.1f} ms")
    print(f"import cryptodata           : {library * 1000:7.1f} ms ({library / baseline:.2f}x)")
    print(f"  + first use of Coinalyze  : {first_use * 1000:7.1f} ms ({first_use / baseline:.2f}x)")


if __name__ == "__main__":
    main()
