"""Hyperliquid's coin names: what a request sends, and the canonical asset a row's `base` holds.

A coin is sent byte for byte as Hyperliquid spells it: `BTC`, `kPEPE` (a 1,000-token
contract), `xyz:TSLA` (a builder-deployed perp on the `xyz` dex), `@107` (a spot pair by
its index) or `PURR/USDC`. Names are case-sensitive: `KPEPE` is not `kPEPE`.
"""

from __future__ import annotations

import re
from typing import Final

from cryptodata.core.errors import ValidationError

__all__ = ["base_of", "contract_size", "size_unit", "validate_address", "validate_coin"]

_THOUSANDS: Final = re.compile(r"k[A-Z0-9]{2,}")
"""A lowercase `k` before an upper-case ticker marks a 1,000-token contract (`kPEPE`)."""
_COIN: Final = re.compile(
    r"(?:[a-z0-9]{1,16}:)?[A-Za-z0-9]{1,24}|@[0-9]{1,6}|[A-Z0-9]{1,24}/[A-Z0-9]{1,24}"
)
_ADDRESS: Final = re.compile(r"0x[0-9a-fA-F]{40}")


def _ticker(coin: str) -> str:
    return coin.split(":", 1)[1] if ":" in coin else coin


def contract_size(coin: str) -> float:
    """How many tokens of the base asset one unit of `coin` counts: 1,000 for `kPEPE`, else 1.

    Examples:
        >>> contract_size("kPEPE"), contract_size("BTC"), contract_size("xyz:TSLA")
        (1000.0, 1.0, 1.0)
    """
    return 1000.0 if _THOUSANDS.fullmatch(_ticker(coin)) else 1.0


def size_unit(coin: str) -> str:
    """What sizes of `coin` count: `contracts` of 1,000 tokens for `kPEPE`, else `base`.

    Examples:
        >>> size_unit("kPEPE"), size_unit("BTC")
        ('contracts', 'base')
    """
    return "base" if contract_size(coin) == 1.0 else "contracts"


def base_of(coin: str) -> str:
    """The canonical asset of a perp coin: the dex prefix and the 1,000x `k` dropped.

    Spot pairs (`@107`) name no asset themselves: the markets table resolves them through
    `spotMeta`.

    Examples:
        >>> base_of("kPEPE"), base_of("BTC"), base_of("xyz:TSLA"), base_of("PURR/USDC")
        ('PEPE', 'BTC', 'TSLA', 'PURR')
    """
    ticker = _ticker(coin).split("/", 1)[0]
    return ticker[1:] if _THOUSANDS.fullmatch(ticker) else ticker


def validate_coin(coin: object) -> str:
    """`coin` checked to be a Hyperliquid coin name, before any request.

    Raises:
        ValidationError: For anything but a perp name (`BTC`, `kPEPE`, `xyz:TSLA`), a spot
            index (`@107`) or a spot pair name (`PURR/USDC`).

    Examples:
        >>> validate_coin("kPEPE")
        'kPEPE'
    """
    if not isinstance(coin, str) or not _COIN.fullmatch(coin):
        raise ValidationError(
            f"not a Hyperliquid coin: {coin!r}; use the name as Hyperliquid spells it "
            "(BTC, kPEPE, xyz:TSLA, @107 for a spot pair, PURR/USDC), case included"
        )
    return coin


def validate_address(address: object) -> str:
    """A trader's address checked to be `0x` and 40 hex digits, in lower case.

    Raises:
        ValidationError: For anything else, before any request.

    Examples:
        >>> validate_address("0x" + "AB" * 20) == "0x" + "ab" * 20
        True
    """
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise ValidationError(
            f"not a Hyperliquid address: {address!r}; an address is 0x followed by 40 hex digits "
            "(the master or sub-account address, not an API wallet's)"
        )
    return address.lower()
