"""The CoinGecko history client: plans, hosts, granularity, envelopes, OHLC, catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import polars as pl
import pytest

from cryptodata import (
    AuthenticationError,
    CoinGecko,
    ManualClock,
    RateLimitError,
    SlidingWindowLimiter,
    UnsupportedError,
    ValidationError,
)
from cryptodata.providers.coingecko import CATEGORY_SCHEMA

from .chart_fake import DAY, DEMO_KEY, NOW, PRO_KEY, FakeChart, truth


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def chart(clock: ManualClock) -> FakeChart:
    return FakeChart(clock)


def _client(chart: FakeChart, clock: ManualClock, **options: object) -> CoinGecko:
    return CoinGecko(
        clock=clock,
        limiter=SlidingWindowLimiter(30, 60.0, clock=clock),
        http_transport=httpx.MockTransport(chart.handle),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def cg(chart: FakeChart, clock: ManualClock) -> Iterator[CoinGecko]:
    with _client(chart, clock, api_key=DEMO_KEY) as client:
        yield client


def _epoch(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def test_daily_rows_are_the_values_at_each_day_start(cg: CoinGecko) -> None:
    frame = cg.market_chart("bitcoin", start="2025-03-01", end="2025-03-04").to_polars()

    prices = frame.filter(metric="price")
    assert prices["ts"].dt.strftime("%Y-%m-%d").to_list() == [
        "2025-03-01",
        "2025-03-02",
        "2025-03-03",
    ]
    assert prices["value"].to_list() == [
        truth("bitcoin", "prices", _epoch(d)) for d in ("2025-03-01", "2025-03-02", "2025-03-03")
    ]
    assert set(frame["interval"]) == {"1d"}
    assert set(frame["metric"]) == {"price", "market_cap", "volume_usd_24h"}


def test_daily_requests_ask_interval_daily(cg: CoinGecko, chart: FakeChart) -> None:
    cg.market_chart("bitcoin", start="2025-03-01", end="2025-03-04")

    assert [r.url.params.get("interval") for r in chart.chart_requests()] == ["daily"]


def test_rows_name_the_canonical_entity_of_the_coin_id(cg: CoinGecko) -> None:
    frame = cg.market_chart("binancecoin", start="2025-03-01", end="2025-03-02").to_polars()

    assert set(frame["entity"]) == {"bnb"}
    assert set(frame["provider_id"]) == {"binancecoin"}


def test_hourly_windows_span_at_most_90_days(cg: CoinGecko) -> None:
    steps = cg.history_steps(
        "metric", ["price@bitcoin"], interval="1h", start="2025-01-01", end="2025-06-01"
    )

    assert [(s.end - s.start).days for s in steps] == [90, 61]


def test_a_short_recent_hourly_window_is_asked_over_two_days_and_stays_hourly(
    cg: CoinGecko, chart: FakeChart
) -> None:
    table = cg.market_chart(
        "bitcoin", start="2025-07-01 06:00", end="2025-07-01 10:00", interval="1h"
    )

    (request,) = chart.chart_requests()
    assert int(request.url.params["to"]) - int(request.url.params["from"]) == 2 * DAY
    assert "interval" not in request.url.params
    frame = table.to_polars().filter(metric="price")
    assert frame["ts"].dt.hour().to_list() == [6, 7, 8, 9]
    assert set(frame["interval"]) == {"1h"}


def test_a_granularity_other_than_asked_is_recorded_as_the_rows_interval(
    cg: CoinGecko, chart: FakeChart
) -> None:
    days = [_epoch(f"2025-03-0{d}") * 1000 for d in (1, 2, 3, 4)]
    chart.answer_next(
        httpx.Response(
            200,
            json={"prices": [[t, 1.0] for t in days], "market_caps": [], "total_volumes": []},
        )
    )

    table = cg.market_chart("bitcoin", start="2025-03-01", end="2025-03-05", interval="1h")

    assert set(table.to_polars()["interval"]) == {"1d"}
    assert any("answered 1d points" in w for w in table.warnings)


def test_five_minute_data_needs_a_paid_key(cg: CoinGecko) -> None:
    with pytest.raises(UnsupportedError):
        cg.market_chart("bitcoin", start="2025-07-01", interval="5m")


def test_a_pro_key_goes_to_the_pro_host_in_its_header(chart: FakeChart, clock: ManualClock) -> None:
    with _client(chart, clock, api_key=PRO_KEY, plan="pro") as cg:
        table = cg.market_chart("bitcoin", start="2025-06-30 12:00", interval="5m")

    (request,) = chart.requests
    assert request.url.host == "pro-api.coingecko.com"
    assert request.headers["x-cg-pro-api-key"] == PRO_KEY
    assert "x-cg-demo-api-key" not in request.headers
    assert request.url.params["interval"] == "5m"
    assert set(table.to_polars()["interval"]) == {"5m"}


def test_a_demo_key_goes_to_the_public_host_in_the_demo_header(
    cg: CoinGecko, chart: FakeChart
) -> None:
    cg.coin("bitcoin")

    (request,) = chart.requests
    assert request.url.host == "api.coingecko.com"
    assert request.headers["x-cg-demo-api-key"] == DEMO_KEY


def test_the_plan_comes_from_coingecko_plan_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COINGECKO_API_KEY", PRO_KEY)
    monkeypatch.setenv("COINGECKO_PLAN", "pro")

    assert CoinGecko().plan == "pro"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"plan": "enterprise"}, "plan must be"),
        ({"plan": "pro"}, "needs a key"),
        ({"plan": "public", "api_key": DEMO_KEY}, "pass no key"),
    ],
)
def test_an_inconsistent_plan_is_refused(options: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CoinGecko(**options)  # type: ignore[arg-type]


def test_a_demo_key_sent_as_pro_is_an_authentication_error(
    chart: FakeChart, clock: ManualClock
) -> None:
    with (
        _client(chart, clock, api_key=DEMO_KEY, plan="pro") as cg,
        pytest.raises(AuthenticationError, match="10002"),
    ):
        cg.coin("bitcoin")


def test_a_rate_limit_envelope_in_a_200_is_retried(cg: CoinGecko, chart: FakeChart) -> None:
    chart.answer_next(httpx.Response(200, json={"status": {"error_code": 429}}), count=2)

    table = cg.market_chart("bitcoin", start="2025-03-01", end="2025-03-02")

    assert len(table) == 3
    assert len(chart.requests) == 3
    assert cg.stats.rate_limited == 2


def test_a_rate_limit_envelope_that_persists_is_a_rate_limit_error(
    cg: CoinGecko, chart: FakeChart
) -> None:
    chart.answer_next(httpx.Response(429, json={"status": {"error_code": 429}}), count=50)

    with pytest.raises(RateLimitError):
        cg.market_chart("bitcoin", start="2025-03-01", end="2025-03-02")


def test_keyless_and_demo_windows_are_clipped_to_365_days(cg: CoinGecko, chart: FakeChart) -> None:
    table = cg.market_chart("bitcoin", start="2024-01-01", end="2024-08-01")

    (request,) = chart.chart_requests()
    assert int(request.url.params["from"]) == _epoch("2024-07-02")
    assert any("reaches back 365 days" in w for w in table.warnings)


def test_a_pro_window_is_not_clipped(chart: FakeChart, clock: ManualClock) -> None:
    with _client(chart, clock, api_key=PRO_KEY, plan="pro") as cg:
        steps = cg.history_steps(
            "metric", ["price@bitcoin"], interval="1d", start="2020-01-01", end="2021-01-01"
        )

    assert steps[0].start == datetime(2020, 1, 1, tzinfo=UTC)


def test_the_newest_bucket_is_kept_and_flagged_while_it_fills(cg: CoinGecko) -> None:
    table = cg.market_chart("bitcoin", start="2025-06-29", metrics="price")

    days = table.to_polars()["ts"].dt.strftime("%Y-%m-%d").to_list()
    assert days == ["2025-06-29", "2025-06-30", "2025-07-01"]
    assert any("still filling" in w for w in table.warnings)


def test_ohlc_bars_start_one_candle_before_coingeckos_close_stamp(cg: CoinGecko) -> None:
    frame = cg.ohlc("bitcoin", start="2025-06-28").to_polars()

    first = frame.row(0, named=True)
    assert first["ts"] == datetime(2025, 6, 28, tzinfo=UTC)
    assert first["close"] == truth("bitcoin", "prices", _epoch("2025-06-28") + 4 * 3600)
    assert (first["exchange"], first["symbol"], first["unit"], first["volume"]) == (
        "coingecko",
        "bitcoin",
        "usd",
        None,
    )
    assert set(frame["interval"]) == {"4h"}


def test_ohlc_asks_the_fewest_days_that_reach_start(cg: CoinGecko, chart: FakeChart) -> None:
    cg.ohlc("bitcoin", start="2025-06-20")

    assert chart.requests[0].url.params["days"] == "14"


@pytest.mark.parametrize(
    ("interval", "start"), [("4h", "2025-05-01"), ("1d", "2025-06-01"), ("2h", "2025-06-30")]
)
def test_ohlc_out_of_reach_or_plan_is_refused_before_any_request(
    cg: CoinGecko, chart: FakeChart, interval: str, start: str
) -> None:
    with pytest.raises(ValidationError):
        cg.ohlc("bitcoin", start=start, interval=interval)

    assert chart.requests == []


def test_categories_are_a_frame_largest_first(cg: CoinGecko) -> None:
    frame = cg.categories()

    assert frame.schema == CATEGORY_SCHEMA
    assert frame["id"].to_list() == ["layer-1", "meme-token"]
    assert frame.row(0, named=True)["updated_at"] == datetime(2025, 7, 1, 11, 55, tzinfo=UTC)


def test_coin_details_read_usd_market_data_and_drop_empty_platforms(cg: CoinGecko) -> None:
    bitcoin = cg.coin("bitcoin")
    bnb = cg.coin("binancecoin")

    assert (bitcoin.symbol, bitcoin.price_usd, bitcoin.platforms) == ("BTC", 107_000.5, ())
    assert bitcoin.categories == ("Layer 1 (L1)",)
    assert bnb.platforms == (("binance-smart-chain", "0xb8c7"),)


def test_series_name_the_key_columns(cg: CoinGecko) -> None:
    assert cg.series("metric", "volume_usd_24h@ethereum", interval="1h") == {
        "volume_usd_24h@ethereum": {
            "provider": "coingecko",
            "provider_id": "ethereum",
            "metric": "volume_usd_24h",
            "interval": "1h",
        }
    }


def test_a_step_answers_only_its_series(cg: CoinGecko) -> None:
    (step,) = cg.history_steps(
        "metric", ["market_cap@bitcoin"], interval="1d", start="2025-03-01", end="2025-03-03"
    )

    frame = cg.fetch(step).to_polars()

    assert set(frame["metric"]) == {"market_cap"}
    assert frame.height == 2
    assert frame.select(pl.col("ts").min()).item() == datetime(2025, 3, 1, tzinfo=UTC)


def test_an_explicit_public_plan_ignores_an_ambient_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COINGECKO_API_KEY", DEMO_KEY)

    assert CoinGecko(plan="public").plan == "public"


def test_a_pro_key_stays_out_of_reprs_and_errors(chart: FakeChart, clock: ManualClock) -> None:
    chart.pro_key = "another-key"
    with _client(chart, clock, api_key=PRO_KEY, plan="pro") as cg:
        with pytest.raises(AuthenticationError) as caught:
            cg.coin("bitcoin")
        shown = [repr(cg), str(caught.value), repr(caught.value), repr(cg.stats)]

    assert all(PRO_KEY not in text for text in shown)


def test_a_one_day_daily_window_near_now_stays_daily(cg: CoinGecko) -> None:
    table = cg.market_chart("bitcoin", start="2025-07-01", metrics="price")

    frame = table.to_polars()
    assert frame["interval"].to_list() == ["1d"]
    assert frame["ts"].to_list() == [datetime(2025, 7, 1, tzinfo=UTC)]
