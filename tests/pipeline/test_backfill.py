"""Backfill and update: plans known up front, resume per series, no gaps, no duplicates."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cryptodata import (
    Coinalyze,
    JsonlSink,
    Kind,
    ManualClock,
    ServerError,
    Table,
    ValidationError,
)
from cryptodata.pipeline import backfill, plan_backfill, update
from fakes.coinalyze import NOW_DT, FakeCoinalyze, synthetic
from fakes.sinks import MemorySink

H = timedelta(hours=1)
KINDS = ["open_interest", "funding_rate", "liquidations", "ohlcv"]
METHOD = {
    "open_interest": "open_interest_history",
    "funding_rate": "funding_rate_history",
    "liquidations": "liquidation_history",
    "ohlcv": "ohlcv_history",
}


def _assert_sink_holds_truth(
    sink: MemorySink, fake: FakeCoinalyze, kinds: list[str], symbols: list[str], start, end
) -> None:
    for kind in kinds:
        stored = sink.read(kind).to_polars()
        expected = fake.truth(METHOD[kind], symbols, "1h", start, end)
        # Percent -> fraction can differ from the decimal-exact truth by an ulp (see the
        # provider fixture tests); every other value must match exactly.
        assert_frame_equal(stored, expected, check_exact=False, rel_tol=1e-15, abs_tol=0.0)


def test_plan_batches_symbols_and_splits_windows_before_any_data_request(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    symbols = [synthetic(i) for i in range(45)]

    plan = plan_backfill(cz, ["ohlcv"], symbols, "1h", NOW_DT - 250 * H, NOW_DT, sink=sink)

    assert [item.cost for item in plan.steps] == [20, 20, 20, 20, 20, 20, 5, 5, 5]
    assert plan.requests == 9
    assert plan.cost == plan.minimum_cost == 135
    assert plan.series == 45
    assert fake.data_calls == []


def test_plan_estimates_duration_at_the_budget(cz: Coinalyze, sink: MemorySink) -> None:
    symbols = [synthetic(i) for i in range(45)]

    plan = plan_backfill(cz, ["ohlcv"], symbols, "1h", NOW_DT - 250 * H, NOW_DT, sink=sink)

    assert (plan.rate, plan.burst) == (40 / 60, 40)
    assert plan.estimated_seconds == pytest.approx((135 - 40) / 40 * 60)
    assert "9 requests for 45 series, cost 135 (1.00x the minimum)" in plan.describe()


def test_backfill_stores_exactly_the_servers_data(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    symbols = ["BTCUSDT_PERP.A", "BTCUSDT.6", synthetic(1)]
    start, end = NOW_DT - 250 * H, NOW_DT - 3 * H

    report = backfill(cz, KINDS, symbols, "1h", start, end, sink=sink)

    _assert_sink_holds_truth(sink, fake, KINDS, symbols, start, end)
    assert report.requests == len(fake.data_calls) == 4 * 3
    assert report.rows_written == sum(len(sink.read(kind)) for kind in KINDS)


def test_second_backfill_only_rereads_the_lag(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    symbols = [synthetic(i) for i in range(25)]
    start, end = NOW_DT - 250 * H, NOW_DT - 3 * H
    backfill(cz, ["open_interest"], symbols, "1h", start, end, sink=sink)
    before = sink.read("open_interest").to_polars()
    sent = len(fake.data_calls)

    report = backfill(cz, ["open_interest"], symbols, "1h", start, end, sink=sink, lag=2)

    assert report.plan.cost == 25
    new_calls = fake.data_calls[sent:]
    assert [int(call.param_dict["from"]) for call in new_calls] == [
        int((end - 3 * H).timestamp())
    ] * 2
    assert_frame_equal(sink.read("open_interest").to_polars(), before, check_exact=True)


def test_backfill_killed_midway_resumes_without_gaps_or_duplicates(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    symbols = [synthetic(i) for i in range(30)]
    start, end = NOW_DT - 450 * H, NOW_DT - 3 * H

    class KilledError(Exception):
        pass

    def die_after_three(index: int, *_: object) -> None:
        if index == 2:
            raise KilledError

    with pytest.raises(KilledError):
        backfill(cz, ["ohlcv"], symbols, "1h", start, end, sink=sink, progress=die_after_three)
    report = backfill(cz, ["ohlcv"], symbols, "1h", start, end, sink=sink)

    _assert_sink_holds_truth(sink, fake, ["ohlcv"], symbols, start, end)
    assert report.requests < 10


def test_server_errors_end_in_a_typed_error_and_a_rerun_completes(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    symbols = [synthetic(i) for i in range(3)]
    start, end = NOW_DT - 250 * H, NOW_DT - 3 * H
    backfill(cz, ["funding_rate"], symbols, "1h", start, start + 100 * H, sink=sink)
    fake.fail_next(503, count=5, path="/funding-rate-history")

    with pytest.raises(ServerError) as failure:
        backfill(cz, ["funding_rate"], symbols, "1h", start, end, sink=sink)
    backfill(cz, ["funding_rate"], symbols, "1h", start, end, sink=sink)

    assert failure.value.status == 503
    _assert_sink_holds_truth(sink, fake, ["funding_rate"], symbols, start, end)


def test_update_brings_every_series_to_the_end(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    symbols = ["BTCUSDT_PERP.A", synthetic(2)]
    start = NOW_DT - 50 * H
    backfill(cz, ["open_interest"], symbols, "1h", start, NOW_DT - 20 * H, sink=sink)

    update(cz, ["open_interest"], symbols, "1h", sink=sink, end=NOW_DT - H)

    _assert_sink_holds_truth(sink, fake, ["open_interest"], symbols, start, NOW_DT - H)


def test_update_without_symbols_brings_every_stored_series_of_the_kinds_to_the_end(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    start = NOW_DT - 50 * H
    backfill(
        cz,
        ["open_interest"],
        ["BTCUSDT_PERP.A", synthetic(2)],
        "1h",
        start,
        NOW_DT - 20 * H,
        sink=sink,
    )
    backfill(cz, ["funding_rate"], [synthetic(3)], "1h", start, NOW_DT - 30 * H, sink=sink)
    daily = {**dict(_series(sink, "open_interest", "BTCUSDT_PERP.A")), "interval": "1d"}
    backfill(
        cz, ["open_interest"], [synthetic(4)], "1d", NOW_DT - 96 * H, NOW_DT - 48 * H, sink=sink
    )
    fake.calls.clear()

    report = update(cz, ["open_interest", "funding_rate"], None, "1h", sink=sink, end=NOW_DT - H)

    oi = fake.truth(
        "open_interest_history", ["BTCUSDT_PERP.A", synthetic(2)], "1h", start, NOW_DT - H
    )
    assert_frame_equal(sink.read("open_interest", interval="1h").to_polars(), oi)
    _assert_sink_holds_truth(sink, fake, ["funding_rate"], [synthetic(3)], start, NOW_DT - H)
    assert sorted(symbol for call in fake.data_calls for symbol in call.symbols) == sorted(
        ["BTCUSDT_PERP.A", synthetic(2), synthetic(3)]
    )
    assert report.plan.series == 3
    assert sink.last_ts("open_interest", {**daily, "symbol": synthetic(4)}) == NOW_DT - 72 * H


def test_update_without_symbols_leaves_a_series_in_another_unit_alone_with_a_warning(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    with _client(fake, clock, convert_to_usd=True) as usd:
        backfill(
            usd,
            ["open_interest"],
            ["BTCUSDT_PERP.A"],
            "1h",
            NOW_DT - 9 * H,
            NOW_DT - 5 * H,
            sink=sink,
        )
    before = sink.read("open_interest")
    fake.calls.clear()

    report = update(cz, ["open_interest"], None, "1h", sink=sink)

    assert report.requests == 0
    assert fake.data_calls == []
    assert report.warnings == [
        "not updated: stored open_interest series of BTCUSDT_PERP.A, which this client would "
        "write under another series key (check its unit options, e.g. convert_to_usd)"
    ]
    assert_frame_equal(sink.read("open_interest").to_polars(), before.to_polars())


def test_update_without_symbols_skips_a_stored_symbol_the_provider_no_longer_lists(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    backfill(cz, ["ohlcv"], [synthetic(1)], "1h", NOW_DT - 9 * H, NOW_DT - 5 * H, sink=sink)
    gone = sink.read("ohlcv").to_polars().with_columns(symbol=pl.lit("GONE_PERP.A"))
    sink.write(Table.from_frame(Kind.OHLCV, gone))

    report = update(cz, ["ohlcv"], None, "1h", sink=sink, end=NOW_DT - H)

    assert [call.symbols for call in fake.data_calls][-1] == [synthetic(1)]
    assert sink.last_ts("ohlcv", _series(sink, "ohlcv", synthetic(1))) == NOW_DT - 2 * H
    assert "not updated: stored ohlcv series of GONE_PERP.A, which coinalyze no longer lists" in (
        report.warnings
    )


def test_update_without_symbols_of_a_sink_without_those_series_is_refused(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    backfill(cz, ["ohlcv"], [synthetic(1)], "1d", NOW_DT - 96 * H, NOW_DT - 48 * H, sink=sink)
    fake.calls.clear()

    with pytest.raises(ValidationError, match="stores no coinalyze series of ohlcv at 1h"):
        update(cz, ["ohlcv"], None, "1h", sink=sink)

    assert fake.calls == []


def _series(sink: MemorySink, kind: str, symbol: str) -> dict[str, str]:
    (found,) = [series for series in sink.series(kind) if series["symbol"] == symbol]
    return found


def _client(fake: FakeCoinalyze, clock: ManualClock, **options: bool) -> Coinalyze:
    return Coinalyze(
        api_key=fake.api_key,
        clock=clock,
        http_transport=httpx.MockTransport(fake.handle),
        max_points_per_request=100,
        **options,
    )


def test_symbols_with_different_resume_points_share_one_window(
    cz: Coinalyze, sink: MemorySink
) -> None:
    symbols = [synthetic(i) for i in range(4)]
    backfill(cz, ["open_interest"], symbols[:2], "1h", NOW_DT - 40 * H, NOW_DT - 10 * H, sink=sink)

    plan = plan_backfill(cz, ["open_interest"], symbols, "1h", NOW_DT - 40 * H, NOW_DT, sink=sink)

    assert [item.symbols for item in plan.steps] == [tuple(symbols)]
    assert plan.cost == plan.minimum_cost == 4


@pytest.mark.parametrize(
    ("kinds", "symbols", "message"),
    [
        ([], ["BTCUSDT_PERP.A"], "kinds must not be empty"),
        (["markets"], ["BTCUSDT_PERP.A"], "'markets' is not one"),
        (["ohlcv"], [], "symbols must not be empty"),
        (["ohlcv"], ["NOPE.A"], "unknown Coinalyze symbol 'NOPE.A'"),
    ],
)
def test_bad_arguments_fail_before_any_data_request(
    cz: Coinalyze,
    fake: FakeCoinalyze,
    sink: MemorySink,
    kinds: list[str],
    symbols: list[str],
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        backfill(cz, kinds, symbols, "1h", NOW_DT - 10 * H, NOW_DT, sink=sink)

    assert fake.data_calls == []


def test_warnings_from_silent_symbols_reach_the_report(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    fake.silence("BTC.H", path="/liquidation-history")

    report = backfill(
        cz, ["liquidations"], ["BTC.H", "BTCUSDT_PERP.A"], "1h", NOW_DT - 10 * H, NOW_DT, sink=sink
    )

    assert any("BTC.H" in warning for warning in report.warnings)
    assert sink.read("liquidations").to_polars().get_column("symbol").unique().to_list() == [
        "BTCUSDT_PERP.A"
    ]


def test_rows_written_counts_what_the_sink_accepted(cz: Coinalyze, sink: MemorySink) -> None:
    report = backfill(
        cz, ["ohlcv"], ["BTCUSDT_PERP.A"], "1h", NOW_DT - 10 * H, NOW_DT - 2 * H, sink=sink
    )

    assert report.rows_written == 8
    assert sink.read("ohlcv").to_polars().select(pl.col("ts").n_unique()).item() == 8


def test_big_batches_run_first_and_each_batch_stays_chronological(
    cz: Coinalyze, sink: MemorySink
) -> None:
    symbols = [synthetic(i) for i in range(25)]

    plan = plan_backfill(
        cz, ["ohlcv", "open_interest"], symbols, "1h", NOW_DT - 250 * H, NOW_DT, sink=sink
    )

    costs = [item.cost for item in plan.steps]
    assert costs == sorted(costs, reverse=True)
    for kind in ("ohlcv", "open_interest"):
        for batch in {item.symbols for item in plan.steps}:
            starts = [
                item.start for item in plan.steps if item.kind == kind and item.symbols == batch
            ]
            assert starts == sorted(starts)
            assert len(starts) == 3


def test_update_catches_up_a_series_older_than_the_default_start(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    symbols = ["BTCUSDT_PERP.A"]
    start = NOW_DT - 2000 * H
    backfill(cz, ["open_interest"], symbols, "1h", start, start + 10 * H, sink=sink)

    update(cz, ["open_interest"], symbols, "1h", sink=sink, end=NOW_DT - H)

    _assert_sink_holds_truth(sink, fake, ["open_interest"], symbols, start, NOW_DT - H)


@pytest.mark.parametrize("lag", [float("nan"), 1e20, 2.5, -1, True, 10**20])
def test_a_lag_that_is_not_a_reachable_number_of_bars_is_refused_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, lag: object
) -> None:
    start, end = NOW_DT - 5 * H, NOW_DT - 3 * H
    calls = (
        lambda: backfill(cz, ["open_interest"], ["BTCUSDT_PERP.A"], "1h", start, end, sink=sink, lag=lag),  # type: ignore[arg-type]
        lambda: update(cz, ["open_interest"], ["BTCUSDT_PERP.A"], "1h", start=start, sink=sink, lag=lag),  # type: ignore[arg-type]
    )  # fmt: skip

    for call in calls:
        with pytest.raises(ValidationError, match="lag must be"):
            call()

    assert fake.calls == []


# ---------------------------------------------------------------- arguments, read once


def test_a_lone_symbol_string_is_one_symbol_not_its_letters(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    report = backfill(cz, ["open_interest"], "BTCUSDT_PERP.A", "1h", NOW_DT - 10 * H, sink=sink)

    assert [call.symbols for call in fake.data_calls] == [["BTCUSDT_PERP.A"]]
    assert report.rows_written == 10


def test_a_lone_kind_string_is_one_kind_not_its_letters(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink
) -> None:
    backfill(cz, "funding_rate", ["BTCUSDT_PERP.A"], "1h", NOW_DT - 10 * H, sink=sink)

    assert [call.path for call in fake.data_calls] == ["/funding-rate-history"]
    assert len(sink.read("funding_rate")) == 10


@pytest.mark.parametrize(
    ("kinds", "symbols", "message"),
    [
        (["ohlcv"], [123], "symbols must hold non-empty strings, got 123"),
        (["ohlcv"], 123, r"symbols must be a string or a list of strings, not int \(123\)"),
        (["ohlcv"], [["BTCUSDT_PERP.A"]], r"symbols must hold non-empty strings, got \['BTC"),
        (["ohlcv"], b"BTCUSDT_PERP.A", "symbols must be a string or a list of strings, not bytes"),
        ([["ohlcv"]], ["BTCUSDT_PERP.A"], r"kinds must hold non-empty strings, got \['ohlcv'\]"),
        (None, ["BTCUSDT_PERP.A"], "kinds must be a string or a list of strings, not NoneType"),
    ],
)
def test_arguments_of_the_wrong_type_are_validation_errors_before_any_request(
    cz: Coinalyze,
    fake: FakeCoinalyze,
    sink: MemorySink,
    kinds: object,
    symbols: object,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        backfill(cz, kinds, symbols, "1h", NOW_DT - 10 * H, NOW_DT, sink=sink)  # type: ignore[arg-type]

    assert fake.calls == []


# ---------------------------------------------------------------- answers with more than was asked


def test_an_answer_that_also_holds_an_unasked_symbol_is_stored_without_it(
    cz: Coinalyze, fake: FakeCoinalyze, tmp_path: Path
) -> None:
    def with_eth(body: list[Any]) -> list[Any]:
        return [*body, {**copy.deepcopy(body[0]), "symbol": "ETHUSDT_PERP.A"}]

    fake.rewrite["/open-interest-history"] = with_eth

    with JsonlSink(tmp_path) as sink:
        report = backfill(
            cz, ["open_interest"], ["BTCUSDT_PERP.A"], "1h", NOW_DT - 10 * H, NOW_DT, sink=sink
        )
        stored = sink.read("open_interest").to_polars()

    assert report.rows_written == 10
    assert set(stored.get_column("symbol")) == {"BTCUSDT_PERP.A"}
    assert any("ETHUSDT_PERP.A" in warning for warning in report.warnings)
