"""Replay mode: real ccxt instances answered by the bundled samples, with no network."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from polars.testing import assert_frame_equal

from cryptodata import BadRequestError, Kind, ParquetSink, Table, UnsupportedError, ValidationError
from cryptodata.pipeline import backfill
from cryptodata.providers.ccxt.replay import (
    RECORDED_AT,
    SAMPLE,
    sample_async_client,
    sample_client,
    sample_exchange,
)

NOW = datetime.fromtimestamp(RECORDED_AT, UTC)
START = datetime.fromisoformat(SAMPLE.start)
H = timedelta(hours=1)
CANONICAL = {"binanceusdm": "binance", "bybit": "bybit", "hyperliquid": "hyperliquid"}
PAIRS = [(venue, symbol) for venue in SAMPLE.venues for symbol in SAMPLE.symbols[venue]]
WITH_OI_HISTORY = [(venue, symbol) for venue, symbol in PAIRS if venue != "hyperliquid"]
SETTLEMENT_HOURS = {"binanceusdm": 8, "bybit": 8, "hyperliquid": 1}


def _ts(table: Table[Any]) -> list[datetime]:
    return table.to_polars()["ts"].to_list()


def test_the_samples_end_48_hours_after_they_start() -> None:
    assert NOW - START == 48 * H
    assert datetime(2025, 7, 1, tzinfo=UTC) == NOW


@pytest.mark.parametrize(("venue", "symbol"), PAIRS)
def test_ohlcv_holds_the_48_hourly_candles_before_recording(venue: str, symbol: str) -> None:
    with sample_client(venue) as client:
        table = client.ohlcv(symbol, interval=SAMPLE.interval, start=SAMPLE.start)

    frame = table.to_polars()
    assert len(table) == 48
    assert _ts(table) == [START + n * H for n in range(48)]
    assert frame["exchange"].unique().to_list() == [CANONICAL[venue]]
    assert frame["symbol"].unique().to_list() == [symbol]
    assert table.warnings == []


@pytest.mark.parametrize(("venue", "symbol"), WITH_OI_HISTORY)
def test_open_interest_history_holds_48_hourly_samples(venue: str, symbol: str) -> None:
    with sample_client(venue) as client:
        table = client.open_interest_history(symbol, interval=SAMPLE.interval, start=SAMPLE.start)

    amounts = table.to_polars().filter(unit="base")
    assert amounts.height == 48
    assert amounts["ts"].to_list() == [START + n * H for n in range(48)]
    assert amounts["exchange"].unique().to_list() == [CANONICAL[venue]]
    assert table.warnings == []


def test_binance_open_interest_history_also_holds_the_value_in_quote() -> None:
    with sample_client("binanceusdm") as client:
        table = client.open_interest_history(
            "BTC/USDT:USDT", interval=SAMPLE.interval, start=SAMPLE.start
        )

    assert table.to_polars().filter(unit="quote").height == 48


def test_hyperliquid_has_no_open_interest_history_as_its_coverage_says() -> None:
    with sample_client("hyperliquid") as client:
        assert Kind.OPEN_INTEREST not in {k.kind for k in client.coverage().kinds}
        with pytest.raises(UnsupportedError, match="fetchOpenInterestHistory"):
            client.open_interest_history("BTC/USDC:USDC", interval="1h", start=SAMPLE.start)
        assert client.exchange.fetch.calls == []


@pytest.mark.parametrize(("venue", "symbol"), PAIRS)
def test_funding_history_holds_every_settlement_of_the_48_hours(venue: str, symbol: str) -> None:
    every = SETTLEMENT_HOURS[venue]
    with sample_client(venue) as client:
        table = client.funding_history(symbol, start=SAMPLE.start)

    frame = table.to_polars()
    # Hyperliquid stamps its settlements a few ms after the hour.
    hours = frame["ts"].dt.truncate("1h").to_list()
    assert hours == [START + n * every * H for n in range(48 // every)]
    assert frame["period_hours"].unique().to_list() == [float(every)]
    assert frame["exchange"].unique().to_list() == [CANONICAL[venue]]


@pytest.mark.parametrize("venue", SAMPLE.venues)
def test_the_snapshots_answer_both_symbols(venue: str) -> None:
    symbols = list(SAMPLE.symbols[venue])
    with sample_client(venue) as client:
        interest = client.open_interest(symbols)
        funding = client.funding_rate(symbols)

    assert interest.to_polars().filter(unit="base")["symbol"].to_list() == symbols
    assert funding.to_polars()["symbol"].to_list() == symbols
    assert interest.warnings == funding.warnings == []


@pytest.mark.parametrize("venue", SAMPLE.venues)
def test_the_markets_are_the_recorded_perpetuals_set_without_a_request(venue: str) -> None:
    with sample_client(venue) as client:
        markets = client.markets()

        assert client.exchange.fetch.calls == []
    assert sorted(markets.to_polars()["symbol"].to_list()) == sorted(SAMPLE.symbols[venue])


@pytest.mark.parametrize("venue", SAMPLE.venues)
def test_no_request_leaves_the_process(venue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replay dialled out")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    symbols = list(SAMPLE.symbols[venue])
    with sample_client(venue) as client:
        client.ohlcv(symbols[0], interval="1h", start=SAMPLE.start)
        client.funding_history(symbols[0], start=SAMPLE.start)
        client.open_interest(symbols)
        client.funding_rate(symbols)

        # The router saw every call ccxt made (`fetch` is the only way out of ccxt).
        assert len(client.exchange.fetch.calls) == client.stats.sent >= 4


ASYNC_CALLS: dict[str, Callable[[Any, str], Any]] = {
    "ohlcv": lambda c, s: c.ohlcv(s, interval="1h", start=SAMPLE.start),
    "funding_history": lambda c, s: c.funding_history(s, start=SAMPLE.start),
    "open_interest_history": lambda c, s: c.open_interest_history(
        s, interval="1h", start=SAMPLE.start
    ),
}


ASYNC_CASES = [
    (venue, symbol, method)
    for venue, symbol in PAIRS
    for method in ASYNC_CALLS
    if (venue, symbol) in WITH_OI_HISTORY or method != "open_interest_history"
]


@pytest.mark.parametrize(("venue", "symbol", "method"), ASYNC_CASES)
def test_the_async_client_gives_the_same_frames(venue: str, symbol: str, method: str) -> None:
    async def run() -> Table[Any]:
        async with sample_async_client(venue) as concurrent:
            call: Awaitable[Table[Any]] = ASYNC_CALLS[method](concurrent, symbol)
            return await call

    with sample_client(venue) as blocking:
        expected: Table[Any] = ASYNC_CALLS[method](blocking, symbol)
    got = asyncio.run(run())

    assert len(got) > 0
    assert_frame_equal(got.to_polars(), expected.to_polars())
    assert got.warnings == expected.warnings


def test_an_unlisted_symbol_raises_a_validation_error_before_any_request() -> None:
    with sample_client("bybit") as client:
        with pytest.raises(ValidationError, match="lists no market 'SOL/USDT:USDT'"):
            client.ohlcv("SOL/USDT:USDT", interval="1h", start=SAMPLE.start)
        assert client.exchange.fetch.calls == []


def test_an_unrecorded_interval_raises_a_bad_request_naming_what_is_recorded() -> None:
    with (
        sample_client("binanceusdm") as client,
        pytest.raises(BadRequestError, match=r"interval=4h; the samples hold 1h only"),
    ):
        client.ohlcv("BTC/USDT:USDT", interval="4h", start=SAMPLE.start)


def test_an_unrecorded_endpoint_raises_a_bad_request_naming_what_is_recorded() -> None:
    with (
        sample_client("bybit") as client,
        pytest.raises(
            BadRequestError, match=r"nothing recorded for /v5/market/account-ratio; the samples"
        ),
    ):
        client.long_short_ratio_history("BTC/USDT:USDT", interval="1h", start=SAMPLE.start)


@pytest.mark.parametrize("venue", SAMPLE.venues)
def test_a_window_reaching_before_the_samples_raises_a_bad_request(venue: str) -> None:
    with (
        sample_client(venue) as client,
        pytest.raises(BadRequestError, match=r"asked from 2025-06-28T00:00:00Z; the samples hold"),
    ):
        client.ohlcv(SAMPLE.symbols[venue][0], interval="1h", start=START - 24 * H)


def test_other_venues_raise_a_validation_error_naming_the_recorded_ones() -> None:
    with pytest.raises(ValidationError, match="binanceusdm, bybit, hyperliquid; not 'okx'"):
        sample_exchange("okx")


def test_the_router_answers_bybit_newest_first_inside_its_envelope() -> None:
    exchange = sample_exchange("bybit")
    lo = int(RECORDED_AT * 1000) - 10 * 3_600_000

    answer = exchange.fetch(
        f"https://api.bybit.com/v5/market/kline?symbol=BTCUSDT&interval=60&category=linear"
        f"&start={lo}&end={lo + 5 * 3_600_000}&limit=3"
    )

    assert answer["retCode"] == 0
    times = [row[0] for row in answer["result"]["list"]]
    assert times == [str(lo + n * 3_600_000) for n in (2, 1, 0)]


def test_ccxt_pages_over_the_samples_with_a_small_limit() -> None:
    exchange = sample_exchange("binanceusdm")
    since = int(RECORDED_AT * 1000) - 48 * 3_600_000

    first = exchange.fetch_ohlcv("BTC/USDT:USDT", "1h", since, 20)
    second = exchange.fetch_ohlcv("BTC/USDT:USDT", "1h", first[-1][0] + 1, 20)

    assert len(first) == len(second) == 20
    assert second[0][0] == first[-1][0] + 3_600_000


@pytest.mark.parametrize("venue", SAMPLE.venues)
def test_a_backfill_of_both_symbols_into_parquet_stores_the_48_hours(
    venue: str, tmp_path: Path
) -> None:
    symbols = list(SAMPLE.symbols[venue])
    offers_history = (venue, symbols[0]) in WITH_OI_HISTORY
    kinds = ["ohlcv", "funding_settlement", *(["open_interest"] if offers_history else [])]
    with sample_client(venue) as client, ParquetSink(tmp_path) as sink:
        report = backfill(client, kinds, symbols, SAMPLE.interval, SAMPLE.start, sink=sink)

        candles = sink.read(Kind.OHLCV).to_polars()
        settlements = sink.read(Kind.FUNDING_SETTLEMENT).to_polars()
        interest = sink.read(Kind.OPEN_INTEREST).to_polars() if offers_history else None
    assert report.warnings == []
    every = SETTLEMENT_HOURS[venue]
    for symbol in symbols:
        assert candles.filter(symbol=symbol)["ts"].to_list() == [START + n * H for n in range(48)]
        assert settlements.filter(symbol=symbol).height == 48 // every
        if interest is not None:
            assert interest.filter(symbol=symbol, unit="base").height == 48


def test_markets_past_their_ttl_are_the_samples_again_with_no_request() -> None:
    # A long offline watch outlives the client's market_ttl: the reload must not fail.
    with sample_client("bybit") as client:
        client.ohlcv("BTC/USDT:USDT", interval=SAMPLE.interval, start=SAMPLE.start)
        asked = len(client._exchange.fetch.calls)
        client.clock.advance(2 * 3600)

        table = client.ohlcv("BTC/USDT:USDT", interval=SAMPLE.interval, start=SAMPLE.start)

    assert len(table) == 48
    # One request: the candles; the markets were set again, not fetched.
    (candles,) = client._exchange.fetch.calls[asked:]
    assert "/kline" in candles
