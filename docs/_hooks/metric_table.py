"""MkDocs hook: the metric-name table, generated from the providers' metric maps.

A page holding the marker `<!-- metric-names -->` gets, in its place, one row per canonical
metric (`cryptodata.core.metric_names.METRIC_NAMES`): its unit, what it measures, and each
research provider's own name for it (from `cryptodata.providers.registry.metric_maps`), so
the table can never drift from the maps the clients use.
"""

from __future__ import annotations

from typing import Any

from cryptodata.core.metric_names import METRIC_NAMES
from cryptodata.providers.registry import metric_maps

MARKER = "<!-- metric-names -->"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the table."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, metric_table())


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
