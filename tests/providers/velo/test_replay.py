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
