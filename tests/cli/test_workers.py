"""`--workers N` on backfill and update: the plan run shard by shard, the same rows stored."""

from __future__ import annotations

from pathlib import Path

from cryptodata import Kind
from cryptodata.cli._common import exit_code_for
from cryptodata.core.errors import ValidationError
from cryptodata.sinks.parquet import ParquetSink
from fakes.coinalyze import FakeCoinalyze

from .conftest import Run

WINDOW = ("--interval", "1d", "--start", "2025-05-01", "--end", "2025-06-01")
SYMBOLS = "BTCUSDT_PERP.A,BTCUSDT.6,S9USDT_PERP.A"


def stored(root: Path, kind: Kind) -> int:
    with ParquetSink(root) as sink:
        frame = sink.read(kind).to_polars()
    assert frame.select("symbol", "ts").is_unique().all()
    return frame.height


def test_a_backfill_on_workers_stores_what_one_process_stores(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    alone, sharded = tmp_path / "alone", tmp_path / "sharded"
    args = ("backfill", "--symbols", SYMBOLS, "--kinds", "open_interest,ohlcv", *WINDOW)

    assert cli(*args, "--sink", f"parquet:{alone}").code == 0
    result = cli(*args, "--sink", f"parquet:{sharded}", "--workers", "3", "--executor", "threads")

    assert result.code == 0, result.err
    for kind in (Kind.OPEN_INTEREST, Kind.OHLCV):
        assert stored(sharded, kind) == stored(alone, kind) == 3 * 31


def test_an_update_on_workers_resumes_every_stored_series(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    sink = f"parquet:{tmp_path}"
    cli("backfill", "--symbols", SYMBOLS, "--kinds", "ohlcv", *WINDOW, "--sink", sink)

    result = cli(
        "update",
        "--kinds",
        "ohlcv",
        "--interval",
        "1d",
        "--sink",
        sink,
        "--workers",
        "2",
        "--executor",
        "threads",
    )

    assert result.code == 0, result.err
    assert stored(tmp_path, Kind.OHLCV) > 3 * 31


def test_a_jsonl_sink_on_several_workers_is_refused(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill",
        "--symbols",
        SYMBOLS,
        "--kinds",
        "ohlcv",
        *WINDOW,
        "--sink",
        f"jsonl:{tmp_path}",
        "--workers",
        "2",
        "--executor",
        "threads",
    )

    assert result.code == exit_code_for(ValidationError)
    assert "single writer" in result.err
