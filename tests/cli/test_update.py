"""`cryptodata update`: every stored series, brought up to date without naming it."""

from __future__ import annotations

from pathlib import Path

from pytest_httpx import HTTPXMock

from fakes.coinalyze import FakeCoinalyze

from .conftest import Run


def test_update_without_symbols_brings_every_stored_series_up_to_date(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    sink = f"jsonl:{tmp_path}"
    for symbol, kind in [("BTCUSDT_PERP.A", "open_interest"), ("BTCUSDT.6", "ohlcv")]:
        args = ["--symbols", symbol, "--kinds", kind, "--interval", "1d"]
        assert (
            cli(
                "backfill", *args, "--start", "2025-05-01", "--end", "2025-05-20", "--sink", sink
            ).code
            == 0
        )
    fake.calls.clear()

    result = cli("update", "--kinds", "open_interest,ohlcv", "--interval", "1d", "--sink", sink)

    assert result.code == 0
    assert sorted((call.path, tuple(call.symbols)) for call in fake.data_calls) == [
        ("/ohlcv-history", ("BTCUSDT.6",)),
        ("/open-interest-history", ("BTCUSDT_PERP.A",)),
    ]
    assert {int(call.param_dict["from"]) for call in fake.data_calls} == {1747440000}  # 05-17


def test_update_of_a_sink_without_series_at_that_interval_is_one_line_exit_2(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    result = cli("update", "--interval", "1d", "--sink", f"jsonl:{tmp_path}")

    assert result.code == 2
    assert "stores no coinalyze series of open_interest, funding_rate" in result.err
    assert "nothing to update" in result.err
    assert result.err.count("\n") == 1
    assert fake.calls == []


def test_update_help_says_it_updates_every_stored_series(offline: HTTPXMock, cli: Run) -> None:
    shown = " ".join(cli("update", "--help").out.split())

    assert "Brings every series the sink stores for --provider at --interval" in shown
