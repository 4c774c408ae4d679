"""History endpoints through the fake: windows, splitting, de-duplication, units, empties, retention."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from cryptodata import Coinalyze, Kind, ManualClock, ResponseFormatError, ValidationError, schema

from .conftest import (
    API_KEY,
    BASE_URL,
    METHODS,
    NOW,
    NOW_DT,
    FakeCoinalyze,
    assert_exact,
    percent_to_fraction,
    windows_of,
)

H = timedelta(hours=1)
D = timedelta(days=1)
DATA_METHODS = list(METHODS)


@pytest.mark.parametrize("method", DATA_METHODS)
def test_frame_equals_fake_truth_for_window(
    cz: Coinalyze, fake: FakeCoinalyze, method: str
) -> None:
    symbols = ["BTCUSDT_PERP.A", "BTCUSDT.6", "S3USDT_PERP.A"]
    start, end = NOW_DT - 48 * H, NOW_DT - 6 * H

    table = getattr(cz, method)(symbols, interval="1h", start=start, end=end)

    expected = fake.truth(method, symbols, "1h", start, end)
    assert table.kind is METHODS[method].kind
    assert len(table) == 3 * 42
    assert_exact(table.to_polars(), expected)
    assert table.warnings == []


def test_half_open_window_sends_from_start_and_to_end_minus_one(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    start, end = datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 2, tzinfo=UTC)

    table = cz.funding_rate_history("BTCUSDT_PERP.A", interval="1h", start=start, end=end)

    (call,) = fake.data_calls
    assert call.path == "/funding-rate-history"
    assert call.params == (
        ("symbols", "BTCUSDT_PERP.A"),
        ("interval", "1hour"),
        ("from", "1748736000"),
        ("to", "1748822399"),
    )
    ts = table.to_polars().get_column("ts")
    assert ts.len() == 24
    assert ts.min() == start
    assert ts.max() == end - H


def test_naive_datetimes_and_dates_are_utc(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    cz.ohlcv_history("BTC.H", interval="1h", start=datetime(2025, 6, 30, 22), end=date(2025, 7, 1))
    cz.ohlcv_history("BTC.H", interval="1h", start="2025-06-30T22:00", end="2025-07-01T02:00+02:00")

    assert windows_of(fake.data_calls) == [(1751320800, 1751327999), (1751320800, 1751327999)]


def test_repeated_symbols_are_requested_once(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.liquidation_history(
        ["BTC.H", "BTCUSDT.6", "BTC.H"], interval="1h", start=NOW_DT - 2 * H, end=NOW_DT
    )

    assert fake.data_calls[0].symbols == ["BTC.H", "BTCUSDT.6"]
    assert fake.data_calls[0].cost == 2
    assert len(table) == 4


def test_unaligned_window_keeps_bars_starting_inside_it(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    start = datetime(2025, 6, 1, 9, 23, 15, tzinfo=UTC)
    end = datetime(2025, 6, 1, 14, 0, 1, tzinfo=UTC)

    table = cz.open_interest_history("BTCUSDT_PERP.A", interval="1h", start=start, end=end)

    assert windows_of(fake.data_calls) == [(1748769795, 1748786400)]
    assert table.to_polars().get_column("ts").to_list() == [
        datetime(2025, 6, 1, hour, tzinfo=UTC) for hour in (10, 11, 12, 13, 14)
    ]


def test_long_daily_range_is_split_into_contiguous_windows(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    with Coinalyze(
        api_key=API_KEY, clock=clock, base_url=BASE_URL, max_points_per_request=100
    ) as client:
        table = client.liquidation_history(
            ["BTCUSDT_PERP.A", "BTCUSDT.6"], interval="daily", start=start, end=end
        )

    windows = windows_of(fake.data_calls)
    assert len(windows) == 19  # 1,827 days / 100 per request
    assert windows[0] == (1577836800, 1577836800 + 100 * 86400 - 1)
    assert windows[-1][1] == 1735689599
    for (_, previous_to), (next_from, _) in itertools.pairwise(windows):
        assert next_from == previous_to + 1
    assert all(to - lo + 1 <= 100 * 86400 for lo, to in windows)
    assert len(table) == 2 * 1827
    expected = fake.truth("liquidation_history", ["BTCUSDT_PERP.A", "BTCUSDT.6"], "1d", start, end)
    assert_exact(table.to_polars(), expected)


def test_overlapping_and_unsorted_answers_are_deduplicated_and_sorted(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.extra_bars_after_to = 3  # every window also returns 3 bars of the next one
    fake.reverse = True  # newest first
    start, end = NOW_DT - 40 * H, NOW_DT - 2 * H
    with Coinalyze(
        api_key=API_KEY, clock=clock, base_url=BASE_URL, max_points_per_request=10
    ) as client:
        table = client.open_interest_history(
            ["BTCUSDT_PERP.A", "BTC.H"], interval="1h", start=start, end=end
        )

    assert len(fake.data_calls) == 4
    frame = table.to_polars()
    assert len(table) == 2 * 38
    assert frame.select("provider", "exchange", "symbol", "ts").is_duplicated().sum() == 0
    assert_exact(
        frame, fake.truth("open_interest_history", ["BTCUSDT_PERP.A", "BTC.H"], "1h", start, end)
    )


def test_bars_after_end_are_dropped(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.extra_bars_after_to = 5
    start, end = NOW_DT - 10 * H, NOW_DT - 4 * H

    table = cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=start, end=end)

    assert table.to_polars().get_column("ts").max() == end - H
    assert len(table) == 6


def test_open_bucket_is_kept_when_end_defaults_to_now(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock
) -> None:
    clock.advance(1800)  # 00:30, inside the 00:00 bucket

    table = cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 2 * H)

    assert windows_of(fake.data_calls) == [(int(NOW) - 7200, int(NOW) + 1799)]
    assert table.to_polars().get_column("ts").to_list() == [NOW_DT - 2 * H, NOW_DT - H, NOW_DT]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("funding_rate_history", "/funding-rate-history"),
        ("predicted_funding_rate_history", "/predicted-funding-rate-history"),
    ],
)
def test_funding_values_are_api_percent_divided_by_100(
    cz: Coinalyze, fake: FakeCoinalyze, method: str, path: str
) -> None:
    sent = [fake.point(path, "BTCUSDT_PERP.A", int(NOW) - hours * 3600) for hours in (3, 2, 1)]

    table = getattr(cz, method)("BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT)

    got = table.to_polars().select("open", "high", "low", "close").rows()
    want = [
        tuple(percent_to_fraction(bar[field]) for field in ("o", "h", "l", "c")) for bar in sent
    ]
    assert got == want
    assert max(abs(v) for row in got for v in row) < 0.0003  # fractions, not percent


def test_unit_column_follows_each_markets_denomination(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.open_interest_history(
        ["BTCUSD_PERP.A", "BTCUSDT_PERP.A", "BTCUSDT_PERP.3"],
        interval="1h",
        start=NOW_DT - H,
        end=NOW_DT,
    )

    units = dict(table.to_polars().select("symbol", "unit").iter_rows())
    assert units == {
        "BTCUSD_PERP.A": "quote",
        "BTCUSDT_PERP.A": "base",
        "BTCUSDT_PERP.3": "contracts",
    }
    assert fake.data_calls[0].param_dict["convert_to_usd"] == "false"


@pytest.mark.parametrize("method", ["open_interest_history", "liquidation_history"])
def test_convert_to_usd_sends_true_and_labels_unit_usd(
    cz: Coinalyze, fake: FakeCoinalyze, method: str
) -> None:
    symbols = ["BTCUSD_PERP.A", "BTCUSDT_PERP.3"]
    start, end = NOW_DT - 3 * H, NOW_DT

    table = getattr(cz, method)(symbols, interval="1h", start=start, end=end, convert_to_usd=True)

    assert fake.data_calls[0].param_dict["convert_to_usd"] == "true"
    assert table.to_polars().get_column("unit").unique().to_list() == ["usd"]
    assert_exact(
        table.to_polars(), fake.truth(method, symbols, "1h", start, end, convert_to_usd=True)
    )


def test_ohlcv_works_for_spot_symbols(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    start, end = NOW_DT - 4 * H, NOW_DT

    table = cz.ohlcv_history("BTCUSD.A", interval="1h", start=start, end=end)

    frame = table.to_polars()
    assert frame.get_column("exchange").unique().to_list() == ["binance"]
    assert frame.get_column("unit").unique().to_list() == ["base"]
    assert_exact(frame, fake.truth("ohlcv_history", ["BTCUSD.A"], "1h", start, end))


def test_ohlcv_trade_counts_are_int64(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=NOW_DT - H, end=NOW_DT)

    frame = table.to_polars()
    assert frame.schema["trades"] == pl.Int64
    assert frame.schema["buy_trades"] == pl.Int64
    sent = fake.point("/ohlcv-history", "BTCUSDT_PERP.A", int(NOW) - 3600)
    assert frame.row(0, named=True)["trades"] == sent["tx"]
    assert frame.row(0, named=True)["buy_trades"] == sent["btx"]


@pytest.mark.parametrize("mode", ["empty", "omit"])
def test_silent_symbol_gives_empty_typed_table_and_warning(
    cz: Coinalyze, fake: FakeCoinalyze, mode: str
) -> None:
    fake.silence("BTC.H", mode, path="/liquidation-history")  # type: ignore[arg-type]

    table = cz.liquidation_history("BTC.H", interval="1h", start=NOW_DT - 5 * H, end=NOW_DT)

    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.LIQUIDATIONS)
    assert table.warnings == [
        "no liquidations data from /liquidation-history for BTC.H (the venue may not report it, "
        "or the window is outside what Coinalyze keeps)"
    ]
    assert len(fake.data_calls) == 1


def test_all_unknown_to_the_server_gives_empty_typed_table(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.silence("BTCUSDT_PERP.A", "omit")
    fake.silence("BTCUSDT.6", "omit")

    table = cz.open_interest_history(
        ["BTCUSDT_PERP.A", "BTCUSDT.6"], interval="1h", start=NOW_DT - H, end=NOW_DT
    )

    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.OPEN_INTEREST)
    assert len(table.warnings) == 1
    assert "BTCUSDT_PERP.A, BTCUSDT.6" in table.warnings[0]


@pytest.mark.parametrize("mode", ["empty", "omit"])
def test_silent_symbol_in_a_batch_with_answering_ones(
    cz: Coinalyze, fake: FakeCoinalyze, mode: str
) -> None:
    fake.silence("BTC.H", mode)  # type: ignore[arg-type]
    symbols = ["BTC.H", "BTCUSDT_PERP.A", "BTCUSDT.6"]
    start, end = NOW_DT - 5 * H, NOW_DT

    table = cz.liquidation_history(symbols, interval="1h", start=start, end=end)

    assert len(fake.data_calls) == 1
    assert_exact(table.to_polars(), fake.truth("liquidation_history", symbols, "1h", start, end))
    assert len(table) == 10
    assert table.warnings == [
        "no liquidations data from /liquidation-history for BTC.H (the venue may not report it, "
        "or the window is outside what Coinalyze keeps)"
    ]


def test_long_short_ratio_without_coverage_is_skipped_before_sending(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    table = cz.long_short_ratio_history(
        "BTCUSDT_PERP.3", interval="1h", start=NOW_DT - H, end=NOW_DT
    )

    assert fake.data_calls == []
    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.LONG_SHORT_RATIO)
    assert table.warnings == [
        "skipped BTCUSDT_PERP.3: Coinalyze lists no long_short_ratio data for it "
        "(has_long_short_ratio_data is false)"
    ]


def test_long_short_ratio_requests_only_covered_symbols(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    start, end = NOW_DT - 2 * H, NOW_DT

    table = cz.long_short_ratio_history(
        ["BTCUSDT_PERP.3", "BTCUSDT.6", "BTC.H"], interval="1h", start=start, end=end
    )

    (call,) = fake.data_calls
    assert call.symbols == ["BTCUSDT.6"]
    assert call.cost == 1
    assert table.warnings == [
        "skipped BTCUSDT_PERP.3, BTC.H: Coinalyze lists no long_short_ratio data for them "
        "(has_long_short_ratio_data is false)"
    ]
    assert_exact(
        table.to_polars(), fake.truth("long_short_ratio_history", ["BTCUSDT.6"], "1h", start, end)
    )


def test_ohlcv_without_coverage_is_skipped(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.ohlcv_history("NOOHLCV_PERP.A", interval="1h", start=NOW_DT - H, end=NOW_DT)

    assert fake.data_calls == []
    assert len(table) == 0
    assert table.warnings == [
        "skipped NOOHLCV_PERP.A: Coinalyze lists no ohlcv data for it (has_ohlcv_data is false)"
    ]


def test_hourly_start_older_than_retention_warns_and_still_sends(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    oldest = int(NOW) - 1500 * 3600
    fake.retention["BTCUSDT_PERP.A"] = oldest
    start = NOW_DT - 120 * D

    table = cz.open_interest_history("BTCUSDT_PERP.A", interval="1h", start=start, end=NOW_DT)

    assert len(fake.data_calls) == 2  # 2,880 bars at 2,000 per request
    assert windows_of(fake.data_calls)[0][0] == int(start.timestamp())
    assert len(table.warnings) == 1
    warning = table.warnings[0]
    assert "keeps only 1,500-2,000 bars at 1h (62-83 days)" in warning
    assert "bars before about 2025-04-29 12:00 UTC" in warning  # now - 1,500 h
    assert "start=2025-03-03 00:00" in warning
    frame = table.to_polars()
    assert len(frame) == 1500
    assert frame.get_column("ts").min() == datetime.fromtimestamp(oldest, UTC)


def test_daily_start_years_back_does_not_warn(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.open_interest_history(
        "BTCUSDT_PERP.A", interval="daily", start=NOW_DT - 1500 * D, end=NOW_DT
    )

    assert table.warnings == []
    assert len(table) == 1500


def test_hourly_start_inside_retention_does_not_warn(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    table = cz.open_interest_history(
        "BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 60 * D, end=NOW_DT
    )

    assert table.warnings == []
    assert len(table) == 60 * 24


def test_unparseable_body_raises_response_format_error(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.raw["/ohlcv-history"] = b'{"error": "unexpected"}'

    with pytest.raises(ResponseFormatError) as caught:
        cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=NOW_DT - H, end=NOW_DT)

    assert caught.value.endpoint == "/ohlcv-history"
    assert caught.value.body == '{"error": "unexpected"}'


@pytest.mark.parametrize("method", DATA_METHODS)
def test_history_by_kind_matches_the_named_method(cz: Coinalyze, method: str) -> None:
    symbols = ["BTCUSDT_PERP.A", "BTCUSDT.6"]
    start, end = NOW_DT - 12 * H, NOW_DT - 2 * H
    named = getattr(cz, method)(symbols, interval="1h", start=start, end=end)

    by_kind = cz.history(named.kind, symbols, interval="1h", start=start, end=end)

    assert by_kind.kind is named.kind
    assert_exact(by_kind.to_polars(), named.to_polars())


def test_history_by_kind_rejects_a_kind_without_history(cz: Coinalyze) -> None:
    with pytest.raises(ValidationError, match="no history of 'markets'"):
        cz.history("markets", "BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 2 * H)
