"""The disk cache: one JSON file per set of arguments, valid for `ttl` seconds, replaced atomically."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import pytest

from cryptodata import ManualClock
from cryptodata.providers.coingecko import default_cache_dir, top_assets

from .conftest import NOW, FakeCoinGecko, Universe

TTL = 3_600.0


def _cache_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


def test_cache_hit_avoids_the_network(universe: Universe, fake: FakeCoinGecko) -> None:
    first = universe(20)
    sent = len(fake.calls)

    second = universe(20)

    assert second == first
    assert len(fake.calls) == sent == 18


def test_ttl_expiry_refetches(universe: Universe, fake: FakeCoinGecko, clock: ManualClock) -> None:
    universe(5, ttl=TTL)
    sent = len(fake.calls)

    clock.advance(TTL - 1)
    universe(5, ttl=TTL)
    assert len(fake.calls) == sent

    clock.advance(1)
    universe(5, ttl=TTL)
    assert len(fake.calls) == 2 * sent


def test_zero_ttl_always_asks_coingecko(universe: Universe, fake: FakeCoinGecko) -> None:
    universe(5, ttl=0)
    sent = len(fake.calls)

    universe(5, ttl=0)

    assert len(fake.calls) == 2 * sent


def test_different_arguments_use_their_own_cache_file(
    universe: Universe, fake: FakeCoinGecko, cache_dir: Path
) -> None:
    universe(5)
    universe(5, narratives=["layer-1"])
    sent = len(fake.calls)

    assert [asset.narrative for asset in universe(5)][2] == "Payment Solutions"
    assert [asset.narrative for asset in universe(5, narratives=["layer-1"])][2] == "Layer 1 (L1)"
    assert len(fake.calls) == sent
    assert len(_cache_files(cache_dir)) == 2


def test_cache_file_is_readable_json_naming_its_arguments(
    universe: Universe, fake: FakeCoinGecko, cache_dir: Path, clock: ManualClock
) -> None:
    universe(1, exclude=("stablecoins",), exclude_ids=("tether",), narratives=("layer-1",))

    (path,) = _cache_files(cache_dir)
    assert path.name.startswith("coingecko-top-assets-")
    assert path.suffix == ".json"
    assert json.loads(path.read_bytes()) == {
        "format": 1,
        "key": {
            "n": 1,
            "exclude": ["stablecoins"],
            "exclude_ids": ["tether"],
            "narratives": ["layer-1"],
            "base_url": "https://api.coingecko.com/api/v3",
            "vs_currency": "usd",
        },
        "fetched_at": clock.time(),
        "assets": [
            {
                "id": "bitcoin",
                "symbol": "BTC",
                "name": "Bitcoin",
                "rank": 1,
                "market_cap_rank": 1,
                "market_cap_usd": 2140000000000.0,
                "narrative": "Layer 1 (L1)",
                "categories": ["Layer 1 (L1)"],
            }
        ],
    }


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b'{"format": 1}', b"[]", b'{"format": 1, "key": {}, "fetched_at": "x"}'],
)
def test_corrupt_cache_file_is_ignored_and_rewritten(
    universe: Universe,
    fake: FakeCoinGecko,
    cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
) -> None:
    expected = universe(5)
    (path,) = _cache_files(cache_dir)
    good = path.read_bytes()
    path.write_bytes(content)
    sent = len(fake.calls)

    assert universe(5) == expected

    assert len(fake.calls) == 2 * sent
    assert json.loads(path.read_bytes())["assets"] == json.loads(good)["assets"]
    assert len(caplog.messages) == 1
    assert caplog.messages[0].startswith(f"ignoring the unreadable universe cache {path} (")


def test_a_cache_file_dated_in_the_future_is_stale(universe: Universe, fake: FakeCoinGecko) -> None:
    universe(5)
    sent = len(fake.calls)

    universe(5, clock=ManualClock(start=NOW - 10))  # the wall clock was set back

    assert len(fake.calls) == 2 * sent


def test_a_failed_cache_write_leaves_no_partial_or_temp_file(
    universe: Universe,
    fake: FakeCoinGecko,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    universe(5)
    (path,) = _cache_files(cache_dir)
    before = path.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    assets = universe(6)  # other arguments: another file, whose rename fails

    assert len(assets) == 6  # the answer does not depend on the cache
    assert _cache_files(cache_dir) == [path]  # no temp file left behind, no half file
    assert path.read_bytes() == before
    assert len(caplog.messages) == 1
    assert caplog.messages[0].startswith("cannot write the universe cache ")
    assert caplog.messages[0].endswith(": disk full")


def test_the_cache_directory_is_created(
    universe: Universe, fake: FakeCoinGecko, tmp_path: Path
) -> None:
    nested = tmp_path / "a" / "b"

    universe(1, cache_dir=nested)

    assert len(_cache_files(nested)) == 1


def test_cache_dir_defaults_to_the_environment_override(
    fake: FakeCoinGecko, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRYPTODATA_CACHE_DIR", str(tmp_path / "env"))

    top_assets(1, clock=clock)

    assert default_cache_dir() == tmp_path / "env"
    assert len(_cache_files(tmp_path / "env")) == 1


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG applies to other systems")
def test_cache_dir_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRYPTODATA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "cryptodata"

    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "cryptodata"


def test_cache_hits_are_logged_at_debug(
    universe: Universe, fake: FakeCoinGecko, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    universe(5)
    caplog.set_level(logging.DEBUG, logger="cryptodata.coingecko")

    universe(5)

    (path,) = _cache_files(cache_dir)
    assert caplog.messages == [f"universe from cache {path} (0 s old)"]
