"""watch: polls closed bars on each boundary, fills gaps after downtime, stops cleanly."""

from __future__ import annotations

import asyncio
import copy
import os
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from polars.testing import assert_frame_equal

from cryptodata import AsyncCoinalyze, Coinalyze, JsonlSink, ManualClock, ValidationError
from cryptodata.pipeline import WatchStats, awatch, watch
from fakes.coinalyze import NOW, NOW_DT, FakeCoinalyze
from fakes.sinks import MemorySink

M = timedelta(minutes=1)
SYMBOLS = ["BTCUSDT_PERP.A", "BTCUSDT.6"]


def _truth(fake: FakeCoinalyze, start: datetime, end: datetime):
    return fake.truth("open_interest_history", SYMBOLS, "1m", start, end)


def test_each_cycle_stores_the_bars_closed_by_then(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    start = NOW_DT - 30 * M

    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=start,
        delay=5,
        max_cycles=4,
        clock=clock,
    )

    last_closed = datetime.fromtimestamp(clock.time() - 5, UTC).replace(second=0)
    assert stats.cycles == 4
    assert stats.failures == 0
    assert clock.time() == NOW + 3 * 60 + 5
    assert_frame_equal(
        sink.read("open_interest").to_polars(), _truth(fake, start, last_closed), check_exact=True
    )


def test_later_cycles_cost_one_request_each(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=NOW_DT - 30 * M,
        max_cycles=5,
        clock=clock,
    )

    assert stats.requests == 5
    assert [call.cost for call in fake.data_calls] == [2] * 5


def test_a_cycle_after_downtime_fills_the_gap(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    start = NOW_DT - 30 * M
    watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=start,
        delay=5,
        max_cycles=1,
        clock=clock,
    )
    clock.advance(47 * 60)

    watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=start,
        delay=5,
        max_cycles=1,
        clock=clock,
    )

    closed = datetime.fromtimestamp(clock.time() - 5, UTC).replace(second=0)
    assert_frame_equal(
        sink.read("open_interest").to_polars(), _truth(fake, start, closed), check_exact=True
    )


def test_failed_cycles_are_counted_and_the_loop_carries_on(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    fake.fail_next(500, count=5, path="/open-interest-history")

    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=NOW_DT - 5 * M,
        max_cycles=2,
        clock=clock,
    )

    assert stats.cycles == 2
    assert stats.failures == 1
    assert "HTTP 500" in (stats.last_error or "")
    assert stats.last_fetch is not None
    assert len(sink.read("open_interest")) > 0


def test_a_stop_event_set_before_the_start_runs_no_cycle(
    cz: Coinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    stop = threading.Event()
    stop.set()

    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=NOW_DT - 5 * M,
        stop=stop,
        clock=clock,
    )

    assert stats.cycles == 0


def test_sigterm_stops_the_loop_without_a_torn_write(
    cz: Coinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    writes_at_signal: list[int] = []
    original = sink.write

    def write_then_signal(table):  # type: ignore[no-untyped-def]
        written = original(table)
        if not writes_at_signal:
            writes_at_signal.append(sink.writes)
            os.kill(os.getpid(), signal.SIGTERM)
        return written

    sink.write = write_then_signal  # type: ignore[method-assign]
    previous = signal.getsignal(signal.SIGTERM)

    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=NOW_DT - 5 * M,
        max_cycles=10,
        clock=clock,
    )

    assert stats.cycles == 1
    assert sink.writes == writes_at_signal[0]
    assert signal.getsignal(signal.SIGTERM) == previous


@pytest.mark.parametrize(("option", "value"), [("delay", -1.0), ("max_cycles", 0)])
def test_bad_options_are_rejected(
    cz: Coinalyze, sink: MemorySink, option: str, value: float
) -> None:
    with pytest.raises(ValidationError, match=option):
        watch(cz, ["open_interest"], SYMBOLS, "1m", sink=sink, **{option: value})


def test_awatch_runs_the_same_cycles_on_the_async_client(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    sink = MemorySink()
    start = NOW_DT - 30 * M

    async def run() -> WatchStats:
        client = AsyncCoinalyze(
            api_key=fake.api_key, clock=clock, http_transport=httpx.MockTransport(fake.handle)
        )
        async with client:
            return await awatch(
                client,
                ["open_interest"],
                SYMBOLS,
                "1m",
                sink=sink,
                start=start,
                max_cycles=3,
                clock=clock,
            )

    stats = asyncio.run(run())

    closed = datetime.fromtimestamp(clock.time() - 5, UTC).replace(second=0)
    assert (stats.cycles, stats.failures, stats.requests) == (3, 0, 3)
    assert_frame_equal(
        sink.read("open_interest").to_polars(), _truth(fake, start, closed), check_exact=True
    )


def test_awatch_stops_when_the_event_is_set_from_another_thread(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    stop = threading.Event()
    sink = MemorySink()

    async def run() -> WatchStats:
        client = AsyncCoinalyze(
            api_key=fake.api_key, http_transport=httpx.MockTransport(fake.handle)
        )
        threading.Timer(0.3, stop.set).start()
        async with client:
            return await awatch(
                client, ["open_interest"], SYMBOLS, "1d", sink=sink, start=NOW_DT - 5 * M, stop=stop
            )

    stats = asyncio.run(run())

    assert stats.cycles == 1


def test_bad_arguments_stop_the_loop_instead_of_failing_every_cycle(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    with pytest.raises(ValidationError, match=r"NOPE\.A"):
        watch(cz, ["open_interest"], ["NOPE.A"], "1m", sink=sink, start=NOW_DT - 5 * M, clock=clock)

    assert fake.data_calls == []


def test_a_file_system_error_fails_one_cycle_and_the_loop_carries_on(
    cz: Coinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    original = sink.write
    failures = iter([OSError(28, "No space left on device")])

    def write_or_fail(table):  # type: ignore[no-untyped-def]
        error = next(failures, None)
        if error is not None:
            raise error
        return original(table)

    sink.write = write_or_fail  # type: ignore[method-assign]

    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=NOW_DT - 5 * M,
        max_cycles=2,
        clock=clock,
    )

    assert (stats.cycles, stats.failures) == (2, 1)
    assert "No space left" in (stats.last_error or "")
    assert len(sink.read("open_interest")) > 0


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("delay", float("nan")),
        ("delay", float("inf")),
        ("delay", 1e20),
        ("delay", True),
        ("lag", float("nan")),
        ("lag", 1e20),
        ("lag", 10**20),
        ("lag", -1),
        ("max_cycles", float("nan")),
        ("max_cycles", 1.5),
    ],
)
def test_a_non_finite_or_mistyped_option_is_refused_before_any_request(
    cz: Coinalyze,
    fake: FakeCoinalyze,
    sink: MemorySink,
    clock: ManualClock,
    option: str,
    value: object,
) -> None:
    # A loop that does start (a NaN max_cycles never finishes) is stopped after a while, so
    # that the test fails instead of hanging.
    stop = threading.Event()
    timer = threading.Timer(10.0, stop.set)
    timer.start()
    options = {"max_cycles": 1, "start": NOW_DT - 5 * M, "clock": clock, "stop": stop}
    options[option] = value

    try:
        with pytest.raises(ValidationError, match=f"^{option} must be"):
            watch(cz, ["open_interest"], SYMBOLS, "1m", sink=sink, **options)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=f"^{option} must be"):
            asyncio.run(_awatch_once(fake, clock, sink, options))
    finally:
        timer.cancel()

    assert fake.calls == []


async def _awatch_once(
    fake: FakeCoinalyze, clock: ManualClock, sink: MemorySink, options: dict[str, object]
) -> WatchStats:
    async with AsyncCoinalyze(
        api_key=fake.api_key, clock=clock, http_transport=httpx.MockTransport(fake.handle)
    ) as client:
        return await awatch(client, ["open_interest"], SYMBOLS, "1m", sink=sink, **options)  # type: ignore[arg-type]


# ---------------------------------------------------------------- provider data never ends a watch


def test_a_sink_refusing_a_table_fails_one_cycle_and_the_loop_carries_on(
    cz: Coinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    original = sink.write
    refusals = iter([ValidationError("open_interest rows have a null exchange")])

    def write_or_refuse(table):  # type: ignore[no-untyped-def]
        error = next(refusals, None)
        if error is not None:
            raise error
        return original(table)

    sink.write = write_or_refuse  # type: ignore[method-assign]

    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=NOW_DT - 5 * M,
        max_cycles=2,
        clock=clock,
    )

    assert (stats.cycles, stats.failures) == (2, 1)
    assert stats.last_error == "open_interest rows have a null exchange"
    assert len(sink.read("open_interest")) == 2 * 6


def test_awatch_counts_a_sink_refusal_as_a_failed_cycle(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    sink = MemorySink()
    original = sink.write
    refusals = iter([ValidationError("refused")])

    def write_or_refuse(table):  # type: ignore[no-untyped-def]
        error = next(refusals, None)
        if error is not None:
            raise error
        return original(table)

    sink.write = write_or_refuse  # type: ignore[method-assign]

    async def run() -> WatchStats:
        client = AsyncCoinalyze(
            api_key=fake.api_key, clock=clock, http_transport=httpx.MockTransport(fake.handle)
        )
        async with client:
            return await awatch(
                client,
                ["open_interest"],
                SYMBOLS,
                "1m",
                sink=sink,
                start=NOW_DT - 5 * M,
                max_cycles=2,
                clock=clock,
            )

    stats = asyncio.run(run())

    assert (stats.cycles, stats.failures, stats.last_error) == (2, 1, "refused")


def test_an_answer_in_the_wrong_unit_fails_one_cycle_and_the_loop_carries_on(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    bad_answers = iter([True])

    def t_in_ms_once(body: list[Any]) -> list[Any]:
        if next(bad_answers, False):
            for series in body:
                for bar in series["history"]:
                    bar["t"] *= 1000
        return body

    fake.rewrite["/open-interest-history"] = t_in_ms_once

    stats = watch(
        cz,
        ["open_interest"],
        SYMBOLS,
        "1m",
        sink=sink,
        start=NOW_DT - 5 * M,
        max_cycles=2,
        clock=clock,
    )

    assert (stats.cycles, stats.failures) == (2, 1)
    assert "field t looks like milliseconds" in (stats.last_error or "")
    assert len(sink.read("open_interest")) == 2 * 6


def test_an_answer_holding_an_unasked_symbol_is_stored_without_it_by_a_checking_sink(
    cz: Coinalyze, fake: FakeCoinalyze, clock: ManualClock, tmp_path: Path
) -> None:
    fake.rewrite["/open-interest-history"] = lambda body: [
        *body,
        {**copy.deepcopy(body[0]), "symbol": "ETHUSDT_PERP.A"},
    ]

    with JsonlSink(tmp_path) as sink:
        stats = watch(
            cz,
            ["open_interest"],
            SYMBOLS,
            "1m",
            sink=sink,
            start=NOW_DT - 5 * M,
            max_cycles=2,
            clock=clock,
        )
        stored = sink.read("open_interest").to_polars()

    assert (stats.cycles, stats.failures) == (2, 0)
    assert set(stored.get_column("symbol")) == set(SYMBOLS)


def test_a_symbol_the_market_list_drops_later_fails_cycles_instead_of_ending_the_watch(
    fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    client = Coinalyze(
        api_key=fake.api_key,
        clock=clock,
        http_transport=httpx.MockTransport(fake.handle),
        market_ttl=0,
    )
    original = sink.write

    def write_then_delist(table):  # type: ignore[no-untyped-def]
        fake.futures = [row for row in fake.futures if row["symbol"] != "BTCUSDT.6"]
        return original(table)

    sink.write = write_then_delist  # type: ignore[method-assign]

    with client:
        stats = watch(
            client,
            ["open_interest"],
            SYMBOLS,
            "1m",
            sink=sink,
            start=NOW_DT - 5 * M,
            max_cycles=3,
            clock=clock,
        )

    assert (stats.cycles, stats.failures) == (3, 2)
    assert "unknown Coinalyze symbol 'BTCUSDT.6'" in (stats.last_error or "")


def test_an_unknown_symbol_at_the_first_cycle_still_ends_the_watch_after_a_network_failure(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    fake.raise_next(httpx.ConnectError("down"), count=20)

    with pytest.raises(ValidationError, match=r"NOPE\.A"):
        watch(cz, ["open_interest"], ["NOPE.A"], "1m", sink=sink, start=NOW_DT - 5 * M, clock=clock)

    assert fake.data_calls == []


# ---------------------------------------------------------------- start, today and after clock steps


def test_a_daily_watch_starting_today_waits_for_the_first_closed_bar(
    cz: Coinalyze, fake: FakeCoinalyze, sink: MemorySink, clock: ManualClock
) -> None:
    today = NOW_DT  # 2025-07-01 00:00 UTC: today's bar is still open

    stats = watch(
        cz, ["open_interest"], SYMBOLS, "1d", sink=sink, start=today, max_cycles=2, clock=clock
    )

    assert (stats.cycles, stats.failures, stats.requests) == (2, 0, 1)
    assert clock.time() == NOW + 86_400 + 5
    stored = sink.read("open_interest").to_polars()
    assert set(stored.get_column("ts")) == {today}
    assert len(stored) == len(SYMBOLS)


class _SteppedClock(ManualClock):
    """A ManualClock whose wall time can be stepped back, as NTP does; monotonic time is not."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self.step = 0.0

    def time(self) -> float:
        return super().time() + self.step


def test_a_clock_stepped_back_before_start_gives_cycles_with_nothing_new(
    fake: FakeCoinalyze, sink: MemorySink
) -> None:
    clock = _SteppedClock(NOW)
    fake.clock = clock
    client = Coinalyze(
        api_key=fake.api_key, clock=clock, http_transport=httpx.MockTransport(fake.handle)
    )
    original = sink.write

    def write_then_step_back(table):  # type: ignore[no-untyped-def]
        clock.step = -3_600.0
        return original(table)

    sink.write = write_then_step_back  # type: ignore[method-assign]

    with client:
        stats = watch(
            client,
            ["open_interest"],
            SYMBOLS,
            "1m",
            sink=sink,
            start=NOW_DT - 5 * M,
            max_cycles=3,
            clock=clock,
        )

    assert (stats.cycles, stats.failures) == (3, 0)
    assert stats.requests == 1
    assert len(sink.read("open_interest")) == 2 * 4  # the bars closed before the step back


def test_a_clock_stepped_back_during_the_wait_does_not_hold_the_loop_for_the_step(
    fake: FakeCoinalyze, sink: MemorySink
) -> None:
    clock = _SteppedClock(NOW)
    fake.clock = clock
    client = Coinalyze(
        api_key=fake.api_key, clock=clock, http_transport=httpx.MockTransport(fake.handle)
    )
    sleep = clock.sleep

    def sleep_then_step_back(seconds: float) -> None:
        sleep(seconds)
        clock.step = -3_600.0  # in the middle of the first wait

    clock.sleep = sleep_then_step_back  # type: ignore[method-assign]

    with client:
        stats = watch(
            client,
            ["open_interest"],
            SYMBOLS,
            "1m",
            sink=sink,
            start=NOW_DT - 5 * M,
            max_cycles=2,
            clock=clock,
        )

    assert (stats.cycles, stats.failures) == (2, 0)
    assert clock.monotonic() <= 2 * 65  # at most one interval plus delay per wait, not an hour
