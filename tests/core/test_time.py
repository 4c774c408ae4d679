"""Time inputs: everything users pass becomes an aware UTC datetime, or a ValidationError."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core.errors import CryptoDataError, ValidationError
from cryptodata.core.planning import time_windows
from cryptodata.core.time import from_ms, time_range, to_ms, to_utc

JUNE_1 = datetime(2025, 6, 1, tzinfo=UTC)
JUNE_1_MS = 1_748_736_000_000


# --- accepted inputs -------------------------------------------------------------------------


def test_aware_datetime_in_new_york_is_converted_to_utc() -> None:
    value = datetime(2025, 6, 1, 8, 30, tzinfo=ZoneInfo("America/New_York"))

    result = to_utc(value)

    assert result == datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_aware_datetime_with_fixed_positive_offset_is_converted_to_utc() -> None:
    value = datetime(2025, 6, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))

    assert to_utc(value) == datetime(2025, 6, 1, 0, 0, tzinfo=UTC)
    assert to_utc(value).tzinfo is UTC


def test_aware_utc_datetime_is_returned_unchanged() -> None:
    value = datetime(2025, 6, 1, 12, 0, 0, 123000, tzinfo=UTC)

    assert to_utc(value) == value
    assert to_utc(value).tzinfo is UTC


def test_naive_datetime_is_taken_as_utc_not_local_time() -> None:
    result = to_utc(datetime(2025, 6, 1, 12, 0))

    assert result == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_date_is_midnight_utc() -> None:
    result = to_utc(date(2025, 6, 1))

    assert result == JUNE_1
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-01", datetime(2025, 6, 1, tzinfo=UTC)),
        ("2025-06-01T12:00Z", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
        ("2025-06-01T12:00:00Z", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
        ("2025-06-01T12:00:00.250Z", datetime(2025, 6, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2025-06-01T12:00:00+00:00", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
        ("2025-06-01T14:00:00+02:00", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
        ("2025-06-01T07:00:00-05:00", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
        ("2025-06-01T00:30:00+05:30", datetime(2025, 5, 31, 19, 0, tzinfo=UTC)),
        ("2025-06-01T12:00:00", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
        ("2025-06-01 12:00", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
        ("  2025-06-01T12:00Z  ", datetime(2025, 6, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_iso_string_is_parsed_to_utc(text: str, expected: datetime) -> None:
    result = to_utc(text)

    assert result == expected
    assert result.tzinfo is UTC


def test_epoch_milliseconds_int_is_parsed_to_utc() -> None:
    result = to_utc(JUNE_1_MS)

    assert result == JUNE_1
    assert result.tzinfo is UTC


def test_epoch_milliseconds_keeps_the_millisecond_part() -> None:
    assert to_utc(JUNE_1_MS + 1) == JUNE_1 + timedelta(milliseconds=1)


def test_smallest_accepted_epoch_ms_is_1973_03_03() -> None:
    assert to_utc(100_000_000_000) == datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)


def test_largest_accepted_epoch_ms_is_year_3000() -> None:
    assert to_utc(32_503_680_000_000) == datetime(3000, 1, 1, tzinfo=UTC)


# --- rejected inputs -------------------------------------------------------------------------


def test_validation_error_is_also_a_value_error_and_a_cryptodata_error() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(ValidationError, CryptoDataError)


@pytest.mark.parametrize("value", [True, False])
def test_bool_is_rejected(value: bool) -> None:
    with pytest.raises(ValidationError, match="not a bool"):
        to_utc(value)


def test_float_is_rejected_with_its_type_and_value() -> None:
    with pytest.raises(ValidationError, match=r"not float \(1748736000000\.0\)"):
        to_utc(1_748_736_000_000.0)  # type: ignore[arg-type]


def test_none_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"not NoneType \(None\)"):
        to_utc(None)  # type: ignore[arg-type]


def test_rejection_message_names_the_argument() -> None:
    with pytest.raises(ValidationError, match=r"^start must be a datetime"):
        to_utc(None, name="start")  # type: ignore[arg-type]


def test_rejection_is_catchable_as_value_error() -> None:
    with pytest.raises(ValueError, match="not a bool"):
        to_utc(True)


@pytest.mark.parametrize("seconds", [1_748_736_000, 1, 99_999_999_999])
def test_int_that_looks_like_epoch_seconds_is_rejected_with_a_hint(seconds: int) -> None:
    with pytest.raises(ValidationError) as info:
        to_utc(seconds)

    assert str(info.value) == (
        f"time={seconds} is not epoch milliseconds; it looks like epoch seconds; multiply by 1000"
    )


@pytest.mark.parametrize("value", [0, -1, -1_748_736_000_000])
def test_zero_or_negative_int_is_rejected_without_the_seconds_hint(value: int) -> None:
    with pytest.raises(ValidationError, match="is not epoch milliseconds") as info:
        to_utc(value)

    assert "epoch seconds" not in str(info.value)


def test_int_beyond_year_3000_is_rejected() -> None:
    with pytest.raises(ValidationError, match="beyond the year 3000"):
        to_utc(32_503_680_000_001)


@pytest.mark.parametrize(
    "text", ["yesterday", "", "   ", "2025-13-01", "2025-06-01T25:00", "06/01/2025", "now"]
)
def test_garbage_string_is_rejected(text: str) -> None:
    with pytest.raises(ValidationError, match="is not an ISO-8601 date or time"):
        to_utc(text)


def test_garbage_string_error_does_not_chain_the_parser_error() -> None:
    with pytest.raises(ValidationError) as info:
        to_utc("yesterday", name="end")

    assert str(info.value).startswith("end='yesterday' is not an ISO-8601")
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


# --- to_ms / from_ms -------------------------------------------------------------------------


def test_to_ms_of_june_first() -> None:
    assert to_ms(JUNE_1) == JUNE_1_MS


def test_to_ms_ignores_sub_millisecond_digits() -> None:
    assert to_ms(JUNE_1 + timedelta(microseconds=1999)) == JUNE_1_MS + 1


def test_from_ms_returns_aware_utc() -> None:
    result = from_ms(JUNE_1_MS)

    assert result == JUNE_1
    assert result.tzinfo is UTC


# --- time_range ------------------------------------------------------------------------------


def test_time_range_parses_both_bounds() -> None:
    assert time_range("2025-06-01", JUNE_1_MS + 86_400_000) == (
        JUNE_1,
        datetime(2025, 6, 2, tzinfo=UTC),
    )


def test_time_range_rejects_start_equal_to_end() -> None:
    with pytest.raises(ValidationError, match=r"must be before end"):
        time_range("2025-06-01", JUNE_1)


def test_time_range_rejects_start_after_end() -> None:
    with pytest.raises(ValidationError) as info:
        time_range("2025-06-02", "2025-06-01")

    assert str(info.value) == (
        "start (2025-06-02T00:00:00+00:00) must be before end (2025-06-01T00:00:00+00:00)"
    )


def test_time_range_names_the_invalid_bound() -> None:
    with pytest.raises(ValidationError, match=r"^end='soon' is not an ISO-8601"):
        time_range("2025-06-01", "soon")


# --- properties ------------------------------------------------------------------------------

# Fixed offsets (whole seconds, as in real zones) never make a time ambiguous or imaginary, so
# inter-zone `==` compares instants. The range keeps epoch ms within what `to_utc` accepts.
fixed_offsets = st.builds(
    timezone,
    st.integers(min_value=-(24 * 3600 - 1), max_value=24 * 3600 - 1).map(
        lambda s: timedelta(seconds=s)
    ),
)
aware_ms_datetimes = st.datetimes(
    min_value=datetime(1973, 3, 5),
    max_value=datetime(2999, 12, 30),
    timezones=fixed_offsets,
).map(lambda dt: dt.replace(microsecond=dt.microsecond // 1000 * 1000))


@given(aware_ms_datetimes)
def test_epoch_ms_round_trips_any_aware_datetime(dt: datetime) -> None:
    result = to_utc(to_ms(dt))

    assert result == dt
    assert result.tzinfo is UTC


@given(aware_ms_datetimes)
def test_isoformat_round_trips_any_aware_datetime(dt: datetime) -> None:
    result = to_utc(dt.isoformat())

    assert result == dt
    assert result.tzinfo is UTC


@given(
    st.datetimes(
        min_value=datetime(1973, 3, 5),
        max_value=datetime(2999, 12, 30),
        timezones=st.timezones(),
        allow_imaginary=False,
    )
)
def test_any_zoneinfo_datetime_becomes_the_same_utc_instant(dt: datetime) -> None:
    result = to_utc(dt)

    assert result.tzinfo is UTC
    assert result == dt.astimezone(UTC)
    assert result.replace(tzinfo=None) == dt.replace(tzinfo=None) - dt.utcoffset()


# --- the edges of what a datetime holds ------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T23:00-23:59"]
)
def test_a_time_whose_utc_instant_is_outside_datetime_is_a_validation_error(text: str) -> None:
    with pytest.raises(ValidationError, match=r"start=.* is outside the supported range") as caught:
        to_utc(text, name="start")

    assert "0001-01-01T00:00:00Z" in str(caught.value)
    assert "9999-12-31T23:59:59.999999Z" in str(caught.value)


def test_an_aware_datetime_beyond_year_9999_in_utc_is_a_validation_error() -> None:
    value = datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1)))

    with pytest.raises(ValidationError, match="outside the supported range"):
        to_utc(value)


# Aware datetimes within a day of the limits, where the offset may push the UTC instant out.
edge_datetimes = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 2), timezones=fixed_offsets),
    st.datetimes(
        min_value=datetime(9999, 12, 30),
        max_value=datetime(9999, 12, 31, 23, 59, 59, 999999),
        timezones=fixed_offsets,
    ),
)


def _utc_instant(dt: datetime) -> datetime | None:
    """The UTC instant of `dt` computed without `astimezone`, or None if no datetime holds it."""
    offset = dt.utcoffset()
    assert offset is not None
    naive = dt.replace(tzinfo=None)
    try:
        return (naive - offset).replace(tzinfo=UTC)
    except OverflowError:
        return None


@given(edge_datetimes)
def test_an_aware_datetime_near_the_limits_is_its_utc_instant_or_a_validation_error(
    dt: datetime,
) -> None:
    expected = _utc_instant(dt)

    if expected is None:
        with pytest.raises(ValidationError, match="outside the supported range"):
            to_utc(dt)
    else:
        assert to_utc(dt) == expected


@given(edge_datetimes)
def test_an_iso_string_near_the_limits_is_its_utc_instant_or_a_validation_error(
    dt: datetime,
) -> None:
    expected = _utc_instant(dt)

    if expected is None:
        with pytest.raises(ValidationError, match="outside the supported range"):
            to_utc(dt.isoformat())
    else:
        assert to_utc(dt.isoformat()) == expected


def test_a_window_ending_in_year_9999_is_planned_without_overflow() -> None:
    start, end = time_range("9999-12-30", "9999-12-31T23:00")

    windows = time_windows(start, end, timedelta(days=2_000))

    assert windows == [(start, end)]
