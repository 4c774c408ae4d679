"""The provider registry: one line per provider, the only place outside its folder that names it.

Entries are import paths, not imports, so listing the providers costs nothing; a client class
is imported when first asked for. The CLI's command providers (`cryptodata.cli._providers`)
build their clients through it, and the facade's routing reads this table.

Examples:
    >>> sorted(PROVIDERS)
    ['ccxt', 'coinalyze', 'hyperliquid']
    >>> source_class("coinalyze").__name__, source_class("coinalyze", asynchronous=True).__name__
    ('Coinalyze', 'AsyncCoinalyze')
"""

from __future__ import annotations

import importlib
from typing import Any, Final

import attrs

from cryptodata.core.errors import ValidationError

__all__ = ["PROVIDERS", "ProviderEntry", "source_class"]


@attrs.frozen
class ProviderEntry:
    """Where a provider's clients live.

    Attributes:
        module: The provider's package, e.g. `"cryptodata.providers.coinalyze"`.
        client: Name of its blocking client class (a `Source`).
        async_client: Name of its asyncio client class (an `AsyncSource`).
    """

    module: str
    client: str
    async_client: str


PROVIDERS: Final[dict[str, ProviderEntry]] = {
    "ccxt": ProviderEntry("cryptodata.providers.ccxt", "Ccxt", "AsyncCcxt"),
    "coinalyze": ProviderEntry("cryptodata.providers.coinalyze", "Coinalyze", "AsyncCoinalyze"),
    "hyperliquid": ProviderEntry(
        "cryptodata.providers.hyperliquid", "Hyperliquid", "AsyncHyperliquid"
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
