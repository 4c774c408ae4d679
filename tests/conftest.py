"""Suite-wide test configuration: the `live` marker runs only with CRYPTODATA_LIVE=1, and
property tests have no per-example deadline."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

pytest_plugins = ["servers.postgres", "servers.redis", "servers.s3"]


# Speed is measured in `benchmarks/`; a wall-clock deadline per example only fails property
# tests on a busy machine (CI runners, parallel jobs) without finding anything.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CRYPTODATA_LIVE") == "1":
        return
    skip = pytest.mark.skip(
        reason="hits the real API; set CRYPTODATA_LIVE=1 (and the provider's key) to run"
    )
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)
