"""The conditional GET: a repeat read of an unchanged file is a 304 with no body transferred."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from polars.testing import assert_frame_equal

from cryptodata import AsyncCbbi, Cbbi, ManualClock, ProviderError

from .fake import FakeCbbi

START = "2024-01-01"


def _client(fake: FakeCbbi, clock: ManualClock, **options: object) -> Cbbi:
    return Cbbi(clock=clock, http_transport=httpx.MockTransport(fake.handle), **options)  # type: ignore[arg-type]


def test_a_second_read_is_a_304_with_no_body_and_the_same_rows(cb: Cbbi, fake: FakeCbbi) -> None:
    first = cb.history(start=START)
    downloaded = cb.stats.bytes_received

    second = cb.history(start=START)

    assert downloaded == len(fake.body())
    assert cb.stats.bytes_received == downloaded
    assert fake.requests[1].headers["If-None-Match"] == fake.etag()
    assert fake.requests[1].headers["If-Modified-Since"] == fake.last_modified()
    assert_frame_equal(second.to_polars(), first.to_polars())


def test_the_first_read_is_unconditional(cb: Cbbi, fake: FakeCbbi) -> None:
    cb.latest()

    assert "If-None-Match" not in fake.requests[0].headers
    assert "If-Modified-Since" not in fake.requests[0].headers


def test_a_changed_file_is_downloaded_again(cb: Cbbi, fake: FakeCbbi) -> None:
    cb.latest()
    fake.version = 2

    cb.latest()

    assert cb.stats.bytes_received == 2 * len(fake.body())
    assert fake.requests[2 - 1].headers["If-None-Match"] == '"v1"'


def test_a_host_sending_only_last_modified_is_asked_if_modified_since(
    fake: FakeCbbi, clock: ManualClock
) -> None:
    fake.validators = ("Last-Modified",)
    with _client(fake, clock) as cb:
        cb.latest()
        cb.latest()

    assert "If-None-Match" not in fake.requests[1].headers
    assert cb.stats.bytes_received == len(fake.body())


def test_a_cache_dir_lets_a_new_client_start_with_a_304(
    fake: FakeCbbi, clock: ManualClock, tmp_path: Path
) -> None:
    with _client(fake, clock, cache_dir=tmp_path) as first:
        rows = first.history(start=START)
    with _client(fake, clock, cache_dir=tmp_path) as second:
        again = second.history(start=START)

    assert second.stats.bytes_received == 0
    assert fake.requests[1].headers["If-None-Match"] == fake.etag()
    assert_frame_equal(again.to_polars(), rows.to_polars())


def test_an_unreadable_cache_file_is_ignored(
    fake: FakeCbbi, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with _client(fake, clock, cache_dir=tmp_path) as first:
        first.latest()
    (cached,) = tmp_path.iterdir()
    cached.write_bytes(b"not msgpack at all")

    with _client(fake, clock, cache_dir=tmp_path) as second:
        second.latest()

    assert "If-None-Match" not in fake.requests[1].headers
    assert "ignoring the unreadable CBBI cache" in caplog.text


def test_a_304_with_no_copy_kept_is_a_provider_error(cb: Cbbi, fake: FakeCbbi) -> None:
    fake.failures.append(httpx.Response(304))

    with pytest.raises(ProviderError, match="304 Not Modified, but no copy is kept"):
        cb.latest()


def test_the_asyncio_client_reads_the_unchanged_file_with_a_304_too(
    fake: FakeCbbi, clock: ManualClock
) -> None:
    async def run() -> int:
        async with AsyncCbbi(clock=clock, http_transport=httpx.MockTransport(fake.handle)) as cb:
            await cb.latest()
            await cb.latest()
            return cb.stats.bytes_received

    assert asyncio.run(run()) == len(fake.body())
    assert [request.headers.get("If-None-Match") for request in fake.requests] == [None, '"v1"']
