"""The public surface: lazy exports, cheap import, typed package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cryptodata


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("name", sorted(set(cryptodata.__all__) - {"__version__"}))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(cryptodata, name) is not None


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = cryptodata.Nope  # type: ignore[attr-defined]


def test_dir_lists_the_public_names() -> None:
    assert set(dir(cryptodata)) == set(cryptodata.__all__)


def test_import_cryptodata_loads_no_optional_or_heavy_dependency() -> None:
    loaded = _modules_after("import cryptodata")

    assert not {"ccxt", "psycopg", "redis", "rich", "websockets", "pandas"} & loaded
    assert not {"polars", "httpx"} & loaded


def test_using_the_client_loads_no_optional_dependency_of_its_own() -> None:
    # httpx imports rich and pygments for its own CLI when they are installed; only what
    # cryptodata adds on top of its required dependencies counts.
    baseline = _modules_after("import httpx, polars, attrs, msgspec")
    loaded = _modules_after("import cryptodata; cryptodata.Coinalyze; cryptodata.Table")

    optional = {"ccxt", "psycopg", "redis", "rich", "websockets", "pandas", "fsspec"}
    assert not (optional & loaded) - baseline


def test_without_any_optional_package_every_public_name_imports() -> None:
    # A plain install: no extra's package can be imported.
    blocked = ("psycopg", "redis", "rich", "fsspec", "ccxt", "websockets", "pandas", "pyarrow")
    code = (
        f"import sys\nfor name in {blocked!r}: sys.modules[name] = None\n"
        "from cryptodata import *\n"
        "import cryptodata\n"
        "print(all(getattr(cryptodata, name) is not None for name in cryptodata.__all__))\n"
        "for make in (lambda: PostgresSink('dbname=market'),\n"
        "             lambda: RedisRateLimiter('redis://localhost', 'k', limit=1)):\n"
        "    try:\n"
        "        make()\n"
        "    except ImportError as exc:\n"
        "        print(exc)\n"
    )

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    printed = out.stdout.splitlines()
    assert printed[0] == "True"
    assert "pip install 'cryptodata[postgres]'" in printed[1]
    assert "pip install 'cryptodata[redis]'" in printed[2]


def test_package_ships_py_typed_and_sample_responses() -> None:
    root = Path(cryptodata.__file__).parent

    assert (root / "py.typed").is_file()
    assert len(list((root / "providers" / "coinalyze" / "samples").glob("*.json"))) == 12
    ccxt_samples = root / "providers" / "ccxt" / "samples"
    assert {path.parent.name for path in ccxt_samples.glob("*/markets.json")} == {
        "binanceusdm",
        "bybit",
        "hyperliquid",
    }
