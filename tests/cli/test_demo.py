"""`cryptodata demo`: the client end to end on the bundled samples, and the way back to its data."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from cryptodata.cli import demo

from .conftest import Run


def test_demo_without_a_key_prints_every_frame_from_the_bundled_samples(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    result = cli("demo", "--store", str(tmp_path))

    assert result.code == 0
    assert "bundled Coinalyze sample responses" in result.out
    assert result.out.count("rows of kind") == 9
    assert "5 rows of kind open_interest" in result.out
    assert "83549.607" in result.out  # first daily OI open of the recorded sample
    assert "152326" in result.out  # first 4-hour OHLCV bar's trade count
    assert "requests: 12 sent, 0 retried, 0 rate limited" in result.out
    assert "warning" not in result.out


def test_demo_stores_the_frames_in_parquet_and_reads_them_back_identical(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    result = cli("demo", "--store", str(tmp_path))

    # 33 Coinalyze rows, then BTC's last 24 hourly candles and open interest on three venues.
    assert f"stored 177 rows in the Parquet dataset {tmp_path}" in result.out
    assert result.out.count("read back, identical: True") == 9
    # One file per series: Coinalyze's 4-hour bars and the three venues' hourly ones.
    assert len(list(tmp_path.glob("kind=ohlcv/**/*.parquet"))) == 4


@pytest.mark.parametrize("symbol", ["BTCUSD_PERP.A", "ETHUSDT_PERP.A", "BINANCE:BTCUSDT"])
def test_demo_refuses_a_symbol_the_samples_lack_naming_those_they_hold_before_any_request(
    offline: HTTPXMock, cli: Run, monkeypatch: pytest.MonkeyPatch, symbol: str
) -> None:
    monkeypatch.setattr(demo, "sample_client", None)  # a request would need it

    result = cli("demo", "--symbol", symbol)

    assert result.code == 2
    assert result.err == (
        f"cryptodata: error: the bundled samples hold BTCUSDT_PERP.A only, not {symbol!r}; "
        f"set COINALYZE_API_KEY to fetch {symbol!r} from the live API\n"
    )
    assert result.out == ""


def test_demo_help_names_the_symbols_the_samples_hold(offline: HTTPXMock, cli: Run) -> None:
    assert "the bundled samples hold BTCUSDT_PERP.A only" in " ".join(
        cli("demo", "--help").out.split()
    )


def test_demo_ends_with_a_query_command_that_reads_back_what_it_stored(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    store = tmp_path / "demo store"  # a space, so the command must quote the path

    printed = cli("demo", "--store", str(store)).out.rstrip("\n").splitlines()[-1]
    command = shlex.split(printed)
    queried = cli(*command[1:], "--format", "csv")

    assert command[:2] == ["cryptodata", "query"]
    assert queried.code == 0
    lines = queried.out.splitlines()
    assert len(lines) == 6  # header and the five 4-hour bars
    assert lines[1].startswith("coinalyze,binance,BTCUSDT_PERP.A,BTC,4h,2025-06-10")
    assert ",109525.8," in lines[1]


def test_demo_answers_one_question_across_providers_from_their_samples(
    offline: HTTPXMock, cli: Run
) -> None:
    result = cli("demo")

    assert "== across providers" in result.out
    assert "binance via ccxt: 24 rows in 1 requests" in result.out
    assert "hyperliquid via hyperliquid: 24 rows in 1 requests" in result.out
    # Only Coinalyze covers Hyperliquid's open-interest history, and its samples list no
    # Hyperliquid market: a reported share, not an error.
    assert "hyperliquid via coinalyze: failed: UnsupportedError" in result.out
