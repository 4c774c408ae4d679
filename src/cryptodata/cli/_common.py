"""Options and plumbing shared by the commands: provider, symbols, kinds, sink, logging, exit codes.

What differs between providers (key, `--usd`, `--bases`, dry runs) is described once per
provider in `_providers`; the functions here ask that object, never the provider's name.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs

from cryptodata.core.errors import (
    AuthenticationError,
    CryptoDataError,
    MissingDependencyError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    SinkError,
    TransportError,
    ValidationError,
)
from cryptodata.core.intervals import Interval
from cryptodata.core.schema import Kind
from cryptodata.core.time import time_range, to_utc
from cryptodata.sinks import specs
from cryptodata.sinks.base import STORABLE_KINDS, Sink
from cryptodata.sinks.layout import LayoutError

from ._providers import (
    COINALYZE_KEY,
    COMMAND_PROVIDERS,
    CommandProvider,
    command_provider,
    parse_provider,
)

__all__ = [
    "COMMAND_PROVIDERS",
    "EXIT_CODES",
    "KEY_VARIABLE",
    "ExitCode",
    "add_logging_options",
    "add_series_options",
    "add_sink_option",
    "check_sink_spec",
    "duration",
    "exit_code",
    "exit_code_for",
    "offline_client",
    "one_line",
    "open_client",
    "open_sink",
    "positive",
    "provider_of",
    "required_symbols",
    "series_arguments",
    "setup_logging",
    "silenced",
    "storable_kind",
    "symbols_of",
]

KEY_VARIABLE: Final = COINALYZE_KEY
"""The environment variable Coinalyze's client reads its key from (`demo` is Coinalyze's)."""


@attrs.frozen
class ExitCode:
    """One exit status of the `cryptodata` command and the errors that end in it.

    Attributes:
        code: The process exit status.
        errors: Error classes (with their subclasses) that exit with it.
        meaning: What it tells a script.
    """

    code: int
    errors: tuple[type[BaseException], ...]
    meaning: str


EXIT_CODES: Final = (
    ExitCode(0, (), "success"),
    ExitCode(1, (CryptoDataError,), "another failure; for `watch`, every cycle failed"),
    ExitCode(2, (ValidationError,), "bad arguments, refused before any request (usage errors too)"),
    ExitCode(3, (AuthenticationError,), "the provider refused the API key"),
    ExitCode(4, (RateLimitError,), "rate limited past the retry budget: try again later"),
    ExitCode(5, (ProviderError,), "the provider answered another error"),
    ExitCode(6, (TransportError,), "the provider could not be reached (network, timeout)"),
    ExitCode(7, (ResponseFormatError,), "the provider answered something we cannot parse"),
    ExitCode(8, (LayoutError,), "the sink holds an older layout: run `cryptodata migrate`"),
    ExitCode(9, (SinkError,), "the sink failed: database unreachable, disk full, no permission"),
    ExitCode(
        10,
        (MissingDependencyError, ImportError),
        "an optional dependency is missing: install the extra named",
    ),
    ExitCode(130, (KeyboardInterrupt,), "interrupted (Ctrl-C)"),
)
"""Every exit status, in one place; docs/cli.md lists the same table."""


def exit_code_for(error: type[BaseException]) -> int:
    """The exit status of an error class: that of its nearest listed ancestor.

    Examples:
        >>> from cryptodata.core.errors import NotFoundError, UnsupportedError
        >>> exit_code_for(NotFoundError), exit_code_for(UnsupportedError)
        (5, 2)
    """
    for klass in error.__mro__:
        for entry in EXIT_CODES:
            if klass in entry.errors:
                return entry.code
    return 1


def exit_code(error: BaseException) -> int:
    """The exit status a raised error ends the command with."""
    return exit_code_for(type(error))


# -- arguments -------------------------------------------------------------------------------


def add_series_options(
    parser: argparse.ArgumentParser,
    *,
    start_required: bool,
    start_help: str = "start (ISO date or time, UTC)",
    end: bool = True,
) -> None:
    """Options naming what to fetch and where to put it; `end=False` leaves out `--end`."""
    providers = list(COMMAND_PROVIDERS.values())
    parser.add_argument(
        "--provider",
        type=parse_provider,
        default="coinalyze",
        metavar="PROVIDER",
        help=f"data provider: {', '.join(provider.usage for provider in providers)} "
        "(default coinalyze; e.g. ccxt:bybit, any exchange id ccxt knows)",
    )
    parser.add_argument(
        "--symbols",
        type=_csv,
        help="provider symbols, comma-separated; "
        + "; ".join(
            f"{provider.name}: {provider.symbols_example}"
            for provider in providers
            if not provider.facade
        ),
    )
    resolving = ", ".join(provider.name for provider in providers if provider.resolves_bases)
    parser.add_argument(
        "--bases",
        type=_csv,
        help=f"base assets to resolve, comma-separated (e.g. BTC,ETH); {resolving} only",
    )
    parser.add_argument(
        "--exchanges",
        "--venues",
        type=_csv,
        help="venues for --bases, comma-separated (e.g. binance,bybit); --venues, as "
        "`cryptodata fetch` spells it, is the same option",
    )
    parser.add_argument(
        "--quote", help="quote asset for --bases (default: USDT, then USD, then USDC)"
    )
    parser.add_argument(
        "--kinds",
        type=_csv,
        help="series kinds, comma-separated; coinalyze: open_interest, funding_rate, "
        "predicted_funding_rate, liquidations, long_short_ratio, ohlcv; ccxt: what the "
        "exchange offers, e.g. ohlcv, open_interest, funding_settlement (default: all the "
        "provider offers; marketdata: required)",
    )
    parser.add_argument(
        "--interval",
        required=True,
        help="bar interval; coinalyze: 1m 5m 15m 30m 1h 2h 4h 6h 12h 1d (or 1min ... daily); "
        "ccxt: the exchange's timeframes",
    )
    parser.add_argument("--start", required=start_required, help=start_help)
    if end:
        parser.add_argument("--end", help="end, exclusive (default: now)")
    parser.add_argument(
        "--lag",
        type=_count,
        default=2,
        help="bars re-read before the newest stored one (default 2)",
    )
    converting = ", ".join(provider.name for provider in providers if provider.usd)
    parser.add_argument(
        "--usd",
        action="store_true",
        help=f"USD values for open interest and liquidations ({converting} only)",
    )
    facades = ", ".join(provider.name for provider in providers if provider.facade)
    parser.add_argument(
        "--offline",
        action="store_true",
        help=f"answer from every provider's bundled samples, no key and no network ({facades} "
        "only)",
    )
    add_sink_option(parser)
    add_logging_options(parser)


def add_sink_option(parser: argparse.ArgumentParser) -> None:
    """The `--sink` option: `jsonl:DIR`, `parquet:DIR_OR_URL` or `postgres:DSN`."""
    parser.add_argument(
        "--sink",
        required=True,
        help="where data lives: jsonl:DIR, parquet:DIR_OR_URL or postgres:postgresql://...",
    )


def add_logging_options(parser: argparse.ArgumentParser) -> None:
    """`--json` (one JSON object per log line, for daemons) and `--quiet`."""
    parser.add_argument(
        "--json", action="store_true", help="log one JSON object per line (for daemons)"
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings and errors only")


def series_arguments(args: argparse.Namespace) -> tuple[Interval, list[Kind]]:
    """`--sink`, `--provider` and its options, `--interval`, `--kinds` and the window, checked
    against what `--provider` offers.

    Everything here is known without a key or a request (the provider's coverage is static),
    so a bad argument is reported before the key is asked for.

    Returns:
        The interval and the kinds (by default every series kind the provider offers).

    Raises:
        ValidationError: For a malformed `--sink`, an unknown ccxt exchange id, an option the
            provider has no use for (`--usd`, `--bases`, `--offline`), an interval or kind the
            provider does not offer, a bad time, or `--start` not before `--end`.
        MissingDependencyError: When the provider's optional package is not installed.
    """
    check_sink_spec(args.sink)
    provider = provider_of(args)
    if args.offline:
        facades = ", ".join(entry.name for entry in COMMAND_PROVIDERS.values() if entry.facade)
        raise ValidationError(
            f"--offline: {args.provider} has no offline mode ({facades} only); drop --offline"
        )
    if args.usd and not provider.usd:
        converting = ", ".join(entry.name for entry in COMMAND_PROVIDERS.values() if entry.usd)
        raise ValidationError(
            f"--usd: {args.provider} has no USD conversion ({converting} only); drop --usd"
        )
    if not provider.resolves_bases and (args.bases or args.exchanges or args.quote):
        raise ValidationError(
            f"--bases/--exchanges/--quote: {args.provider} resolves no base assets; name the "
            f"markets with --symbols (e.g. {provider.symbols_example})"
        )
    with offline_client(args) as client:
        coverage = client.coverage()
    interval = coverage.interval(args.interval)
    offered = [entry.kind for entry in coverage.kinds if entry.intervals]
    names = args.kinds if args.kinds is not None else [kind.value for kind in offered]
    kinds: list[Kind] = []
    for name in names:
        kind = next((kind for kind in offered if kind.value == name), None)
        if kind is None:
            raise ValidationError(
                f"--kinds: {args.provider} has no {name!r} series; use "
                f"{', '.join(kind.value for kind in offered)}"
            )
        coverage.check(kind, interval)
        kinds.append(kind)
    start = None if args.start is None else to_utc(args.start, name="start")
    end = getattr(args, "end", None)
    stop = None if end is None else to_utc(end, name="end")
    if start is not None and stop is not None:
        time_range(start, stop)
    return interval, list(dict.fromkeys(kinds))


def storable_kind(name: str) -> Kind:
    """An argparse type: a kind sinks store (what `query` reads)."""
    try:
        kind = Kind(name)
    except ValueError:
        kind = None
    if kind is None or kind not in STORABLE_KINDS:
        raise argparse.ArgumentTypeError(
            f"{name!r} is not a kind sinks store; use one of "
            f"{', '.join(sorted(kind.value for kind in STORABLE_KINDS))}"
        )
    return kind


def provider_of(args: argparse.Namespace) -> CommandProvider:
    """What the commands know of `--provider`."""
    return command_provider(args.provider)


def symbols_of(client: Any, args: argparse.Namespace) -> list[str] | None:
    """Symbols from `--symbols`, or resolved from `--bases` on `--exchanges`; `None` for neither."""
    if args.symbols and args.bases:
        raise ValidationError("give either --symbols or --bases/--exchanges, not both")
    if args.symbols:
        return list(args.symbols)
    if not args.bases and not args.exchanges:
        return None
    if not args.bases or not args.exchanges:
        raise ValidationError("--bases and --exchanges go together")
    resolved = client.resolve_many(args.bases, args.exchanges, quote=args.quote)
    for base, exchange in resolved.missing:
        logging.getLogger("cryptodata.cli").warning(
            "no %s market for %s on %s", args.provider, base, exchange
        )
    if not resolved.symbols:
        raise ValidationError("none of the --bases has a market on the --exchanges given")
    return list(resolved.symbols)


def required_symbols(client: Any, args: argparse.Namespace) -> list[str]:
    """`symbols_of`, for commands that need symbols."""
    symbols = symbols_of(client, args)
    if symbols is None:
        provider = provider_of(args)
        if provider.resolves_bases:
            raise ValidationError("give --symbols, or --bases together with --exchanges")
        raise ValidationError(
            f"{args.provider} needs --symbols (e.g. --symbols {provider.symbols_example})"
        )
    return symbols


# -- clients ---------------------------------------------------------------------------------


def offline_client(args: argparse.Namespace) -> Any:
    """The `--provider` client that needs no key and sends nothing (Coinalyze's runs on its
    bundled market lists); its coverage checks arguments before the key is asked for, and a
    dry run plans with it.

    Raises:
        ValidationError: For an exchange id ccxt does not know (naming close matches).
        MissingDependencyError: When the provider's optional package is not installed.
    """
    return provider_of(args).offline(args.provider, args)


def open_client(args: argparse.Namespace, **options: Any) -> Any:
    """The client of `--provider`, with its options (`--usd`) and the `options` given.

    Raises:
        ValidationError: If its key is not set.
    """
    return provider_of(args).open(args.provider, args, **options)


# -- sinks -----------------------------------------------------------------------------------


def open_sink(spec: str, *, migrate_interval: str | None = None, existing: bool = False) -> Sink:
    """The sink `--sink` names (see `cryptodata.sinks.specs.open_sink`).

    Raises:
        ValidationError: For a malformed spec, a local root holding the other file sink's
            data, or (with `existing`) a local root that does not exist or holds no data.
    """
    return specs.open_sink(
        spec, migrate_interval=migrate_interval, existing=existing, label="--sink"
    )


def check_sink_spec(spec: str) -> None:
    """Check `--sink` without opening it, so a typo is reported before the key is asked for.

    Raises:
        ValidationError: For an unknown scheme (only the scheme is named: the rest may be a
            DSN with a password in it) or a missing target.
    """
    specs.sink_scheme(spec, label="--sink")


# -- logging ---------------------------------------------------------------------------------


def setup_logging(args: argparse.Namespace) -> None:
    """Log to stderr, as text or (with `--json`) as one JSON object per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _JsonFormatter()
        if args.json
        else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    )
    root = logging.getLogger("cryptodata")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if args.quiet else logging.INFO)
    root.propagate = False


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _csv(value: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list")
    return items


def _count(value: str) -> int:
    """An argparse type: a whole number >= 0."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}")
    return number


def positive(value: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value!r}")
    return number


def one_line(error: BaseException) -> str:
    """An error's message on one line (some libraries' messages span several)."""
    return " ".join(str(error).split()) or type(error).__name__


def duration(seconds: float) -> str:
    """Seconds as `H:MM:SS`, for plans' estimates."""
    return str(timedelta(seconds=round(seconds)))


@contextmanager
def silenced(name: str) -> Iterator[None]:
    """Hold back a logger's info and warnings for the duration (errors still show)."""
    target = logging.getLogger(name)
    level = target.level
    target.setLevel(logging.ERROR)
    try:
        yield
    finally:
        target.setLevel(level)
