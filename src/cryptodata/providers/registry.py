"""The provider registry: one line per provider, the only place outside its folder that names it.

Entries are import paths, not imports, so listing the providers costs nothing; a client class
is imported when first asked for. The CLI's command providers (`cryptodata.cli._providers`)
build their clients through it, and the facade's routing reads this table.

Examples:
    >>> sorted(PROVIDERS)
    ['ccxt', 'coinalyze', 'hyperliquid', 'velo']
    >>> source_class("coinalyze").__name__, source_class("coinalyze", asynchronous=True).__name__
    ('Coinalyze', 'AsyncCoinalyze')
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any, Final

import attrs

from cryptodata.core.errors import MissingDependencyError, ValidationError

__all__ = ["PROVIDERS", "ProviderEntry", "default_sources", "source_class"]

_log = logging.getLogger("cryptodata.providers")


@attrs.frozen
class ProviderEntry:
    """Where a provider's clients live.

    Attributes:
        module: The provider's package, e.g. `"cryptodata.providers.coinalyze"`.
        client: Name of its blocking client class (a `Source`).
        async_client: Name of its asyncio client class (an `AsyncSource`).
        key_variable: The environment variable its key is read from; `None` if keyless.
        defaults: Constructor arguments of each client a default `MarketData` makes (ccxt:
            one per exchange id).
        replay: Its replay module, whose `sample_sources()` (and `sample_async_sources()`)
            give clients on the bundled samples.
    """

    module: str
    client: str
    async_client: str
    key_variable: str | None = None
    defaults: tuple[tuple[Any, ...], ...] = ((),)
    replay: str | None = None


PROVIDERS: Final[dict[str, ProviderEntry]] = {
    "ccxt": ProviderEntry(
        "cryptodata.providers.ccxt",
        "Ccxt",
        "AsyncCcxt",
        defaults=(("binanceusdm",), ("bybit",), ("okx",)),
        replay="cryptodata.providers.ccxt.replay",
    ),
    "coinalyze": ProviderEntry(
        "cryptodata.providers.coinalyze",
        "Coinalyze",
        "AsyncCoinalyze",
        key_variable="COINALYZE_API_KEY",
        replay="cryptodata.providers.coinalyze.replay",
    ),
    "hyperliquid": ProviderEntry(
        "cryptodata.providers.hyperliquid",
        "Hyperliquid",
        "AsyncHyperliquid",
        replay="cryptodata.providers.hyperliquid.replay",
    ),
    "velo": ProviderEntry(
        "cryptodata.providers.velo",
        "Velo",
        "AsyncVelo",
        key_variable="VELO_API_KEY",
        replay="cryptodata.providers.velo.replay",
    ),
}
"""Provider name → where its clients live."""


def source_class(name: str, *, asynchronous: bool = False) -> Any:
    """The client class of a registered provider, imported on first use.

    Raises:
        ValidationError: For a provider that is not registered.
    """
    entry = PROVIDERS.get(name)
    if entry is None:
        raise ValidationError(
            f"unknown provider {name!r}; use one of {', '.join(sorted(PROVIDERS))}"
        )
    module = importlib.import_module(entry.module)
    return getattr(module, entry.async_client if asynchronous else entry.client)


def default_sources(*, offline: bool = False, asynchronous: bool = False) -> list[Any]:
    """The clients of every configured provider, or their replay clients (asyncio ones with
    `asynchronous=True`).

    Configured: keyless providers, and keyed ones whose key variable is set; a provider whose
    optional package is not installed (ccxt) is left out, with a debug log line. Offline:
    every provider's clients on its bundled samples (`sample_sources()` of its replay module),
    no key and no network.
    """
    sources: list[Any] = []
    for name, entry in PROVIDERS.items():
        if (
            not offline
            and entry.key_variable is not None
            and not os.environ.get(entry.key_variable)
        ):
            _log.debug("%s left out: %s is not set", name, entry.key_variable)
            continue
        try:
            sources.extend(_made(name, entry, offline=offline, asynchronous=asynchronous))
        except MissingDependencyError as exc:
            _log.debug("%s left out: %s", name, exc)
    return sources


def _made(name: str, entry: ProviderEntry, *, offline: bool, asynchronous: bool) -> list[Any]:
    if offline:
        if entry.replay is None:
            return []
        replay = importlib.import_module(entry.replay)
        made: list[Any] = replay.sample_async_sources() if asynchronous else replay.sample_sources()
        return made
    cls = source_class(name, asynchronous=asynchronous)
    return [cls(*arguments) for arguments in entry.defaults]
