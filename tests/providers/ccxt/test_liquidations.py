"""Liquidation events: one row per liquidation, the side of the position on every venue."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ccxt
import pytest
from polars.testing import assert_frame_equal

from cryptodata import Kind, ManualClock, ParquetSink, UnsupportedError, schema
from cryptodata.pipeline import backfill
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
from cryptodata.providers.ccxt import endpoints as ep
from fakes.ccxt import NOW, FakeVenue, contracts, exchange, is_long, liquidation_times, price

from .conftest import RecordingLimiter

NOW_DT = datetime.fromtimestamp(NOW, UTC)
H = timedelta(hours=1)
VENUES = {"gate": "gateio", "htx": "huobi", "bitfinex": "bitfinex"}
CONTRACT_SIZE = {"gate": 0.0001, "htx": 0.001, "bitfinex": 1.0}


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@pytest.fixture(params=list(VENUES))
def liquidation_venue(request: pytest.FixtureRequest, clock: ManualClock) -> FakeVenue:
    return FakeVenue(exchange(request.param), clock)


@pytest.fixture
def liquidator(
    liquidation_venue: FakeVenue, clock: ManualClock, limiter: RecordingLimiter
) -> Iterator[Ccxt]:
    with Ccxt(liquidation_venue.instance, clock=clock, limiter=limiter) as client:
        yield client


def test_liquidations_are_a_table_of_the_kinds_schema_over_the_half_open_window(
    liquidator: Ccxt,
) -> None:
    table = liquidator.liquidations("BTC/USDT:USDT", start=NOW_DT - 2 * H, end=NOW_DT)
    frame = table.to_polars()

    assert frame.schema == schema(Kind.LIQUIDATION_EVENTS)
    expected = [t for t, _ in liquidation_times(ms(NOW_DT - 2 * H), ms(NOW_DT) - 1)]
    assert [ms(t) for t in frame["ts"]] == expected
    assert frame.select("provider", "exchange", "symbol", "base", "unit").unique().rows() == [
        ("ccxt", VENUES[str(liquidator.exchange.id)], "BTC/USDT:USDT", "BTC", "base")
    ]
    assert table.warnings == []


def test_side_is_the_side_of_the_liquidated_position_on_every_venue(liquidator: Ccxt) -> None:
    # Gate states it by the position size's sign, HTX by `position_side` (beside the closing
    # order's opposite `side`), Bitfinex by the position amount's sign (ccxt's side is a flag).
    frame = liquidator.liquidations("BTC/USDT:USDT", start=NOW_DT - H, end=NOW_DT).to_polars()

    events = liquidation_times(ms(NOW_DT - H), ms(NOW_DT) - 1)
    expected = {(t, "long" if is_long(n) else "short", contracts(n)) for t, n in events}
    size = CONTRACT_SIZE[str(liquidator.exchange.id)]
    got = {
        (ms(t), side, round(amount / size))
        for t, side, amount in frame.select("ts", "side", "amount").rows()
    }
    assert got == expected
    assert set(frame["side"]) == {"long", "short"}


def test_amount_is_base_and_value_the_quote_notional(liquidator: Ccxt) -> None:
    frame = liquidator.liquidations("BTC/USDT:USDT", start=NOW_DT - H, end=NOW_DT).to_polars()

    size = CONTRACT_SIZE[str(liquidator.exchange.id)]
    events = liquidation_times(ms(NOW_DT - H), ms(NOW_DT) - 1)
    expected = sorted((t, float(price(t)), contracts(n) * size) for t, n in events)
    got = sorted((ms(t), p, a) for t, p, a in frame.select("ts", "price", "amount").rows())
    assert [(t, p) for t, p, _ in got] == [(t, p) for t, p, _ in expected]
    assert [a for _, _, a in got] == pytest.approx([a for _, _, a in expected])
    assert frame["value"].to_list() == pytest.approx((frame["amount"] * frame["price"]).to_list())


def test_two_liquidations_in_one_millisecond_stay_apart(liquidator: Ccxt) -> None:
    frame = liquidator.liquidations("BTC/USDT:USDT", start=NOW_DT - H, end=NOW_DT).to_polars()

    on_the_hour = frame.filter(ts=NOW_DT - H)
    assert on_the_hour.height == 2
    assert on_the_hour["event_id"].n_unique() == 2


def test_event_ids_are_the_venues_or_derived_the_same_way_every_time(
    liquidator: Ccxt, liquidation_venue: FakeVenue
) -> None:
    first = liquidator.liquidations("BTC/USDT:USDT", start=NOW_DT - H, end=NOW_DT).to_polars()
    again = liquidator.liquidations("BTC/USDT:USDT", start=NOW_DT - H, end=NOW_DT).to_polars()

    assert first["event_id"].to_list() == again["event_id"].to_list()
    n = liquidation_times(ms(NOW_DT - H), ms(NOW_DT))[0][1]
    venue_ids = {"htx": str(9_000_000 + n), "bitfinex": str(7_000_000 + n)}
    own = venue_ids.get(str(liquidation_venue.instance.id))
    if own is not None:
        assert own in first["event_id"].to_list()
    else:
        assert all(len(event) == 16 for event in first["event_id"])


def test_gate_is_asked_in_seconds(clock: ManualClock, limiter: RecordingLimiter) -> None:
    venue = FakeVenue(exchange("gate"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    client.liquidations("BTC/USDT:USDT", start=NOW_DT - H, end=NOW_DT)

    (url,) = venue.calls
    assert f"from={ms(NOW_DT - H) // 1000}&" in url
    assert url.endswith(f"to={ms(NOW_DT) // 1000}")


def test_a_full_page_warns_that_its_hour_may_hold_more(
    clock: ManualClock, limiter: RecordingLimiter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ep._CAPS, "htx", {ep.LIQUIDATIONS: 5})  # the hour holds 7
    client = Ccxt(FakeVenue(exchange("htx"), clock).instance, clock=clock, limiter=limiter)

    table = client.liquidations("BTC/USDT:USDT", start=NOW_DT - H, end=NOW_DT)

    assert len(table) == 5
    (warning,) = table.warnings
    assert "answered a full page of 5 liquidations of BTC/USDT:USDT" in warning


@pytest.mark.parametrize("exchange_id", ["binanceusdm", "bybit"])
def test_a_venue_streaming_its_liquidations_is_unsupported_before_any_request(
    exchange_id: str, clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange(exchange_id), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    with pytest.raises(UnsupportedError, match=rf"{exchange_id}: .*has no fetchLiquidations"):
        client.liquidations("BTC/USDT:USDT", start=NOW_DT - H)

    assert venue.calls == []


def test_deribit_bankruptcy_settlements_are_not_liquidation_events() -> None:
    client = Ccxt(ccxt.deribit())

    with pytest.raises(UnsupportedError, match=r"deribit: .*bankruptcy settlements"):
        client.liquidations("BTC/USD:BTC", start=NOW_DT - H)


def test_a_backfill_stores_every_event_keyed_past_ts(
    clock: ManualClock, limiter: RecordingLimiter, tmp_path: Path
) -> None:
    client = Ccxt(FakeVenue(exchange("gate"), clock).instance, clock=clock, limiter=limiter)

    with ParquetSink(tmp_path) as sink:
        backfill(client, ["liquidation_events"], ["BTC/USDT:USDT"], "1h", NOW_DT - 3 * H, sink=sink)
        stored = sink.read(Kind.LIQUIDATION_EVENTS).to_polars()

    assert stored.height == len(liquidation_times(ms(NOW_DT - 3 * H), ms(NOW_DT) - 1))
    assert stored.filter(ts=NOW_DT - H).height == 2


def test_the_async_twin_returns_what_the_blocking_call_returns(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    blocking = Ccxt(FakeVenue(exchange("htx"), clock).instance, clock=clock, limiter=limiter)
    instance = FakeVenue(exchange("htx", asynchronous=True), clock).instance

    async def run() -> object:
        async with AsyncCcxt(instance, clock=clock, limiter=limiter) as concurrent:
            return await concurrent.liquidations("BTC/USDT:USDT", start=NOW_DT - 2 * H, end=NOW_DT)

    got = asyncio.run(run())
    expected = blocking.liquidations("BTC/USDT:USDT", start=NOW_DT - 2 * H, end=NOW_DT)

    assert_frame_equal(got.to_polars(), expected.to_polars())  # type: ignore[attr-defined]
