"""`chart()`: one full-resolution request per window, rows as the fake holds them, quirks flagged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cryptodata import (
    BlockchainInfo,
    NotFoundError,
    ProviderError,
    ResponseFormatError,
    Table,
    schema,
)
from providers.blockchaininfo.fake import NEGATIVE_DAY, NOW_DT, FakeBlockchainInfo

JAN = datetime(2024, 1, 1, tzinfo=UTC)
FEB = datetime(2024, 2, 1, tzinfo=UTC)


def _values(table: Table) -> dict[datetime, float | None]:
    frame = table.to_polars()
    return dict(
        zip(frame.get_column("ts").to_list(), frame.get_column("value").to_list(), strict=True)
    )


def test_a_window_is_asked_at_full_resolution_from_its_first_day_for_its_length(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    bc.chart("hash-rate", start="2024-01-01", end="2024-02-01")

    (request,) = fake.requests
    assert dict(request.url.params) == {
        "timespan": "31days",
        "start": "2024-01-01",
        "sampled": "false",
        "format": "json",
    }


def test_years_of_daily_points_come_in_one_request(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    table = bc.chart("difficulty", start="2020-01-01", end="2024-01-01")

    assert len(fake.requests) == 1
    assert len(table) == 1461


def test_the_rows_are_the_charts_points_in_the_half_open_window(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    table = bc.chart("market-price", start=JAN, end=FEB)

    # The fake answers start + timespan inclusive: the 2024-02-01 point is cut here.
    assert _values(table) == fake.truth("market-price", JAN, FEB)


def test_rows_carry_the_canonical_series_columns(bc: BlockchainInfo) -> None:
    frame = bc.chart("n-transactions", start="2024-01-01", end="2024-01-03").to_polars()

    assert frame.schema == schema("metric")
    assert frame.select(
        "provider", "entity", "metric", "interval", "unit", "provider_id"
    ).unique().rows() == [
        ("blockchaininfo", "bitcoin", "transaction_count", "1d", "transactions", "bitcoin")
    ]


def test_a_window_starting_mid_day_begins_at_the_next_day(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    table = bc.chart("hash-rate", start="2024-01-01T06:00:00Z", end="2024-01-04")

    assert fake.requests[0].url.params["start"] == "2024-01-02"
    assert [ts.day for ts in _values(table)] == [2, 3]


def test_avg_block_size_megabytes_become_bytes(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    table = bc.chart("avg-block-size", start=JAN, end=FEB)

    truth = fake.truth("avg-block-size", JAN, FEB)
    assert _values(table) == {ts: v * 1_000_000 for ts, v in truth.items() if v is not None}
    assert table.warnings == []


def test_an_unmapped_chart_carries_the_unit_the_answer_states(bc: BlockchainInfo) -> None:
    frame = bc.chart("n-unique-addresses", start=JAN, end=FEB).to_polars()

    assert frame.get_column("unit").unique().to_list() == ["Addresses"]
    assert frame.get_column("metric").unique().to_list() == ["n_unique_addresses"]


def test_a_negative_value_is_stored_as_null_and_flagged(bc: BlockchainInfo) -> None:
    table = bc.chart("transaction-fees", start=JAN, end=FEB)

    day = datetime(NEGATIVE_DAY.year, NEGATIVE_DAY.month, NEGATIVE_DAY.day, tzinfo=UTC)
    assert _values(table)[day] is None
    assert len(table) == 31
    assert table.warnings == [
        "blockchain.info gave 1 negative value(s) of transaction-fees (2024-01-10 00:00 -12.5): "
        "stored as null, as no transaction_fees is below 0",
    ]


def test_a_15_minute_chart_gives_15m_rows_from_the_windows_first_quarter_hour(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    table = bc.chart("mempool-size", start="2024-02-10T00:05:00Z", end="2024-02-10T02:00:00Z")

    params = fake.requests[0].url.params
    assert (params["start"], params["timespan"]) == ("2024-02-10T00:15:00", "105minutes")
    frame = table.to_polars()
    assert frame.get_column("interval").unique().to_list() == ["15m"]
    assert [ts.strftime("%H:%M") for ts in frame.get_column("ts")][:2] == ["00:15", "00:30"]
    assert len(frame) == 7


def test_the_still_filling_day_is_kept_and_flagged(bc: BlockchainInfo) -> None:
    table = bc.chart("hash-rate", start="2024-02-28")

    assert max(_values(table)) == datetime(2024, 3, 1, tzinfo=UTC)
    assert table.warnings == [
        "2024-03-01 00:00 of hash_rate@bitcoin is the 1d bucket so far (it has not ended): "
        "a later run replaces it",
    ]


def test_a_rolling_average_is_asked_and_named_apart_from_the_raw_series(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    table = bc.chart("hash-rate", start=JAN, end=FEB, rolling_average="7 days")

    assert fake.requests[0].url.params["rollingAverage"] == "7days"
    assert table.to_polars().get_column("metric").unique().to_list() == ["hash_rate_rolling_7days"]


def _answer(fake: FakeBlockchainInfo, **changes: object) -> None:
    body: dict[str, object] = {
        "status": "ok",
        "name": "Total Hash Rate (TH/s)",
        "unit": "Hash Rate TH/s",
        "period": "day",
        "description": "",
        "values": [{"x": int(JAN.timestamp()), "y": 5.0e8}],
    }
    fake.answer("/charts/hash-rate", {**body, **changes})


def test_a_scaled_chart_in_an_unexpected_unit_is_flagged(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    _answer(fake, unit="Hash Rate EH/s")

    table = bc.chart("hash-rate", start=JAN, end=FEB)

    assert table.warnings == [
        "blockchain.info gives hash-rate in 'Hash Rate EH/s', not TH/s: values are scaled by 1 "
        "into terahashes_per_second as for TH/s; check them",
    ]


def test_a_daily_chart_answered_with_another_period_is_refused_not_mislabelled(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    _answer(fake, period="minute")

    with pytest.raises(ResponseFormatError, match=r"period 'minute'.*1d bars"):
        bc.chart("hash-rate", start=JAN, end=FEB)


def test_milliseconds_in_a_chart_are_refused_not_read_as_seconds(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    _answer(fake, values=[{"x": int(JAN.timestamp()) * 1000, "y": 1.0}])

    with pytest.raises(ResponseFormatError, match="milliseconds"):
        bc.chart("hash-rate", start=JAN, end=FEB)


def test_an_answer_without_points_is_an_empty_table_with_a_warning(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    _answer(fake, values=[])

    table = bc.chart("hash-rate", start=JAN, end=FEB)

    assert len(table) == 0
    assert table.to_polars().schema == schema("metric")
    assert "answered no points of hash-rate" in table.warnings[0]


def test_an_error_status_in_the_body_is_a_provider_error(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    fake.answer("/charts/hash-rate", {"status": "error", "error": "Chart unavailable"})

    with pytest.raises(ProviderError, match="Chart unavailable"):
        bc.chart("hash-rate", start=JAN, end=FEB)


def test_a_chart_the_server_does_not_know_is_a_not_found_error(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    fake.fail_next(404)

    with pytest.raises(NotFoundError, match="/charts/hash-rate"):
        bc.chart("hash-rate", start=JAN, end=FEB)


def test_the_default_end_is_now(bc: BlockchainInfo, fake: FakeBlockchainInfo) -> None:
    table = bc.chart("market-price", start="2024-02-25")

    assert max(table.to_polars().get_column("ts")) == NOW_DT.replace(hour=0)


def test_a_stale_chart_whose_points_end_before_the_window_warns(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    _answer(fake, values=[{"x": int(JAN.timestamp()) - 86_400, "y": 5.0e8}])

    table = bc.chart("hash-rate", start=JAN, end=FEB)

    assert len(table) == 0
    assert table.warnings == [
        "blockchain.info answered no points of hash-rate from 2024-01-01 00:00 to 2024-02-01 "
        "00:00 (stale or removed charts are answered so)",
    ]


def test_a_negative_value_outside_the_window_is_not_flagged(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    _answer(
        fake,
        values=[{"x": int(JAN.timestamp()), "y": 5.0e8}, {"x": int(FEB.timestamp()), "y": -1.0}],
    )

    table = bc.chart("hash-rate", start=JAN, end=FEB)

    assert (len(table), table.warnings) == (1, [])
