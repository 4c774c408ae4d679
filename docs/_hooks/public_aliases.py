"""MkDocs hook: make `cryptodata.<Name>.<member>` cross-references resolve.

Docstrings in `src/` link to objects by their public path (`[Table][cryptodata.Table]`,
`[...][cryptodata.Coinalyze.resolve]`), while the API pages document them where they are
defined (`cryptodata.core.table.Table`). mkdocstrings registers the public path of a rendered
class or function itself (`cryptodata.Table`), but not of its members
(`cryptodata.Table.from_frame`). This hook registers those: for every name the package exports
lazily (`cryptodata.__all__`), each rendered member of its target also answers to the public
path. It runs in `on_env` before autorefs (priority -50) fixes the references.
"""

from __future__ import annotations

import logging
from typing import Any

import griffe
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.public_aliases")

PACKAGE = "cryptodata"


def _walk(obj: Any, canonical: str, public: str):
    """Yield (public path, canonical path) for `obj` and its members (inherited ones too)."""
    yield public, canonical
    members = obj.all_members if obj.is_class else obj.members
    for name, member in members.items():
        if name.startswith("__"):
            continue
        if member.is_alias:  # an inherited member: documented under the subclass's path
            yield f"{public}.{name}", f"{canonical}.{name}"
        else:
            yield from _walk(member, f"{canonical}.{name}", f"{public}.{name}")


@event_priority(0)
def on_env(env: Any, config: Any, files: Any) -> Any:
    autorefs = config.plugins["autorefs"]
    package = griffe.load(PACKAGE, search_paths=["src"], resolve_aliases=True)
    exported = package.exports or []
    added = 0
    for name in exported:
        member = package.members.get(str(name))
        if member is None or not member.is_alias:
            continue
        try:
            target = member.final_target
        except griffe.AliasResolutionError:
            continue
        for public, canonical in _walk(target, target.path, f"{PACKAGE}.{name}"):
            try:
                url, _title = autorefs.get_item_url(canonical)
            except KeyError:
                continue  # not rendered on any page
            try:
                autorefs.get_item_url(public)
            except KeyError:
                autorefs.register_url(public, url)
                added += 1
    log.debug("registered %d public-path aliases", added)
    return env
