"""What travels to a worker: how to build a client and open a sink, as plain data.

A sharded backfill (see `cryptodata.pipeline.executors`) runs in threads, processes or on a
Dask cluster. An open client or sink cannot travel there (sockets, connection pools, file
handles, a lock), so each worker builds its own from a configuration: a `SourceConfig`
names the provider and its constructor arguments, a `SinkConfig` the sink's spec. Both are
frozen values that pickle.

A secret never travels as a value: a `SourceConfig` holds at most the *name* of the
environment variable its key is read from on the worker, and refuses arguments named like
secrets; a `SinkConfig` refuses a Postgres DSN holding a password (libpq reads `PGPASSWORD`
or `~/.pgpass` on the worker instead).

Examples:
    >>> SourceConfig("coinalyze", options={"convert_to_usd": True}).options
    {'convert_to_usd': True}
    >>> SinkConfig("parquet:data/").scheme
    'parquet'
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import attrs

from cryptodata.core.errors import ValidationError
from cryptodata.core.source import Source
from cryptodata.providers.registry import PROVIDERS, source_class
from cryptodata.sinks.base import Sink
from cryptodata.sinks.specs import open_sink, sink_scheme

__all__ = ["SharedBudget", "SinkConfig", "SourceConfig"]

_SECRET_ENDINGS: Final = ("apikey", "secret", "password", "passphrase", "token", "privatekey")
"""How argument names (lower case, `_` and `-` dropped) whose values are credentials end."""
_FACTORY: Final = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")
_DSN_PASSWORD: Final = re.compile(r"(?:^|\s)password\s*=", re.IGNORECASE)


def _plain(value: object, where: str) -> Any:
    """`value` copied, if it is plain data: None, bool, int, float, str, and lists, tuples
    and str-keyed dicts of them; no argument named like a secret in a dict.

    Raises:
        ValidationError: Naming `where` and what cannot travel.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        items = [_plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, Mapping):
        return _plain_mapping(value, where)
    raise ValidationError(
        f"{where} is a {type(value).__name__}, which a worker cannot rebuild: a SourceConfig "
        "holds plain data (numbers, text, lists, dicts); for anything else (a limiter, a "
        "clock), name a factory function as 'module:function' that builds the client"
    )


def _plain_mapping(value: Mapping[Any, Any], where: str) -> dict[str, Any]:
    copied: dict[str, Any] = {}
    for name, item in value.items():
        if not isinstance(name, str):
            raise ValidationError(f"{where} has a key {name!r} that is not text")
        if re.sub(r"[_-]", "", name.lower()).endswith(_SECRET_ENDINGS):
            raise ValidationError(
                f"{where}[{name!r}] looks like a secret, which must not travel to workers: "
                "set key_variable= to the environment variable the worker reads it from, or "
                "name a factory ('module:function') that reads it there"
            )
        copied[name] = _plain(item, f"{where}[{name!r}]")
    return copied


def _args(value: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(f"args must be a tuple of plain values, not {value!r}")
    return tuple(_plain(item, f"args[{index}]") for index, item in enumerate(value))


def _options(value: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"options must be a dict of keyword arguments, not {value!r}")
    return _plain_mapping(value, "options")


def _check_provider(_: object, __: object, provider: Any) -> None:
    if not isinstance(provider, str) or not (provider in PROVIDERS or _FACTORY.fullmatch(provider)):
        raise ValidationError(
            f"provider must be a registered provider ({', '.join(sorted(PROVIDERS))}) or a "
            f"factory as 'module:callable', not {provider!r}"
        )


def _check_variable(_: object, __: object, name: Any) -> None:
    if name is not None and not (isinstance(name, str) and name):
        raise ValidationError(f"key_variable is the name of an environment variable, not {name!r}")


def _check_index(_: object, __: object, index: Any) -> None:
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
        raise ValidationError(f"key_index is a position from 0 in the key list, not {index!r}")


def _check_url(_: object, __: object, url: Any) -> None:
    if not isinstance(url, str) or "://" not in url:
        raise ValidationError(f"a shared budget's url is a Redis URL, not {url!r}")
    if urlsplit(url).password is not None:
        raise ValidationError(
            "the Redis URL holds a password, which would travel to every worker: name the "
            "environment variable that holds the whole URL instead (url_variable=)"
        )


@attrs.frozen
class SharedBudget:
    """A rate limit every worker of one API key draws from, in Redis.

    Each worker builds a `RedisRateLimiter` on it; its Redis key is the provider and a digest
    of the API key (`cryptodata:coinalyze:3f2a...`), so the workers of one key share one
    budget, those of another key another, and the key itself is written nowhere.

    Args:
        url: The Redis URL (no password in it: it travels with the shard), or `None` with
            `url_variable`.
        limit: Requests (cost units) per window, per API key.
        window: The window, in seconds.
        url_variable: The environment variable the worker reads the Redis URL from instead
            (a URL with a password).

    Raises:
        ValidationError: For a URL holding a password, or neither a URL nor a variable.
    """

    url: str | None = None
    limit: int = 40
    window: float = 60.0
    url_variable: str | None = None

    def __attrs_post_init__(self) -> None:
        if (self.url is None) == (self.url_variable is None):
            raise ValidationError("a shared budget takes a url or a url_variable (one of them)")
        if self.url is not None:
            _check_url(self, None, self.url)

    def limiter(self, provider: str, api_key: str | None) -> Any:
        """The worker's `RedisRateLimiter` for `api_key` (imported here: the `redis` extra)."""
        from cryptodata.core.redis_limiter import RedisRateLimiter

        url = self.url if self.url is not None else os.environ.get(str(self.url_variable))
        if not url:
            raise ValidationError(f"{self.url_variable} is not set where the client is built")
        digest = "keyless" if api_key is None else hashlib.sha256(api_key.encode()).hexdigest()
        name = f"cryptodata:{provider}:{digest[:16]}"
        return RedisRateLimiter(url, name, limit=self.limit, window=self.window)


@attrs.frozen
class SourceConfig:
    """How a worker builds its own client: a provider and its constructor arguments.

    Every field is plain data, so the configuration pickles to a thread, a process or a Dask
    worker; `build()` makes the client there.

    Args:
        provider: A provider as the registry names it (`"coinalyze"`, `"ccxt"`), or any
            callable returning a `Source` as `"module:callable"`: your own source class, or
            a function that builds a client with what cannot travel (a `RedisRateLimiter`
            shared by every worker, a clock).
        args: Positional constructor arguments (ccxt's exchange id: `("bybit",)`).
        options: Keyword constructor arguments (`{"convert_to_usd": True}`).
        key_variable: The environment variable the worker reads the API key from, passed
            as `api_key=`. Leave it out to let the client read its own variable
            (`COINALYZE_API_KEY`, ...), or for a keyless provider. It may hold several keys,
            comma-separated (`COINALYZE_API_KEYS=k1,k2`): a sharded backfill spreads its
            shards across them (`key_index`).
        key_index: Which key of `key_variable`'s list this client uses, from 0; `None` for
            the first (the only one, for a variable holding one key).
        budget: A rate limit in Redis that every worker of the same key shares
            (`SharedBudget`); `None` for the client's own limiter.

    Raises:
        ValidationError: For a provider neither registered nor a `module:callable`, an
            argument that is not plain data, or one named like a secret (`api_key`,
            `secret`, `password`, `token`, ...): the value would travel to every worker.

    Examples:
        >>> SourceConfig("ccxt", ("bybit",)).args
        ('bybit',)
        >>> SourceConfig("coinalyze", options={"api_key": "abc"})
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.ValidationError: options['api_key'] looks like a secret, ...
    """

    provider: str = attrs.field(validator=_check_provider)
    args: tuple[Any, ...] = attrs.field(default=(), converter=_args)
    options: dict[str, Any] = attrs.field(factory=dict, converter=_options)
    key_variable: str | None = attrs.field(default=None, validator=_check_variable)
    key_index: int | None = attrs.field(default=None, validator=_check_index)
    budget: SharedBudget | None = None

    @property
    def key_name(self) -> str | None:
        """How reports name this client's key (`COINALYZE_API_KEYS[1]`): never its value."""
        if self.key_variable is None:
            return None
        return (
            self.key_variable
            if self.key_index is None
            else f"{self.key_variable}[{self.key_index}]"
        )

    def key_count(self) -> int:
        """How many keys `key_variable` holds here (comma-separated); 1 without one."""
        if self.key_variable is None:
            return 1
        return max(1, len(_keys(os.environ.get(self.key_variable, ""))))

    def build(self) -> Source:
        """The client, built in the calling process (on the worker, for a shard).

        Raises:
            ValidationError: When `key_variable` is not set here, or the client refuses its
                arguments; `MissingDependencyError` when its extra is not installed here.
        """
        options = dict(self.options)
        key = None
        if self.key_variable is not None:
            keys = _keys(os.environ.get(self.key_variable, ""))
            index = 0 if self.key_index is None else self.key_index
            if index >= len(keys):
                raise ValidationError(
                    f"{self.key_name} is not set where the {self.provider} client is built: "
                    "set it on every worker (the key never travels with the shard)"
                )
            key = options["api_key"] = keys[index]
        if self.budget is not None:
            options["limiter"] = self.budget.limiter(self.provider, key)
        built: Source = self._factory()(*self.args, **options)
        return built

    def _factory(self) -> Any:
        if self.provider in PROVIDERS:
            return source_class(self.provider)
        module, _, name = self.provider.partition(":")
        found: Any = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
        return found


def _keys(value: str) -> list[str]:
    return [key.strip() for key in value.split(",") if key.strip()]


def _check_spec(_: object, __: object, spec: Any) -> None:
    if not isinstance(spec, str):
        raise ValidationError(f"a sink spec is text such as 'parquet:data/', not {spec!r}")
    if sink_scheme(spec) == "postgres" and _has_password(spec.partition(":")[2]):
        raise ValidationError(
            "the postgres DSN holds a password, which would travel to every worker: leave it "
            "out and set PGPASSWORD (or ~/.pgpass) where the workers run"
        )


def _has_password(dsn: str) -> bool:
    """Whether a libpq DSN (URL or `key=value` form) spells a password."""
    if "://" in dsn:
        parts = urlsplit(dsn)
        return parts.password is not None or "password" in parse_qs(parts.query)
    return _DSN_PASSWORD.search(dsn) is not None


@attrs.frozen
class SinkConfig:
    """How a worker opens the sink: its spec, `jsonl:DIR`, `parquet:DIR_OR_URL` or
    `postgres:DSN` (see `cryptodata.sinks.specs`).

    Args:
        spec: The spec. A Parquet root that workers on other machines write must be a path
            they all see (a shared disk, or object storage: `parquet:s3://bucket/data`).

    Raises:
        ValidationError: For a malformed spec, or a Postgres DSN holding a password.

    Examples:
        >>> SinkConfig("postgres:postgresql://user:secret@db/market")
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.ValidationError: the postgres DSN holds a password, ...
    """

    spec: str = attrs.field(validator=_check_spec)

    @property
    def scheme(self) -> str:
        """The kind of sink: `jsonl`, `parquet` or `postgres`."""
        return sink_scheme(self.spec)

    def open(self) -> Sink:
        """The sink, opened in the calling process (on the worker, for a shard).

        Raises:
            ValidationError: For a local root holding the other file sink's data.
        """
        return open_sink(self.spec)
