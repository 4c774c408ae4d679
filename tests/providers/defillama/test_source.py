"""DefiLlama as a source: coverage, planning without I/O, series ids, one request per step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cryptodata import DefiLlama, Kind, Source, Step, UnsupportedError, ValidationError, schema
from cryptodata.core.metric_names import metric_symbol

from .fake import FakeDefiLlama, truth

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)


def test_a_client_is_a_source(ll: DefiLlama) -> None:
    assert isinstance(ll, Source)


def test_coverage_is_daily_metrics_in_usd(ll: DefiLlama) -> None:
    coverage = ll.coverage()

    assert coverage.supports("metric", "1d")
    assert not coverage.supports("metric", "1h")
    assert not coverage.supports("ohlcv")
    assert coverage.check("metric").units == ("usd",)


def test_markets_are_a_typed_empty_table(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    markets = ll.markets()

    assert (markets.kind, len(markets)) == (Kind.MARKETS, 0)
    assert markets.to_polars().schema == schema(Kind.MARKETS)
    assert fake.requests == []


def test_each_series_is_one_step_over_the_whole_window(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    steps = ll.history_steps(
        "metric", ["chain_tvl@Ethereum", "FEES_24H@aave"], interval="1d", start=START, end=END
    )

    assert steps == [
        Step(Kind.METRIC, steps[0].interval, ("chain_tvl@Ethereum",), START, END),
        Step(Kind.METRIC, steps[0].interval, ("fees_24h@aave",), START, END),
    ]
    assert fake.requests == []


def test_prices_are_batched_by_ten_coins_and_365_days(ll: DefiLlama) -> None:
    coins = [metric_symbol(f"coingecko:c{index}", "price") for index in range(12)]

    steps = ll.history_steps(
        "metric", coins, interval="1d", start=START, end=START + timedelta(days=400)
    )

    assert [(len(step.symbols), step.start, step.end) for step in steps] == [
        (10, START, START + timedelta(days=365)),
        (10, START + timedelta(days=365), START + timedelta(days=400)),
        (2, START, START + timedelta(days=365)),
        (2, START + timedelta(days=365), START + timedelta(days=400)),
    ]
    assert {step.cost for step in steps} == {1}


def test_a_pro_only_series_is_unsupported_without_a_key(ll: DefiLlama) -> None:
    with pytest.raises(UnsupportedError) as caught:
        ll.history_steps("metric", "bridge_volume_24h@all", interval="1d", start=START)

    assert (caught.value.provider, caught.value.what) == ("defillama", "bridge_volume_24h")


def test_a_pro_client_plans_pro_only_series(pro: DefiLlama) -> None:
    (step,) = pro.history_steps("metric", "bridge_volume_24h@all", interval="1d", start=START)

    assert step.symbols == ("bridge_volume_24h@all",)


@pytest.mark.parametrize("symbol", ["chain_tvl", "tvl_7d@aave", "@aave", "price@bitcoin"])
def test_malformed_symbols_are_refused_without_io(
    ll: DefiLlama, fake: FakeDefiLlama, symbol: str
) -> None:
    with pytest.raises(ValidationError):
        ll.history_steps("metric", symbol, interval="1d", start=START)

    assert fake.requests == []


def test_series_name_each_symbol_by_its_resolved_provider_id(ll: DefiLlama) -> None:
    ids = ll.series("metric", ["chain_tvl@ethereum", "FEES_24H@Aave"], interval="1d")

    assert ids == {
        "chain_tvl@ethereum": {
            "provider": "defillama",
            "provider_id": "Ethereum",
            "metric": "chain_tvl",
            "interval": "1d",
        },
        "FEES_24H@Aave": {
            "provider": "defillama",
            "provider_id": "aave",
            "metric": "fees_24h",
            "interval": "1d",
        },
    }


def test_fetch_sends_one_data_request_beside_the_catalogue(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    (step,) = ll.history_steps("metric", "tvl@aave", interval="1d", start=START, end=END)

    table = ll.fetch(step)

    assert [r.url.path for r in fake.requests] == ["/protocols", "/protocol/aave"]
    frame = table.to_polars()
    assert dict(zip(frame["ts"], frame["value"], strict=True)) == truth("aave", "tvl", START, END)
