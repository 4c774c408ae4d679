"""The columnar history reader and the bar-by-bar decoder agree on every body the first accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cryptodata.core.errors import ResponseFormatError
from cryptodata.providers.coinalyze import parse
from cryptodata.providers.coinalyze.endpoints import (
    LIQUIDATION_HISTORY,
    LONG_SHORT_RATIO_HISTORY,
    OHLCV_HISTORY,
    OPEN_INTEREST_HISTORY,
    Endpoint,
)
from cryptodata.providers.coinalyze.parse import _bar_by_bar, _columnar, parse_history

ENDPOINTS = [OPEN_INTEREST_HISTORY, OHLCV_HISTORY, LIQUIDATION_HISTORY, LONG_SHORT_RATIO_HISTORY]
SYMBOLS = ["BTCUSDT_PERP.A", "ETHUSDT_PERP.A", "SOL.H"]
GOOD_T = st.integers(min_value=100_000_000, max_value=32_503_680_000)
GOOD_VALUE = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**20), max_value=10**20),
)
# What a misbehaving server sends instead: times in the wrong unit, fractional or missing,
# values of the wrong type.
ANY_T = st.one_of(
    GOOD_T,
    GOOD_T.map(float),
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
    st.text(),
)
ANY_VALUE = st.one_of(GOOD_VALUE, st.booleans(), st.text(max_size=3), st.lists(st.integers()))


def _bars(endpoint: Endpoint, times: st.SearchStrategy[Any], values: st.SearchStrategy[Any]) -> Any:
    fields = [field for field, _ in endpoint.fields]
    bar = st.fixed_dictionaries(
        {"t": times}, optional=dict.fromkeys(fields, values) | {"extra": values}
    )
    return st.lists(bar, max_size=6)


def _body(endpoint: Endpoint, times: Any, values: Any) -> st.SearchStrategy[bytes]:
    series = st.fixed_dictionaries(
        {"symbol": st.sampled_from(SYMBOLS), "history": _bars(endpoint, times, values)}
    )
    return st.lists(series, max_size=4).map(lambda body: json.dumps(body).encode())


@settings(max_examples=300, deadline=None)
@given(data=st.data(), endpoint=st.sampled_from(ENDPOINTS))
def test_the_columnar_reader_gives_the_bar_by_bar_frame_or_declines(
    data: st.DataObject, endpoint: Endpoint
) -> None:
    body = data.draw(_body(endpoint, ANY_T, ANY_VALUE))
    asked = set(data.draw(st.sets(st.sampled_from(SYMBOLS), min_size=1)))

    columnar = _columnar(endpoint, body, asked)

    if columnar is None:
        return
    exact = _bar_by_bar(endpoint, body, asked)
    assert_frame_equal(columnar.frame, exact.frame)
    assert columnar.warnings == exact.warnings


@settings(max_examples=200, deadline=None)
@given(data=st.data(), endpoint=st.sampled_from(ENDPOINTS))
def test_the_columnar_reader_takes_every_well_formed_body_with_bars(
    data: st.DataObject, endpoint: Endpoint
) -> None:
    body = data.draw(_body(endpoint, GOOD_T, GOOD_VALUE))
    parsed = json.loads(body)
    if not any(series["history"] for series in parsed):
        return

    assert _columnar(endpoint, body, set(SYMBOLS)) is not None


@pytest.mark.parametrize(
    "bar",
    [
        '{"t":1748736000.5,"o":1}',
        '{"t":1748736000,"o":true}',
        '{"t":1748736000,"o":"1.5"}',
        '{"o":1}',
        '{"t":1748736000000,"o":1}',
    ],
    ids=["fractional-t", "boolean", "string", "missing-t", "t-in-ms"],
)
def test_the_columnar_reader_declines_what_only_the_strict_path_may_judge(bar: str) -> None:
    body = f'[{{"symbol":"BTC.H","history":[{bar}]}}]'.encode()

    assert _columnar(OPEN_INTEREST_HISTORY, body, {"BTC.H"}) is None


def test_a_body_the_columnar_reader_declines_still_gets_the_strict_error() -> None:
    body = b'[{"symbol":"BTC.H","history":[{"t":1748736000,"o":true}]}]'

    with pytest.raises(ResponseFormatError, match=r"history\[0\]\.o"):
        parse_history(OPEN_INTEREST_HISTORY, body, ["BTC.H"])


def test_a_time_written_as_an_integral_float_is_that_time() -> None:
    body = b'[{"symbol":"BTC.H","history":[{"t":1748736000.0,"o":1}]}]'

    strict = _bar_by_bar(OPEN_INTEREST_HISTORY, body, {"BTC.H"})

    assert strict.frame["t"].to_list() == [1748736000]
    assert strict.warnings == ()


def test_a_fractional_time_drops_its_bar_with_a_warning() -> None:
    body = b'[{"symbol":"BTC.H","history":[{"t":1748736000.5,"o":1},{"t":1748739600,"o":2}]}]'

    parsed = parse_history(OPEN_INTEREST_HISTORY, body, ["BTC.H"])

    assert parsed.frame["t"].to_list() == [1748739600]
    assert parsed.warnings == (
        "dropped 1 row(s) of BTC.H from /open-interest-history: field t is not a whole number "
        "of seconds (e.g. BTC.H t=1748736000.5); Coinalyze documents t in UNIX seconds",
    )


def test_an_answer_whose_every_time_is_fractional_is_a_format_error() -> None:
    body = b'[{"symbol":"BTC.H","history":[{"t":1748736000.5,"o":1}]}]'

    with pytest.raises(ResponseFormatError, match="field t is not a whole number of seconds"):
        parse_history(OPEN_INTEREST_HISTORY, body, ["BTC.H"])


@settings(max_examples=200, deadline=None)
@given(data=st.data(), endpoint=st.sampled_from(ENDPOINTS))
def test_a_small_answer_built_row_by_row_is_the_frame_built_column_by_column(
    data: st.DataObject, endpoint: Endpoint
) -> None:
    body = data.draw(_body(endpoint, GOOD_T, GOOD_VALUE))

    by_rows = _bar_by_bar(endpoint, body, set(SYMBOLS))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_ROW_FRAME", -1)  # every answer column by column
        by_columns = _bar_by_bar(endpoint, body, set(SYMBOLS))

    assert_frame_equal(by_rows.frame, by_columns.frame)
    assert by_rows.series == by_columns.series
