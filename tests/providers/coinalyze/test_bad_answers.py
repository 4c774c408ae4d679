"""Answers that hold more than was asked, or times the API does not document, through the client.

Rows for symbols the request did not ask for are dropped with a warning. A timestamp that is
null, missing, in the other unit or beyond int64 drops its row with a warning when the rest
of the answer is good, and is a ResponseFormatError naming the field when no row is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from cryptodata import Coinalyze, Kind, ResponseFormatError, schema
from cryptodata.sinks.base import rows_to_store

from .conftest import METHODS, NOW_DT, FakeCoinalyze

H = timedelta(hours=1)
BTC = "BTCUSDT_PERP.A"
SNAPSHOTS = {
    "open_interest": ("/open-interest", Kind.OPEN_INTEREST_SNAPSHOT),
    "funding_rate": ("/funding-rate", Kind.FUNDING_RATE_SNAPSHOT),
    "predicted_funding_rate": ("/predicted-funding-rate", Kind.PREDICTED_FUNDING_RATE_SNAPSHOT),
}
BEYOND_INT64 = 2**70
_MISSING = object()
"""A value meaning: delete the field."""

Rewrite = Callable[[list[Any]], list[Any]]


def _history(cz: Coinalyze, method: str, symbols: list[str]) -> Any:
    return getattr(cz, method)(symbols, interval="1h", start=NOW_DT - 6 * H, end=NOW_DT)


def _with_series_of(intruder: str) -> Rewrite:
    """A rewrite that adds a copy of the first series under another symbol."""

    def rewrite(body: list[Any]) -> list[Any]:
        return [*body, {**copy.deepcopy(body[0]), "symbol": intruder}]

    return rewrite


def _with_reading_of(intruder: str) -> Rewrite:
    def rewrite(body: list[Any]) -> list[Any]:
        return [*body, {**body[0], "symbol": intruder}]

    return rewrite


def _set_times(
    field: str, value: object, *, symbol: str | None = None, first_only: bool = False
) -> Rewrite:
    """A rewrite that sets `field` (t of each bar, or update) to `value`, optionally for one symbol."""

    def rewrite(body: list[Any]) -> list[Any]:
        for entry in body:
            if symbol is not None and entry["symbol"] != symbol:
                continue
            rows = entry["history"] if field == "t" else [entry]
            for row in rows[:1] if first_only else rows:
                if value is _MISSING:
                    del row[field]
                else:
                    row[field] = value(row[field]) if callable(value) else value
        return body

    return rewrite


# ---------------------------------------------------------------- symbols not asked for


@pytest.mark.parametrize("intruder", ["ETHUSDT_PERP.A", "BTCUSDT.6"], ids=["unknown", "not-asked"])
@pytest.mark.parametrize("method", list(METHODS))
def test_a_history_series_for_a_symbol_not_asked_for_is_dropped_with_a_warning(
    cz: Coinalyze, fake: FakeCoinalyze, method: str, intruder: str
) -> None:
    fake.rewrite[METHODS[method].path] = _with_series_of(intruder)

    table = _history(cz, method, [BTC])

    frame = table.to_polars()
    assert set(frame.get_column("symbol")) == {BTC}
    assert len(table) == 6
    assert frame.get_column("exchange").null_count() == 0
    assert table.warnings == [
        f"dropped the answer for {intruder} from {METHODS[method].path}: the request did not "
        "ask for it (Coinalyze sent symbols outside the request)"
    ]
    rows_to_store(table)  # what every sink checks before a write: no null key column


@pytest.mark.parametrize("intruder", ["ETHUSDT_PERP.A", "BTCUSDT.6"], ids=["unknown", "not-asked"])
@pytest.mark.parametrize("method", list(SNAPSHOTS))
def test_a_snapshot_reading_for_a_symbol_not_asked_for_is_dropped_with_a_warning(
    cz: Coinalyze, fake: FakeCoinalyze, method: str, intruder: str
) -> None:
    path, kind = SNAPSHOTS[method]
    fake.rewrite[path] = _with_reading_of(intruder)

    table = getattr(cz, method)([BTC, "BTC.H"])

    assert table.kind is kind
    assert sorted(table.to_polars().get_column("symbol")) == ["BTC.H", BTC]
    assert table.to_polars().select("exchange", "base").null_count().row(0) == (0, 0)
    assert table.warnings == [
        f"dropped the answer for {intruder} from {path}: the request did not ask for it "
        "(Coinalyze sent symbols outside the request)"
    ]


def test_a_symbol_asked_in_another_batch_is_not_taken_from_this_one(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    symbols = [f"S{i}USDT_PERP.A" for i in range(21)]
    honest = dict(cz.funding_rate(symbols).to_polars().select("symbol", "value").iter_rows())
    # The second batch (S20 alone) also answers for S0, which only the first batch asks for:
    # taken, it would replace the first batch's reading.
    fake.rewrite["/funding-rate"] = lambda body: (
        [*body, {**body[0], "symbol": "S0USDT_PERP.A", "value": 99.0}] if len(body) == 1 else body
    )

    table = cz.funding_rate(symbols)

    assert dict(table.to_polars().select("symbol", "value").iter_rows()) == honest
    assert table.warnings == [
        "dropped the answer for S0USDT_PERP.A from /funding-rate: the request did not ask for "
        "it (Coinalyze sent symbols outside the request)"
    ]


def test_an_aggregate_sums_only_the_markets_it_asked_for(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    honest = cz.aggregate("open_interest", "BTC", interval="1h", start=NOW_DT - 6 * H, end=NOW_DT)
    fake.rewrite["/open-interest-history"] = _with_series_of("ETHUSDT_PERP.A")

    table = cz.aggregate("open_interest", "BTC", interval="1h", start=NOW_DT - 6 * H, end=NOW_DT)

    assert table.to_polars().equals(honest.to_polars())
    assert any("ETHUSDT_PERP.A" in warning for warning in table.warnings)


# ---------------------------------------------------------------- history `t`


@pytest.mark.parametrize("method", list(METHODS))
def test_history_t_in_milliseconds_is_a_response_format_error_naming_the_field(
    cz: Coinalyze, fake: FakeCoinalyze, method: str
) -> None:
    fake.rewrite[METHODS[method].path] = _set_times("t", lambda t: t * 1000)

    with pytest.raises(ResponseFormatError, match="field t looks like milliseconds") as caught:
        _history(cz, method, [BTC, "BTCUSDT.6"])

    assert caught.value.endpoint == METHODS[method].path
    assert "Coinalyze documents t in UNIX seconds" in str(caught.value)


@pytest.mark.parametrize("value", [BEYOND_INT64, -1, 0])
def test_history_t_out_of_range_is_a_response_format_error(
    cz: Coinalyze, fake: FakeCoinalyze, value: int
) -> None:
    fake.rewrite["/open-interest-history"] = _set_times("t", value)

    with pytest.raises(
        ResponseFormatError, match="field t is not a UNIX time in seconds between 1973 and 3000"
    ):
        _history(cz, "open_interest_history", [BTC])


def test_one_bar_with_a_bad_t_is_dropped_with_a_warning_and_the_others_are_kept(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.rewrite["/ohlcv-history"] = _set_times(
        "t", BEYOND_INT64, symbol="BTCUSDT.6", first_only=True
    )

    table = _history(cz, "ohlcv_history", [BTC, "BTCUSDT.6"])

    counts = dict(table.to_polars().group_by("symbol").len().iter_rows())
    assert counts == {BTC: 6, "BTCUSDT.6": 5}
    assert table.warnings == [
        "dropped 1 row(s) of BTCUSDT.6 from /ohlcv-history: field t is not a UNIX time in "
        f"seconds between 1973 and 3000 (e.g. BTCUSDT.6 t={BEYOND_INT64}); Coinalyze documents "
        "t in UNIX seconds"
    ]


# ---------------------------------------------------------------- snapshot `update`


@pytest.mark.parametrize("value", [None, _MISSING], ids=["null", "missing"])
@pytest.mark.parametrize("method", list(SNAPSHOTS))
def test_a_snapshot_without_update_in_every_row_is_a_response_format_error(
    cz: Coinalyze, fake: FakeCoinalyze, method: str, value: Any
) -> None:
    path, _ = SNAPSHOTS[method]
    fake.rewrite[path] = _set_times("update", value)

    with pytest.raises(ResponseFormatError, match="field update is null or missing in every row"):
        getattr(cz, method)(BTC)


def test_one_snapshot_reading_with_a_null_update_is_dropped_with_a_warning(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.rewrite["/funding-rate"] = _set_times("update", None, symbol="BTC.H")

    table = cz.funding_rate([BTC, "BTC.H", "BTCUSDT.6"])

    frame = table.to_polars()
    assert frame.get_column("symbol").to_list() == [BTC, "BTCUSDT.6"]
    assert frame.get_column("ts").null_count() == 0
    assert table.warnings[0] == (
        "dropped 1 row(s) of BTC.H from /funding-rate: field update is null or missing "
        "(e.g. BTC.H update=null); Coinalyze documents update in UNIX milliseconds"
    )
    assert len(table.warnings) == 2  # and BTC.H is named as the symbol that answered nothing
    assert "for BTC.H" in table.warnings[1]


def test_a_snapshot_update_in_seconds_is_a_response_format_error_not_1970(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.rewrite["/open-interest"] = _set_times("update", lambda ms: ms // 1000)

    with pytest.raises(ResponseFormatError, match="field update looks like seconds") as caught:
        cz.open_interest([BTC, "BTC.H"])

    assert caught.value.endpoint == "/open-interest"


def test_a_snapshot_update_beyond_int64_is_a_response_format_error(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    fake.rewrite["/predicted-funding-rate"] = _set_times("update", BEYOND_INT64)

    with pytest.raises(
        ResponseFormatError,
        match="field update is not a UNIX time in milliseconds between 1973 and 3000",
    ):
        cz.predicted_funding_rate(BTC)


def test_a_good_snapshot_still_has_its_schema_and_no_warning(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    table = cz.open_interest([BTC, "BTC.H"])

    assert table.to_polars().schema == schema(Kind.OPEN_INTEREST_SNAPSHOT)
    assert table.warnings == []


# ---------------------------------------------------------------- market list `expire_at`


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (BEYOND_INT64, "is not a UNIX time in milliseconds between 1973 and 3000"),
        (1_790_323_200, "looks like seconds"),
    ],
)
def test_a_market_expiry_that_is_not_epoch_ms_is_a_response_format_error(
    cz: Coinalyze, fake: FakeCoinalyze, value: int, problem: str
) -> None:
    fake.futures = [
        {**row, "expire_at": value} if row["symbol"] == "BTCUSD_260925.3" else row
        for row in fake.futures
    ]

    with pytest.raises(ResponseFormatError, match=f"field expire_at {problem}") as caught:
        cz.future_markets()

    assert caught.value.endpoint == "/future-markets"
    assert f"BTCUSD_260925.3 expire_at={value}" in str(caught.value)
