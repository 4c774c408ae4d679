"""Intervals: canonical names, provider aliases, lengths, and calendar arithmetic of bars."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval

CANONICAL = [
    ("1m", Interval.M1),
    ("3m", Interval.M3),
    ("5m", Interval.M5),
    ("15m", Interval.M15),
    ("30m", Interval.M30),
    ("1h", Interval.H1),
    ("2h", Interval.H2),
    ("4h", Interval.H4),
    ("6h", Interval.H6),
    ("8h", Interval.H8),
    ("12h", Interval.H12),
    ("1d", Interval.D1),
    ("3d", Interval.D3),
    ("1w", Interval.W1),
    ("1M", Interval.MO1),
]

SECONDS = [
    (Interval.M1, 60),
    (Interval.M3, 180),
    (Interval.M5, 300),
    (Interval.M15, 900),
    (Interval.M30, 1_800),
    (Interval.H1, 3_600),
    (Interval.H2, 7_200),
    (Interval.H4, 14_400),
    (Interval.H6, 21_600),
    (Interval.H8, 28_800),
    (Interval.H12, 43_200),
    (Interval.D1, 86_400),
    (Interval.D3, 259_200),
    (Interval.W1, 604_800),
]

VALID = "1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M"

FIXED = [interval for interval in Interval if interval is not Interval.MO1]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- names -------------------------------------------------------------------------------


def test_there_are_exactly_fifteen_intervals_in_ascending_order() -> None:
    assert [interval for _, interval in CANONICAL] == list(Interval)


def test_fixed_intervals_are_listed_shortest_first() -> None:
    lengths = [interval.seconds for interval in FIXED]

    assert lengths == sorted(lengths)
    assert len(set(lengths)) == len(lengths)


@pytest.mark.parametrize(("name", "expected"), CANONICAL)
def test_canonical_name_parses(name: str, expected: Interval) -> None:
    assert Interval.parse(name) is expected


@pytest.mark.parametrize("interval", list(Interval))
def test_str_is_the_canonical_name(interval: Interval) -> None:
    assert str(interval) == interval.value
    assert Interval.parse(str(interval)) is interval


def test_parse_returns_an_interval_unchanged() -> None:
    assert Interval.parse(Interval.H4) is Interval.H4


def test_parse_strips_surrounding_whitespace() -> None:
    assert Interval.parse("  4h\n") is Interval.H4


def test_lower_case_m_is_a_minute_and_upper_case_m_a_month() -> None:
    assert Interval.parse("1m") is Interval.M1
    assert Interval.parse("1M") is Interval.MO1


@pytest.mark.parametrize("value", ["3h", "1H", "hourly", "", "1 hour", "60", "1mo", "1W", "1D"])
def test_unknown_spelling_error_lists_the_valid_names(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        Interval.parse(value)

    assert str(info.value) == f"unknown interval {value!r}; use one of {VALID}"


def test_core_knows_no_provider_spelling() -> None:
    with pytest.raises(ValidationError, match=r"^unknown interval '1hour'; use one of 1m,"):
        Interval.parse("1hour")


def test_non_string_interval_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"^unknown interval 3600; use one of 1m,"):
        Interval.parse(3600)  # type: ignore[arg-type]


def test_unknown_spelling_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown interval"):
        Interval.parse("fortnightly")


# --- provider aliases --------------------------------------------------------------------


def test_alias_parses_to_its_interval() -> None:
    assert Interval.parse("hourly", aliases={"hourly": Interval.H1}) is Interval.H1


def test_canonical_names_still_parse_when_aliases_are_given() -> None:
    assert Interval.parse("8h", aliases={"hourly": Interval.H1}) is Interval.H8


def test_canonical_name_wins_over_an_alias_of_the_same_spelling() -> None:
    assert Interval.parse("1m", aliases={"1m": Interval.MO1}) is Interval.M1


def test_aliases_are_matched_exactly_after_stripping() -> None:
    aliases = {"hourly": Interval.H1}

    assert Interval.parse(" hourly ", aliases=aliases) is Interval.H1
    with pytest.raises(ValidationError):
        Interval.parse("Hourly", aliases=aliases)


def test_unknown_spelling_error_lists_the_aliases_too() -> None:
    with pytest.raises(ValidationError) as info:
        Interval.parse("3h", aliases={"hourly": Interval.H1, "daily": Interval.D1})

    assert str(info.value) == f"unknown interval '3h'; use one of {VALID}, or one of hourly, daily"


# --- lengths -----------------------------------------------------------------------------


@pytest.mark.parametrize(("interval", "seconds"), SECONDS)
def test_seconds(interval: Interval, seconds: int) -> None:
    assert interval.seconds == seconds


@pytest.mark.parametrize(("interval", "seconds"), SECONDS)
def test_timedelta_matches_seconds(interval: Interval, seconds: int) -> None:
    assert interval.timedelta == timedelta(seconds=seconds)


@pytest.mark.parametrize("interval", FIXED)
def test_every_interval_but_the_month_is_fixed(interval: Interval) -> None:
    assert interval.fixed is True


def test_the_month_is_not_fixed() -> None:
    assert Interval.MO1.fixed is False


def test_the_month_has_no_timedelta() -> None:
    with pytest.raises(ValidationError) as info:
        _ = Interval.MO1.timedelta

    assert str(info.value) == (
        "the 1M interval has no fixed length; use Interval.add to move by bars"
    )


def test_the_month_has_no_seconds() -> None:
    with pytest.raises(ValidationError, match=r"^the 1M interval has no fixed length"):
        _ = Interval.MO1.seconds


# --- add ---------------------------------------------------------------------------------


def test_add_moves_by_whole_bars() -> None:
    assert Interval.H8.add(utc(2025, 6, 1), 3) == utc(2025, 6, 2)


def test_add_moves_back_for_a_negative_count() -> None:
    assert Interval.M15.add(utc(2025, 6, 1), -2) == utc(2025, 5, 31, 23, 30)


def test_add_zero_bars_is_the_same_time() -> None:
    assert Interval.W1.add(utc(2025, 6, 1, 7, 5), 0) == utc(2025, 6, 1, 7, 5)


def test_add_reads_a_naive_time_as_utc() -> None:
    assert Interval.H1.add(datetime(2025, 6, 1, 12), 1) == utc(2025, 6, 1, 13)


def test_add_answers_in_utc_for_another_zone() -> None:
    paris_summer = timezone(timedelta(hours=2))

    moved = Interval.H1.add(datetime(2025, 6, 1, 14, tzinfo=paris_summer), 1)

    assert moved == utc(2025, 6, 1, 13)
    assert moved.tzinfo is UTC


def test_a_month_after_december_is_january_of_the_next_year() -> None:
    assert Interval.MO1.add(utc(2024, 12, 1), 1) == utc(2025, 1, 1)


def test_a_month_before_january_is_december_of_the_year_before() -> None:
    assert Interval.MO1.add(utc(2025, 1, 1), -1) == utc(2024, 12, 1)


def test_months_have_their_calendar_lengths() -> None:
    starts = [Interval.MO1.add(utc(2024, 1, 1), n) for n in range(4)]

    assert [b - a for a, b in itertools.pairwise(starts)] == [
        timedelta(days=31),
        timedelta(days=29),  # 2024 is a leap year
        timedelta(days=31),
    ]


def test_a_month_keeps_the_time_of_day() -> None:
    assert Interval.MO1.add(utc(2025, 3, 15, 9, 30), 14) == utc(2026, 5, 15, 9, 30)


def test_a_day_the_target_month_lacks_becomes_its_last_day() -> None:
    assert Interval.MO1.add(utc(2025, 1, 31, 12), 1) == utc(2025, 2, 28, 12)
    assert Interval.MO1.add(utc(2024, 1, 31), 1) == utc(2024, 2, 29)


def test_add_beyond_the_year_9999_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"outside the years 1-9999$"):
        Interval.MO1.add(utc(9999, 12, 1), 1)
    with pytest.raises(ValidationError, match=r"outside the years 1-9999$"):
        Interval.D1.add(utc(9999, 12, 31), 1)


# --- floor -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "ts", "start"),
    [
        (Interval.M1, utc(2025, 6, 1, 12, 34, 56), utc(2025, 6, 1, 12, 34)),
        (Interval.M3, utc(2025, 6, 1, 12, 35, 1), utc(2025, 6, 1, 12, 33)),
        (Interval.H1, utc(2025, 6, 1, 12, 59, 59), utc(2025, 6, 1, 12)),
        (Interval.H4, utc(2025, 6, 1, 3, 59), utc(2025, 6, 1, 0)),
        (Interval.H8, utc(2025, 6, 1, 23, 0), utc(2025, 6, 1, 16)),
        (Interval.D1, utc(2025, 6, 1, 23, 59), utc(2025, 6, 1)),
        (Interval.D3, utc(1970, 1, 6, 12), utc(1970, 1, 4)),
        (Interval.MO1, utc(2024, 2, 29, 23, 59), utc(2024, 2, 1)),
    ],
)
def test_floor_is_the_start_of_the_bar(interval: Interval, ts: datetime, start: datetime) -> None:
    assert interval.floor(ts) == start


def test_three_day_bars_are_counted_from_the_epoch() -> None:
    assert Interval.D3.floor(utc(1970, 1, 3, 23)) == utc(1970, 1, 1)
    assert Interval.D3.floor(utc(1969, 12, 31)) == utc(1969, 12, 29)


def test_weeks_start_on_monday() -> None:
    sunday = utc(2025, 6, 1, 12)

    start = Interval.W1.floor(sunday)

    assert start == utc(2025, 5, 26)
    assert start.weekday() == 0


def test_a_monday_midnight_starts_its_own_week() -> None:
    assert Interval.W1.floor(utc(2025, 6, 2)) == utc(2025, 6, 2)


def test_floor_drops_microseconds() -> None:
    assert Interval.M1.floor(utc(2025, 6, 1, 0, 0, 0, 999_999)) == utc(2025, 6, 1)


def test_floor_reads_a_naive_time_as_utc() -> None:
    assert Interval.D1.floor(datetime(2025, 6, 1, 23)) == utc(2025, 6, 1)


def test_floor_works_in_utc_whatever_the_zone() -> None:
    tokyo = timezone(timedelta(hours=9))

    # 2025-06-02 02:00 in Tokyo is 2025-06-01 17:00 UTC: the UTC day is June 1st.
    assert Interval.D1.floor(datetime(2025, 6, 2, 2, tzinfo=tokyo)) == utc(2025, 6, 1)


def test_floor_before_the_year_1_is_rejected() -> None:
    # 0001-01-01 is a Monday; a 3-day bar holding it starts in the year 0.
    with pytest.raises(ValidationError, match=r"starts before the year 1$"):
        Interval.D3.floor(utc(1, 1, 1))


# --- properties --------------------------------------------------------------------------

times = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
intervals = st.sampled_from(list(Interval))
counts = st.integers(min_value=-2_000, max_value=2_000)


@given(interval=intervals, ts=times)
def test_floor_holds_ts_in_its_bar(interval: Interval, ts: datetime) -> None:
    start = interval.floor(ts)

    assert start <= ts < interval.add(start, 1)


@given(interval=intervals, ts=times)
def test_floor_is_idempotent(interval: Interval, ts: datetime) -> None:
    start = interval.floor(ts)

    assert interval.floor(start) == start


@given(interval=intervals, ts=times, n=counts)
def test_bar_starts_move_to_bar_starts(interval: Interval, ts: datetime, n: int) -> None:
    moved = interval.add(interval.floor(ts), n)

    assert interval.floor(moved) == moved


@given(interval=intervals, ts=times, n=counts)
def test_add_then_subtract_returns_to_the_bar_start(
    interval: Interval, ts: datetime, n: int
) -> None:
    start = interval.floor(ts)

    assert interval.add(interval.add(start, n), -n) == start


@given(interval=st.sampled_from(FIXED), ts=times, n=counts)
def test_fixed_add_then_subtract_returns_to_any_time(
    interval: Interval, ts: datetime, n: int
) -> None:
    assert interval.add(interval.add(ts, n), -n) == ts


@given(interval=intervals, ts=times, a=counts, b=counts)
def test_adding_bars_is_additive_on_bar_starts(
    interval: Interval, ts: datetime, a: int, b: int
) -> None:
    start = interval.floor(ts)

    assert interval.add(interval.add(start, a), b) == interval.add(start, a + b)


@given(interval=intervals, ts=times, n=st.integers(min_value=1, max_value=2_000))
def test_later_bars_start_later(interval: Interval, ts: datetime, n: int) -> None:
    start = interval.floor(ts)

    assert interval.add(start, n) > interval.add(start, n - 1)


@given(ts=times, n=counts)
def test_month_arithmetic_counts_calendar_months_across_year_ends(ts: datetime, n: int) -> None:
    start = Interval.MO1.floor(ts)

    moved = Interval.MO1.add(start, n)

    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == n
    assert (moved.day, moved.hour, moved.minute, moved.second, moved.microsecond) == (
        1,
        0,
        0,
        0,
        0,
    )


@given(ts=times)
def test_month_bar_lasts_its_calendar_month(ts: datetime) -> None:
    start = Interval.MO1.floor(ts)

    length = Interval.MO1.add(start, 1) - start

    assert timedelta(days=28) <= length <= timedelta(days=31)
    assert (start + length - timedelta(microseconds=1)).month == start.month
    assert (start + length).month == start.month % 12 + 1
