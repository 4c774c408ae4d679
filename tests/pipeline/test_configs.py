"""What travels to a worker: source and sink configurations as plain, picklable data that
never holds a secret."""

from __future__ import annotations

import pickle
from pathlib import Path

import attrs
import pytest

from cryptodata import Coinalyze, Hyperliquid, ParquetSink, ValidationError
from cryptodata.core.limiters import TokenBucketLimiter
from cryptodata.core.redis_limiter import RedisRateLimiter
from cryptodata.pipeline.configs import SharedBudget, SinkConfig, SourceConfig
from fakes.weighted import WeightedSource

KEY = "k3y-fr0m-the-env1r0nment"


def test_a_source_config_pickles_to_an_equal_config() -> None:
    config = SourceConfig("ccxt", ("bybit",), {"config": {"options": {"defaultType": "swap"}}})

    assert pickle.loads(pickle.dumps(config)) == config


def test_a_registered_provider_is_built_by_its_registry_name() -> None:
    client = SourceConfig("hyperliquid").build()

    assert isinstance(client, Hyperliquid)
    client.close()


def test_a_module_callable_is_built_with_the_options() -> None:
    client = SourceConfig("fakes.weighted:built").build()

    assert isinstance(client, WeightedSource)


def test_a_key_read_from_the_environment_never_travels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_COINALYZE_KEY", KEY)
    config = SourceConfig("coinalyze", key_variable="MY_COINALYZE_KEY")

    sent = pickle.dumps(config)
    client = pickle.loads(sent).build()

    assert KEY.encode() not in sent
    assert isinstance(client, Coinalyze)
    assert client._transport_options["secret_headers"]["api_key"].reveal() == KEY
    client.close()


def test_a_key_variable_unset_on_the_worker_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_COINALYZE_KEY", raising=False)

    with pytest.raises(ValidationError, match="MY_COINALYZE_KEY is not set"):
        SourceConfig("coinalyze", key_variable="MY_COINALYZE_KEY").build()


@pytest.mark.parametrize(
    "options",
    [{"api_key": KEY}, {"config": {"apiKey": KEY}}, {"config": {"secret": KEY}}, {"token": KEY}],
)
def test_an_argument_named_like_a_secret_is_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="looks like a secret") as raised:
        SourceConfig("ccxt", ("bybit",), options)
    assert KEY not in str(raised.value)


def test_an_argument_that_is_not_plain_data_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"options\['limiter'\] is a TokenBucketLimiter"):
        SourceConfig("coinalyze", options={"limiter": TokenBucketLimiter(1, per=1.0)})


@pytest.mark.parametrize("provider", ["nope", "module.without.callable", ":x", ""])
def test_a_provider_neither_registered_nor_a_callable_path_is_refused(provider: str) -> None:
    with pytest.raises(ValidationError, match="registered provider"):
        SourceConfig(provider)


def test_a_sink_config_pickles_and_opens_its_sink(tmp_path: Path) -> None:
    config = pickle.loads(pickle.dumps(SinkConfig(f"parquet:{tmp_path}")))

    with config.open() as sink:
        assert isinstance(sink, ParquetSink)
    assert config.scheme == "parquet"


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://user:s3cret@db/market",
        "postgresql://user@db/market?password=s3cret",
        "host=db user=me password=s3cret dbname=market",
    ],
)
def test_a_postgres_dsn_holding_a_password_is_refused(dsn: str) -> None:
    with pytest.raises(ValidationError, match="PGPASSWORD") as raised:
        SinkConfig(f"postgres:{dsn}")
    assert "s3cret" not in str(raised.value)


def test_a_postgres_dsn_without_a_password_is_accepted() -> None:
    assert SinkConfig("postgres:postgresql://user@db/market").scheme == "postgres"


def test_an_unknown_sink_scheme_is_refused_naming_only_the_scheme() -> None:
    with pytest.raises(ValidationError, match="unknown sink 'postgresql'"):
        SinkConfig("postgresql://user:s3cret@db/market")


def test_each_key_of_a_shared_budget_draws_on_its_own_redis_limit(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_KEYS", "key-number-one,key-number-two")
    budget = SharedBudget(redis_url, limit=40, window=60.0)
    config = SourceConfig("fakes.weighted:keyed", key_variable="TEST_API_KEYS", budget=budget)

    first = config.build()
    again = config.build()
    second = attrs.evolve(config, key_index=1).build()

    assert isinstance(first.limiter, RedisRateLimiter)
    assert first.limiter.key == again.limiter.key != second.limiter.key
    assert first.limiter.key.startswith("cryptodata:fakes.weighted:keyed:")
    assert "key-number" not in first.limiter.key + second.limiter.key


def test_a_shared_budget_travels_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_API_KEYS", "key-number-one")
    config = SourceConfig(
        "fakes.weighted:keyed",
        key_variable="TEST_API_KEYS",
        budget=SharedBudget("redis://127.0.0.1:6379/0"),
    )

    assert b"key-number-one" not in pickle.dumps(config)


def test_a_redis_url_with_a_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="url_variable"):
        SharedBudget("redis://:hunter2@127.0.0.1:6379/0")


def test_a_key_index_past_the_keys_set_here_is_refused_where_the_client_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_API_KEYS", "only-one")
    config = SourceConfig("fakes.weighted:keyed", key_variable="TEST_API_KEYS", key_index=1)

    with pytest.raises(ValidationError, match=r"TEST_API_KEYS\[1\] is not set"):
        config.build()
