"""Asset contexts, open interest, funding rates and predicted fundings: snapshots stamped now."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from cryptodata import Kind, ValidationError, schema
from cryptodata.providers.hyperliquid.client import Hyperliquid
from fakes.hyperliquid import NOW, FakeHyperliquid

NOW_DT = datetime.fromtimestamp(NOW, UTC)


def test_contexts_are_zipped_with_the_universe_by_position(hl: Hyperliquid) -> None:
    frame = hl.asset_contexts().to_polars()

    assert frame.schema == schema(Kind.ASSET_CONTEXT)
    btc = frame.row(by_predicate=pl.col("symbol") == "BTC", named=True)
    assert (btc["mark_price"], btc["oracle_price"], btc["open_interest"]) == (
        104210.5,
        104250.0,
        28402.11726,
    )
    sol = frame.row(by_predicate=pl.col("symbol") == "SOL", named=True)
    assert sol["mark_price"] == 151.22


def test_delisted_perpetuals_are_left_out(hl: Hyperliquid) -> None:
    assert hl.asset_contexts().to_polars()["symbol"].to_list() == ["BTC", "ETH", "kPEPE", "SOL"]


def test_contexts_are_stamped_with_the_clock_and_keep_the_nulls_sent(hl: Hyperliquid) -> None:
    frame = hl.asset_contexts().to_polars()

    assert set(frame["ts"]) == {NOW_DT}
    pepe = frame.row(by_predicate=pl.col("symbol") == "kPEPE", named=True)
    assert pepe["mid_price"] is None
    assert pepe["premium"] is None
    assert pepe["base"] == "PEPE"
    assert (pepe["impact_bid"], pepe["impact_ask"]) == (0.011201, 0.011203)


def test_open_interest_in_usd_is_base_units_times_the_mark_price(hl: Hyperliquid) -> None:
    frame = hl.asset_contexts().to_polars()

    eth = frame.row(by_predicate=pl.col("symbol") == "ETH", named=True)
    assert eth["open_interest_usd"] == 688.11 * 2501.2
    assert eth["funding_rate"] == -0.0000032
    assert eth["period_hours"] == 1.0


def test_spot_contexts_name_their_pairs_through_spot_meta(hl: Hyperliquid) -> None:
    frame = hl.asset_contexts(spot=True).to_polars()

    assert frame.select("symbol", "base").rows() == [("PURR/USDC", "PURR"), ("@107", "HYPE")]
    assert frame["funding_rate"].null_count() == frame.height
    assert frame["mid_price"].to_list() == [0.18345, None]


def test_open_interest_counts_base_units_or_contracts(hl: Hyperliquid) -> None:
    table = hl.open_interest(["BTC", "kPEPE"])

    assert table.kind is Kind.OPEN_INTEREST_SNAPSHOT
    assert table.to_polars().select("symbol", "value", "unit").rows() == [
        ("BTC", 28402.11726, "base"),
        ("kPEPE", 4401223100.0, "contracts"),
    ]


def test_open_interest_in_usd_on_request(hl: Hyperliquid) -> None:
    (row,) = hl.open_interest("ETH", convert_to_usd=True).to_records()

    assert (row.value, row.unit) == (688.11 * 2501.2, "usd")


def test_a_coin_not_listed_is_named_in_a_warning(hl: Hyperliquid) -> None:
    table = hl.open_interest(["BTC", "LOOM"])

    assert table.to_polars()["symbol"].to_list() == ["BTC"]
    assert any("LOOM" in warning for warning in table.warnings)


def test_funding_rate_is_the_ongoing_hours_rate(hl: Hyperliquid) -> None:
    table = hl.funding_rate()

    assert table.kind is Kind.FUNDING_RATE_SNAPSHOT
    btc = next(row for row in table if row.symbol == "BTC")
    assert (btc.value, btc.period_hours, btc.ts) == (0.0000125, 1.0, NOW_DT)


def test_predictions_are_rows_per_coin_and_venue_with_canonical_names(hl: Hyperliquid) -> None:
    frame = hl.predicted_fundings().to_polars()

    assert frame.schema == schema(Kind.PREDICTED_FUNDING_RATE_SNAPSHOT)
    assert sorted(frame.select("symbol", "exchange").rows()) == [
        ("BTC", "binance"),
        ("BTC", "bybit"),
        ("BTC", "hyperliquid"),
        ("kPEPE", "bybit"),
        ("kPEPE", "hyperliquid"),
    ]


def test_a_prediction_is_stamped_with_the_settlement_it_is_for(hl: Hyperliquid) -> None:
    frame = hl.predicted_fundings().to_polars()

    hl_btc = frame.row(
        by_predicate=(pl.col("symbol") == "BTC") & (pl.col("exchange") == "hyperliquid"), named=True
    )
    assert hl_btc["ts"] == datetime.fromtimestamp(1751331600, UTC)
    assert (hl_btc["value"], hl_btc["period_hours"]) == (0.0000125, 1.0)


def test_a_predictions_period_is_taken_from_the_answer_or_left_unknown(hl: Hyperliquid) -> None:
    frame = hl.predicted_fundings().to_polars()

    periods = dict(
        zip(
            zip(frame["symbol"], frame["exchange"], strict=True),
            frame["period_hours"],
            strict=True,
        )
    )
    assert periods[("kPEPE", "bybit")] == 4.0
    assert periods[("BTC", "binance")] is None


def test_snapshot_coins_are_checked_before_any_request(
    hl: Hyperliquid, fake: FakeHyperliquid
) -> None:
    with pytest.raises(ValidationError):
        hl.open_interest(["BTC", "bad coin"])

    assert fake.calls == []
