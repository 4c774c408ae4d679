"""Every speed and memory comparison in one table, each figure beside its reference.

Run: `python benchmarks/run.py [--size smoke|small|full] [--only NAME ...]`. `full` is the size
the targets are stated at (1 M-row bodies, 5 M-row sinks); `smoke` runs each comparison in
seconds so CI can check the benchmarks still work (its figures mean nothing). No figure is
asserted on: the table says which targets were met on this machine, in this run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _harness import SIZES, Comparison, Size

MODULES: tuple[str, ...] = (
    "bench_parse",
    "bench_client",
    "bench_calls",
    "bench_ccxt",
    "bench_facade",
    "bench_records",
    "bench_import",
    "bench_parquet",
    "bench_postgres",
    "bench_leaderboard",
    "bench_velo",
)
"""The benchmark modules, in the order their lines are printed; each has `comparisons(size)`."""


def _figure(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:,.2f} ms" if value < 1 else f"{value:,.2f} s"
    return f"{value:,.0f} {unit}"


def _verdict(met: bool | None) -> str:
    return "-" if met is None else ("met" if met else "MISSED")


def table(rows: list[Comparison]) -> str:
    """The comparisons as a Markdown table (the README's Benchmarks section shows one)."""
    lines = [
        "| path | ours | reference | reference figure | ratio | target | |",
        "| --- | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        detail = f" ({row.detail})" if row.detail else ""
        lines.append(
            f"| {row.path}{detail} | {_figure(row.ours, row.unit)} | {row.reference_name} "
            f"| {_figure(row.reference, row.unit)} | {row.ratio:.2f}x | {row.target} "
            f"| {_verdict(row.met)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--only", nargs="*", choices=MODULES, default=list(MODULES))
    args = parser.parse_args(argv)
    size: Size = args.size
    rows: list[Comparison] = []
    for name in args.only:
        module = importlib.import_module(name)
        found = module.comparisons(size)
        for row in found:
            print(f"{row.path}: {row.ratio:.2f}x ({row.target}) {_verdict(row.met)}", flush=True)
        rows.extend(found)
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
