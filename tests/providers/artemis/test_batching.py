"""Planning: symbol batches, metric groups, 1,000-day windows, and a refused batch split in halves."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata import Artemis, ManualClock, ServerError, Step, ValidationError
from cryptodata.core.metric_names import metric_symbol
from providers.artemis.fake import API_KEY, AVAILABLE, FakeArtemis, value

SYMBOLS = ["sol", "eth", "bnb", "arb", "op"]


def _client(fake: FakeArtemis, clock: ManualClock, **options: object) -> Artemis:
    return Artemis(API_KEY, clock=clock, http_transport=httpx.MockTransport(fake.handle), **options)  # type: ignore[arg-type]


def test_symbols_are_batched_by_batch_size(fake: FakeArtemis, clock: ManualClock) -> None:
    ar = _client(fake, clock, batch_size=2)

    ar.metrics("price", symbols=SYMBOLS, start="2024-01-01", end="2024-01-03")

    assert [r.url.params["symbols"] for r in fake.metric_requests()] == ["sol,eth", "bnb,arb", "op"]


def test_the_default_batch_is_conservative(fake: FakeArtemis, clock: ManualClock) -> None:
    ar = _client(fake, clock)

    ar.metrics("price", symbols=[*SYMBOLS, "btc"], start="2024-01-01", end="2024-01-03")

    assert [len(r.url.params["symbols"].split(",")) for r in fake.metric_requests()] == [5, 1]


@pytest.mark.parametrize("size", [0, 101, 2.5, True])
def test_a_batch_size_out_of_range_is_refused(size: object) -> None:
    with pytest.raises(ValidationError, match="batch_size"):
        Artemis("k", batch_size=size)  # type: ignore[arg-type]


def test_a_long_range_is_split_into_windows_of_1000_days(
    fake: FakeArtemis, clock: ManualClock
) -> None:
    ar = _client(fake, clock)

    table = ar.metrics("price", symbols="sol", start="2020-01-01", end="2024-01-01")

    sent = [
        (r.url.params["startDate"], r.url.params["endDate"], r.url.params["limit"])
        for r in fake.metric_requests()
    ]
    assert sent == [
        ("2020-01-01", "2022-09-26", "1000"),
        ("2022-09-27", "2023-12-31", "461"),
    ]
    assert len(table) == 1461
    assert table.to_polars().get_column("ts").is_unique().all()


def test_a_refused_batch_is_asked_again_in_halves(fake: FakeArtemis, clock: ManualClock) -> None:
    fake.max_batch = 2
    ar = _client(fake, clock, batch_size=5)

    table = ar.metrics("price", symbols=SYMBOLS, start="2024-01-01", end="2024-01-03")

    # Each refused batch first gets the retry policy's 5 attempts (a 500 may be transient).
    assert [r.url.params["symbols"] for r in fake.metric_requests()] == [
        *["sol,eth,bnb,arb,op"] * 5,
        "sol,eth",
        *["bnb,arb,op"] * 5,
        "bnb",
        "arb,op",
    ]
    assert {row[0] for row in table.to_polars().select("provider_id").rows()} == set(SYMBOLS)
    assert len(table) == len(SYMBOLS) * 2
    assert any(
        "asked again in halves" in warning and "5 symbols" in warning for warning in table.warnings
    )


def test_halves_are_split_again_until_the_server_accepts_them(
    fake: FakeArtemis, clock: ManualClock
) -> None:
    fake.max_batch = 1
    ar = _client(fake, clock, batch_size=4, retry=_once())

    table = ar.metrics("price", symbols=SYMBOLS[:4], start="2024-01-01", end="2024-01-02")

    assert [r.url.params["symbols"] for r in fake.metric_requests()] == [
        "sol,eth,bnb,arb",
        "sol,eth",
        "sol",
        "eth",
        "bnb",  # bnb,arb is as big as the refused sol,eth: split unasked
        "arb",
    ]
    assert sorted(table.to_polars().get_column("provider_id")) == sorted(SYMBOLS[:4])


def test_after_a_refusal_batches_as_big_are_split_without_asking(
    fake: FakeArtemis, clock: ManualClock
) -> None:
    fake.max_batch = 2
    ar = _client(fake, clock, batch_size=4, max_points_per_request=10)

    table = ar.metrics("price", symbols=SYMBOLS[:4], start="2024-01-01", end="2024-01-21")

    assert [
        (r.url.params["symbols"], r.url.params["startDate"]) for r in fake.metric_requests()
    ] == [
        *[("sol,eth,bnb,arb", "2024-01-01")] * 5,
        ("sol,eth", "2024-01-01"),
        ("bnb,arb", "2024-01-01"),
        ("sol,eth", "2024-01-11"),
        ("bnb,arb", "2024-01-11"),
    ]
    assert len(table) == 4 * 20
    assert any("refused a batch of 4 symbols earlier" in warning for warning in table.warnings)


def test_a_single_symbol_refused_with_500_raises_after_its_retries(
    fake: FakeArtemis, clock: ManualClock
) -> None:
    fake.fail_next(500, count=10)
    ar = _client(fake, clock)

    with pytest.raises(ServerError):
        ar.metrics("price", symbols="sol", start="2024-01-01", end="2024-01-02")

    assert len(fake.metric_requests()) == 5


def test_steps_group_symbols_asking_the_same_metrics(ar: Artemis) -> None:
    steps = ar.history_steps(
        "metric",
        ["price@sol", "fees@sol", "price@eth", "fees_24h@eth", "price@btc"],
        interval="1d",
        start="2024-01-01",
        end="2024-01-10",
    )

    assert [step.symbols for step in steps] == [
        ("price@sol", "fees_24h@sol", "price@eth", "fees_24h@eth"),
        ("price@btc",),
    ]
    assert {step.cost for step in steps} == {1}


def test_steps_cover_the_day_starts_of_the_window(ar: Artemis) -> None:
    (step,) = ar.history_steps(
        "metric", "price@sol", interval="1d", start="2024-01-01T05:00", end="2024-01-05T05:00"
    )

    assert (step.start, step.end) == (
        datetime(2024, 1, 2, tzinfo=UTC),
        datetime(2024, 1, 6, tzinfo=UTC),
    )


@given(
    first=st.integers(min_value=0, max_value=5_000),
    length=st.integers(min_value=1, max_value=5_000),
    points=st.integers(min_value=1, max_value=1_000),
)
def test_each_batch_windows_tile_the_days_in_order(first: int, length: int, points: int) -> None:
    ar = Artemis("k", max_points_per_request=points)
    start = datetime(2015, 1, 1, tzinfo=UTC).timestamp() * 1000 + first * 86_400_000
    end = start + length * 86_400_000

    steps = ar.history_steps("metric", "price@sol", interval="1d", start=int(start), end=int(end))

    assert steps[0].start.timestamp() * 1000 == start
    assert steps[-1].end.timestamp() * 1000 == end
    assert all(a.end == b.start for a, b in itertools.pairwise(steps))
    assert all((s.end - s.start).days <= points for s in steps)


def test_fetch_returns_exactly_the_steps_series(ar: Artemis, fake: FakeArtemis) -> None:
    step = Step(
        ar.history_steps(
            "metric", "price@sol", interval="1d", start="2024-01-01", end="2024-01-03"
        )[0].kind,
        ar.coverage().interval("1d"),
        ("price@sol", "fees@eth"),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 3, tzinfo=UTC),
    )

    frame = ar.fetch(step).to_polars()

    assert len(fake.metric_requests()) == 1
    assert set(frame.select("metric", "provider_id").rows()) == {
        ("price", "sol"),
        ("fees_24h", "eth"),
    }
    assert sorted(frame.get_column("value")) == sorted(
        value(symbol, metric, date(2024, 1, day))  # type: ignore[type-var]
        for symbol, metric in (("sol", "PRICE"), ("eth", "FEES"))
        for day in (1, 2)
    )


def test_series_names_each_symbols_key_columns(ar: Artemis) -> None:
    assert ar.series("metric", [metric_symbol("sol", "price"), "FEES@ETH"], interval="1d") == {
        "price@sol": {
            "provider": "artemis",
            "provider_id": "sol",
            "metric": "price",
            "interval": "1d",
        },
        "FEES@ETH": {
            "provider": "artemis",
            "provider_id": "eth",
            "metric": "fees_24h",
            "interval": "1d",
        },
    }


def test_the_fake_lists_every_symbol_used_here() -> None:
    assert set(SYMBOLS) <= set(AVAILABLE)


def _once() -> object:
    from cryptodata import RetryPolicy

    return RetryPolicy(max_attempts=1)


def test_the_asyncio_client_splits_a_refused_batch_the_same_way(
    fake: FakeArtemis, clock: ManualClock
) -> None:
    import asyncio

    from cryptodata import AsyncArtemis

    fake.max_batch = 2
    blocking = _client(fake, clock, batch_size=4).metrics(
        "price", symbols=SYMBOLS[:4], start="2024-01-01", end="2024-01-03"
    )
    sent = len(fake.metric_requests())

    async def run() -> object:
        async with AsyncArtemis(
            API_KEY, clock=clock, batch_size=4, http_transport=httpx.MockTransport(fake.handle)
        ) as ar:
            return await ar.metrics(
                "price", symbols=SYMBOLS[:4], start="2024-01-01", end="2024-01-03"
            )

    concurrent = asyncio.run(run())

    assert concurrent.to_polars().equals(blocking.to_polars())  # type: ignore[attr-defined]
    assert concurrent.warnings == blocking.warnings  # type: ignore[attr-defined]
    assert len(fake.metric_requests()) == 2 * sent
