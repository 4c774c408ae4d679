"""Bad arguments raise ValidationError before any request, cache read or cache write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from cryptodata import ValidationError

from .conftest import FakeCoinGecko, Universe


@pytest.mark.parametrize(
    ("n", "message"),
    [
        (0, "n must be an integer from 1 to 1,000, got 0"),
        (-5, "n must be an integer from 1 to 1,000, got -5"),
        (1001, "n must be an integer from 1 to 1,000, got 1001"),
        (True, "n must be an integer from 1 to 1,000, got True"),
        (2.5, "n must be an integer from 1 to 1,000, got 2.5"),
        ("50", "n must be an integer from 1 to 1,000, got '50'"),
        (None, "n must be an integer from 1 to 1,000, got None"),
    ],
)
def test_bad_n_raises_before_any_request(
    universe: Universe,
    fake: FakeCoinGecko,
    httpx_mock: HTTPXMock,
    cache_dir: Path,
    n: Any,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=f"^{message}$"):
        universe(n)

    assert httpx_mock.get_requests() == []
    assert not cache_dir.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ttl": -1}, "ttl must be a number of seconds at least 0, got -1"),
        ({"ttl": float("nan")}, "ttl must be a number of seconds at least 0, got nan"),
        ({"ttl": "1d"}, "ttl must be a number of seconds at least 0, got '1d'"),
        ({"ttl": float("inf")}, "ttl must be a number of seconds at least 0, got inf"),
        (
            {"timeout": -1},
            "timeout must be a number of seconds greater than 0 and at most 3600, got -1",
        ),
        (
            {"timeout": float("nan")},
            "timeout must be a number of seconds greater than 0 and at most 3600, got nan",
        ),
        ({"exclude": ["stablecoins", ""]}, "exclude must hold non-empty strings, got ''"),
        ({"exclude_ids": [None]}, "exclude_ids must hold non-empty strings, got None"),
        ({"narratives": ["layer-1", 2]}, "narratives must hold non-empty strings, got 2"),
        ({"exclude": 123}, r"exclude must be a string or a list of strings, not int \(123\)"),
        (
            {"exclude_ids": None},
            r"exclude_ids must be a string or a list of strings, not NoneType \(None\)",
        ),
        ({"narratives": ["  "]}, "narratives must hold non-empty strings, got '  '"),
    ],
)
def test_bad_options_raise_before_any_request(
    universe: Universe,
    fake: FakeCoinGecko,
    httpx_mock: HTTPXMock,
    options: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=f"^{message}$"):
        universe(5, **options)

    assert httpx_mock.get_requests() == []


def test_a_single_string_is_one_category_not_its_letters(
    universe: Universe, fake: FakeCoinGecko
) -> None:
    assets = universe(3, exclude="stablecoins", exclude_ids=(), narratives="layer-1")

    assert [(asset.id, asset.narrative) for asset in assets] == [
        ("bitcoin", "Layer 1 (L1)"),
        ("ethereum", "Layer 1 (L1)"),
        ("ripple", "Layer 1 (L1)"),
    ]
    assert [category for _, category, _ in fake.requests()][2:] == ["stablecoins", "layer-1"]
