"""`cryptodata watch`: cycles, and no `--end` for a loop that runs until stopped."""

from __future__ import annotations

from pathlib import Path

from pytest_httpx import HTTPXMock

from fakes.coinalyze import FakeCoinalyze

from .conftest import Run


def test_watch_runs_the_given_number_of_cycles(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    args = ["--symbols", "BTCUSDT_PERP.A", "--kinds", "open_interest", "--interval", "1d"]

    result = cli(
        "watch",
        *args,
        "--start",
        "2025-06-01",
        "--cycles",
        "1",
        "--delay",
        "0",
        "--sink",
        f"jsonl:{tmp_path}",
    )

    assert result.code == 0
    assert len(fake.data_calls) == 1


def test_watch_offers_no_end_and_refuses_one_as_an_unknown_argument(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    shown = cli("watch", "--help").out
    refused = cli(
        "watch",
        "--symbols",
        "BTCUSDT_PERP.A",
        "--interval",
        "1d",
        "--end",
        "2025-06-01",
        "--sink",
        f"jsonl:{tmp_path}",
    )

    assert "--end" not in shown
    assert "--cycles" in shown
    assert refused.code == 2
    assert "unrecognized arguments: --end 2025-06-01" in refused.err


def test_watch_cycles_must_be_positive(offline: HTTPXMock, cli: Run, tmp_path: Path) -> None:
    result = cli(
        "watch",
        "--symbols",
        "BTCUSDT_PERP.A",
        "--interval",
        "1d",
        "--cycles",
        "0",
        "--sink",
        f"jsonl:{tmp_path}",
    )

    assert result.code == 2
    assert "--cycles: expected a whole number >= 1, got '0'" in result.err


def test_interval_the_provider_lacks_exits_before_any_request(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    for command, start in [("backfill", ["--start", "2025-05-01"]), ("update", []), ("watch", [])]:
        args = [command, "--bases", "BTC", "--exchanges", "binance", "--interval", "8h", *start]

        result = cli(*args, "--sink", f"jsonl:{tmp_path}")

        assert result.code == 2, command
        assert "coinalyze does not offer open_interest at 8h" in result.err
    assert fake.calls == []
