"""Current-value endpoints: open interest, funding rate, predicted funding rate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cryptodata import Coinalyze, Kind, schema

from .conftest import NOW_DT, USD_FACTOR, FakeCoinalyze, percent_to_fraction, synthetic

UPDATE = NOW_DT - timedelta(milliseconds=250)


def test_open_interest_snapshot_values_units_and_update_time(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    table = cz.open_interest(["BTCUSDT_PERP.A", "BTCUSDT_PERP.3", "BTCUSD_PERP.A"])

    assert table.kind is Kind.OPEN_INTEREST_SNAPSHOT
    assert table.to_polars().schema == schema(Kind.OPEN_INTEREST_SNAPSHOT)
    rows = {row["symbol"]: row for row in table.to_polars().iter_rows(named=True)}
    assert {symbol: (row["value"], row["unit"]) for symbol, row in rows.items()} == {
        "BTCUSDT_PERP.A": (fake.snapshot_value("/open-interest", "BTCUSDT_PERP.A"), "base"),
        "BTCUSDT_PERP.3": (fake.snapshot_value("/open-interest", "BTCUSDT_PERP.3"), "contracts"),
        "BTCUSD_PERP.A": (fake.snapshot_value("/open-interest", "BTCUSD_PERP.A"), "quote"),
    }
    assert {row["ts"] for row in rows.values()} == {UPDATE}
    assert rows["BTCUSDT_PERP.3"]["exchange"] == "okx"
    assert fake.data_calls[0].params == (
        ("symbols", "BTCUSDT_PERP.A,BTCUSDT_PERP.3,BTCUSD_PERP.A"),
        ("convert_to_usd", "false"),
    )


def test_open_interest_snapshot_in_usd(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.open_interest("BTCUSDT_PERP.3", convert_to_usd=True)

    row = table.to_polars().row(0, named=True)
    assert row["unit"] == "usd"
    assert row["value"] == fake.snapshot_value("/open-interest", "BTCUSDT_PERP.3") * USD_FACTOR
    assert fake.data_calls[0].param_dict["convert_to_usd"] == "true"


@pytest.mark.parametrize(
    ("method", "path"),
    [("funding_rate", "/funding-rate"), ("predicted_funding_rate", "/predicted-funding-rate")],
)
def test_funding_snapshots_are_percent_divided_by_100(
    cz: Coinalyze, fake: FakeCoinalyze, method: str, path: str
) -> None:
    table = getattr(cz, method)(["BTCUSDT_PERP.A", "BTC.H"])

    values = dict(table.to_polars().select("symbol", "value").iter_rows())
    assert values == {
        symbol: percent_to_fraction(fake.snapshot_value(path, symbol))
        for symbol in ("BTCUSDT_PERP.A", "BTC.H")
    }
    assert values["BTCUSDT_PERP.A"] != fake.snapshot_value(path, "BTCUSDT_PERP.A")
    assert fake.data_calls[0].params == (("symbols", "BTCUSDT_PERP.A,BTC.H"),)


def test_snapshot_of_many_symbols_is_batched_by_20(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    symbols = [synthetic(i) for i in range(45)]

    table = cz.funding_rate(symbols)

    assert [call.cost for call in fake.data_calls] == [20, 20, 5]
    assert [call.symbols for call in fake.data_calls] == [
        symbols[:20],
        symbols[20:40],
        symbols[40:],
    ]
    assert sorted(table.to_polars().get_column("symbol").to_list()) == sorted(symbols)


def test_snapshot_missing_symbol_is_named_in_a_warning(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.silence("BTC.H", "omit")

    table = cz.open_interest(["BTC.H", "BTCUSDT.6"])

    assert table.to_polars().get_column("symbol").to_list() == ["BTCUSDT.6"]
    assert table.warnings == [
        "no open_interest_snapshot data from /open-interest for BTC.H (the venue may not report "
        "it, or the window is outside what Coinalyze keeps)"
    ]


def test_snapshot_with_no_answer_is_an_empty_typed_table(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.silence("BTC.H", "omit")

    table = cz.predicted_funding_rate("BTC.H")

    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.PREDICTED_FUNDING_RATE_SNAPSHOT)
    assert len(table.warnings) == 1
