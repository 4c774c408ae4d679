"""The adapter through the pipelines: a backfill plans with our pages and stores every kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cryptodata import Kind, ParquetSink
from cryptodata.core.clock import ManualClock
from cryptodata.pipeline import backfill, watch
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import NOW, FakeVenue
from fakes.limiters import RecordingTokenBucket as RecordingLimiter

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)


def test_a_backfill_stores_candles_open_interest_settlements_and_long_short_ratios(
    client: Ccxt, tmp_path: Path
) -> None:
    with ParquetSink(tmp_path) as sink:
        backfill(
            client,
            ["ohlcv", "open_interest", "funding_settlement", "long_short_ratio"],
            ["BTC/USDT:USDT"],
            "1h",
            NOW_DT - 48 * H,
            sink=sink,
        )

        candles = sink.read(Kind.OHLCV).to_polars()
        interest = sink.read(Kind.OPEN_INTEREST).to_polars()
        settlements = sink.read(Kind.FUNDING_SETTLEMENT).to_polars()
        ratios = sink.read(Kind.LONG_SHORT_RATIO).to_polars()
    assert candles.height == 48
    assert interest.filter(unit="base").height == 48
    assert ratios["ts"].to_list() == [NOW_DT - 48 * H + H * n for n in range(48)]
    assert settlements["ts"].to_list() == [NOW_DT - 48 * H + 8 * H * n for n in range(6)]


@pytest.mark.parametrize("venue_id", ["bybit"])
def test_a_second_backfill_of_bybit_inverse_open_interest_resumes_from_its_usd_series(
    client: Ccxt, venue: FakeVenue, tmp_path: Path
) -> None:
    # ccxt gives Bybit's inverse open interest as a value only (USD): the series a pipeline
    # resumes from is that one, not an amount series that never gets a row.
    with ParquetSink(tmp_path) as sink:
        backfill(client, "open_interest", ["BTC/USD:BTC"], "1h", NOW_DT - 12 * H, sink=sink)
        stored = sink.read(Kind.OPEN_INTEREST).to_polars()
        asked = len(venue.calls)
        backfill(client, "open_interest", ["BTC/USD:BTC"], "1h", NOW_DT - 12 * H, sink=sink)

    assert set(stored["unit"]) == {"quote"}
    assert stored.height == 12
    # Only the newest bars are asked again (the pipeline's lag), not the 12 hours.
    (again,) = venue.calls[asked:]
    since = int(parse_qs(urlsplit(again).query)["startTime"][0])
    assert since > (NOW - 12 * 3600) * 1000
    assert (
        client.series("open_interest", "BTC/USD:BTC", interval="1h")["BTC/USD:BTC"]["unit"]
        == "quote"
    )


def test_watch_polls_closed_bars_and_samples_snapshots_every_interval(
    venue: FakeVenue, clock: ManualClock, limiter: RecordingLimiter, tmp_path: Path
) -> None:
    # Markets kept for the whole run: the fake venue serves no market list.
    client = Ccxt(venue.instance, clock=clock, limiter=limiter, market_ttl=86_400)
    with ParquetSink(tmp_path) as sink:
        stats = watch(
            client,
            ["ohlcv", "open_interest_snapshot", "funding_rate_snapshot"],
            ["BTC/USDT:USDT"],
            "1h",
            sink=sink,
            start=NOW_DT - 3 * H,
            delay=1.0,
            max_cycles=3,
            clock=clock,
        )

        candles = sink.read(Kind.OHLCV).to_polars()
        interest = sink.read(Kind.OPEN_INTEREST_SNAPSHOT).to_polars()
        funding = sink.read(Kind.FUNDING_RATE_SNAPSHOT).to_polars()
    assert stats.failures == 0
    # Cycles at 00:00, 01:00 and 02:00 (plus the delay): every bar closed by then, once each,
    # from the start on.
    stamps = candles["ts"].to_list()
    assert stamps[0] <= NOW_DT - 3 * H
    assert stamps[-1] == NOW_DT + H
    assert stamps == [stamps[0] + H * n for n in range(len(stamps))]
    assert interest["ts"].n_unique() == 3
    assert funding["ts"].n_unique() == 3
