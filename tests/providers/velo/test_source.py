"""Velo as a source: metric series by symbol, planned steps, and pipelines on the fake."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import attrs
import httpx
import pytest

from cryptodata import AsyncVelo, JsonlSink, Kind, ManualClock, ValidationError, Velo
from cryptodata.core.source import AsyncSource, Source
from cryptodata.pipeline import abackfill, backfill, update

from .fake import KEY, NOW_DT, FakeVelo, truth

H = timedelta(hours=1)
SYMBOLS = [
    "price@binance-futures:BTCUSDT",
    "open_interest_usd@binance-futures:BTCUSDT",
    "price@bybit:BTCUSDT",
    "funding_rate@okex-swap:BTC-USDT-SWAP",
]


def test_both_clients_are_sources(ve: Velo, fake: FakeVelo) -> None:
    assert isinstance(ve, Source)
    assert isinstance(AsyncVelo(api_key=KEY, clock=fake.clock), AsyncSource)


def test_series_name_each_symbols_key_columns(ve: Velo) -> None:
    found = ve.series("metric", SYMBOLS[:1], interval="1h")

    assert found == {
        "price@binance-futures:BTCUSDT": {
            "provider": "velo",
            "provider_id": "binance-futures:BTCUSDT",
            "metric": "price",
            "interval": "1h",
        }
    }


def test_history_steps_batch_series_into_grids_under_the_cap(ve: Velo) -> None:
    steps = ve.history_steps("metric", SYMBOLS, interval="1h", start=NOW_DT - 24 * H, end=NOW_DT)

    assert [step.symbols for step in steps] == [
        ("price@binance-futures:BTCUSDT", "open_interest_usd@binance-futures:BTCUSDT"),
        ("price@bybit:BTCUSDT",),
        ("funding_rate@okex-swap:BTC-USDT-SWAP",),
    ]
    assert {(step.start, step.end, step.cost) for step in steps} == {(NOW_DT - 24 * H, NOW_DT, 1)}


def test_a_step_fetches_exactly_its_series_in_one_request(ve: Velo, fake: FakeVelo) -> None:
    (step, *_) = ve.history_steps(
        "metric", SYMBOLS, interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
    )

    frame = ve.fetch(step).to_polars()

    assert len(fake.of("/rows")) == 1
    assert sorted(set(frame["metric"])) == ["open_interest_usd", "price"]
    assert set(frame["provider_id"]) == {"binance-futures:BTCUSDT"}
    assert frame.height == 2 * 3


@pytest.mark.parametrize(
    "symbol",
    [
        "price@BTCUSDT",  # no exchange
        "volume_usd_24h@bybit:BTCUSDT",  # a daily name at 1h
        "3m_basis_ann@bybit:BTC",  # the basis names no exchange
        "iv_1w@deribit:BTC",  # an options column asked of a futures client
        "no-at-sign",
    ],
)
def test_malformed_symbols_are_refused_without_io(ve: Velo, fake: FakeVelo, symbol: str) -> None:
    with pytest.raises(ValidationError):
        ve.history_steps("metric", [symbol], interval="1h", start=NOW_DT - H, end=NOW_DT)

    assert fake.calls == []


def test_a_backfill_writes_every_series_and_a_rerun_adds_no_duplicate(
    ve: Velo, fake: FakeVelo, tmp_path: Path
) -> None:
    start = NOW_DT - 48 * H
    with JsonlSink(tmp_path) as sink:
        first = backfill(ve, "metric", SYMBOLS, "1h", start, NOW_DT, sink=sink)
        again = backfill(ve, "metric", SYMBOLS, "1h", start, NOW_DT, sink=sink)
        stored = sink.read(Kind.METRIC).to_polars()

    assert first.rows_written == 4 * 48
    assert stored.height == 4 * 48
    assert stored.select("provider_id", "metric", "ts").is_duplicated().sum() == 0
    assert again.requests >= 1  # the rerun re-reads only the lag bars
    price = stored.filter(provider_id="bybit:BTCUSDT").sort("ts")
    assert price["value"][0] == truth(
        "bybit", "BTCUSDT", "close_price", int(start.timestamp() * 1000)
    )


def test_an_update_resumes_from_the_newest_stored_bar(
    ve: Velo, fake: FakeVelo, clock: ManualClock, tmp_path: Path
) -> None:
    with JsonlSink(tmp_path) as sink:
        backfill(ve, "metric", SYMBOLS[:1], "1h", NOW_DT - 10 * H, NOW_DT, sink=sink)
        clock.advance(3 * 3_600)
        before = len(fake.of("/rows"))
        update(ve, "metric", SYMBOLS[:1], "1h", sink=sink)
        stored = sink.read(Kind.METRIC).to_polars()

    (call,) = fake.of("/rows")[before:]
    assert int(call.params["begin"]) == int((NOW_DT - 3 * H).timestamp() * 1000)
    assert stored["ts"].sort().to_list() == [NOW_DT - 10 * H + hour * H for hour in range(13)]


def test_the_async_backfill_stores_what_the_blocking_one_does(
    fake: FakeVelo, tmp_path: Path
) -> None:
    client = AsyncVelo(
        api_key=KEY, clock=fake.clock, http_transport=httpx.MockTransport(fake.handle)
    )
    with JsonlSink(tmp_path) as sink:
        asyncio.run(abackfill(client, "metric", SYMBOLS, "1h", NOW_DT - 6 * H, NOW_DT, sink=sink))
        stored = sink.read(Kind.METRIC).to_polars()

    assert stored.height == 4 * 6


def test_markets_are_an_empty_typed_table(ve: Velo) -> None:
    assert len(ve.markets()) == 0
    assert ve.markets().kind is Kind.MARKETS


def test_basis_series_are_one_coin_request_without_exchanges(ve: Velo, fake: FakeVelo) -> None:
    (step,) = ve.history_steps(
        "metric",
        ["3m_basis_ann@BTC", "3m_basis_ann@ETH"],
        interval="1d",
        start=NOW_DT - 72 * H,
        end=NOW_DT,
    )

    frame = ve.fetch(step).to_polars()

    (call,) = fake.of("/rows")
    assert call.params["coins"] == "BTC,ETH"
    assert "exchanges" not in call.params
    assert sorted(set(frame["provider_id"])) == ["BTC", "ETH"]
    assert set(frame["entity"]) == {"bitcoin", "ethereum"}


def test_a_hand_made_step_that_is_no_grid_is_refused(ve: Velo, fake: FakeVelo) -> None:
    (one, two, *_) = ve.history_steps(
        "metric", SYMBOLS, interval="1h", start=NOW_DT - H, end=NOW_DT
    )
    mixed = attrs.evolve(one, symbols=(*one.symbols, *two.symbols))

    with pytest.raises(ValidationError, match="one request's grid"):
        ve.fetch(mixed)

    assert fake.calls == []
