"""The Pro key travels in the URL path: it must never show anywhere else."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
import pytest

from cryptodata import BadRequestError, DefiLlama, ManualClock, NotFoundError, ValidationError
from providers.contract import texts_of

from .fake import KEY, FakeDefiLlama

START = datetime(2025, 1, 1, tzinfo=UTC)


def test_an_error_names_the_endpoint_with_the_key_as_stars(
    pro: DefiLlama, fake: FakeDefiLlama
) -> None:
    fake.fail_next(404, path="/historicalChainTvl")

    with pytest.raises(NotFoundError) as caught:
        pro.chain_tvl("Ethereum", start=START)

    assert caught.value.endpoint == "/***/api/v2/historicalChainTvl/Ethereum"
    assert all(KEY not in text for text in texts_of(caught.value))


def test_a_server_echoing_the_key_cannot_put_it_in_an_error(clock: ManualClock) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"bad request {request.url}")

    client = DefiLlama(api_key=KEY, clock=clock, http_transport=httpx.MockTransport(echo))

    with pytest.raises(BadRequestError) as caught:
        client.chains()

    texts = texts_of(caught.value)
    assert any("***" in text for text in texts)
    assert all(KEY not in text for text in texts)


def test_debug_logs_show_the_path_with_the_key_as_stars(
    pro: DefiLlama, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cryptodata")

    pro.chain_tvl("Ethereum", start=START)

    assert "/***/api/v2/historicalChainTvl/Ethereum" in caplog.text
    assert KEY not in caplog.text


def test_the_repr_shows_a_pro_client_without_its_key(pro: DefiLlama) -> None:
    assert repr(pro).startswith("DefiLlama(api_key=Secret('********'), ")
    assert KEY not in repr(pro)


def test_the_key_is_read_from_the_environment(
    fake: FakeDefiLlama, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFILLAMA_API_KEY", f"  {KEY}\n")
    client = DefiLlama(clock=clock, http_transport=httpx.MockTransport(fake.handle))

    client.chains()

    assert client.pro
    assert fake.requests[0].url.path == f"/{KEY}/api/v2/chains"


def test_an_empty_key_variable_means_the_free_api(
    fake: FakeDefiLlama, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFILLAMA_API_KEY", "")
    client = DefiLlama(clock=clock, http_transport=httpx.MockTransport(fake.handle))

    client.chains()

    assert not client.pro
    assert str(fake.requests[0].url) == "https://api.llama.fi/v2/chains"


def test_a_pasted_control_character_is_refused_without_showing_the_key() -> None:
    with pytest.raises(ValidationError) as caught:
        DefiLlama(api_key="SECRET-PART\r\nMORE")

    assert "api_key holds a control character" in str(caught.value)
    assert "SECRET-PART" not in str(caught.value)


def test_an_unknown_host_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown DefiLlama host name"):
        DefiLlama(hosts={"yields": "https://yields.llama.fi"})


def test_hosts_override_the_free_hosts_by_family(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEFILLAMA_API_KEY", raising=False)
    seen: list[httpx.URL] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=[])

    client = DefiLlama(
        clock=clock,
        hosts={"api": "http://127.0.0.1:8080/llama"},
        http_transport=httpx.MockTransport(record),
    )

    client.chains()

    assert [str(url) for url in seen] == ["http://127.0.0.1:8080/llama/v2/chains"]
