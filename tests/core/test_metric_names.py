"""Canonical metric names: one unit each, provider names mapped or kept, series symbols."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata import ValidationError
from cryptodata.core.metric_names import (
    METRIC_NAMES,
    MetricMap,
    metric_name,
    metric_symbol,
    split_metric_symbol,
)


def test_every_canonical_name_is_snake_case_and_keyed_by_itself() -> None:
    for key, name in METRIC_NAMES.items():
        assert key == name.name == metric_name(key)
        assert name.unit
        assert name.description.endswith(".")


def test_a_mapping_takes_the_canonical_unit() -> None:
    assert MetricMap("FEES", "fees_24h").unit == "usd"


def test_a_mapping_to_a_name_that_is_not_canonical_is_refused() -> None:
    with pytest.raises(ValidationError, match="'feez', which is no canonical metric"):
        MetricMap("FEES", "feez")


@pytest.mark.parametrize(
    ("provider_name", "expected"),
    [
        ("AdrActCnt", "adr_act_cnt"),
        ("CapMrktCurUSD", "cap_mrkt_cur_usd"),
        ("24H_VOLUME", "24h_volume"),
        ("dollar_open_interest_close", "dollar_open_interest_close"),
        ("totalDataChart", "total_data_chart"),
    ],
)
def test_an_unmapped_provider_name_is_kept_in_snake_case(provider_name: str, expected: str) -> None:
    assert metric_name(provider_name) == expected


@given(st.sampled_from(sorted(METRIC_NAMES)), st.text(min_size=1))
def test_a_series_symbol_splits_back_into_its_id_and_metric(metric: str, provider_id: str) -> None:
    assert split_metric_symbol(metric_symbol(provider_id, metric)) == (provider_id, metric)


@pytest.mark.parametrize("symbol", ["tvl", "@Ethereum", "tvl@", ""])
def test_a_symbol_without_a_metric_and_an_id_is_refused(symbol: str) -> None:
    with pytest.raises(ValidationError, match="<metric>@<provider id>"):
        split_metric_symbol(symbol)
