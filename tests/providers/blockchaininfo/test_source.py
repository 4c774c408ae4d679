"""The source protocol: steps planned without I/O, series keys, one request per step."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cryptodata import BlockchainInfo, Kind, UnsupportedError, ValidationError
from providers.blockchaininfo.fake import FakeBlockchainInfo


def test_each_chart_is_one_step_over_the_whole_window(bc: BlockchainInfo) -> None:
    steps = bc.history_steps(
        "metric",
        ["hash_rate@bitcoin", "n_unique_addresses@bitcoin"],
        interval="1d",
        start="2015-01-01",
        end="2024-01-01",
    )

    assert [(step.symbols, step.start.year, step.end.year, step.cost) for step in steps] == [
        (("hash_rate@bitcoin",), 2015, 2024, 1),
        (("n_unique_addresses@bitcoin",), 2015, 2024, 1),
    ]


def test_a_step_names_its_series_by_the_canonical_metric_whatever_the_symbol_said(
    bc: BlockchainInfo,
) -> None:
    (step,) = bc.history_steps(
        "metric", ["hash-rate@bitcoin"], interval="1d", start="2024-01-01", end="2024-01-02"
    )

    assert step.symbols == ("hash_rate@bitcoin",)


def test_a_15_minute_chart_is_planned_at_15m(bc: BlockchainInfo) -> None:
    (step,) = bc.history_steps(
        "metric", ["mempool_count@bitcoin"], interval="15m", start="2024-02-01", end="2024-02-02"
    )

    assert (step.kind, step.interval.value) == (Kind.METRIC, "15m")


def test_a_chart_asked_at_another_interval_is_unsupported(bc: BlockchainInfo) -> None:
    with pytest.raises(UnsupportedError, match="hash-rate comes in 1d bars, not 15m"):
        bc.history_steps(
            "metric", ["hash_rate@bitcoin"], interval="15m", start="2024-01-01", end="2024-01-02"
        )


def test_a_series_of_another_provider_id_is_refused(bc: BlockchainInfo) -> None:
    with pytest.raises(ValidationError, match="bitcoin network only"):
        bc.series("metric", ["hash_rate@btc"], interval="1d")


def test_series_gives_the_key_columns_of_each_symbol(bc: BlockchainInfo) -> None:
    assert bc.series("metric", ["hash-rate@bitcoin", "trade_volume@bitcoin"], interval="1d") == {
        "hash-rate@bitcoin": {
            "provider": "blockchaininfo",
            "provider_id": "bitcoin",
            "metric": "hash_rate",
            "interval": "1d",
        },
        "trade_volume@bitcoin": {
            "provider": "blockchaininfo",
            "provider_id": "bitcoin",
            "metric": "trade_volume",
            "interval": "1d",
        },
    }


def test_fetch_sends_one_request_and_returns_that_steps_rows(
    bc: BlockchainInfo, fake: FakeBlockchainInfo
) -> None:
    (step,) = bc.history_steps(
        "metric", ["difficulty@bitcoin"], interval="1d", start="2023-06-01", end="2023-07-01"
    )

    table = bc.fetch(step)

    assert len(fake.requests) == 1
    frame = table.to_polars()
    assert dict(zip(frame.get_column("ts"), frame.get_column("value"), strict=True)) == fake.truth(
        "difficulty", datetime(2023, 6, 1, tzinfo=UTC), datetime(2023, 7, 1, tzinfo=UTC)
    )


def test_the_window_without_a_day_start_plans_nothing(bc: BlockchainInfo) -> None:
    assert (
        bc.history_steps(
            "metric",
            ["hash_rate@bitcoin"],
            interval="1d",
            start="2024-01-01T01:00:00Z",
            end="2024-01-01T05:00:00Z",
        )
        == []
    )


def test_markets_is_an_empty_markets_table(bc: BlockchainInfo) -> None:
    assert (bc.markets().kind, len(bc.markets())) == (Kind.MARKETS, 0)


def test_the_default_limiter_allows_one_request_every_ten_seconds() -> None:
    limiter = BlockchainInfo().limiter

    assert repr(limiter) == "SlidingWindowLimiter(limit=1, window=10)"
