"""Bad arguments raise `ValidationError` before the request they concern (or before any request)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cryptodata import Coinalyze, ValidationError

from .conftest import NOW_DT, FakeCoinalyze

H = timedelta(hours=1)


def test_unknown_symbol_names_it_and_close_matches_before_any_data_request(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    with pytest.raises(ValidationError) as caught:
        cz.open_interest_history(
            ["BTCUSDT_PERP.A", "BTCUSDT_PERP.B"], interval="1h", start=NOW_DT - H, end=NOW_DT
        )

    assert str(caught.value) == (
        "unknown Coinalyze symbol 'BTCUSDT_PERP.B'; did you mean 'BTCUSDT_PERP.A', "
        "'BTCUSDT_PERP.3', 'BTCUSD_PERP.A'? (symbols are case-sensitive; find them with "
        "resolve() or future_markets())"
    )
    assert [call.path for call in fake.calls] == ["/exchanges", "/future-markets", "/spot-markets"]
    assert fake.data_calls == []


def test_symbols_are_case_sensitive(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError, match=r"unknown Coinalyze symbol 'btcusdt_perp\.A'"):
        cz.funding_rate("btcusdt_perp.A")

    assert fake.data_calls == []


def test_unknown_symbol_in_snapshot_raises_before_data_request(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    with pytest.raises(ValidationError, match=r"unknown Coinalyze symbol 'ETHUSDT_PERP\.A'"):
        cz.open_interest(["BTCUSDT_PERP.A", "ETHUSDT_PERP.A"])

    assert fake.data_calls == []


@pytest.mark.parametrize(
    "symbol",
    [
        "BINANCE:BTCUSDT",
        "BTCUSDT",
        "BTC USDT.A",
        "BTCUSDT_PERP.",
        ".A",
        "A.A,B.A",
        "BTCUSDT_PERP.A\n",
    ],
)
def test_malformed_symbol_raises_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze, symbol: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        cz.ohlcv_history(symbol, interval="1h", start=NOW_DT - H, end=NOW_DT)

    assert str(caught.value).startswith(f"malformed Coinalyze symbol {symbol!r}")
    assert fake.calls == []


def test_empty_symbol_list_raises_before_any_request(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError, match="symbols must not be empty"):
        cz.funding_rate_history([], interval="1h", start=NOW_DT - H, end=NOW_DT)

    assert fake.calls == []


@pytest.mark.parametrize("interval", ["3h", "hourly", "", "1H"])
def test_bad_interval_raises_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze, interval: str
) -> None:
    with pytest.raises(ValidationError, match=f"unknown interval {interval!r}"):
        cz.open_interest_history("BTCUSDT_PERP.A", interval=interval, start=NOW_DT - H)

    assert fake.calls == []


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW_DT, NOW_DT),
        (NOW_DT, NOW_DT - H),
        ("2025-06-02", "2025-06-01"),
    ],
)
def test_start_not_before_end_raises_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze, start: Any, end: Any
) -> None:
    with pytest.raises(ValidationError, match=r"start \(.*\) must be before end"):
        cz.liquidation_history("BTCUSDT_PERP.A", interval="1h", start=start, end=end)

    assert fake.calls == []


@pytest.mark.parametrize(
    ("start", "end", "name"),
    [
        (1748736000.0, None, "start"),
        (None, None, "start"),
        ("2025-06-01", 1748822400.5, "end"),
        ("yesterday", None, "start"),
        (True, None, "start"),
    ],
)
def test_bad_time_type_raises_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze, start: Any, end: Any, name: str
) -> None:
    with pytest.raises(ValidationError, match=f"^{name}"):
        cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=start, end=end)

    assert fake.calls == []


def test_epoch_seconds_instead_of_ms_raises_with_a_hint(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    with pytest.raises(ValidationError, match="looks like epoch seconds; multiply by 1000"):
        cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=1748736000)

    assert fake.calls == []


def test_epoch_ms_start_is_sent_as_seconds(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start=1748736000000, end=1748739600000)

    assert fake.data_calls[0].param_dict["from"] == "1748736000"
    assert fake.data_calls[0].param_dict["to"] == "1748739599"


def test_unknown_aggregate_kind_raises_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    with pytest.raises(ValidationError, match="cannot aggregate 'funding_rate'"):
        cz.aggregate("funding_rate", "BTC", interval="1h", start=NOW_DT - H)  # type: ignore[arg-type]

    assert fake.calls == []


def test_a_symbol_with_a_trailing_newline_is_malformed_in_every_method(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    symbol = "BTCUSDT_PERP.A\n"  # as read from a file, line by line

    for call in (
        lambda: cz.funding_rate(symbol),
        lambda: cz.plan("funding_rate", [symbol]),
        lambda: cz.series("open_interest", [symbol], interval="1h"),
    ):
        with pytest.raises(
            ValidationError, match=r"malformed Coinalyze symbol 'BTCUSDT_PERP\.A\\n'"
        ):
            call()

    assert fake.calls == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda cz: cz.aggregate("open_interest", 123, interval="1h", start=NOW_DT - H),
            "base must be a non-empty string, got 123",
        ),
        (
            lambda cz: cz.aggregate(
                "open_interest", "BTC", interval="1h", start=NOW_DT - H, exchanges=[123]
            ),
            "exchanges must hold non-empty strings, got 123",
        ),
        (
            lambda cz: cz.aggregate(
                "open_interest", "BTC", interval="1h", start=NOW_DT - H, exchanges=123
            ),
            "exchanges must be a string or a list of strings, not int",
        ),
        (
            lambda cz: cz.aggregate(["open_interest"], "BTC", interval="1h", start=NOW_DT - H),
            r"cannot aggregate \['open_interest'\]",
        ),
        (
            lambda cz: cz.resolve(exchange="binance", base=123),
            "base must be a non-empty string, got 123",
        ),
        (
            lambda cz: cz.resolve(exchange=6, base="BTC"),
            "exchange must be a non-empty string, got 6",
        ),
        (
            lambda cz: cz.resolve(exchange="binance", base="BTC", quote=["USDT"]),
            r"quote must be a non-empty string, got \['USDT'\]",
        ),
        (
            lambda cz: cz.plan(["funding_rate"], "BTCUSDT_PERP.A"),
            r"unknown Coinalyze endpoint \['funding_rate'\]",
        ),
        (lambda cz: cz.funding_rate(123), "symbols must be a string or a list of strings"),
        (lambda cz: cz.funding_rate([123]), "symbols must hold non-empty strings, got 123"),
    ],
    ids=[
        "aggregate-base",
        "aggregate-exchange-item",
        "aggregate-exchanges",
        "aggregate-kind",
        "resolve-base",
        "resolve-exchange",
        "resolve-quote",
        "plan-method",
        "symbols-int",
        "symbols-item",
    ],
)
def test_arguments_of_the_wrong_type_are_validation_errors_before_any_request(
    cz: Coinalyze, fake: FakeCoinalyze, call: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        call(cz)

    assert fake.calls == []


def test_missing_api_key_raises_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)

    with pytest.raises(ValidationError, match="no Coinalyze API key"):
        Coinalyze()


def test_api_key_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, fake: FakeCoinalyze, clock: Any
) -> None:
    monkeypatch.setenv("COINALYZE_API_KEY", fake.api_key)

    with Coinalyze(clock=clock) as client:
        client.exchanges()

    assert fake.statuses() == [200, 200, 200]
