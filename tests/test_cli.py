"""The `cryptodata` console script."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from pytest_httpx import HTTPXMock

from cryptodata import ManualClock
from cryptodata.cli.main import main
from fakes.coinalyze import NOW, FakeCoinalyze


def test_demo_without_a_key_prints_every_frame_from_the_bundled_samples(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)

    assert main(["demo", "--store", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert "bundled Coinalyze sample responses" in out
    assert out.count("rows of kind") == 9
    assert "5 rows of kind open_interest" in out
    assert "83549.607" in out  # first daily OI open of the recorded sample
    assert "152326" in out  # first 4-hour OHLCV bar's trade count
    assert "requests: 12 sent, 0 retried, 0 rate limited" in out
    assert "warning" not in out


def test_demo_stores_the_frames_in_parquet_and_reads_them_back_identical(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)

    assert main(["demo", "--store", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert f"stored 33 rows in the Parquet dataset {tmp_path}" in out
    assert out.count("read back, identical: True") == 9
    assert len(list(tmp_path.glob("kind=ohlcv/**/*.parquet"))) == 1


def test_demo_rejects_a_malformed_symbol_with_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)

    assert main(["demo", "--symbol", "BINANCE:BTCUSDT"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("cryptodata: error: malformed Coinalyze symbol 'BINANCE:BTCUSDT'")
    assert err.count("\n") == 1


def test_unknown_command_exits_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])

    assert exit_info.value.code == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err


# ---------------------------------------------------------------- data commands on the fake


@pytest.fixture
def fake(httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch) -> FakeCoinalyze:
    server = FakeCoinalyze(ManualClock(start=NOW)).mount(httpx_mock)
    monkeypatch.setenv("COINALYZE_API_KEY", server.api_key)
    return server


WINDOW = ["--interval", "1d", "--start", "2025-05-01", "--end", "2025-06-01"]


def test_backfill_then_query_returns_the_servers_rows_as_csv(
    fake: FakeCoinalyze, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sink = f"parquet:{tmp_path / 'data'}"
    symbols = "BTCUSDT_PERP.A,BTCUSDT.6"

    assert (
        main(
            [
                "backfill",
                "--symbols",
                symbols,
                "--kinds",
                "open_interest,ohlcv",
                *WINDOW,
                "--sink",
                sink,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["query", "--sink", sink, "--kind", "ohlcv", "--format", "csv"]) == 0

    frame = pl.read_csv(io.StringIO(capsys.readouterr().out), try_parse_dates=True)
    truth = fake.truth(
        "ohlcv_history",
        ["BTCUSDT_PERP.A", "BTCUSDT.6"],
        "1d",
        datetime(2025, 5, 1, tzinfo=UTC),
        datetime(2025, 6, 1, tzinfo=UTC),
    )
    assert frame.height == truth.height == 62
    assert frame.get_column("close").to_list() == truth.get_column("close").to_list()


def test_dry_run_prints_the_plan_and_sends_no_data_request(
    fake: FakeCoinalyze, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "backfill",
        "--symbols",
        "BTCUSDT_PERP.A",
        "--kinds",
        "ohlcv",
        *WINDOW,
        "--sink",
        f"jsonl:{tmp_path}",
        "--dry-run",
    ]

    assert main(args) == 0

    assert capsys.readouterr().out.startswith("1 requests for 1 series, cost 1 (1.00x the minimum)")
    assert fake.data_calls == []


def test_bases_and_exchanges_resolve_to_symbols(fake: FakeCoinalyze, tmp_path: Path) -> None:
    args = [
        "backfill",
        "--bases",
        "BTC",
        "--exchanges",
        "binance,bybit",
        "--kinds",
        "open_interest",
        *WINDOW,
    ]

    assert main([*args, "--sink", f"jsonl:{tmp_path}"]) == 0

    assert sorted(fake.data_calls[0].symbols) == ["BTCUSDT.6", "BTCUSDT_PERP.A"]


def test_json_logs_are_one_object_per_line(
    fake: FakeCoinalyze, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "backfill",
        "--symbols",
        "BTCUSDT_PERP.A",
        "--kinds",
        "ohlcv",
        *WINDOW,
        "--sink",
        f"jsonl:{tmp_path}",
        "--json",
    ]

    assert main(args) == 0

    lines = capsys.readouterr().err.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert {"ts", "level", "logger", "message"} <= set(records[0])
    assert any(
        record["message"].startswith("done: 1 requests, 31 rows written") for record in records
    )


def test_watch_runs_the_given_number_of_cycles(fake: FakeCoinalyze, tmp_path: Path) -> None:
    args = ["watch", "--symbols", "BTCUSDT_PERP.A", "--kinds", "open_interest", "--interval", "1d"]

    assert (
        main(
            [
                *args,
                "--start",
                "2025-06-01",
                "--cycles",
                "1",
                "--delay",
                "0",
                "--sink",
                f"jsonl:{tmp_path}",
            ]
        )
        == 0
    )

    assert len(fake.data_calls) == 1


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            [
                "backfill",
                "--symbols",
                "BTCUSDT_PERP.A",
                "--interval",
                "1d",
                "--start",
                "2025-01-01",
                "--sink",
                "nosuch:x",
            ],
            1,
            "unknown sink 'nosuch'",
        ),
        (
            [
                "backfill",
                "--symbols",
                "BTCUSDT_PERP.A",
                "--start",
                "2025-01-01",
                "--sink",
                "jsonl:x",
            ],
            2,
            "the following arguments are required: --interval",
        ),
        (
            [
                "backfill",
                "--symbols",
                "BTCUSDT_PERP.A",
                "--interval",
                "1d",
                "--start",
                "yesterday",
                "--sink",
                "jsonl:x",
            ],
            1,
            "start='yesterday' is not an ISO-8601 date",
        ),
        (["query", "--sink", "jsonl:x", "--kind", "markets"], 1, "'markets' is not one"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(
    fake: FakeCoinalyze,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    status: int,
    message: str,
) -> None:
    try:
        code = main(args)
    except SystemExit as exit_info:
        code = exit_info.code  # type: ignore[assignment]

    err = capsys.readouterr().err
    assert code == status
    assert message in err
    assert err.count("\n") == 1
    assert fake.data_calls == []


def test_an_unknown_sink_error_never_repeats_the_target(
    fake: FakeCoinalyze, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_dsn = "postgresql://alice:s3cretpw@db.example/market"
    args = ["backfill", "--symbols", "BTCUSDT_PERP.A", *WINDOW, "--sink", secret_dsn]

    assert main(args) == 1

    err = capsys.readouterr().err
    assert "unknown sink 'postgresql'" in err
    assert "s3cretpw" not in err


def test_watch_rejects_end(
    fake: FakeCoinalyze, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["watch", "--symbols", "BTCUSDT_PERP.A", "--interval", "1d", "--end", "2025-06-01"]

    assert main([*args, "--sink", f"jsonl:{tmp_path}"]) == 1

    assert "--end does not apply" in capsys.readouterr().err
    assert fake.data_calls == []


def test_interval_in_the_providers_spelling_plans_the_same_as_its_canonical_name(
    fake: FakeCoinalyze, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["backfill", "--symbols", "BTCUSDT_PERP.A", "--kinds", "ohlcv", "--start", "2025-05-01"]
    tail = ["--end", "2025-06-01", "--sink", f"jsonl:{tmp_path}", "--dry-run"]

    assert main([*args, "--interval", "1d", *tail]) == 0
    canonical = capsys.readouterr().out
    assert main([*args, "--interval", "daily", *tail]) == 0

    assert capsys.readouterr().out == canonical
    assert canonical.startswith("1 requests for 1 series")


@pytest.mark.parametrize("command", ["backfill", "update", "watch"])
def test_interval_the_provider_lacks_exits_before_any_request(
    fake: FakeCoinalyze, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    args = [command, "--bases", "BTC", "--exchanges", "binance", "--interval", "8h"]
    start = ["--start", "2025-05-01"] if command == "backfill" else []

    assert main([*args, *start, "--sink", f"jsonl:{tmp_path}"]) == 1

    assert "coinalyze does not offer open_interest at 8h" in capsys.readouterr().err
    assert fake.calls == []
