"""Paging through `next_page_url` with the core's cursor paginator, oldest page first; a next
page URL stays on Coin Metrics' host and never puts a Pro key anywhere but the query."""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptodata import ValidationError
from cryptodata.core.clock import ManualClock
from cryptodata.core.request import Request
from cryptodata.providers.coinmetrics import CoinMetrics
from cryptodata.providers.coinmetrics.client import _without_key

from .fake import DAYS, FIRST_DAY, PRO, FakeCoinMetrics, truth

KEY = "cm-pro-key-0123456789"
END = FIRST_DAY + timedelta(days=DAYS)


def pro(fake: FakeCoinMetrics) -> CoinMetrics:
    return CoinMetrics(KEY, clock=ManualClock(), http_transport=httpx.MockTransport(fake))


def test_every_page_is_fetched_and_concatenated_in_order(
    cm: CoinMetrics, fake: FakeCoinMetrics
) -> None:
    fake.max_page = 40

    table = cm.asset_metrics("btc", "AdrActCnt", start=FIRST_DAY, end=END)

    assert len(fake.requests) == 3
    expected = [float(text) for text in truth("btc", "AdrActCnt").values() if text is not None]
    assert table.to_polars()["value"].to_list() == expected


def test_pages_are_asked_oldest_first(cm: CoinMetrics, fake: FakeCoinMetrics) -> None:
    fake.max_page = 40

    cm.asset_metrics("btc", "AdrActCnt", start=FIRST_DAY, end=END)

    assert {r.url.params["paging_from"] for r in fake.requests} == {"start"}


def test_the_next_page_url_is_followed_unchanged(cm: CoinMetrics, fake: FakeCoinMetrics) -> None:
    fake.max_page = 40

    cm.asset_metrics("btc", "AdrActCnt", start=FIRST_DAY, end=END)

    first, second, _ = fake.requests
    assert second.url == first.url.copy_merge_params({"next_page_token": "40"})


@settings(max_examples=40, deadline=None)
@given(page=st.integers(min_value=1, max_value=200), days=st.integers(min_value=1, max_value=DAYS))
def test_pages_of_any_size_concatenate_to_exactly_the_rows(page: int, days: int) -> None:
    fake = FakeCoinMetrics()
    fake.max_page = page
    end = FIRST_DAY + timedelta(days=days)
    with CoinMetrics(clock=ManualClock(), http_transport=httpx.MockTransport(fake)) as cm:
        table = cm.asset_metrics(["btc", "eth"], ["AdrActCnt", "TxCnt"], start=FIRST_DAY, end=end)

    frame = table.to_polars()
    got = {
        (row[0], row[1], row[2]): row[3]
        for row in frame.select("provider_id", "metric", "ts", "value").rows()
    }
    want = {
        (asset, name, ts): None if text is None else float(text)
        for asset in ("btc", "eth")
        for metric, name in (("AdrActCnt", "active_addresses"), ("TxCnt", "transaction_count"))
        for ts, text in truth(asset, metric).items()
        if ts < end
    }
    assert got == want
    assert frame.height == len(want)
    assert len(fake.requests) == -(-2 * days // page)  # every page once, none twice


def test_a_pro_next_page_url_echoing_the_key_sends_it_once_in_the_query() -> None:
    fake = FakeCoinMetrics()
    fake.max_page = 40
    with pro(fake) as cm:
        cm.asset_metrics("btc", "AdrActCnt", start=FIRST_DAY, end=END)

    assert [r.url.host for r in fake.requests] == ["api.coinmetrics.io"] * 3
    for request in fake.requests:
        assert request.url.params.get_list("api_key") == [KEY]
    assert "api_key" in fake.requests[1].url.query.decode()  # the echoed URL was followed


def test_a_next_page_request_holds_no_key_in_plain_text() -> None:
    url = f"{PRO}/timeseries/asset-metrics?assets=btc&api_key={KEY}&next_page_token=abc"

    cleaned = _without_key(Request(url))

    assert KEY not in repr(cleaned)
    assert cleaned.path == f"{PRO}/timeseries/asset-metrics?assets=btc&next_page_token=abc"


def test_a_pro_key_echoed_in_next_page_urls_reaches_no_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeCoinMetrics()
    fake.max_page = 40
    with pro(fake) as cm:
        cm.asset_metrics("btc", "AdrActCnt", start=FIRST_DAY, end=END)

    assert len(fake.requests) == 3
    assert KEY not in caplog.text


def test_a_next_page_url_on_another_host_is_refused_before_it_is_sent() -> None:
    fake = FakeCoinMetrics(base=PRO)
    fake.max_page = 40
    fake.next_origin = "https://evil.test"
    with (
        pro(fake) as cm,
        pytest.raises(ValidationError, match="not one of this transport's hosts") as caught,
    ):
        cm.asset_metrics("btc", "AdrActCnt", start=FIRST_DAY, end=END)

    assert [r.url.host for r in fake.requests] == ["api.coinmetrics.io"]
    assert KEY not in str(caught.value)


def test_a_next_page_url_downgraded_to_http_is_refused() -> None:
    fake = FakeCoinMetrics()
    fake.max_page = 40
    fake.next_origin = "http://api.coinmetrics.io"
    with pro(fake) as cm, pytest.raises(ValidationError, match="absolute URLs must stay on them"):
        cm.asset_metrics("btc", "AdrActCnt", start=FIRST_DAY, end=END)

    assert len(fake.requests) == 1


def test_a_long_history_is_planned_in_windows_that_fit_on_one_page(cm: CoinMetrics) -> None:
    steps = cm.history_steps(
        "metric",
        [f"price@a{i}" for i in range(8)],
        interval="1h",
        start="2020-01-01",
        end="2021-01-01",
    )

    assert {len(step.symbols) for step in steps} == {8}
    assert all((step.end - step.start) <= timedelta(hours=10_000 // 8) for step in steps)
    assert steps[0].start == FIRST_DAY.replace(year=2020)
    assert steps[-1].end == FIRST_DAY.replace(year=2021)
    assert all(a.end == b.start for a, b in itertools.pairwise(steps))
