"""No error can carry a live key: every error class redacts the text it is built with.

A server that echoes the key it was given (`"invalid api key <key>"`) hands it to whatever
builds the error: the transport's status handling, a request's check, a provider's parser.
The error classes redact it themselves, so no path can forget; `excerpt` redacts before it
cuts, so a key at the cut leaves no half behind.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cryptodata.core.errors import (
    AuthenticationError,
    BadRequestError,
    CryptoDataError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
    UnsupportedError,
    ValidationError,
    excerpt,
)
from cryptodata.core.request import Response, Secret
from providers.contract import texts_of

KEY = "ECHOED-KEY-0c41"
ECHO = f"invalid api key {KEY}"

BUILDERS: dict[str, Callable[[], CryptoDataError]] = {
    **{
        kind.__name__: (
            lambda kind=kind: kind(ECHO, provider="p", endpoint="/x", status=401, body=ECHO)
        )
        for kind in (
            ProviderError,
            BadRequestError,
            AuthenticationError,
            NotFoundError,
            ServerError,
        )
    },
    "RateLimitError": lambda: RateLimitError(ECHO, provider="p", endpoint="/x", body=ECHO),
    "ResponseFormatError": lambda: ResponseFormatError(
        ECHO, provider="p", endpoint="/x", body=ECHO
    ),
    "TransportError": lambda: TransportError(ECHO, provider="p", endpoint="/x"),
    "ValidationError": lambda: ValidationError(ECHO),
    "UnsupportedError": lambda: UnsupportedError(ECHO, provider="p", what="ohlcv"),
    "CryptoDataError": lambda: CryptoDataError(ECHO),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_an_error_built_with_an_echoed_key_shows_stars(name: str) -> None:
    secret = Secret(KEY)

    error = BUILDERS[name]()

    assert "invalid api key ***" in str(error)
    for text in texts_of(error):
        assert KEY not in text
    if isinstance(error, ProviderError | ResponseFormatError):
        assert error.body == "invalid api key ***"
    assert secret.reveal() == KEY  # alive until here: only live secrets are redacted


def test_a_key_at_the_excerpts_cut_leaves_no_half_behind() -> None:
    secret = Secret(KEY)
    body = "x" * 290 + KEY + " and more text after it" * 5

    shown = excerpt(body)

    assert KEY[:6] not in shown
    assert shown.startswith("x" * 290 + "***")
    assert secret.reveal() == KEY


def test_response_error_redacts_the_body_it_quotes() -> None:
    secret = Secret(KEY)
    answer = Response(200, body=f'{{"error": "{ECHO}"}}'.encode(), label="/x", provider="p")

    error = answer.error(RateLimitError, f"quota for {KEY}")

    assert str(error) == (
        'p /x answered HTTP 200: quota for *** (body: {"error": "invalid api key ***"})'
    )
    assert secret.reveal() == KEY


def test_response_json_redacts_the_body_of_its_format_error() -> None:
    secret = Secret(KEY)

    with pytest.raises(ResponseFormatError) as caught:
        Response(200, body=f"<html>{ECHO}</html>".encode(), label="/x", provider="p").json()

    assert caught.value.body == "<html>invalid api key ***</html>"
    assert secret.reveal() == KEY


def test_a_short_placeholder_key_is_hidden_only_as_a_word_of_its_own() -> None:
    placeholder = Secret("k")
    error = ValidationError("market_ttl must be at least 0; key k was refused")
    assert str(error) == "market_ttl must be at least 0; key *** was refused"
    assert placeholder


def test_a_real_length_key_is_hidden_even_inside_a_longer_word() -> None:
    key = Secret("0c41e2d9")
    assert str(ValidationError("token=x0c41e2d9y")) == "token=x***y"
    assert key
