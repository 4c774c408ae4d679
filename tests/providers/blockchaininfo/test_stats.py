"""`stats()`: the 24-hour snapshot, stamped in milliseconds, satoshis as BTC, odd values out."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from cryptodata import BlockchainInfo, ResponseFormatError
from providers.blockchaininfo.fake import STATS, FakeBlockchainInfo


def test_the_snapshot_is_stamped_at_its_millisecond_timestamp(bc: BlockchainInfo) -> None:
    stats = bc.stats()

    assert stats.ts == datetime(2024, 3, 1, 11, 59, 58, 766_000, tzinfo=UTC)


def test_satoshi_fields_named_btc_are_given_in_btc(bc: BlockchainInfo) -> None:
    stats = bc.stats()

    assert (stats.total_fees_btc, stats.n_btc_mined) == (25.0, 450.0)
    assert (stats.totalbc, stats.estimated_btc_sent, stats.total_btc_sent) == (
        19_630_000.0,
        30_000.0,
        1_200_000.0,
    )
    assert stats.miners_revenue_btc == 475.0  # already BTC in the answer


def test_the_hash_rate_is_given_in_terahashes_per_second(bc: BlockchainInfo) -> None:
    assert bc.stats().hash_rate == 6.0e8


def test_plain_fields_keep_their_values(bc: BlockchainInfo) -> None:
    stats = bc.stats()

    assert (stats.market_price_usd, stats.n_tx, stats.n_blocks_total, stats.difficulty) == (
        61_000.5,
        450_000.0,
        833_000.0,
        79_350_000_000_000.0,
    )
    assert stats.warnings == ()


def test_a_negative_fee_and_a_zero_revenue_are_left_out_and_named(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    fake.stats.update(total_fees_btc=-6_073_543_165, miners_revenue_usd=0.0)

    stats = bc.stats()

    assert (stats.total_fees_btc, stats.miners_revenue_usd) == (None, None)
    assert stats.warnings == (
        "stats field total_fees_btc is -6073543165, which cannot be: left out (None)",
        "stats field miners_revenue_usd is 0.0, which cannot be: left out (None)",
    )


def test_a_missing_field_is_none_and_named(bc: BlockchainInfo, fake: FakeBlockchainInfo) -> None:
    del fake.stats["trade_volume_usd"]

    stats = bc.stats()

    assert stats.trade_volume_usd is None
    assert stats.warnings == ("the stats snapshot has no trade_volume_usd",)


def test_an_answer_without_a_timestamp_is_a_format_error(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    fake.answer("/stats", {key: value for key, value in STATS.items() if key != "timestamp"})

    with pytest.raises(ResponseFormatError, match="timestamp"):
        bc.stats()


def test_the_snapshot_is_a_typed_one_row_frame(bc: BlockchainInfo) -> None:
    frame = bc.stats().to_polars()

    assert frame.height == 1
    assert frame.schema["ts"] == pl.Datetime("ms", "UTC")
    assert frame.item(0, "total_fees_btc") == 25.0
    assert {dtype for name, dtype in frame.schema.items() if name != "ts"} == {pl.Float64}
