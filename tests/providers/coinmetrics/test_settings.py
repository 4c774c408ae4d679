"""Tiers, keys and limits: community without a key, Pro with one (argument or environment),
each with its documented rate limit; a 429's `X-RateLimit-Reset` pauses the shared limiter."""

from __future__ import annotations

import httpx
import pytest

from cryptodata import RateLimitError, SlidingWindowLimiter, ValidationError
from cryptodata.core.clock import ManualClock
from cryptodata.providers.coinmetrics import AsyncCoinMetrics, CoinMetrics

from .conftest import NOW
from .fake import FakeCoinMetrics

KEY = "cm-pro-key-0123456789"
WINDOW = {"start": "2024-01-01", "end": "2024-01-02"}


@pytest.fixture(autouse=True)
def _no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COINMETRICS_API_KEY", raising=False)


def test_without_a_key_the_community_api_is_asked_with_no_key(fake: FakeCoinMetrics) -> None:
    with CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        cm.asset_metrics("btc", "AdrActCnt", **WINDOW)

    (request,) = fake.requests
    assert request.url.host == "community-api.coinmetrics.io"
    assert "api_key" not in request.url.params


def test_a_key_asks_the_pro_host_with_the_key_in_the_query(fake: FakeCoinMetrics) -> None:
    with CoinMetrics(KEY, clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        cm.asset_metrics("btc", "AdrActCnt", **WINDOW)

    (request,) = fake.requests
    assert request.url.host == "api.coinmetrics.io"
    assert request.url.params["api_key"] == KEY
    assert all(KEY not in value for value in request.headers.values())


def test_the_key_is_read_from_the_environment(
    fake: FakeCoinMetrics, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COINMETRICS_API_KEY", KEY)
    with CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        cm.asset_metrics("btc", "AdrActCnt", **WINDOW)

    assert fake.requests[0].url.params["api_key"] == KEY


def test_a_blank_environment_variable_means_community(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COINMETRICS_API_KEY", "")

    assert repr(CoinMetrics()).startswith("CoinMetrics(community,")


def test_a_key_with_a_control_character_is_refused_by_name_without_showing_it() -> None:
    with pytest.raises(ValidationError, match="api_key holds a control character") as caught:
        CoinMetrics("cm-pro\n-key-0123")

    assert "cm-pro" not in str(caught.value)


def test_the_repr_shows_the_tier_never_the_key() -> None:
    shown = repr(CoinMetrics(KEY)), repr(AsyncCoinMetrics())

    assert shown[0].startswith("CoinMetrics(api_key=Secret('********'), limiter=")
    assert KEY not in shown[0]
    assert shown[1].startswith("AsyncCoinMetrics(community, limiter=")


def test_community_is_limited_to_10_requests_per_6_seconds() -> None:
    limiter = CoinMetrics().limiter

    assert isinstance(limiter, SlidingWindowLimiter)
    assert (limiter.limit, limiter.window) == (10, 6.0)


def test_pro_is_limited_to_6000_requests_per_20_seconds() -> None:
    limiter = CoinMetrics(KEY).limiter

    assert isinstance(limiter, SlidingWindowLimiter)
    assert (limiter.limit, limiter.window) == (6_000, 20.0)


def test_the_eleventh_community_request_waits_for_the_window(fake: FakeCoinMetrics) -> None:
    clock = ManualClock(start=NOW)
    fake.max_page = 1
    with CoinMetrics(clock=clock, http_transport=httpx.MockTransport(fake)) as cm:
        cm.asset_metrics("btc", "AdrActCnt", start="2024-01-01", end="2024-01-12")

    assert len(fake.requests) == 11
    assert clock.time() - NOW == pytest.approx(6.0)


def test_a_429s_rate_limit_reset_pauses_the_shared_limiter_that_long(
    fake: FakeCoinMetrics,
) -> None:
    clock = ManualClock(start=NOW)
    limiter = SlidingWindowLimiter(100, 6.0, clock=clock)
    fake.rate_limits = ["4"]
    with CoinMetrics(clock=clock, limiter=limiter, http_transport=httpx.MockTransport(fake)) as cm:
        table = cm.asset_metrics("btc", "AdrActCnt", **WINDOW)

    assert len(table) == 1
    assert len(fake.requests) == 2
    assert clock.time() - NOW == pytest.approx(4.0)


def test_a_reset_given_as_an_epoch_time_is_read_as_the_seconds_left(
    fake: FakeCoinMetrics,
) -> None:
    clock = ManualClock(start=NOW)
    fake.rate_limits = [str(int(NOW) + 5)]
    with CoinMetrics(clock=clock, http_transport=httpx.MockTransport(fake)) as cm:
        cm.asset_metrics("btc", "AdrActCnt", **WINDOW)

    assert clock.time() - NOW == pytest.approx(5.0)


def test_rate_limits_past_the_retry_budget_raise_a_rate_limit_error(
    fake: FakeCoinMetrics,
) -> None:
    fake.rate_limits = ["1"] * 10
    with (
        CoinMetrics(clock=ManualClock(start=NOW), http_transport=httpx.MockTransport(fake)) as cm,
        pytest.raises(RateLimitError) as caught,
    ):
        cm.asset_metrics("btc", "AdrActCnt", **WINDOW)

    assert caught.value.retry_after == 1.0
