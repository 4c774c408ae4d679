"""Coinalyze's intervals: exactly its ten, in its spellings or canonical names, nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cryptodata import Coinalyze, Interval, ValidationError
from cryptodata.providers.coinalyze.intervals import SPELLINGS, parse_interval, spelling

from .conftest import NOW_DT, FakeCoinalyze

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

NOT_OFFERED = [Interval.M3, Interval.H8, Interval.D3, Interval.W1, Interval.MO1]

OFFER = (
    "it offers 1m 5m 15m 30m 1h 2h 4h 6h 12h 1d "
    "(or 1min 5min 15min 30min 1hour 2hour 4hour 6hour 12hour daily)"
)

H = timedelta(hours=1)


def test_coinalyze_offers_exactly_its_ten_intervals_shortest_first() -> None:
    assert list(SPELLINGS.items()) == [(interval, name) for name, interval in COINALYZE]


@pytest.mark.parametrize(("name", "expected"), COINALYZE)
def test_coinalyze_spelling_parses(name: str, expected: Interval) -> None:
    assert parse_interval(name) is expected


@pytest.mark.parametrize(("name", "interval"), COINALYZE)
def test_canonical_name_parses_too(name: str, interval: Interval) -> None:
    assert parse_interval(interval.value) is interval


@pytest.mark.parametrize(("name", "interval"), COINALYZE)
def test_coinalyze_spelling_of_each_interval(name: str, interval: Interval) -> None:
    assert spelling(interval) == name


@pytest.mark.parametrize("interval", list(SPELLINGS))
def test_coinalyze_spelling_round_trips(interval: Interval) -> None:
    assert parse_interval(spelling(interval)) is interval


def test_parse_returns_an_offered_interval_unchanged() -> None:
    assert parse_interval(Interval.H4) is Interval.H4


def test_parse_strips_surrounding_whitespace() -> None:
    assert parse_interval("  4hour\n") is Interval.H4


@pytest.mark.parametrize("interval", NOT_OFFERED)
def test_interval_coinalyze_does_not_offer_has_no_spelling(interval: Interval) -> None:
    with pytest.raises(ValidationError) as info:
        spelling(interval)

    assert str(info.value) == f"Coinalyze does not offer the {interval.value} interval; {OFFER}"


@pytest.mark.parametrize("value", ["3m", "8h", "3d", "1w", "1M", Interval.H8])
def test_interval_coinalyze_does_not_offer_is_rejected_by_name_or_member(
    value: str | Interval,
) -> None:
    with pytest.raises(ValidationError, match=r"^Coinalyze does not offer the "):
        parse_interval(value)


def test_unknown_spelling_lists_canonical_names_and_coinalyze_spellings() -> None:
    with pytest.raises(ValidationError) as info:
        parse_interval("hourly")

    assert str(info.value) == (
        "unknown interval 'hourly'; use one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, "
        "1d, 3d, 1w, 1M, or one of 1min, 5min, 15min, 30min, 1hour, 2hour, 4hour, 6hour, "
        "12hour, daily"
    )


@pytest.mark.parametrize("interval", ["8h", "1M", "1w", Interval.D3])
def test_history_for_an_interval_coinalyze_lacks_raises_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze, interval: str | Interval
) -> None:
    with pytest.raises(ValidationError, match=r"^Coinalyze does not offer the "):
        cz.open_interest_history("BTCUSDT_PERP.A", interval=interval, start=NOW_DT - 24 * H)

    assert fake.calls == []


def test_plan_for_an_interval_coinalyze_lacks_raises(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError, match=r"^Coinalyze does not offer the 8h interval"):
        cz.plan("ohlcv_history", "BTCUSDT_PERP.A", interval="8h", start=NOW_DT - 24 * H)

    assert fake.calls == []


def test_history_steps_for_an_interval_coinalyze_lacks_raise(cz: Coinalyze) -> None:
    with pytest.raises(ValidationError, match=r"^Coinalyze does not offer the 1M interval"):
        cz.history_steps("ohlcv", "BTCUSDT_PERP.A", interval="1M", start=NOW_DT - 24 * H)


def test_aggregate_for_an_interval_coinalyze_lacks_raises_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    with pytest.raises(ValidationError, match=r"^Coinalyze does not offer the 1w interval"):
        cz.aggregate("open_interest", "BTC", interval="1w", start=NOW_DT - 24 * H)

    assert fake.calls == []


def test_history_accepts_coinalyze_spellings(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    by_spelling = cz.open_interest_history(
        "BTCUSDT_PERP.A", interval="1hour", start=NOW_DT - 6 * H, end=NOW_DT
    )
    by_name = cz.open_interest_history(
        "BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 6 * H, end=NOW_DT
    )

    assert len(by_spelling) == 6
    assert by_spelling.to_polars().equals(by_name.to_polars())
    assert [dict(call.params)["interval"] for call in fake.data_calls] == ["1hour", "1hour"]
