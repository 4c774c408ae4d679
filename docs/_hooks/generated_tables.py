"""MkDocs hook: tables generated from the code, so they can never drift from it.

- `<!-- metric-names -->`: one row per canonical metric
  (`cryptodata.core.metric_names.METRIC_NAMES`): its unit, what it measures, and each research
  provider's own name for it (from `cryptodata.providers.registry.metric_maps`).
- `<!-- coverage: NAME -->`: the registered provider NAME's `coverage()` (read from its replay
  client, no request): per kind, its intervals, units, metrics, retention and oldest data.
"""

from __future__ import annotations

import re
from typing import Any

from cryptodata.core.metric_names import METRIC_NAMES
from cryptodata.providers.registry import metric_maps, sample_source

MARKER = "<!-- metric-names -->"
COVERAGE = re.compile(r"<!-- coverage: ([a-z]+) -->")


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the markers with their tables."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, metric_table())
    return COVERAGE.sub(lambda found: coverage_table(found.group(1)), markdown)


def coverage_table(provider: str) -> str:
    """A provider's coverage, as Markdown."""
    with sample_source(provider) as client:
        coverage = client.coverage()
    lines = [
        "| Kind | Intervals | Units | Metrics | History kept | Oldest data |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for entry in coverage.kinds:
        kept = ", ".join(f"{interval.value}: {bars:,} bars" for interval, bars in entry.retention)
        cells = [
            f"`{entry.kind.value}`",
            " ".join(f"`{interval.value}`" for interval in entry.intervals) or "-",
            " ".join(f"`{unit}`" for unit in entry.units) or "-",
            ", ".join(f"`{name}`" for name in entry.metrics) or "-",
            kept or "all",
            "-" if entry.earliest is None else f"{entry.earliest:%Y-%m-%d}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    missing = [f"`{kind.value}`: {why}" for kind, why in coverage.missing]
    if missing:
        lines += ["", "Not offered: " + "; ".join(missing) + "."]
    return "\n".join(lines)


def metric_table() -> str:
    """The table, as Markdown."""
    maps = metric_maps()
    providers = sorted(maps)
    names: dict[tuple[str, str], list[str]] = {}
    for provider, entries in maps.items():
        for entry in entries:
            scaled = "" if entry.scale == 1 else f" (x{entry.scale:g})"
            names.setdefault((entry.name, provider), []).append(f"`{entry.provider_name}`{scaled}")
    header = ["metric", "unit", "what it measures", *providers]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for name, metric in METRIC_NAMES.items():
        cells = [", ".join(names.get((name, provider), [])) or "-" for provider in providers]
        lines.append(
            f"| `{name}` | {metric.unit} | {metric.description} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)
