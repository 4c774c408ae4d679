"""Griffe extension: a backticked name in a docstring links to the object it names.

Docstrings name objects in plain backticks, so `help()` reads cleanly: `Table`,
`Table.from_frame`, `Coinalyze.history`, `backfill()`, `cryptodata.core.transport`. At docs
build time this extension turns each such code span into a cross-reference when it names an
object of the package:

1. a public name of `cryptodata`, or a member of one: `cryptodata.<name>`, the path the API
   reference documents it under (tests/test_docs.py checks every public name is rendered);
2. a full dotted path into the package (`cryptodata.core.schema.series_key`);
3. a name the docstring's own module defines or imports from the package (`HttpxSender` in
   `cryptodata.core.senders`).

The link is made when the reference renders the object and the span stays plain code when it
does not (an autorefs "optional" reference). Code spans that are not such names
(`"binance"`, `ts >= start`, `interval`), private names, other packages' names and code in
examples stay as they are. Configured in mkdocs.yml under the python handler's `extensions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import griffe

PACKAGE = "cryptodata"

# A code span holding a dotted name, optionally called (`backfill()`), not already a link.
_SPAN = re.compile(
    r"(?<![\[`])`(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?P<call>\(\))?`(?![\]`(])"
)
_FENCE = re.compile(r"^\s*(```|~~~)")


class BacktickRefs(griffe.Extension):
    """Rewrite backticked names in every docstring of the package into cross-references."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != PACKAGE:
            return
        exports = {str(name) for name in pkg.exports or ()}
        _unshadow(pkg, exports)
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = _link(obj.docstring.value, obj, pkg, exports)


def _unshadow(pkg: griffe.Module, exports: set[str]) -> None:
    """Point `cryptodata.backfill` and `cryptodata.watch` at the functions, as Python does.

    `cryptodata.pipeline` imports the function `backfill` from its module `backfill`, which
    rebinds the name at run time; griffe resolves `cryptodata.pipeline.backfill` to the module.
    """
    for name in exports:
        member = pkg.members.get(name)
        if member is None or not member.is_alias:
            continue
        try:
            target = member.final_target
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        if target.is_module and name in target.members:
            pkg.set_member(name, griffe.Alias(name, target.members[name], parent=pkg))


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)  # type: ignore[arg-type]


def _link(text: str, obj: griffe.Object, pkg: griffe.Module, exports: set[str]) -> str:
    lines = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and not line.lstrip().startswith((">>>", "...")):
            line = _SPAN.sub(lambda match: _ref(match, obj, pkg, exports), line)
        lines.append(line)
    return "\n".join(lines)


def _ref(match: re.Match[str], obj: griffe.Object, pkg: griffe.Module, exports: set[str]) -> str:
    name, span = match["name"], match[0]
    target = _target(name, obj, pkg, exports)
    if target is None or _find(pkg, target) is None:
        return span
    code = f"<code>{name}{match['call'] or ''}</code>"
    return f'<autoref identifier="{target}" optional>{code}</autoref>'


def _target(name: str, obj: griffe.Object, pkg: griffe.Module, exports: set[str]) -> str | None:
    """The identifier a backticked name refers to, from where it is written; `None` if none."""
    head, _, rest = name.partition(".")
    if any(part.startswith("_") for part in name.split(".")):
        return None
    if head == PACKAGE:
        return name
    if head in exports:
        return f"{PACKAGE}.{name}"
    local = obj.module.members.get(head)
    if local is None:
        return None
    path = local.target_path if local.is_alias else local.path
    if not path.startswith(f"{PACKAGE}."):
        return None
    return f"{path}.{rest}" if rest else path


def _find(pkg: griffe.Module, path: str) -> griffe.Object | griffe.Alias | None:
    """The object at a dotted path, through re-exports and inherited members; `None` if absent."""
    found: Any = pkg
    for part in path.split(".")[1:]:
        try:
            if found.is_alias:
                found = found.final_target
            members = found.all_members if found.is_class else found.members
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
        if part not in members:
            return None
        found = members[part]
    return found
