"""The history parser against a bare msgspec decode of the same bytes, one line per body shape.

The reference is the cost of turning the body into Python objects at all: msgspec decoding it
into the bar structs the strict path uses (the fastest typed decoder we know). Our parser
gives a polars frame with typed, checked columns. Target (issue 9, item 1): our time ≤ 1.4x
the decode's, for every shape. A pandas line (`json.loads` + `json_normalize` +
`to_datetime`, what other clients do) is printed for scale.

Run alone: `python benchmarks/bench_parse.py [--size S] [--shape NAME ...]`; new providers add
their shapes to `SHAPES`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from _coinalyze import history_body, symbol
from _harness import SIZES, Comparison, Size, interleaved

from cryptodata.providers.coinalyze.endpoints import (
    LIQUIDATION_HISTORY,
    LONG_SHORT_RATIO_HISTORY,
    OHLCV_HISTORY,
    OPEN_INTEREST_HISTORY,
    Endpoint,
)
from cryptodata.providers.coinalyze.parse import _history_decoder, parse_history

ROWS: dict[Size, int] = {"smoke": 10_000, "small": 200_000, "full": 1_000_000}
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 3, "full": 5}
BARS_PER_SYMBOL = 2_000


def _coinalyze(
    endpoint: Endpoint,
) -> Callable[[int], tuple[Callable[[], object], Callable[[], object], bytes]]:
    def build(rows: int) -> tuple[Callable[[], object], Callable[[], object], bytes]:
        count = max(rows // BARS_PER_SYMBOL, 1)
        names = [symbol(index) for index in range(count)]
        times = range(1_700_000_000, 1_700_000_000 + 60 * (rows // count), 60)
        body = history_body(endpoint, names, times)
        decoder = _history_decoder(endpoint)
        return (lambda: parse_history(endpoint, body, names)), (lambda: decoder.decode(body)), body

    return build


SHAPES: dict[str, Callable[[int], tuple[Callable[[], object], Callable[[], object], bytes]]] = {
    "coinalyze open interest": _coinalyze(OPEN_INTEREST_HISTORY),
    "coinalyze OHLCV": _coinalyze(OHLCV_HISTORY),
    "coinalyze liquidations": _coinalyze(LIQUIDATION_HISTORY),
    "coinalyze long/short": _coinalyze(LONG_SHORT_RATIO_HISTORY),
}
"""Each shape builds, for a row count: our parse, the msgspec decode-only reference, the body."""


def _pandas(body: bytes) -> object:
    import pandas as pd

    frame = pd.json_normalize(json.loads(body), record_path="history", meta=["symbol"])
    frame["ts"] = pd.to_datetime(frame["t"], unit="s", utc=True)
    return frame


def comparisons(size: Size, shapes: list[str] | None = None) -> list[Comparison]:
    """Our parse time over msgspec's decode-only time, per shape; pandas for scale."""
    rows = ROWS[size]
    found = []
    for name in shapes or list(SHAPES):
        ours, reference, body = SHAPES[name](rows)
        work = {"ours": ours, "reference": reference}
        times = interleaved(work, ROUNDS[size])
        found.append(
            Comparison.judged(
                f"parser, {name}",
                times["ours"],
                "msgspec decode only",
                times["reference"],
                limit=1.4,
                size=size,
                detail=f"{rows:,} rows, {len(body) / 1e6:.0f} MB",
            )
        )
    ours, _, body = SHAPES["coinalyze OHLCV"](rows)
    times = interleaved({"ours": ours, "pandas": lambda: _pandas(body)}, ROUNDS[size])
    found.append(
        Comparison.judged(
            "parser vs the pandas path, coinalyze OHLCV",
            rows / times["ours"],
            "json.loads + json_normalize",
            rows / times["pandas"],
            limit=6.0,
            size=size,
            unit="rows/s",
            detail=f"{rows:,} rows",
        )
    )
    return found


if __name__ == "__main__":
    import run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--shape", nargs="*", choices=list(SHAPES))
    args = parser.parse_args()
    print(run.table(comparisons(args.size, args.shape)))
