"""Routing by coverage: every decision asserted from `coverage()` alone, no request made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata import Coverage, Interval, Kind, KindCoverage, UnsupportedError, ValidationError
from cryptodata.marketdata.capabilities import CAPABILITIES, capabilities
from cryptodata.marketdata.routing import route

NOW = datetime(2025, 7, 1, tzinfo=UTC)
H1 = Interval.H1


@attrs.frozen
class Offer:
    """A source as routing sees it: a name and a coverage."""

    provider: str
    venues: tuple[str, ...]
    kinds: tuple[KindCoverage, ...]

    def coverage(self) -> Coverage:
        return Coverage(self.provider, self.kinds, self.venues)


def bars(kind: Kind = Kind.OPEN_INTEREST, keeps: int | None = None) -> KindCoverage:
    retention = () if keeps is None else ((H1, keeps),)
    return KindCoverage(kind, (Interval.M5, H1), ("base",), retention)


AGGREGATOR = Offer("aggregator", ("binance", "bybit", "okx"), (bars(keeps=1500),))
BYBIT = Offer("bybit-api", ("bybit",), (bars(),))
BINANCE = Offer("binance-api", ("binance",), (bars(keeps=720),))


def test_a_venues_own_api_is_preferred_to_an_aggregator() -> None:
    (chosen,) = route([AGGREGATOR, BYBIT], Kind.OPEN_INTEREST, ["bybit"], interval="1h")

    assert chosen.provider == "bybit-api"
    assert "own API" in chosen.reason


def test_an_aggregator_answers_venues_without_an_api_of_their_own() -> None:
    routes = route([AGGREGATOR, BYBIT], Kind.OPEN_INTEREST, ["bybit", "okx"], interval="1h")

    assert [(r.venue, r.provider) for r in routes] == [
        ("bybit", "bybit-api"),
        ("okx", "aggregator"),
    ]


def test_prefer_puts_a_provider_first() -> None:
    (chosen,) = route(
        [AGGREGATOR, BYBIT], Kind.OPEN_INTEREST, ["bybit"], interval="1h", prefer=["aggregator"]
    )

    assert chosen.provider == "aggregator"


def test_venue_names_are_read_in_any_spelling() -> None:
    (chosen,) = route([BINANCE], Kind.OPEN_INTEREST, ["binanceusdm"], interval="1h")

    assert chosen.venue == "binance"


def test_a_source_that_no_longer_keeps_the_start_gives_way_to_one_that_does() -> None:
    # Binance's own API keeps 720 hourly bars (30 days); the aggregator 1,500.
    start = NOW - timedelta(days=45)

    (chosen,) = route(
        [BINANCE, AGGREGATOR], Kind.OPEN_INTEREST, ["binance"], interval="1h", start=start, now=NOW
    )

    assert chosen.provider == "aggregator"
    assert "keeps open_interest only from" in chosen.reason


def test_without_stitching_the_deepest_source_answers_and_says_what_it_lacks() -> None:
    start = NOW - timedelta(days=120)

    (chosen,) = route(
        [BINANCE, AGGREGATOR], Kind.OPEN_INTEREST, ["binance"], interval="1h", start=start, now=NOW
    )

    assert chosen.provider == "aggregator"
    kept = NOW - timedelta(hours=1500)
    assert chosen.lacks.startswith(f"bars before {kept.isoformat()}")


def test_stitching_splits_the_range_oldest_share_first() -> None:
    start = NOW - timedelta(days=120)

    older, newer = route(
        [BINANCE, AGGREGATOR],
        Kind.OPEN_INTEREST,
        ["binance"],
        interval="1h",
        start=start,
        now=NOW,
        stitch=True,
    )

    assert (older.provider, newer.provider) == ("aggregator", "binance-api")
    assert older.end == newer.start == NOW - timedelta(hours=720)


def test_a_kind_nobody_offers_for_the_venue_names_the_venues_that_have_it() -> None:
    with pytest.raises(UnsupportedError, match=r"no source offers open_interest at 1h for kraken"):
        route([AGGREGATOR, BYBIT], Kind.OPEN_INTEREST, ["kraken"], interval="1h")

    with pytest.raises(UnsupportedError, match="is offered for binance, bybit, okx"):
        route([AGGREGATOR, BYBIT], Kind.OPEN_INTEREST, ["kraken"], interval="1h")


def test_an_interval_nobody_offers_names_the_intervals_there_are() -> None:
    with pytest.raises(UnsupportedError, match="comes at 5m, 1h"):
        route([BYBIT], Kind.OPEN_INTEREST, ["bybit"], interval="1d")


def test_depth_needs_a_now() -> None:
    with pytest.raises(ValidationError, match="now="):
        route([BYBIT], Kind.OPEN_INTEREST, ["bybit"], interval="1h", start=NOW)


@given(
    keeps=st.lists(st.one_of(st.none(), st.integers(1, 5_000)), min_size=1, max_size=4),
    days=st.integers(0, 400),
)
def test_the_chosen_source_keeps_the_start_whenever_any_source_does(
    keeps: list[int | None], days: int
) -> None:
    sources = [Offer(f"p{n}", ("bybit",), (bars(keeps=k),)) for n, k in enumerate(keeps)]
    start = NOW - timedelta(days=days)

    (chosen,) = route(sources, Kind.OPEN_INTEREST, ["bybit"], interval="1h", start=start, now=NOW)

    oldest = {s.provider: s.coverage().check(Kind.OPEN_INTEREST).oldest(H1, NOW) for s in sources}
    if any(moment is None or moment <= start for moment in oldest.values()):
        assert oldest[chosen.provider] is None or oldest[chosen.provider] <= start  # type: ignore[operator]
        assert not chosen.lacks
    else:
        assert chosen.lacks


def test_the_replay_clients_route_from_their_coverage_alone() -> None:
    from cryptodata.providers.ccxt.replay import sample_client as ccxt_sample
    from cryptodata.providers.coinalyze.replay import sample_client as coinalyze_sample
    from cryptodata.providers.hyperliquid.replay import sample_client as hyperliquid_sample

    sources = [coinalyze_sample(), hyperliquid_sample(), ccxt_sample("bybit")]

    routes = route(sources, Kind.OHLCV, ["bybit", "hyperliquid", "okx"], interval="1h")

    assert [(r.venue, r.provider) for r in routes] == [
        ("bybit", "ccxt"),
        ("hyperliquid", "hyperliquid"),
        ("okx", "coinalyze"),
    ]
    # Liquidation bars are only an aggregator's.
    (liquidations,) = route(sources, Kind.LIQUIDATIONS, ["bybit"], interval="1h")
    assert liquidations.provider == "coinalyze"


# --- the capability table ---------------------------------------------------------------


def test_the_capability_table_has_a_row_per_provider_venue_kind_and_interval() -> None:
    table = capabilities([AGGREGATOR, BYBIT])

    assert table.schema == CAPABILITIES
    assert table.height == 3 * 2 + 2
    assert (
        table.filter(provider="aggregator", venue="okx", interval="1h")["retained_bars"].item()
        == 1500
    )
    assert table.filter(provider="bybit-api", interval="1h")["retained_bars"].item() is None


def test_kinds_without_bars_have_one_row_with_a_null_interval() -> None:
    snapshot = Offer("snap", ("bybit",), (KindCoverage(Kind.OPEN_INTEREST_SNAPSHOT),))

    assert capabilities([snapshot]).select("kind", "interval").rows() == [
        ("open_interest_snapshot", None)
    ]


def test_no_sources_give_an_empty_table_with_the_full_schema() -> None:
    assert capabilities([]).schema == CAPABILITIES


def test_the_provider_named_for_the_venue_comes_before_a_library_reaching_it() -> None:
    library = Offer("ccxt", ("hyperliquid",), (bars(),))
    native = Offer("hyperliquid", ("hyperliquid",), (bars(),))

    (chosen,) = route([library, native], Kind.OPEN_INTEREST, ["hyperliquid"], interval="1h")

    assert chosen.provider == "hyperliquid"


def test_stitching_keeps_the_preferred_source_for_what_it_keeps() -> None:
    # The aggregator keeps the whole range, yet with stitching the venue's own API answers
    # the part it keeps.
    start = NOW - timedelta(days=45)

    older, newer = route(
        [BINANCE, AGGREGATOR],
        Kind.OPEN_INTEREST,
        ["binance"],
        interval="1h",
        start=start,
        now=NOW,
        stitch=True,
    )

    assert (older.provider, newer.provider) == ("aggregator", "binance-api")
    assert older.end == newer.start == NOW - timedelta(hours=720)
    assert not older.lacks
