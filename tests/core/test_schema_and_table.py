"""Kinds, schemas derived from record classes, and `Table`."""

from __future__ import annotations

import itertools
import typing
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core import records
from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind, primary_key, record_type, schema, series_key, time_key
from cryptodata.core.table import Table

SERIES_KINDS = [
    Kind.OHLCV,
    Kind.OPEN_INTEREST,
    Kind.FUNDING_RATE,
    Kind.PREDICTED_FUNDING_RATE,
    Kind.LIQUIDATIONS,
    Kind.LONG_SHORT_RATIO,
    Kind.OPEN_INTEREST_SNAPSHOT,
    Kind.FUNDING_RATE_SNAPSHOT,
    Kind.PREDICTED_FUNDING_RATE_SNAPSHOT,
]

RECORD_TYPES = {
    Kind.OHLCV: records.OhlcvBar,
    Kind.OPEN_INTEREST: records.OpenInterestBar,
    Kind.FUNDING_RATE: records.FundingRateBar,
    Kind.PREDICTED_FUNDING_RATE: records.PredictedFundingRateBar,
    Kind.LIQUIDATIONS: records.LiquidationBar,
    Kind.LONG_SHORT_RATIO: records.LongShortRatioBar,
    Kind.OPEN_INTEREST_SNAPSHOT: records.OpenInterestSnapshot,
    Kind.FUNDING_RATE_SNAPSHOT: records.FundingRateSnapshot,
    Kind.PREDICTED_FUNDING_RATE_SNAPSHOT: records.PredictedFundingRateSnapshot,
    Kind.MARKETS: records.Market,
    Kind.EXCHANGES: records.Exchange,
    Kind.OPEN_INTEREST_AGGREGATE: records.AggregateOpenInterestBar,
    Kind.LIQUIDATIONS_AGGREGATE: records.AggregateLiquidationBar,
    Kind.METRIC: records.Metric,
    Kind.FUNDING_SETTLEMENT: records.FundingSettlement,
    Kind.ASSET_CONTEXT: records.AssetContext,
    Kind.LEADERBOARD: records.LeaderboardEntry,
    Kind.POSITIONS: records.Position,
    Kind.ACCOUNT_SUMMARY: records.AccountSummary,
    Kind.TRADES: records.Trade,
    Kind.ORDER_BOOK: records.BookLevel,
    Kind.LIQUIDATION_EVENTS: records.LiquidationEvent,
    Kind.PULL_LOG: records.PullLog,
}

T0 = datetime(2025, 6, 1, tzinfo=UTC)
UTC_MS = pl.Datetime("ms", "UTC")


def sample_record(kind: Kind, **overrides: Any) -> Any:
    """One record of `kind` with a distinct, exactly representable value in every field."""
    cls = RECORD_TYPES[kind]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for number, field in enumerate(attrs.fields(cls), start=1):
        hint = hints[field.name]
        args = typing.get_args(hint)
        base = next(arg for arg in args if arg is not type(None)) if args else hint
        if base is str:
            values[field.name] = f"{field.name}-{number}"
        elif base is float:
            values[field.name] = number + 0.25
        elif base is bool:
            values[field.name] = number % 2 == 0
        elif base is int:
            values[field.name] = number * 1000
        elif base is datetime:
            values[field.name] = T0 + timedelta(hours=number, milliseconds=number)
        else:  # pragma: no cover - a new annotation type would need a case here
            raise AssertionError(f"no sample for {hint!r}")
    values.update(overrides)
    return cls(**values)


def frame_of(kind: Kind, rows: list[Any]) -> pl.DataFrame:
    return pl.DataFrame([attrs.asdict(row) for row in rows], schema=schema(kind), orient="row")


def funding_row(symbol: str, hour: int, value: float | None, exchange: str = "binance") -> Any:
    return records.FundingRateSnapshot(
        provider="coinalyze",
        exchange=exchange,
        symbol=symbol,
        base=symbol.removesuffix("USDT"),
        ts=T0 + timedelta(hours=hour),
        value=value,
        period_hours=8.0,
    )


def funding_table(*rows: Any, warnings: tuple[str, ...] = ()) -> Table:
    return Table.from_frame(
        Kind.FUNDING_RATE_SNAPSHOT, frame_of(Kind.FUNDING_RATE_SNAPSHOT, list(rows)), warnings
    )


# --- schema ----------------------------------------------------------------------------------


def test_every_kind_has_a_record_type() -> None:
    assert set(RECORD_TYPES) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_record_type_of_each_kind(kind: Kind) -> None:
    assert record_type(kind) is RECORD_TYPES[kind]


@pytest.mark.parametrize("kind", list(Kind))
def test_schema_columns_equal_record_fields_in_order(kind: Kind) -> None:
    assert schema(kind).names() == [field.name for field in attrs.fields(RECORD_TYPES[kind])]


def test_record_type_and_schema_accept_the_kind_value_string() -> None:
    assert record_type("ohlcv") is records.OhlcvBar  # type: ignore[arg-type]
    assert schema("ohlcv") == schema(Kind.OHLCV)  # type: ignore[arg-type]


BAR_KINDS = SERIES_KINDS[:6]
SNAPSHOT_KINDS = SERIES_KINDS[6:]


@pytest.mark.parametrize("kind", BAR_KINDS)
def test_bar_kind_starts_with_provider_exchange_symbol_base_interval_ts(kind: Kind) -> None:
    target = schema(kind)

    assert target.names()[:6] == ["provider", "exchange", "symbol", "base", "interval", "ts"]
    assert [target[name] for name in target.names()[:5]] == [pl.String] * 5
    assert target["ts"] == UTC_MS


@pytest.mark.parametrize("kind", SNAPSHOT_KINDS)
def test_snapshot_kind_starts_with_provider_exchange_symbol_base_ts(kind: Kind) -> None:
    target = schema(kind)

    assert target.names()[:5] == ["provider", "exchange", "symbol", "base", "ts"]
    assert [target[name] for name in ("provider", "exchange", "symbol", "base")] == [pl.String] * 4
    assert target["ts"] == UTC_MS


DATETIME_COLUMNS = [
    (kind, name)
    for kind, cls in RECORD_TYPES.items()
    for name, hint in typing.get_type_hints(cls).items()
    if hint is datetime or datetime in typing.get_args(hint)
]


def test_datetime_columns_are_ts_of_all_but_exchanges_market_expiry_and_a_pulls_end() -> None:
    assert sorted((kind.value, name) for kind, name in DATETIME_COLUMNS) == sorted(
        [(kind.value, "ts") for kind in Kind if kind not in (Kind.MARKETS, Kind.EXCHANGES)]
        + [(Kind.MARKETS.value, "expire_at"), (Kind.PULL_LOG.value, "finished")]
    )


@pytest.mark.parametrize(("kind", "name"), DATETIME_COLUMNS)
def test_every_datetime_column_is_ms_utc(kind: Kind, name: str) -> None:
    assert schema(kind)[name] == UTC_MS


def test_liquidations_schema_is_exact() -> None:
    assert schema(Kind.LIQUIDATIONS) == pl.Schema(
        {
            "provider": pl.String(),
            "exchange": pl.String(),
            "symbol": pl.String(),
            "base": pl.String(),
            "interval": pl.String(),
            "ts": UTC_MS,
            "longs": pl.Float64(),
            "shorts": pl.Float64(),
            "unit": pl.String(),
        }
    )


def test_ohlcv_schema_has_float_prices_and_int_trade_counts() -> None:
    target = schema(Kind.OHLCV)

    assert [target[name] for name in ("open", "high", "low", "close", "volume", "buy_volume")] == [
        pl.Float64
    ] * 6
    assert target["trades"] == pl.Int64
    assert target["buy_trades"] == pl.Int64
    assert target["unit"] == pl.String


def test_markets_schema_maps_optional_and_bool_fields() -> None:
    target = schema(Kind.MARKETS)

    assert target["is_perpetual"] == pl.Boolean
    assert target["has_ohlcv_data"] == pl.Boolean
    assert target["margined"] == pl.String
    assert target["expire_at"] == UTC_MS


def test_aggregate_schema_starts_with_provider_base_interval_ts_and_counts_venues() -> None:
    target = schema(Kind.OPEN_INTEREST_AGGREGATE)

    assert target.names() == [
        "provider",
        "base",
        "interval",
        "ts",
        "open",
        "close",
        "unit",
        "venues",
        "exchanges",
    ]
    assert target["venues"] == pl.Int64
    assert target["exchanges"] == pl.String


_MARKET = ("provider", "exchange", "symbol")


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (Kind.OHLCV, (*_MARKET, "interval", "unit", "ts")),
        (Kind.OPEN_INTEREST, (*_MARKET, "interval", "unit", "ts")),
        (Kind.LIQUIDATIONS, (*_MARKET, "interval", "unit", "ts")),
        (Kind.FUNDING_RATE, (*_MARKET, "interval", "ts")),
        (Kind.PREDICTED_FUNDING_RATE, (*_MARKET, "interval", "ts")),
        (Kind.LONG_SHORT_RATIO, (*_MARKET, "interval", "ts")),
        (Kind.OPEN_INTEREST_SNAPSHOT, (*_MARKET, "unit", "ts")),
        (Kind.FUNDING_RATE_SNAPSHOT, (*_MARKET, "ts")),
        (Kind.PREDICTED_FUNDING_RATE_SNAPSHOT, (*_MARKET, "ts")),
    ],
)
def test_a_series_key_holds_interval_for_bars_and_unit_where_a_kind_has_one(
    kind: Kind, key: tuple[str, ...]
) -> None:
    assert primary_key(kind) == key
    assert series_key(kind) == key[:-1]


@pytest.mark.parametrize("kind", SERIES_KINDS)
def test_every_key_column_is_a_column_of_the_schema(kind: Kind) -> None:
    assert set(primary_key(kind)) <= set(schema(kind).names())


def test_metric_is_the_long_format_keyed_on_the_providers_id_metric_and_interval() -> None:
    assert schema(Kind.METRIC).names() == [
        "provider",
        "entity",
        "metric",
        "interval",
        "ts",
        "value",
        "unit",
        "provider_id",
    ]
    assert primary_key(Kind.METRIC) == ("provider", "provider_id", "metric", "interval", "ts")


@pytest.mark.parametrize(
    "kind",
    [
        Kind.FUNDING_RATE,
        Kind.PREDICTED_FUNDING_RATE,
        Kind.FUNDING_RATE_SNAPSHOT,
        Kind.PREDICTED_FUNDING_RATE_SNAPSHOT,
    ],
)
def test_funding_kinds_carry_their_period_outside_the_key(kind: Kind) -> None:
    assert schema(kind)["period_hours"] == pl.Float64
    assert "period_hours" not in primary_key(kind)


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (Kind.MARKETS, ("provider", "symbol")),
        (Kind.EXCHANGES, ("provider", "code")),
        (Kind.OPEN_INTEREST_AGGREGATE, ("provider", "base", "interval", "unit", "ts")),
        (Kind.LIQUIDATIONS_AGGREGATE, ("provider", "base", "interval", "unit", "ts")),
    ],
)
def test_non_series_primary_key(kind: Kind, key: tuple[str, ...]) -> None:
    assert primary_key(kind) == key


@pytest.mark.parametrize("kind", list(Kind))
def test_primary_key_columns_exist_in_the_schema(kind: Kind) -> None:
    assert set(primary_key(kind)) <= set(schema(kind).names())


# --- Table.empty -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_empty_table_has_the_full_schema_and_no_rows(kind: Kind) -> None:
    table = Table.empty(kind)

    assert table.kind is kind
    assert table.to_polars().schema == schema(kind)
    assert table.to_polars().height == 0
    assert len(table) == 0
    assert table.to_records() == []
    assert table.warnings == []


def test_empty_table_is_falsy() -> None:
    assert not Table.empty(Kind.OHLCV)


def test_empty_table_keeps_warnings() -> None:
    table = Table.empty(Kind.OHLCV, warnings=["BTCUSDT answered nothing"])

    assert table.warnings == ["BTCUSDT answered nothing"]


def test_empty_table_accepts_the_kind_value_string() -> None:
    assert Table.empty("ohlcv").kind is Kind.OHLCV  # type: ignore[arg-type]


# --- Table.from_frame ------------------------------------------------------------------------


def test_from_frame_casts_int_columns_to_float64() -> None:
    frame = pl.DataFrame(
        {
            "provider": ["coinalyze"],
            "exchange": ["binance"],
            "symbol": ["BTCUSDT"],
            "base": ["BTC"],
            "interval": ["1h"],
            "ts": [T0],
            "longs": [3],
            "shorts": [4],
            "unit": ["usd"],
        }
    )
    assert frame.schema["longs"] == pl.Int64

    table = Table.from_frame(Kind.LIQUIDATIONS, frame)

    assert table.to_polars().schema == schema(Kind.LIQUIDATIONS)
    assert table.to_polars()["longs"].to_list() == [3.0]
    assert table.to_polars()["shorts"].to_list() == [4.0]


def test_from_frame_selects_and_orders_the_schema_columns() -> None:
    frame = pl.DataFrame(
        {
            "extra": ["dropped"],
            "value": [0.5],
            "ts": [T0],
            "symbol": ["BTCUSDT"],
            "base": ["BTC"],
            "exchange": ["binance"],
            "provider": ["coinalyze"],
            "period_hours": [8.0],
        }
    )

    table = Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame)

    assert table.to_polars().columns == [
        "provider",
        "exchange",
        "symbol",
        "base",
        "ts",
        "value",
        "period_hours",
    ]
    assert table.to_records() == [funding_row("BTCUSDT", 0, 0.5)]


def test_from_frame_casts_naive_microsecond_ts_to_ms_utc() -> None:
    frame = pl.DataFrame(
        {
            "provider": ["coinalyze"],
            "exchange": ["binance"],
            "symbol": ["BTCUSDT"],
            "base": ["BTC"],
            "ts": [datetime(2025, 6, 1, 1, 2, 3, 456789)],
            "value": [0.5],
            "period_hours": [8.0],
        }
    )

    table = Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame)

    assert table.to_polars().schema["ts"] == UTC_MS
    assert table.to_records()[0].ts == datetime(2025, 6, 1, 1, 2, 3, 456000, tzinfo=UTC)


def test_from_frame_with_a_missing_column_raises_validation_error_naming_it() -> None:
    frame = frame_of(Kind.FUNDING_RATE_SNAPSHOT, [funding_row("BTCUSDT", 0, 0.5)]).drop("value")

    with pytest.raises(
        ValidationError, match=r"lacks column\(s\) value of kind 'funding_rate_snapshot'"
    ):
        Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame)


def test_from_frame_with_an_uncastable_column_raises_validation_error_naming_it() -> None:
    frame = frame_of(Kind.FUNDING_RATE_SNAPSHOT, [funding_row("BTCUSDT", 0, 0.5)]).with_columns(
        value=pl.lit("high")
    )

    with pytest.raises(ValidationError, match="column 'value' holds String, which does not cast"):
        Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, frame)


def test_from_frame_of_something_else_than_a_polars_frame_raises_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"needs a polars DataFrame, got a builtins\.dict"):
        Table.from_frame(Kind.FUNDING_RATE_SNAPSHOT, {"value": [0.5]})  # type: ignore[arg-type]


def test_from_frame_with_an_unknown_kind_raises_validation_error_listing_the_kinds() -> None:
    frame = frame_of(Kind.FUNDING_RATE_SNAPSHOT, [funding_row("BTCUSDT", 0, 0.5)])

    with pytest.raises(ValidationError, match="unknown kind 'funding'; use one of ohlcv, "):
        Table.from_frame("funding", frame)  # type: ignore[call-overload]


def test_a_table_built_directly_from_a_frame_of_another_kind_raises_validation_error() -> None:
    frame = frame_of(Kind.FUNDING_RATE_SNAPSHOT, [funding_row("BTCUSDT", 0, 0.5)])

    with pytest.raises(
        ValidationError, match=r"kind 'ohlcv' needs .* Table.from_frame\(Kind.OHLCV"
    ):
        Table(Kind.OHLCV, frame)


def test_concat_of_a_table_of_another_kind_raises_validation_error() -> None:
    funding = funding_table(funding_row("BTCUSDT", 0, 1.0))

    with pytest.raises(ValidationError, match="funding_rate_snapshot into kind 'ohlcv'"):
        Table.concat(Kind.OHLCV, [funding])


def test_from_frame_keeps_warnings_as_a_list() -> None:
    table = Table.from_frame(
        Kind.FUNDING_RATE_SNAPSHOT,
        frame_of(Kind.FUNDING_RATE_SNAPSHOT, [funding_row("BTCUSDT", 0, 0.5)]),
        warnings=(note for note in ["a", "b"]),
    )

    assert table.warnings == ["a", "b"]


# --- Table.concat ----------------------------------------------------------------------------


def test_concat_keeps_the_last_row_of_a_duplicated_key() -> None:
    first = funding_table(funding_row("BTCUSDT", 0, 1.0), funding_row("BTCUSDT", 1, 2.0))
    second = funding_table(funding_row("BTCUSDT", 1, 20.0), funding_row("BTCUSDT", 2, 3.0))

    table = Table.concat(Kind.FUNDING_RATE_SNAPSHOT, [first, second])

    assert table.to_records() == [
        funding_row("BTCUSDT", 0, 1.0),
        funding_row("BTCUSDT", 1, 20.0),
        funding_row("BTCUSDT", 2, 3.0),
    ]


def test_concat_keeps_the_last_row_within_one_table() -> None:
    only = funding_table(funding_row("BTCUSDT", 0, 1.0), funding_row("BTCUSDT", 0, 9.0))

    table = Table.concat(Kind.FUNDING_RATE_SNAPSHOT, [only])

    assert table.to_records() == [funding_row("BTCUSDT", 0, 9.0)]


def test_concat_sorts_on_the_primary_key() -> None:
    shuffled = funding_table(
        funding_row("ETHUSDT", 0, 5.0),
        funding_row("BTCUSDT", 1, 4.0, exchange="okx"),
        funding_row("BTCUSDT", 1, 3.0),
        funding_row("BTCUSDT", 0, 2.0),
    )

    table = Table.concat(Kind.FUNDING_RATE_SNAPSHOT, [shuffled])

    assert table.to_records() == [
        funding_row("BTCUSDT", 0, 2.0),
        funding_row("BTCUSDT", 1, 3.0),
        funding_row("ETHUSDT", 0, 5.0),
        funding_row("BTCUSDT", 1, 4.0, exchange="okx"),
    ]


def test_concat_does_not_merge_rows_that_differ_only_outside_the_key() -> None:
    # `base` is not part of the key: same key, other base -> still one row, the last one.
    first = funding_table(funding_row("BTCUSDT", 0, 1.0))
    second = funding_table(attrs.evolve(funding_row("BTCUSDT", 0, 2.0), base="XBT"))

    table = Table.concat(Kind.FUNDING_RATE_SNAPSHOT, [first, second])

    assert table.to_records() == [attrs.evolve(funding_row("BTCUSDT", 0, 2.0), base="XBT")]


def test_concat_gathers_warnings_of_parts_then_its_own() -> None:
    first = funding_table(funding_row("BTCUSDT", 0, 1.0), warnings=("first",))
    second = funding_table(funding_row("ETHUSDT", 0, 1.0), warnings=("second",))

    table = Table.concat(Kind.FUNDING_RATE_SNAPSHOT, [first, second], warnings=["own"])

    assert table.warnings == ["first", "second", "own"]


def test_concat_of_nothing_is_an_empty_table_with_the_full_schema() -> None:
    table = Table.concat(Kind.MARKETS, [], warnings=["nothing"])

    assert table.kind is Kind.MARKETS
    assert table.to_polars().schema == schema(Kind.MARKETS)
    assert len(table) == 0
    assert table.warnings == ["nothing"]


def test_concat_dedupes_markets_on_provider_and_symbol() -> None:
    old = sample_record(Kind.MARKETS, symbol="BTCUSDT_PERP.A", quote="USD")
    new = sample_record(Kind.MARKETS, symbol="BTCUSDT_PERP.A", quote="USDT")
    other = sample_record(Kind.MARKETS, symbol="AAA")

    table = Table.concat(
        Kind.MARKETS,
        [
            Table.from_frame(Kind.MARKETS, frame_of(Kind.MARKETS, [old, other])),
            Table.from_frame(Kind.MARKETS, frame_of(Kind.MARKETS, [new])),
        ],
    )

    assert table.to_records() == [other, new]


keys = st.tuples(
    st.sampled_from(["binance", "okx"]),
    st.sampled_from(["BTCUSDT", "ETHUSDT", "SOLUSDT"]),
    st.integers(min_value=0, max_value=3),
)


@given(
    row_keys=st.lists(keys, max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=4),
)
def test_concat_dedup_keeps_unique_keys_holding_their_last_value(
    row_keys: list[tuple[str, str, int]], cuts: list[int]
) -> None:
    rows = [
        funding_row(symbol, hour, float(index), exchange=exchange)
        for index, (exchange, symbol, hour) in enumerate(row_keys)
    ]
    bounds = [0, *sorted(min(cut, len(rows)) for cut in cuts), len(rows)]
    tables = [funding_table(*rows[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
    last_value: dict[tuple[str, str, int], float] = {}
    for index, key in enumerate(row_keys):
        last_value[key] = float(index)

    result = Table.concat(Kind.FUNDING_RATE_SNAPSHOT, tables).to_records()

    result_keys = [(r.exchange, r.symbol, (r.ts - T0) // timedelta(hours=1)) for r in result]
    assert len(result_keys) == len(set(result_keys))
    assert result_keys == sorted(last_value)
    assert {key: r.value for key, r in zip(result_keys, result, strict=True)} == last_value


# --- records, iteration, dunder methods --------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_to_records_yields_the_record_class_with_exact_values(kind: Kind) -> None:
    record = sample_record(kind)

    result = Table.from_frame(kind, frame_of(kind, [record])).to_records()

    assert result == [record]
    assert type(result[0]) is RECORD_TYPES[kind]


@pytest.mark.parametrize("kind", list(Kind))
def test_records_hold_aware_utc_datetimes(kind: Kind) -> None:
    (result,) = Table.from_frame(kind, frame_of(kind, [sample_record(kind)])).to_records()

    for field in attrs.fields(type(result)):
        value = getattr(result, field.name)
        if isinstance(value, datetime):
            assert value.tzinfo is not None
            assert value.utcoffset() == timedelta(0)


def test_iteration_yields_records_in_row_order() -> None:
    table = funding_table(funding_row("BTCUSDT", 0, 1.0), funding_row("ETHUSDT", 0, 2.0))

    assert list(table) == [funding_row("BTCUSDT", 0, 1.0), funding_row("ETHUSDT", 0, 2.0)]


def test_null_values_become_none() -> None:
    table = funding_table(funding_row("BTCUSDT", 0, None))

    assert table.to_records() == [funding_row("BTCUSDT", 0, None)]


def test_ohlcv_trade_counts_come_back_as_ints() -> None:
    (bar,) = Table.from_frame(Kind.OHLCV, frame_of(Kind.OHLCV, [sample_record(Kind.OHLCV)]))

    assert type(bar.trades) is int
    assert type(bar.open) is float


def test_len_counts_rows() -> None:
    table = funding_table(*(funding_row("BTCUSDT", hour, 1.0) for hour in range(3)))

    assert len(table) == 3


def test_table_with_rows_is_truthy() -> None:
    assert bool(funding_table(funding_row("BTCUSDT", 0, 1.0))) is True


def test_repr_shows_kind_rows_and_warning_count() -> None:
    table = funding_table(
        funding_row("BTCUSDT", 0, 1.0), funding_row("ETHUSDT", 0, 1.0), warnings=("w",)
    )

    assert repr(table) == "Table(kind='funding_rate_snapshot', rows=2, warnings=1)"


def test_with_warnings_appends_and_leaves_the_original_alone() -> None:
    table = funding_table(funding_row("BTCUSDT", 0, 1.0), warnings=("a",))

    more = table.with_warnings(["b", "c"])

    assert more.warnings == ["a", "b", "c"]
    assert table.warnings == ["a"]
    assert more.to_records() == table.to_records()


def test_to_polars_is_the_typed_frame() -> None:
    table = funding_table(funding_row("BTCUSDT", 0, 1.0))

    frame = table.to_polars()

    assert frame.schema == schema(Kind.FUNDING_RATE_SNAPSHOT)
    assert frame.row(0) == (
        "coinalyze",
        "binance",
        "BTCUSDT",
        "BTC",
        datetime(2025, 6, 1, tzinfo=UTC),
        1.0,
        8.0,
    )


def test_tables_compare_by_identity_without_touching_the_frame() -> None:
    table = Table.empty(Kind.OHLCV)

    assert table == table
    assert table != Table.empty(Kind.OHLCV)
    assert isinstance(hash(table), int)


def test_liquidation_events_are_keyed_past_ts_by_their_event_id() -> None:
    assert time_key(Kind.LIQUIDATION_EVENTS) == ("ts", "event_id")
    assert series_key(Kind.LIQUIDATION_EVENTS) == ("provider", "exchange", "symbol")
    assert schema(Kind.LIQUIDATION_EVENTS).names()[:4] == ["provider", "exchange", "symbol", "base"]
