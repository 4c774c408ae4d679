"""What every provider promises, as a test mixin each provider's tests inherit on day one.

Subclass `ProviderContract` in a provider's test folder and give it one fixture, `harness`,
returning a [`Harness`][] wired to that provider's fake server on a `ManualClock`::

    from providers.contract import Harness, ProviderContract

    class TestMyProviderContract(ProviderContract):
        @pytest.fixture
        def harness(self, ...) -> Harness:
            return MyHarness(...)

The contract covers the promises no provider may break: the key stays in its placement
(header, query or path) and out of every URL, log line, error, repr and stat, and no redirect
takes it to another origin (host, scheme or port), blocking or asyncio; a 429 pauses the
shared limiter for every caller; bad arguments send zero requests; every sync/async twin has
the same signature; an empty answer is a typed empty result; the async twin returns what the
blocking call returns.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

import httpx
import pytest
from polars.testing import assert_frame_equal

from cryptodata import (
    ManualClock,
    ProviderError,
    RateLimiter,
    RateLimitError,
    RetryPolicy,
    Table,
    ValidationError,
    schema,
)

Scenario = Literal["success", "401", "429", "500", "timeout"]
Placement = Literal["header", "query", "path", "none"]

SCENARIOS: tuple[Scenario, ...] = ("success", "401", "429", "500", "timeout")


class Harness(Protocol):
    """One provider wired to its fake server: what the contract drives."""

    key: str | None
    """The secret the clients were built with (`None` for a provider without keys)."""
    placement: Placement
    """Where the provider carries the key (`"none"` without one)."""
    placement_name: str
    """The header or query parameter name (for `path`: unused)."""
    clock: ManualClock
    limiter: RateLimiter
    """The limiter the clients are charged to (a shared one)."""
    twins: Sequence[tuple[Any, Any]]
    """`(blocking, asyncio)` pairs: client classes or module-level functions."""
    iterators: Sequence[str]
    """Methods whose asyncio twin returns an async iterator (a stream) rather than being a
    coroutine: the blocking one returns its blocking iterator; their arguments still match."""

    def requests(self) -> list[httpx.Request]:
        """Every request the fake received, in order."""
        ...

    def call(self) -> Any:
        """One representative data call through the blocking client."""
        ...

    async def acall(self) -> Any:
        """The same call through the asyncio twin."""
        ...

    def empty(self) -> Any:
        """A call the fake answers with nothing (no rows)."""
        ...

    def invalid_calls(self) -> list[Callable[[], object]]:
        """Calls with bad arguments; each must raise `ValidationError` before any request."""
        ...

    def fail_with(self, scenario: Scenario) -> type[Exception]:
        """Make every later answer fail this way; returns the typed error the call must raise."""
        ...

    def rate_limit_for(self, seconds: float) -> None:
        """Answer the next data request with 429 and `Retry-After: seconds` (then succeed)."""
        ...

    def answer_with(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        """Answer every later request, to any host, with `handler` instead of the fake (the
        requests are still recorded by `requests()`)."""
        ...

    def shown(self) -> list[object]:
        """Objects a user can print: clients, transports, limiters, stats."""
        ...


REDIRECTS: dict[str, Callable[[httpx.URL], str]] = {
    "another host": lambda url: "https://evil.test/collect",
    "an https to http downgrade": lambda url: str(url.copy_with(scheme="http")),
    "another port": lambda url: str(url.copy_with(port=8443)),
    "another host after a same-origin hop": lambda url: (
        "https://evil.test/collect" if url.path.endswith("/hop") else url.path + "/hop"
    ),
}
"""Where the contract's redirects point, from the URL of the request they answer."""


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def texts_of(exc: BaseException) -> list[str]:
    """Every text an exception shows: str, repr, attributes, args and the formatted chain."""
    texts = []
    seen: BaseException | None = exc
    while seen is not None:
        texts += [str(seen), repr(seen), repr(vars(seen)), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    texts.append("".join(traceback.format_exception(exc)))
    return texts


def _public_methods(target: Any) -> dict[str, Any]:
    """A class's public methods by name (a function stands for itself, under "")."""
    if inspect.isfunction(target):
        return {"": target}
    return {
        name: member
        for name, member in inspect.getmembers(target, inspect.isfunction)
        if not name.startswith("_")
    }


_RENAMED = {"close": "aclose"}
"""Blocking names whose asyncio twin is spelled differently."""


def _comparable(function: Any) -> inspect.Signature:
    """A signature with the one documented difference between twins erased: the httpx
    transport a caller may inject is `httpx.BaseTransport` on one side and
    `httpx.AsyncBaseTransport` on the other."""
    signature = inspect.signature(function)
    return signature.replace(
        parameters=[
            parameter.replace(annotation=str(parameter.annotation).replace("AsyncBase", "Base"))
            for parameter in signature.parameters.values()
        ],
        return_annotation=str(signature.return_annotation),
    )


class ProviderContract:
    """The provider contract; subclasses provide the `harness` fixture."""

    @pytest.fixture
    def logs(self, caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
        caplog.set_level(logging.DEBUG, logger="cryptodata")
        caplog.set_level(logging.DEBUG, logger="httpx")
        return caplog

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_the_key_stays_in_its_placement_whatever_the_outcome(
        self, harness: Harness, logs: pytest.LogCaptureFixture, scenario: Scenario
    ) -> None:
        texts: list[str] = []
        if scenario == "success":
            texts.append(repr(harness.call()))
        else:
            expected = harness.fail_with(scenario)
            with pytest.raises(expected) as caught:
                harness.call()
            texts += texts_of(caught.value)

        sent = harness.requests()
        assert sent, "the scenario sent nothing"
        if harness.key is None:
            return
        for request in sent:
            self._assert_key_placed(harness, request)
        for record in logs.records:
            assert harness.key not in record.getMessage()
            assert harness.key not in repr(record.args)
        assert harness.key not in logs.text
        for shown in harness.shown():
            assert harness.key not in repr(shown)
            assert harness.key not in str(shown)
        for text in texts:
            assert harness.key not in text

    @pytest.mark.parametrize("target", list(REDIRECTS))
    @pytest.mark.parametrize("executor", ["blocking", "asyncio"])
    def test_no_redirect_takes_the_key_to_another_origin(
        self, harness: Harness, executor: str, target: str
    ) -> None:
        where = REDIRECTS[target]
        home: list[tuple[str, str, int | None]] = []

        def redirect(request: httpx.Request) -> httpx.Response:
            origin = _origin(request.url)
            home[:] = home or [origin]  # the first request is the client's own
            if origin != home[0]:
                return httpx.Response(200, json=[])  # a stranger, ready to keep what it gets
            return httpx.Response(302, headers={"Location": where(request.url)})

        harness.answer_with(redirect)
        error: Exception | None = None
        try:
            if executor == "blocking":
                harness.call()
            else:
                asyncio.run(harness.acall())
        except Exception as exc:
            error = exc

        sent = harness.requests()
        assert sent, "nothing was sent: the test would be vacuous"
        self._assert_key_placed(harness, sent[0])
        assert [str(r.url) for r in sent if _origin(r.url) != home[0]] == []
        assert isinstance(error, ProviderError), error
        assert error.status == 302
        assert "redirected to another host" in str(error)
        for text in texts_of(error):
            assert harness.key is None or harness.key not in text

    def test_bad_arguments_raise_before_any_request(self, harness: Harness) -> None:
        calls = harness.invalid_calls()
        assert calls

        for bad in calls:
            with pytest.raises(ValidationError):
                bad()

        assert harness.requests() == []

    def test_a_429_pauses_the_limiter_for_every_caller(self, harness: Harness) -> None:
        harness.call()  # warm caches (market lists), so the next call's first request is data
        harness.rate_limit_for(600.0)
        with pytest.raises(RateLimitError):
            harness.call()
        before = harness.clock.time()

        harness.limiter.acquire(1)  # any other caller sharing the limiter

        # Every provider keeps the default max_retry_after: the pause is cut to it.
        assert harness.clock.time() - before >= RetryPolicy().max_retry_after - 1e-6

    def test_a_huge_retry_after_pauses_the_limiter_no_longer_than_max_retry_after(
        self, harness: Harness
    ) -> None:
        harness.call()
        harness.rate_limit_for(99_999_999.0)
        with pytest.raises(RateLimitError):
            harness.call()
        before = harness.clock.time()

        harness.limiter.acquire(1)

        assert harness.clock.time() - before <= RetryPolicy().max_retry_after

    def test_every_sync_and_async_twin_has_the_same_signature(self, harness: Harness) -> None:
        assert harness.twins
        for blocking, concurrent in harness.twins:
            theirs = _public_methods(concurrent)
            for name, method in _public_methods(blocking).items():
                twin = theirs.get(_RENAMED.get(name, name))
                assert twin is not None, f"{concurrent!r} lacks a twin of {name}"
                if name in harness.iterators:
                    ours, its = _comparable(method), _comparable(twin)
                    assert ours.parameters == its.parameters, name
                    assert not inspect.iscoroutinefunction(twin), name
                    continue
                assert _comparable(twin) == _comparable(method), name
                if twin is not method:  # written apart from the shared base: it must await
                    assert inspect.iscoroutinefunction(twin), name

    def test_an_empty_answer_is_a_typed_empty_result(self, harness: Harness) -> None:
        result = harness.empty()

        assert len(result) == 0
        if isinstance(result, Table):
            assert result.to_polars().schema == schema(result.kind)
        else:
            assert isinstance(result, list)

    def test_the_async_twin_returns_what_the_blocking_call_returns(self, harness: Harness) -> None:
        blocking = harness.call()
        concurrent = asyncio.run(harness.acall())

        if isinstance(blocking, Table):
            assert isinstance(concurrent, Table)
            assert_frame_equal(blocking.to_polars(), concurrent.to_polars())
        else:
            assert blocking == concurrent

    @staticmethod
    def _assert_key_placed(harness: Harness, request: httpx.Request) -> None:
        url = request.url
        key = harness.key
        if key is None:
            return
        if harness.placement == "header":
            assert request.headers.get(harness.placement_name) == key
            assert key not in str(url)
        elif harness.placement == "query":
            assert url.params.get(harness.placement_name) == key
            assert key not in url.path
            assert all(key not in value for value in request.headers.values())
        else:
            assert key in url.path
            assert key not in url.query.decode()
            assert all(key not in value for value in request.headers.values())
