"""Backfills on executors: shards run in threads, processes or on Dask, into one sink that
ends with exactly the source's data; failed shards are retried, reported, then resumed."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cryptodata import Kind, ManualClock, ParquetSink, ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.pipeline import backfill, update
from cryptodata.pipeline.configs import SinkConfig, SourceConfig
from cryptodata.pipeline.shards import ShardResult
from fakes.weighted import NOW, NOW_DT, SYMBOLS, WeightedSource

H = timedelta(hours=1)
KINDS = [Kind.OPEN_INTEREST, Kind.FUNDING_RATE]
START = NOW_DT - 350 * H
SOURCE = SourceConfig("fakes.weighted:built")


@pytest.fixture
def threads() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


@pytest.fixture
def sink(tmp_path: Path) -> SinkConfig:
    return SinkConfig(f"parquet:{tmp_path / 'store'}")


def _flaky(tmp_path: Path, failures: int) -> SourceConfig:
    """The fake, failing every fetch of BBB until it has failed `failures` times (-1: always)."""
    tally = str(tmp_path / "failures")
    return SourceConfig(
        "fakes.weighted:built", options={"fail_symbol": "BBB", "failures": failures, "tally": tally}
    )


def _assert_holds_truth(sink: SinkConfig) -> None:
    truth = WeightedSource(ManualClock(start=NOW))
    with sink.open() as store:
        for kind in KINDS:
            expected = truth.truth(kind, SYMBOLS, Interval.H1, START, NOW_DT).to_polars()
            stored = store.read(kind).to_polars()
            key = ["symbol", "ts"]
            assert stored.select(pl.struct(key).is_duplicated().any()).item() is False
            assert_frame_equal(stored.sort(key), expected.sort(key), check_exact=True)


def test_a_thread_pool_backfill_stores_exactly_the_sources_data(
    threads: ThreadPoolExecutor, sink: SinkConfig
) -> None:
    report = backfill(SOURCE, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=threads)

    assert report.ok
    assert len(report.shards) == 2
    assert report.requests == report.plan.requests
    _assert_holds_truth(sink)


def test_a_process_pool_backfill_stores_exactly_the_sources_data(sink: SinkConfig) -> None:
    # Spawned, not forked: a worker starts from nothing but the shard it is sent.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        report = backfill(SOURCE, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=pool)

    assert report.ok
    assert report.rows_written == sum(
        len(WeightedSource(ManualClock(start=NOW)).truth(kind, SYMBOLS, Interval.H1, START, NOW_DT))
        for kind in KINDS
    )
    _assert_holds_truth(sink)


def test_a_thread_pool_backfill_into_postgres_stores_exactly_the_sources_data(
    threads: ThreadPoolExecutor, postgres_db: str
) -> None:
    sink = SinkConfig(f"postgres:{postgres_db}")

    report = backfill(SOURCE, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=threads)

    assert report.ok
    _assert_holds_truth(sink)


def test_a_providers_own_client_runs_in_shards_as_it_runs_alone(
    threads: ThreadPoolExecutor, tmp_path: Path
) -> None:
    # Hyperliquid's replay client on its bundled samples, built by a registry factory.
    source = SourceConfig("cryptodata.providers.registry:sample_source", ("hyperliquid",))
    start = NOW_DT - timedelta(days=2)
    alone = SinkConfig(f"parquet:{tmp_path / 'alone'}")
    sharded = SinkConfig(f"parquet:{tmp_path / 'sharded'}")
    with source.build() as client, alone.open() as sink:
        backfill(client, "ohlcv", ["BTC", "ETH"], "1h", start, sink=sink)

    report = backfill(source, "ohlcv", ["BTC", "ETH"], "1h", start, sink=sharded, executor=threads)

    assert report.ok
    assert report.rows_written > 0
    assert len(report.shards) == 2
    with alone.open() as expected, sharded.open() as stored:
        key = ["symbol", "ts"]
        assert_frame_equal(
            stored.read("ohlcv").to_polars().sort(key), expected.read("ohlcv").to_polars().sort(key)
        )


def test_a_dask_cluster_backfill_stores_exactly_the_sources_data(sink: SinkConfig) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        report = backfill(SOURCE, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=client)

    assert report.ok
    assert len(report.shards) == 2
    _assert_holds_truth(sink)


def test_a_worker_process_that_dies_leaves_a_report_and_a_rerun_completes(
    sink: SinkConfig,
) -> None:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        died = backfill(
            SourceConfig("fakes.weighted:dying"),
            KINDS,
            SYMBOLS,
            "1h",
            START,
            NOW_DT,
            sink=sink,
            executor=pool,
        )
    with ThreadPoolExecutor(max_workers=2) as pool:
        rerun = backfill(SOURCE, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=pool)

    assert died.failures
    assert all("BrokenProcessPool" in failure.error for failure in died.failures)
    assert rerun.ok
    _assert_holds_truth(sink)


def test_a_shard_that_fails_twice_is_retried_and_the_run_completes(
    threads: ThreadPoolExecutor, sink: SinkConfig, tmp_path: Path
) -> None:
    source = _flaky(tmp_path, failures=2)

    report = backfill(source, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=threads)

    assert report.ok
    assert report.retried == 2
    _assert_holds_truth(sink)


def test_a_retry_sends_only_the_steps_its_failed_attempt_did_not_store(
    threads: ThreadPoolExecutor, sink: SinkConfig, tmp_path: Path
) -> None:
    report = backfill(
        _flaky(tmp_path, failures=1),
        KINDS,
        SYMBOLS,
        "1h",
        START,
        NOW_DT,
        sink=sink,
        executor=threads,
    )

    assert report.retried == 1
    assert report.requests == report.plan.requests


def test_a_shard_that_always_fails_is_reported_while_the_others_complete(
    threads: ThreadPoolExecutor, sink: SinkConfig, tmp_path: Path
) -> None:
    report = backfill(
        _flaky(tmp_path, failures=-1),
        KINDS,
        SYMBOLS,
        "1h",
        START,
        NOW_DT,
        sink=sink,
        executor=threads,
        shards=3,
    )

    (failure,) = report.failures
    assert failure.attempts == 3
    assert failure.error == "TransportError: weighted /history: connection reset"
    assert {symbol for step in failure.shard.steps for symbol in step.symbols} == {"BBB"}
    with sink.open() as store:
        stored = set(store.read(Kind.OPEN_INTEREST).to_polars()["symbol"])
    assert stored == {"AAA", "CCC"}


def test_a_rerun_resumes_the_shard_that_failed(
    threads: ThreadPoolExecutor, sink: SinkConfig, tmp_path: Path
) -> None:
    failed = backfill(
        _flaky(tmp_path, failures=-1),
        KINDS,
        SYMBOLS,
        "1h",
        START,
        NOW_DT,
        sink=sink,
        executor=threads,
    )

    rerun = backfill(SOURCE, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=threads)

    assert failed.failures
    assert rerun.ok
    assert rerun.plan.requests < failed.plan.requests
    _assert_holds_truth(sink)


def test_update_on_an_executor_brings_every_stored_series_up_to_date(
    threads: ThreadPoolExecutor, sink: SinkConfig
) -> None:
    backfill(SOURCE, KINDS, SYMBOLS, "1h", START, NOW_DT - 100 * H, sink=sink, executor=threads)

    report = update(SOURCE, KINDS, None, "1h", sink=sink, end=NOW_DT, executor=threads)

    assert report.ok
    assert report.plan.series == len(KINDS) * len(SYMBOLS)
    _assert_holds_truth(sink)


def test_progress_is_told_of_every_shard_attempt_on_the_driver(
    threads: ThreadPoolExecutor, sink: SinkConfig, tmp_path: Path
) -> None:
    seen: list[ShardResult] = []

    backfill(
        _flaky(tmp_path, failures=1),
        KINDS,
        SYMBOLS,
        "1h",
        START,
        NOW_DT,
        sink=sink,
        executor=threads,
        progress=lambda result, plan: seen.append(result),
    )

    assert sorted(result.ok for result in seen) == [False, True, True]
    assert sum(result.requests for result in seen) > 0


def test_a_jsonl_sink_on_a_parallel_executor_is_refused_before_anything_runs(
    threads: ThreadPoolExecutor, tmp_path: Path
) -> None:
    store = tmp_path / "vault"

    with pytest.raises(ValidationError, match=r"single writer.*parquet: or postgres:"):
        backfill(
            SOURCE, KINDS, SYMBOLS, "1h", START, sink=SinkConfig(f"jsonl:{store}"), executor=threads
        )
    assert not store.exists()


def test_a_jsonl_sink_on_one_worker_is_accepted(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = backfill(
            SOURCE, KINDS, ["AAA"], "1h", START, sink=SinkConfig(f"jsonl:{tmp_path}"), executor=pool
        )

    assert report.ok
    assert report.rows_written > 0


def test_an_open_client_on_an_executor_is_refused(
    threads: ThreadPoolExecutor, sink: SinkConfig, tmp_path: Path
) -> None:
    with (
        ParquetSink(tmp_path) as open_sink,
        pytest.raises(ValidationError, match="cannot travel to a worker"),
    ):
        backfill(
            WeightedSource(ManualClock(start=NOW)),
            KINDS,
            SYMBOLS,
            "1h",
            START,
            sink=open_sink,
            executor=threads,
        )


def test_shards_without_an_executor_are_refused(tmp_path: Path) -> None:
    with (
        ParquetSink(tmp_path) as open_sink,
        pytest.raises(ValidationError, match="shards= split a backfill on an executor"),
    ):
        backfill(
            WeightedSource(ManualClock(start=NOW)),
            KINDS,
            SYMBOLS,
            "1h",
            START,
            sink=open_sink,
            shards=2,
        )


def test_configurations_without_an_executor_are_refused(sink: SinkConfig) -> None:
    with pytest.raises(ValidationError, match="takes executor="):
        backfill(SOURCE, KINDS, SYMBOLS, "1h", START, sink=sink)


def test_a_negative_retry_budget_is_refused_before_anything_runs(
    threads: ThreadPoolExecutor, sink: SinkConfig
) -> None:
    with pytest.raises(ValidationError, match="retries"):
        backfill(SOURCE, KINDS, SYMBOLS, "1h", START, sink=sink, executor=threads, retries=-1)


KEYED = SourceConfig("fakes.weighted:keyed", key_variable="TEST_API_KEYS")


def test_shards_are_dealt_across_the_keys_of_the_variable(
    threads: ThreadPoolExecutor, sink: SinkConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_KEYS", "first,second")

    report = backfill(KEYED, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=threads)

    assert report.ok
    assert sorted(shard.source.key_name or "" for shard in report.shards) == [
        "TEST_API_KEYS[0]",
        "TEST_API_KEYS[1]",
    ]
    _assert_holds_truth(sink)


def test_a_refused_key_leaves_the_rotation_and_its_shards_move_to_the_others(
    threads: ThreadPoolExecutor, sink: SinkConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_KEYS", "good,revoked,also-good")

    report = backfill(
        KEYED, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=threads, shards=3
    )

    assert report.ok
    assert report.revoked == ["TEST_API_KEYS[1]"]
    assert report.retried == 0  # a move is not a retry
    _assert_holds_truth(sink)


def test_with_every_key_refused_the_shards_are_reported(
    threads: ThreadPoolExecutor, sink: SinkConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_KEYS", "revoked")

    report = backfill(KEYED, KINDS, SYMBOLS, "1h", START, NOW_DT, sink=sink, executor=threads)

    assert not report.ok
    assert all(failure.error.startswith("AuthenticationError") for failure in report.failures)
