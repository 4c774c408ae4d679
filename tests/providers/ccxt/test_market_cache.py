"""`market_cache=`: ccxt's loaded markets on disk, used by a new client within `market_ttl`."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import ccxt
import ccxt.async_support
import pytest

from cryptodata import ManualClock, ValidationError
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
from fakes.ccxt import FakeVenue, markets

from .conftest import RecordingLimiter

SYMBOL = "BTC/USDT:USDT"
START, END = "2025-01-12T00:00:00Z", "2025-01-12T10:00:00Z"


class _Loads:
    """A fresh binanceusdm instance whose `load_markets` is the market request, counted.

    The fake venue has no instrument endpoints: the loader sets ccxt's recorded markets
    instead, as ccxt's own `load_markets` would after its requests.
    """

    def __init__(self, *, asynchronous: bool = False, **config: Any) -> None:
        module = ccxt.async_support if asynchronous else ccxt
        self.instance = module.binanceusdm(config)
        self.count = 0

        def load(reload: bool = False, params: object = None) -> Any:
            self.count += 1
            return self.instance.set_markets(markets("binance"))

        async def aload(reload: bool = False, params: object = None) -> Any:
            return load(reload, params)

        self.instance.load_markets = aload if asynchronous else load


def _client(loads: _Loads, directory: Path, clock: ManualClock, **options: Any) -> Ccxt:
    return Ccxt(
        loads.instance,
        clock=clock,
        limiter=RecordingLimiter(1_000, 1.0, clock=clock),
        market_cache=directory,
        **options,
    )


def _files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_a_second_client_on_the_same_directory_sends_no_market_request(
    tmp_path: Path, clock: ManualClock, limiter: RecordingLimiter
) -> None:
    _client(_Loads(), tmp_path, clock).markets()
    venue = FakeVenue(ccxt.binanceusdm(), clock)  # no markets: it would have to load them
    client = Ccxt(venue.instance, clock=clock, limiter=limiter, market_cache=tmp_path)

    table = client.ohlcv(SYMBOL, interval="1h", start=START, end=END)

    assert len(table) == 10
    assert [url.split("?")[0].rsplit("/", 1)[1] for url in venue.calls] == ["klines"]


def test_the_markets_read_from_disk_are_the_markets_loaded(
    tmp_path: Path, clock: ManualClock
) -> None:
    first = _client(_Loads(), tmp_path, clock).markets()
    loads = _Loads()

    second = _client(loads, tmp_path, clock).markets()

    assert loads.count == 0
    assert second.to_polars().equals(first.to_polars())
    assert set(loads.instance.markets) == {market["symbol"] for market in markets("binance")}


def test_a_file_older_than_the_ttl_is_loaded_again_and_rewritten(
    tmp_path: Path, clock: ManualClock
) -> None:
    _client(_Loads(), tmp_path, clock, market_ttl=60).markets()
    (path,) = tmp_path.iterdir()
    clock.advance(61)
    loads = _Loads()

    _client(loads, tmp_path, clock, market_ttl=60).markets()

    assert loads.count == 1
    assert json.loads(path.read_bytes())["loaded_at"] == clock.time()


def test_markets_from_disk_expire_when_the_file_does(tmp_path: Path, clock: ManualClock) -> None:
    _client(_Loads(), tmp_path, clock, market_ttl=60).markets()
    clock.advance(50)
    loads = _Loads()
    client = _client(loads, tmp_path, clock, market_ttl=60)

    client.markets()
    clock.advance(11)
    client.markets()

    assert loads.count == 1


def test_a_file_dated_after_now_is_not_used(tmp_path: Path, clock: ManualClock) -> None:
    _client(_Loads(), tmp_path, clock).markets()
    earlier = ManualClock(start=clock.time() - 10)  # the wall clock moved back: age unknown
    loads = _Loads()

    _client(loads, tmp_path, earlier).markets()

    assert loads.count == 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"format": 1, "exchange": "binanceusdm", "loaded_at": 17',  # cut short
        b"\x00\xff not json",
        b'{"format": 1, "exchange": "binanceusdm"}',  # no markets
        b'{"format": 1, "exchange": "bybit", "loaded_at": 0, "markets": [{"id": "x"}]}',
        b'{"format": 1, "exchange": "binanceusdm", "loaded_at": 0, "markets": [{"id": 1}]}',
    ],
    ids=["truncated", "binary", "no-markets", "other-exchange", "malformed-market"],
)
def test_an_unusable_file_is_ignored_with_a_warning_and_the_markets_reloaded(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    _client(_Loads(), tmp_path, clock).markets()
    (path,) = tmp_path.iterdir()
    body = body.replace(b'"loaded_at": 0', f'"loaded_at": {clock.time()}'.encode())
    path.write_bytes(body)
    loads = _Loads()

    with caplog.at_level(logging.WARNING, logger="cryptodata.ccxt"):
        table = _client(loads, tmp_path, clock).markets()

    assert loads.count == 1
    assert len(table) == len(markets("binance"))
    assert str(path) in caplog.text
    assert json.loads(path.read_bytes())["exchange"] == "binanceusdm"  # rewritten whole


def test_a_write_leaves_the_one_file_and_no_temp_file(tmp_path: Path, clock: ManualClock) -> None:
    directory = tmp_path / "made" / "on" / "first-write"

    _client(_Loads(), directory, clock).markets()
    _client(_Loads(), directory, clock).markets()
    clock.advance(3_600)
    _client(_Loads(), directory, clock).markets()

    (name,) = _files(directory)
    assert re.fullmatch(r"binanceusdm-[0-9a-f]{16}\.json", name)


def test_a_failed_write_leaves_no_temp_file_and_is_only_logged(
    tmp_path: Path,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(source: object, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)

    with caplog.at_level(logging.WARNING, logger="cryptodata.ccxt"):
        table = _client(_Loads(), tmp_path, clock).markets()

    assert len(table) == len(markets("binance"))
    assert _files(tmp_path) == []
    assert "disk full" in caplog.text


def test_the_file_holds_markets_and_never_a_credential(tmp_path: Path, clock: ManualClock) -> None:
    credentials = {"apiKey": "KEY-7c1e90", "secret": "SECRET-55ab3d", "password": "PASS-e0f2"}

    _client(_Loads(**credentials), tmp_path, clock).markets()

    (path,) = tmp_path.iterdir()
    body = path.read_text()
    assert not [value for value in credentials.values() if value in body]
    assert set(json.loads(body)) == {"format", "exchange", "loaded_at", "markets", "currencies"}


def test_a_sandbox_instance_keeps_its_own_file(tmp_path: Path, clock: ManualClock) -> None:
    _client(_Loads(), tmp_path, clock).markets()
    sandbox = _Loads()
    sandbox.instance.set_sandbox_mode(True)

    _client(sandbox, tmp_path, clock).markets()

    assert sandbox.count == 1
    assert len(_files(tmp_path)) == 2


def test_market_cache_must_be_a_path(clock: ManualClock) -> None:
    with pytest.raises(ValidationError, match="market_cache must be a directory path"):
        Ccxt(_Loads().instance, clock=clock, market_cache=3600)  # type: ignore[arg-type]


def _async_client(loads: _Loads, directory: Path, clock: ManualClock) -> AsyncCcxt:
    return AsyncCcxt(
        loads.instance,
        clock=clock,
        limiter=RecordingLimiter(1_000, 1.0, clock=clock),
        market_cache=directory,
    )


def test_a_second_async_client_on_the_same_directory_sends_no_market_request(
    tmp_path: Path, clock: ManualClock
) -> None:
    async def main() -> tuple[int, int]:
        first, second = _Loads(asynchronous=True), _Loads(asynchronous=True)
        async with _async_client(first, tmp_path, clock) as client:
            await client.markets()
        async with _async_client(second, tmp_path, clock) as client:
            table = await client.markets()
        assert len(table) == len(markets("binance"))
        return first.count, second.count

    assert asyncio.run(main()) == (1, 0)


def test_an_async_client_reloads_a_stale_file(tmp_path: Path, clock: ManualClock) -> None:
    async def main() -> int:
        async with _async_client(_Loads(asynchronous=True), tmp_path, clock) as client:
            await client.markets()
        clock.advance(3_600)
        later = _Loads(asynchronous=True)
        async with _async_client(later, tmp_path, clock) as client:
            await client.markets()
        return later.count

    assert asyncio.run(main()) == 1
