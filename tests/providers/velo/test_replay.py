"""The bundled samples: the offline client answers the rows they hold, and nothing else."""

from __future__ import annotations

import importlib

import pytest

from cryptodata import ResponseFormatError, Velo
from cryptodata.providers.registry import PROVIDERS
from cryptodata.providers.velo.replay import SAMPLE_ROWS, sample_client


def test_the_samples_answer_their_rows_with_exact_values() -> None:
    with sample_client() as ve:
        frame = ve.rows(**SAMPLE_ROWS).to_polars()

    price = frame.filter(provider_id="bybit:BTCUSDT", metric="price").sort("ts")
    assert price["value"].to_list() == [63092.0, 63104.5, 63117.0, 63129.5, 63142.0, 63154.5]
    assert frame.filter(metric="funding_rate")["value"].null_count() == 2


def test_other_columns_are_refused_by_the_header_check() -> None:
    with sample_client() as ve, pytest.raises(ResponseFormatError, match="missing: coin_volume"):
        ve.rows(**{**SAMPLE_ROWS, "columns": ["close_price", "coin_volume"]})


def test_the_registry_entry_names_the_key_variable_and_the_replay() -> None:
    entry = PROVIDERS["velo"]
    (client,) = importlib.import_module(str(entry.replay)).sample_sources()

    assert entry.key_variable == "VELO_API_KEY"
    assert isinstance(client, Velo)
    client.close()


def test_rows_an_answer_holds_outside_the_step_are_not_the_steps() -> None:
    # The replay answers its whole recorded body, six hours, whatever the window asked.
    symbols = [
        f"{metric}@{exchange}:BTCUSDT"
        for exchange in ("binance-futures", "bybit")
        for metric in ("price", "open_interest_usd", "funding_rate")
    ]
    with sample_client() as ve:
        (step,) = ve.history_steps(
            "metric", symbols, interval="1h", start="2026-07-13T02:00Z", end="2026-07-13T04:00Z"
        )
        table = ve.fetch(step)

    hours = sorted({ts.hour for ts in table.to_polars()["ts"]})
    assert hours == [2, 3]
    assert len(table) == 2 * 2 * 3  # hours x exchanges x metrics
