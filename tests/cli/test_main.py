"""The command's entry points, and its exit codes: one table, the same in docs/cli.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import cryptodata
from cryptodata.cli._common import EXIT_CODES, exit_code_for
from cryptodata.core import errors
from cryptodata.sinks.layout import LayoutError
from fakes.coinalyze import FakeCoinalyze

from .conftest import Run

DOCS = Path(__file__).parents[2] / "docs" / "cli.md"
ERROR_CLASSES = [
    *(getattr(errors, name) for name in errors.__all__ if name[0].isupper()),
    LayoutError,
]


def _documented() -> dict[int, str]:
    """docs/cli.md's exit-status table: status -> the row's text."""
    rows = re.findall(r"^\| (\d+) \|(.*)\|$", DOCS.read_text(), flags=re.MULTILINE)
    return {int(code): text for code, text in rows}


def test_python_dash_m_cryptodata_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cryptodata", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stdout) == (0, f"cryptodata {cryptodata.__version__}\n")


def test_unknown_command_exits_with_usage_error(cli: Run) -> None:
    result = cli("fly")

    assert result.code == 2
    assert "invalid choice: 'fly'" in result.err


def test_docs_list_exactly_the_exit_codes_of_the_table_with_their_meaning() -> None:
    documented = _documented()

    assert sorted(documented) == sorted(entry.code for entry in EXIT_CODES)
    for entry in EXIT_CODES:
        assert f" {entry.meaning} |" in documented[entry.code]


@pytest.mark.parametrize("error", ERROR_CLASSES, ids=lambda error: error.__name__)
def test_every_error_class_exits_with_a_code_whose_docs_row_names_it(
    error: type[Exception],
) -> None:
    row = _documented()[exit_code_for(error)]

    assert f"`{error.__name__}`" in row


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.UnsupportedError, 2),
        (errors.NotFoundError, 5),
        (errors.ServerError, 5),
        (errors.RateLimitError, 4),
        (LayoutError, 8),
        (errors.SinkError, 9),
        (errors.MissingDependencyError, 10),
        (ModuleNotFoundError, 10),
    ],
)
def test_an_error_exits_with_its_nearest_listed_ancestors_code(
    error: type[BaseException], code: int
) -> None:
    assert exit_code_for(error) == code


@pytest.mark.parametrize(("status", "code"), [(401, 3), (404, 5)])
def test_a_provider_error_ends_in_one_line_and_its_exit_code(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path, status: int, code: int
) -> None:
    fake.fail_next(status, count=3)

    result = cli(
        *("backfill", "--symbols", "BTCUSDT_PERP.A", "--interval", "1d"),
        *("--start", "2025-05-01", "--sink", f"jsonl:{tmp_path}"),
    )

    assert result.code == code
    assert result.err.startswith("cryptodata: error: coinalyze /exchanges answered HTTP")
    assert result.err.count("\n") == 1


def test_an_unreachable_postgres_is_one_line_without_the_password(cli: Run) -> None:
    result = cli(
        "query",
        "--sink",
        "postgres:postgresql://bot:s3cretpw@127.0.0.1:1/market",
        "--kind",
        "ohlcv",
    )

    assert result.code == 9
    assert result.err.startswith("cryptodata: error: PostgresSink(")
    assert "127.0.0.1" in result.err
    assert result.err.count("\n") == 1
    assert "s3cretpw" not in result.err


def test_a_missing_psycopg_is_one_line_naming_the_extra(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "cryptodata.sinks.postgres", raising=False)

    result = cli("query", "--sink", "postgres:postgresql://localhost/market", "--kind", "ohlcv")

    assert result.code == 10
    assert "psycopg" in result.err
    assert "pip install 'cryptodata[postgres]'" in result.err
    assert result.err.count("\n") == 1
