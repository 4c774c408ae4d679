"""The metric views on a real server return what the polars functions return on the same rows.

Both are compiled from `cryptodata.core.derived`; floats are compared exactly, since both
sides run the same IEEE operations in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from psycopg import sql

from cryptodata import Kind, Table, primary_key, schema
from cryptodata.core.derived import metrics_of
from cryptodata.marketdata.metrics import with_metrics
from cryptodata.sinks._metric_views import to_sql
from cryptodata.sinks.postgres import DERIVED_METRICS_VIEW, METRICS_VIEWS, PostgresSink

T0 = datetime(2025, 6, 1, tzinfo=UTC)
INF, NAN = float("inf"), float("nan")

# Several series of each kind: two venues, two providers on one venue, two units of one
# symbol; zero and missing divisors, missing periods and shares, special floats.
_BAR_VALUES = ("open", "high", "low", "close")
_BARS = {
    ("coinalyze", "binance", "base"): [
        (100.0, 110.0, 95.0, 105.0),
        (0.0, 5.0, 0.0, 0.0),  # zero open: no range; zero close: no change on the next bar
        (50.0, 60.0, 40.0, 55.0),
        (None, 70.0, 50.0, None),  # no open, no close: both metrics null here and next bar
        (60.0, 61.0, 59.0, 60.5),
        (60.5, INF, 60.0, NAN),
        (61.0, 62.0, 60.0, 61.5),
    ],
    ("coinalyze", "binance", "usd"): [
        (6.1e6, 6.3e6, 6.0e6, 6.2e6),
        (6.2e6, 6.2e6, 5.1e6, 5.3e6),
    ],
    ("coinalyze", "bybit", "base"): [(7.0, 7.5, 6.5, 7.25), (7.25, 8.0, 7.0, 7.75)],
    ("hyperliquid", "binance", "base"): [(0.3, 0.4, 0.2, 0.35), (0.35, 0.35, 0.1, 0.15)],
}
_FUNDING = {  # (provider, exchange): (period_hours, rates)
    ("coinalyze", "binance"): (8.0, [0.0001, -0.00025, 0.0, None]),
    ("coinalyze", "bybit"): (None, [0.0001, 0.0003]),  # the provider states no period
    ("hyperliquid", "hyperliquid"): (1.0, [0.0000125, 0.00001, -0.0000375]),
    ("hyperliquid", "binance"): (0.0, [0.0001]),  # a period that is no period
}
_SHARES = {
    ("coinalyze", "binance"): [(1.5, 0.6, 0.4), (1.2, 0.545, 0.455), (None, None, None)],
    ("coinalyze", "okx"): [(0.8, None, None), (0.9, 0.47, None)],
    ("hyperliquid", "binance"): [(2.0, 2 / 3, 1 / 3)],
}


def table(kind: Kind, records: list[dict[str, Any]]) -> Table:
    """A table of `kind` from partial records (`ts` in hours after T0): key columns default, values null."""
    defaults = {"symbol": "BTCUSDT_PERP.A", "base": "BTC", "interval": "1h", "unit": "base"}
    full = [
        {
            **{name: record.get(name, defaults.get(name)) for name in schema(kind)},
            "ts": T0 + timedelta(hours=record["ts"]),
        }
        for record in records
    ]
    return Table.from_frame(kind, pl.DataFrame(full, schema=schema(kind), orient="row"))


def sample(kind: Kind) -> Table:
    """The sample rows of a kind with derived metrics."""
    records: list[dict[str, Any]] = []
    if kind in (Kind.OPEN_INTEREST, Kind.OHLCV):
        for (provider, exchange, unit), bars in _BARS.items():
            for hour, values in enumerate(bars):
                fixed = {"provider": provider, "exchange": exchange, "unit": unit, "ts": hour}
                records.append({**fixed, **dict(zip(_BAR_VALUES, values, strict=True))})
    elif kind in (Kind.FUNDING_RATE, Kind.FUNDING_SETTLEMENT):
        rate = "close" if kind is Kind.FUNDING_RATE else "rate"
        for (provider, exchange), (period, rates) in _FUNDING.items():
            for hour, value in enumerate(rates):
                fixed = {"provider": provider, "exchange": exchange, "ts": 8 * hour}
                records.append({**fixed, rate: value, "period_hours": period})
    else:
        for (provider, exchange), shares in _SHARES.items():
            for hour, (ratio, long_pct, short_pct) in enumerate(shares):
                fixed = {"provider": provider, "exchange": exchange, "ts": hour}
                records.append(
                    {**fixed, "ratio": ratio, "long_pct": long_pct, "short_pct": short_pct}
                )
    return table(kind, records)


def write_out_of_order(sink: PostgresSink, rows: Table, seed: int = 0) -> None:
    """Write the rows in shuffled batches, so later bars are often stored before earlier ones."""
    frame = rows.to_polars().sample(fraction=1.0, shuffle=True, seed=seed)
    for batch in frame.iter_slices(max(1, frame.height // 3)):
        sink.write(Table.from_frame(rows.kind, batch))


def view(conn: psycopg.Connection[Any], kind: Kind) -> pl.DataFrame:
    """A kind's metric view as a frame, sorted by the kind's key."""
    query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(METRICS_VIEWS[kind]))
    columns = {**schema(kind), **{metric.column: pl.Float64 for metric in metrics_of(kind)}}
    frame = pl.DataFrame(conn.execute(query).fetchall(), schema=columns, orient="row")
    return frame.sort(primary_key(kind))


@pytest.fixture
def sink(postgres_db: str) -> Iterator[PostgresSink]:
    with PostgresSink(postgres_db) as sink:
        yield sink


@pytest.fixture
def conn(postgres_db: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_db, autocommit=True) as conn:
        yield conn


def test_each_kind_with_metrics_has_a_view_named_after_it() -> None:
    assert dict(METRICS_VIEWS) == {
        Kind.OPEN_INTEREST: "open_interest_metrics",
        Kind.OHLCV: "ohlcv_metrics",
        Kind.FUNDING_RATE: "funding_rate_metrics",
        Kind.FUNDING_SETTLEMENT: "funding_settlement_metrics",
        Kind.LONG_SHORT_RATIO: "long_short_ratio_metrics",
    }


def test_a_formula_compiles_to_sql_in_the_order_polars_runs_it() -> None:
    change = metrics_of(Kind.OPEN_INTEREST)[0]

    compiled = to_sql(change.formula, Kind.OPEN_INTEREST).as_string()

    before = (
        'lag("close") OVER (PARTITION BY "provider", "exchange", "symbol", "interval", "unit" '
        "ORDER BY ts)"
    )
    assert compiled == (
        f'CASE WHEN {before} <> 0 THEN (("close" / {before}) - CAST(1.0 AS double precision)) END'
    )


@pytest.mark.parametrize("kind", list(METRICS_VIEWS), ids=str)
def test_a_metric_view_returns_what_with_metrics_returns_on_the_same_rows(
    sink: PostgresSink, conn: psycopg.Connection[Any], kind: Kind
) -> None:
    rows = sample(kind)
    write_out_of_order(sink, rows)

    assert_frame_equal(
        view(conn, kind), with_metrics(rows).sort(primary_key(kind)), check_exact=True
    )


def test_derived_metrics_are_100_times_the_metric_views_fractions(
    sink: PostgresSink, conn: psycopg.Connection[Any]
) -> None:
    oi, funding = sample(Kind.OPEN_INTEREST), sample(Kind.FUNDING_RATE)
    # One unit of price bars: the view joins them to open interest bars of any unit.
    candles = Table.from_frame(Kind.OHLCV, sample(Kind.OHLCV).to_polars().filter(unit="base"))
    for rows in (oi, candles, funding):
        sink.write(rows)
    join = ["provider", "exchange", "symbol", "interval", "ts"]
    expected = (
        with_metrics(oi)
        .select(*join, "unit", open_interest_change_pct=100 * pl.col("change"))
        .join(
            with_metrics(candles).select(*join, range_pct=100 * pl.col("range")),
            on=join,
            how="left",
        )
        .join(
            with_metrics(funding).select(*join, funding_annualised_pct=100 * pl.col("annualised")),
            on=join,
            how="left",
        )
    )

    query = sql.SQL(
        "SELECT provider, exchange, symbol, interval, ts, open_interest_unit AS unit, "
        "open_interest_change_pct, range_pct, funding_annualised_pct FROM {}"
    ).format(sql.Identifier(DERIVED_METRICS_VIEW))
    got = pl.DataFrame(conn.execute(query).fetchall(), schema=expected.schema, orient="row")

    order = ["provider", "exchange", "symbol", "unit", "ts"]
    assert_frame_equal(got.sort(order), expected.sort(order), check_exact=True)


_close = st.none() | st.just(0.0) | st.floats(1e-6, 1e9) | st.floats(-1e9, -1e-6)


@settings(
    max_examples=15,
    deadline=None,
    # One database per test; each example starts by emptying the table it uses.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    bars=st.dictionaries(
        st.tuples(st.sampled_from(["binance", "bybit"]), st.integers(0, 11)),
        st.tuples(_close, _close, _close, _close),
        min_size=1,
        max_size=16,
    ),
    seed=st.integers(0, 2**16),
)
def test_random_open_interest_bars_give_the_same_metrics_in_sql_and_polars(
    sink: PostgresSink,
    conn: psycopg.Connection[Any],
    bars: dict[tuple[str, int], tuple[float | None, ...]],
    seed: int,
) -> None:
    conn.execute("TRUNCATE open_interest")
    rows = table(
        Kind.OPEN_INTEREST,
        [
            {
                "provider": "p",
                "exchange": venue,
                "ts": hour,
                **dict(zip(_BAR_VALUES, values, strict=True)),
            }
            for (venue, hour), values in bars.items()
        ],
    )
    write_out_of_order(sink, rows, seed)

    assert_frame_equal(
        view(conn, Kind.OPEN_INTEREST),
        with_metrics(rows).sort(primary_key(Kind.OPEN_INTEREST)),
        check_exact=True,
    )
