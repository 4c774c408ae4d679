"""`cryptodata backfill`: runs, dry runs (offline too), and arguments checked before the key."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl
from pytest_httpx import HTTPXMock

from cryptodata import JsonlSink, Kind, Table, schema
from fakes.coinalyze import FakeCoinalyze, synthetic

from .conftest import Run

HOUR = timedelta(hours=1)
WINDOW = ["--interval", "1d", "--start", "2025-05-01", "--end", "2025-06-01"]


def test_backfill_then_query_returns_the_servers_rows_as_csv(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    sink = f"parquet:{tmp_path / 'data'}"
    symbols = "BTCUSDT_PERP.A,BTCUSDT.6"

    filled = cli(
        "backfill", "--symbols", symbols, "--kinds", "open_interest,ohlcv", *WINDOW, "--sink", sink
    )
    queried = cli("query", "--sink", sink, "--kind", "ohlcv", "--format", "csv")

    assert (filled.code, queried.code) == (0, 0)
    frame = pl.read_csv(io.StringIO(queried.out), try_parse_dates=True)
    truth = fake.truth(
        "ohlcv_history",
        ["BTCUSDT_PERP.A", "BTCUSDT.6"],
        "1d",
        datetime(2025, 5, 1, tzinfo=UTC),
        datetime(2025, 6, 1, tzinfo=UTC),
    )
    assert frame.height == truth.height == 62
    assert frame.get_column("close").to_list() == truth.get_column("close").to_list()


def test_bases_and_exchanges_resolve_to_symbols(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    args = ["--bases", "BTC", "--exchanges", "binance,bybit", "--kinds", "open_interest"]

    assert cli("backfill", *args, *WINDOW, "--sink", f"jsonl:{tmp_path}").code == 0

    assert sorted(fake.data_calls[0].symbols) == ["BTCUSDT.6", "BTCUSDT_PERP.A"]


def test_json_logs_are_one_object_per_line(fake: FakeCoinalyze, cli: Run, tmp_path: Path) -> None:
    args = ["--symbols", "BTCUSDT_PERP.A", "--kinds", "ohlcv", *WINDOW, "--json"]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}")

    records = [json.loads(line) for line in result.err.strip().splitlines()]
    assert {"ts", "level", "logger", "message"} <= set(records[0])
    assert any(
        record["message"].startswith("done: 1 requests, 31 rows written") for record in records
    )


def test_the_plan_is_logged_once(fake: FakeCoinalyze, cli: Run, tmp_path: Path) -> None:
    args = ["--symbols", "BTCUSDT_PERP.A", "--kinds", "ohlcv", *WINDOW]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}")

    assert result.err.count("1 requests for 1 series, cost 1") == 2  # the plan, and the summary
    assert result.err.count("backfill: 1 requests for 1 series") == 1


# -- arguments before the key ----------------------------------------------------------------


def test_a_bad_interval_is_reported_before_the_missing_key(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    args = ["--symbols", "BTCUSDT_PERP.A", "--interval", "1H", "--start", "2025-05-01"]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}")

    assert result.code == 2
    assert result.err.startswith("cryptodata: error: unknown interval '1H'")
    assert "API key" not in result.err


def test_a_kind_the_provider_has_no_series_of_is_refused_listing_those_it_has(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    args = ["--symbols", "BTCUSDT_PERP.A", "--kinds", "markets", *WINDOW]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}", "--dry-run")

    assert result.code == 2
    assert result.err == (
        "cryptodata: error: --kinds: coinalyze has no 'markets' series; use open_interest, "
        "funding_rate, predicted_funding_rate, liquidations, long_short_ratio, ohlcv\n"
    )


def test_start_after_end_is_reported_before_the_missing_key(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    args = [
        "--symbols",
        "BTCUSDT_PERP.A",
        "--interval",
        "1d",
        "--start",
        "2025-06-01",
        "--end",
        "2025-05-01",
    ]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}")

    assert result.code == 2
    assert "must be before end" in result.err


def test_an_unknown_sink_is_reported_before_the_missing_key_without_its_target(
    offline: HTTPXMock, cli: Run
) -> None:
    secret_dsn = "postgresql://alice:s3cretpw@db.example/market"

    result = cli("backfill", "--symbols", "BTCUSDT_PERP.A", *WINDOW, "--sink", secret_dsn)

    assert result.code == 2
    assert result.err == (
        "cryptodata: error: --sink: unknown sink 'postgresql'; use jsonl, parquet or postgres\n"
    )


def test_a_missing_key_is_one_line_naming_the_variable(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    result = cli("backfill", "--symbols", "BTCUSDT_PERP.A", *WINDOW, "--sink", f"jsonl:{tmp_path}")

    assert result.code == 2
    assert result.err.startswith("cryptodata: error: no Coinalyze API key")
    assert "COINALYZE_API_KEY" in result.err
    assert result.err.count("\n") == 1


# -- dry run ---------------------------------------------------------------------------------


def test_dry_run_without_a_key_plans_on_the_bundled_market_list_with_no_request(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    args = ["--symbols", "BTCUSDT_PERP.A", "--kinds", "ohlcv,open_interest", *WINDOW]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}", "--dry-run")

    assert result.code == 0
    assert result.out.splitlines()[2:6] == [
        "kind           series  requests  cost  est. duration  purged-history requests",
        "ohlcv               1         1     1        0:00:00                        0",
        "open_interest       1         1     1        0:00:00                        0",
        "total               2         2     2        0:00:00                        0",
    ]
    assert (
        "market list: the bundled sample recorded 2025-06-22 (7 markets on binance), as "
        "COINALYZE_API_KEY is not set; set it to plan on the live list\n"
    ) in result.out
    assert offline.get_requests() == []
    assert result.err == ""


def test_dry_run_table_counts_series_requests_cost_duration_and_purged_history_per_kind(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    # 3,000 hourly bars ending 1,000 hours ago: two 2,000-bar windows per batch of symbols,
    # the older one wholly before the newest 1,500 bars Coinalyze keeps at 1h.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start, end = hour - 4000 * HOUR, hour - 1000 * HOUR
    symbols = ",".join(synthetic(i) for i in range(25))
    args = ["--symbols", symbols, "--kinds", "ohlcv,funding_rate", "--interval", "1h"]
    window = ["--start", start.isoformat(), "--end", end.isoformat()]

    result = cli("backfill", *args, *window, "--sink", f"jsonl:{tmp_path}", "--dry-run")

    assert result.out.splitlines()[:9] == [
        "backfill plan, dry run (nothing fetched): coinalyze, 1h bars until "
        f"{end:%Y-%m-%d %H:%M} UTC",
        "",
        "kind          series  requests  cost  est. duration  purged-history requests",
        "ohlcv             25         4    50        0:00:45                        2",
        "funding_rate      25         4    50        0:00:45                        2",
        "total             50         8   100        0:01:30                        4",
        "",
        "cost is in coinalyze rate-limit units (40 a minute, the first 40 at once); batching "
        "symbols makes it 1.00x the cost of fetching each series alone",
        "",
    ]
    assert "market list: live, from coinalyze" in result.out
    assert fake.data_calls == []


def test_dry_run_falls_back_to_the_bundled_market_list_at_once_when_the_live_one_is_unreachable(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    fake.raise_next(httpx.ConnectError("[Errno -3] Temporary failure in name resolution"))
    args = ["--symbols", "BTCUSDT_PERP.A", "--kinds", "ohlcv", *WINDOW]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}", "--dry-run")

    assert result.code == 0
    assert (
        "market list: the bundled sample recorded 2025-06-22 (7 markets on binance): the live list could not be fetched (coinalyze /exchanges:"
        in result.out
    )
    assert len(fake.calls) == 1


def test_dry_run_without_a_key_plans_a_symbol_the_bundled_list_lacks_from_what_the_sink_stores(
    offline: HTTPXMock, cli: Run, tmp_path: Path
) -> None:
    row = {
        "provider": "coinalyze",
        "exchange": "binance",
        "symbol": "ETHUSDT_PERP.A",
        "base": "ETH",
        "interval": "1d",
        "ts": datetime(2025, 5, 30, tzinfo=UTC),
        "unit": "base",
    }
    stored = pl.DataFrame([row], schema=schema(Kind.OHLCV))
    with JsonlSink(tmp_path) as sink:
        sink.write(Table.from_frame(Kind.OHLCV, stored))
    args = ["--kinds", "ohlcv", "--interval", "1d", "--start", "2015-01-01", "--end", "2025-06-01"]

    result = cli(
        "backfill",
        "--symbols",
        "ETHUSDT_PERP.A,SOLUSDT_PERP.A",
        *args,
        "--sink",
        f"jsonl:{tmp_path}",
        "--dry-run",
    )

    # 3,804 daily bars from 2015 take two 2,000-bar requests; resuming on 2025-05-28 takes one.
    assert (
        result.out.splitlines()[3]
        == "ohlcv       2         3     3        0:00:00                        0"
    )
    assert (
        "not in it, so not checked (planned from what the sink stores): ETHUSDT_PERP.A, SOLUSDT_PERP.A\n"
        in result.out
    )


def test_dry_run_prints_the_plan_on_stdout_and_logs_nothing(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    args = ["--symbols", "BTCUSDT_PERP.A", "--kinds", "ohlcv", *WINDOW]

    result = cli("backfill", *args, "--sink", f"jsonl:{tmp_path}", "--dry-run")

    assert result.out.count("backfill plan, dry run") == 1
    assert result.err == ""


def test_interval_in_the_providers_spelling_plans_the_same_as_its_canonical_name(
    fake: FakeCoinalyze, cli: Run, tmp_path: Path
) -> None:
    args = ["backfill", "--symbols", "BTCUSDT_PERP.A", "--kinds", "ohlcv", "--start", "2025-05-01"]
    tail = ["--end", "2025-06-01", "--sink", f"jsonl:{tmp_path}", "--dry-run"]

    canonical = cli(*args, "--interval", "1d", *tail)
    spelled = cli(*args, "--interval", "daily", *tail)

    assert spelled.out == canonical.out
    assert "1d bars until 2025-06-01 00:00 UTC" in canonical.out
