"""Every real sample payload in tests/fixtures/coinalyze/, parsed to the exact values it holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from cryptodata import Coinalyze, Kind, schema
from cryptodata.providers.coinalyze.endpoints import ENDPOINTS
from cryptodata.providers.coinalyze.parse import (
    parse_exchanges,
    parse_future_markets,
    parse_history,
    parse_snapshot,
    parse_spot_markets,
)

from .conftest import FakeCoinalyze, fixture_bytes, fixture_json, percent_to_fraction

JUNE_1 = datetime(2025, 6, 1, tzinfo=UTC)
JUNE_6 = datetime(2025, 6, 6, tzinfo=UTC)
DAYS = [datetime(2025, 6, day, tzinfo=UTC) for day in range(1, 6)]
BTC = "BTCUSDT_PERP.A"
"""The one symbol every sample payload holds."""


def test_parse_exchanges_sample() -> None:
    frame = parse_exchanges(fixture_bytes("exchanges.json"))

    assert frame.height == 26
    assert frame.row(0) == ("P", "Poloniex")
    assert frame.row(25) == ("A", "Binance")
    assert dict(frame.rows())["N"] == "Independent Reserve"


def test_parse_future_markets_sample() -> None:
    frame = parse_future_markets(fixture_bytes("future-markets.json"))

    assert frame.rows() == [
        ("BTCUSD_PERP.A", "A", "BTCUSD_PERP", "BTC", "USD", "future", True, "COIN", None, "quote", True, True, True),
        ("BTCUSDC_PERP.A", "A", "BTCUSDC", "BTC", "USDC", "future", True, "STABLE", None, "base", True, True, True),
        ("BTCUSDT_PERP.A", "A", "BTCUSDT", "BTC", "USDT", "future", True, "STABLE", None, "base", True, True, True),
    ]  # fmt: skip


def test_parse_future_markets_treats_expire_at_zero_as_none() -> None:
    row = {**fixture_json("future-markets.json")[0], "expire_at": 0}

    frame = parse_future_markets(json.dumps([row]).encode())

    assert frame.get_column("expire_at").to_list() == [None]


def test_parse_spot_markets_sample() -> None:
    frame = parse_spot_markets(fixture_bytes("spot-markets.json"))

    assert frame.select("symbol", "symbol_on_exchange", "quote").rows() == [
        ("SOLUSD.A", "SOLUSDT", "USDT"),
        ("BTCUSD.A", "BTCUSDT", "USDT"),
        ("ETHUSD.A", "ETHUSDT", "USDT"),
        ("SUIUSD.A", "SUIUSDT", "USDT"),
    ]
    assert set(frame.get_column("unit").to_list()) == {"base"}
    assert set(frame.get_column("has_ohlcv_data").to_list()) == {True}
    assert set(frame.get_column("has_long_short_ratio_data").to_list()) == {False}


def test_parse_liquidation_history_sample() -> None:
    frame = parse_history(
        ENDPOINTS["liquidation_history"], fixture_bytes("liquidation-history.json"), [BTC]
    ).frame

    assert frame.rows() == [
        ("BTCUSDT_PERP.A", 1748736000, 18.18, 36.237),
        ("BTCUSDT_PERP.A", 1748822400, 23.275, 39.459),
        ("BTCUSDT_PERP.A", 1748908800, 31.713, 28.813),
        ("BTCUSDT_PERP.A", 1748995200, 29.899, 21.684),
        ("BTCUSDT_PERP.A", 1749081600, 119.571, 120.117),
    ]


def test_parse_ohlcv_history_sample() -> None:
    frame = parse_history(
        ENDPOINTS["ohlcv_history"], fixture_bytes("ohlcv-history.json"), [BTC]
    ).frame

    assert frame.columns == [
        "symbol", "t", "open", "high", "low", "close", "volume", "buy_volume", "trades", "buy_trades"
    ]  # fmt: skip
    assert frame.row(0) == (
        "BTCUSDT_PERP.A", 1749513600, 110228.0, 110280.0, 109340.0, 109525.8,
        20879.389, 9571.004, 152326.0, 71990.0,
    )  # fmt: skip
    assert frame.row(4) == (
        "BTCUSDT_PERP.A", 1749571200, 108975.2, 110367.2, 108467.5, 109460.0,
        29872.958, 15227.123, 230026.0, 113691.0,
    )  # fmt: skip


def test_parse_long_short_ratio_history_sample() -> None:
    frame = parse_history(
        ENDPOINTS["long_short_ratio_history"], fixture_bytes("long-short-ratio-history.json"), [BTC]
    ).frame

    assert frame.select("ratio", "long_pct", "short_pct").rows() == [
        (1.1906, 54.35, 45.65),
        (1.1363, 53.19, 46.81),
        (1.0717, 51.73, 48.27),
        (0.9209, 47.94, 52.06),
        (1.0317, 50.78, 49.22),
    ]


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("open_interest_history", "open-interest-history.json"),
        ("funding_rate_history", "funding-rate-history.json"),
        ("predicted_funding_rate_history", "predicted-funding-rate-history.json"),
    ],
)
def test_parse_ohlc_history_samples_keep_raw_values(name: str, file: str) -> None:
    frame = parse_history(ENDPOINTS[name], fixture_bytes(file), [BTC]).frame

    (series,) = fixture_json(file)
    assert frame.rows() == [
        ("BTCUSDT_PERP.A", bar["t"], bar["o"], bar["h"], bar["l"], bar["c"])
        for bar in series["history"]
    ]


@pytest.mark.parametrize(
    ("name", "file", "value", "update"),
    [
        ("open_interest", "open-interest.2025-06-22.json", 78935.814, 1750630167373),
        ("funding_rate", "funding-rate.2025-06-22.json", 0.004145, 1750630168961),
        (
            "predicted_funding_rate",
            "predicted-funding-rate.2025-06-22.json",
            -0.000708,
            1750630167375,
        ),
    ],
)
def test_parse_snapshot_samples(name: str, file: str, value: float, update: int) -> None:
    frame = parse_snapshot(ENDPOINTS[name], fixture_bytes(file), [BTC]).frame

    assert frame.rows() == [("BTCUSDT_PERP.A", update, value)]


# ---------------------------------------------------------------- through the client


def _serve(fake: FakeCoinalyze, path: str, file: str) -> None:
    fake.raw[path] = fixture_bytes(file)


def test_client_liquidations_sample(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    _serve(fake, "/liquidation-history", "liquidation-history.json")

    table = cz.liquidation_history("BTCUSDT_PERP.A", interval="daily", start=JUNE_1, end=JUNE_6)

    assert table.to_polars().schema == schema(Kind.LIQUIDATIONS)
    assert table.to_polars().rows() == [
        ("coinalyze", "binance", "BTCUSDT_PERP.A", "BTC", "1d", DAYS[0], 18.18, 36.237, "base"),
        ("coinalyze", "binance", "BTCUSDT_PERP.A", "BTC", "1d", DAYS[1], 23.275, 39.459, "base"),
        ("coinalyze", "binance", "BTCUSDT_PERP.A", "BTC", "1d", DAYS[2], 31.713, 28.813, "base"),
        ("coinalyze", "binance", "BTCUSDT_PERP.A", "BTC", "1d", DAYS[3], 29.899, 21.684, "base"),
        ("coinalyze", "binance", "BTCUSDT_PERP.A", "BTC", "1d", DAYS[4], 119.571, 120.117, "base"),
    ]
    assert table.warnings == []


def test_client_ohlcv_sample_has_int64_trade_counts(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    _serve(fake, "/ohlcv-history", "ohlcv-history.json")

    table = cz.ohlcv_history(
        "BTCUSDT_PERP.A",
        interval="4h",
        start=datetime(2025, 6, 10, tzinfo=UTC),
        end=datetime(2025, 6, 10, 20, tzinfo=UTC),
    )

    frame = table.to_polars()
    assert frame.schema["trades"] == pl.Int64
    assert frame.schema["buy_trades"] == pl.Int64
    assert len(frame) == 5
    first = frame.row(0, named=True)
    assert first == {
        "provider": "coinalyze",
        "exchange": "binance",
        "symbol": "BTCUSDT_PERP.A",
        "base": "BTC",
        "interval": "4h",
        "ts": datetime(2025, 6, 10, tzinfo=UTC),
        "open": 110228.0,
        "high": 110280.0,
        "low": 109340.0,
        "close": 109525.8,
        "volume": 20879.389,
        "buy_volume": 9571.004,
        "trades": 152326,
        "buy_trades": 71990,
        "unit": "base",
    }
    assert frame.get_column("trades").to_list() == [152326, 140439, 159658, 335944, 230026]
    assert frame.get_column("buy_trades").to_list() == [71990, 66917, 79234, 167913, 113691]
    assert frame.get_column("ts").to_list() == [
        datetime(2025, 6, 10, hour, tzinfo=UTC) for hour in (0, 4, 8, 12, 16)
    ]


def test_client_long_short_ratio_sample(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    _serve(fake, "/long-short-ratio-history", "long-short-ratio-history.json")

    table = cz.long_short_ratio_history(
        "BTCUSDT_PERP.A", interval="daily", start=JUNE_1, end=JUNE_6
    )

    assert table.to_polars().row(0) == (
        "coinalyze", "binance", "BTCUSDT_PERP.A", "BTC", "1d", DAYS[0], 1.1906, 54.35, 45.65
    )  # fmt: skip
    assert len(table) == 5


@pytest.mark.parametrize(
    ("method", "path", "file"),
    [
        ("funding_rate_history", "/funding-rate-history", "funding-rate-history.json"),
        (
            "predicted_funding_rate_history",
            "/predicted-funding-rate-history",
            "predicted-funding-rate-history.json",
        ),
    ],
)
def test_client_funding_samples_are_fractions(
    cz: Coinalyze, fake: FakeCoinalyze, method: str, path: str, file: str
) -> None:
    _serve(fake, path, file)

    table = getattr(cz, method)("BTCUSDT_PERP.A", interval="daily", start=JUNE_1, end=JUNE_6)

    (series,) = fixture_json(file)
    assert table.to_polars().select("ts", "open", "high", "low", "close").rows() == [
        (
            day,
            *(percent_to_fraction(bar[f]) for f in "ohlc"),
        )
        for day, bar in zip(DAYS, series["history"], strict=True)
    ]


def test_client_funding_sample_is_the_exact_decimal_fraction(
    cz: Coinalyze, fake: FakeCoinalyze
) -> None:
    _serve(fake, "/funding-rate-history", "funding-rate-history.json")

    table = cz.funding_rate_history("BTCUSDT_PERP.A", interval="daily", start=JUNE_1, end=JUNE_6)

    assert table.to_polars().item(0, "open") == -0.00000582


def test_client_open_interest_history_sample(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    _serve(fake, "/open-interest-history", "open-interest-history.json")

    table = cz.open_interest_history("BTCUSDT_PERP.A", interval="daily", start=JUNE_1, end=JUNE_6)

    assert table.to_polars().select("ts", "open", "high", "low", "close", "unit").rows() == [
        (DAYS[0], 83549.607, 83849.979, 82405.547, 82802.078, "base"),
        (DAYS[1], 82802.394, 84030.317, 80940.701, 81996.392, "base"),
        (DAYS[2], 81998.863, 84556.501, 80600.38, 82484.507, "base"),
        (DAYS[3], 82484.505, 83191.553, 80742.572, 80788.876, "base"),
        (DAYS[4], 80788.876, 83778.068, 80757.204, 82245.615, "base"),
    ]


def test_client_open_interest_snapshot_sample(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    _serve(fake, "/open-interest", "open-interest.2025-06-22.json")

    table = cz.open_interest("BTCUSDT_PERP.A")

    assert table.to_polars().rows() == [
        (
            "coinalyze",
            "binance",
            "BTCUSDT_PERP.A",
            "BTC",
            datetime(2025, 6, 22, 22, 9, 27, 373000, tzinfo=UTC),
            78935.814,
            "base",
        )
    ]


@pytest.mark.parametrize(
    ("method", "path", "file", "raw", "ts"),
    [
        (
            "funding_rate",
            "/funding-rate",
            "funding-rate.2025-06-22.json",
            0.004145,
            datetime(2025, 6, 22, 22, 9, 28, 961000, tzinfo=UTC),
        ),
        (
            "predicted_funding_rate",
            "/predicted-funding-rate",
            "predicted-funding-rate.2025-06-22.json",
            -0.000708,
            datetime(2025, 6, 22, 22, 9, 27, 375000, tzinfo=UTC),
        ),
    ],
)
def test_client_funding_snapshot_samples(
    cz: Coinalyze,
    fake: FakeCoinalyze,
    method: str,
    path: str,
    file: str,
    raw: float,
    ts: datetime,
) -> None:
    _serve(fake, path, file)

    table = getattr(cz, method)("BTCUSDT_PERP.A")

    assert table.to_polars().rows() == [
        (
            "coinalyze",
            "binance",
            "BTCUSDT_PERP.A",
            "BTC",
            ts,
            percent_to_fraction(raw),
            None,  # Coinalyze does not say the funding period
        )
    ]


def test_client_catalogue_from_samples(cz: Coinalyze, fake: FakeCoinalyze) -> None:
    fake.futures = fixture_json("future-markets.json")

    frame = cz.future_markets().to_polars()

    assert frame.select("symbol", "exchange", "unit", "margined").rows() == [
        ("BTCUSD_PERP.A", "binance", "quote", "COIN"),
        ("BTCUSDC_PERP.A", "binance", "base", "STABLE"),
        ("BTCUSDT_PERP.A", "binance", "base", "STABLE"),
    ]
