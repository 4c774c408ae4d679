"""What every `Sink` promises, as a test mixin any sink's tests inherit.

Subclass `SinkContract` in a `test_*.py` module of this folder and provide two fixtures:
`sink`, an empty store (closed after the test), and `reopen`, a factory for a new sink instance
on the same store (the test closes what it opens)::

    from sinks.contract import SinkContract

    class TestMySinkContract(SinkContract):
        @pytest.fixture
        def sink(self, tmp_path: Path) -> Iterator[Sink]:
            with MySink(tmp_path) as sink:
                yield sink

        @pytest.fixture
        def reopen(self, tmp_path: Path) -> Callable[[], Sink]:
            return lambda: MySink(tmp_path)

The sample-table builder `make_table` comes from this folder's `conftest.py`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cryptodata import Kind, Table, ValidationError, schema
from cryptodata.sinks.base import STORABLE_KINDS, Sink
from sinks.conftest import key

MakeTable = Callable[..., Table]
Reopen = Callable[[], Sink]

T0 = datetime(2025, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(hours: int) -> datetime:
    """`T0` plus some hours: the `ts` of sample row `hours` (rows are hourly from `T0`)."""
    return T0 + hours * HOUR


def stack(*tables: Table) -> Table:
    """Tables of one kind stacked as they are: no de-duplication, order kept."""
    return Table.from_frame(tables[0].kind, pl.concat([t.to_polars() for t in tables]))


def assert_rows(actual: Table, expected: Table) -> None:
    """Same kind, same columns and dtypes, same rows in the same order, bit-exact values."""
    assert actual.kind == expected.kind
    assert_frame_equal(actual.to_polars(), expected.to_polars(), check_exact=True)


_NON_STORABLE = sorted(set(Kind) - STORABLE_KINDS)

# Property test: rows of a few series over six minutes that cross a day, month and year
# boundary, so file sinks split them over several files and partitions.
_EDGE = datetime(2024, 12, 31, 23, 58, tzinfo=UTC)
_SERIES = [("A", "BTCUSDT_PERP.A"), ("A", "BTC/USDT:USDT"), ("B", "BTCUSDT_PERP.A")]
_row = st.tuples(
    st.sampled_from(_SERIES),
    st.integers(min_value=0, max_value=5),
    st.none() | st.floats(allow_nan=False, allow_infinity=False),
)
_batches = st.lists(st.lists(_row, min_size=1, max_size=8), min_size=1, max_size=5)
_examples = itertools.count()


def _liquidations(
    provider: str, rows: list[tuple[tuple[str, str], int, float | None]], batch: int
) -> Table:
    frame = pl.DataFrame(
        {
            "provider": [provider] * len(rows),
            "exchange": [series[0] for series, _, _ in rows],
            "symbol": [series[1] for series, _, _ in rows],
            "base": ["BTC"] * len(rows),
            "interval": ["1m"] * len(rows),
            "ts": [_EDGE + timedelta(minutes=minute) for _, minute, _ in rows],
            "longs": [value for _, _, value in rows],
            # Which batch wrote a row; `unit` is part of the key, so it cannot carry this.
            "shorts": [float(batch)] * len(rows),
            "unit": ["usd"] * len(rows),
        },
        schema=schema(Kind.LIQUIDATIONS),
    )
    return Table.from_frame(Kind.LIQUIDATIONS, frame)


class SinkContract:
    """Behaviour shared by every sink; subclasses provide the `sink` and `reopen` fixtures."""

    # -- upserts ----------------------------------------------------------------------------

    def test_write_returns_the_number_of_rows_written(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        assert sink.write(make_table(n=5)) == 5

    def test_writing_an_empty_table_stores_nothing(self, sink: Sink) -> None:
        assert sink.write(Table.empty(Kind.OHLCV)) == 0
        assert len(sink.read(Kind.OHLCV)) == 0

    def test_writing_the_same_rows_twice_keeps_one_row_per_key(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        table = make_table(n=4)
        sink.write(table)
        sink.write(table)

        assert_rows(sink.read(Kind.OHLCV), table)

    def test_overlapping_rows_with_revised_values_replace_the_stored_ones(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=10))
        sink.write(make_table(n=10, start=at(5), offset=0.5))

        expected = stack(make_table(n=5), make_table(n=10, start=at(5), offset=0.5))
        assert_rows(sink.read(Kind.OHLCV), expected)

    def test_revising_only_the_last_row_keeps_every_other_row(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=6))
        sink.write(make_table(n=2, start=at(5), offset=7.0))

        expected = stack(make_table(n=5), make_table(n=2, start=at(5), offset=7.0))
        assert_rows(sink.read(Kind.OHLCV), expected)

    def test_duplicate_keys_inside_one_table_keep_the_last_row(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        first, revised = make_table(n=3), make_table(n=3, offset=1.0)

        written = sink.write(stack(first, revised))

        assert written == 3
        assert_rows(sink.read(Kind.OHLCV), revised)

    def test_older_rows_written_after_newer_ones_are_merged_in_order(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=3, start=at(10)))
        sink.write(make_table(n=3))

        assert_rows(sink.read(Kind.OHLCV), stack(make_table(n=3), make_table(n=3, start=at(10))))

    # -- last_ts ----------------------------------------------------------------------------

    def test_last_ts_of_an_unknown_series_is_none(self, sink: Sink, make_table: MakeTable) -> None:
        sink.write(make_table(n=2))

        assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "ETHUSDT_PERP.A")) is None
        assert (
            sink.last_ts(
                Kind.FUNDING_RATE, key(Kind.FUNDING_RATE, "coinalyze", "A", "BTCUSDT_PERP.A")
            )
            is None
        )

    def test_last_ts_is_the_newest_ts_of_each_series_in_aware_utc(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=3, symbol="X"))
        sink.write(make_table(n=5, symbol="Y"))

        x = sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "X"))
        y = sink.last_ts("ohlcv", key("ohlcv", "coinalyze", "A", "Y"))

        assert (x, y) == (at(2), at(4))
        assert x is not None
        assert x.utcoffset() == timedelta(0)

    def test_last_ts_does_not_move_back_when_older_rows_are_written(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=2, start=at(48)))
        sink.write(make_table(n=2))

        assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "BTCUSDT_PERP.A")) == at(
            49
        )

    def test_last_ts_spans_every_stored_month_and_year(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=3, start=datetime(2024, 12, 31, 23, tzinfo=UTC)))

        last = sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A", "BTCUSDT_PERP.A"))

        assert last == datetime(2025, 1, 1, 1, tzinfo=UTC)

    # -- series -----------------------------------------------------------------------------

    def test_series_of_an_empty_store_is_an_empty_list(self, sink: Sink) -> None:
        assert sink.series(Kind.OHLCV) == []

    def test_series_names_every_stored_series_of_the_kind_once_sorted_by_key(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=2, symbol="Y", interval="1h"))
        sink.write(make_table(n=2, symbol="X", exchange="B", unit="quote"))
        sink.write(make_table(n=1, symbol="Y", interval="1d", step=24 * HOUR))
        sink.write(make_table(n=2, symbol="Y", interval="1h", start=at(40)))
        sink.write(make_table(Kind.FUNDING_RATE, n=2, symbol="Z"))

        assert sink.series(Kind.OHLCV) == [
            key(Kind.OHLCV, exchange="A", symbol="Y", interval="1d"),
            key(Kind.OHLCV, exchange="A", symbol="Y", interval="1h"),
            key(Kind.OHLCV, exchange="B", symbol="X", unit="quote"),
        ]
        assert sink.series("funding_rate") == [key(Kind.FUNDING_RATE, symbol="Z")]
        assert sink.series(Kind.LIQUIDATIONS) == []

    def test_series_are_named_as_last_ts_takes_them(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        symbols = ["BTC/USDT:USDT", "..", "a%2Fb", "x=y z"]
        for number, symbol in enumerate(symbols):
            sink.write(make_table(Kind.LIQUIDATIONS, n=number + 1, symbol=symbol, exchange="A/B"))

        named = sink.series(Kind.LIQUIDATIONS)

        assert [series["symbol"] for series in named] == sorted(symbols)
        assert [sink.last_ts(Kind.LIQUIDATIONS, series) for series in named] == [
            at(symbols.index(series["symbol"])) for series in named
        ]

    def test_series_of_a_kind_sinks_do_not_store_is_refused(self, sink: Sink) -> None:
        with pytest.raises(ValidationError, match="markets"):
            sink.series(Kind.MARKETS)

    # -- read -------------------------------------------------------------------------------

    def test_read_of_an_empty_store_is_an_empty_table_with_the_full_schema(
        self, sink: Sink
    ) -> None:
        table = sink.read(Kind.OPEN_INTEREST)

        assert table.kind == Kind.OPEN_INTEREST
        assert len(table) == 0
        assert table.to_polars().schema == schema(Kind.OPEN_INTEREST)

    def test_read_filters_by_provider_exchange_and_symbol(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        for provider, exchange, symbol in [
            ("coinalyze", "A", "X"),
            ("coinalyze", "B", "X"),
            ("coinalyze", "A", "Y"),
            ("velo", "A", "X"),
        ]:
            sink.write(make_table(n=2, provider=provider, exchange=exchange, symbol=symbol))

        def series(table: Table) -> list[tuple[str, str, str]]:
            frame = table.to_polars().select("provider", "exchange", "symbol").unique()
            return sorted(frame.iter_rows())

        assert series(sink.read("ohlcv", provider="coinalyze", exchange="A")) == [
            ("coinalyze", "A", "X"),
            ("coinalyze", "A", "Y"),
        ]
        assert series(sink.read("ohlcv", symbol="X")) == [
            ("coinalyze", "A", "X"),
            ("coinalyze", "B", "X"),
            ("velo", "A", "X"),
        ]
        assert len(sink.read("ohlcv", provider="velo", exchange="A", symbol="X")) == 2
        assert len(sink.read("ohlcv", provider="nobody")) == 0

    def test_read_bounds_are_half_open(self, sink: Sink, make_table: MakeTable) -> None:
        sink.write(make_table(n=6))

        table = sink.read(Kind.OHLCV, start=at(1), end="2025-01-01T04:00:00Z")

        assert table.to_polars().get_column("ts").to_list() == [at(1), at(2), at(3)]

    def test_read_bounds_accept_every_time_input(self, sink: Sink, make_table: MakeTable) -> None:
        sink.write(make_table(n=30, step=timedelta(days=1)))

        table = sink.read(Kind.OHLCV, start=datetime(2025, 1, 2).date(), end=1736035200000)

        assert table.to_polars().get_column("ts").to_list() == [
            datetime(2025, 1, day, tzinfo=UTC) for day in (2, 3, 4)
        ]

    def test_read_is_sorted_by_the_primary_key(self, sink: Sink, make_table: MakeTable) -> None:
        sink.write(make_table(n=2, symbol="Y", start=at(3)))
        sink.write(make_table(n=2, symbol="X", start=at(5)))
        sink.write(make_table(n=2, symbol="X"))

        keys = sink.read(Kind.OHLCV).to_polars().select("symbol", "ts").rows()

        assert keys == [
            ("X", at(0)),
            ("X", at(1)),
            ("X", at(5)),
            ("X", at(6)),
            ("Y", at(3)),
            ("Y", at(4)),
        ]

    def test_trades_sharing_a_ts_are_all_kept_and_a_repeated_one_once(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        table = make_table(Kind.TRADES, n=3, step=timedelta(0))
        again = Table.from_frame(
            Kind.TRADES, table.to_polars().tail(1).with_columns(price=pl.lit(-1.0))
        )

        sink.write(table)
        sink.write(again)

        stored = sink.read(Kind.TRADES).to_polars()
        assert stored["trade_id"].to_list() == sorted(table.to_polars()["trade_id"].to_list())
        assert stored.filter(pl.col("trade_id") == again.to_polars()["trade_id"][0])[
            "price"
        ].to_list() == [-1.0]

    @pytest.mark.parametrize("kind", sorted(STORABLE_KINDS))
    def test_every_storable_kind_round_trips_exactly(
        self, sink: Sink, make_table: MakeTable, kind: Kind
    ) -> None:
        table = make_table(kind, n=7, nulls=True)

        sink.write(table)

        assert_rows(sink.read(kind), table)

    @pytest.mark.parametrize("year", [1, 999, 9999])
    def test_rows_of_any_year_a_datetime_holds_round_trip(
        self, sink: Sink, make_table: MakeTable, year: int
    ) -> None:
        # The last hours of the year: in 9999 the file after this one cannot be named.
        start = datetime(year, 12, 31, 21, tzinfo=UTC)
        table = make_table(n=3, start=start)

        sink.write(table)

        assert_rows(sink.read(Kind.OHLCV), table)
        assert len(sink.read(Kind.OHLCV, start=start + HOUR)) == 2
        assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV)) == start + 2 * HOUR

    def test_a_ts_beyond_the_year_9999_is_refused_and_nothing_is_stored(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        # Microseconds taken for milliseconds: the year 57000 or so.
        frame = make_table(n=2).to_polars()
        frame = frame.with_columns(
            ts=(pl.col("ts").dt.epoch("ms") * 1000).cast(pl.Datetime("ms", "UTC"))
        )

        with pytest.raises(
            ValidationError, match=re.escape("2 ohlcv row(s) have a ts outside the years")
        ):
            sink.write(Table.from_frame(Kind.OHLCV, frame))
        assert len(sink.read(Kind.OHLCV)) == 0

    def test_extreme_float_values_round_trip_exactly(self, sink: Sink) -> None:
        values = [0.1, -0.0, 5e-324, 1.7976931348623157e308, 1.2345678901234567e-7, 2.0**53 + 2]
        frame = pl.DataFrame(
            {
                "provider": "coinalyze",
                "exchange": "A",
                "symbol": "X",
                "base": "BTC",
                "ts": [at(i) for i in range(len(values))],
                "value": values,
                "period_hours": 8.0,
            }
        )
        table = Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame)

        sink.write(table)

        assert (
            sink.read(Kind.FUNDING_RATE_SNAPSHOT).to_polars().get_column("value").to_list()
            == values
        )

    def test_ids_with_path_characters_are_stored_and_read_back(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        symbols = ["BTC/USDT:USDT", "..", ".hidden", "a%2Fb", "x=y z", "ü*?"]
        for symbol in symbols:
            sink.write(make_table(n=1, symbol=symbol, exchange="A/B"))

        for symbol in symbols:
            table = sink.read(Kind.OHLCV, exchange="A/B", symbol=symbol)
            assert table.to_polars().get_column("symbol").to_list() == [symbol]
            assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, "coinalyze", "A/B", symbol)) == at(0)
        assert sorted(sink.read(Kind.OHLCV).to_polars().get_column("symbol")) == sorted(symbols)

    # -- series identity --------------------------------------------------------------------

    def test_daily_and_hourly_bars_of_one_market_are_separate_series(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        daily = make_table(Kind.OPEN_INTEREST, n=2, interval="1d", step=24 * HOUR)
        hourly = make_table(Kind.OPEN_INTEREST, n=48, interval="1h", offset=0.5)

        sink.write(daily)
        sink.write(hourly)

        assert_rows(sink.read(Kind.OPEN_INTEREST, interval="1d"), daily)
        assert_rows(sink.read(Kind.OPEN_INTEREST, interval="1h"), hourly)
        assert len(sink.read(Kind.OPEN_INTEREST)) == 50
        assert sink.last_ts(Kind.OPEN_INTEREST, key(Kind.OPEN_INTEREST, interval="1d")) == at(24)
        assert sink.last_ts(Kind.OPEN_INTEREST, key(Kind.OPEN_INTEREST, interval="1h")) == at(47)

    def test_usd_and_native_values_of_one_market_are_separate_series(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        native = make_table(Kind.LIQUIDATIONS, n=3, unit="base")
        usd = make_table(Kind.LIQUIDATIONS, n=2, unit="usd", offset=1000.0)

        sink.write(native)
        sink.write(usd)

        assert_rows(sink.read(Kind.LIQUIDATIONS, unit="base"), native)
        assert_rows(sink.read(Kind.LIQUIDATIONS, unit="usd"), usd)
        assert sink.last_ts(Kind.LIQUIDATIONS, key(Kind.LIQUIDATIONS, unit="usd")) == at(1)

    def test_metric_rows_are_series_of_the_providers_id_metric_and_interval(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        price = make_table(Kind.METRIC, n=3, symbol="btc", exchange="price_usd", interval="1d")
        fees = make_table(Kind.METRIC, n=2, symbol="btc", exchange="fees_usd", interval="1d")

        sink.write(price)
        sink.write(fees)

        assert_rows(sink.read(Kind.METRIC, metric="price_usd"), price)
        series = {
            "provider": "coinalyze",
            "provider_id": "btc",
            "metric": "fees_usd",
            "interval": "1d",
        }
        assert sink.last_ts(Kind.METRIC, series) == at(1)

    def test_last_ts_names_the_missing_and_the_unexpected_series_columns(self, sink: Sink) -> None:
        series = {"provider": "coinalyze", "exchange": "A", "symbol": "X", "entity": "btc"}

        with pytest.raises(ValidationError, match="missing interval, unit; unexpected entity"):
            sink.last_ts(Kind.OHLCV, series)

    def test_read_refuses_a_filter_outside_the_series_key(self, sink: Sink) -> None:
        with pytest.raises(ValidationError, match="not interval"):
            sink.read(Kind.FUNDING_RATE_SNAPSHOT, interval="1h")

    # -- rejected input ---------------------------------------------------------------------

    @pytest.mark.parametrize("kind", _NON_STORABLE)
    def test_kinds_without_a_series_key_are_rejected(self, sink: Sink, kind: Kind) -> None:
        with pytest.raises(ValidationError, match="sinks store series"):
            sink.write(Table.empty(kind))
        with pytest.raises(ValidationError, match="sinks store series"):
            sink.read(kind)
        with pytest.raises(ValidationError, match="sinks store series"):
            sink.last_ts(kind, key(kind, "coinalyze", "A", "X"))

    def test_rows_with_a_null_key_are_rejected_and_nothing_is_stored(
        self, sink: Sink, make_table: MakeTable
    ) -> None:
        frame = (
            make_table(n=3)
            .to_polars()
            .with_columns(
                ts=pl.when(pl.int_range(pl.len()) == 2).then(None).otherwise(pl.col("ts"))
            )
        )

        with pytest.raises(ValidationError, match="null key"):
            sink.write(Table.from_frame(Kind.OHLCV, frame))
        assert len(sink.read(Kind.OHLCV)) == 0

    @pytest.mark.parametrize("column", ["provider", "exchange", "symbol"])
    def test_rows_with_an_empty_name_are_rejected_and_nothing_is_stored(
        self, sink: Sink, make_table: MakeTable, column: str
    ) -> None:
        frame = make_table(n=3).to_polars().with_columns(pl.lit("").alias(column))

        with pytest.raises(
            ValidationError, match="empty provider, exchange, symbol, interval or unit"
        ):
            sink.write(Table.from_frame(Kind.OHLCV, frame))
        assert len(sink.read(Kind.OHLCV)) == 0

    @pytest.mark.parametrize(
        ("column", "value", "message"),
        [
            ("symbol", "A" * 249, "its directory name symbol=... takes 256 bytes, over the 255"),
            ("symbol", "é" * 42, "its directory name symbol=... takes 259 bytes, over the 255"),
            ("exchange", "bin\x00ance", "holds the control character U+0000; remove it"),
            ("symbol", "BTC\nUSDT", "holds the control character U+000A; remove it"),
            ("symbol", "BTC\x7f", "holds the control character U+007F; remove it"),
            ("base", "B\x00TC", "1 ohlcv row(s) hold a NUL character in base"),
        ],
    )
    def test_a_table_with_a_value_no_sink_can_store_is_refused_and_stored_rows_stay(
        self, sink: Sink, make_table: MakeTable, column: str, value: str, message: str
    ) -> None:
        stored = make_table(n=3)
        sink.write(stored)
        # A revision of a stored row and a new series, in one table with the bad row.
        revised = make_table(n=1, start=at(2), offset=9.0)
        bad = make_table(n=2, symbol="OTHER", start=at(5)).to_polars()
        bad = bad.with_columns(pl.Series(column, [value, bad[column][1]]))
        table = stack(revised, Table.from_frame(Kind.OHLCV, bad))

        with pytest.raises(ValidationError, match=re.escape(message)):
            sink.write(table)

        assert_rows(sink.read(Kind.OHLCV), stored)

    def test_the_longest_storable_id_round_trips(self, sink: Sink, make_table: MakeTable) -> None:
        # "symbol=" and 248 letters: a 255-byte directory name, the most a file system allows.
        symbol = "A" * 248
        table = make_table(n=2, symbol=symbol)

        sink.write(table)

        assert_rows(sink.read(Kind.OHLCV, symbol=symbol), table)
        assert sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, symbol=symbol)) == at(1)

    @pytest.mark.parametrize("symbol", ["A" * 300, "BTC\x00USDT", "BTC\tUSDT", "\udcff"])
    def test_reading_an_id_no_sink_can_store_is_a_validation_error(
        self, sink: Sink, symbol: str
    ) -> None:
        with pytest.raises(ValidationError, match="cannot be stored"):
            sink.read(Kind.OHLCV, symbol=symbol)
        with pytest.raises(ValidationError, match="cannot be stored"):
            sink.last_ts(Kind.OHLCV, key(Kind.OHLCV, symbol=symbol))

    # -- persistence ------------------------------------------------------------------------

    def test_rows_persist_after_close_and_reopen(
        self, sink: Sink, reopen: Reopen, make_table: MakeTable
    ) -> None:
        table = make_table(Kind.FUNDING_RATE, n=4, nulls=True)
        sink.write(table)
        sink.close()

        with reopen() as again:
            assert_rows(again.read(Kind.FUNDING_RATE), table)
            assert again.last_ts(
                Kind.FUNDING_RATE, key(Kind.FUNDING_RATE, "coinalyze", "A", "BTCUSDT_PERP.A")
            ) == at(3)

    def test_upserts_continue_across_instances(
        self, sink: Sink, reopen: Reopen, make_table: MakeTable
    ) -> None:
        sink.write(make_table(n=4))
        sink.close()

        with reopen() as again:
            again.write(make_table(n=4, start=at(2), offset=3.0))
            result = again.read(Kind.OHLCV)

        assert_rows(result, stack(make_table(n=2), make_table(n=4, start=at(2), offset=3.0)))

    def test_implements_the_sink_protocol(self, sink: Sink) -> None:
        assert isinstance(sink, Sink)

    def test_context_manager_yields_the_sink(self, sink: Sink) -> None:
        with sink as entered:
            assert entered is sink

    # -- the model --------------------------------------------------------------------------

    # Suppressed on purpose: `sink` is one store per test and the examples keep apart through
    # a fresh provider; and every subclass runs this same method on its own sink.
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(batches=_batches)
    def test_read_equals_the_last_value_written_for_every_key(
        self, sink: Sink, batches: list[list[tuple[tuple[str, str], int, float | None]]]
    ) -> None:
        # One store serves every example; a fresh provider keeps each example's rows apart.
        provider = f"model-{next(_examples)}"
        model: dict[tuple[str, str, datetime], tuple[float | None, int]] = {}
        for batch, rows in enumerate(batches):
            sink.write(_liquidations(provider, rows, batch))
            for (exchange, symbol), minute, value in rows:
                model[exchange, symbol, _EDGE + timedelta(minutes=minute)] = (value, batch)

        keys = sorted(model)
        expected = _liquidations(provider, [((e, s), 0, None) for e, s, _ in keys], 0).to_polars()
        expected = expected.with_columns(
            ts=pl.Series([ts for _, _, ts in keys], dtype=pl.Datetime("ms", "UTC")),
            longs=pl.Series([model[k][0] for k in keys], dtype=pl.Float64),
            shorts=pl.Series([float(model[k][1]) for k in keys]),
        )
        actual = sink.read(Kind.LIQUIDATIONS, provider=provider)
        assert_frame_equal(actual.to_polars(), expected, check_exact=True)
        for exchange, symbol in {(e, s) for e, s, _ in keys}:
            newest = max(ts for e, s, ts in keys if (e, s) == (exchange, symbol))
            series = key(Kind.LIQUIDATIONS, provider, exchange, symbol, interval="1m", unit="usd")
            assert sink.last_ts(Kind.LIQUIDATIONS, series) == newest
