"""JsonlSink: the sink contract, file layout and line format, appends, compaction, torn tails."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from cryptodata import CryptoDataError, Kind, SinkError, Table, ValidationError
from cryptodata.sinks.base import Sink
from cryptodata.sinks.jsonl import JsonlSink
from sinks.conftest import key
from sinks.contract import MakeTable, SinkContract, assert_rows, at, stack

SERIES = Path("ohlcv", "coinalyze", "A", "BTCUSDT_PERP.A", "1h", "base")
JANUARY = SERIES / "2025-01.jsonl"


class TestJsonlContract(SinkContract):
    @pytest.fixture
    def sink(self, tmp_path: Path) -> Iterator[Sink]:
        with JsonlSink(tmp_path) as sink:
            yield sink

    @pytest.fixture
    def reopen(self, tmp_path: Path) -> Callable[[], Sink]:
        return lambda: JsonlSink(tmp_path)


class TestJsonlDaySplitContract(SinkContract):
    @pytest.fixture
    def sink(self, tmp_path: Path) -> Iterator[Sink]:
        with JsonlSink(f"file://{tmp_path}", split="day") as sink:
            yield sink

    @pytest.fixture
    def reopen(self, tmp_path: Path) -> Callable[[], Sink]:
        return lambda: JsonlSink(tmp_path, split="day")


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[JsonlSink]:
    with JsonlSink(tmp_path) as sink:
        yield sink


def files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


# -- layout and format ----------------------------------------------------------------------


def test_files_are_split_by_utc_month_below_kind_provider_exchange_symbol(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3, start=datetime(2025, 1, 31, 23, tzinfo=UTC)))

    assert files(tmp_path) == ["_sink.json", str(JANUARY), str(SERIES / "2025-02.jsonl")]
    assert len(lines(tmp_path / JANUARY)) == 1
    assert len(lines(tmp_path / SERIES / "2025-02.jsonl")) == 2


def test_day_split_writes_one_file_per_utc_day(tmp_path: Path, make_table: MakeTable) -> None:
    with JsonlSink(tmp_path, split="day") as sink:
        sink.write(make_table(n=3, start=datetime(2025, 1, 31, 23, tzinfo=UTC)))

    assert files(tmp_path) == [
        "_sink.json",
        str(SERIES / "2025-01-31.jsonl"),
        str(SERIES / "2025-02-01.jsonl"),
    ]


def test_a_line_holds_every_column_with_an_iso_utc_ts_and_nulls(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(Kind.LIQUIDATIONS, n=2, nulls=True))

    assert lines(
        tmp_path
        / "liquidations"
        / "coinalyze"
        / "A"
        / "BTCUSDT_PERP.A"
        / "1h"
        / "base"
        / "2025-01.jsonl"
    ) == [
        '{"provider":"coinalyze","exchange":"A","symbol":"BTCUSDT_PERP.A","base":"BTC",'
        '"interval":"1h","ts":"2025-01-01T00:00:00.000Z","longs":101.0,"shorts":101.125,'
        '"unit":"base"}',
        '{"provider":"coinalyze","exchange":"A","symbol":"BTCUSDT_PERP.A","base":"BTC",'
        '"interval":"1h","ts":"2025-01-01T01:00:00.000Z","longs":null,"shorts":null,'
        '"unit":"base"}',
    ]


def test_milliseconds_are_kept_in_the_ts_text(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=1, start=datetime(2025, 1, 1, 0, 0, 1, 234000, tzinfo=UTC)))

    assert '"ts":"2025-01-01T00:00:01.234Z"' in lines(tmp_path / JANUARY)[0]


def test_unsafe_characters_in_ids_are_percent_encoded(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=1, exchange="..", symbol="BTC/USDT:USDT"))

    assert files(tmp_path)[1] == str(
        Path("ohlcv", "coinalyze", "%2E.", "BTC%2FUSDT%3AUSDT", "1h", "base", "2025-01.jsonl")
    )


def test_nan_and_infinity_are_stored_as_null(tmp_path: Path, sink: JsonlSink) -> None:
    frame = pl.DataFrame(
        {
            "provider": "p",
            "exchange": "A",
            "symbol": "X",
            "base": "BTC",
            "ts": [at(0), at(1)],
            "value": [float("nan"), float("inf")],
            "period_hours": 8.0,
        }
    )
    sink.write(Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame))

    assert sink.read(Kind.FUNDING_RATE_SNAPSHOT).to_polars().get_column("value").to_list() == [
        None,
        None,
    ]


# -- appends and compaction -----------------------------------------------------------------


def test_newer_rows_are_appended_to_the_same_file(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=2))
    before = (tmp_path / JANUARY).stat().st_ino

    sink.write(make_table(n=2, start=at(2)))

    assert (tmp_path / JANUARY).stat().st_ino == before
    assert len(lines(tmp_path / JANUARY)) == 4


def test_rows_at_or_before_the_last_ts_rewrite_the_file_with_one_line_per_key(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=10))
    before = (tmp_path / JANUARY).stat().st_ino

    sink.write(make_table(n=10, start=at(5), offset=0.5))

    text = lines(tmp_path / JANUARY)
    stamps = [line.split('"ts":"')[1][:24] for line in text]
    assert len(text) == 15
    assert stamps == sorted(set(stamps))
    assert (tmp_path / JANUARY).stat().st_ino != before
    assert files(tmp_path) == ["_sink.json", str(JANUARY)]


def test_a_revised_last_row_replaces_its_line(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3))

    sink.write(make_table(n=1, start=at(2), offset=9.0))

    assert len(lines(tmp_path / JANUARY)) == 3
    assert_rows(
        sink.read(Kind.OHLCV), stack(make_table(n=2), make_table(n=1, start=at(2), offset=9.0))
    )


# -- crash recovery -------------------------------------------------------------------------


def torn_store(tmp_path: Path, sink: JsonlSink, make_table: MakeTable, tail: bytes) -> Path:
    """Three good rows, then `tail` as an interrupted append would leave it."""
    sink.write(make_table(n=3))
    path = tmp_path / JANUARY
    with path.open("ab") as file:
        file.write(tail)
    return path


TORN = b'{"provider":"coinalyze","exchange":"A","symbol":"BTCUSDT_PERP.A","base":"BTC","ts":"2025-01-01T03:00:0'


def test_a_torn_last_line_is_skipped_on_read_with_a_warning(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    path = torn_store(tmp_path, sink, make_table, TORN)

    table = sink.read(Kind.OHLCV)

    assert_rows(table, make_table(n=3))
    assert table.warnings == [f"skipped a torn last line in {path}"]


def test_a_newline_terminated_invalid_last_line_is_treated_as_torn(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    torn_store(tmp_path, sink, make_table, b"\x00\x00{garbage\n")

    table = sink.read(Kind.OHLCV)

    assert_rows(table, make_table(n=3))
    assert len(table.warnings) == 1
    assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "BTCUSDT_PERP.A")) == at(2)


def test_last_ts_ignores_a_torn_last_line(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    torn_store(tmp_path, sink, make_table, TORN)

    assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "BTCUSDT_PERP.A")) == at(2)


def test_a_torn_tail_is_cut_off_before_the_next_append(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    path = torn_store(tmp_path, sink, make_table, TORN)
    good = lines(path)[:3]

    sink.write(make_table(n=1, start=at(3)))

    assert lines(path)[:3] == good
    assert len(lines(path)) == 4
    assert path.read_bytes().endswith(b"}\n")
    table = sink.read(Kind.OHLCV)
    assert_rows(table, stack(make_table(n=3), make_table(n=1, start=at(3))))
    assert table.warnings == []


def test_a_torn_tail_is_dropped_by_a_compaction(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    path = torn_store(tmp_path, sink, make_table, TORN)

    sink.write(make_table(n=1, start=at(1), offset=4.0))

    assert len(lines(path)) == 3
    stored = make_table(n=3).to_polars()
    revised = make_table(n=1, start=at(1), offset=4.0).to_polars()
    expected = pl.concat([stored.slice(0, 1), revised, stored.slice(2, 1)])
    assert_rows(sink.read(Kind.OHLCV), Table.from_frame(Kind.OHLCV, expected))


def test_a_file_holding_only_a_torn_line_is_an_empty_series(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    path = tmp_path / JANUARY
    path.parent.mkdir(parents=True)
    path.write_bytes(TORN)

    assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "BTCUSDT_PERP.A")) is None
    assert len(sink.read(Kind.OHLCV)) == 0
    sink.write(make_table(n=2))
    assert len(lines(path)) == 2


def test_a_damaged_line_before_the_last_is_an_error_naming_the_file(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3))
    path = tmp_path / JANUARY
    text = lines(path)
    path.write_text("\n".join([text[0], "{not json", text[2]]) + "\n")

    with pytest.raises(SinkError, match=r"2025-01\.jsonl holds a line that is not a valid row"):
        sink.read(Kind.OHLCV)


def test_last_ts_reads_only_the_newest_file(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=2, start=datetime(2025, 1, 31, 23, tzinfo=UTC)))
    (tmp_path / JANUARY).write_bytes(b"{damaged\n{damaged\n")

    assert sink.last_ts(
        Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "BTCUSDT_PERP.A")
    ) == datetime(2025, 2, 1, tzinfo=UTC)


def test_a_leftover_temp_file_is_ignored_and_removed_by_the_next_write(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=2))
    temp = tmp_path / SERIES / ".tmp-0123abcd-2025-01.jsonl.inprogress"
    temp.write_bytes(b'{"half a file')

    assert_rows(sink.read(Kind.OHLCV), make_table(n=2))
    sink.write(make_table(n=1, start=at(2)))
    assert not temp.exists()


# -- reading --------------------------------------------------------------------------------


def test_read_skips_files_outside_the_bounds(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3, start=datetime(2025, 1, 31, 23, tzinfo=UTC)))
    (tmp_path / JANUARY).write_bytes(b"{damaged\n{damaged\n")

    table = sink.read(Kind.OHLCV, start="2025-02-01")

    assert len(table) == 2


def test_reading_needs_no_marker_or_directories(tmp_path: Path) -> None:
    with JsonlSink(tmp_path / "missing") as sink:
        assert len(sink.read(Kind.OHLCV, symbol="X", start="2025-01-01")) == 0
        assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "p", "e", "s")) is None
    assert not (tmp_path / "missing").exists()


# -- configuration and lifecycle ------------------------------------------------------------


def test_a_root_keeps_the_split_it_was_written_with(tmp_path: Path, make_table: MakeTable) -> None:
    with JsonlSink(tmp_path, split="day") as sink:
        sink.write(make_table(n=1))

    with pytest.raises(ValidationError, match="split='day'"):
        JsonlSink(tmp_path, split="month")


def test_an_unknown_split_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="split must be 'month' or 'day'"):
        JsonlSink(tmp_path, split="week")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"split": ["month"]}, "split must be 'month' or 'day', not ['month']"),
        ({"split": None}, "split must be 'month' or 'day', not None"),
        ({"migrate_interval": "hourly"}, "unknown interval 'hourly'"),
    ],
)
def test_invalid_arguments_are_refused_at_construction_before_anything_is_created(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    root = tmp_path / "vault"

    with pytest.raises(ValidationError, match=re.escape(message)):
        JsonlSink(root, **arguments)  # type: ignore[arg-type]
    assert not root.exists()


@pytest.mark.parametrize(
    ("root", "message"),
    [
        (None, "JsonlSink root must be a directory path or URL (str or os.PathLike), not NoneType"),
        (
            b"vault",
            "JsonlSink root must be a directory path or URL (str or os.PathLike), not bytes",
        ),
        ("  ", "JsonlSink root must name a directory, not '  '"),
        ("va\x00ult", "JsonlSink root 'va\\x00ult' holds a NUL character"),
    ],
)
def test_a_root_that_names_no_directory_is_refused(root: object, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        JsonlSink(root)  # type: ignore[arg-type]


def test_a_marker_that_is_not_json_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "_sink.json").write_bytes(b"\x00garbage")

    with pytest.raises(ValidationError, match=r"_sink\.json is not a cryptodata JSONL marker"):
        JsonlSink(tmp_path)


def test_a_root_below_a_file_is_a_sink_error_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")

    with pytest.raises(SinkError, match="a file stands where a directory belongs") as caught:
        JsonlSink(tmp_path / "file" / "vault")

    assert f"cannot open the root: Not a directory: '{tmp_path}/file/vault/_sink.json'" in str(
        caught.value
    )
    assert isinstance(caught.value.__cause__, NotADirectoryError)


def test_a_series_directory_taken_by_a_file_is_a_sink_error_and_other_rows_stay(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=2, symbol="X"))
    (tmp_path / "ohlcv" / "coinalyze" / "A").mkdir(parents=True, exist_ok=True)
    (tmp_path / "ohlcv" / "coinalyze" / "A" / "Y").write_text("in the way")

    with pytest.raises(SinkError, match="cannot write ohlcv rows: "):
        sink.write(make_table(n=2, symbol="Y"))

    assert_rows(sink.read(Kind.OHLCV), make_table(n=2, symbol="X"))


def test_a_non_file_url_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="JsonlSink writes local files"):
        JsonlSink("memory://vault")


def test_a_relative_root_is_fixed_at_construction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_table: MakeTable
) -> None:
    monkeypatch.chdir(tmp_path)
    sink = JsonlSink("vault")
    monkeypatch.chdir(os.sep)

    sink.write(make_table(n=1))

    assert (tmp_path / "vault" / JANUARY).is_file()


def test_a_closed_sink_refuses_to_write(sink: JsonlSink, make_table: MakeTable) -> None:
    sink.close()

    with pytest.raises(CryptoDataError, match="is closed"):
        sink.write(make_table(n=1))


def test_repr_names_root_and_split(tmp_path: Path) -> None:
    assert repr(JsonlSink(tmp_path, split="day")) == f"JsonlSink({str(tmp_path)!r}, split='day')"


def test_month_files_end_on_the_last_millisecond_of_the_month(
    tmp_path: Path, sink: JsonlSink, make_table: MakeTable
) -> None:
    last = datetime(2025, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
    sink.write(make_table(n=2, start=last, step=timedelta(milliseconds=1)))

    assert files(tmp_path)[1:] == [str(SERIES / "2025-12.jsonl"), str(SERIES / "2026-01.jsonl")]
    assert len(sink.read(Kind.OHLCV, start="2026-01-01")) == 1


def test_a_reader_never_sees_a_duplicate_or_a_half_row_while_a_writer_works(
    tmp_path: Path, make_table: MakeTable
) -> None:
    writer, reader = JsonlSink(tmp_path), JsonlSink(tmp_path)
    writer.write(make_table(n=1))
    done = threading.Event()

    def watch_loop() -> None:
        for hour in range(1, 60):  # revise the open bar, append the next one
            writer.write(make_table(n=2, start=at(hour - 1), offset=float(hour)))
        done.set()

    thread = threading.Thread(target=watch_loop)
    thread.start()
    while not done.is_set():
        stamps = reader.read(Kind.OHLCV).to_polars().get_column("ts").to_list()
        assert stamps == [at(hour) for hour in range(len(stamps))]
    thread.join()
    assert len(reader.read(Kind.OHLCV)) == 60
