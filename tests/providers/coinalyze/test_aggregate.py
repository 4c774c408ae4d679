"""`aggregate()`: cross-venue USD sums of open interest and liquidations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from cryptodata import Coinalyze, Kind, ValidationError, schema

from .conftest import NOW, NOW_DT, FakeCoinalyze, assert_exact

H = timedelta(hours=1)
BTC_PERPS = [
    "BTCUSD_PERP.A",
    "BTCUSDC_PERP.A",
    "BTCUSDT_PERP.A",
    "BTCUSDT.6",
    "BTCUSDT_PERP.3",
    "BTC.H",
]


def _expected(
    fake: FakeCoinalyze,
    method: str,
    kind: Kind,
    columns: tuple[str, str],
    start: datetime,
    end: datetime,
) -> pl.DataFrame:
    truth = fake.truth(method, BTC_PERPS, "1h", start, end, convert_to_usd=True)
    summed = truth.group_by("base", "interval", "ts").agg(
        *(pl.col(column).sum() for column in columns),
        venues=pl.col("exchange").n_unique(),
        exchanges=pl.col("exchange").unique().sort().str.join(","),
    )
    return (
        summed.with_columns(provider=pl.lit("coinalyze"), unit=pl.lit("usd"))
        .select([pl.col(name).cast(dtype) for name, dtype in schema(kind).items()])
        .sort("provider", "base", "ts")
    )


def test_open_interest_sums_usd_per_ts_and_names_venues(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.silence("BTC.H", "omit", path="/open-interest-history")
    start, end = NOW_DT - 6 * H, NOW_DT

    table = cz.aggregate("open_interest", "BTC", interval="1h", start=start, end=end)

    (call,) = fake.data_calls
    assert call.path == "/open-interest-history"
    assert call.symbols == BTC_PERPS  # perpetuals only: the dated future is left out
    assert call.param_dict["convert_to_usd"] == "true"
    frame = table.to_polars()
    assert table.kind is Kind.OPEN_INTEREST_AGGREGATE
    assert len(frame) == 6
    assert frame.get_column("exchanges").unique().to_list() == ["binance,bybit,okx"]
    assert frame.get_column("venues").unique().to_list() == [3]
    assert_exact(
        frame, _expected(fake, "open_interest_history", table.kind, ("open", "close"), start, end)
    )
    first = frame.row(0, named=True)
    t0 = int(start.timestamp())
    assert first["open"] == sum(
        fake.point("/open-interest-history", symbol, t0, usd=True)["o"] for symbol in BTC_PERPS[:5]
    )
    assert table.warnings == [
        "no open_interest data from /open-interest-history for BTC.H (the venue may not report "
        "it, or the window is outside what Coinalyze keeps)",
        "open_interest summed in USD over 3 venue(s): binance, bybit, okx",
        "no open_interest data from: hyperliquid",
    ]


def test_liquidations_aggregate_names_silent_venue(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.silence("BTC.H", "empty", path="/liquidation-history")
    start, end = NOW_DT - 4 * H, NOW_DT

    table = cz.aggregate("liquidations", "BTC", interval="1h", start=start, end=end)

    assert table.kind is Kind.LIQUIDATIONS_AGGREGATE
    assert_exact(
        table.to_polars(),
        _expected(fake, "liquidation_history", table.kind, ("longs", "shorts"), start, end),
    )
    assert table.warnings[-2:] == [
        "liquidations summed in USD over 3 venue(s): binance, bybit, okx",
        "no liquidations data from: hyperliquid",
    ]


def test_rows_name_only_the_venues_present_at_that_ts(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.retention["BTCUSDT.6"] = int(NOW) - 2 * 3600  # bybit keeps only the last 2 bars
    start, end = NOW_DT - 4 * H, NOW_DT

    table = cz.aggregate(
        "open_interest", "BTC", interval="1h", start=start, end=end, exchanges=["Bybit", "OKX"]
    )

    assert fake.data_calls[0].symbols == ["BTCUSDT.6", "BTCUSDT_PERP.3"]
    rows = table.to_polars().select("ts", "venues", "exchanges").rows()
    assert rows == [
        (datetime(2025, 6, 30, 20, tzinfo=UTC), 1, "okx"),
        (datetime(2025, 6, 30, 21, tzinfo=UTC), 1, "okx"),
        (datetime(2025, 6, 30, 22, tzinfo=UTC), 2, "bybit,okx"),
        (datetime(2025, 6, 30, 23, tzinfo=UTC), 2, "bybit,okx"),
    ]


def test_aggregate_of_unknown_base_raises_before_data_request(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    with pytest.raises(
        ValidationError, match="no Coinalyze perpetual markets for base 'DOGE' on the venues asked"
    ):
        cz.aggregate("open_interest", "DOGE", interval="1h", start=NOW_DT - H)

    assert fake.data_calls == []


def test_aggregate_with_no_venue_answering_is_an_empty_typed_table(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    for symbol in BTC_PERPS:
        fake.silence(symbol, "empty")

    table = cz.aggregate("open_interest", "BTC", interval="1h", start=NOW_DT - 3 * H)

    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.OPEN_INTEREST_AGGREGATE)
    assert table.warnings[1:] == [
        "open_interest summed in USD over 0 venue(s): none",
        "no open_interest data from: binance, bybit, hyperliquid, okx",
    ]


def test_aggregate_unknown_venue_raises_before_data_request(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    with pytest.raises(
        ValidationError, match=r"^unknown Coinalyze exchange 'bybitt'; did you mean 'bybit'"
    ):
        cz.aggregate("liquidations", "BTC", interval="1h", start=NOW_DT - H, exchanges=["bybitt"])

    assert fake.data_calls == []


def test_a_lone_exchange_name_is_one_venue_not_its_letters(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    table = cz.aggregate(
        "open_interest", "BTC", interval="1h", start=NOW_DT - 2 * H, end=NOW_DT, exchanges="binance"
    )

    binance_btc_perps = {
        row["symbol"]
        for row in fake.futures
        if (row["exchange"], row["base_asset"], row["is_perpetual"]) == ("A", "BTC", True)
    }
    assert {symbol for call in fake.data_calls for symbol in call.symbols} == binance_btc_perps
    assert set(table.to_polars().get_column("exchanges")) == {"binance"}
