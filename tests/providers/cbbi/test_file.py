"""The data file as rows: names mapped or snake-cased, string seconds, nulls, the open day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cryptodata import Cbbi, ResponseFormatError, ValidationError

from .fake import COMPONENTS, NOW_DT, TODAY, FakeCbbi, truth

D = timedelta(days=1)
CLOSED = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 11, tzinfo=UTC))
NAMES = {
    "Confidence": "cbbi_confidence",
    "PiCycle": "cbbi_pi_cycle",
    "RUPL": "cbbi_rupl",
    "RHODL": "cbbi_rhodl",
    "Puell": "cbbi_puell",
    "2YMA": "cbbi_two_year_ma",
    "Trolololo": "cbbi_trolololo",
    "MVRV": "cbbi_mvrv",
    "ReserveRisk": "cbbi_reserve_risk",
    "Woobull": "cbbi_woobull",
    "Price": "price",
    "GoldenRatio": "golden_ratio",
}


def test_every_component_becomes_a_series_by_its_normalised_name(cb: Cbbi) -> None:
    frame = cb.history(start=CLOSED[0], end=CLOSED[1]).to_polars()

    assert set(frame["metric"]) == set(NAMES.values())
    for component in COMPONENTS:
        rows = frame.filter(metric=NAMES[component])
        assert dict(zip(rows["ts"], rows["value"], strict=True)) == truth(component, *CLOSED)


def test_rows_carry_the_canonical_units_and_bitcoin(cb: Cbbi) -> None:
    frame = cb.history(start=CLOSED[0], end=CLOSED[1]).to_polars()
    units = dict(frame.select("metric", "unit").unique().iter_rows())

    assert (units["cbbi_confidence"], units["price"], units["golden_ratio"]) == (
        "fraction",
        "usd",
        "",
    )
    assert frame.select("provider", "entity", "provider_id", "interval").unique().rows() == [
        ("cbbi", "bitcoin", "bitcoin", "1d")
    ]


def test_null_early_values_stay_null(cb: Cbbi) -> None:
    rows = cb.history(start=CLOSED[0], end=CLOSED[1]).to_polars().filter(metric="cbbi_rhodl")

    assert rows["value"].to_list()[:3] == [None, None, truth("RHODL", *CLOSED)[CLOSED[0] + 2 * D]]


def test_latest_takes_each_components_own_newest_day(cb: Cbbi) -> None:
    frame = cb.latest().to_polars()
    newest = dict(zip(frame["metric"], frame["ts"], strict=True))

    assert len(frame) == len(COMPONENTS)
    assert newest["cbbi_woobull"] == datetime.fromtimestamp(TODAY, UTC) - D
    assert newest["cbbi_confidence"] == datetime.fromtimestamp(TODAY, UTC)


def test_the_newest_day_is_kept_with_a_warning_while_it_is_open(cb: Cbbi) -> None:
    table = cb.history(start=NOW_DT - D)

    (warning,) = table.warnings
    assert warning.startswith("2024-02-01 of cbbi_confidence@bitcoin, cbbi_mvrv@bitcoin")
    assert warning.endswith(
        "is the day so far (CBBI rewrites its file a few times a day): a later run replaces it"
    )
    assert "cbbi_woobull" not in warning


def test_a_window_of_ended_days_has_no_warning(cb: Cbbi) -> None:
    assert cb.history(start=CLOSED[0], end=CLOSED[1]).warnings == []


def test_a_step_returns_only_its_series(cb: Cbbi) -> None:
    (step,) = cb.history_steps(
        "metric",
        ["cbbi_mvrv@bitcoin", "price@bitcoin"],
        interval="1d",
        start=CLOSED[0],
        end=CLOSED[1],
    )

    frame = cb.fetch(step).to_polars()

    assert set(frame["metric"]) == {"cbbi_mvrv", "price"}
    assert len(frame) == 20


def test_a_series_the_file_lacks_is_a_warning_not_an_error(cb: Cbbi) -> None:
    (step,) = cb.history_steps(
        "metric", ["stock_to_flow@bitcoin"], interval="1d", start=CLOSED[0], end=CLOSED[1]
    )

    table = cb.fetch(step)

    assert len(table) == 0
    assert table.warnings[0].startswith("CBBI's file has no stock_to_flow (it holds ")


def test_a_browser_user_agent_and_json_accept_are_sent(cb: Cbbi, fake: FakeCbbi) -> None:
    cb.latest()

    sent = fake.requests[0].headers
    assert sent["User-Agent"].startswith("Mozilla/5.0")
    assert sent["Accept"] == "application/json"


def test_an_entry_that_is_no_series_is_skipped_with_a_warning(cb: Cbbi, fake: FakeCbbi) -> None:
    body = b'{"Confidence":{"1704067200":0.5},"version":"4.2"}'
    fake.failures.append(httpx.Response(200, content=body))

    table = cb.history(start=CLOSED[0], end=CLOSED[1])

    assert table.to_polars()["metric"].to_list() == ["cbbi_confidence"]
    assert table.warnings == ["CBBI's file holds 'version' as a str, not a series: skipped"]


def test_a_key_that_is_no_seconds_is_a_format_error(cb: Cbbi, fake: FakeCbbi) -> None:
    fake.failures.append(httpx.Response(200, content=b'{"Confidence":{"2024-01-01":0.5}}'))

    with pytest.raises(ResponseFormatError, match="key '2024-01-01' that is no seconds"):
        cb.latest()


def test_a_value_that_is_no_number_is_a_format_error(cb: Cbbi, fake: FakeCbbi) -> None:
    fake.failures.append(httpx.Response(200, content=b'{"Confidence":{"1704067200":"0.5"}}'))

    with pytest.raises(ResponseFormatError, match=r"value '0\.5' that is no number"):
        cb.latest()


@pytest.mark.parametrize(
    "symbol", ["cbbi_confidence@ethereum", "Confidence@bitcoin", "cbbi_confidence"]
)
def test_a_series_not_of_bitcoin_or_not_snake_case_is_refused_before_any_request(
    cb: Cbbi, fake: FakeCbbi, symbol: str
) -> None:
    with pytest.raises(ValidationError):
        cb.history_steps("metric", symbol, interval="1d", start=CLOSED[0])

    assert fake.requests == []


def test_series_names_the_key_columns(cb: Cbbi) -> None:
    assert cb.series("metric", "cbbi_two_year_ma@bitcoin", interval="1d") == {
        "cbbi_two_year_ma@bitcoin": {
            "provider": "cbbi",
            "provider_id": "bitcoin",
            "metric": "cbbi_two_year_ma",
            "interval": "1d",
        }
    }
