"""Venues: one canonical lowercase name per exchange, shared by every provider.

Each provider spells venues its own way (Coinalyze's display names `"Gate.io"`, `"Huobi"`;
ccxt ids `gate`, `htx`; Hyperliquid's `BinPerp`). Every provider turns its spelling into the
canonical name with `canonical_venue` (or, for codes
of venues this table does not list yet, `normalize_venue`),
so the `exchange` column means the same thing whoever filled it.

Canonical names are ccxt's exchange ids where ccxt has the venue, except four names that
cryptodata stored before this table existed and keeps so that stored series stay whole:
`gateio` (ccxt `gate`), `huobi` (ccxt `htx`), `woox` (ccxt `woo`) and `mercadobitcoin`
(ccxt `mercado`); the ccxt ids are aliases of them.

Names are compared by their *key*: lower case with everything but letters and digits removed,
so `"Gate.io"`, `"gate io"`, `"GATE-IO"` and `"gateio"` are one name.

Examples:
    >>> canonical_venue("Gate.io")
    'gateio'
    >>> canonical_venue("HTX")
    'huobi'
    >>> VENUES["hyperliquid"].kind
    <VenueKind.DEX: 'dex'>
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from .errors import ValidationError

__all__ = [
    "VENUES",
    "Venue",
    "VenueKind",
    "canonical_venue",
    "find_venue",
    "normalize_venue",
    "venue_key",
]


class VenueKind(enum.StrEnum):
    """Who runs the order book: a company (`cex`) or a chain / smart contract (`dex`)."""

    CEX = "cex"
    DEX = "dex"


@attrs.frozen
class Venue:
    """One exchange.

    Attributes:
        name: Canonical lowercase name, the value of every `exchange` column.
        display_name: How the venue calls itself today.
        kind: Centralised or decentralised.
        aliases: Other spellings that resolve to this venue (former names, ccxt ids of its
            segments, other providers' codes); compared by key like the name.

    Examples:
        >>> VENUES["okx"].aliases
        ('okex',)
    """

    name: str
    display_name: str
    kind: VenueKind
    aliases: tuple[str, ...] = ()

    def spellings(self) -> Iterator[str]:
        """The name, the display name and every alias."""
        yield self.name
        yield self.display_name
        yield from self.aliases


_CEX, _DEX = VenueKind.CEX, VenueKind.DEX

_TABLE: Final[tuple[Venue, ...]] = (
    # The 26 venues Coinalyze lists (its `/exchanges`, June 2025), most traded first.
    Venue("binance", "Binance", _CEX, ("binanceusdm", "binancecoinm")),
    Venue("bybit", "Bybit", _CEX),
    Venue("okx", "OKX", _CEX, ("okex",)),
    Venue("bitmex", "BitMEX", _CEX),
    Venue("deribit", "Deribit", _CEX),
    Venue("huobi", "HTX", _CEX, ("htx", "huobipro", "huobiglobal")),
    Venue("gateio", "Gate.io", _CEX, ("gate",)),
    Venue("phemex", "Phemex", _CEX),
    Venue("hyperliquid", "Hyperliquid", _DEX),
    Venue("dydx", "dYdX", _DEX),
    Venue("coinbase", "Coinbase", _CEX, ("coinbaseexchange", "coinbaseadvanced", "coinbasepro")),
    Venue("bitfinex", "Bitfinex", _CEX, ("bitfinex2",)),
    Venue("kraken", "Kraken", _CEX, ("krakenfutures",)),
    Venue("gemini", "Gemini", _CEX),
    Venue("bitstamp", "Bitstamp", _CEX),
    Venue("woox", "WOO X", _CEX, ("woo",)),
    Venue("poloniex", "Poloniex", _CEX),
    Venue("vertex", "Vertex", _DEX),
    Venue("bitforex", "BitForex", _CEX),
    Venue("bithumb", "Bithumb", _CEX),
    Venue("bitflyer", "bitFlyer", _CEX),
    Venue("btcmarkets", "BTC Markets", _CEX),
    Venue("bit2c", "Bit2C", _CEX),
    Venue("mercadobitcoin", "Mercado Bitcoin", _CEX, ("mercado",)),
    Venue("independentreserve", "Independent Reserve", _CEX),
    Venue("luno", "Luno", _CEX),
    # Derivatives venues other providers (ccxt, Velo, Hyperliquid) cover.
    Venue("bitget", "Bitget", _CEX),
    Venue("mexc", "MEXC", _CEX, ("mxc",)),
    Venue("kucoin", "KuCoin", _CEX, ("kucoinfutures",)),
    Venue("cryptocom", "Crypto.com", _CEX),
    Venue("bingx", "BingX", _CEX),
    Venue("coinbaseinternational", "Coinbase International", _CEX),
    Venue("aster", "Aster", _DEX, ("asterdex",)),
    Venue("paradex", "Paradex", _DEX),
    Venue("lighter", "Lighter", _DEX),
    Venue("backpack", "Backpack", _CEX),
)

VENUES: Final[Mapping[str, Venue]] = MappingProxyType({venue.name: venue for venue in _TABLE})
"""Every known venue by canonical name, in the order of the table (read-only)."""


def venue_key(name: str) -> str:
    """The form names are compared in: lower case, letters and digits only.

    Examples:
        >>> venue_key("WOO X"), venue_key("Crypto.com")
        ('woox', 'cryptocom')
    """
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _index(table: tuple[Venue, ...]) -> dict[str, Venue]:
    index: dict[str, Venue] = {}
    for venue in table:
        for spelling in venue.spellings():
            key = venue_key(spelling)
            other = index.setdefault(key, venue)
            # An ambiguous key would silently file one venue's rows under another's name.
            if other is not venue:
                raise AssertionError(f"{spelling!r} names both {other.name} and {venue.name}")
    return index


_BY_KEY: Final[dict[str, Venue]] = _index(_TABLE)


def find_venue(name: str) -> Venue:
    """The venue a name, display name or alias stands for (case, spaces, dots, dashes ignored).

    Raises:
        ValidationError: For a name no venue answers to; the message names close matches.

    Examples:
        >>> find_venue("Crypto.com").name
        'cryptocom'
    """
    key = _key_of(name)
    venue = _BY_KEY.get(key)
    if venue is None:
        import difflib  # deferred: only a misspelt name needs it, and it is costly to import

        matches = list(
            dict.fromkeys(
                _BY_KEY[match].name
                for match in difflib.get_close_matches(key, _BY_KEY, n=5, cutoff=0.75)
            )
        )
        hint = (
            f"did you mean {', '.join(map(repr, matches[:3]))}?"
            if matches
            else f"known venues: {', '.join(VENUES)}"
        )
        raise ValidationError(f"unknown venue {name!r}; {hint}")
    return venue


def canonical_venue(name: str) -> str:
    """The canonical name of a venue given by any of its spellings.

    Raises:
        ValidationError: For a name no venue answers to; the message names close matches.

    Examples:
        >>> canonical_venue("OKEx"), canonical_venue("binanceusdm"), canonical_venue("Huobi")
        ('okx', 'binance', 'huobi')
    """
    return find_venue(name).name


def normalize_venue(name: str) -> str:
    """Like `canonical_venue`, but a name no venue answers to comes back as its key.

    For provider codes of venues this table does not list yet: their rows keep a stable,
    lowercase name (the one a later table entry should adopt) instead of failing the call.

    Raises:
        ValidationError: If `name` is not a string with at least one letter or digit.

    Examples:
        >>> normalize_venue("Gate.io"), normalize_venue("New Venue")
        ('gateio', 'newvenue')
    """
    key = _key_of(name)
    venue = _BY_KEY.get(key)
    return key if venue is None else venue.name


def _key_of(name: str) -> str:
    if not isinstance(name, str):
        raise ValidationError(f"a venue name must be a string, got {name!r}")
    key = venue_key(name)
    if not key:
        raise ValidationError(f"{name!r} is not a venue name (it has no letter or digit)")
    return key
