"""`cryptodata fetch`: one question across providers, offline on the bundled samples."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from cryptodata.cli._common import exit_code_for
from cryptodata.core.errors import UnsupportedError, ValidationError

from .conftest import Run

WINDOW = ("--start", "2025-06-29", "--end", "2025-06-29T03:00")


def test_ohlcv_of_three_venues_comes_from_the_provider_each_prefers(cli: Run) -> None:
    result = cli(
        "fetch",
        "ohlcv",
        "BTC",
        "--venues",
        "binance,bybit,hyperliquid",
        *WINDOW,
        "--offline",
        "--format",
        "json",
    )

    rows = [json.loads(line) for line in result.out.splitlines()]
    assert result.code == 0
    assert {(row["exchange"], row["provider"]) for row in rows} == {
        ("binance", "ccxt"),
        ("bybit", "ccxt"),
        ("hyperliquid", "hyperliquid"),
    }
    assert len(rows) == 9
    assert "hyperliquid via hyperliquid: 3 rows in 1 requests" in result.err


def test_a_failed_share_keeps_the_others_rows_and_sets_the_exit_status(cli: Run) -> None:
    result = cli(
        "fetch",
        "open_interest",
        "BTC",
        "--venues",
        "bybit,hyperliquid",
        *WINDOW,
        "--offline",
        "--format",
        "csv",
    )

    assert result.code == exit_code_for(UnsupportedError)
    assert result.out.startswith("provider,exchange,symbol,base,interval,ts")
    assert len(result.out.splitlines()) == 1 + 3
    assert "hyperliquid via coinalyze: failed: UnsupportedError" in result.err


def test_parquet_goes_to_the_file_given(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "btc.parquet"

    result = cli(
        "fetch",
        "ohlcv",
        "BTC",
        "ETH",
        "--venues",
        "bybit",
        *WINDOW,
        "--offline",
        "--format",
        "parquet",
        "--out",
        str(out),
    )

    assert result.code == 0
    frame = pl.read_parquet(out)
    assert set(frame["base"]) == {"BTC", "ETH"}
    assert frame.height == 6


def test_funding_settlements_rescaled_per_period(cli: Run) -> None:
    result = cli(
        "fetch",
        "funding_settlement",
        "BTC",
        "--venues",
        "bybit,hyperliquid",
        "--start",
        "2025-06-29",
        "--offline",
        "--format",
        "json",
        "--per",
        "8h",
    )

    rows = [json.loads(line) for line in result.out.splitlines()]
    assert result.code == 0
    assert {row["period_hours"] for row in rows} == {8.0}


def test_parquet_without_a_file_is_refused(cli: Run) -> None:
    result = cli(
        "fetch", "ohlcv", "BTC", "--venues", "bybit", *WINDOW, "--offline", "--format", "parquet"
    )

    assert result.code == exit_code_for(ValidationError)
    assert "--out" in result.err


def test_per_outside_funding_is_refused(cli: Run) -> None:
    result = cli("fetch", "ohlcv", "BTC", "--venues", "bybit", *WINDOW, "--offline", "--per", "8h")

    assert result.code == exit_code_for(ValidationError)
    assert "--per" in result.err


def test_open_interest_in_usd_on_request(cli: Run) -> None:
    result = cli(
        "fetch",
        "open_interest",
        "BTC",
        "--venues",
        "binance,bybit",
        *WINDOW,
        "--offline",
        "--usd",
        "--format",
        "json",
    )

    rows = [json.loads(line) for line in result.out.splitlines()]
    assert result.code == 0
    assert {row["unit"] for row in rows} == {"usd"}
    assert {row["exchange"] for row in rows} == {"binance", "bybit"}
    assert len(rows) == 6


def test_usd_outside_quantities_is_refused(cli: Run) -> None:
    result = cli("fetch", "ohlcv", "BTC", "--venues", "bybit", *WINDOW, "--offline", "--usd")

    assert result.code == exit_code_for(ValidationError)
    assert "--usd" in result.err
