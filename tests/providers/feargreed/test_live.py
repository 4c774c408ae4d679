"""Live checks of the low-confidence facts in the Fear & Greed reference (marked L/M there).

Skipped unless CRYPTODATA_LIVE=1 (see tests/conftest.py). Each test checks one fact the fake
server encodes: if one fails, the reference (and the fake) are wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cryptodata import FearGreed

pytestmark = pytest.mark.live

BANDS = {"Extreme Fear", "Fear", "Neutral", "Greed", "Extreme Greed"}


@pytest.fixture(scope="module")
def fg() -> Iterator[FearGreed]:
    with FearGreed() as client:
        yield client


def test_the_whole_history_starts_on_2018_02_01(fg: FearGreed) -> None:
    frame = fg.history_frame()

    assert frame["ts"].min() == datetime(2018, 2, 1, tzinfo=UTC)
    assert set(frame["classification"].drop_nulls()) <= BANDS


def test_latest_is_a_midnight_bucket_of_the_last_two_days(fg: FearGreed) -> None:
    (row,) = fg.latest().to_records()

    assert (row.ts.hour, row.ts.minute) == (0, 0)
    assert (datetime.now(UTC) - row.ts).days <= 1
    assert 0 <= row.value <= 100  # type: ignore[operator]
