"""What `cryptodata query` prints: one time format in every output format, the values as stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from cryptodata import Kind, ParquetSink, Table
from cryptodata.cli.main import main

TS = datetime(2025, 6, 22, 22, 9, 28, 961000, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A Parquet store holding one funding snapshot taken at `TS`."""
    frame = pl.DataFrame(
        {
            "provider": ["coinalyze"],
            "exchange": ["binance"],
            "symbol": ["BTCUSDT_PERP.A"],
            "base": ["BTC"],
            "ts": [TS],
            "value": [0.0001],
            "period_hours": [8.0],
        }
    )
    with ParquetSink(tmp_path) as sink:
        sink.write(Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame))
    return f"parquet:{tmp_path}"


@pytest.mark.parametrize("output", ["table", "csv", "json"])
def test_query_writes_times_as_iso_utc_with_z_in_every_format(
    store: str, output: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["query", "--sink", store, "--kind", "funding_rate_snapshot", "--format", output]) == 0
    )

    out = capsys.readouterr().out
    assert "2025-06-22T22:09:28.961Z" in out
    assert "+0000" not in out
    assert "+00:00" not in out


def test_query_json_times_read_back_as_the_stored_instant(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["query", "--sink", store, "--kind", "funding_rate_snapshot", "--format", "json"]) == 0
    )

    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert datetime.fromisoformat(row["ts"]) == TS


def test_demo_funding_queried_as_json_is_the_apis_decimal_percent_over_100(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)
    assert main(["demo", "--store", str(tmp_path)]) == 0
    capsys.readouterr()
    sample = resources.files("cryptodata.providers.coinalyze") / "samples"
    (series,) = json.loads((sample / "predicted-funding-rate-history.json").read_bytes())

    query = ["query", "--sink", f"parquet:{tmp_path}", "--kind", "predicted_funding_rate"]
    assert main([*query, "--format", "json"]) == 0

    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["close"] for row in rows] == [
        float(Decimal(repr(bar["c"])) / 100) for bar in series["history"][: len(rows)]
    ]
    assert rows[2]["close"] == -1.1e-07  # the API's -0.000011 %, not -1.0999999999999999e-07
