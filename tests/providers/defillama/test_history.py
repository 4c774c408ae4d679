"""DefiLlama histories: the endpoint each series is read from, its quirks, the window and
the still-filling day, value for value against the fake's truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cryptodata import (
    DefiLlama,
    NotFoundError,
    ResponseFormatError,
    Table,
    UnsupportedError,
    ValidationError,
)

from .fake import KEY, NOW_DT, FakeDefiLlama, truth, value

D = timedelta(days=1)
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2025, 1, 6, tzinfo=UTC)


def _values(table: Table) -> dict[datetime, float]:
    frame = table.to_polars()
    return dict(zip(frame["ts"].to_list(), frame["value"].to_list(), strict=True))


def _data_requests(fake: FakeDefiLlama) -> list[httpx.URL]:
    catalogues = ("/v2/chains", "/protocols", "/stablecoins")
    return [r.url for r in fake.requests if not r.url.path.endswith(catalogues)]


def test_chain_tvl_is_the_fakes_truth_inside_the_half_open_window(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    table = ll.chain_tvl("ethereum", start=START, end=END)

    assert _values(table) == truth("Ethereum", "chain_tvl", START, END)
    assert list(_values(table)) == [START + day * D for day in range(5)]
    assert set(table.to_polars()["provider_id"]) == {"Ethereum"}
    assert set(table.to_polars()["entity"]) == {"ethereum"}
    (url,) = _data_requests(fake)
    assert url.path == "/v2/historicalChainTvl/Ethereum"
    assert not url.query


def test_the_still_filling_current_day_is_kept_at_its_bucket_with_a_warning(
    ll: DefiLlama,
) -> None:
    # Live semantics: today's value so far, stored at midnight, replaced by the next pull.
    table = ll.chain_tvl("Ethereum", start=NOW_DT - 3 * D)

    assert max(_values(table)) == datetime(2025, 1, 10, tzinfo=UTC)
    assert table.warnings == [
        "2025-01-10 of chain_tvl@Ethereum is the day so far (DefiLlama fills it until "
        "00:00 UTC): a later run replaces it"
    ]


def test_rows_are_canonical_metric_rows_in_usd(ll: DefiLlama) -> None:
    row = ll.chain_tvl("BSC", start=START, end=START + D).to_records()[0]

    assert (row.provider, row.entity, row.metric, row.interval, row.unit, row.provider_id) == (
        "defillama",
        "bnb",
        "chain_tvl",
        "1d",
        "usd",
        "BSC",
    )


def test_protocol_tvl_reads_the_protocols_tvl_list(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    table = ll.protocol_tvl("aave", start=START, end=END)

    assert _values(table) == truth("aave", "tvl", START, END)
    assert [url.path for url in _data_requests(fake)] == ["/protocol/aave"]


def test_chain_fees_come_from_the_overview_under_its_lower_case_key(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    table = ll.fees("Avalanche", start=START, end=END)

    assert _values(table) == truth("Avalanche", "fees_24h", START, END)
    (url,) = _data_requests(fake)
    assert url.path == "/overview/fees/avax"
    assert dict(url.params) == {
        "excludeTotalDataChart": "false",
        "excludeTotalDataChartBreakdown": "true",
        "dataType": "dailyFees",
    }


def test_protocol_fees_come_from_the_summary(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    table = ll.fees("aave", start=START, end=END)

    assert _values(table) == truth("aave", "fees_24h", START, END)
    (url,) = _data_requests(fake)
    assert (url.path, dict(url.params)) == ("/summary/fees/aave", {"dataType": "dailyFees"})


@pytest.mark.parametrize(
    ("method", "metric", "path", "data_type"),
    [
        ("revenue", "revenue_24h", "/overview/fees/ethereum", "dailyRevenue"),
        ("dex_volume", "dex_volume_24h", "/overview/dexs/ethereum", None),
        (
            "options_volume",
            "options_volume_24h",
            "/overview/options/ethereum",
            "dailyNotionalVolume",
        ),
    ],
)
def test_each_volume_reads_its_family_and_data_type(
    ll: DefiLlama, fake: FakeDefiLlama, method: str, metric: str, path: str, data_type: str | None
) -> None:
    table = getattr(ll, method)("Ethereum", start=START, end=END)

    assert _values(table) == truth("Ethereum", metric, START, END)
    assert set(table.to_polars()["metric"]) == {metric}
    (url,) = _data_requests(fake)
    assert (url.path, url.params.get("dataType")) == (path, data_type)


def test_fees_of_all_chains_read_the_overview_without_a_chain(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    table = ll.fees("all", start=START, end=END)

    assert _values(table) == truth("all", "fees_24h", START, END)
    assert [r.url.path for r in fake.requests] == ["/overview/fees"]


def test_stablecoin_charts_dates_as_strings_and_pegs_summed(ll: DefiLlama) -> None:
    table = ll.stablecoin_supply(chain="Ethereum", start=START, end=END)

    assert _values(table) == truth("Ethereum", "stablecoin_supply", START, END)


def test_one_stablecoin_on_one_chain_is_asked_by_its_numeric_id(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    table = ll.stablecoin_supply(chain="ethereum", stablecoin="USDT", start=START, end=END)

    assert _values(table) == truth("Ethereum:tether", "stablecoin_supply", START, END)
    assert set(table.to_polars()["provider_id"]) == {"Ethereum:tether"}
    (url,) = _data_requests(fake)
    assert (url.path, dict(url.params)) == ("/stablecoincharts/Ethereum", {"stablecoin": "1"})


def test_one_stablecoin_everywhere_reads_the_all_chart(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    table = ll.stablecoin_supply(stablecoin="USD Coin", start=START, end=END)

    assert _values(table) == truth("usd-coin", "stablecoin_supply", START, END)
    assert set(table.to_polars()["entity"]) == {"usd-coin"}
    (url,) = _data_requests(fake)
    assert (url.path, dict(url.params)) == ("/stablecoincharts/all", {"stablecoin": "2"})


def test_every_stablecoin_everywhere_is_the_all_series(ll: DefiLlama) -> None:
    table = ll.stablecoin_supply(start=START, end=END)

    assert _values(table) == truth("all", "stablecoin_supply", START, END)


def test_price_history_maps_answer_keys_back_to_the_coins_asked(ll: DefiLlama) -> None:
    table = ll.price_history(["coingecko:bitcoin", "ethereum:0xDF57"], start=START, end=END)

    frame = table.to_polars()
    assert set(frame["provider_id"]) == {"coingecko:bitcoin", "ethereum:0xDF57"}
    mixed = table.to_polars().filter(provider_id="ethereum:0xDF57")
    assert dict(zip(mixed["ts"], mixed["value"], strict=True)) == truth(
        "ethereum:0xDF57", "price", START, END
    )


def test_price_history_asks_daily_points_from_the_window_start(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    ll.price_history("coingecko:bitcoin", start=START, end=END)

    (url,) = fake.requests
    assert url.url.path == "/chart/coingecko:bitcoin"
    assert dict(url.url.params) == {
        "start": str(int(START.timestamp())),
        "span": "5",
        "period": "1d",
    }


def test_a_coin_defillama_does_not_price_is_a_warning(ll: DefiLlama) -> None:
    table = ll.price_history(["coingecko:bitcoin", "coingecko:nothing"], start=START, end=END)

    assert set(table.to_polars()["provider_id"]) == {"coingecko:bitcoin"}
    assert "DefiLlama has no price of coingecko:nothing" in table.warnings


def test_prices_at_a_time_read_the_historical_quote(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    quotes = ll.prices(["coingecko:bitcoin", "ethereum:0xdf57"], at="2025-01-01")

    assert (
        fake.requests[0].url.path
        == "/prices/historical/1735689600/coingecko:bitcoin,ethereum:0xdf57"
    )
    quoted = datetime(2024, 12, 31, 23, 59, 30, tzinfo=UTC)
    day = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    assert quotes.rows() == [
        ("coingecko:bitcoin", "BTC", value("coingecko:bitcoin", "price", day), None, 0.99, quoted),
        ("ethereum:0xdf57", "cDAI", value("ethereum:0xdf57", "price", day), 8, 0.99, quoted),
    ]


def test_prices_without_a_time_are_the_current_quotes(ll: DefiLlama, fake: FakeDefiLlama) -> None:
    quotes = ll.prices("coingecko:ethereum")

    assert fake.requests[0].url.path == "/prices/current/coingecko:ethereum"
    assert quotes["coin"].to_list() == ["coingecko:ethereum"]


@pytest.mark.parametrize("method", ["bridge_volume", "derivatives_volume"])
def test_pro_only_series_refuse_a_free_client_before_any_request(
    ll: DefiLlama, fake: FakeDefiLlama, method: str
) -> None:
    with pytest.raises(
        UnsupportedError, match="Pro API only: pass api_key= or set DEFILLAMA_API_KEY"
    ):
        getattr(ll, method)("Ethereum", start=START)

    assert fake.requests == []


def test_bridge_volume_is_deposits_plus_withdrawals_under_the_pro_prefix(
    pro: DefiLlama, fake: FakeDefiLlama
) -> None:
    table = pro.bridge_volume("Ethereum", start=START, end=END)

    assert _values(table) == truth("Ethereum", "bridge_volume_24h", START, END)
    assert fake.requests[-1].url.path == f"/{KEY}/bridges/bridgevolume/Ethereum"


def test_derivatives_volume_of_a_protocol_reads_the_pro_summary(
    pro: DefiLlama, fake: FakeDefiLlama
) -> None:
    table = pro.derivatives_volume("dydx", start=START, end=END)

    assert _values(table) == truth("dydx", "derivatives_volume_24h", START, END)
    assert fake.requests[-1].url.path == f"/{KEY}/api/summary/derivatives/dydx"


def test_pro_paths_carry_each_familys_prefix(pro: DefiLlama, fake: FakeDefiLlama) -> None:
    pro.chain_tvl("Ethereum", start=START, end=END)
    pro.stablecoin_supply(start=START, end=END)
    pro.price_history("coingecko:bitcoin", start=START, end=END)

    assert {r.url.host for r in fake.requests} == {"pro-api.llama.fi"}
    assert [r.url.path.replace(KEY, "KEY") for r in fake.requests] == [
        "/KEY/api/v2/chains",
        "/KEY/api/v2/historicalChainTvl/Ethereum",
        "/KEY/stablecoins/stablecoincharts/all",
        "/KEY/coins/chart/coingecko:bitcoin",
    ]


def test_an_unknown_chain_is_refused_with_close_names_after_the_catalogue_only(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    with pytest.raises(ValidationError, match=r"no chain named 'Etherium'.*did you mean Ethereum"):
        ll.chain_tvl("Etherium", start=START)

    assert [r.url.path for r in fake.requests] == ["/v2/chains"]


def test_an_unknown_name_for_fees_looks_in_both_lists(ll: DefiLlama) -> None:
    with pytest.raises(ValidationError, match=r"no chain or protocol named 'aavee'.*aave"):
        ll.fees("aavee", start=START)


def test_a_404_is_a_not_found_error_naming_provider_and_endpoint(
    ll: DefiLlama, fake: FakeDefiLlama
) -> None:
    fake.fail_next(404, path="/historicalChainTvl")

    with pytest.raises(NotFoundError) as caught:
        ll.chain_tvl("Ethereum", start=START)

    assert caught.value.provider == "defillama"
    assert caught.value.endpoint == "/v2/historicalChainTvl/Ethereum"
    assert caught.value.status == 404


def test_an_answer_of_another_shape_is_a_response_format_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"chains": "a mapping, not a list"})

    client = DefiLlama(http_transport=httpx.MockTransport(answer))

    with pytest.raises(ResponseFormatError, match="defillama /v2/chains"):
        client.chains()


def test_a_date_that_is_not_seconds_is_a_response_format_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"date": "yesterday", "totalCirculatingUSD": {}}])

    client = DefiLlama(http_transport=httpx.MockTransport(answer))

    with pytest.raises(ResponseFormatError, match="not Unix seconds: 'yesterday'"):
        client.stablecoin_supply(start=START)
