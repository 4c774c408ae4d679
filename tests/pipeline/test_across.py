"""Pipelines across providers: update and watch through `MarketData`, and the facade forms of
`backfill`, `update` and `watch`.

The facade holds replay clients (ccxt's Binance USDⓈ-M and Bybit, Hyperliquid) on one manual
clock stopped ten hours before the samples' end, so the clock can move on inside what they hold.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pytest

from cryptodata import (
    AcrossReport,
    AsyncMarketData,
    JsonlSink,
    Kind,
    ManualClock,
    MarketData,
    ParquetSink,
    ServerError,
    UnsupportedError,
    ValidationError,
    abackfill,
    abackfill_across,
    aplan_across,
    aupdate,
    aupdate_across,
    awatch,
    awatch_across,
    backfill,
    backfill_across,
    plan_across,
    update,
    update_across,
    watch,
    watch_across,
)
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
from cryptodata.providers.ccxt.replay import RECORDED_AT, SAMPLE, sample_exchange
from cryptodata.providers.hyperliquid.replay import sample_async_client as hyperliquid_async_sample
from cryptodata.providers.hyperliquid.replay import sample_client as hyperliquid_sample
from cryptodata.sinks.base import Sink
from fakes.sinks import MemorySink

T = TypeVar("T")
H = timedelta(hours=1)
START = datetime.fromisoformat(SAMPLE.start)
NOW = RECORDED_AT - 10 * 3600
"""2025-06-30 14:00 UTC: 38 hourly bars after `START` are closed."""
VENUES = ["binance", "hyperliquid"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def md(clock: ManualClock) -> Iterator[MarketData]:
    # The replayed ccxt venues record no market list: their markets are kept for the test.
    venues = [
        Ccxt(sample_exchange(venue), clock=clock, market_ttl=10**9)
        for venue in ("binanceusdm", "bybit")
    ]
    with MarketData([*venues, hyperliquid_sample(clock=clock)]) as md:
        yield md


@pytest.fixture(params=["jsonl", "parquet"])
def sink(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sink]:
    opened: Sink = JsonlSink(tmp_path) if request.param == "jsonl" else ParquetSink(tmp_path)
    with opened:
        yield opened


def _at(hours: float) -> datetime:
    return datetime.fromtimestamp(NOW, UTC) + hours * H


def _frame(sink: MemorySink) -> pl.DataFrame:
    return sink.read(Kind.OHLCV).to_polars()


def _down(step: Any) -> Any:
    raise ServerError("maintenance", provider="ccxt", endpoint="fetch_ohlcv", status=503)


def test_an_update_after_a_backfill_requests_only_each_series_tail(
    md: MarketData, clock: ManualClock, sink: Sink
) -> None:
    backfill(md, "ohlcv", ["BTC"], "1h", START, sink=sink, venues=VENUES)
    clock.advance(5 * 3600)

    report = update(md, "ohlcv", ["BTC"], "1h", sink=sink, venues=VENUES, lag=0)

    starts = {
        run.share.route.venue: [(step.start, step.end) for step in run.report.plan.steps]
        for run in report.runs
        if run.report is not None
    }
    assert starts == {"binance": [(_at(-1), _at(5))], "hyperliquid": [(_at(-1), _at(5))]}


def test_an_update_after_a_backfill_stores_no_bar_twice(
    md: MarketData, clock: ManualClock, sink: Sink
) -> None:
    backfill(md, "ohlcv", ["BTC"], "1h", START, sink=sink, venues=VENUES)
    clock.advance(5 * 3600)

    update(md, "ohlcv", ["BTC"], "1h", sink=sink, venues=VENUES)

    stored = sink.read(Kind.OHLCV).to_polars()
    assert stored.group_by("exchange").len().sort("exchange").rows() == [
        ("binance", 43),
        ("hyperliquid", 43),
    ]
    assert stored.select(pl.struct("exchange", "ts").is_unique().all()).item()


def test_an_update_stores_the_canonical_asset_of_a_multiplied_listing(
    md: MarketData,
) -> None:
    sink = MemorySink()

    update_across(md, "ohlcv", "PEPE", venues="hyperliquid", interval="1h", start=START, sink=sink)

    stored = sink.read(Kind.OHLCV).to_polars()
    assert (set(stored["symbol"]), set(stored["base"])) == ({"kPEPE"}, {"PEPE"})


def test_a_provider_failing_in_an_update_leaves_the_others_written_and_reported(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(md.providers[0], "fetch", _down)
    sink = MemorySink()

    report = update(md, "ohlcv", ["BTC"], "1h", sink=sink, venues=VENUES, start=START)

    (failure,) = report.failures
    assert (failure.share.route.venue, type(failure.error)) == ("binance", ServerError)
    assert set(sink.read(Kind.OHLCV).to_polars()["exchange"]) == {"hyperliquid"}
    assert "ohlcv hyperliquid via hyperliquid: 38 rows in 1 requests" in report.summary()


def test_an_update_without_start_fails_only_the_share_whose_provider_keeps_all_history(
    md: MarketData,
) -> None:
    report = update(md, "ohlcv", ["BTC"], "1h", sink=MemorySink(), venues=VENUES)

    (failure,) = report.failures
    assert failure.share.route.provider == "ccxt"
    assert isinstance(failure.error, ValidationError)
    assert "pass start=" in str(failure.error)
    assert report.rows_written == 38


def test_a_plan_across_resumes_each_share_from_the_sink_without_a_data_request(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = MemorySink()
    backfill(md, "ohlcv", ["BTC"], "1h", START, sink=sink, venues=VENUES)
    for source in md.providers:
        monkeypatch.setattr(source, "fetch", _down)

    planned = plan_across(
        md, "ohlcv", "BTC", venues=VENUES, interval="1h", start=START, sink=sink, lag=2
    )

    assert [
        (share.share.route.venue, share.plan.steps[0].start)
        for share in planned.plans
        if share.plan is not None
    ] == [("binance", _at(-3)), ("hyperliquid", _at(-3))]


def test_a_kind_no_provider_offers_for_a_venue_is_refused_before_any_market_list_is_read(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    for source in md.providers:
        monkeypatch.setattr(source, "markets", lambda name=source.provider: read.append(name))

    with pytest.raises(UnsupportedError):
        update(md, ["ohlcv", "long_short_ratio"], "BTC", "1h", sink=MemorySink(), venues=VENUES)

    assert read == []


def test_a_watch_across_providers_stores_the_bars_closed_by_each_cycle(
    md: MarketData, clock: ManualClock
) -> None:
    sink = MemorySink()

    stats = watch(
        md, "ohlcv", ["BTC"], "1h", sink=sink, venues=VENUES, start=START, delay=0, max_cycles=3
    )

    stored = sink.read(Kind.OHLCV).to_polars()
    assert (stats.cycles, stats.failures, stats.failed_shares) == (3, 0, 0)
    assert clock.time() == NOW + 2 * 3600
    assert stored.group_by("exchange").agg(pl.len(), pl.col("ts").max()).sort(
        "exchange"
    ).rows() == [("binance", 40, _at(1)), ("hyperliquid", 40, _at(1))]


def test_a_share_failing_every_cycle_is_counted_while_the_others_are_written(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(md.providers[0], "fetch", _down)
    sink = MemorySink()

    stats = watch_across(
        md,
        "ohlcv",
        "BTC",
        venues=VENUES,
        interval="1h",
        sink=sink,
        start=START,
        delay=0,
        max_cycles=2,
    )

    assert (stats.cycles, stats.failures, stats.failed_shares) == (2, 0, 2)
    assert "ohlcv binance via ccxt: failed: ServerError" in (stats.last_error or "")
    assert set(sink.read(Kind.OHLCV).to_polars()["exchange"]) == {"hyperliquid"}


def test_a_cycle_whose_every_share_fails_counts_as_a_failed_cycle(
    md: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(md.providers[0], "fetch", _down)

    stats = watch_across(
        md,
        "ohlcv",
        "BTC",
        venues="binance",
        interval="1h",
        sink=MemorySink(),
        start=START,
        delay=0,
        max_cycles=2,
    )

    assert (stats.cycles, stats.failures, stats.failed_shares) == (2, 2, 2)
    assert stats.last_fetch is None


def test_a_watch_across_providers_without_a_start_ends_at_its_first_cycle(
    md: MarketData,
) -> None:
    # ccxt keeps its whole history: with nothing stored, no start says where to begin.
    with pytest.raises(ValidationError, match="pass start="):
        watch_across(
            md, "ohlcv", "BTC", venues=VENUES, interval="1h", sink=MemorySink(), max_cycles=3
        )


def test_a_watch_across_providers_of_an_unknown_asset_ends_at_its_first_cycle(
    md: MarketData,
) -> None:
    with pytest.raises(ValidationError, match="NOTACOIN"):
        watch_across(
            md,
            "ohlcv",
            "NOTACOIN",
            venues=VENUES,
            interval="1h",
            sink=MemorySink(),
            start=START,
            max_cycles=3,
        )


def test_a_watch_across_providers_starting_after_the_last_closed_bar_waits(
    md: MarketData,
) -> None:
    sink = MemorySink()

    stats = watch_across(
        md,
        "ohlcv",
        "BTC",
        venues=VENUES,
        interval="1h",
        sink=sink,
        start=_at(1),
        delay=0,
        max_cycles=3,
    )

    assert (stats.cycles, stats.failures, stats.rows_written) == (3, 0, 2)
    assert sink.read(Kind.OHLCV).to_polars()["ts"].unique().to_list() == [_at(1)]


@pytest.mark.parametrize(
    "pipeline",
    [
        lambda md: backfill(md, "ohlcv", "BTC", "1h", START, sink=MemorySink()),
        lambda md: update(md, "ohlcv", "BTC", "1h", sink=MemorySink()),
        lambda md: watch(md, "ohlcv", "BTC", "1h", sink=MemorySink(), max_cycles=1),
    ],
    ids=["backfill", "update", "watch"],
)
def test_a_facade_pipeline_without_venues_is_refused(md: MarketData, pipeline: Any) -> None:
    with pytest.raises(ValidationError, match="needs venues="):
        pipeline(md)


@pytest.mark.parametrize(
    "pipeline",
    [
        lambda source: backfill(source, "ohlcv", "BTC", "1h", START, sink=MemorySink(), venues="x"),
        lambda source: update(source, "ohlcv", "BTC", "1h", sink=MemorySink(), prefer=["ccxt"]),
        lambda source: watch(source, "ohlcv", "BTC", "1h", sink=MemorySink(), stitch=True),
    ],
    ids=["backfill", "update", "watch"],
)
def test_a_facade_option_with_a_plain_source_is_refused(clock: ManualClock, pipeline: Any) -> None:
    with pytest.raises(ValidationError, match="route a MarketData across providers"):
        pipeline(hyperliquid_sample(clock=clock))


def test_a_facade_update_without_assets_is_refused(md: MarketData) -> None:
    with pytest.raises(ValidationError, match="needs its assets"):
        update(md, "ohlcv", None, "1h", sink=MemorySink(), venues=VENUES)


def test_a_facade_backfill_refuses_progress(md: MarketData) -> None:
    with pytest.raises(ValidationError, match="progress="):
        backfill(
            md,
            "ohlcv",
            "BTC",
            "1h",
            START,
            sink=MemorySink(),
            venues=VENUES,
            progress=lambda *_: None,  # type: ignore[call-overload]
        )


# --- the asyncio twins ----------------------------------------------------------------------


def _async_clients(clock: ManualClock) -> list[Any]:
    venues = [
        AsyncCcxt(sample_exchange(venue, asynchronous=True), clock=clock, market_ttl=10**9)
        for venue in ("binanceusdm", "bybit")
    ]
    return [*venues, hyperliquid_async_sample(clock=clock)]


def _across_async(clock: ManualClock, pipeline: Callable[[AsyncMarketData], Awaitable[T]]) -> T:
    async def main() -> T:
        clients = _async_clients(clock)
        try:
            async with AsyncMarketData(clients) as md:
                return await pipeline(md)
        finally:
            for client in clients:
                await client.aclose()

    return asyncio.run(main())


def test_the_async_pipelines_store_what_the_blocking_ones_do(md: MarketData) -> None:
    blocking, concurrent = MemorySink(), MemorySink()
    backfill(md, "ohlcv", ["BTC", "PEPE"], "1h", START, sink=blocking, venues=VENUES)
    update(md, "ohlcv", ["BTC", "PEPE"], "1h", sink=blocking, venues=VENUES)

    async def both(amd: AsyncMarketData) -> AcrossReport:
        await abackfill(amd, "ohlcv", ["BTC", "PEPE"], "1h", START, sink=concurrent, venues=VENUES)
        return await aupdate(amd, "ohlcv", ["BTC", "PEPE"], "1h", sink=concurrent, venues=VENUES)

    report = _across_async(ManualClock(start=NOW), both)

    assert [run.share.route.venue for run in report.runs] == ["binance", "hyperliquid"]
    assert _frame(concurrent).equals(_frame(blocking))
    assert set(_frame(concurrent)["base"]) == {"BTC", "PEPE"}
    assert len(_frame(concurrent)) == 3 * 38


def test_awatch_across_runs_the_cycles_watch_across_runs(md: MarketData) -> None:
    blocking, concurrent = MemorySink(), MemorySink()
    options: dict[str, Any] = {"venues": VENUES, "start": START, "delay": 0, "max_cycles": 3}
    expected = watch(md, "ohlcv", "BTC", "1h", sink=blocking, **options)

    stats = _across_async(
        ManualClock(start=NOW),
        lambda amd: awatch(amd, "ohlcv", "BTC", "1h", sink=concurrent, **options),
    )

    assert (stats.cycles, stats.requests, stats.rows_written) == (
        expected.cycles,
        expected.requests,
        expected.rows_written,
    )
    assert _frame(concurrent).equals(_frame(blocking))
    assert len(_frame(concurrent)) == 2 * 40


def test_an_async_facade_update_without_venues_is_refused(clock: ManualClock) -> None:
    with pytest.raises(ValidationError, match="needs venues="):
        _across_async(clock, lambda amd: aupdate(amd, "ohlcv", "BTC", "1h", sink=MemorySink()))


@pytest.mark.parametrize(
    ("blocking", "concurrent"),
    [
        (plan_across, aplan_across),
        (backfill_across, abackfill_across),
        (update_across, aupdate_across),
        (watch_across, awatch_across),
    ],
)
def test_every_pipeline_across_providers_has_an_async_twin_with_the_same_parameters(
    blocking: Callable[..., Any], concurrent: Callable[..., Any]
) -> None:
    def parameters(function: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
        return [
            (name, parameter.kind, parameter.default)
            for name, parameter in inspect.signature(function).parameters.items()
        ]

    assert inspect.iscoroutinefunction(concurrent)
    assert parameters(concurrent) == parameters(blocking)
