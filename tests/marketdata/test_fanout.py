"""Fan-out: providers fetched concurrently, each failure reported, no one's rows lost."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from cryptodata import (
    Coverage,
    Interval,
    Kind,
    KindCoverage,
    ServerError,
    Step,
    Table,
    UnsupportedError,
)
from cryptodata.marketdata.fanout import Share, fetch_shares, plan_shares
from cryptodata.marketdata.routing import Route

START = datetime(2025, 6, 1, tzinfo=UTC)
H = timedelta(hours=1)
WAIT = 5.0


class Venue:
    """A source answering one open-interest bar per hourly step, for one venue."""

    def __init__(
        self,
        provider: str,
        venue: str,
        *,
        fail_at: int | None = None,
        meet: threading.Barrier | None = None,
    ) -> None:
        self.provider = provider
        self.venue = venue
        self.fail_at = fail_at
        self.meet = meet
        self.fetched: list[Step] = []

    def coverage(self) -> Coverage:
        offer = KindCoverage(Kind.OPEN_INTEREST, (Interval.H1,), ("base",))
        return Coverage(self.provider, (offer,), (self.venue,))

    def history_steps(
        self,
        kind: Kind | str,
        symbols: Sequence[str],
        *,
        interval: Any,
        start: datetime,
        end: datetime,
    ) -> list[Step]:
        if kind != Kind.OPEN_INTEREST:
            raise UnsupportedError(
                f"{self.provider} has no {kind}", provider=self.provider, what=str(kind)
            )
        hours = int((end - start) / H)
        return [
            Step(
                Kind.OPEN_INTEREST,
                Interval.H1,
                tuple(symbols),
                start + n * H,
                start + (n + 1) * H,
                cost=2,
            )
            for n in range(hours)
        ]

    def fetch(self, step: Step) -> Table[Any]:
        if self.meet is not None and not self.fetched:
            self.meet.wait(WAIT)  # every provider must be fetching at once to get past
        if self.fail_at is not None and len(self.fetched) == self.fail_at:
            raise ServerError(
                "down for maintenance", provider=self.provider, endpoint="/oi", status=503
            )
        self.fetched.append(step)
        frame = pl.DataFrame(
            {
                "provider": [self.provider],
                "exchange": [self.venue],
                "symbol": [step.symbols[0]],
                "base": ["BTC"],
                "interval": ["1h"],
                "ts": [step.start],
                "open": [1.0],
                "high": [1.0],
                "low": [1.0],
                "close": [1.0],
                "unit": ["base"],
            }
        )
        return Table.from_frame(Kind.OPEN_INTEREST, frame)


def share(source: Venue, hours: int = 3) -> Share:
    route = Route(source.venue, Kind.OPEN_INTEREST, Interval.H1, source.provider, source)
    return Share(route, ("BTCUSDT",), START, START + hours * H)


def test_every_share_is_fetched_into_one_sorted_table_and_reported() -> None:
    binance, bybit = Venue("a", "binance"), Venue("b", "bybit")

    table, report = fetch_shares(Kind.OPEN_INTEREST, [share(binance), share(bybit, 2)])

    assert len(table) == 5
    assert table.to_polars()["exchange"].to_list() == ["binance"] * 3 + ["bybit"] * 2
    assert report.ok
    assert [(o.rows, o.requests, o.cost) for o in report.outcomes] == [(3, 3, 6), (2, 2, 4)]


def test_providers_are_fetched_at_the_same_time() -> None:
    meet = threading.Barrier(2)
    sources = [Venue("a", "binance", meet=meet), Venue("b", "bybit", meet=meet)]

    _, report = fetch_shares(Kind.OPEN_INTEREST, [share(source) for source in sources])

    # Fetched one after the other, the first would wait at the barrier for ever (WAIT s).
    assert report.ok
    assert not meet.broken


def test_one_providers_failure_keeps_the_others_rows_and_its_own_so_far() -> None:
    healthy, failing = Venue("a", "binance"), Venue("b", "bybit", fail_at=1)

    table, report = fetch_shares(Kind.OPEN_INTEREST, [share(healthy), share(failing)])

    assert table.to_polars().group_by("exchange").len().sort("exchange").rows() == [
        ("binance", 3),
        ("bybit", 1),
    ]
    (failure,) = report.failures
    assert failure.share.route.provider == "b"
    assert isinstance(failure.error, ServerError)
    assert "bybit via b: failed: ServerError" in report.summary()


def test_strict_raises_the_failure_once_every_share_has_run() -> None:
    healthy, failing = Venue("a", "binance"), Venue("b", "bybit", fail_at=0)

    with pytest.raises(ServerError, match="maintenance"):
        fetch_shares(Kind.OPEN_INTEREST, [share(healthy), share(failing)], strict=True)

    assert len(healthy.fetched) == 3


def test_a_share_a_source_refuses_fails_the_plan_before_any_request() -> None:
    source = Venue("a", "binance")
    route = Route("binance", Kind.OHLCV, Interval.H1, "a", source)

    with pytest.raises(UnsupportedError):
        plan_shares(Kind.OHLCV, [Share(route, ("BTCUSDT",), START, START + H)])

    assert source.fetched == []


def test_shares_of_one_provider_run_one_after_another_in_order() -> None:
    source = Venue("a", "binance")
    later = Share(share(source).route, ("BTCUSDT",), START + 3 * H, START + 5 * H)

    fetch_shares(Kind.OPEN_INTEREST, [share(source), later])

    assert [step.start for step in source.fetched] == [START + n * H for n in range(5)]


def test_two_clients_of_one_provider_are_fetched_at_the_same_time() -> None:
    # Two ccxt exchanges are two clients, each with its own limiter.
    meet = threading.Barrier(2)
    sources = [Venue("ccxt", "binance", meet=meet), Venue("ccxt", "bybit", meet=meet)]

    _, report = fetch_shares(Kind.OPEN_INTEREST, [share(source) for source in sources])

    assert report.ok
    assert not meet.broken
