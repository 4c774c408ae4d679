"""A key in the query or in the path is sent there and shown nowhere else.

A small fake provider client runs on the real transport, sender and recorder against a fake
server that checks the key where it expects it. Whatever the outcome, the key must not appear
in any log record (every logger at DEBUG, httpx's own included), error message or attribute,
repr of requests, responses, transport or client, the stats, the plan, or a replay snapshot.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Literal

import httpx
import pytest

from cryptodata.core.clock import ManualClock
from cryptodata.core.errors import (
    AuthenticationError,
    CryptoDataError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
)
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.core.replay import Recorder, ReplayTransport
from cryptodata.core.request import Request, Response, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.senders import HttpxSender
from cryptodata.core.transport import SyncTransport
from providers.contract import texts_of

KEY = "PLACED-KEY-9f3a"
BASE = "https://api.fake.test/v2"
Placement = Literal["query", "path"]


class FakeServer:
    """Accepts the key only in its placement; `mode` scripts every answer after it is set."""

    def __init__(self, placement: Placement) -> None:
        self.placement = placement
        self.mode = "success"
        self.requests: list[httpx.Request] = []

    def key_of(self, request: httpx.Request) -> str | None:
        if self.placement == "query":
            return request.url.params.get("apikey")
        parts = request.url.path.split("/")  # "", "v2", <key>, "series"
        return parts[2] if len(parts) == 4 else None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.mode == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.key_of(request) != KEY or self.mode == "401":
            # A careless server echoes the key it was given.
            return httpx.Response(401, text=f"invalid key {self.key_of(request)}")
        if self.mode == "429":
            return httpx.Response(429, headers={"Retry-After": "600"}, text=f"slow down {KEY}")
        if self.mode == "500":
            return httpx.Response(500, text="boom")
        if self.mode == "redirect":
            return httpx.Response(302, headers={"Location": f"https://evil.test/{KEY}?k={KEY}"})
        if self.mode == "envelope":
            return httpx.Response(200, json={"error": f"quota exceeded for key {KEY}"})
        return httpx.Response(200, json={"data": [1, 2], "key_echo": KEY})


def envelope_check(response: Response) -> None:
    body = response.json()
    if "error" in body:
        raise response.error(RateLimitError, "quota exceeded", retry_after=600.0)


class FakeProvider:
    """A provider client whose key travels in the query or in a path segment."""

    def __init__(
        self, key: str, placement: Placement, server: FakeServer, clock: ManualClock, store: Path
    ) -> None:
        self._key = Secret(key)
        self._placement = placement
        self.limiter = SlidingWindowLimiter(40, 60, clock=clock)
        self.sender = Recorder(HttpxSender(httpx.MockTransport(server)), store)
        self.transport = SyncTransport(
            sender=self.sender,
            provider="fake",
            base_url=BASE,
            limiter=self.limiter,
            clock=clock,
            retry=RetryPolicy(max_attempts=3),
            seed=1,
        )

    def plan(self, symbols: list[str]) -> list[Request]:
        if self._placement == "query":
            return [
                Request("/series", (("symbol", s), ("apikey", self._key)), check=envelope_check)
                for s in symbols
            ]
        return [
            Request(("/", self._key, "/series"), (("symbol", s),), check=envelope_check)
            for s in symbols
        ]

    def series(self, symbols: list[str]) -> list[Response]:
        return [self.transport.run(self.transport.fetch(r)) for r in self.plan(symbols)]

    def __repr__(self) -> str:
        return f"FakeProvider(key={self._key!r}, transport={self.transport!r})"


SCENARIOS: dict[str, type[CryptoDataError] | None] = {
    "success": None,
    "401": AuthenticationError,
    "429": RateLimitError,
    "500": ServerError,
    "timeout": TransportError,
    "redirect": ProviderError,
    "envelope": RateLimitError,
}


def frame_locals(error: BaseException) -> list[str]:
    """The repr of every local of every frame in the error's traceback (what tools such as
    error trackers record)."""
    return [
        f"{name}={value!r}"
        for frame, _ in traceback.walk_tb(error.__traceback__)
        for name, value in frame.f_locals.items()
    ]


def scan(placement: Placement, mode: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = FakeServer(placement)
    client = FakeProvider(KEY, placement, server, ManualClock(), tmp_path / "snapshots")
    server.mode = mode
    shown: list[str] = [repr(client.plan(["BTC", "ETH"]))]

    expected = SCENARIOS[mode]
    if expected is None:
        responses = client.series(["BTC"])
        shown += [repr(responses), repr(responses[0].headers), responses[0].label]
    else:
        with pytest.raises(expected) as caught:
            client.series(["BTC"])
        shown += texts_of(caught.value)
        shown += frame_locals(caught.value)
    client.transport.close()

    assert server.requests, "nothing was sent: the scan would be vacuous"
    assert all(server.key_of(request) == KEY for request in server.requests)
    assert caplog.records, "nothing was logged: the scan would be vacuous"
    for record in caplog.records:
        assert KEY not in record.getMessage(), record.name
        assert KEY not in repr(record.args), record.name
    assert KEY not in caplog.text
    shown += [repr(client), repr(client.transport), repr(vars(client.transport))]
    shown += [repr(client.transport.stats), repr(client.sender)]
    snapshots = sorted((tmp_path / "snapshots").glob("*.json"))
    shown += [file.read_text() for file in snapshots] + [file.name for file in snapshots]
    for text in shown:
        assert KEY not in text


@pytest.mark.parametrize("mode", list(SCENARIOS))
def test_a_key_in_the_query_shows_nowhere(
    mode: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scan("query", mode, tmp_path, caplog)


@pytest.mark.parametrize("mode", list(SCENARIOS))
def test_a_key_in_the_path_shows_nowhere(
    mode: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scan("path", mode, tmp_path, caplog)


@pytest.mark.parametrize("placement", ["query", "path"])
def test_recorded_snapshots_replay_the_answers(placement: Placement, tmp_path: Path) -> None:
    clock = ManualClock()
    live = FakeProvider(KEY, placement, FakeServer(placement), clock, tmp_path)
    recorded = live.series(["BTC"])
    live.transport.close()

    replay = ReplayTransport.from_snapshots(tmp_path)
    offline = SyncTransport(
        http_transport=replay,
        provider="fake",
        base_url=BASE,
        limiter=SlidingWindowLimiter(40, 60, clock=clock),
        clock=clock,
    )
    request = live.plan(["BTC"])[0]
    replayed = offline.run(offline.fetch(request))
    offline.close()

    # The recorded body had the key echoed; the snapshot (and so the replay) holds `***`.
    assert replayed.json() == {"data": [1, 2], "key_echo": "***"}
    assert recorded[0].json()["data"] == replayed.json()["data"]


def test_snapshot_names_and_fields_follow_the_request(tmp_path: Path) -> None:
    client = FakeProvider(KEY, "query", FakeServer("query"), ManualClock(), tmp_path)
    client.series(["BTC"])
    client.transport.close()

    (file,) = tmp_path.glob("*.json")
    text = file.read_text()

    assert file.name == "0001-series.json"
    assert '"label": "/series"' in text
    assert '"path": "/v2/series"' in text
    assert '"apikey",\n      "***"' in text
