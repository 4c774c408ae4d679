"""The one argument rule of the library: a lone string is one name; items are non-empty strings."""

from __future__ import annotations

import pytest

from cryptodata import Kind, ValidationError
from cryptodata.core._args import names, text


def test_a_lone_string_is_one_name() -> None:
    assert names("symbols", "BTCUSDT_PERP.A") == ["BTCUSDT_PERP.A"]


def test_any_iterable_of_strings_is_read_in_order_each_once() -> None:
    assert names("bases", (base for base in ["ETH", "BTC", "ETH"])) == ["ETH", "BTC"]


def test_str_subclasses_such_as_kinds_are_kept() -> None:
    (kind,) = names("kinds", Kind.OHLCV)

    assert kind is Kind.OHLCV


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (123, r"^symbols must be a string or a list of strings, not int \(123\)$"),
        (None, r"^symbols must be a string or a list of strings, not NoneType \(None\)$"),
        (b"BTC.A", r"^symbols must be a string or a list of strings, not bytes \(b'BTC.A'\)$"),
        ([], r"^symbols must not be empty$"),
        (["BTC.A", 1], r"^symbols must hold non-empty strings, got 1$"),
        (["BTC.A", " "], r"^symbols must hold non-empty strings, got ' '$"),
        ([["BTC.A"]], r"^symbols must hold non-empty strings, got \['BTC.A'\]$"),
    ],
)
def test_anything_else_is_a_validation_error_naming_the_argument(
    values: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        names("symbols", values)  # type: ignore[arg-type]


def test_an_empty_collection_is_allowed_when_asked() -> None:
    assert names("exclude", (), allow_empty=True) == []


@pytest.mark.parametrize("value", [None, 5, "", "  ", ["BTC"]])
def test_text_refuses_what_is_not_a_non_empty_string(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        text("base", value)

    assert str(caught.value) == f"base must be a non-empty string, got {value!r}"
