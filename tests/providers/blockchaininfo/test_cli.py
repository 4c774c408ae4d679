"""`cryptodata` commands with `--provider blockchaininfo`: planned and listed with no request."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from cryptodata.cli.main import main


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a dry run and the capability table send nothing")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_a_dry_run_backfill_plans_one_request_per_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "backfill",
            "--provider",
            "blockchaininfo",
            "--symbols",
            "hash_rate@bitcoin,difficulty@bitcoin",
            "--kinds",
            "metric",
            "--interval",
            "1d",
            "--start",
            "2015-01-01",
            "--sink",
            f"jsonl:{tmp_path}",
            "--dry-run",
        ]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert "metric       2         2     2        0:00:10" in out


def test_the_capability_table_lists_15_minute_and_daily_metrics(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["providers", "--provider", "blockchaininfo", "--format", "csv"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split(",")[3] for line in lines[1:]] == ["15m", "1d"]
