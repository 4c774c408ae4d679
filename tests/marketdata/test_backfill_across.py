"""Backfills across providers: one resumable backfill per share, canonical rows in any sink."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cryptodata import Kind, MarketData, ParquetSink, ServerError, backfill_across
from cryptodata.providers.ccxt.replay import SAMPLE
from cryptodata.providers.ccxt.replay import sample_client as ccxt_sample
from cryptodata.providers.coinalyze.replay import sample_client as coinalyze_sample
from cryptodata.providers.hyperliquid.replay import sample_client as hyperliquid_sample

START = SAMPLE.start


@pytest.fixture
def md() -> Iterator[MarketData]:
    with MarketData([ccxt_sample("binanceusdm"), ccxt_sample("bybit"), hyperliquid_sample()]) as md:
        yield md


def test_every_kind_of_every_venue_lands_in_the_sink_with_canonical_assets(
    md: MarketData, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        report = backfill_across(
            md,
            ["ohlcv", "funding_settlement"],
            ["BTC"],
            venues=["binance", "bybit", "hyperliquid"],
            interval="1h",
            start=START,
            sink=sink,
        )
        candles = sink.read(Kind.OHLCV).to_polars()
        funding = sink.read(Kind.FUNDING_SETTLEMENT).to_polars()

    assert not report.failures
    assert candles.group_by("exchange", "provider").len().sort("exchange").rows() == [
        ("binance", "ccxt", 48),
        ("bybit", "ccxt", 48),
        ("hyperliquid", "hyperliquid", 48),
    ]
    assert set(funding["exchange"]) == {"binance", "bybit", "hyperliquid"}
    assert report.rows_written == candles.height + funding.height


def test_a_multiplied_listing_is_stored_under_its_canonical_asset(tmp_path: Path) -> None:
    md = MarketData([hyperliquid_sample()])

    with ParquetSink(tmp_path) as sink:
        backfill_across(
            md, "ohlcv", "PEPE", venues="hyperliquid", interval="1h", start=START, sink=sink
        )
        stored = sink.read(Kind.OHLCV).to_polars()

    assert set(stored["symbol"]) == {"kPEPE"}
    assert set(stored["base"]) == {"PEPE"}


def test_a_second_run_resumes_each_series_from_what_is_stored(
    md: MarketData, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        first = backfill_across(
            md, "ohlcv", "BTC", venues=["binance", "bybit"], interval="1h", start=START, sink=sink
        )
        again = backfill_across(
            md, "ohlcv", "BTC", venues=["binance", "bybit"], interval="1h", start=START, sink=sink
        )

    assert first.rows_written == 96
    # Only the lag of newest bars is read again.
    assert again.rows_written < 10


def test_one_failing_share_leaves_the_others_written(
    md: MarketData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(step: Any) -> Any:
        raise ServerError("maintenance", provider="ccxt", endpoint="fetch_ohlcv", status=503)

    monkeypatch.setattr(md.providers[1], "fetch", down)

    with ParquetSink(tmp_path) as sink:
        report = backfill_across(
            md, "ohlcv", "BTC", venues=["binance", "bybit"], interval="1h", start=START, sink=sink
        )
        stored = sink.read(Kind.OHLCV).to_polars()

    (failure,) = report.failures
    assert failure.share.route.venue == "bybit"
    assert set(stored["exchange"]) == {"binance"}
    assert "ohlcv bybit via ccxt: failed: ServerError" in report.summary()


def test_an_asset_a_venues_provider_lists_no_market_of_is_reported(tmp_path: Path) -> None:
    md = MarketData([ccxt_sample("bybit"), coinalyze_sample()])

    with ParquetSink(tmp_path) as sink:
        report = backfill_across(
            md,
            "open_interest",
            "BTC",
            venues=["bybit", "hyperliquid"],
            interval="1h",
            start=START,
            sink=sink,
        )

    (missing,) = report.unresolved
    assert missing.share.route.venue == "hyperliquid"
    assert report.rows_written > 0
