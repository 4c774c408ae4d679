"""The API key travels only in the `api_key` header: never in URLs, errors, logs or reprs.

A key as users supply it (`open("key.txt").read()`, an exported variable) is stripped of the
whitespace around it and refused, before any request and without being shown, when a control
or non-ASCII character is inside it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from cryptodata import (
    AsyncCoinalyze,
    AuthenticationError,
    Coinalyze,
    CryptoDataError,
    ManualClock,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
    ValidationError,
)
from providers.contract import texts_of

from .conftest import BASE_URL, NOW_DT, FakeCoinalyze

KEY = "SUPERSECRET-KEY-42"
H = timedelta(hours=1)
PATH = "/open-interest-history"


def _fetch(client: Coinalyze) -> object:
    return client.open_interest_history(
        "BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
    )


def _success(fake: FakeCoinalyze) -> None:
    pass


def _unauthorized(fake: FakeCoinalyze) -> None:
    fake.api_key = "some-other-key"


def _rate_limited(fake: FakeCoinalyze) -> None:
    fake.fail_next(429, headers={"Retry-After": "3"}, count=10, path=PATH)


def _server_error(fake: FakeCoinalyze) -> None:
    fake.fail_next(500, count=10, path=PATH)


def _timeout(fake: FakeCoinalyze) -> None:
    fake.raise_next(httpx.ReadTimeout("timed out"), count=10, path=PATH)


SCENARIOS: dict[str, tuple[Callable[[FakeCoinalyze], None], type[Exception] | None]] = {
    "success": (_success, None),
    "401": (_unauthorized, AuthenticationError),
    "429-exhausted": (_rate_limited, RateLimitError),
    "500-exhausted": (_server_error, ServerError),
    "timeout": (_timeout, TransportError),
}


@pytest.fixture(autouse=True)
def _fake_accepts_the_key(fake: FakeCoinalyze) -> None:
    fake.api_key = KEY


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="cryptodata")
    caplog.set_level(logging.DEBUG, logger="httpx")
    return caplog


def _assert_no_key_anywhere(
    client: Coinalyze, fake: FakeCoinalyze, logs: pytest.LogCaptureFixture, texts: list[str]
) -> None:
    assert fake.calls, "the scenario sent nothing"
    for call in fake.calls:
        assert KEY not in call.url
        assert call.headers["api_key"] == KEY
    for record in logs.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
    assert KEY not in logs.text
    assert KEY not in repr(client)
    assert KEY not in str(client)
    assert KEY not in repr(client.limiter)
    assert KEY not in repr(client._transport)
    for text in texts:
        assert KEY not in text


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_key_never_leaks(
    fake: FakeCoinalyze, clock: ManualClock, logs: pytest.LogCaptureFixture, scenario: str
) -> None:
    configure, expected = SCENARIOS[scenario]
    configure(fake)
    client = Coinalyze(api_key=KEY, clock=clock, base_url=BASE_URL)
    texts: list[str] = []

    if expected is None:
        texts.append(repr(_fetch(client)))
    else:
        with pytest.raises(expected) as caught:
            _fetch(client)
        texts += texts_of(caught.value)
    client.close()

    _assert_no_key_anywhere(client, fake, logs, texts)
    assert any(record.name.startswith("cryptodata") for record in logs.records)
    assert any(record.name == "httpx" for record in logs.records)


def test_key_never_leaks_from_validation_errors(
    fake: FakeCoinalyze, clock: ManualClock, logs: pytest.LogCaptureFixture
) -> None:
    texts: list[str] = []
    with Coinalyze(api_key=KEY, clock=clock, base_url=BASE_URL) as client:
        for bad in (
            lambda: client.funding_rate("BTCUSDT_PERP.Z"),  # unknown: after the list calls
            lambda: client.funding_rate("BINANCE:BTCUSDT"),
            lambda: client.ohlcv_history("BTC.H", interval="1w", start=NOW_DT - H),
            lambda: client.ohlcv_history("BTC.H", interval="1h", start=1.5),  # type: ignore[arg-type]
        ):
            with pytest.raises(ValidationError) as caught:
                bad()
            texts += texts_of(caught.value)

        _assert_no_key_anywhere(client, fake, logs, texts)


def test_errors_carry_the_endpoint_path_not_the_url(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.fail_next(500, count=10, path=PATH)

    with (
        Coinalyze(api_key=KEY, clock=clock, base_url=BASE_URL) as client,
        pytest.raises(CryptoDataError) as caught,
    ):
        _fetch(client)

    assert caught.value.endpoint == PATH  # type: ignore[attr-defined]
    assert "https://" not in str(caught.value)
    assert "symbols=" not in str(caught.value)


# --- the key as users supply it --------------------------------------------------------------


def _fetch_async(key: str | None, clock: ManualClock) -> object:
    async def main() -> object:
        async with AsyncCoinalyze(api_key=key, clock=clock, base_url=BASE_URL) as client:
            return await client.open_interest_history(
                "BTCUSDT_PERP.A", interval="1h", start=NOW_DT - 3 * H, end=NOW_DT
            )

    return asyncio.run(main())


@pytest.mark.parametrize("executor", ["sync", "async"])
def test_a_key_read_from_a_file_is_sent_without_its_newline(
    fake: FakeCoinalyze, clock: ManualClock, executor: str
) -> None:
    read_from_file = f"{KEY}\r\n"

    if executor == "sync":
        with Coinalyze(api_key=read_from_file, clock=clock, base_url=BASE_URL) as client:
            _fetch(client)
    else:
        _fetch_async(read_from_file, clock)

    assert fake.data_calls
    assert {call.headers["api_key"] for call in fake.calls} == {KEY}


def test_a_key_from_the_environment_is_sent_without_surrounding_whitespace(
    fake: FakeCoinalyze, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COINALYZE_API_KEY", f"  {KEY}\n")

    with Coinalyze(clock=clock, base_url=BASE_URL) as client:
        _fetch(client)

    assert {call.headers["api_key"] for call in fake.calls} == {KEY}


@pytest.mark.parametrize("client_class", [Coinalyze, AsyncCoinalyze])
def test_a_key_with_a_newline_inside_is_refused_before_any_request(
    fake: FakeCoinalyze, client_class: type[Coinalyze | AsyncCoinalyze]
) -> None:
    with pytest.raises(ValidationError) as caught:
        client_class(api_key="SUPERSECRET\nKEY-42", base_url=BASE_URL)

    assert str(caught.value) == (
        "api_key holds a control character (CR, LF, tab, ...) at position 12; "
        "copy the key again without it"
    )
    # (The formatted traceback is left out: it quotes this test's own source line.)
    for text in (str(caught.value), repr(caught.value), repr(vars(caught.value))):
        assert "SUPERSECRET" not in text
    assert fake.calls == []


def test_a_key_variable_with_a_control_character_is_refused_by_name(
    fake: FakeCoinalyze, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COINALYZE_API_KEY", "SUPERSECRET\tKEY-42")

    with pytest.raises(ValidationError, match=r"^COINALYZE_API_KEY holds a control character"):
        Coinalyze(base_url=BASE_URL)
    assert fake.calls == []


def test_a_blank_key_is_refused_before_any_request(fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError, match=r"^api_key is blank"):
        Coinalyze(api_key=" \n", base_url=BASE_URL)
    assert fake.calls == []


# --- a body that echoes the key --------------------------------------------------------------


def test_a_body_echoing_the_key_is_redacted_from_a_response_format_error(
    fake: FakeCoinalyze, clock: ManualClock
) -> None:
    fake.raw[PATH] = f'{{"error": "invalid api key {KEY}"}}'.encode()

    with (
        Coinalyze(api_key=KEY, clock=clock, base_url=BASE_URL) as client,
        pytest.raises(ResponseFormatError) as caught,
    ):
        _fetch(client)

    assert caught.value.body == '{"error": "invalid api key ***"}'
    for text in texts_of(caught.value):
        assert KEY not in text
