"""`parse_leaderboard`: one window by name, ranked, filtered and cut, to the kind's schema."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptodata.core.errors import ResponseFormatError, ValidationError
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table
from cryptodata.providers.hyperliquid.leaderboard import (
    RANKS,
    WINDOWS,
    parse_leaderboard,
    validate_leaderboard_args,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hyperliquid"
BODY = (FIXTURES / "leaderboard.json").read_bytes()
TS = datetime(2026, 12, 3, 7, 0, 0, 123_456, tzinfo=UTC)
TS_MS = datetime(2026, 12, 3, 7, 0, 0, 123_000, tzinfo=UTC)

WHALE = "0x5b5d51203a0f9079f8aeb098a6523a13f298c060"
ANONYMOUS = "0x31ca8395cf837de08b24da3f660e77761dfb974b"
NO_MONTH = "0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
SMALL = "0x0000000000000000000000000000000000000001"


def parse(body: bytes = BODY, **kwargs: Any) -> pl.DataFrame:
    return parse_leaderboard(body, ts=kwargs.pop("ts", TS), **{"window": "week", **kwargs})


def by_address(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["address"]: row for row in frame.iter_rows(named=True)}


def row_body(*rows: dict[str, Any]) -> bytes:
    return json.dumps({"leaderboardRows": list(rows)}).encode()


def trader(address: str, account_value: str | None, **week: str | None) -> dict[str, Any]:
    return {
        "ethAddress": address,
        "accountValue": account_value,
        "displayName": None,
        "windowPerformances": [["week", week]],
    }


def test_frame_has_exactly_the_leaderboard_schema() -> None:
    frame = parse()

    assert frame.schema == schema(Kind.LEADERBOARD)
    assert len(Table(Kind.LEADERBOARD, frame)) == 4


def test_empty_leaderboard_gives_an_empty_frame_with_the_schema() -> None:
    frame = parse(b'{"leaderboardRows":[]}')

    assert frame.height == 0
    assert frame.schema == schema(Kind.LEADERBOARD)


def test_window_is_looked_up_by_name_not_position() -> None:
    # The whale's first pair is `perpDay` (pnl 999999) and the anonymous trader's `day` is
    # last in its list.
    rows = by_address(parse(window="day"))

    assert rows[WHALE]["pnl"] == -1234.5678
    assert rows[WHALE]["roi"] == -0.000032
    assert rows[WHALE]["volume"] == 85000000.25
    assert rows[ANONYMOUS]["pnl"] == 0.0
    assert rows[ANONYMOUS]["volume"] == 0.0


def test_rows_lacking_the_window_are_skipped() -> None:
    frame = parse(window="month")

    assert sorted(frame["address"]) == sorted([WHALE, ANONYMOUS, SMALL])


def test_string_numbers_parse_to_the_nearest_double() -> None:
    rows = by_address(parse(window="week"))

    assert rows[ANONYMOUS]["pnl"] == 0.1
    assert rows[ANONYMOUS]["roi"] == 0.0000001
    assert rows[WHALE]["volume"] == 901234567.89
    assert rows[WHALE]["account_value"] == 38234567.123456
    assert rows[NO_MONTH]["pnl"] == -20000.0


def test_a_plain_json_number_reads_as_the_same_value() -> None:
    body = BODY.replace(b'"38234567.123456"', b"38234567.123456")

    assert parse(body).equals(parse())


def test_null_display_name_stays_null() -> None:
    rows = by_address(parse())

    assert rows[ANONYMOUS]["display_name"] is None
    assert rows[WHALE]["display_name"] == "Whale"
    assert rows[NO_MONTH]["display_name"] == "rekt.hl"


def test_addresses_are_lower_cased() -> None:
    assert set(parse()["address"]) == {WHALE, ANONYMOUS, NO_MONTH, SMALL}


def test_every_row_carries_provider_window_and_fetch_time_to_the_millisecond() -> None:
    frame = parse(window="allTime")

    assert set(frame["provider"]) == {"hyperliquid"}
    assert set(frame["window"]) == {"allTime"}
    assert set(frame["ts"]) == {TS_MS}


def test_rows_are_ranked_by_pnl_highest_first_by_default() -> None:
    assert parse()["address"].to_list() == [WHALE, SMALL, ANONYMOUS, NO_MONTH]


@pytest.mark.parametrize(
    ("rank_by", "order"),
    [
        ("roi", [SMALL, WHALE, ANONYMOUS, NO_MONTH]),
        ("volume", [WHALE, ANONYMOUS, NO_MONTH, SMALL]),
        ("account_value", [WHALE, ANONYMOUS, NO_MONTH, SMALL]),
    ],
)
def test_rank_by_orders_that_column_highest_first(rank_by: str, order: list[str]) -> None:
    assert parse(rank_by=rank_by)["address"].to_list() == order


def test_nulls_rank_last_and_ties_keep_the_body_order() -> None:
    body = row_body(
        trader("0xa", "1", pnl=None),
        trader("0xb", "1", pnl="5"),
        trader("0xc", "1"),
        trader("0xd", "1", pnl="5"),
        trader("0xe", "1", pnl="-5"),
    )

    frame = parse(body)

    assert frame["address"].to_list() == ["0xb", "0xd", "0xe", "0xa", "0xc"]
    assert frame["pnl"].to_list() == [5.0, 5.0, -5.0, None, None]


def test_top_keeps_the_highest_ranked_rows() -> None:
    assert parse(top=2)["address"].to_list() == [WHALE, SMALL]
    assert parse(top=2, rank_by="volume")["address"].to_list() == [WHALE, ANONYMOUS]


def test_top_beyond_the_rows_keeps_them_all() -> None:
    assert parse(top=1000).height == 4


def test_min_account_value_drops_smaller_and_unknown_accounts() -> None:
    body = row_body(
        trader("0xa", "100.0", pnl="1"),
        trader("0xb", "99.99", pnl="2"),
        trader("0xc", None, pnl="3"),
        trader("0xd", "1000", pnl="4"),
    )

    assert parse(body, min_account_value=100)["address"].to_list() == ["0xd", "0xa"]


def test_min_account_value_applies_before_top() -> None:
    frame = parse(min_account_value=50_000, top=2)

    assert frame["address"].to_list() == [WHALE, ANONYMOUS]


@pytest.mark.parametrize("window", ["weekly", "perpDay", "Day", "alltime", ""])
def test_unknown_window_raises_validation_error_listing_the_windows(window: str) -> None:
    with pytest.raises(ValidationError, match="use one of day, week, month, allTime"):
        parse(window=window)


@pytest.mark.parametrize("top", [0, -1, True, 1.5, "10"])
def test_top_that_is_not_a_whole_number_of_at_least_one_raises(top: object) -> None:
    with pytest.raises(ValidationError, match="top must be"):
        parse(top=top)


@pytest.mark.parametrize("rank_by", ["vlm", "PNL", "display_name", ""])
def test_unknown_rank_by_raises_validation_error_listing_the_ranks(rank_by: str) -> None:
    with pytest.raises(ValidationError, match="use one of pnl, roi, volume, account_value"):
        parse(rank_by=rank_by)


@pytest.mark.parametrize("minimum", [math.nan, math.inf, "100", True])
def test_min_account_value_that_is_not_a_finite_number_raises(minimum: object) -> None:
    with pytest.raises(ValidationError, match="min_account_value"):
        parse(min_account_value=minimum)


def test_arguments_are_checked_before_the_body_is_read() -> None:
    with pytest.raises(ValidationError):
        parse(b"<html>403 Forbidden</html>", window="weekly")


@pytest.mark.parametrize(
    "arguments",
    [
        {"window": "weekly"},
        {"window": "week", "top": 0},
        {"window": "week", "rank_by": "vlm"},
        {"window": "week", "min_account_value": math.nan},
    ],
)
def test_validate_leaderboard_args_refuses_what_the_parser_refuses(
    arguments: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        validate_leaderboard_args(**arguments)


def test_validate_leaderboard_args_accepts_every_window_and_rank() -> None:
    for window in WINDOWS:
        for rank_by in RANKS:
            validate_leaderboard_args(window=window, top=1, min_account_value=0.0, rank_by=rank_by)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>403 Forbidden</html>",
        b"",
        b"[]",
        b"{}",
        b'{"leaderboardRows": {}}',
        b'{"leaderboardRows": [{"accountValue": "1"}]}',
        b'{"leaderboardRows": [{"ethAddress": "0xa", "accountValue": "lots"}]}',
        b'{"leaderboardRows": [{"ethAddress": "0xa", "windowPerformances": [{"week": {}}]}]}',
        b'{"leaderboardRows": [{"ethAddress": "0xa", "windowPerformances": [["week", {"pnl": ""}]]}]}',
    ],
)
def test_malformed_body_raises_response_format_error_naming_provider_and_endpoint(
    body: bytes,
) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse(body)

    assert caught.value.provider == "hyperliquid"
    assert caught.value.endpoint == "leaderboard"
    assert caught.value.body == body.decode()


def test_bundled_sample_is_the_fixture() -> None:
    sample = resources.files("cryptodata.providers.hyperliquid") / "samples" / "leaderboard.json"

    assert sample.read_bytes() == BODY


# Property: the parser equals a plain-Python reference (json.loads and loops) on any body.

_NUMBER = st.from_regex(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,10})?", fullmatch=True).filter(
    # -0.0 equals 0.0 but may sort apart from it; the venue does not write it.
    lambda text: not (text.startswith("-") and float(text) == 0)
)
_VALUE = st.one_of(st.none(), _NUMBER)
_PERFORMANCE = st.dictionaries(st.sampled_from(["pnl", "roi", "vlm"]), _VALUE)
_ROW = st.fixed_dictionaries(
    {
        "ethAddress": st.from_regex(r"0x[0-9a-fA-F]{4}", fullmatch=True),
        "accountValue": _VALUE,
        "displayName": st.one_of(st.none(), st.text(max_size=8)),
        "prize": st.integers(0, 10),
        "windowPerformances": st.lists(
            st.tuples(st.sampled_from([*WINDOWS, "perpDay"]), _PERFORMANCE),
            max_size=5,
            unique_by=lambda pair: pair[0],
        ),
    }
)


def _reference(
    body: bytes, window: str, top: int | None, minimum: float | None, rank_by: str
) -> list[tuple[Any, ...]]:
    """What the parser should give, the slow obvious way."""

    def number(value: str | None) -> float | None:
        return None if value is None else float(value)

    rows = []
    for row in json.loads(body)["leaderboardRows"]:
        account = number(row["accountValue"])
        if minimum is not None and (account is None or account < minimum):
            continue
        for name, performance in row["windowPerformances"]:
            if name == window:
                rows.append(
                    {
                        "address": row["ethAddress"].lower(),
                        "display_name": row["displayName"],
                        "account_value": account,
                        "pnl": number(performance.get("pnl")),
                        "roi": number(performance.get("roi")),
                        "volume": number(performance.get("vlm")),
                    }
                )
    ranked = sorted(
        rows,
        key=lambda row: (row[rank_by] is None, 0.0 if row[rank_by] is None else -row[rank_by]),
    )
    values = ("display_name", "account_value", "pnl", "roi", "volume")
    return [
        ("hyperliquid", row["address"], window, TS_MS, *(row[name] for name in values))
        for row in ranked[:top]
    ]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(_ROW, max_size=12),
    window=st.sampled_from(WINDOWS),
    top=st.one_of(st.none(), st.integers(1, 8)),
    minimum=st.one_of(st.none(), st.floats(-10.0, 1000.0)),
    rank_by=st.sampled_from(RANKS),
)
def test_parser_equals_a_plain_python_reference(
    rows: list[dict[str, Any]],
    window: str,
    top: int | None,
    minimum: float | None,
    rank_by: str,
) -> None:
    body = row_body(*rows)

    frame = parse_leaderboard(
        body, window=window, ts=TS, top=top, min_account_value=minimum, rank_by=rank_by
    )

    assert frame.rows() == _reference(body, window, top, minimum, rank_by)
