"""Fixtures for the `cryptodata` command: the fake Coinalyze (key set), offline (no key), a runner."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from pytest_httpx import HTTPXMock

from cryptodata import ManualClock
from cryptodata.cli.main import main
from fakes.coinalyze import NOW, FakeCoinalyze


@attrs.frozen
class Result:
    """What one `cryptodata` run left: its exit status and its output."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `cryptodata ARGS...` in-process; argparse's `SystemExit` becomes the status."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit_info:
            code = int(exit_info.code or 0)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def fake(httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch) -> FakeCoinalyze:
    """The fake Coinalyze behind every httpx request, with its key in the environment."""
    server = FakeCoinalyze(ManualClock(start=NOW)).mount(httpx_mock)
    monkeypatch.setenv("COINALYZE_API_KEY", server.api_key)
    return server


@pytest.fixture
def offline(httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch) -> HTTPXMock:
    """No key set, and no network: pytest-httpx answers nothing, so any request fails the test."""
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)
    return httpx_mock
