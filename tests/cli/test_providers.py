"""`cryptodata providers`: the capability table, with no key and no request."""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

import pytest

from .conftest import Run


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the capability table needs no request")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)


def test_by_default_every_provider_is_listed_per_venue_and_kind(cli: Run) -> None:
    result = cli("providers", "--kind", "open_interest", "--venue", "bybit")

    assert result.code == 0
    lines = [line for line in result.out.splitlines() if "open_interest" in line]
    assert [line.split("┆")[0].strip("│ ") for line in lines] == ["ccxt", "coinalyze"]
    assert "newest 1500 bars" in result.out


def test_json_holds_one_row_per_interval(cli: Run) -> None:
    result = cli("providers", "--provider", "hyperliquid", "--kind", "ohlcv", "--format", "json")

    rows = json.loads(result.out)
    assert {row["provider"] for row in rows} == {"hyperliquid"}
    assert {row["interval"] for row in rows} >= {"1m", "1h", "1d"}
    assert all(row["retained_bars"] == 5000 for row in rows)


def test_csv_joins_the_units(cli: Run) -> None:
    result = cli(
        "providers", "--provider", "ccxt:bybit", "--kind", "open_interest", "--format", "csv"
    )

    header, first, *_ = result.out.splitlines()
    assert header == "provider,venue,kind,interval,retained_bars,earliest,units"
    assert first.startswith("ccxt,bybit,open_interest,5m,")
    assert first.endswith("base|contracts|quote")


def test_an_unknown_exchange_is_refused_with_close_matches(cli: Run) -> None:
    result = cli("providers", "--provider", "ccxt:bybitt")

    assert result.code != 0
    assert "bybit" in result.err


def test_nothing_matching_the_filters_is_an_error(cli: Run) -> None:
    result = cli("providers", "--provider", "hyperliquid", "--venue", "binance")

    assert result.code != 0
    assert "no provider listed offers" in result.err


def test_a_provider_whose_package_is_missing_is_left_out_by_default(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("ccxt", "ccxt.async_support", "ccxt.pro"):
        monkeypatch.setitem(sys.modules, module, None)

    result = cli("providers", "--kind", "ohlcv")

    assert result.code == 0
    assert "ccxt:binanceusdm left out" in result.err
    assert "hyperliquid" in result.out


def test_the_facade_as_a_provider_points_to_the_full_listing(cli: Run) -> None:
    result = cli("providers", "--provider", "marketdata")

    assert result.code == 2
    assert "without --provider to list them all" in result.err
