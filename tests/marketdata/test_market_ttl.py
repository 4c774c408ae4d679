"""The facade's market tables: kept for `market_ttl` by the provider's clock, then read again;
a table that cannot be read fails only its provider's shares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest

from cryptodata import MarketData, Table, TransportError, ValidationError
from cryptodata.providers.ccxt.replay import sample_client as ccxt_sample
from cryptodata.providers.hyperliquid.replay import SAMPLE, sample_client


class Counting:
    """A replay client whose `markets()` calls are counted, and whose listing can change."""

    def __init__(self) -> None:
        self.client = sample_client()
        self.reads = 0
        self.delisted: set[str] = set()
        self.down = False

    def markets(self) -> Table[Any]:
        self.reads += 1
        if self.down:
            raise TransportError("connection refused", provider="hyperliquid", endpoint="/info")
        table = self.client.markets()
        kept = table.to_polars().filter(~pl.col("symbol").is_in(list(self.delisted)))
        return Table(table.kind, kept, table.warnings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.fixture
def source() -> Iterator[Counting]:
    counting = Counting()
    yield counting
    counting.client.close()


def ask(md: MarketData) -> Table[Any]:
    return md.ohlcv("BTC", venues="hyperliquid", interval="1h", start=SAMPLE.start)


def test_questions_within_the_ttl_read_the_markets_once(source: Counting) -> None:
    with MarketData([source], market_ttl=60) as md:
        ask(md)
        ask(md)

    assert source.reads == 1


def test_a_question_after_the_ttl_reads_them_again(source: Counting) -> None:
    with MarketData([source], market_ttl=60) as md:
        ask(md)
        source.clock.advance(60)
        ask(md)

    assert source.reads == 2


def test_an_instrument_delisted_after_the_ttl_is_no_longer_chosen(source: Counting) -> None:
    with MarketData([source], market_ttl=60) as md:
        assert len(ask(md)) == 48
        source.delisted.add("BTC")
        source.clock.advance(60)
        table = ask(md)

    assert len(table) == 0
    assert table.report is not None
    assert "BTC" in str(table.report.failures[0].error)


@pytest.mark.parametrize("ttl", [-1, float("nan"), "1h"])
def test_a_bad_ttl_is_refused(source: Counting, ttl: Any) -> None:
    with pytest.raises(ValidationError, match="market_ttl"):
        MarketData([source], market_ttl=ttl)


def test_a_market_table_that_cannot_be_read_fails_only_its_providers_shares(
    source: Counting,
) -> None:
    source.down = True
    with MarketData([source, ccxt_sample("bybit")]) as md:
        table = md.ohlcv("BTC", venues=["hyperliquid", "bybit"], interval="1h", start=SAMPLE.start)

    assert set(table.to_polars()["exchange"]) == {"bybit"}
    assert table.report is not None
    (failed,) = table.report.failures
    assert (failed.share.route.venue, type(failed.error)) == ("hyperliquid", TransportError)


def test_strict_raises_the_market_tables_error(source: Counting) -> None:
    source.down = True
    with MarketData([source], strict=True) as md, pytest.raises(TransportError):
        ask(md)


def test_the_next_question_reads_the_table_again_once_it_is_back(source: Counting) -> None:
    source.down = True
    with MarketData([source]) as md:
        assert len(ask(md)) == 0
        source.down = False
        assert len(ask(md)) == 48


def test_a_refresh_that_fails_keeps_the_table_read_before(source: Counting) -> None:
    with MarketData([source], market_ttl=60) as md:
        ask(md)
        source.down = True
        source.clock.advance(60)
        table = ask(md)

    assert len(table) == 48
    assert source.reads == 2
