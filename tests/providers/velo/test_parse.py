"""Velo's CSV bodies: explicit dtypes, with and without header, empty bodies, resampling."""

from __future__ import annotations

import polars as pl
import pytest

from cryptodata import Interval, ResponseFormatError
from cryptodata.providers.velo.parse import parse_products, parse_rows, resample, rows_schema

COLUMNS = ["close_price", "funding_rate"]
BODY = (
    b"exchange,coin,product,time,close_price,funding_rate\n"
    b"binance-futures,BTC,BTCUSDT,1783929600000,63174.9,0.0001\n"
    b"bybit,BTC,BTCUSDT,1783929600000,63170,\n"
)


def test_rows_with_a_header_parse_to_their_exact_values_with_explicit_dtypes() -> None:
    frame = parse_rows(BODY, COLUMNS)

    assert frame.schema == rows_schema(COLUMNS)
    assert frame.rows() == [
        ("binance-futures", "BTC", "BTCUSDT", 1783929600000, 63174.9, 0.0001),
        ("bybit", "BTC", "BTCUSDT", 1783929600000, 63170.0, None),
    ]


def test_rows_without_a_header_are_read_in_the_order_asked() -> None:
    frame = parse_rows(b"bybit,BTC,BTCUSDT,0,1.5,2.5\n", ["funding_rate", "close_price"])

    assert frame.row(0, named=True) == {
        "exchange": "bybit",
        "coin": "BTC",
        "product": "BTCUSDT",
        "time": 0,
        "funding_rate": 1.5,
        "close_price": 2.5,
    }


def test_a_header_in_another_order_is_read_by_name() -> None:
    frame = parse_rows(BODY, ["funding_rate", "close_price"])

    assert frame.columns[-2:] == ["funding_rate", "close_price"]
    assert frame.item(0, "close_price") == 63174.9


def test_an_empty_body_is_an_empty_typed_frame() -> None:
    assert parse_rows(b"\n", COLUMNS).schema == rows_schema(COLUMNS)
    assert parse_rows(b"", COLUMNS).height == 0


def test_a_header_naming_other_columns_is_a_format_error() -> None:
    with pytest.raises(ResponseFormatError, match="missing: dollar_volume; unexpected: funding"):
        parse_rows(BODY, ["close_price", "dollar_volume"])


def test_a_value_that_is_no_number_is_a_format_error() -> None:
    with pytest.raises(ResponseFormatError, match="not Velo CSV rows"):
        parse_rows(b"bybit,BTC,BTCUSDT,0,abc,1\n", COLUMNS)


def test_minute_rows_fold_per_column_into_the_bucket_asked() -> None:
    columns = ["open_price", "high_price", "close_price", "coin_volume", "funding_rate"]
    minutes = pl.DataFrame(
        {
            "exchange": ["bybit"] * 3,
            "coin": ["BTC"] * 3,
            "product": ["BTCUSDT"] * 3,
            "time": [0, 60_000, 120_000],
            "open_price": [10.0, 11.0, 12.0],
            "high_price": [13.0, 15.0, 14.0],
            "close_price": [11.0, 12.0, None],
            "coin_volume": [1.0, 2.0, 4.0],
            "funding_rate": [0.1, 0.2, 0.3],
        }
    )

    folded, note = resample(minutes, Interval.H1, columns)

    assert folded.rows() == [
        ("bybit", "BTC", "BTCUSDT", 0, 10.0, 15.0, 12.0, 7.0, pytest.approx(0.2))
    ]
    assert note is not None
    assert "resampled to 1 1h rows" in note
    assert "coin_volume sum" in note


def test_rows_on_the_bucket_grid_are_left_alone_without_a_warning() -> None:
    frame = parse_rows(BODY, COLUMNS)

    assert resample(frame, Interval.H1, COLUMNS) == (frame, None)


def test_a_catalogue_parses_begin_as_utc_and_depth_as_a_boolean() -> None:
    body = b"exchange,coin,product,begin,depth\nhyperliquid,BTC,BTC-USD,1718136000000,true\n"

    frame = parse_products(body, endpoint="/futures")

    assert frame.schema["begin"] == pl.Datetime("ms", "UTC")
    assert frame.rows(named=True)[0]["depth"] is True
    assert str(frame.item(0, "begin")) == "2024-06-11 20:00:00+00:00"
