"""The docs tell the truth about the package: how it installs, its extras, its public paths."""

from __future__ import annotations

import ast
import importlib.util
import pydoc
import re
import tomllib
from pathlib import Path
from typing import Any

import griffe
import pytest

import cryptodata

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(path for path in DOCS.rglob("*.md") if path.name != "changelog.md")
PUBLIC = sorted(set(cryptodata.__all__) - {"__version__"})


def _directives() -> set[str]:
    """Every object an API page renders (`::: path`)."""
    return {
        match
        for page in PAGES
        for match in re.findall(r"^::: ([\w.]+)$", page.read_text(), flags=re.MULTILINE)
    }


def _shell_lines() -> list[str]:
    blocks = (
        block
        for page in [*PAGES, ROOT / "README.md"]
        for block in re.findall(r"^```bash\n(.*?)^```", page.read_text(), re.DOTALL | re.MULTILINE)
    )
    return [line for block in blocks for line in block.splitlines()]


def test_every_pip_install_in_the_docs_installs_from_the_checkout() -> None:
    # cryptodata is not on PyPI yet: `pip install cryptodata` would fetch someone else's name.
    installs = [line for line in _shell_lines() if "pip install" in line]

    assert installs
    for line in installs:
        for target in re.findall(r"pip install ((?:-\w+ )*)(\S+)", line):
            assert target[1] in {"pip"} or target[1].strip("'\"").startswith("."), line


def test_the_extras_table_lists_exactly_the_extras_pyproject_declares() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    home = (DOCS / "index.md").read_text()
    table = home.split("| Extra | Installs | For |", 1)[1].split("\n\n", 1)[0]

    listed = re.findall(r"^\| `([\w-]+)` \|", table, flags=re.MULTILINE)
    assert sorted(listed) == sorted(set(extras) - {"dev"})


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_documented_under_its_public_path(name: str) -> None:
    assert f"cryptodata.{name}" in _directives()


def test_no_api_page_documents_a_public_name_under_its_module_path() -> None:
    internal = {f"{module}.{name}" for name, module in cryptodata._EXPORTS.items()}

    assert sorted(internal & _directives()) == []


_MARKUP = re.compile(r"\]\[[\w.]*\]")


def _docstrings() -> list[tuple[str, int, str]]:
    """Every docstring (module, class, function, attribute) in the package's sources."""
    found = []
    for path in sorted((ROOT / "src" / "cryptodata").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append((str(path.relative_to(ROOT)), node.lineno, value.value))
    return found


def test_no_docstring_holds_mkdocs_cross_reference_markup() -> None:
    # `help()` shows docstrings as written: names go in plain backticks, the docs link them.
    marked = [f"{path}:{line}" for path, line, text in _docstrings() if _MARKUP.search(text)]

    assert marked == []


def test_help_on_a_public_class_reads_without_markup() -> None:
    page = pydoc.render_doc(cryptodata.Table, renderer=pydoc.plaintext)

    assert "`Table.from_frame`" in page
    assert "][" not in page


def test_the_docs_extension_links_backticked_names_to_their_reference_entries() -> None:
    extension, package = _extended_package()
    senders = package["core.senders"]
    text = "Pass a `Table.from_frame` result, a `Kind`, `ohlcv`, an `HttpxSender` or `pl.col`."

    linked = extension._link(text, senders, package, {str(name) for name in package.exports})

    assert linked == (
        "Pass a "
        '<autoref identifier="cryptodata.Table.from_frame" optional><code>Table.from_frame</code></autoref>'
        ' result, a <autoref identifier="cryptodata.Kind" optional><code>Kind</code></autoref>,'
        " `ohlcv`, an "
        '<autoref identifier="cryptodata.core.senders.HttpxSender" optional><code>HttpxSender</code></autoref>'
        " or `pl.col`."
    )


def test_the_docs_extension_leaves_examples_and_existing_links_alone() -> None:
    extension, package = _extended_package()
    text = "See [`Kind`][cryptodata.Kind].\n\n    >>> `Kind`\n```\n`Kind`\n```"

    linked = extension._link(text, package, package, {str(name) for name in package.exports})

    assert linked == text


def test_the_docs_extension_resolves_backfill_to_the_function_its_module_shadows() -> None:
    _extension, package = _extended_package()

    assert package["backfill"].final_target.is_function
    assert package["watch"].final_target.is_function


def _extended_package() -> tuple[Any, griffe.Module]:
    """The docs extension, and the package as griffe loads it for the docs, extension applied."""
    spec = importlib.util.spec_from_file_location(
        "backtick_refs", DOCS / "_hooks" / "backtick_refs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    extension = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extension)
    package = griffe.load("cryptodata", search_paths=[str(ROOT / "src")], resolve_aliases=True)
    assert isinstance(package, griffe.Module)
    extension.BacktickRefs().on_package(pkg=package)
    return extension, package
