"""Suite-wide test configuration: the `live` marker runs only with CRYPTODATA_LIVE=1."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["servers.postgres", "servers.redis"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CRYPTODATA_LIVE") == "1":
        return
    skip = pytest.mark.skip(
        reason="hits the real API; set CRYPTODATA_LIVE=1 (and the provider's key) to run"
    )
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)
