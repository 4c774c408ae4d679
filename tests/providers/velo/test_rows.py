"""`Velo.rows` and `Velo.products` against the fake Velo server."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import httpx
import polars as pl
import pytest

from cryptodata import (
    AuthenticationError,
    BadRequestError,
    Kind,
    ManualClock,
    ServerError,
    ValidationError,
    Velo,
    schema,
)
from cryptodata.core.entities import EntityMaster

from .fake import KEY, NOW_DT, FakeVelo, truth

H = timedelta(hours=1)
START = NOW_DT - 6 * H
PRICE_OI_FUNDING = ["close_price", "dollar_open_interest_close", "funding_rate"]


def _rows(ve: Velo, **overrides: object) -> pl.DataFrame:
    arguments: dict[str, object] = {
        "exchanges": ["binance-futures", "bybit"],
        "products": ["BTCUSDT"],
        "columns": PRICE_OI_FUNDING,
        "interval": "1h",
        "start": START,
        "end": NOW_DT,
        **overrides,
    }
    return ve.rows(**arguments).to_polars()  # type: ignore[arg-type]


def test_rows_hold_the_servers_values_under_canonical_names(ve: Velo) -> None:
    frame = _rows(ve)

    assert frame.schema == schema(Kind.METRIC)
    first = frame.filter(pl.col("provider_id") == "bybit:BTCUSDT", pl.col("metric") == "price").row(
        0, named=True
    )
    assert first == {
        "provider": "velo",
        "entity": "bitcoin",
        "metric": "price",
        "interval": "1h",
        "ts": START,
        "value": truth("bybit", "BTCUSDT", "close_price", int(START.timestamp() * 1000)),
        "unit": "usd",
        "provider_id": "bybit:BTCUSDT",
    }
    assert sorted(set(frame["metric"])) == ["funding_rate", "open_interest_usd", "price"]
    assert frame.height == 2 * 3 * 6


def test_the_key_travels_as_http_basic_with_user_api(ve: Velo, fake: FakeVelo) -> None:
    sent: list[httpx.Request] = []
    client = Velo(
        api_key=KEY,
        clock=fake.clock,
        http_transport=httpx.MockTransport(lambda r: sent.append(r) or fake.handle(r)),
    )
    client.products("futures")

    token = sent[0].headers["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(token).decode() == f"api:{KEY}"


def test_resolution_is_integer_minutes_and_the_window_whole_buckets(
    ve: Velo, fake: FakeVelo
) -> None:
    _rows(ve, interval="4h", start=START + timedelta(minutes=5), end=NOW_DT - timedelta(minutes=5))

    (call,) = fake.of("/rows")
    assert call.params["resolution"] == "240"
    assert int(call.params["begin"]) == int((START - 2 * H).timestamp() * 1000)
    assert int(call.params["end"]) == int(NOW_DT.timestamp() * 1000)


def test_velos_own_day_spelling_is_accepted(ve: Velo, fake: FakeVelo) -> None:
    _rows(ve, interval="1D", start=NOW_DT - 48 * H)

    assert fake.of("/rows")[0].params["resolution"] == "1440"


def test_lists_are_sent_comma_joined(ve: Velo, fake: FakeVelo) -> None:
    _rows(ve)

    (call,) = fake.of("/rows")
    assert call.params["exchanges"] == "binance-futures,bybit"
    assert call.params["columns"] == ",".join(PRICE_OI_FUNDING)
    assert call.params["type"] == "futures"


def test_a_long_window_is_split_into_as_many_calls_as_the_plan_says(
    ve: Velo, fake: FakeVelo
) -> None:
    start = NOW_DT - timedelta(days=30)
    found = ve.plan(
        exchanges=["binance-futures"],
        products=["BTCUSDT", "ETHUSDT", "SOLUSDT"],
        columns=PRICE_OI_FUNDING,
        interval="5m",
        start=start,
        end=NOW_DT,
    )

    frame = _rows(
        ve,
        exchanges=["binance-futures"],
        products=["BTCUSDT", "ETHUSDT", "SOLUSDT"],
        interval="5m",
        start=start,
    )

    assert len(fake.of("/rows")) == len(found.requests) == found.minimum == found.lower_bound == 4
    assert frame.height == 3 * 3 * 30 * 288
    assert frame.select("provider_id", "metric", "ts").is_duplicated().sum() == 0


def test_the_plan_is_exactly_the_requests_rows_sends(ve: Velo, fake: FakeVelo) -> None:
    arguments: dict[str, Any] = {
        "exchanges": ["binance-futures", "bybit"],
        "products": ["BTCUSDT", "ETHUSDT"],
        "columns": PRICE_OI_FUNDING,
        "interval": "1m",
        "start": NOW_DT - timedelta(days=3),
        "end": NOW_DT,
    }
    planned = [dict(request.request().params) for request in ve.plan(**arguments).requests]
    assert fake.calls == []

    ve.rows(**arguments)

    assert [call.params for call in fake.of("/rows")] == planned
    assert len(planned) == 3  # ceil(2 x 2 x 3 x 4,320 / 22,500)


def test_coins_ask_each_coins_rows_on_each_exchange(ve: Velo, fake: FakeVelo) -> None:
    frame = _rows(ve, products=None, coins=["BTC", "ETH"], columns=["close_price"])

    (call,) = fake.of("/rows")
    assert call.params["coins"] == "BTC,ETH"
    assert sorted(set(frame["provider_id"])) == [
        "binance-futures:coin:BTC",
        "binance-futures:coin:ETH",
        "bybit:coin:BTC",
        "bybit:coin:ETH",
    ]
    assert sorted(set(frame["entity"])) == ["bitcoin", "ethereum"]


def test_the_basis_is_asked_by_coin_alone(ve: Velo, fake: FakeVelo) -> None:
    frame = _rows(ve, exchanges=None, products=None, coins="BTC", columns="3m_basis_ann")

    (call,) = fake.of("/rows")
    assert "exchanges" not in call.params
    assert set(frame["provider_id"]) == {"BTC"}
    assert set(frame["metric"]) == {"3m_basis_ann"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"coins": ["BTC"]}, "one of them, not both"),
        ({"products": None}, "one of them, not both"),
        ({"exchanges": None}, "name exchanges="),
        ({"columns": ["close_price", "nope"]}, "no column 'nope'"),
        ({"columns": ["iv_1w"]}, "no column 'iv_1w'"),
        ({"columns": ["3m_basis_ann", "close_price"]}, "asked alone"),
        (
            {"products": None, "exchanges": None, "coins": "SOL", "columns": "3m_basis_ann"},
            "BTC and ETH",
        ),
        ({"products": None, "coins": "BTC", "columns": "3m_basis_ann"}, "asked alone"),
        ({"interval": "3m"}, "3m"),
        ({"start": NOW_DT, "end": START}, "must be before"),
        ({"product_type": "perps"}, "unknown Velo product type"),
    ],
)
def test_bad_arguments_raise_before_any_request(
    ve: Velo, fake: FakeVelo, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _rows(ve, **arguments)

    assert fake.calls == []


def test_an_empty_body_is_an_empty_typed_table(ve: Velo) -> None:
    table = ve.rows(
        exchanges="okex-swap",
        products="NOSUCH",
        columns="close_price",
        interval="1h",
        start=START,
        end=NOW_DT,
    )

    assert len(table) == 0
    assert table.to_polars().schema == schema(Kind.METRIC)


def test_rows_before_the_data_begins_are_an_empty_table(ve: Velo) -> None:
    table = ve.rows(
        exchanges="bybit",
        products="BTCUSDT",
        columns="close_price",
        interval="1d",
        start="2025-06-01",
        end="2025-06-10",
    )

    assert len(table) == 0


def test_minute_rows_for_an_hourly_request_are_resampled_and_flagged(
    ve: Velo, fake: FakeVelo
) -> None:
    fake.minute_rows = True

    table = ve.rows(
        exchanges="bybit",
        products="BTCUSDT",
        columns=["close_price", "coin_volume"],
        interval="1h",
        start=START,
        end=START + H,
    )

    frame = table.to_polars()
    start_ms = int(START.timestamp() * 1000)
    minutes = range(start_ms, start_ms + 3_600_000, 60_000)
    values = dict(zip(frame["metric"], frame["value"], strict=True))
    assert values == {
        "price": truth("bybit", "BTCUSDT", "close_price", minutes[-1]),
        "coin_volume": sum(truth("bybit", "BTCUSDT", "coin_volume", t) for t in minutes),
    }
    assert any("resampled" in warning for warning in table.warnings)


def test_rows_without_a_header_parse_the_same(ve: Velo, fake: FakeVelo) -> None:
    with_header = _rows(ve)
    fake.header = False

    assert _rows(ve).equals(with_header)


def test_dollar_volume_is_a_24h_volume_only_in_daily_rows(ve: Velo) -> None:
    daily = _rows(ve, columns="dollar_volume", interval="1d", start=NOW_DT - 48 * H)
    hourly = _rows(ve, columns="dollar_volume")

    assert set(daily["metric"]) == {"volume_usd_24h"}
    assert set(daily["unit"]) == {"usd"}
    assert set(hourly["metric"]) == {"dollar_volume"}
    assert set(hourly["unit"]) == {""}


def test_a_coin_the_master_lacks_is_slugged(ve: Velo) -> None:
    frame = _rows(ve, exchanges="binance-futures", products="1000PEPEUSDT", columns="close_price")

    assert set(frame["entity"]) == {"pepe"}
    assert set(frame["provider_id"]) == {"binance-futures:1000PEPEUSDT"}


def test_an_entity_override_names_the_rows_coin(fake: FakeVelo) -> None:
    master = EntityMaster.default().load(
        {"pepe-token": {"name": "Pepe", "ids": {"velo": ["PEPE"]}}}
    )
    client = Velo(
        api_key=KEY,
        clock=fake.clock,
        entities=master,
        http_transport=httpx.MockTransport(fake.handle),
    )

    frame = client.rows(
        exchanges="binance-futures",
        products="1000PEPEUSDT",
        columns="close_price",
        interval="1h",
        start=START,
        end=NOW_DT,
    ).to_polars()

    assert set(frame["entity"]) == {"pepe-token"}


def test_a_text_error_body_shows_in_the_typed_error(ve: Velo, fake: FakeVelo) -> None:
    fake.fail_next(400, body="invalid columns: bogus")

    with pytest.raises(BadRequestError, match="invalid columns: bogus") as caught:
        _rows(ve)

    assert caught.value.provider == "velo"
    assert caught.value.endpoint == "/rows"
    assert caught.value.status == 400


def test_a_5xx_is_retried_then_answers(ve: Velo, fake: FakeVelo) -> None:
    fake.fail_next(503, count=1)

    frame = _rows(ve)

    assert frame.height == 36
    assert [call.status for call in fake.calls] == [503, 200]


def test_a_persistent_5xx_is_a_server_error(ve: Velo, fake: FakeVelo) -> None:
    fake.fail_next(502, count=10, body="bad gateway")

    with pytest.raises(ServerError, match="bad gateway"):
        _rows(ve)


def test_a_429_waits_and_retries(ve: Velo, fake: FakeVelo, clock: ManualClock) -> None:
    fake.fail_next(429, headers={"Retry-After": "2"})
    before = clock.time()

    assert _rows(ve).height == 36
    assert clock.time() - before >= 2


def test_a_wrong_key_is_an_authentication_error_that_never_shows_it(fake: FakeVelo) -> None:
    fake.key = "another-key"
    client = Velo(api_key=KEY, clock=fake.clock, http_transport=httpx.MockTransport(fake.handle))

    with pytest.raises(AuthenticationError) as caught:
        client.products("spot")

    token = base64.b64encode(f"api:{KEY}".encode()).decode()
    for text in (str(caught.value), repr(caught.value), repr(client), str(client.stats)):
        assert KEY not in text
        assert token not in text


def test_products_list_the_catalogue(ve: Velo) -> None:
    frame = ve.products("futures")

    assert frame.columns == ["exchange", "coin", "product", "begin", "depth"]
    assert frame.filter(pl.col("exchange") == "bybit")["product"].to_list() == [
        "BTCUSDT",
        "ETHUSDT",
    ]


def test_a_missing_key_is_refused_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VELO_API_KEY", raising=False)

    with pytest.raises(ValidationError, match="VELO_API_KEY"):
        Velo()
