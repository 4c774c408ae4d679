"""The Demo key travels only in the `x-cg-demo-api-key` header: never in URLs, logs, errors or files.

A key as users supply it is stripped of the whitespace around it and refused, before any
request and without being shown, when a control or non-ASCII character is inside it; a body
that echoes the key reaches no error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from cryptodata import (
    AuthenticationError,
    CryptoDataError,
    ManualClock,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ValidationError,
)
from cryptodata.providers.coingecko import atop_assets, top_assets
from providers.contract import texts_of

from .conftest import KEY_HEADER, FakeCoinGecko, Universe, fixture_bytes

KEY = "CG-SUPERSECRET-KEY-42"


def _success(fake: FakeCoinGecko) -> None:
    pass


def _unauthorized(fake: FakeCoinGecko) -> None:
    fake.api_key = "another-key"


def _rate_limited(fake: FakeCoinGecko) -> None:
    fake.answer_next(429, fixture_bytes("rate-limit.json"), count=10, path="/coins/markets")


def _server_error(fake: FakeCoinGecko) -> None:
    fake.answer_next(500, b'{"error": "Internal Server Error"}', count=10)


def _rate_limited_with_200(fake: FakeCoinGecko) -> None:
    fake.answer_next(200, fixture_bytes("rate-limit.json"), count=10, path="/coins/markets")


SCENARIOS: dict[str, tuple[Callable[[FakeCoinGecko], None], type[Exception] | None]] = {
    "success": (_success, None),
    "401": (_unauthorized, AuthenticationError),
    "429-exhausted": (_rate_limited, RateLimitError),
    "500-exhausted": (_server_error, ServerError),
    "429-in-a-200": (_rate_limited_with_200, RateLimitError),
}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="cryptodata")
    caplog.set_level(logging.DEBUG, logger="httpx")
    return caplog


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_key_never_leaks(
    universe: Universe,
    fake: FakeCoinGecko,
    cache_dir: Path,
    logs: pytest.LogCaptureFixture,
    scenario: str,
) -> None:
    fake.api_key = KEY
    configure, expected = SCENARIOS[scenario]
    configure(fake)
    texts: list[str] = []

    if expected is None:
        texts.append(repr(universe(5, api_key=KEY)))
    else:
        with pytest.raises(expected) as caught:
            universe(5, api_key=KEY)
        texts += texts_of(caught.value)

    assert fake.calls
    for call in fake.calls:
        assert call.headers[KEY_HEADER] == KEY
        assert KEY not in call.url
    assert any(record.name.startswith("cryptodata") for record in logs.records)
    assert any(record.name == "httpx" for record in logs.records)
    for record in logs.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
    assert KEY not in logs.text
    for text in texts:
        assert KEY not in text
    for path in cache_dir.glob("*") if cache_dir.exists() else ():
        assert KEY.encode() not in path.read_bytes()


def test_key_is_read_from_the_environment(
    fake: FakeCoinGecko, clock: ManualClock, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COINGECKO_API_KEY", KEY)
    fake.api_key = KEY

    top_assets(3, clock=clock, cache_dir=cache_dir)

    assert {call.headers[KEY_HEADER] for call in fake.calls} == {KEY}


def test_without_a_key_no_key_header_is_sent(universe: Universe, fake: FakeCoinGecko) -> None:
    universe(3)

    assert fake.calls
    assert not any(KEY_HEADER in call.headers for call in fake.calls)
    assert not any("api_key" in call.url for call in fake.calls)


def test_a_wrong_key_raises_authentication_error_without_retry(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    fake.api_key = KEY

    with pytest.raises(AuthenticationError) as caught:
        universe(3, api_key="wrong-key-3f9a")

    assert str(caught.value) == (
        "coingecko /coins/categories answered HTTP 401: the API key is missing, invalid or not "
        'allowed here (body: {"status":{"error_code":10002,"error_message":"API Key Missing"}})'
    )
    assert fake.statuses() == [401]


def test_errors_carry_the_endpoint_path_not_the_url(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    fake.answer_next(500, b"{}", count=10, path="/coins/markets")

    with pytest.raises(CryptoDataError) as caught:
        universe(3, api_key=KEY)

    assert caught.value.endpoint == "/coins/markets"  # type: ignore[attr-defined]
    assert "https://" not in str(caught.value)
    assert "vs_currency" not in str(caught.value)


# --- the key as users supply it --------------------------------------------------------------


@pytest.mark.parametrize("executor", ["sync", "async"])
def test_a_key_read_from_a_file_is_sent_without_its_newline(
    fake: FakeCoinGecko, clock: ManualClock, cache_dir: Path, executor: str
) -> None:
    fake.api_key = KEY
    options = {"api_key": f"{KEY}\n", "clock": clock, "cache_dir": cache_dir}

    if executor == "sync":
        top_assets(3, **options)  # type: ignore[arg-type]
    else:
        asyncio.run(atop_assets(3, **options))  # type: ignore[arg-type]

    assert fake.calls
    assert {call.headers[KEY_HEADER] for call in fake.calls} == {KEY}


def test_a_key_from_the_environment_is_sent_without_surrounding_whitespace(
    fake: FakeCoinGecko, clock: ManualClock, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COINGECKO_API_KEY", f"\t{KEY}\r\n")
    fake.api_key = KEY

    top_assets(3, clock=clock, cache_dir=cache_dir)

    assert {call.headers[KEY_HEADER] for call in fake.calls} == {KEY}


CALLS: dict[str, Callable[..., object]] = {
    "top_assets": lambda **options: top_assets(3, **options),
    "atop_assets": lambda **options: asyncio.run(atop_assets(3, **options)),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_a_key_with_a_newline_inside_is_refused_before_any_request(
    fake: FakeCoinGecko, cache_dir: Path, call: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        CALLS[call](api_key="CG-SUPERSECRET\nKEY", cache_dir=cache_dir)

    assert str(caught.value) == (
        "api_key holds a control character (CR, LF, tab, ...) at position 15; "
        "copy the key again without it"
    )
    # (The formatted traceback is left out: it quotes this test's own source line.)
    for text in (str(caught.value), repr(caught.value), repr(vars(caught.value))):
        assert "SUPERSECRET" not in text
    assert fake.calls == []


def test_a_blank_key_variable_is_refused_by_name(
    fake: FakeCoinGecko, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COINGECKO_API_KEY", "  \n")

    with pytest.raises(ValidationError, match=r"^COINGECKO_API_KEY is blank"):
        top_assets(3, cache_dir=cache_dir)
    assert fake.calls == []


# --- a body that echoes the key --------------------------------------------------------------


def test_an_error_envelope_echoing_the_key_is_redacted(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    fake.api_key = KEY
    echo = f'{{"status": {{"error_code": 10002, "error_message": "invalid key {KEY}"}}}}'
    fake.answer_next(200, echo.encode(), count=10)

    with pytest.raises(AuthenticationError) as caught:
        universe(3, api_key=KEY)

    assert caught.value.body == (
        '{"status": {"error_code": 10002, "error_message": "invalid key ***"}}'
    )
    for text in texts_of(caught.value):
        assert KEY not in text


def test_a_body_echoing_the_key_is_redacted_from_a_response_format_error(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    fake.api_key = KEY
    fake.answer_next(200, f'[{{"id": 7, "echo": "{KEY}"}}]'.encode(), count=10)

    with pytest.raises(ResponseFormatError) as caught:
        universe(3, api_key=KEY)

    assert KEY not in caught.value.body
    assert "***" in caught.value.body
    for text in texts_of(caught.value):
        assert KEY not in text
