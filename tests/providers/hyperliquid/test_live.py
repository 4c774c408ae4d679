"""Live checks of the low-confidence facts in the Hyperliquid reference (§3.5, §3.8, §5, §8).

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). Hyperliquid needs no key; every
request goes through the client's own weight limiter.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cryptodata import Data, Hyperliquid, Kind, Subscribed

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def hl() -> Iterator[Hyperliquid]:
    with Hyperliquid() as client:
        yield client


def test_the_newest_5000_candles_are_all_there_is(hl: Hyperliquid) -> None:
    now = datetime.now(UTC)
    table = hl.candles("BTC", interval="1m", start=now - timedelta(days=30))

    assert 4_900 <= len(table) <= 5_000
    assert any("newest 5,000" in warning for warning in table.warnings)


def test_settlements_are_stamped_a_little_after_the_hour(hl: Hyperliquid) -> None:
    table = hl.funding_history("ETH", start=datetime.now(UTC) - timedelta(hours=30))

    assert len(table) >= 24
    assert set(table.to_polars()["period_hours"]) == {1.0}


def test_the_early_history_settled_every_eight_hours(hl: Hyperliquid) -> None:
    table = hl.funding_history("BTC", start="2023-05-01", end="2023-05-03")

    assert set(table.to_polars()["period_hours"]) <= {1.0, 8.0}


def test_predicted_fundings_name_the_three_venues(hl: Hyperliquid) -> None:
    venues = set(hl.predicted_fundings().to_polars()["exchange"])

    assert {"hyperliquid", "binance", "bybit"} & venues == {"hyperliquid", "binance", "bybit"}


def test_contexts_line_up_with_the_universe(hl: Hyperliquid) -> None:
    btc = next(row for row in hl.asset_contexts() if row.symbol == "BTC")

    assert btc.mark_price is not None
    assert btc.mark_price > 1_000
    assert btc.open_interest_usd == pytest.approx(btc.open_interest * btc.mark_price)  # type: ignore[operator]


def test_the_leaderboard_document_is_still_served(hl: Hyperliquid) -> None:
    table = hl.leaderboard(window="month", top=10)

    assert table.kind is Kind.LEADERBOARD
    assert len(table) == 10


def test_a_leaders_positions_parse(hl: Hyperliquid) -> None:
    leader = hl.leaderboard(window="allTime", top=1).to_records()[0]

    table = hl.positions(leader.address)

    assert table.kind is Kind.POSITIONS


def test_the_websocket_acks_and_pushes_trades(hl: Hyperliquid) -> None:
    with hl.stream(["trades:BTC"]) as feed:
        seen = []
        for item in feed:
            seen.append(item)
            if isinstance(item, Data):
                break

    assert any(isinstance(item, Subscribed) for item in seen)
