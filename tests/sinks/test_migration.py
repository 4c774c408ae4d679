"""Roots written by cryptodata 0.1 (layout 1) are refused with the migrate command, or migrated.

The layout-1 roots under `tests/fixtures/layout-1/` were written by the 0.1 sinks themselves
(see the README there); each test works on a copy.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import msgspec
import polars as pl
import pytest

from cryptodata import Kind, SinkError, Table, ValidationError, primary_key, schema
from cryptodata.cli.main import main
from cryptodata.core.intervals import Interval
from cryptodata.sinks import _files, _migrate
from cryptodata.sinks.base import Sink
from cryptodata.sinks.jsonl import JsonlSink
from cryptodata.sinks.layout import LayoutError
from cryptodata.sinks.parquet import ParquetSink

FIXTURES = Path(__file__).parent.parent / "fixtures" / "layout-1"
KINDS = (
    Kind.OPEN_INTEREST,
    Kind.FUNDING_RATE,
    Kind.OHLCV,
    Kind.FUNDING_RATE_SNAPSHOT,
    Kind.OPEN_INTEREST_SNAPSHOT,
)
SINKS: dict[str, Callable[..., Sink]] = {"jsonl": JsonlSink, "parquet": ParquetSink}
MARKERS = {"jsonl": "_sink.json", "parquet": "_cryptodata.json"}


def copy_of(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root


def digest(root: Path) -> dict[str, str]:
    """Every file below `root` and a hash of its bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def layout_1_rows(fmt: str, kind: Kind) -> pl.DataFrame:
    """The rows 0.1 stored for a kind, read straight from the fixture files."""
    if fmt == "jsonl":
        files = sorted((FIXTURES / "jsonl" / kind.value).rglob("*.jsonl"))
        frame = pl.concat([pl.read_ndjson(path) for path in files], how="vertical")
        return frame.with_columns(pl.col("ts").str.to_datetime(time_unit="ms", time_zone="UTC"))
    files = sorted((FIXTURES / "parquet" / f"kind={kind.value}").rglob("*.parquet"))
    return pl.concat(
        [pl.read_parquet(path, hive_partitioning=False) for path in files], how="vertical"
    )


def expected(fmt: str, kind: Kind, interval: str) -> Table:
    rows = layout_1_rows(fmt, kind)
    added = []
    if "interval" in schema(kind):
        added.append(pl.lit(interval).alias("interval"))
    if "period_hours" in schema(kind):
        added.append(pl.lit(None, pl.Float64).alias("period_hours"))
    frame = Table.from_frame(kind, rows.with_columns(added)).to_polars()
    return Table.from_frame(kind, frame.sort(primary_key(kind)))


@pytest.mark.parametrize("fmt", SINKS)
def test_a_layout_1_root_is_refused_with_the_command_that_migrates_it(
    tmp_path: Path, fmt: str
) -> None:
    root = copy_of(tmp_path, fmt)
    before = digest(root)

    with pytest.raises(LayoutError) as caught:
        SINKS[fmt](root)

    assert caught.value.command == f"cryptodata migrate {fmt}:{root} --interval INTERVAL"
    assert caught.value.command in str(caught.value)
    assert isinstance(caught.value, ValidationError)
    assert digest(root) == before


@pytest.mark.parametrize("fmt", SINKS)
@pytest.mark.parametrize("kind", KINDS)
def test_migrating_keeps_every_row_and_labels_bars_with_the_interval_given(
    tmp_path: Path, fmt: str, kind: Kind
) -> None:
    root = copy_of(tmp_path, fmt)

    with SINKS[fmt](root, migrate_interval="1h") as sink:
        migrated = sink.read(kind)

    assert migrated.to_polars().equals(expected(fmt, kind, "1h").to_polars())
    assert len(migrated) > 0


@pytest.mark.parametrize("fmt", SINKS)
def test_a_migrated_root_is_marked_layout_2_and_holds_no_hidden_trees(
    tmp_path: Path, fmt: str
) -> None:
    root = copy_of(tmp_path, fmt)

    SINKS[fmt](root, migrate_interval="1h").close()

    marker = msgspec.json.decode((root / MARKERS[fmt]).read_bytes())
    assert marker["layout"] == 2
    assert "migrating_to" not in marker
    assert [path.name for path in root.rglob(".*")] == []


@pytest.mark.parametrize("fmt", SINKS)
def test_a_migrated_root_resumes_each_series_from_its_new_key(tmp_path: Path, fmt: str) -> None:
    root = copy_of(tmp_path, fmt)
    SINKS[fmt](root, migrate_interval="1h").close()

    with SINKS[fmt](root) as sink:
        last = sink.last_ts(
            Kind.OPEN_INTEREST,
            {
                "provider": "coinalyze",
                "exchange": "bybit",
                "symbol": "BTC/USDT:USDT",
                "interval": "1h",
                "unit": "base",
            },
        )

    assert last is not None
    assert last.isoformat() == "2025-01-01T00:00:00+00:00"


@pytest.mark.parametrize("fmt", SINKS)
def test_a_root_of_snapshots_only_migrates_without_an_interval(tmp_path: Path, fmt: str) -> None:
    root = copy_of(tmp_path, f"{fmt}-snapshots")

    with SINKS[fmt](root) as sink:
        migrated = sink.read(Kind.FUNDING_RATE_SNAPSHOT)

    assert migrated.to_polars().get_column("period_hours").to_list() == [None, None]
    assert len(migrated) == 2


@pytest.mark.parametrize("fmt", SINKS)
def test_a_crash_while_staging_leaves_the_layout_1_root_as_it_was(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(tmp_path, fmt)
    before = digest(root)
    calls = 0
    real = _migrate.to_layout_2

    def crash_on_third_file(kind: Kind, rows: pl.DataFrame, interval: Interval | None) -> Table:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        return real(kind, rows, interval)

    monkeypatch.setattr(_migrate, "to_layout_2", crash_on_third_file)
    with pytest.raises(SinkError, match=r"cannot open the .*: disk full"):
        SINKS[fmt](root, migrate_interval="1h")
    monkeypatch.undo()

    kept = {name: value for name, value in digest(root).items() if not name.startswith(".")}
    assert kept == before
    with SINKS[fmt](root, migrate_interval="1h") as sink:
        assert sink.read(Kind.OHLCV).to_polars().equals(expected(fmt, Kind.OHLCV, "1h").to_polars())


@pytest.mark.parametrize("fmt", SINKS)
def test_a_crash_while_swapping_is_rolled_forward_by_the_next_open(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(tmp_path, fmt)
    moves = 0
    real = _files.LocalStorage.move

    def crash_on_third_move(self: _files.LocalStorage, source: str, target: str) -> None:
        nonlocal moves
        moves += 1
        if moves == 3:
            raise OSError("power cut")
        real(self, source, target)

    monkeypatch.setattr(_files.LocalStorage, "move", crash_on_third_move)
    with pytest.raises(SinkError, match=r"cannot open the .*: power cut"):
        SINKS[fmt](root, migrate_interval="1h")
    monkeypatch.undo()

    with SINKS[fmt](root) as sink:  # no interval needed: the staged tree is complete
        tables = {kind: sink.read(kind) for kind in KINDS}

    for kind, table in tables.items():
        assert table.to_polars().equals(expected(fmt, kind, "1h").to_polars()), kind
    assert [path.name for path in root.rglob(".*")] == []


@pytest.mark.parametrize("fmt", SINKS)
def test_the_migrate_command_migrates_a_root_in_place(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of(tmp_path, fmt)

    assert main(["migrate", f"{fmt}:{root}", "--interval", "1d"]) == 0

    assert "current layout" in capsys.readouterr().out
    with SINKS[fmt](root) as sink:
        assert sink.read(Kind.FUNDING_RATE).to_polars().get_column(
            "interval"
        ).unique().to_list() == ["1d"]


def test_a_root_marked_with_an_unknown_layout_is_refused(tmp_path: Path) -> None:
    (tmp_path / "_cryptodata.json").write_bytes(b'{"format": "cryptodata-parquet", "layout": 9}')

    with pytest.raises(LayoutError, match="layout 9"):
        ParquetSink(tmp_path)
