"""History and latest: strings to numbers, the window cut, today's open day, the envelope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import polars as pl
import pytest

from cryptodata import FearGreed, ProviderError, ResponseFormatError, ValidationError
from cryptodata.providers.feargreed.parse import READING_SCHEMA

from .fake import FIRST, MISSING, NOW_DT, FakeFearGreed, band, truth, value_of

D = timedelta(days=1)
START = datetime(2024, 1, 1, tzinfo=UTC)
CLOSED = (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 2, 8, tzinfo=UTC))


def test_history_turns_string_values_and_seconds_into_daily_rows(fg: FearGreed) -> None:
    frame = fg.history(start=CLOSED[0], end=CLOSED[1]).to_polars()

    assert dict(zip(frame["ts"], frame["value"], strict=True)) == truth(*CLOSED)
    assert frame["ts"].is_sorted()


def test_rows_name_the_market_wide_series(fg: FearGreed) -> None:
    frame = fg.history(start=CLOSED[0], end=CLOSED[1]).to_polars()

    assert frame.select(
        "provider", "entity", "metric", "interval", "unit", "provider_id"
    ).unique().rows() == [
        ("feargreed", "crypto-market", "fear_greed", "1d", "index", "crypto-market")
    ]


def test_a_history_from_the_first_day_asks_for_all_of_it(
    fg: FearGreed, fake: FakeFearGreed
) -> None:
    fg.history()

    assert fake.requests[0].url.params["limit"] == "0"


def test_a_recent_history_asks_only_for_the_days_back_to_its_start(
    fg: FearGreed, fake: FakeFearGreed
) -> None:
    table = fg.history(start=NOW_DT - 3 * D)

    assert fake.requests[0].url.params["limit"] == "5"
    assert len(table) == 3  # the day starts in the window: 02-28, 02-29, 03-01


def test_missing_days_are_gaps_not_rows(fg: FearGreed) -> None:
    frame = fg.history(start=START, end=START + 20 * D).to_polars()

    assert len(frame) == 18
    assert not set(frame["ts"]) & {datetime.fromtimestamp(day, UTC) for day in MISSING}


def test_todays_value_is_kept_at_its_midnight_bucket_with_a_warning(fg: FearGreed) -> None:
    table = fg.history(start=NOW_DT - D)

    assert table.to_polars()["ts"].to_list()[-1] == datetime(2024, 3, 1, tzinfo=UTC)
    assert table.warnings == [
        "2024-03-01 of fear_greed@crypto-market is the day so far (alternative.me publishes "
        "the next value at 00:00 UTC): a later run replaces it"
    ]


def test_a_window_of_ended_days_has_no_warning(fg: FearGreed) -> None:
    assert fg.history(start=CLOSED[0], end=CLOSED[1]).warnings == []


def test_latest_asks_for_one_day_and_returns_it(fg: FearGreed, fake: FakeFearGreed) -> None:
    table = fg.latest()

    assert fake.requests[0].url.params["limit"] == "1"
    today = datetime(2024, 3, 1, tzinfo=UTC)
    assert table.to_polars().select("ts", "value").rows() == [
        (today, float(value_of(int(today.timestamp()))))
    ]


def test_history_frame_keeps_each_values_classification(fg: FearGreed) -> None:
    frame = fg.history_frame(start=CLOSED[0], end=CLOSED[1])

    assert frame.schema == READING_SCHEMA
    assert frame["classification"].to_list() == [band(int(v)) for v in frame["value"]]


def test_a_metadata_error_in_a_200_is_a_provider_error_not_retried(
    fg: FearGreed, fake: FakeFearGreed
) -> None:
    fake.error = "Invalid limit"

    with pytest.raises(ProviderError, match=r"metadata\.error says Invalid limit") as caught:
        fg.latest()

    assert caught.value.status == 200
    assert len(fake.requests) == 1


def test_a_value_that_is_no_integer_is_a_format_error(fg: FearGreed, fake: FakeFearGreed) -> None:
    entry = {"value": "n/a", "value_classification": "Fear", "timestamp": str(FIRST)}
    fake.failures.append(httpx.Response(200, json={"data": [entry], "metadata": {"error": None}}))

    with pytest.raises(ResponseFormatError, match="value 'n/a' is no integer"):
        fg.latest()


def test_numbers_sent_as_numbers_are_read_too(fg: FearGreed, fake: FakeFearGreed) -> None:
    entry = {"value": 40, "timestamp": FIRST}
    fake.failures.append(httpx.Response(200, json={"data": [entry], "metadata": {"error": None}}))

    frame = fg.history_frame(start=START, end=START + D)

    assert frame.rows() == [(START, 40.0, None)]


def test_another_series_is_refused_before_any_request(fg: FearGreed, fake: FakeFearGreed) -> None:
    with pytest.raises(ValidationError, match="one series, 'fear_greed@crypto-market'"):
        fg.history_steps("metric", "fear_greed@bitcoin", interval="1d", start=START)

    assert fake.requests == []


def test_series_names_the_key_columns(fg: FearGreed) -> None:
    assert fg.series("metric", "fear_greed@crypto-market", interval="1d") == {
        "fear_greed@crypto-market": {
            "provider": "feargreed",
            "provider_id": "crypto-market",
            "metric": "fear_greed",
            "interval": "1d",
        }
    }


def test_the_frame_is_empty_and_typed_for_a_window_before_the_history(fg: FearGreed) -> None:
    frame = fg.history_frame(start="2017-01-01", end="2017-02-01")

    assert frame.schema == READING_SCHEMA
    assert frame.height == 0
    assert isinstance(frame, pl.DataFrame)
