"""`cryptodata query`: what it reads, and the mistakes it refuses instead of printing an empty table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from cryptodata import JsonlSink, ParquetSink
from cryptodata.sinks.base import Sink
from sinks.conftest import build_table

from .conftest import Run


def _store(kind: str, root: Path) -> str:
    """A sink of `kind` at `root` holding three OHLCV rows; returns its `--sink` spec."""
    sink: Sink = JsonlSink(root) if kind == "jsonl" else ParquetSink(root)
    with sink:
        sink.write(build_table(n=3))
    return f"{kind}:{root}"


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_query_reads_the_stored_rows(
    offline: HTTPXMock, cli: Run, tmp_path: Path, kind: str
) -> None:
    spec = _store(kind, tmp_path)

    result = cli("query", "--sink", spec, "--kind", "ohlcv", "--format", "csv")

    assert result.code == 0
    assert result.out.count("\n") == 4  # header and three rows


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_query_of_a_missing_path_is_an_error(
    offline: HTTPXMock, cli: Run, tmp_path: Path, kind: str
) -> None:
    missing = tmp_path / "nothing-here"

    result = cli("query", "--sink", f"{kind}:{missing}", "--kind", "ohlcv")

    assert result.code == 2
    assert result.err == f"cryptodata: error: --sink {kind}:{missing}: {missing} does not exist\n"
    assert not missing.exists()


@pytest.mark.parametrize(("written", "asked"), [("parquet", "jsonl"), ("jsonl", "parquet")])
def test_query_with_one_file_sink_on_the_others_root_is_an_error_naming_the_right_one(
    offline: HTTPXMock, cli: Run, tmp_path: Path, written: str, asked: str
) -> None:
    _store(written, tmp_path)

    result = cli("query", "--sink", f"{asked}:{tmp_path}", "--kind", "ohlcv")

    assert result.code == 2
    assert result.err == (
        f"cryptodata: error: --sink {asked}:{tmp_path}: {tmp_path} holds a {written} sink; "
        f"use --sink {written}:{tmp_path}\n"
    )


def test_query_of_a_directory_without_sink_data_is_an_error(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not a sink")

    result = cli("query", "--sink", f"jsonl:{tmp_path}", "--kind", "ohlcv")

    assert result.code == 2
    assert "holds no cryptodata jsonl data (no _sink.json)" in result.err


def test_query_with_start_after_end_is_an_error(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    spec = _store("jsonl", tmp_path)

    result = cli(
        "query", "--sink", spec, "--kind", "ohlcv", "--start", "2025-02-01", "--end", "2025-01-01"
    )

    assert result.code == 2
    assert "start (2025-02-01T00:00:00+00:00) must be before end (2025-01-01T00:00:00+00:00)" in (
        result.err
    )


@pytest.mark.parametrize("limit", ["-1", "0", "two"])
def test_query_limit_must_be_a_positive_number(
    offline: HTTPXMock, cli: Run, tmp_path: Path, limit: str
) -> None:
    spec = _store("jsonl", tmp_path)

    result = cli("query", "--sink", spec, "--kind", "ohlcv", "--limit", limit)

    assert result.code == 2
    assert f"--limit: expected a whole number >= 1, got {limit!r}" in result.err
    assert result.out == ""


def test_query_limit_prints_the_newest_rows(offline: HTTPXMock, cli: Run, tmp_path: Path) -> None:
    spec = _store("jsonl", tmp_path)

    result = cli("query", "--sink", spec, "--kind", "ohlcv", "--limit", "2", "--format", "csv")

    assert result.out.count("\n") == 3
    assert "2025-01-01T00:00" not in result.out


def test_query_offers_and_accepts_only_the_kinds_sinks_store(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    shown = cli("query", "--help").out
    refused = cli("query", "--sink", f"jsonl:{tmp_path}", "--kind", "markets")

    assert "ohlcv" in shown
    assert "markets" not in shown
    assert "exchanges" not in shown
    assert refused.code == 2
    assert "argument --kind: 'markets' is not a kind sinks store; use one of account_summary," in (
        refused.err
    )
    assert "markets" not in refused.err.split("use one of")[1]
