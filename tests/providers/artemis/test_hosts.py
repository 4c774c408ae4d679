"""The host and path style: the SDK's current pair by default, either configurable."""

from __future__ import annotations

import httpx
import pytest

from cryptodata import Artemis, ManualClock
from cryptodata.providers.artemis.endpoints import BASE_URL, LEGACY_BASE_URL
from providers.artemis.fake import API_KEY, FakeArtemis


def test_the_default_is_the_sdk_host_and_the_api_path(ar: Artemis, fake: FakeArtemis) -> None:
    ar.metrics("price", symbols="sol", start="2024-01-01", end="2024-01-02")

    url = fake.requests[0].url
    assert (url.scheme, url.host, url.path) == (
        "https",
        "data-svc.artemisxyz.com",
        "/data/api/PRICE/",
    )


def test_base_url_comes_from_the_environment_as_the_sdk_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARTEMIS_BASE_URL", LEGACY_BASE_URL)

    assert Artemis("k").base_url == LEGACY_BASE_URL
    assert Artemis("k", base_url=BASE_URL).base_url == BASE_URL


def test_legacy_paths_ask_at_data_metrics(fake: FakeArtemis, clock: ManualClock) -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"data": {"symbols": {}}})

    ar = Artemis(
        API_KEY,
        base_url=LEGACY_BASE_URL,
        legacy_paths=True,
        clock=clock,
        http_transport=httpx.MockTransport(record),
    )
    ar.metrics(["price", "fees"], symbols="sol", start="2024-01-01", end="2024-01-02")

    assert str(sent[0].url).startswith("https://api.artemisxyz.com/data/PRICE,FEES/?")
