"""A table outside polars: Arrow, pandas and Jupyter's preview."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from cryptodata import Kind, MissingDependencyError, Table

TS = datetime(2025, 6, 1, tzinfo=UTC)


def bars(rows: int = 3, warnings: tuple[str, ...] = ()) -> Table:
    frame = pl.DataFrame(
        {
            "provider": ["demo"] * rows,
            "exchange": ["binance"] * rows,
            "symbol": ["BTCUSDT"] * rows,
            "base": ["BTC"] * rows,
            "interval": ["1h"] * rows,
            "ts": [TS + timedelta(hours=hour) for hour in range(rows)],
            "open": [1.0] * rows,
            "high": [2.0] * rows,
            "low": [0.5] * rows,
            "close": [1.5 + hour for hour in range(rows)],
            "volume": [3.0] * rows,
            "buy_volume": [None] * rows,
            "trades": [None] * rows,
            "buy_trades": [None] * rows,
            "unit": ["base"] * rows,
        }
    )
    return Table.from_frame(Kind.OHLCV, frame, warnings)


def test_to_arrow_keeps_the_columns_and_the_utc_timestamps() -> None:
    arrow = bars().to_arrow()

    assert arrow.column_names == bars().to_polars().columns
    assert str(arrow.schema.field("ts").type) == "timestamp[ms, tz=UTC]"
    assert arrow.column("close").to_pylist() == [1.5, 2.5, 3.5]


def test_to_pandas_gives_utc_timestamps_and_the_same_values() -> None:
    frame = bars().to_pandas()

    assert str(frame["ts"].dt.tz) == "UTC"
    assert frame["ts"].iloc[0].to_pydatetime() == TS
    assert frame["close"].tolist() == [1.5, 2.5, 3.5]


@pytest.mark.parametrize(("method", "extra"), [("to_arrow", "arrow"), ("to_pandas", "pandas")])
def test_a_missing_package_names_the_extra_to_install(
    method: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pandas", None)

    with pytest.raises(MissingDependencyError, match=rf"pip install 'cryptodata\[{extra}\]'"):
        getattr(bars(), method)()


def test_the_notebook_preview_shows_kind_rows_interval_and_warnings() -> None:
    preview = bars(rows=30, warnings=("BTC <answered> nothing before 2025",))._repr_html_()

    assert "<b>ohlcv</b>" in preview
    assert "30 rows" in preview
    assert "interval 1h" in preview
    assert "BTC &lt;answered&gt; nothing before 2025" in preview


def test_the_notebook_preview_shows_only_the_first_rows() -> None:
    preview = bars(rows=24)._repr_html_()

    assert "2025-06-01 09:00:00" in preview
    assert "2025-06-01 10:00:00" not in preview
