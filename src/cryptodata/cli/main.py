"""Entry point of the `cryptodata` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from cryptodata._version import __version__
from cryptodata.core.errors import CryptoDataError

from . import backfill, demo, fetch, migrate, providers, pull, query, watch
from ._common import exit_code, one_line


class _Parser(argparse.ArgumentParser):
    """Bad arguments end in one line on stderr and exit status 2, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per module of `cryptodata.cli`."""
    parser = _Parser(prog="cryptodata", description="Typed crypto market data.")
    parser.add_argument("--version", action="version", version=f"cryptodata {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    demo.register(commands)
    backfill.register(commands)
    watch.register(commands)
    query.register(commands)
    migrate.register(commands)
    providers.register(commands)
    fetch.register(commands)
    pull.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (see `EXIT_CODES`).

    Every cryptodata error, and a missing optional dependency, ends in one line on stderr and
    the exit status its class maps to; anything else is a bug and keeps its traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except (CryptoDataError, ImportError) as exc:
        print(f"cryptodata: error: {one_line(exc)}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt as exc:
        return exit_code(exc)
    return status


if __name__ == "__main__":
    sys.exit(main())
