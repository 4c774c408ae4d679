"""`cryptodata pull`: a config's pulls run once into the sink, logged, resumable; offline here."""

from __future__ import annotations

from pathlib import Path

from cryptodata import Kind
from cryptodata.cli._common import exit_code_for
from cryptodata.core.errors import ValidationError
from cryptodata.sinks.jsonl import JsonlSink

from .conftest import Run

CONFIG = """
sink = "jsonl:{root}"

[[pull]]
name = "hl-candles"
provider = "hyperliquid"
kinds = ["ohlcv"]
symbols = ["BTC", "ETH"]
interval = "1h"
start = 2025-06-29
every = "1h"
at = ":05"

[[pull]]
name = "bybit-oi"
provider = "ccxt:bybit"
kinds = ["open_interest"]
symbols = ["BTC/USDT:USDT"]
interval = "1h"
start = 2025-06-29
every = "1h"
at = ":05"
"""


def config(tmp_path: Path) -> Path:
    path = tmp_path / "pulls.toml"
    path.write_text(CONFIG.format(root=tmp_path / "vault"))
    return path


def test_every_pull_runs_into_the_sink_and_is_logged(cli: Run, tmp_path: Path) -> None:
    result = cli("pull", "--config", str(config(tmp_path)), "--offline")

    assert result.code == 0, result.err
    assert "pull hl-candles (hyperliquid): ok, 96 rows" in result.err
    assert "pull bybit-oi (ccxt:bybit): ok" in result.err
    with JsonlSink(tmp_path / "vault") as sink:
        assert len(sink.read(Kind.OHLCV)) == 96
        assert sink.read(Kind.PULL_LOG).to_polars()["pull"].sort().to_list() == [
            "bybit-oi",
            "hl-candles",
        ]


def test_a_second_run_adds_no_duplicate(cli: Run, tmp_path: Path) -> None:
    path = str(config(tmp_path))
    cli("pull", "--config", path, "--offline")

    result = cli("pull", "--config", path, "--offline")

    assert result.code == 0, result.err
    with JsonlSink(tmp_path / "vault") as sink:
        candles = sink.read(Kind.OHLCV).to_polars()
        assert candles.height == 96
        assert candles.select("symbol", "ts").is_unique().all()
        # The samples' clock stands still: the rerun starts at the same instant, so its log
        # row replaces the first run's (a pull's runs are keyed by when they started).
        assert len(sink.read(Kind.PULL_LOG)) == 2


def test_the_sink_given_on_the_command_line_wins(cli: Run, tmp_path: Path) -> None:
    other = tmp_path / "other"

    result = cli("pull", "--config", str(config(tmp_path)), "--offline", "--sink", f"jsonl:{other}")

    assert result.code == 0, result.err
    assert not (tmp_path / "vault").exists()
    with JsonlSink(other) as sink:
        assert len(sink.read(Kind.OHLCV)) == 96


def test_a_bad_config_is_refused_before_any_request(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "pulls.toml"
    path.write_text('[[pull]]\nname = "x"\nprovider = "hyperliquid"\nkinds = []\n')

    result = cli("pull", "--config", str(path), "--offline")

    assert result.code == exit_code_for(ValidationError)
    assert "pull 'x': kinds is a list" in result.err
