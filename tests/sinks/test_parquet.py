"""ParquetSink: the sink contract on local and fsspec roots, Hive layout, merge-on-write,
compaction, crash leftovers."""

from __future__ import annotations

import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import fsspec
import polars as pl
import pytest

from cryptodata import CryptoDataError, Kind, SinkError, Table, ValidationError, schema
from cryptodata.core.schema import series_key
from cryptodata.sinks.base import Sink
from cryptodata.sinks.parquet import Compression, ParquetSink
from sinks.conftest import key
from sinks.contract import MakeTable, SinkContract, assert_rows, at, stack

SERIES = Path(
    "kind=ohlcv",
    "provider=coinalyze",
    "exchange=A",
    "symbol=BTCUSDT_PERP.A",
    "interval=1h",
    "unit=base",
)
Y2025 = SERIES / "year=2025"


class TestParquetContract(SinkContract):
    @pytest.fixture
    def sink(self, tmp_path: Path) -> Iterator[Sink]:
        with ParquetSink(tmp_path) as sink:
            yield sink

    @pytest.fixture
    def reopen(self, tmp_path: Path) -> Callable[[], Sink]:
        return lambda: ParquetSink(f"file://{tmp_path}")


class TestParquetMemoryUrlContract(SinkContract):
    @pytest.fixture
    def url(self) -> Iterator[str]:
        url = f"memory://sink-{uuid.uuid4().hex}"
        yield url
        memory = fsspec.filesystem("memory")
        if memory.exists(url):
            memory.rm(url, recursive=True)

    @pytest.fixture
    def sink(self, url: str) -> Iterator[Sink]:
        with ParquetSink(url) as sink:
            yield sink

    @pytest.fixture
    def reopen(self, url: str) -> Callable[[], Sink]:
        return lambda: ParquetSink(url)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[ParquetSink]:
    with ParquetSink(tmp_path) as sink:
        yield sink


def parts(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


# -- layout ---------------------------------------------------------------------------------


def test_a_part_file_is_named_by_generation_and_ts_range_in_a_hive_partition(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3))

    assert files(tmp_path) == [
        "_cryptodata.json",
        str(Y2025 / "part-000001-20250101T000000000Z-20250101T020000000Z.parquet"),
    ]


def test_rows_across_new_year_go_to_one_partition_per_utc_year(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3, start=datetime(2024, 12, 31, 23, tzinfo=UTC)))

    assert files(tmp_path) == [
        "_cryptodata.json",
        str(SERIES / "year=2024" / "part-000001-20241231T230000000Z-20241231T230000000Z.parquet"),
        str(Y2025 / "part-000001-20250101T000000000Z-20250101T010000000Z.parquet"),
    ]


def test_ids_are_percent_encoded_and_polars_hive_reading_decodes_them(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=1, symbol="BTC/USDT:USDT"))

    assert (tmp_path / "kind=ohlcv/provider=coinalyze/exchange=A/symbol=BTC%2FUSDT%3AUSDT").is_dir()
    scanned = pl.scan_parquet(tmp_path / "kind=ohlcv/**/*.parquet", hive_partitioning=True)
    assert scanned.select("symbol").collect().item() == "BTC/USDT:USDT"


def test_polars_scan_parquet_with_hive_partitioning_reads_the_dataset(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3, symbol="X", start=datetime(2024, 12, 31, 23, tzinfo=UTC)))
    sink.write(make_table(n=2, symbol="Y", exchange="B"))

    scanned = (
        pl.scan_parquet(tmp_path / "kind=ohlcv/**/*.parquet", hive_partitioning=True)
        .sort("symbol", "ts")
        .collect()
    )

    in_files = [name for name in schema(Kind.OHLCV).names() if name not in series_key(Kind.OHLCV)]
    assert scanned.columns == [*in_files, "kind", *series_key(Kind.OHLCV), "year"]
    assert scanned.get_column("year").to_list() == [2024, 2025, 2025, 2025, 2025]
    assert_rows(Table.from_frame(Kind.OHLCV, scanned), sink.read(Kind.OHLCV))


# -- merge-on-write -------------------------------------------------------------------------


def test_newer_rows_are_a_new_part_and_stored_parts_are_not_read(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3))
    (first,) = parts(tmp_path / Y2025)
    (tmp_path / Y2025 / first).write_bytes(b"not parquet: reading it would fail")

    sink.write(make_table(n=2, start=at(3)))

    assert parts(tmp_path / Y2025) == [
        first,
        "part-000002-20250101T030000000Z-20250101T040000000Z.parquet",
    ]


def test_older_history_before_the_stored_range_is_a_new_part_too(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3, start=at(10)))
    (first,) = parts(tmp_path / Y2025)
    (tmp_path / Y2025 / first).write_bytes(b"not parquet")

    sink.write(make_table(n=3))

    assert len(parts(tmp_path / Y2025)) == 2


def test_overlapping_rows_are_merged_into_disjoint_parts(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=10))

    sink.write(make_table(n=10, start=at(5), offset=0.5))

    # Split where the new rows start: rows before it, then the new (and any later) rows.
    assert parts(tmp_path / Y2025) == [
        "part-000002-20250101T000000000Z-20250101T040000000Z.parquet",
        "part-000002-20250101T050000000Z-20250101T140000000Z.parquet",
    ]


def test_a_watch_loop_revising_its_last_bar_rewrites_only_the_small_tail(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=100))
    sink.write(make_table(n=2, start=at(99), offset=1.0))
    head = tmp_path / Y2025 / "part-000002-20250101T000000000Z-20250105T020000000Z.parquet"
    stamp = head.stat().st_mtime_ns

    for hour in range(100, 110):
        sink.write(make_table(n=2, start=at(hour), offset=1.0))

    assert head.stat().st_mtime_ns == stamp
    assert len(sink.read(Kind.OHLCV)) == 111


def test_more_parts_than_max_parts_are_compacted(tmp_path: Path, make_table: MakeTable) -> None:
    counts = []
    with ParquetSink(tmp_path, max_parts=4) as sink:
        for hour in range(10):
            sink.write(make_table(n=1, start=at(hour)))
            counts.append(len(parts(tmp_path / Y2025)))

        assert counts == [1, 2, 3, 4, 2, 3, 4, 2, 3, 4]
        expected = stack(*(make_table(n=1, start=at(hour)) for hour in range(10)))
        assert_rows(sink.read(Kind.OHLCV), expected)


def test_compaction_keeps_the_newest_part_apart(tmp_path: Path, make_table: MakeTable) -> None:
    with ParquetSink(tmp_path, max_parts=2) as sink:
        for hour in range(3):
            sink.write(make_table(n=1, start=at(hour)))

    assert parts(tmp_path / Y2025) == [
        "part-000003-20250101T020000000Z-20250101T020000000Z.parquet",
        "part-000004-20250101T000000000Z-20250101T010000000Z.parquet",
    ]


CODECS = "zstd, snappy, lz4, gzip, brotli, uncompressed"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"compression": "rot13"}, f"compression must be one of {CODECS}, not 'rot13'"),
        # polars' docs list lzo, but its Parquet writer refuses it.
        ({"compression": "lzo"}, f"compression must be one of {CODECS}, not 'lzo'"),
        ({"compression": None}, f"compression must be one of {CODECS}, not None"),
        ({"max_parts": 1}, "max_parts must be an integer of at least 2, not 1"),
        ({"max_parts": 2.5}, "max_parts must be an integer of at least 2, not 2.5"),
        ({"max_parts": float("nan")}, "max_parts must be an integer of at least 2, not nan"),
        ({"max_parts": True}, "max_parts must be an integer of at least 2, not True"),
        ({"max_workers": 0}, "max_workers must be an integer of at least 1, not 0"),
        ({"max_workers": "4"}, "max_workers must be an integer of at least 1, not '4'"),
        ({"storage_options": ["anon"]}, "storage_options must be a mapping"),
        ({"migrate_interval": "1H"}, "unknown interval '1H'"),
    ],
)
def test_invalid_arguments_are_refused_at_construction_before_anything_is_created(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    root = tmp_path / "data"

    with pytest.raises(ValidationError, match=re.escape(message)):
        ParquetSink(root, **arguments)  # type: ignore[arg-type]
    assert not root.exists()


@pytest.mark.parametrize(
    ("root", "message"),
    [
        (42, "ParquetSink root must be a directory path or URL (str or os.PathLike), not int"),
        (
            b"data",
            "ParquetSink root must be a directory path or URL (str or os.PathLike), not bytes",
        ),
        ("", "ParquetSink root must name a directory, not ''"),
        ("nope://bucket/data", "'nope://bucket/data' cannot be opened: Protocol not known: nope"),
    ],
)
def test_a_root_that_names_no_directory_is_refused(root: object, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        ParquetSink(root)  # type: ignore[arg-type]


@pytest.mark.parametrize("codec", get_args(Compression))
def test_every_accepted_codec_writes_a_dataset_polars_reads(
    tmp_path: Path, make_table: MakeTable, codec: Compression
) -> None:
    table = make_table(n=3)
    with ParquetSink(tmp_path, compression=codec) as sink:
        sink.write(table)

    scanned = pl.scan_parquet(tmp_path / "kind=ohlcv" / "**" / "*.parquet").collect()
    assert scanned.get_column("close").to_list() == table.to_polars().get_column("close").to_list()


# -- crash leftovers ------------------------------------------------------------------------


def test_a_leftover_temp_file_is_invisible_to_reads_and_scans(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=2))
    temp = tmp_path / Y2025 / ".tmp-0123abcd-part-000002-x.parquet.inprogress"
    temp.write_bytes(b"PAR1 half a file")

    assert_rows(sink.read(Kind.OHLCV), make_table(n=2))
    scanned = pl.scan_parquet(tmp_path / "kind=ohlcv/**/*.parquet", hive_partitioning=True)
    assert scanned.collect().height == 2


def test_a_leftover_temp_file_is_removed_by_the_next_write_to_its_partition(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=2))
    temp = tmp_path / Y2025 / ".tmp-0123abcd-part-000002-x.parquet.inprogress"
    temp.write_bytes(b"PAR1 half a file")

    sink.write(make_table(n=1, start=at(2)))

    assert not temp.exists()


def crash_after_rename(tmp_path: Path, sink: ParquetSink, make_table: MakeTable) -> None:
    """Leave the state a crash between renaming a merged part and removing the old one leaves."""
    sink.write(make_table(n=3))
    (old,) = parts(tmp_path / Y2025)
    saved = (tmp_path / Y2025 / old).read_bytes()
    sink.write(make_table(n=3, offset=5.0))
    (tmp_path / Y2025 / old).write_bytes(saved)


def test_after_a_crash_between_rename_and_remove_the_newer_part_wins(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    crash_after_rename(tmp_path, sink, make_table)

    assert len(parts(tmp_path / Y2025)) == 2
    assert_rows(sink.read(Kind.OHLCV), make_table(n=3, offset=5.0))


def test_the_next_write_resolves_parts_left_overlapping_by_a_crash(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    crash_after_rename(tmp_path, sink, make_table)

    sink.write(make_table(n=1, start=at(3)))

    assert parts(tmp_path / Y2025) == [
        "part-000003-20250101T000000000Z-20250101T020000000Z.parquet",
        "part-000003-20250101T030000000Z-20250101T030000000Z.parquet",
    ]
    assert_rows(
        sink.read(Kind.OHLCV), stack(make_table(n=3, offset=5.0), make_table(n=1, start=at(3)))
    )


def test_compaction_right_after_a_crash_repair_keeps_the_rows_exact_and_sorted(
    tmp_path: Path, make_table: MakeTable
) -> None:
    with ParquetSink(tmp_path) as sink:
        sink.write(make_table(n=11))
        (old,) = parts(tmp_path / Y2025)
        saved = (tmp_path / Y2025 / old).read_bytes()
        sink.write(make_table(n=11, start=at(20)))
        sink.write(make_table(n=11, start=at(40)))
        sink.write(make_table(n=8, start=at(5), offset=0.5))
    (tmp_path / Y2025 / old).write_bytes(saved)  # the crash: a replaced part is back

    # The repair merges rows 0-12 with 40-44 into one part whose range spans part 20-30; the
    # compaction that follows must merge those two in ts order, not stream them as they are.
    with ParquetSink(tmp_path, max_parts=2) as sink:
        sink.write(make_table(n=2, start=at(45), offset=0.25))
        table = sink.read(Kind.OHLCV)

    full = [make_table(n=11).to_polars(), make_table(n=11, start=at(40)).to_polars()]
    expected = pl.concat(
        [
            full[0].slice(0, 5),
            make_table(n=8, start=at(5), offset=0.5).to_polars(),
            make_table(n=11, start=at(20)).to_polars(),
            full[1].slice(0, 5),
            make_table(n=2, start=at(45), offset=0.25).to_polars(),
            full[1].slice(7),
        ]
    )
    assert_rows(table, Table.from_frame(Kind.OHLCV, expected))
    assert len(parts(tmp_path / Y2025)) == 2
    for name in parts(tmp_path / Y2025):
        assert pl.read_parquet(tmp_path / Y2025 / name).get_column("ts").is_sorted()


# -- cheap reads ----------------------------------------------------------------------------


def test_last_ts_reads_no_file(tmp_path: Path, sink: ParquetSink, make_table: MakeTable) -> None:
    sink.write(make_table(n=3, start=datetime(2024, 12, 31, 23, tzinfo=UTC)))
    for path in (tmp_path / SERIES).rglob("*.parquet"):
        path.write_bytes(b"not parquet")

    assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "BTCUSDT_PERP.A")) == at(1)


def test_read_skips_years_and_parts_outside_the_bounds(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=3, start=datetime(2024, 12, 31, 23, tzinfo=UTC)))
    sink.write(make_table(n=2, start=at(10)))
    for path in (tmp_path / SERIES / "year=2024").iterdir():
        path.write_bytes(b"not parquet")

    table = sink.read(Kind.OHLCV, start="2025-01-01", end="2025-01-01T05:00Z")

    assert table.to_polars().get_column("ts").to_list() == [at(0), at(1)]


# -- roots ----------------------------------------------------------------------------------


def test_a_file_url_root_is_the_local_directory(tmp_path: Path, make_table: MakeTable) -> None:
    with ParquetSink(f"file://{tmp_path}") as sink:
        sink.write(make_table(n=2))

    assert len(parts(tmp_path / Y2025)) == 1
    with ParquetSink(tmp_path) as sink:
        assert_rows(sink.read(Kind.OHLCV), make_table(n=2))


def test_a_memory_url_holds_the_same_layout(make_table: MakeTable) -> None:
    url = f"memory://layout-{uuid.uuid4().hex}"
    with ParquetSink(url) as sink:
        sink.write(make_table(n=3))

    fs = fsspec.filesystem("memory")
    names = sorted(name.removeprefix(url.removeprefix("memory:/")) for name in fs.find(url))
    fs.rm(url, recursive=True)
    assert names == [
        "/_cryptodata.json",
        f"/{Y2025.as_posix()}/part-000001-20250101T000000000Z-20250101T020000000Z.parquet",
    ]


def test_an_fsspec_url_without_fsspec_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)

    with pytest.raises(ValidationError, match=r"pip install 'cryptodata\[fsspec\]'"):
        ParquetSink("memory://anything")


# -- lifecycle ------------------------------------------------------------------------------


def test_a_root_below_a_file_is_a_sink_error_naming_the_path(
    tmp_path: Path, make_table: MakeTable
) -> None:
    (tmp_path / "file").write_text("")
    sink = ParquetSink(tmp_path / "file" / "data")

    with pytest.raises(SinkError, match="a file stands where a directory belongs") as caught:
        sink.write(make_table(n=1))

    assert f"cannot write ohlcv rows: Not a directory: '{tmp_path}/file/data'" in str(caught.value)
    assert isinstance(caught.value.__cause__, NotADirectoryError)


def test_a_damaged_part_file_is_a_sink_error_saying_what_to_do(
    tmp_path: Path, sink: ParquetSink, make_table: MakeTable
) -> None:
    sink.write(make_table(n=2))
    part = next(tmp_path.glob("kind=ohlcv/**/*.parquet"))
    part.write_bytes(part.read_bytes()[:40])

    with pytest.raises(SinkError, match=r"a stored file is damaged .*; restore it from a copy"):
        sink.read(Kind.OHLCV)
    with pytest.raises(SinkError, match="cannot write ohlcv rows: a stored file is damaged"):
        sink.write(make_table(n=2, offset=1.0))


def test_a_closed_sink_refuses_to_write(sink: ParquetSink, make_table: MakeTable) -> None:
    sink.close()

    with pytest.raises(CryptoDataError, match="is closed"):
        sink.write(make_table(n=1))


def test_repr_names_the_root(tmp_path: Path) -> None:
    assert repr(ParquetSink(tmp_path)) == f"ParquetSink({str(tmp_path)!r})"


def test_a_large_write_round_trips(sink: ParquetSink, make_table: MakeTable) -> None:
    table = make_table(n=50_000, step=timedelta(minutes=1))

    assert sink.write(table) == 50_000
    assert_rows(sink.read(Kind.OHLCV), table)


def test_a_reader_sees_whole_writes_while_a_writer_replaces_parts(
    tmp_path: Path, make_table: MakeTable
) -> None:
    writer, reader = ParquetSink(tmp_path), ParquetSink(tmp_path)
    writer.write(make_table(n=300))
    done = threading.Event()

    def rewrite() -> None:
        for revision in range(1, 30):
            writer.write(make_table(n=300, offset=float(revision)))
        done.set()

    thread = threading.Thread(target=rewrite)
    thread.start()
    seen = set()
    while not done.is_set():
        frame = reader.read(Kind.OHLCV).to_polars()
        offsets = (
            frame.get_column("close") - make_table(n=300).to_polars().get_column("close")
        ).unique()
        assert frame.height == 300
        assert offsets.len() == 1  # every row from the same write
        seen.add(offsets.item())
    thread.join()
    assert len(seen) > 1
