"""Live checks of the low-confidence facts in the CBBI reference (marked L there).

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). Each test checks one fact the fake
host encodes: if one fails, the reference (and the fake) are wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cryptodata import Cbbi

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def cb() -> Iterator[Cbbi]:
    with Cbbi(timeout=60.0) as client:
        yield client


def test_the_file_holds_the_confidence_from_2011_06_27_as_a_fraction(cb: Cbbi) -> None:
    rows = cb.history().to_polars().filter(metric="cbbi_confidence")

    assert rows["ts"].min() == datetime(2011, 6, 27, tzinfo=UTC)
    assert 0 <= rows["value"].drop_nulls().min() <= rows["value"].drop_nulls().max() <= 1  # type: ignore[operator]


def test_an_unchanged_file_is_answered_304(cb: Cbbi) -> None:
    cb.latest()
    before = cb.stats.bytes_received

    cb.latest()

    assert cb.stats.bytes_received == before
