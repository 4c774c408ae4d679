"""`history_frame` lays answers out in key order and gives the table a join and de-dup would."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from unittest.mock import patch

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cryptodata.core.table import Table
from cryptodata.providers.coinalyze import frames
from cryptodata.providers.coinalyze.endpoints import (
    FUNDING_RATE_HISTORY,
    OHLCV_HISTORY,
    OPEN_INTEREST_HISTORY,
    Endpoint,
)
from cryptodata.providers.coinalyze.frames import history_frame, shape
from cryptodata.providers.coinalyze.intervals import parse_interval
from cryptodata.providers.coinalyze.parse import Parsed, parse_history

HOUR = 3600
T0 = 1_748_736_000
START, END = datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 10 * HOUR, UTC)
INTERVAL = parse_interval("1h")
# Venues and symbols whose orders disagree: "ETH.6" sorts after "BTC.A" but its venue first.
INFO = pl.DataFrame(
    {
        "symbol": ["BTC.A", "ETH.6", "SOL.A"],
        "exchange": ["binance", "bybit", "binance"],
        "base": ["BTC", "ETH", "SOL"],
        "unit": ["base", "quote", "contracts"],
    }
)
MARKETS = {symbol: (exchange, base, unit) for symbol, exchange, base, unit in INFO.iter_rows()}


def _answer(endpoint: Endpoint, series: list[tuple[str, list[int]]]) -> Parsed:
    fields = [field for field, _ in endpoint.fields]
    body = [
        {"symbol": symbol, "history": [{"t": t, **dict.fromkeys(fields, t % 7)} for t in times]}
        for symbol, times in series
    ]
    return parse_history(endpoint, json.dumps(body).encode(), INFO["symbol"].to_list())


def _joined(endpoint: Endpoint, answers: list[Parsed], usd: bool) -> Table:
    """The reference: every answer stacked, joined with the catalogue, filtered, de-duplicated."""
    raw = pl.concat([answer.frame for answer in answers]).with_columns(
        ts=pl.from_epoch("t", time_unit="s"), interval=pl.lit(INTERVAL.value)
    )
    frame = shape(endpoint, raw, INFO, usd).filter(pl.col("ts").is_between(START, END, "left"))
    return Table.concat(endpoint.kind, [Table.from_frame(endpoint.kind, frame)])


_times = st.lists(st.integers(min_value=-2, max_value=12).map(lambda hour: T0 + hour * HOUR))
_answers = st.lists(
    st.lists(st.tuples(st.sampled_from(INFO["symbol"].to_list()), _times), max_size=3),
    min_size=1,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(
    series=_answers,
    endpoint=st.sampled_from([OHLCV_HISTORY, OPEN_INTEREST_HISTORY, FUNDING_RATE_HISTORY]),
    usd=st.booleans(),
)
def test_the_bars_are_the_joined_and_deduplicated_answers(
    series: list[list[tuple[str, list[int]]]], endpoint: Endpoint, usd: bool
) -> None:
    answers = [_answer(endpoint, answer) for answer in series]

    bars = history_frame(endpoint, answers, MARKETS, INTERVAL, START, END, usd and endpoint.usd)

    expected = _joined(endpoint, answers, usd and endpoint.usd)
    assert_frame_equal(bars.table(endpoint.kind, []).to_polars(), expected.to_polars())
    assert bars.symbols == set(expected.to_polars().get_column("symbol"))


def test_windows_of_well_ordered_answers_need_no_sort() -> None:
    first = _answer(OHLCV_HISTORY, [("SOL.A", [T0]), ("BTC.A", [T0]), ("ETH.6", [T0])])
    second = _answer(
        OHLCV_HISTORY, [("SOL.A", [T0 + HOUR]), ("BTC.A", [T0 + HOUR]), ("ETH.6", [T0 + HOUR])]
    )

    bars = history_frame(OHLCV_HISTORY, [first, second], MARKETS, INTERVAL, START, END, False)

    assert bars.in_key_order
    assert bars.frame.select("exchange", "symbol").unique(maintain_order=True).rows() == [
        ("binance", "BTC.A"),
        ("binance", "SOL.A"),
        ("bybit", "ETH.6"),
    ]


def test_a_series_sent_out_of_time_order_is_not_taken_as_in_key_order() -> None:
    answer = _answer(OHLCV_HISTORY, [("BTC.A", [T0 + HOUR, T0])])

    bars = history_frame(OHLCV_HISTORY, [answer], MARKETS, INTERVAL, START, END, False)

    assert not bars.in_key_order
    assert bars.table(OHLCV_HISTORY.kind, []).to_polars()["ts"].is_sorted()


def test_a_bar_sent_twice_is_kept_once() -> None:
    answers = [_answer(OHLCV_HISTORY, [("BTC.A", [T0])]), _answer(OHLCV_HISTORY, [("BTC.A", [T0])])]

    bars = history_frame(OHLCV_HISTORY, answers, MARKETS, INTERVAL, START, END, False)

    assert len(bars.table(OHLCV_HISTORY.kind, [])) == 1


@settings(max_examples=300, deadline=None)
@given(
    times=st.lists(st.integers(min_value=-3, max_value=12), min_size=1, max_size=40),
    cuts=st.sets(st.integers(min_value=1, max_value=39)),
)
def test_large_answers_are_judged_as_small_ones_are(times: list[int], cuts: set[int]) -> None:
    starts = [0, *sorted(cut for cut in cuts if cut < len(times))]
    column = pl.Series("t", times)

    in_python = frames._judged(column, starts, 0, 10)
    with patch.object(frames, "_PYTHON_ROWS", 0):
        in_polars = frames._judged(column, starts, 0, 10)

    assert in_polars == in_python
