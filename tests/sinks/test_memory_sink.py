"""The pipeline tests' `MemorySink` keeps the sink contract, so what they prove holds for real sinks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cryptodata.sinks.base import Sink
from fakes.sinks import MemorySink
from sinks.contract import SinkContract


class TestMemorySinkContract(SinkContract):
    @pytest.fixture
    def store(self) -> MemorySink:
        return MemorySink()

    @pytest.fixture
    def sink(self, store: MemorySink) -> Sink:
        return store

    @pytest.fixture
    def reopen(self, store: MemorySink) -> Callable[[], Sink]:
        return lambda: store
