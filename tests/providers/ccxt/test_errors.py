"""ccxt's errors map onto ours, the original kept as the cause."""

from __future__ import annotations

from datetime import UTC, datetime

import ccxt
import pytest

from cryptodata import (
    AuthenticationError,
    BadRequestError,
    CryptoDataError,
    ManualClock,
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnsupportedError,
    ValidationError,
)
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import FakeVenue, exchange

from .conftest import RecordingLimiter

JAN1 = datetime(2025, 1, 1, tzinfo=UTC)

MAPPED: list[tuple[type[Exception], type[CryptoDataError]]] = [
    (ccxt.RequestTimeout, TransportError),
    (ccxt.NetworkError, TransportError),
    (ccxt.RateLimitExceeded, RateLimitError),
    (ccxt.DDoSProtection, RateLimitError),
    (ccxt.ExchangeNotAvailable, ServerError),
    (ccxt.OnMaintenance, ServerError),
    (ccxt.AuthenticationError, AuthenticationError),
    (ccxt.BadSymbol, ValidationError),
    (ccxt.NotSupported, UnsupportedError),
    (ccxt.BadResponse, ResponseFormatError),
    (ccxt.ExchangeError, BadRequestError),
    (ccxt.BadRequest, BadRequestError),
]


@pytest.fixture
def once(clock: ManualClock, limiter: RecordingLimiter) -> tuple[Ccxt, FakeVenue]:
    venue = FakeVenue(exchange("bybit"), clock)
    return Ccxt(
        venue.instance, clock=clock, limiter=limiter, retry=RetryPolicy(max_attempts=1)
    ), venue


@pytest.mark.parametrize(("raised", "expected"), MAPPED, ids=[r.__name__ for r, _ in MAPPED])
def test_each_ccxt_error_maps_to_ours_with_the_original_as_cause(
    once: tuple[Ccxt, FakeVenue], raised: type[Exception], expected: type[CryptoDataError]
) -> None:
    client, venue = once
    venue.raise_next(raised("bybit said no"))

    with pytest.raises(expected) as caught:
        client.funding_history("BTC/USDT:USDT", start=JAN1)

    assert type(caught.value.__cause__) is raised
    assert "bybit said no" in str(caught.value)


def test_a_429_raised_by_ccxt_is_a_rate_limit_that_pauses_the_limiter(
    once: tuple[Ccxt, FakeVenue], clock: ManualClock, limiter: RecordingLimiter
) -> None:
    client, venue = once
    venue.fail(429)

    with pytest.raises(RateLimitError) as caught:
        client.funding_history("BTC/USDT:USDT", start=JAN1)
    before = clock.time()
    limiter.acquire(1)

    assert isinstance(caught.value.__cause__, ccxt.RateLimitExceeded)
    assert caught.value.status is None
    assert clock.time() > before


def test_maintenance_is_a_server_error_that_is_retried(client: Ccxt, venue: FakeVenue) -> None:
    venue.fail(503)

    table = client.funding_history(
        "BTC/USDT:USDT", start=JAN1, end=datetime(2025, 1, 2, tzinfo=UTC)
    )

    assert len(table) == 3
    assert client.stats.retried == 1


def test_a_bad_symbol_from_the_venue_is_not_retried(client: Ccxt, venue: FakeVenue) -> None:
    venue.raise_next(ccxt.BadSymbol("bybit does not have market symbol"))

    with pytest.raises(ValidationError):
        client.funding_history("BTC/USDT:USDT", start=JAN1)

    assert len(venue.calls) == 1


def test_credentials_of_the_instance_never_show_in_an_error(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    instance = exchange("bybit")
    instance.apiKey, instance.secret = "KEY-abcdefgh-1234", "SECRET-abcdefgh-5678"
    venue = FakeVenue(instance, clock)
    client = Ccxt(instance, clock=clock, limiter=limiter, retry=RetryPolicy(max_attempts=1))
    venue.raise_next(
        ccxt.AuthenticationError(
            "bybit GET https://api.bybit.com/v5/x?api_key=KEY-abcdefgh-1234&sign=ff "
            "secret SECRET-abcdefgh-5678"
        )
    )

    with pytest.raises(AuthenticationError) as caught:
        client.funding_history("BTC/USDT:USDT", start=JAN1)

    shown = str(caught.value) + repr(caught.value) + repr(client)
    assert "KEY-abcdefgh-1234" not in shown
    assert "SECRET-abcdefgh-5678" not in shown
    assert "sign=ff" not in shown
