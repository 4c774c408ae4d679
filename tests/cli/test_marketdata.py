"""`--provider marketdata` on `backfill`, `update` and `watch`, offline on the bundled samples.

`--offline` builds the facade on every provider's replay clients: ccxt's Binance USDⓈ-M,
Bybit and Hyperliquid, Coinalyze and Hyperliquid, whose samples end at 2025-07-01 00:00.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from pytest_httpx import HTTPXMock

from cryptodata import JsonlSink, Kind, ParquetSink

from .conftest import Run

ACROSS = ["--provider", "marketdata", "--offline"]
OHLCV = ["--kinds", "ohlcv", "--interval", "1h"]


def test_backfill_stores_each_venue_with_its_canonical_assets(cli: Run, tmp_path: Path) -> None:
    result = cli(
        "backfill", *ACROSS, "--bases", "BTC,PEPE", "--exchanges", "hyperliquid", *OHLCV,
        "--start", "2025-06-29", "--sink", f"parquet:{tmp_path}",
    )  # fmt: skip

    assert result.code == 0, result.err
    with ParquetSink(tmp_path) as sink:
        stored = sink.read(Kind.OHLCV).to_polars()
    assert stored.group_by("symbol", "base").len().sort("symbol").rows() == [
        ("BTC", "BTC", 48),
        ("kPEPE", "PEPE", 48),
    ]
    assert "ohlcv hyperliquid via hyperliquid: 96 rows in 2 requests" in result.err


def test_update_after_a_backfill_fetches_only_each_series_tail(cli: Run, tmp_path: Path) -> None:
    where = ["--bases", "BTC", "--venues", "binance,hyperliquid", *OHLCV]
    sink = f"jsonl:{tmp_path}"
    backfilled = cli(
        "backfill", *ACROSS, *where, "--start", "2025-06-29", "--end", "2025-06-30",
        "--sink", sink,
    )  # fmt: skip
    assert backfilled.code == 0, backfilled.err

    result = cli("update", *ACROSS, *where, "--lag", "0", "--sink", sink)

    assert result.code == 0, result.err
    # From the newest bar stored (2025-06-29 23:00) to the samples' end: 25 bars.
    assert "ohlcv binance via ccxt: 25 rows in 1 requests" in result.err
    assert "ohlcv hyperliquid via hyperliquid: 25 rows in 1 requests" in result.err
    with JsonlSink(tmp_path) as stored:
        candles = stored.read(Kind.OHLCV).to_polars()
    assert candles.group_by("exchange").len().sort("exchange").rows() == [
        ("binance", 48),
        ("hyperliquid", 48),
    ]
    assert candles.select(pl.struct("exchange", "ts").is_unique().all()).item()


def test_watch_runs_its_cycles_across_providers(cli: Run, tmp_path: Path) -> None:
    result = cli(
        "watch", *ACROSS, "--bases", "BTC", "--venues", "hyperliquid", *OHLCV, "--start",
        "2025-06-29", "--cycles", "2", "--delay", "0", "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert "watch health: cycles=2" in result.err
    with JsonlSink(tmp_path) as stored:
        assert stored.read(Kind.OHLCV).to_polars().height == 48


def test_dry_run_prints_each_share_plan_and_writes_nothing(cli: Run, tmp_path: Path) -> None:
    result = cli(
        "backfill", *ACROSS, "--bases", "BTC", "--exchanges", "binance,hyperliquid", *OHLCV,
        "--start", "2025-06-29", "--dry-run", "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 0, result.err
    shares = [line.split() for line in result.out.splitlines() if line.startswith("ohlcv ")]
    assert [share[:6] for share in shares] == [
        ["ohlcv", "binance", "ccxt", "BTC/USDT:USDT", "1", "1"],
        ["ohlcv", "hyperliquid", "hyperliquid", "BTC", "1", "1"],
    ]
    assert "market lists: the bundled samples (--offline)" in result.out
    with JsonlSink(tmp_path) as stored:
        assert stored.series(Kind.OHLCV) == []


def test_all_venues_plans_a_share_for_every_venue_a_provider_offers_the_kind_for(
    cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", *ACROSS, "--bases", "BTC", "--exchanges", "all", *OHLCV, "--start",
        "2025-06-29", "--dry-run", "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    planned = {line.split()[1] for line in result.out.splitlines() if line.startswith("ohlcv ")}
    assert {"binance", "bybit", "hyperliquid"} <= planned


def test_a_failed_share_keeps_the_others_rows_and_sets_the_exit_status(
    cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", *ACROSS, "--bases", "BTC", "--exchanges", "bybit,hyperliquid", "--kinds",
        "open_interest", "--interval", "1h", "--start", "2025-06-29", "--sink",
        f"jsonl:{tmp_path}",
    )  # fmt: skip

    # Offline, Hyperliquid's open interest routes to Coinalyze, whose samples list no
    # Hyperliquid market: an unresolved asset, exit status 2.
    assert result.code == 2
    assert "open_interest hyperliquid via coinalyze: coinalyze lists no" in result.err
    with JsonlSink(tmp_path) as stored:
        assert set(stored.read(Kind.OPEN_INTEREST).to_polars()["exchange"]) == {"bybit"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--symbols", "BTC", "--bases", "BTC", "--exchanges", "bybit", *OHLCV], "--symbols"),
        (["--bases", "BTC", *OHLCV], "needs --bases, --exchanges and --kinds"),
        (["--bases", "BTC", "--exchanges", "bybit", "--interval", "1h"], "--kinds"),
        (["--bases", "BTC", "--exchanges", "bybit", "--usd", *OHLCV], "--usd"),
        (["--bases", "BTC", "--exchanges", "bybit", "--quote", "USDC", *OHLCV], "--quote"),
        (["--bases", "BTC", "--exchanges", "bybit", "--kinds", "candles", "--interval", "1h"],
         "unknown kind 'candles'"),
        (["--bases", "BTC", "--exchanges", "bybit", "--kinds", "ohlcv", "--interval", "7m"],
         "7m"),
    ],
    ids=["symbols", "no-exchanges", "no-kinds", "usd", "quote", "kind", "interval"],
)  # fmt: skip
def test_a_bad_combination_is_refused_before_the_facade_is_built(
    offline: HTTPXMock,
    cli: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    message: str,
) -> None:
    from cryptodata.cli import _across

    def no_facade(*, offline: bool) -> None:
        raise AssertionError("the facade was built")

    monkeypatch.setattr(_across, "build_facade", no_facade)

    result = cli(
        "backfill", "--provider", "marketdata", *options, "--start", "2025-06-29", "--sink",
        f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert message in result.err
    assert len(result.err.splitlines()) == 1


def test_a_kind_no_provider_offers_for_a_venue_is_refused_before_any_request(
    cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "update", *ACROSS, "--bases", "BTC", "--exchanges", "bybit", "--kinds",
        "ohlcv,liquidation_events", "--interval", "1h", "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert "no source offers liquidation_events at 1h for bybit" in result.err
    assert "rows in" not in result.err


def test_offline_is_refused_for_a_single_provider(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "hyperliquid", "--offline", "--symbols", "BTC", *OHLCV,
        "--start", "2025-06-29", "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert "--offline: hyperliquid has no offline mode (marketdata only)" in result.err
