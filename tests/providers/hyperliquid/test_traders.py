"""The leaderboard and a trader's positions through the client: validation, caching, weights."""

from __future__ import annotations

import pytest

from cryptodata import Kind, ValidationError, schema
from cryptodata.core.clock import ManualClock
from cryptodata.providers.hyperliquid.client import Hyperliquid
from fakes.hyperliquid import FakeHyperliquid

from .conftest import RecordingLimiter

ADDRESS = "0x" + "Ab" * 20


def test_the_leaderboard_is_one_row_per_trader_of_the_window(hl: Hyperliquid) -> None:
    table = hl.leaderboard(window="week", top=None)

    frame = table.to_polars()
    assert table.kind is Kind.LEADERBOARD
    assert frame.schema == schema(Kind.LEADERBOARD)
    assert set(frame["window"]) == {"week"}
    assert frame["address"].str.to_lowercase().to_list() == frame["address"].to_list()


def test_the_leaderboard_is_fetched_once_per_ttl(
    hl: Hyperliquid, fake: FakeHyperliquid, clock: ManualClock
) -> None:
    hl.leaderboard(window="day")
    hl.leaderboard(window="month", top=1)
    clock.advance(3_600)
    hl.leaderboard(window="day")

    assert len(fake.of("leaderboard")) == 2


def test_top_keeps_the_best_ranked_rows(hl: Hyperliquid) -> None:
    everyone = hl.leaderboard(window="allTime", top=None).to_polars()
    best = hl.leaderboard(window="allTime", top=1).to_polars()

    assert best.rows() == everyone.head(1).rows()


@pytest.mark.parametrize(
    "arguments",
    [{"window": "year"}, {"top": 0}, {"rank_by": "luck"}, {"min_account_value": float("nan")}],
)
def test_bad_leaderboard_arguments_are_refused_before_the_download(
    hl: Hyperliquid, fake: FakeHyperliquid, arguments: dict[str, object]
) -> None:
    with pytest.raises(ValidationError):
        hl.leaderboard(**arguments)  # type: ignore[arg-type]

    assert fake.calls == []


def test_positions_are_one_row_per_open_position(hl: Hyperliquid, fake: FakeHyperliquid) -> None:
    table = hl.positions(ADDRESS)

    frame = table.to_polars()
    assert table.kind is Kind.POSITIONS
    assert frame.schema == schema(Kind.POSITIONS)
    assert frame["symbol"].to_list() == ["ETH", "kPEPE"]
    assert set(frame["address"]) == {ADDRESS.lower()}
    (call,) = fake.of("clearinghouseState")
    assert call.body == {"type": "clearinghouseState", "user": ADDRESS.lower()}


def test_a_positions_request_weighs_two(hl: Hyperliquid, limiter: RecordingLimiter) -> None:
    hl.positions(ADDRESS)

    assert limiter.charged == [2]


def test_the_account_summary_is_one_row(hl: Hyperliquid) -> None:
    table = hl.account_summary(ADDRESS)

    assert table.kind is Kind.ACCOUNT_SUMMARY
    assert len(table) == 1


@pytest.mark.parametrize("address", ["0x123", "ab" * 20, "0x" + "g" * 40, None])
def test_a_malformed_address_is_refused_before_any_request(
    hl: Hyperliquid, fake: FakeHyperliquid, address: object
) -> None:
    with pytest.raises(ValidationError, match="Hyperliquid address"):
        hl.positions(address)  # type: ignore[arg-type]

    assert fake.calls == []
