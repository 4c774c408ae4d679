"""The providers the commands serve, and what each needs on the command line.

`--provider` is parsed once into a `ProviderSpec` (`name` or `name:argument`, e.g.
`ccxt:bybit`); `COMMAND_PROVIDERS` maps each name to a `CommandProvider`, the one object that
says what the commands must know of it: the argument it takes, its key variable, whether
`--usd` means something, how `--bases/--exchanges` resolve, the client without key or network
that checks arguments and plans dry runs, and what a dry run plans on. `build_source` is the
one factory of live clients (tests replace it). `marketdata` is the facade over every
configured provider: the commands hand it to `cryptodata.cli._across`.

Clients are imported through the registry when first built, so `cryptodata --help` and the
Coinalyze commands load no other provider (and never ccxt, an optional extra).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from cryptodata.core.clock import SystemClock
from cryptodata.core.errors import TransportError, ValidationError
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.schema import Kind
from cryptodata.providers.registry import PROVIDERS, sample_source, source_class

__all__ = [
    "COINALYZE_KEY",
    "COMMAND_PROVIDERS",
    "CommandProvider",
    "DryRunMarkets",
    "ProviderSpec",
    "build_source",
    "command_provider",
    "parse_provider",
]

COINALYZE_KEY: Final = "COINALYZE_API_KEY"
"""The environment variable Coinalyze's client reads its key from."""
_DRY_RUN_RETRY = RetryPolicy(max_attempts=1)
"""A dry run reads the live market list once, or falls back to the bundled one at once."""
_DRY_RUN_TIMEOUT = 10.0


@attrs.frozen
class ProviderSpec:
    """A parsed `--provider`: a provider name and its argument (`ccxt:bybit`).

    Attributes:
        name: The registered provider, e.g. `"ccxt"`.
        argument: What follows the colon (ccxt's exchange id), or `None`.
    """

    name: str
    argument: str | None = None

    def __str__(self) -> str:
        return self.name if self.argument is None else f"{self.name}:{self.argument}"


@attrs.frozen
class DryRunMarkets:
    """What a dry run plans on.

    Attributes:
        client: The client whose `series` names the symbols it lists, without a request
            unless `origin` is `None`.
        origin: How the market list was come by, for the plan's footer; `None` for the
            provider's live list.
        listed: The symbols `client` can name; `None` for any symbol. The others are named
            from what the sink stores (see `backfill._OfflineSource`).
    """

    client: Any
    origin: str | None
    listed: frozenset[str] | None


@attrs.frozen
class CommandProvider:
    """What the commands need to know of one provider; subclasses override the behaviour.

    Attributes:
        name: The registered provider name.
        argument: What `name:ARGUMENT` names (`"exchange id"`); `None` if it takes none.
        key_variable: The environment variable its key is read from; `None` if keyless.
        usd: Whether `--usd` (USD values for open interest and liquidations) means
            something to it.
        resolves_bases: Whether its client resolves `--bases` on `--exchanges`
            (`resolve_many`); otherwise `--symbols` is required.
        symbols_example: Its symbols, as `--symbols` takes them.
        facade: Whether it is the `MarketData` facade, not one provider: the commands run
            their pipelines across providers on it (`cryptodata.cli._across`), with assets
            from `--bases` and venues from `--exchanges`.
    """

    name: str
    argument: str | None
    key_variable: str | None
    usd: bool
    resolves_bases: bool
    symbols_example: str
    facade: bool = False

    @property
    def usage(self) -> str:
        """How `--provider` names it: `coinalyze`, `ccxt:EXCHANGE_ID`."""
        if self.argument is None:
            return self.name
        return f"{self.name}:{self.argument.upper().replace(' ', '_')}"

    def check(self, spec: ProviderSpec) -> None:
        """Refuse a spec whose argument is missing or not wanted.

        Raises:
            ValidationError: With the usage of `--provider` for this provider.
        """
        if self.argument is not None and not spec.argument:
            raise ValidationError(f"{self.name} needs an {self.argument}: --provider {self.usage}")
        if self.argument is None and spec.argument is not None:
            raise ValidationError(
                f"{self.name} takes no argument: --provider {self.name}, not {str(spec)!r}"
            )

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """The client options the command-line arguments ask for."""
        return {}

    def open(self, spec: ProviderSpec, args: argparse.Namespace, **options: Any) -> Any:
        """The live client (through `build_source`), with the arguments' options and `options`."""
        return build_source(spec, **self.options(args), **options)

    def offline(self, spec: ProviderSpec, args: argparse.Namespace) -> Any:
        """A client that needs no key and sends nothing: its coverage checks the arguments.

        By default the live client, which sends nothing until asked for data.

        Raises:
            ValidationError: For a bad argument (an exchange id ccxt does not know).
            MissingDependencyError: When the provider's optional package is not installed.
        """
        return self.open(spec, args)

    def dry_run_markets(
        self, spec: ProviderSpec, args: argparse.Namespace, offline: Any, stack: ExitStack
    ) -> DryRunMarkets:
        """What a dry run plans on: by default `offline`, naming any symbol without a request."""
        return DryRunMarkets(
            offline,
            f"not needed: {spec} names series without one (symbols are checked when the "
            "backfill runs)",
            None,
        )

    def stores_as(self, series: Mapping[str, str], kind: Kind, offline: Any, usd: bool) -> bool:
        """Whether a stored series of the provider, symbol and interval is the client's own."""
        return True


class _Coinalyze(CommandProvider):
    """Keyed; `--usd`; `--bases` resolved through its market list; dry runs on the bundled one."""

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        return {"convert_to_usd": args.usd}

    def offline(self, spec: ProviderSpec, args: argparse.Namespace) -> Any:
        from cryptodata.providers.coinalyze.replay import sample_client

        return sample_client(clock=SystemClock(), convert_to_usd=args.usd, markets_only=True)

    def dry_run_markets(
        self, spec: ProviderSpec, args: argparse.Namespace, offline: Any, stack: ExitStack
    ) -> DryRunMarkets:
        """The live list with a key (the bundled one if it cannot be fetched), else the bundled."""
        # `_common` imports this module: its helper is imported when used.
        from cryptodata.cli._common import one_line
        from cryptodata.providers.coinalyze.replay import RECORDED_AT

        catalog = offline.markets().to_polars()
        bundled = DryRunMarkets(offline, "", frozenset(catalog.get_column("symbol")))
        sample = (
            f"the bundled sample recorded {datetime.fromtimestamp(RECORDED_AT, UTC):%Y-%m-%d} "
            f"({catalog.height} markets on "
            f"{', '.join(sorted(set(catalog.get_column('exchange'))))})"
        )
        variable = self.key_variable
        if not (variable and os.environ.get(variable)):
            reason = f"{sample}, as {variable} is not set; set it to plan on the live list"
            return attrs.evolve(bundled, origin=reason)
        client = stack.enter_context(
            self.open(spec, args, retry=_DRY_RUN_RETRY, timeout=_DRY_RUN_TIMEOUT)
        )
        try:
            client.markets()
        except TransportError as exc:
            reason = f"{sample}: the live list could not be fetched ({one_line(exc)})"
            return attrs.evolve(bundled, origin=reason)
        return DryRunMarkets(client, None, None)

    def stores_as(self, series: Mapping[str, str], kind: Kind, offline: Any, usd: bool) -> bool:
        wants_usd = usd and "usd" in offline.coverage().check(kind).units
        return "unit" not in series or (series["unit"] == "usd") == wants_usd


class _Registered(CommandProvider):
    """A provider the commands need nothing special of: keyed as its registry entry says,
    `--symbols` only, and its replay client (no key, no request) to check and plan with, on
    the system clock so a dry run plans up to now."""

    def offline(self, spec: ProviderSpec, args: argparse.Namespace) -> Any:
        return sample_source(spec.name, spec.argument, clock=SystemClock())


class _DefiLlama(_Registered):
    """Keyless (a key makes it Pro). Naming a series reads DefiLlama's chains and protocols
    lists: the replay client's bundled ones keep a dry run off the network (names they lack
    are refused)."""

    def dry_run_markets(
        self, spec: ProviderSpec, args: argparse.Namespace, offline: Any, stack: ExitStack
    ) -> DryRunMarkets:
        """The bundled lists: a dry run sends nothing."""
        return DryRunMarkets(
            offline,
            "the bundled synthetic chains, protocols and stablecoins lists (the backfill "
            "names series from the live ones)",
            None,
        )


class _Ccxt(CommandProvider):
    """Keyless; one exchange per spec; naming a series needs the venue's market list."""

    def dry_run_markets(
        self, spec: ProviderSpec, args: argparse.Namespace, offline: Any, stack: ExitStack
    ) -> DryRunMarkets:
        """No list: a dry run sends nothing, and the units of a series come from its market."""
        return DryRunMarkets(
            offline,
            f"not read: a dry run sends no request, so symbols are checked against "
            f"{spec.argument}'s market list when the backfill runs (series resume from what "
            "the sink stores)",
            frozenset(),
        )

    def stores_as(self, series: Mapping[str, str], kind: Kind, offline: Any, usd: bool) -> bool:
        # One provider, many venues: a stored series is this client's if it is its venue's.
        return bool(series.get("exchange") == offline.venue)


_SPECIAL: Final[Mapping[str, CommandProvider]] = {
    provider.name: provider
    for provider in (
        _Coinalyze(
            "coinalyze",
            argument=None,
            key_variable=COINALYZE_KEY,
            usd=True,
            resolves_bases=True,
            symbols_example="BTCUSDT_PERP.A,BTCUSDT.6",
        ),
        _Ccxt(
            "ccxt",
            argument="exchange id",
            key_variable=None,
            usd=False,
            resolves_bases=False,
            symbols_example="BTC/USDT:USDT,ETH/USDT:USDT (ccxt's unified symbols)",
        ),
        _DefiLlama(
            "defillama",
            argument=None,
            key_variable=None,
            usd=False,
            resolves_bases=False,
            symbols_example="chain_tvl@Ethereum,fees_24h@aave (metric series: '<metric>@<id>')",
        ),
        CommandProvider(
            "hyperliquid",
            argument=None,
            key_variable=None,
            usd=False,
            resolves_bases=False,
            symbols_example="BTC,ETH (coin names)",
        ),
        CommandProvider(
            "marketdata",
            argument=None,
            key_variable=None,
            usd=False,
            resolves_bases=True,
            symbols_example="none: it resolves --bases on --exchanges",
            facade=True,
        ),
    )
}

COMMAND_PROVIDERS: Final[Mapping[str, CommandProvider]] = {
    **_SPECIAL,
    **{
        name: _Registered(
            name,
            argument=None,
            key_variable=entry.key_variable,
            usd=False,
            resolves_bases=False,
            symbols_example=entry.symbols,
        )
        for name, entry in PROVIDERS.items()
        if name not in _SPECIAL
    },
}
"""Every provider the commands serve, by registered name: those with needs of their own, and
every other registered provider from its registry entry (a new provider needs no line here)."""


def parse_provider(value: str) -> ProviderSpec:
    """An argparse type: `--provider NAME` or `NAME:ARGUMENT`, of a command provider.

    Only the shape is checked here; the argument itself (ccxt's exchange id) is checked by
    building the provider's offline client, which needs its optional package.

    Examples:
        >>> parse_provider("ccxt:bybit")
        ProviderSpec(name='ccxt', argument='bybit')
    """
    name, colon, argument = value.strip().partition(":")
    provider = COMMAND_PROVIDERS.get(name)
    if provider is None:
        raise argparse.ArgumentTypeError(
            f"unknown provider {name!r}; use one of "
            f"{', '.join(entry.usage for entry in COMMAND_PROVIDERS.values())}"
        )
    spec = ProviderSpec(name, argument.strip() if colon else None)
    try:
        provider.check(spec)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return spec


def command_provider(spec: ProviderSpec) -> CommandProvider:
    """The `CommandProvider` of a parsed `--provider`."""
    return COMMAND_PROVIDERS[spec.name]


def build_source(spec: ProviderSpec, **options: Any) -> Any:
    """The live client of `spec`, built with `options`: the one place clients are made.

    The spec's argument is the client's first argument (ccxt's exchange id).

    Raises:
        ValidationError: For a bad argument (ccxt names close matches of an unknown id) or,
            for a keyed provider, a key that is not set.
        MissingDependencyError: When the provider's optional package is not installed.
    """
    client_class = source_class(spec.name)
    if spec.argument is None:
        return client_class(**options)
    return client_class(spec.argument, **options)
