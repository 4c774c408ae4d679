"""`MarketData.metrics`: canonical metrics about entities, routed from coverage and the entity master."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from cryptodata import (
    AsyncMarketData,
    EntityMaster,
    MarketData,
    Table,
    UnknownEntityError,
    UnsupportedError,
)
from fakes.research import AsyncResearch, Research

NOW = datetime(2025, 7, 1, tzinfo=UTC)
D = timedelta(days=1)
START = NOW - 3 * D


def llama() -> Research:
    return Research("defillama", ("tvl", "chain_tvl", "fees_24h"))


def artemis() -> Research:
    return Research("artemis", ("price", "fees_24h", "daily_active_users"))


def ask(md: MarketData, entities: str | list[str], metrics: list[str], **options: Any) -> Any:
    return md.metrics(entities, metrics, start=START, end=NOW, **options)


def providers_of(table: Table[Any]) -> dict[str, str]:
    frame = table.to_polars().select("metric", "provider").unique()
    return dict(frame.iter_rows())


def test_each_metric_comes_from_the_first_provider_offering_it() -> None:
    with MarketData([llama(), artemis()]) as md:
        table = ask(md, "solana", ["chain_tvl", "fees_24h", "price"])

    assert providers_of(table) == {
        "chain_tvl": "defillama",
        "fees_24h": "defillama",
        "price": "artemis",
    }
    assert len(table) == 9


def test_rows_carry_the_canonical_entity_beside_each_providers_id() -> None:
    with MarketData([llama(), artemis()]) as md:
        frame = ask(md, "SOL", ["chain_tvl", "price"]).to_polars()

    assert set(frame["entity"]) == {"solana"}
    assert dict(frame.select("provider", "provider_id").unique().iter_rows()) == {
        "defillama": "Solana",
        "artemis": "sol",
    }


def test_a_providers_metrics_about_one_entity_are_one_share() -> None:
    source = llama()
    with MarketData([source, artemis()]) as md:
        table = ask(md, ["ethereum", "solana"], ["chain_tvl", "fees_24h"])

    assert sorted(source.asked) == [
        ("chain_tvl@Ethereum", "fees_24h@Ethereum"),
        ("chain_tvl@Solana", "fees_24h@Solana"),
    ]
    assert [o.share.route.venue for o in table.report.outcomes] == ["ethereum", "solana"]


def test_prefer_puts_a_provider_first() -> None:
    with MarketData([llama(), artemis()]) as md:
        table = ask(md, "solana", ["fees_24h"], prefer=["artemis"])

    assert providers_of(table) == {"fees_24h": "artemis"}


def test_the_users_entity_overrides_name_the_rows() -> None:
    master = EntityMaster.default().load({"solana": {"ids": {"artemis": ["solana-x"]}}})
    with MarketData([artemis()], entities=master) as md:
        frame = ask(md, "solana", ["price"]).to_polars()

    assert set(frame.select("entity", "provider_id").iter_rows()) == {("solana", "solana-x")}


def test_a_metric_no_provider_offers_is_refused_naming_what_is_offered() -> None:
    source = llama()
    with MarketData([source, artemis()]) as md, pytest.raises(UnsupportedError) as caught:
        ask(md, "solana", ["hash_rate"])

    assert "the metrics offered are chain_tvl, daily_active_users, fees_24h, price, tvl" in str(
        caught.value
    )
    assert source.asked == []


def test_an_entity_no_provider_has_an_id_of_is_a_reported_share() -> None:
    with MarketData([llama(), artemis()]) as md:
        table = ask(md, ["litecoin", "solana"], ["price"])

    assert set(table.to_polars()["entity"]) == {"solana"}
    (failed,) = table.report.failures
    assert "artemis offer price but know no id of 'litecoin'" in str(failed.error)


def test_strict_raises_for_an_entity_no_provider_has_an_id_of() -> None:
    source = artemis()
    with (
        MarketData([source], strict=True) as md,
        pytest.raises(UnsupportedError, match="'litecoin'"),
    ):
        ask(md, "litecoin", ["price"])

    assert source.asked == []


def test_an_unknown_entity_is_refused_before_any_request() -> None:
    source = artemis()
    with MarketData([source]) as md, pytest.raises(UnknownEntityError, match="did you mean"):
        ask(md, "solanna", ["price"])

    assert source.asked == []


def test_the_async_facade_answers_the_same_rows() -> None:
    with MarketData([llama(), artemis()]) as md:
        blocking = ask(md, "solana", ["chain_tvl", "price"]).to_polars()

    async def main() -> pl.DataFrame:
        sources = [
            AsyncResearch("defillama", ("tvl", "chain_tvl", "fees_24h")),
            AsyncResearch("artemis", ("price",)),
        ]
        async with AsyncMarketData(sources) as md:
            table = await md.metrics("solana", ["chain_tvl", "price"], start=START, end=NOW)
            return table.to_polars()

    assert asyncio.run(main()).sort("provider", "ts").equals(blocking.sort("provider", "ts"))


def test_a_metric_no_public_api_serves_is_refused_saying_where_it_is_sold() -> None:
    with MarketData([llama(), artemis()]) as md, pytest.raises(UnsupportedError) as caught:
        ask(md, "bitcoin", ["sopr"])

    assert "no public, documented, keyless API serves it" in str(caught.value)
    assert "Glassnode" in str(caught.value)


def test_a_market_wide_metric_is_about_the_market_whatever_asset_is_asked() -> None:
    sources = [artemis(), Research("feargreed", ("fear_greed",))]
    with MarketData(sources) as md:
        frame = ask(md, "BTC", ["price", "fear_greed"]).to_polars()

    assert dict(frame.select("metric", "entity").unique().iter_rows()) == {
        "price": "bitcoin",
        "fear_greed": "crypto-market",
    }
