"""The reference's own example answers, parsed to the exact values they hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cryptodata import ResponseFormatError
from cryptodata.core.request import Response
from cryptodata.providers.defillama.parse import (
    parse_bridge_volume,
    parse_chain_tvl,
    parse_chains,
    parse_dimension,
    parse_price_chart,
    parse_prices,
    parse_protocols,
    parse_stablecoin_chart,
    parse_stablecoins,
)


def _answer(body: str) -> Response:
    return Response(200, body=body.encode(), label="/x", provider="defillama")


def test_the_chains_list_keeps_nullable_ids_as_text() -> None:
    frame = parse_chains(
        _answer(
            '[{"gecko_id":"ethereum","tvl":65998652431.4,"tokenSymbol":"ETH","cmcId":"1027",'
            '"name":"Ethereum","chainId":1},{"gecko_id":null,"tvl":1.0,"tokenSymbol":null,'
            '"cmcId":null,"name":"Osmosis","chainId":null}]'
        )
    )

    assert frame.rows() == [
        ("Ethereum", "ethereum", "ETH", "1027", "1", 65998652431.4),
        ("Osmosis", None, None, None, None, 1.0),
    ]


def test_the_protocols_list_reads_the_reference_example() -> None:
    frame = parse_protocols(
        _answer(
            '[{"id":"1","name":"Uniswap","slug":"uniswap","symbol":"UNI","category":"Dexes",'
            '"chains":["Ethereum"],"gecko_id":"uniswap","cmcId":"7083","tvl":4294270703.83,'
            '"chainTvls":{"Ethereum":4294270703.83},"change_1d":4.59,"change_7d":-11.27}]'
        )
    )

    assert frame.row(0) == (
        "1",
        "Uniswap",
        "uniswap",
        "UNI",
        "Dexes",
        ["Ethereum"],
        "uniswap",
        "7083",
        4294270703.83,
        None,
    )


def test_stablecoin_ids_are_strings_in_the_list() -> None:
    frame = parse_stablecoins(
        _answer(
            '{"peggedAssets":[{"id":"1","name":"Tether","symbol":"USDT","pegType":"peggedUSD",'
            '"pegMechanism":"fiat-backed","circulating":{"peggedUSD":159510682147.77},'
            '"chains":["Ethereum","Tron"],"price":1.001}]}'
        )
    )

    assert frame.select("id", "symbol", "gecko_id", "peg_type").row(0) == (
        "1",
        "USDT",
        None,
        "peggedUSD",
    )


def test_chain_tvl_dates_are_integer_seconds() -> None:
    points = parse_chain_tvl(_answer('[{"date":1609459200,"tvl":45000000000.0}]'))

    assert (points.seconds, points.values) == ([1609459200], [45000000000.0])


def test_total_data_chart_pairs_are_seconds_and_values() -> None:
    points = parse_dimension(
        _answer(
            '{"protocols":[],"totalDataChart":[[1640995200,25000000],[1641081600,null]],'
            '"totalDataChartBreakdown":[[1640995200,{"Uniswap":5000000}]],"allChains":["Ethereum"]}'
        )
    )

    assert (points.seconds, points.values) == ([1640995200, 1641081600], [25000000.0, None])


def test_stablecoin_chart_dates_are_strings_and_a_chart_without_usd_is_a_gap() -> None:
    points = parse_stablecoin_chart(
        _answer(
            '[{"date":"1609459200","totalCirculating":{"peggedUSD":45000000000},'
            '"totalCirculatingUSD":{"peggedUSD":45010000000},"totalUnreleased":{"peggedUSD":0},'
            '"totalMintedUSD":{"peggedUSD":4.1e10},"totalBridgedToUSD":{"peggedUSD":3.9e9}},'
            '{"date":"1609545600"}]'
        )
    )

    assert (points.seconds, points.values) == ([1609459200, 1609545600], [45010000000.0, None])


def test_bridge_volume_is_deposits_plus_withdrawals() -> None:
    points = parse_bridge_volume(
        _answer(
            '[{"date":"1665964800","depositUSD":11121806.08,"withdrawUSD":13970177.34,'
            '"depositTxs":218,"withdrawTxs":56}]'
        )
    )

    assert points.seconds == [1665964800]
    assert points.values == [pytest.approx(11121806.08 + 13970177.34)]


def test_the_price_chart_gives_each_coins_points() -> None:
    charts = parse_price_chart(
        _answer(
            '{"coins":{"coingecko:ethereum":{"symbol":"ETH","confidence":0.99,'
            '"prices":[{"timestamp":1666790570,"price":0.9845}]}}}'
        )
    )

    assert {coin: (p.seconds, p.values) for coin, p in charts.items()} == {
        "coingecko:ethereum": ([1666790570], [0.9845])
    }


def test_quotes_read_the_reference_example() -> None:
    frame = parse_prices(
        _answer(
            '{"coins":{"coingecko:ethereum":{"price":3012.5,"symbol":"ETH","timestamp":1711929600,'
            '"confidence":0.99},"ethereum:0xdF57":{"decimals":8,"price":0.0220,"symbol":"cDAI",'
            '"timestamp":1711929590,"confidence":0.99}}}'
        )
    )

    assert frame.rows() == [
        ("coingecko:ethereum", "ETH", 3012.5, None, 0.99, datetime(2024, 4, 1, tzinfo=UTC)),
        ("ethereum:0xdF57", "cDAI", 0.022, 8, 0.99, datetime(2024, 3, 31, 23, 59, 50, tzinfo=UTC)),
    ]


def test_a_plain_text_answer_is_a_response_format_error_naming_the_endpoint() -> None:
    with pytest.raises(ResponseFormatError, match="defillama /x"):
        parse_chain_tvl(_answer("404 page not found"))
