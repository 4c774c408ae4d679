"""`parse_clearinghouse`: a trader's positions and account, to the kinds' schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from cryptodata.core.errors import ResponseFormatError, ValidationError
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table
from cryptodata.providers.hyperliquid.positions import parse_clearinghouse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hyperliquid"
BODY = (FIXTURES / "clearinghouse_state.json").read_bytes()
EMPTY = (FIXTURES / "clearinghouse_state_empty.json").read_bytes()
ADDRESS = "0x" + "Ab" * 20
FETCHED = datetime(2026, 12, 3, 7, 0, 5, tzinfo=UTC)
SERVER_TIME = datetime(2024, 2, 22, 17, 19, 58, 623_000, tzinfo=UTC)


def parse(body: bytes = BODY) -> tuple[pl.DataFrame, pl.DataFrame]:
    return parse_clearinghouse(body, address=ADDRESS, ts=FETCHED)


def position(coin: str) -> dict[str, Any]:
    rows = parse()[0].iter_rows(named=True)
    return next(row for row in rows if row["symbol"] == coin)


def without_time(body: bytes) -> bytes:
    state = json.loads(body)
    del state["time"]
    return json.dumps(state).encode()


def test_frames_have_exactly_the_positions_and_account_schemas() -> None:
    positions, account = parse()

    assert positions.schema == schema(Kind.POSITIONS)
    assert account.schema == schema(Kind.ACCOUNT_SUMMARY)
    assert len(Table(Kind.POSITIONS, positions)) == 2
    assert len(Table(Kind.ACCOUNT_SUMMARY, account)) == 1


def test_size_is_signed_and_side_follows_its_sign() -> None:
    assert (position("ETH")["size"], position("ETH")["side"]) == (0.0335, "long")
    assert (position("kPEPE")["size"], position("kPEPE")["side"]) == (-125000.0, "short")


def test_null_liquidation_price_stays_null() -> None:
    assert position("kPEPE")["liquidation_price"] is None
    assert position("ETH")["liquidation_price"] == 2866.26936529


def test_leverage_type_and_value_come_from_the_leverage_object() -> None:
    eth, pepe = position("ETH"), position("kPEPE")

    assert (eth["leverage_type"], eth["leverage"], eth["max_leverage"]) == ("isolated", 20.0, 50.0)
    assert (pepe["leverage_type"], pepe["leverage"], pepe["max_leverage"]) == ("cross", 5.0, 10.0)


def test_position_values_are_the_answers_numbers() -> None:
    eth = position("ETH")

    assert eth["entry_price"] == 2986.3
    assert eth["position_value"] == 100.02765
    assert eth["unrealized_pnl"] == -0.0134
    assert eth["return_on_equity"] == -0.0026789
    assert eth["margin_used"] == 4.967826


def test_cumulative_funding_is_since_open() -> None:
    assert position("ETH")["cumulative_funding"] == 0.0
    assert position("kPEPE")["cumulative_funding"] == -3.25


def test_symbol_is_the_coin_and_base_its_asset() -> None:
    pepe = position("kPEPE")

    assert (pepe["symbol"], pepe["base"]) == ("kPEPE", "PEPE")
    assert (position("ETH")["symbol"], position("ETH")["base"]) == ("ETH", "ETH")


def test_fields_the_answer_leaves_out_are_null() -> None:
    body = (
        b'{"assetPositions":[{"position":{"coin":"xyz:TSLA","szi":"2",'
        b'"leverage":{"type":"isolated","value":3}}}],"marginSummary":{}}'
    )

    positions, account = parse(body)

    assert positions.row(0, named=True) == {
        "provider": "hyperliquid",
        "exchange": "hyperliquid",
        "address": ADDRESS.lower(),
        "symbol": "xyz:TSLA",
        "base": "TSLA",
        "ts": FETCHED,
        "size": 2.0,
        "side": "long",
        "entry_price": None,
        "position_value": None,
        "unrealized_pnl": None,
        "return_on_equity": None,
        "leverage_type": "isolated",
        "leverage": 3.0,
        "max_leverage": None,
        "liquidation_price": None,
        "margin_used": None,
        "cumulative_funding": None,
    }
    assert account.row(0)[4:] == (None, None, None, None, None)


def test_rows_name_provider_exchange_and_the_lower_cased_address() -> None:
    positions, account = parse()

    for frame in (positions, account):
        assert set(frame["provider"]) == {"hyperliquid"}
        assert set(frame["exchange"]) == {"hyperliquid"}
        assert set(frame["address"]) == {ADDRESS.lower()}


def test_ts_is_the_servers_time_when_the_answer_has_one() -> None:
    positions, account = parse()

    assert set(positions["ts"]) == {SERVER_TIME}
    assert account["ts"].to_list() == [SERVER_TIME]


def test_ts_is_the_fetch_time_when_the_answer_has_none() -> None:
    positions, account = parse(without_time(BODY))

    assert set(positions["ts"]) == {FETCHED}
    assert account["ts"].to_list() == [FETCHED]


def test_account_row_holds_the_margin_summary_and_withdrawable() -> None:
    _, account = parse()

    assert account.row(0, named=True) == {
        "provider": "hyperliquid",
        "exchange": "hyperliquid",
        "address": ADDRESS.lower(),
        "ts": SERVER_TIME,
        "account_value": 13109.482328,
        "margin_used": 296.380326,
        "total_notional": 1557.09015,
        "withdrawable": 12813.102,
        "maintenance_margin": 72.853125,
    }


def test_empty_positions_give_an_empty_frame_and_still_one_account_row() -> None:
    positions, account = parse(EMPTY)

    assert positions.height == 0
    assert positions.schema == schema(Kind.POSITIONS)
    assert account.height == 1
    assert account.row(0)[4:] == (0.0, 0.0, 0.0, 0.0, 0.0)


def test_bad_address_raises_validation_error_before_parsing() -> None:
    with pytest.raises(ValidationError, match="not a Hyperliquid address"):
        parse_clearinghouse(b"not json", address="0x123", ts=FETCHED)


def _edit(path: tuple[str | int, ...], value: Any) -> bytes:
    state = json.loads(BODY)
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(state).encode()


_FIRST = ("assetPositions", 0, "position")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html>502 Bad Gateway</html>", id="not json"),
        pytest.param(b"[]", id="not an object"),
        pytest.param(b'{"assetPositions": []}', id="no margin summary"),
        pytest.param(_edit(("assetPositions",), {}), id="positions not a list"),
        pytest.param(_edit((*_FIRST, "szi"), "big"), id="size not a number"),
        pytest.param(_edit((*_FIRST, "szi"), "0.0"), id="size zero"),
        pytest.param(_edit((*_FIRST, "leverage", "type"), "portfolio"), id="unknown leverage"),
        pytest.param(_edit((*_FIRST, "leverage"), None), id="no leverage"),
        pytest.param(_edit(("time",), 1708622398), id="time in seconds"),
    ],
)
def test_malformed_body_raises_response_format_error_naming_provider_and_endpoint(
    body: bytes,
) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse(body)

    assert caught.value.provider == "hyperliquid"
    assert caught.value.endpoint == "info clearinghouseState"


def test_bundled_sample_is_the_fixture() -> None:
    samples = resources.files("cryptodata.providers.hyperliquid") / "samples"

    assert (samples / "clearinghouse_state.json").read_bytes() == BODY
