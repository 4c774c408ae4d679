"""Error answers: the status map, error messages in 200 answers, malformed answers, the key."""

from __future__ import annotations

import logging

import httpx
import pytest

from cryptodata import (
    Artemis,
    AuthenticationError,
    BadRequestError,
    ManualClock,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
)
from providers.artemis.fake import API_KEY, FakeArtemis
from providers.contract import texts_of


def _call(ar: Artemis) -> object:
    return ar.metrics("price", symbols="sol", start="2024-01-01", end="2024-01-02")


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_an_error_status_raises_its_typed_error_naming_provider_and_endpoint(
    fake: FakeArtemis, clock: ManualClock, status: int, error: type[ProviderError]
) -> None:
    fake.fail_next(status, count=10)
    ar = Artemis(
        API_KEY,
        clock=clock,
        retry=RetryPolicy(max_attempts=1),
        http_transport=httpx.MockTransport(fake.handle),
    )

    with pytest.raises(error) as caught:
        _call(ar)

    assert (caught.value.provider, caught.value.endpoint, caught.value.status) == (
        "artemis",
        "/data/api/PRICE/",
        status,
    )


def test_a_wrong_key_is_an_authentication_error(fake: FakeArtemis, clock: ManualClock) -> None:
    ar = Artemis("not-the-key", clock=clock, http_transport=httpx.MockTransport(fake.handle))

    with pytest.raises(AuthenticationError):
        _call(ar)


def test_a_key_error_string_in_a_200_is_an_authentication_error(
    fake: FakeArtemis, clock: ManualClock
) -> None:
    fake.key_error_in_200 = True
    ar = Artemis("not-the-key", clock=clock, http_transport=httpx.MockTransport(fake.handle))

    with pytest.raises(AuthenticationError, match="Invalid API key"):
        _call(ar)


@pytest.mark.parametrize(
    ("body", "error", "text"),
    [
        ({"data": {"symbols": "Internal error fetching metrics"}}, ProviderError, "Internal error"),
        ({"error": "Rate limit exceeded"}, RateLimitError, "Rate limit"),
        ({"message": "APIKey is required"}, AuthenticationError, "APIKey"),
        ({"detail": "something broke"}, ProviderError, "something broke"),
    ],
)
def test_an_error_string_in_a_200_is_a_typed_error(
    ar: Artemis, fake: FakeArtemis, body: object, error: type[ProviderError], text: str
) -> None:
    fake.answer("/data/api/PRICE/", body)

    with pytest.raises(error, match=text) as caught:
        _call(ar)

    assert caught.value.status == 200


def test_a_rate_limit_string_in_a_200_pauses_and_retries(ar: Artemis, fake: FakeArtemis) -> None:
    fake.fail_next(200, body=b'{"error": "Rate limit exceeded"}')

    assert len(_call(ar)) == 1  # type: ignore[arg-type]
    assert ar.stats.rate_limited == 1


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {"data": [1]},
        {"data": {"symbols": {"sol": {"PRICE": {"date": "2024-01-01"}}}}},
        {"data": {"symbols": {"sol": {"PRICE": [{"date": "01/01/2024", "val": 1.0}]}}}},
        {"data": {"symbols": {"sol": {"PRICE": [{"date": "2024-01-01", "val": "1.0"}]}}}},
        {"data": {"symbols": {"sol": {"PRICE": [{"val": 1.0}]}}}},
        {"data": {"symbols": {"sol": [{"date": "2024-01-01", "val": 1.0}]}}},
    ],
)
def test_a_malformed_answer_is_a_response_format_error(
    ar: Artemis, fake: FakeArtemis, body: object
) -> None:
    fake.answer("/data/api/PRICE/", body)

    with pytest.raises(ResponseFormatError):
        _call(ar)


def test_the_key_never_shows_in_reprs_errors_or_logs(
    fake: FakeArtemis, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_next(400, count=1, body=f'{{"detail": "bad request {API_KEY}"}}'.encode())
    ar = Artemis(API_KEY, clock=clock, http_transport=httpx.MockTransport(fake.handle))

    with pytest.raises(BadRequestError) as caught:
        _call(ar)

    assert fake.requests[0].url.params["APIKey"] == API_KEY
    shown = [
        repr(ar),
        str(ar),
        repr(ar.stats),
        repr(ar._transport),
        caplog.text,
        *texts_of(caught.value),
    ]
    assert all(API_KEY not in text for text in shown)
    assert "***" in str(caught.value)


def test_the_key_comes_from_the_environment(
    fake: FakeArtemis, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARTEMIS_API_KEY", API_KEY)
    ar = Artemis(clock=clock, http_transport=httpx.MockTransport(fake.handle))

    assert len(_call(ar)) == 1  # type: ignore[arg-type]


def test_no_key_is_refused_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptodata import ValidationError

    monkeypatch.delenv("ARTEMIS_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="ARTEMIS_API_KEY"):
        Artemis()
