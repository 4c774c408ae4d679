"""Intervals: canonical names, Coinalyze spellings, lengths."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval

CANONICAL = [
    ("1m", Interval.M1),
    ("5m", Interval.M5),
    ("15m", Interval.M15),
    ("30m", Interval.M30),
    ("1h", Interval.H1),
    ("2h", Interval.H2),
    ("4h", Interval.H4),
    ("6h", Interval.H6),
    ("12h", Interval.H12),
    ("1d", Interval.D1),
]

COINALYZE = [
    ("1min", Interval.M1),
    ("5min", Interval.M5),
    ("15min", Interval.M15),
    ("30min", Interval.M30),
    ("1hour", Interval.H1),
    ("2hour", Interval.H2),
    ("4hour", Interval.H4),
    ("6hour", Interval.H6),
    ("12hour", Interval.H12),
    ("daily", Interval.D1),
]

SECONDS = [
    (Interval.M1, 60),
    (Interval.M5, 300),
    (Interval.M15, 900),
    (Interval.M30, 1_800),
    (Interval.H1, 3_600),
    (Interval.H2, 7_200),
    (Interval.H4, 14_400),
    (Interval.H6, 21_600),
    (Interval.H12, 43_200),
    (Interval.D1, 86_400),
]


def test_there_are_exactly_ten_intervals_in_ascending_order() -> None:
    assert [interval for _, interval in CANONICAL] == list(Interval)


@pytest.mark.parametrize(("name", "expected"), CANONICAL)
def test_canonical_name_parses(name: str, expected: Interval) -> None:
    assert Interval.parse(name) is expected


@pytest.mark.parametrize(("name", "expected"), COINALYZE)
def test_coinalyze_spelling_parses(name: str, expected: Interval) -> None:
    assert Interval.parse(name) is expected


@pytest.mark.parametrize(("name", "interval"), COINALYZE)
def test_coinalyze_spelling_of_each_interval(name: str, interval: Interval) -> None:
    assert interval.spelling("coinalyze") == name


@pytest.mark.parametrize("interval", list(Interval))
def test_coinalyze_spelling_round_trips(interval: Interval) -> None:
    assert Interval.parse(interval.spelling("coinalyze")) is interval


@pytest.mark.parametrize("interval", list(Interval))
def test_str_is_the_canonical_name(interval: Interval) -> None:
    assert str(interval) == interval.value
    assert Interval.parse(str(interval)) is interval


def test_parse_returns_an_interval_unchanged() -> None:
    assert Interval.parse(Interval.H4) is Interval.H4


def test_parse_strips_surrounding_whitespace() -> None:
    assert Interval.parse("  4hour\n") is Interval.H4


@pytest.mark.parametrize("value", ["3h", "1H", "hourly", "", "1 hour", "60"])
def test_unknown_spelling_error_lists_the_valid_names(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        Interval.parse(value)

    assert str(info.value) == (
        f"unknown interval {value!r}; use one of 1m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d "
        "(provider spellings such as '1hour' or 'daily' work too)"
    )


def test_non_string_interval_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"^unknown interval 3600; use one of 1m,"):
        Interval.parse(3600)  # type: ignore[arg-type]


def test_unknown_spelling_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown interval"):
        Interval.parse("fortnightly")


@pytest.mark.parametrize(("interval", "seconds"), SECONDS)
def test_seconds(interval: Interval, seconds: int) -> None:
    assert interval.seconds == seconds


@pytest.mark.parametrize(("interval", "seconds"), SECONDS)
def test_timedelta_matches_seconds(interval: Interval, seconds: int) -> None:
    assert interval.timedelta == timedelta(seconds=seconds)


@pytest.mark.parametrize("interval", list(Interval))
def test_every_interval_is_supported_by_coinalyze(interval: Interval) -> None:
    assert interval.supported_by("coinalyze") is True


def test_unknown_provider_supports_nothing() -> None:
    assert Interval.H1.supported_by("nowhere") is False


def test_spelling_for_unknown_provider_is_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        Interval.H1.spelling("nowhere")

    assert str(info.value) == "nowhere does not offer the 1h interval"
