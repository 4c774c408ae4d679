"""The clients' numeric settings are checked when the client is built, before any request."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cryptodata import AsyncCoinalyze, Coinalyze, ValidationError

API_KEY = "k"


@pytest.mark.parametrize("client", [Coinalyze, AsyncCoinalyze])
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": -1}, "timeout must be a number of seconds greater than 0 and at most 3600"),
        ({"timeout": math.nan}, "timeout must be a number of seconds greater than 0"),
        ({"timeout": math.inf}, "timeout must be a number of seconds greater than 0"),
        ({"market_ttl": math.nan}, "market_ttl must be a number of seconds at least 0, got nan"),
        ({"market_ttl": -5}, "market_ttl must be a number of seconds at least 0, got -5"),
        ({"market_ttl": "1h"}, "market_ttl must be a number of seconds at least 0, got '1h'"),
        (
            {"max_points_per_request": 100.5},
            "max_points_per_request must be an integer from 1 to 1000000, got 100.5",
        ),
        (
            {"max_points_per_request": 100.0},
            "max_points_per_request must be an integer from 1 to 1000000, got 100.0",
        ),
        (
            {"max_points_per_request": math.nan},
            "max_points_per_request must be an integer from 1 to 1000000, got nan",
        ),
        (
            {"max_points_per_request": True},
            "max_points_per_request must be an integer from 1 to 1000000, got True",
        ),
        (
            {"max_points_per_request": 10**12},
            "max_points_per_request must be an integer from 1 to 1000000",
        ),
    ],
)
def test_a_non_finite_or_mistyped_setting_is_refused_at_construction(
    client: type[Coinalyze] | type[AsyncCoinalyze], options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=f"^{message}"):
        client(api_key=API_KEY, **options)
