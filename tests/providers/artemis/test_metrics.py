"""`Artemis.metrics`: rows, the half-open window, metric names and the answer's quirks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from cryptodata import Artemis, Kind, ValidationError, schema
from providers.artemis.fake import GAP, FakeArtemis, value


def _points(table: object) -> set[tuple[str, str, date, float | None]]:
    frame = table.to_polars()  # type: ignore[attr-defined]
    return {
        (row["provider_id"], row["metric"], row["ts"].date(), row["value"])
        for row in frame.iter_rows(named=True)
    }


def test_rows_are_the_answer_in_the_metric_schema(ar: Artemis) -> None:
    table = ar.metrics(
        ["price", "fees"], symbols=["sol", "eth"], start="2024-01-01", end="2024-01-08"
    )

    frame = table.to_polars()
    assert table.kind is Kind.METRIC
    assert frame.schema == schema(Kind.METRIC)
    assert _points(table) == {
        (symbol, name, date(2024, 1, day), value(symbol, metric, date(2024, 1, day)))
        for symbol in ("sol", "eth")
        for name, metric in (("price", "PRICE"), ("fees_24h", "FEES"))
        for day in range(1, 8)
    }
    assert table.warnings == []


def test_rows_name_the_canonical_entity_unit_and_interval(ar: Artemis) -> None:
    frame = ar.metrics(
        "price", symbols=["sol", "eth"], start="2024-01-01", end="2024-01-02"
    ).to_polars()

    assert frame.select("provider", "entity", "provider_id", "metric", "unit", "interval").sort(
        "provider_id"
    ).rows() == [
        ("artemis", "ethereum", "eth", "price", "usd", "1d"),
        ("artemis", "solana", "sol", "price", "usd", "1d"),
    ]


def test_a_day_string_is_midnight_utc_of_that_day(ar: Artemis) -> None:
    frame = ar.metrics("price", symbols="sol", start="2024-01-05", end="2024-01-06").to_polars()

    assert frame.get_column("ts").to_list() == [datetime(2024, 1, 5, tzinfo=UTC)]


def test_the_window_is_half_open_and_end_date_is_sent_inclusive(
    ar: Artemis, fake: FakeArtemis
) -> None:
    table = ar.metrics("price", symbols="sol", start="2024-01-01T06:00", end="2024-01-04")

    (request,) = fake.metric_requests()
    assert request.url.params["startDate"] == "2024-01-02"
    assert request.url.params["endDate"] == "2024-01-03"
    assert {point[2] for point in _points(table)} == {date(2024, 1, 2), date(2024, 1, 3)}


def test_the_request_names_metrics_in_the_path_and_symbols_in_the_query(
    ar: Artemis, fake: FakeArtemis
) -> None:
    ar.metrics(
        ["price", "FEES", "dau"], symbols=["SOL", "eth"], start="2024-01-01", end="2024-01-11"
    )

    (request,) = fake.metric_requests()
    assert request.url.path == "/data/api/PRICE,FEES,DAU/"
    assert dict(request.url.params) == {
        "symbols": "sol,eth",
        "startDate": "2024-01-01",
        "endDate": "2024-01-10",
        "granularity": "DAY",
        "limit": "10",
        "APIKey": request.url.params["APIKey"],
    }


@pytest.mark.parametrize("spelling", ["fees", "FEES", "fees_24h", "Fees"])
def test_a_metric_is_named_canonically_or_as_artemis_does_in_any_case(
    ar: Artemis, fake: FakeArtemis, spelling: str
) -> None:
    frame = ar.metrics(spelling, symbols="sol", start="2024-01-01", end="2024-01-02").to_polars()

    assert fake.metric_requests()[0].url.path == "/data/api/FEES/"
    assert frame.get_column("metric").to_list() == ["fees_24h"]


def test_an_unmapped_metric_keeps_artemis_name_in_snake_case_without_unit(ar: Artemis) -> None:
    frame = ar.metrics(
        "WEEKLY_COMMITS_CORE", symbols="sol", start="2024-01-01", end="2024-01-02"
    ).to_polars()

    assert frame.select("metric", "unit").rows() == [("weekly_commits_core", "")]


def test_a_canonical_metric_artemis_does_not_map_is_refused_before_any_request(
    ar: Artemis, fake: FakeArtemis
) -> None:
    with pytest.raises(ValidationError, match="canonical metric Artemis does not map"):
        ar.metrics("active_addresses", symbols="sol", start="2024-01-01", end="2024-01-02")

    assert fake.requests == []


def test_a_null_val_is_a_null_value(ar: Artemis) -> None:
    symbol, _, day = GAP
    frame = ar.metrics("fees", symbols=symbol, start=day, end="2024-01-05").to_polars()

    assert frame.get_column("value").to_list() == [None]


def test_a_message_in_place_of_a_series_is_a_warning_and_keeps_the_others(ar: Artemis) -> None:
    table = ar.metrics(
        ["price", "fees"], symbols=["btc", "sol"], start="2024-01-01", end="2024-01-03"
    )

    assert table.warnings == [
        "Artemis has no FEES for btc: Metric FEES is not available for asset btc"
    ]
    assert {(point[0], point[1]) for point in _points(table)} == {
        ("btc", "price"),
        ("sol", "price"),
        ("sol", "fees_24h"),
    }


def test_an_unknown_metric_answers_nothing_with_a_warning(ar: Artemis, fake: FakeArtemis) -> None:
    table = ar.metrics("NO_SUCH_METRIC", symbols="sol", start="2024-01-01", end="2024-01-03")

    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.METRIC)
    (warning,) = table.warnings
    assert "no series of NO_SUCH_METRIC for sol" in warning
    assert "supported_metrics" in warning


def test_a_symbol_left_out_of_the_answer_is_a_warning(ar: Artemis) -> None:
    table = ar.metrics("price", symbols=["sol", "nosuchcoin"], start="2024-01-01", end="2024-01-02")

    assert table.warnings == ["Artemis answered no series for PRICE of nosuchcoin"]
    assert len(table) == 1


@pytest.mark.parametrize("echo", ["upper", "lower"])
def test_metric_keys_are_matched_whatever_case_the_answer_uses(
    ar: Artemis, fake: FakeArtemis, echo: str
) -> None:
    fake.echo = echo  # type: ignore[assignment]

    table = ar.metrics(["price", "fees"], symbols="sol", start="2024-01-01", end="2024-01-02")

    assert sorted(table.to_polars().get_column("metric")) == ["fees_24h", "price"]
    assert table.warnings == []


def test_a_window_without_a_day_start_sends_nothing(ar: Artemis, fake: FakeArtemis) -> None:
    table = ar.metrics("price", symbols="sol", start="2024-01-01T01:00", end="2024-01-01T23:00")

    assert len(table) == 0
    assert table.warnings == ["the window holds no day start (00:00 UTC)"]
    assert fake.requests == []


def test_rows_outside_the_window_are_dropped(ar: Artemis, fake: FakeArtemis) -> None:
    fake.answer(
        "/data/api/PRICE/",
        {
            "data": {
                "symbols": {
                    "sol": {
                        "PRICE": [
                            {"date": "2023-12-31", "val": 1.0},
                            {"date": "2024-01-01", "val": 2.0},
                            {"date": "2024-01-02", "val": 3.0},
                        ]
                    }
                }
            }
        },
    )

    frame = ar.metrics("price", symbols="sol", start="2024-01-01", end="2024-01-02").to_polars()

    assert frame.get_column("value").to_list() == [2.0]


def test_a_user_entity_master_names_the_entity(fake: FakeArtemis, clock: object) -> None:
    import httpx

    from cryptodata.core.entities import EntityMaster
    from providers.artemis.fake import API_KEY

    master = EntityMaster.default().load({"solana": {"ids": {"artemis": ["solx"]}}})
    ar = Artemis(
        API_KEY, clock=clock, entities=master, http_transport=httpx.MockTransport(fake.handle)
    )  # type: ignore[arg-type]
    fake.answer(
        "/data/api/PRICE/",
        {"data": {"symbols": {"solx": {"PRICE": [{"date": "2024-01-01", "val": 1.0}]}}}},
    )

    frame = ar.metrics("price", symbols="solx", start="2024-01-01", end="2024-01-02").to_polars()

    assert frame.select("entity", "provider_id").rows() == [("solana", "solx")]


def test_the_metrics_answer_table_is_sorted_and_unique_per_key(ar: Artemis) -> None:
    frame = ar.metrics(
        ["price", "fees"], symbols=["sol", "eth"], start="2024-01-01", end="2024-01-04"
    ).to_polars()

    assert frame.select(pl.struct("provider_id", "metric", "ts").is_unique().all()).item()
