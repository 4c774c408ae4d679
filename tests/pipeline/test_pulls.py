"""Scheduled pulls: named updates on a cadence, providers in parallel, every run logged."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata import Kind, ManualClock, Table, ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.source import Step
from cryptodata.pipeline.pulls import Cadence, PullSpec, load_pulls, loop_pulls, run_pulls
from fakes.sinks import MemorySink
from fakes.weighted import NOW, NOW_DT, WeightedSource

H = timedelta(hours=1)
OI = Kind.OPEN_INTEREST
START = NOW_DT - 5 * H


def pull(name: str, provider: str, symbol: str, **options: object) -> PullSpec:
    return PullSpec(
        name,
        provider,
        (OI,),
        (symbol,),
        Interval.H1,
        START,
        Cadence.parse("1h", ":05"),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


def stored(sink: MemorySink, kind: Kind = OI) -> list[tuple[object, ...]]:
    return sink.read(kind).to_polars().rows()


def test_a_pull_writes_its_series_from_start_and_logs_the_run(
    clock: ManualClock, sink: MemorySink
) -> None:
    (log,) = run_pulls([pull("oi", "a", "AAA")], {"a": WeightedSource(clock)}, sink=sink)

    assert len(stored(sink)) == 5  # the bars of [start, now)
    row = log.to_polars().row(0, named=True)
    assert (row["pull"], row["provider"], row["status"], row["rows"]) == ("oi", "a", "ok", 5)
    assert row["ts"] == NOW_DT
    assert stored(sink, Kind.PULL_LOG) == log.to_polars().rows()


def test_a_second_run_resumes_and_writes_no_duplicate(clock: ManualClock, sink: MemorySink) -> None:
    source = WeightedSource(clock)
    run_pulls([pull("oi", "a", "AAA")], {"a": source}, sink=sink)
    first = stored(sink)
    clock.advance(3_600)

    (log,) = run_pulls([pull("oi", "a", "AAA")], {"a": source}, sink=sink)

    assert len(stored(sink)) == len(first) + 1
    assert len(set(stored(sink))) == len(stored(sink))
    assert log.to_polars()["requests"].item() == 1
    assert len(stored(sink, Kind.PULL_LOG)) == 2


class Meeting(WeightedSource):
    """A source whose first fetch waits for the other provider's first fetch to start."""

    def __init__(self, clock: ManualClock, barrier: threading.Barrier) -> None:
        super().__init__(clock)
        self.barrier = barrier

    def fetch(self, step: Step) -> Table:
        if not self.fetched:
            self.barrier.wait()
        return super().fetch(step)


def test_pulls_of_different_providers_run_at_the_same_time(
    clock: ManualClock, sink: MemorySink
) -> None:
    # Each provider's first request waits for the other's: run one after the other, the
    # barrier would time out and both pulls fail.
    barrier = threading.Barrier(2, timeout=10)
    sources = {"a": Meeting(clock, barrier), "b": Meeting(clock, barrier)}

    logs = run_pulls([pull("a", "a", "AAA"), pull("b", "b", "BBB")], sources, sink=sink)

    assert [log.to_polars()["status"].item() for log in logs] == ["ok", "ok"]


def test_a_failing_pull_is_logged_and_the_others_still_run(
    clock: ManualClock, sink: MemorySink
) -> None:
    sources = {"a": WeightedSource(clock, fail_after=0), "b": WeightedSource(clock)}

    failed, done = run_pulls([pull("a", "a", "AAA"), pull("b", "b", "BBB")], sources, sink=sink)

    row = failed.to_polars().row(0, named=True)
    assert (row["status"], row["rows"]) == ("failed", 0)
    assert row["error"].startswith("TransportError: ")
    assert row["error"].endswith("connection reset")
    assert done.to_polars()["status"].item() == "ok"


def test_a_pull_that_fails_after_writing_is_partial_and_keeps_its_rows(
    clock: ManualClock, sink: MemorySink
) -> None:
    # The window spans a page boundary: two steps, the second fails.
    source = WeightedSource(clock, fail_after=1)
    spec = PullSpec("oi", "a", (OI,), ("AAA",), Interval.H1, NOW_DT - 150 * H)

    (log,) = run_pulls([spec], {"a": source}, sink=sink)

    assert log.to_polars()["status"].item() == "partial"
    assert log.to_polars()["rows"].item() == len(stored(sink)) > 0


def test_a_pull_whose_provider_has_no_source_is_refused_before_anything_runs(
    clock: ManualClock, sink: MemorySink
) -> None:
    source = WeightedSource(clock)

    with pytest.raises(ValidationError, match="no source for the pulls' provider"):
        run_pulls([pull("a", "a", "AAA"), pull("b", "b", "BBB")], {"a": source}, sink=sink)

    assert source.fetched == []


def test_the_loop_runs_each_pull_on_its_cadence_until_stopped(
    clock: ManualClock, sink: MemorySink
) -> None:
    stop = threading.Event()
    wakeups: list[list[Table]] = []

    def count(logs: list[Table]) -> None:
        wakeups.append(logs)
        if len(wakeups) == 3:
            stop.set()

    runs = loop_pulls(
        [pull("oi", "a", "AAA")],
        {"a": WeightedSource(clock)},
        sink=sink,
        clock=clock,
        stop=stop,
        on_run=count,
    )

    started = sink.read(Kind.PULL_LOG).to_polars()["ts"].to_list()
    assert runs == 3
    assert started == [NOW_DT + timedelta(minutes=5) + n * H for n in range(3)]


def test_a_loop_stopped_before_it_starts_runs_nothing(clock: ManualClock, sink: MemorySink) -> None:
    stop = threading.Event()
    stop.set()

    assert (
        loop_pulls(
            [pull("oi", "a", "AAA")],
            {"a": WeightedSource(clock)},
            sink=sink,
            clock=clock,
            stop=stop,
        )
        == 0
    )


@given(
    st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.sampled_from([("1h", ":05"), ("1d", "00:05"), ("4h", "1:30"), ("1h", None)]),
)
def test_the_next_run_is_the_first_offset_boundary_after_now(
    moment: datetime, cadence: tuple[str, str | None]
) -> None:
    when = Cadence.parse(*cadence)

    following = when.next_after(moment)

    assert moment < following <= moment + when.every.timedelta
    assert when.every.floor(following) + when.offset == following


@pytest.mark.parametrize(
    ("every", "at", "message"),
    [
        ("1h", "1:05", "not within one 1h"),
        ("1d", "5 past", "':MM' or 'HH:MM'"),
        ("2w", None, "unknown interval"),
    ],
)
def test_a_bad_cadence_is_refused(every: str, at: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Cadence.parse(every, at)


PULLS_FILE = """
sink = "jsonl:vault/"

[[pull]]
name = "oi-hourly"
provider = "ccxt:bybit"
kinds = ["open_interest", "ohlcv"]
symbols = ["BTC/USDT:USDT"]
interval = "1h"
start = 2025-01-01
every = "1h"
at = ":05"

[[pull]]
name = "stored-daily"
provider = "coinalyze"
kinds = ["ohlcv"]
"""


def test_a_pulls_file_is_read_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "pulls.toml"
    path.write_text(PULLS_FILE)

    config = load_pulls(path)

    assert config.sink == "jsonl:vault/"
    assert config.providers() == ["ccxt:bybit", "coinalyze"]
    hourly, daily = config.pulls
    assert hourly.kinds == (Kind.OPEN_INTEREST, Kind.OHLCV)
    assert hourly.start == datetime(2025, 1, 1, tzinfo=UTC)
    assert hourly.cadence == Cadence(Interval.H1, timedelta(minutes=5))
    assert (daily.symbols, daily.interval, daily.cadence) == (
        None,
        Interval.D1,
        Cadence(Interval.D1),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no \\[\\[pull\\]\\] entries"),
        ('[[pull]]\nname = "x"\nprovider = "coinalyze"\n', "pull 'x': kinds is a list"),
        ('[[pull]]\nname = "x"\nprovider = "p"\nkinds = ["ohlcv"]\ncolour = 1\n', "unknown field"),
        ('[[pull]]\nname = "x"\nprovider = "p"\nkinds = ["nope"]\n', "pull 'x'"),
        (
            '[[pull]]\nname = "x"\nprovider = "p"\nkinds = ["ohlcv"]\n'
            '[[pull]]\nname = "x"\nprovider = "q"\nkinds = ["ohlcv"]\n',
            "unique: x",
        ),
        ("[[pull", "cannot read"),
    ],
)
def test_a_bad_pulls_file_is_refused_naming_the_pull(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "pulls.toml"
    path.write_text(text)

    with pytest.raises(ValidationError, match=message):
        load_pulls(path)
