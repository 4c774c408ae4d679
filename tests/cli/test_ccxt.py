"""`--provider ccxt:<exchange id>` (and `hyperliquid`) on `backfill`, `update` and `watch`.

The ccxt client runs on the fake venue (a real ccxt `bybit` instance whose `fetch` is
replaced, `tests/fakes/ccxt.py`), put in place of the one factory that builds clients from
`--provider`; any other exchange id goes through the real factory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import cryptodata
from cryptodata import JsonlSink, Kind, ManualClock, ParquetSink
from cryptodata.cli import _providers
from cryptodata.cli._providers import ProviderSpec
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import NOW, FakeVenue, exchange

from .conftest import Run

SRC = Path(cryptodata.__file__).parents[1]
SYMBOLS = ["--symbols", "BTC/USDT:USDT,BTC/USD:BTC"]
"""The linear and the inverse perpetual: the two markets the fake Bybit lists."""
KINDS = ["--kinds", "ohlcv,open_interest,funding_settlement"]
WINDOW = ["--interval", "1h", "--start", "2025-01-11", "--end", "2025-01-12"]
"""24 hourly bars, three settlements, before the fake's now (2025-01-13)."""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


def _serve(monkeypatch: pytest.MonkeyPatch, clock: ManualClock, *ids: str) -> list[FakeVenue]:
    """Fake venues behind `--provider ccxt:<id>` for each id; other specs are built for real."""
    fakes = {exchange_id: FakeVenue(exchange(exchange_id), clock) for exchange_id in ids}
    real = _providers.build_source

    def build(spec: ProviderSpec, **options: Any) -> Any:
        fake = fakes.get(spec.argument or "") if spec.name == "ccxt" else None
        if fake is None:
            return real(spec, **options)
        return Ccxt(fake.instance, clock=clock, **options)

    monkeypatch.setattr(_providers, "build_source", build)
    return list(fakes.values())


@pytest.fixture
def venue(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> FakeVenue:
    """The fake Bybit behind `--provider ccxt:bybit`; every call it answers is recorded."""
    (fake,) = _serve(monkeypatch, clock, "bybit")
    return fake


def test_backfill_stores_every_kind_of_every_symbol_in_a_parquet_sink(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "ccxt:bybit", *SYMBOLS, *KINDS, *WINDOW, "--sink",
        f"parquet:{tmp_path}",
    )  # fmt: skip

    assert result.code == 0, result.err
    with ParquetSink(tmp_path) as sink:
        candles = sink.read(Kind.OHLCV).to_polars()
        interest = sink.read(Kind.OPEN_INTEREST).to_polars()
        settlements = sink.read(Kind.FUNDING_SETTLEMENT).to_polars()
    assert candles.group_by("symbol").len().sort("symbol").rows() == [
        ("BTC/USD:BTC", 24),
        ("BTC/USDT:USDT", 24),
    ]
    assert set(candles["exchange"]) == {"bybit"}
    assert interest.height == 48
    assert settlements.height == 6


def test_update_after_a_backfill_fetches_only_the_bars_since_the_newest_stored(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    sink = f"jsonl:{tmp_path}"
    args = ["--provider", "ccxt:bybit", "--kinds", "ohlcv", "--interval", "1h"]
    backfilled = cli(
        "backfill", *args, "--symbols", "BTC/USDT:USDT", "--start", "2025-01-11", "--end",
        "2025-01-12", "--sink", sink,
    )  # fmt: skip
    assert backfilled.code == 0, backfilled.err
    venue.calls.clear()

    result = cli("update", *args, "--lag", "0", "--sink", sink)

    assert result.code == 0, result.err
    (call,) = venue.calls
    newest_stored_ms = 1_736_636_400_000  # 2025-01-11 23:00, the last bar backfilled
    assert f"start={newest_stored_ms}" in call
    with JsonlSink(tmp_path) as stored:
        candles = stored.read(Kind.OHLCV).to_polars()
    assert candles.height == 48  # 2025-01-11 00:00 to the last closed bar, 2025-01-12 23:00
    assert candles["ts"].is_unique().all()


def test_update_of_one_exchange_leaves_the_series_of_another_alone(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch, cli: Run, tmp_path: Path
) -> None:
    bybit, binance = _serve(monkeypatch, clock, "bybit", "binanceusdm")
    sink = f"jsonl:{tmp_path}"
    args = ["--kinds", "ohlcv", "--interval", "1h"]
    backfilled = cli(
        "backfill", "--provider", "ccxt:binanceusdm", "--symbols", "BTC/USDT:USDT", *args,
        "--start", "2025-01-11", "--end", "2025-01-12", "--sink", sink,
    )  # fmt: skip
    assert backfilled.code == 0, backfilled.err
    binance.calls.clear()

    result = cli("update", "--provider", "ccxt:bybit", *args, "--sink", sink)

    assert result.code == 0, result.err
    assert "not updated: stored ohlcv series of BTC/USDT:USDT" in result.err
    assert (bybit.calls, binance.calls) == ([], [])


def test_watch_runs_its_cycles_on_the_exchange(venue: FakeVenue, cli: Run, tmp_path: Path) -> None:
    result = cli(
        "watch", "--provider", "ccxt:bybit", "--symbols", "BTC/USDT:USDT", "--kinds", "ohlcv",
        "--interval", "1h", "--start", "2025-01-12T20:00", "--cycles", "1", "--delay", "0",
        "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 0, result.err
    with JsonlSink(tmp_path) as stored:
        assert stored.read(Kind.OHLCV).to_polars().height == 4


def test_dry_run_prints_the_plan_with_costs_in_ccxt_units_and_sends_nothing(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "ccxt:bybit", *SYMBOLS, *KINDS, *WINDOW, "--sink",
        f"jsonl:{tmp_path}", "--dry-run",
    )  # fmt: skip

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("backfill plan, dry run (nothing fetched): ccxt:bybit, 1h bars")
    assert lines[2].split() == [
        "kind", "series", "requests", "cost", "est.", "duration", "purged-history", "requests",
    ]  # fmt: skip
    rows = {line.split()[0]: line.split()[1:4] for line in lines[3:7]}
    # Series, requests, cost: one page per series, each at the cost ccxt gives the call.
    assert rows == {
        "ohlcv": ["2", "2", "10"],
        "open_interest": ["2", "2", "10"],
        "funding_settlement": ["2", "2", "10"],
        "total": ["6", "6", "30"],
    }
    assert "cost is in ccxt:bybit rate-limit units" in result.out
    assert "market list: not read: a dry run sends no request" in result.out
    assert venue.calls == []


def test_dry_run_resumes_the_series_the_sink_stores_for_the_exchange(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    sink = f"jsonl:{tmp_path}"
    args = ["--provider", "ccxt:bybit", "--symbols", "BTC/USDT:USDT", "--kinds", "ohlcv"]
    day = ["--interval", "1m", "--start", "2025-01-12"]
    assert cli("backfill", *args, *day, "--end", "2025-01-12T23:00", "--sink", sink).code == 0
    venue.calls.clear()

    result = cli("backfill", *args, *day, "--lag", "0", "--sink", sink, "--dry-run")

    # The whole day is 1,440 bars, two pages; the hour after the stored 23:00 fits in one.
    assert result.code == 0, result.err
    assert result.out.splitlines()[3].split()[:3] == ["ohlcv", "1", "1"]
    assert venue.calls == []


def test_an_unknown_exchange_id_is_refused_naming_close_matches_before_any_request(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "ccxt:bybitt", *SYMBOLS, *WINDOW, "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert result.err.startswith("cryptodata: error: ccxt has no exchange 'bybitt'")
    assert "bybit" in result.err.partition("did you mean")[2]
    assert venue.calls == []


def test_ccxt_without_an_exchange_id_is_a_usage_error_showing_the_spelling(
    cli: Run, tmp_path: Path
) -> None:
    result = cli("backfill", "--provider", "ccxt", *SYMBOLS, *WINDOW, "--sink", f"jsonl:{tmp_path}")

    assert result.code == 2
    assert result.err.endswith(
        "argument --provider: ccxt needs an exchange id: --provider ccxt:EXCHANGE_ID\n"
    )


def test_a_provider_without_an_argument_refuses_one(cli: Run) -> None:
    result = cli("backfill", "--provider", "hyperliquid:mainnet", *WINDOW, "--sink", "jsonl:x")

    assert result.code == 2
    assert result.err.endswith(
        "hyperliquid takes no argument: --provider hyperliquid, not 'hyperliquid:mainnet'\n"
    )


def test_an_unknown_provider_lists_the_known_ones(cli: Run, tmp_path: Path) -> None:
    result = cli("backfill", "--provider", "kraken", *WINDOW, "--sink", f"jsonl:{tmp_path}")

    assert result.code == 2
    assert (
        "unknown provider 'kraken'; use one of coinalyze, ccxt:EXCHANGE_ID, defillama, hyperliquid"
        in result.err
    )


def test_usd_is_refused_for_ccxt_naming_the_provider_that_converts(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "ccxt:bybit", *SYMBOLS, *WINDOW, "--usd", "--sink",
        f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert result.err == (
        "cryptodata: error: --usd: ccxt:bybit has no USD conversion (coinalyze only); drop --usd\n"
    )
    assert venue.calls == []


def test_backfill_without_symbols_says_ccxt_needs_them(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    result = cli("backfill", "--provider", "ccxt:bybit", *WINDOW, "--sink", f"jsonl:{tmp_path}")

    assert result.code == 2
    assert result.err.startswith(
        "cryptodata: error: ccxt:bybit needs --symbols (e.g. --symbols BTC/USDT:USDT,"
    )
    assert venue.calls == []


def test_bases_are_refused_for_ccxt_pointing_to_symbols(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "ccxt:bybit", "--bases", "BTC", "--exchanges", "bybit",
        *WINDOW, "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert "ccxt:bybit resolves no base assets; name the markets with --symbols" in result.err
    assert venue.calls == []


def test_a_kind_the_exchange_lacks_is_refused_before_any_request(
    venue: FakeVenue, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "ccxt:bybit", *SYMBOLS, "--kinds", "liquidation_events",
        *WINDOW, "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert result.err.startswith(
        "cryptodata: error: --kinds: ccxt:bybit has no 'liquidation_events' series; use ohlcv,"
    )
    assert venue.calls == []


def test_without_ccxt_installed_the_missing_dependency_exit_names_the_extra(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ccxt", None)

    result = cli(
        "backfill", "--provider", "ccxt:bybit", *SYMBOLS, *WINDOW, "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 10
    assert "pip install 'cryptodata[ccxt]'" in result.err
    assert result.err.count("\n") == 1


def test_hyperliquid_refuses_a_kind_it_does_not_publish_before_any_request(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    result = cli(
        "backfill", "--provider", "hyperliquid", "--symbols", "BTC", "--kinds",
        "long_short_ratio", *WINDOW, "--sink", f"jsonl:{tmp_path}",
    )  # fmt: skip

    assert result.code == 2
    assert result.err.startswith(
        "cryptodata: error: --kinds: hyperliquid has no 'long_short_ratio' series; use "
    )
    assert offline.get_requests() == []


def test_hyperliquid_dry_run_plans_candles_without_any_request(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    # Hyperliquid keeps the newest 5,000 candles: the window is yesterday, by the real clock.
    today = datetime.now(UTC).date()
    result = cli(
        "backfill", "--provider", "hyperliquid", "--symbols", "BTC,ETH", "--kinds", "ohlcv",
        "--interval", "1h", "--start", str(today - timedelta(days=1)), "--end", str(today),
        "--sink", f"jsonl:{tmp_path}", "--dry-run",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert result.out.splitlines()[3].split()[:3] == ["ohlcv", "2", "2"]
    assert offline.get_requests() == []


def test_help_and_a_coinalyze_dry_run_load_no_ccxt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from cryptodata.cli.main import main\n"
        "try:\n"
        "    main(['backfill', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "main(['backfill', '--symbols', 'BTCUSDT_PERP.A', '--interval', '1d', '--start',\n"
        f"      '2025-05-01', '--sink', 'jsonl:{tmp_path}', '--dry-run'])\n"
        "print(sorted(name for name in sys.modules if name.partition('.')[0] == 'ccxt'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("COINALYZE_API_KEY", None)

    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert done.stdout.splitlines()[-1] == "[]"
