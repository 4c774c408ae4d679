"""The provider registry: one line per provider, the only place outside its folder that names it.

Entries are import paths, not imports, so listing the providers costs nothing; a client class
is imported when first asked for. The CLI's command providers (`cryptodata.cli._providers`)
build their clients through it, and the facade's routing reads this table.

Examples:
    >>> sorted(PROVIDERS)
    ['artemis', 'blockchaininfo', 'cbbi', 'ccxt', 'coinalyze', 'coingecko', 'coinmetrics', 'defillama', 'feargreed', 'hyperliquid', 'velo']
    >>> source_class("coinalyze").__name__, source_class("coinalyze", asynchronous=True).__name__
    ('Coinalyze', 'AsyncCoinalyze')
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping
from typing import Any, Final

import attrs

from cryptodata.core.clock import Clock
from cryptodata.core.errors import MissingDependencyError, ValidationError

__all__ = [
    "PROVIDERS",
    "ProviderEntry",
    "default_sources",
    "metric_maps",
    "sample_source",
    "source_class",
]

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
        symbols: An example of its series ids, as the commands' `--symbols` takes them.
        metric_map: Where its metric names are mapped to the canonical ones, as
            `"module:ATTRIBUTE"` (a tuple of `MetricMap`); `None` for a provider without
            `metric` rows.
    """

    module: str
    client: str
    async_client: str
    key_variable: str | None = None
    defaults: tuple[tuple[Any, ...], ...] = ((),)
    replay: str | None = None
    symbols: str = "the provider's own series ids"
    metric_map: str | None = None


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
    "artemis": ProviderEntry(
        "cryptodata.providers.artemis",
        "Artemis",
        "AsyncArtemis",
        key_variable="ARTEMIS_API_KEY",
        replay="cryptodata.providers.artemis.replay",
        symbols="price@sol,fees_24h@eth (metric symbols)",
        metric_map="cryptodata.providers.artemis.metrics:ARTEMIS_METRICS",
    ),
    # The key is optional (Pro): without one the community API answers, so the provider is
    # configured whatever the environment holds.
    "coinmetrics": ProviderEntry(
        "cryptodata.providers.coinmetrics",
        "CoinMetrics",
        "AsyncCoinMetrics",
        replay="cryptodata.providers.coinmetrics.replay",
        symbols="active_addresses@btc,price@eth (metric symbols)",
        metric_map="cryptodata.providers.coinmetrics.metrics:MAPPINGS",
    ),
    # Keyless: the free API needs none; DEFILLAMA_API_KEY, when set, makes the client Pro.
    "defillama": ProviderEntry(
        "cryptodata.providers.defillama",
        "DefiLlama",
        "AsyncDefiLlama",
        replay="cryptodata.providers.defillama.replay",
        symbols="chain_tvl@Ethereum,fees_24h@aave (metric symbols)",
        metric_map="cryptodata.providers.defillama.metrics:METRICS",
    ),
    "velo": ProviderEntry(
        "cryptodata.providers.velo",
        "Velo",
        "AsyncVelo",
        key_variable="VELO_API_KEY",
        replay="cryptodata.providers.velo.replay",
        symbols="price@binance-futures:BTCUSDT (<metric>@<exchange>:<product>)",
        metric_map="cryptodata.providers.velo.metrics:METRICS",
    ),
    "feargreed": ProviderEntry(
        "cryptodata.providers.feargreed",
        "FearGreed",
        "AsyncFearGreed",
        replay="cryptodata.providers.feargreed.replay",
        symbols="fear_greed@crypto-market (its one series)",
        metric_map="cryptodata.providers.feargreed.metrics:METRICS",
    ),
    "cbbi": ProviderEntry(
        "cryptodata.providers.cbbi",
        "Cbbi",
        "AsyncCbbi",
        replay="cryptodata.providers.cbbi.replay",
        symbols="cbbi_confidence@bitcoin,cbbi_mvrv@bitcoin (metric symbols)",
        metric_map="cryptodata.providers.cbbi.metrics:CBBI_METRICS",
    ),
    # Keyless: the charts and stats need none.
    "blockchaininfo": ProviderEntry(
        "cryptodata.providers.blockchaininfo",
        "BlockchainInfo",
        "AsyncBlockchainInfo",
        replay="cryptodata.providers.blockchaininfo.replay",
        symbols="hash_rate@bitcoin,transaction_count@bitcoin (metric symbols)",
        metric_map="cryptodata.providers.blockchaininfo.metrics:METRICS",
    ),
    # The keyless API works but is shared by everyone on the IP (5-15 calls a minute): a
    # default facade uses CoinGecko only with a key (COINGECKO_PLAN=pro for a paid one).
    "coingecko": ProviderEntry(
        "cryptodata.providers.coingecko",
        "CoinGecko",
        "AsyncCoinGecko",
        key_variable="COINGECKO_API_KEY",
        replay="cryptodata.providers.coingecko.replay",
        symbols="price@bitcoin,market_cap@ethereum (<metric>@<CoinGecko coin id>)",
        metric_map="cryptodata.providers.coingecko.metrics:COINGECKO_METRICS",
    ),
}
"""Provider name → where its clients live."""


def source_class(name: str, *, asynchronous: bool = False) -> Any:
    """The client class of a registered provider, imported on first use.

    Raises:
        ValidationError: For a provider that is not registered.
    """
    entry = _entry(name)
    module = importlib.import_module(entry.module)
    return getattr(module, entry.async_client if asynchronous else entry.client)


def sample_source(name: str, argument: str | None = None, *, clock: Clock | None = None) -> Any:
    """The blocking replay client of one provider, on its bundled samples (no key, no
    network); `argument` is what `--provider name:argument` gives (ccxt's exchange id), and
    `clock` its time source (the samples' own, stopped at their recording, by default).

    Raises:
        ValidationError: For a provider that is not registered or ships no samples (and, for
            ccxt, an exchange it has none of).
    """
    entry = _entry(name)
    if entry.replay is None:
        raise ValidationError(f"{name} ships no samples to run offline")
    replay = importlib.import_module(entry.replay)
    if argument is None:
        return replay.sample_client(clock=clock)
    return replay.sample_client(argument, clock=clock)


def metric_maps() -> dict[str, tuple[Any, ...]]:
    """Every research provider's metric map (`MetricMap`s), by provider name: what the docs'
    metric-name table is generated from."""
    maps = {}
    for name, entry in PROVIDERS.items():
        if entry.metric_map is not None:
            module, _, attribute = entry.metric_map.partition(":")
            found = getattr(importlib.import_module(module), attribute)
            maps[name] = tuple(found.values() if isinstance(found, Mapping) else found)
    return maps


def _entry(name: str) -> ProviderEntry:
    entry = PROVIDERS.get(name)
    if entry is None:
        raise ValidationError(
            f"unknown provider {name!r}; use one of {', '.join(sorted(PROVIDERS))}"
        )
    return entry


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
