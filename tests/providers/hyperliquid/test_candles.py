"""`Hyperliquid.candles`: OHLCV over `[start, end)`, the newest 5,000 bars, no forming bar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cryptodata import Kind, UnsupportedError, ValidationError, schema
from cryptodata.core.clock import ManualClock
from cryptodata.providers.hyperliquid.client import Hyperliquid
from fakes.hyperliquid import NOW, FakeHyperliquid, candle_price

from .conftest import RecordingLimiter

NOW_DT = datetime.fromtimestamp(NOW, UTC)
HOUR = timedelta(hours=1)


def test_candles_are_ohlcv_rows_in_the_kinds_schema(hl: Hyperliquid) -> None:
    table = hl.candles("BTC", interval="1h", start=NOW_DT - 3 * HOUR, end=NOW_DT)

    frame = table.to_polars()
    assert table.kind is Kind.OHLCV
    assert frame.schema == schema(Kind.OHLCV)
    assert frame["ts"].to_list() == [NOW_DT - 3 * HOUR, NOW_DT - 2 * HOUR, NOW_DT - HOUR]
    assert set(frame["provider"]) == set(frame["exchange"]) == {"hyperliquid"}
    assert set(frame["interval"]) == {"1h"}
    assert set(frame["unit"]) == {"base"}


def test_prices_are_the_decimal_strings_read_exactly(hl: Hyperliquid) -> None:
    table = hl.candles("ETH", interval="1h", start=NOW_DT - HOUR, end=NOW_DT)

    row = table.to_records()[0]
    t = int((NOW_DT - HOUR).timestamp() * 1000)
    assert (row.open, row.close, row.high, row.low) == (
        candle_price("ETH", t) - 0.5,
        candle_price("ETH", t),
        candle_price("ETH", t) + 1.0,
        candle_price("ETH", t) - 1.0,
    )


def test_trades_come_from_n_and_buy_columns_are_null(hl: Hyperliquid) -> None:
    frame = hl.candles("BTC", interval="1h", start=NOW_DT - 2 * HOUR).to_polars()

    assert frame["trades"].null_count() == 0
    assert frame["buy_volume"].null_count() == frame["buy_trades"].null_count() == frame.height


def test_a_thousand_token_contract_keeps_its_name_and_counts_contracts(hl: Hyperliquid) -> None:
    record = hl.candles("kPEPE", interval="1h", start=NOW_DT - HOUR).to_records()[0]

    assert (record.symbol, record.base, record.unit) == ("kPEPE", "PEPE", "contracts")


def test_a_builder_deployed_perp_keeps_its_dex_in_the_symbol(hl: Hyperliquid) -> None:
    record = hl.candles("xyz:TSLA", interval="1h", start=NOW_DT - HOUR).to_records()[0]

    assert (record.symbol, record.base, record.unit) == ("xyz:TSLA", "TSLA", "base")


def test_the_forming_bar_is_left_out_until_it_closes(hl: Hyperliquid, clock: ManualClock) -> None:
    clock.advance(1_800)
    forming = hl.candles("BTC", interval="1h", start=NOW_DT - HOUR).to_polars()
    clock.advance(1_800)
    closed = hl.candles("BTC", interval="1h", start=NOW_DT - HOUR).to_polars()

    assert forming["ts"].to_list() == [NOW_DT - HOUR]
    assert closed["ts"].to_list() == [NOW_DT - HOUR, NOW_DT]


def test_the_window_is_half_open_and_sent_with_an_inclusive_end(
    hl: Hyperliquid, fake: FakeHyperliquid
) -> None:
    start, end = NOW_DT - 5 * HOUR, NOW_DT - 2 * HOUR

    frame = hl.candles("BTC", interval="1h", start=start, end=end).to_polars()

    assert frame["ts"].to_list() == [start, start + HOUR, start + 2 * HOUR]
    (call,) = fake.of("candleSnapshot")
    assert call.body["req"] == {
        "coin": "BTC",
        "interval": "1h",
        "startTime": int(start.timestamp() * 1000),
        "endTime": int(end.timestamp() * 1000) - 1,
    }


def test_a_start_before_the_newest_5000_bars_warns_where_they_begin(hl: Hyperliquid) -> None:
    table = hl.candles("BTC", interval="1m", start=NOW_DT - timedelta(days=30))

    oldest = NOW_DT - timedelta(minutes=4_999)
    assert len(table) == 4_999
    assert table.to_polars()["ts"].min() == oldest
    assert any("newest 5,000 1m candles" in w and oldest.isoformat() in w for w in table.warnings)


def test_strict_refuses_a_start_before_the_bars_kept_before_any_request(
    hl: Hyperliquid, fake: FakeHyperliquid
) -> None:
    with pytest.raises(UnsupportedError, match="newest 5,000 1h candles"):
        hl.candles("BTC", interval="1h", start="2020-01-01", strict=True)

    assert fake.calls == []


def test_a_window_entirely_before_the_bars_kept_sends_nothing(
    hl: Hyperliquid, fake: FakeHyperliquid
) -> None:
    table = hl.candles("BTC", interval="1h", start="2020-01-01", end="2020-02-01")

    assert len(table) == 0
    assert table.warnings
    assert fake.calls == []


@pytest.mark.parametrize("coin", ["", "btc usd", "BTC\n", 7, "@x"])
def test_a_malformed_coin_is_refused_before_any_request(
    hl: Hyperliquid, fake: FakeHyperliquid, coin: object
) -> None:
    with pytest.raises(ValidationError, match="Hyperliquid coin"):
        hl.candles(coin, interval="1h", start=NOW_DT - HOUR)  # type: ignore[arg-type]

    assert fake.calls == []


def test_an_interval_hyperliquid_lacks_is_refused_naming_those_it_has(
    hl: Hyperliquid, fake: FakeHyperliquid
) -> None:
    with pytest.raises(UnsupportedError, match="it offers 1m, 3m"):
        hl.candles("BTC", interval="6h", start=NOW_DT - 12 * HOUR)

    assert fake.calls == []


def test_an_unknown_coin_gives_an_empty_table_with_a_warning(hl: Hyperliquid) -> None:
    table = hl.candles("NOPE", interval="1h", start=NOW_DT - 3 * HOUR)

    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.OHLCV)
    assert any("NOPE" in warning for warning in table.warnings)


def test_a_spot_pair_takes_its_base_from_spot_meta(hl: Hyperliquid) -> None:
    (record,) = hl.candles("@107", interval="1h", start=NOW_DT - HOUR).to_records()

    assert (record.symbol, record.base, record.unit) == ("@107", "HYPE", "base")


def test_a_full_page_is_charged_the_weight_of_its_candles(
    hl: Hyperliquid, fake: FakeHyperliquid, limiter: RecordingLimiter
) -> None:
    hl.candles("BTC", interval="1m", start=NOW_DT - timedelta(days=5))

    # 4,999 bars asked (the forming one too): 20 + 84, as the server counts them.
    assert limiter.charged == [104]
    assert fake.spent() == 104


def test_an_answer_heavier_than_planned_is_charged_the_difference(
    hl: Hyperliquid, fake: FakeHyperliquid, limiter: RecordingLimiter
) -> None:
    candle = '{"t":1,"T":2,"s":"BTC","i":"1h","o":"1","c":"1","h":"1","l":"1","v":"1","n":1}'
    fake.overrides["candleSnapshot"] = f"[{','.join([candle] * 200)}]".encode()

    hl.candles("BTC", interval="1h", start=NOW_DT - 2 * HOUR)

    # Planned for 2 bars (21); the answer held 200 (24): the 3 more are charged after it.
    assert limiter.charged == [21, 3]
