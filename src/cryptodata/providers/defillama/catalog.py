"""Naming what DefiLlama measures: chains, protocols and stablecoins found in their lists.

A name is looked up, without case, in the list its metric can mean:

- a chain in `/v2/chains` by its display name (`Ethereum`, `BSC`), its overview key
  (`ethereum`, `avax`) or its gecko id; it is named by its display name;
- a protocol in `/protocols` by its slug, then its name, then its gecko id (in that order,
  so a name that is another protocol's slug finds the slug's); a protocol is named by its
  slug, else (a blank slug) by its name made a slug, else by its gecko id;
- a stablecoin in `/stablecoins` by its gecko id, symbol, name or numeric id; it is named by
  its gecko id, else its symbol, and asked for by its numeric id.

Fees and volumes exist for chains and protocols alike: a name is the chain's when the chains
list has it as a display name or overview key (`PROTOCOLS_NAMED_LIKE_CHAINS` excepted, unless
spelt exactly as the chain), else the protocol's; a chain's gecko id comes last, after every
protocol (a native token's gecko id is often a protocol's too).

Examples:
    >>> chains = pl.DataFrame({"name": ["Ethereum", "Avalanche"], "gecko_id": ["ethereum", None]})
    >>> find_chain(chains, "avax"), find_chain(chains, "ETHEREUM"), find_chain(chains, "x")
    ('Avalanche', 'Ethereum', None)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import attrs
import polars as pl

from cryptodata.core.entities import slug

from .endpoints import ALL, PROTOCOLS_NAMED_LIKE_CHAINS, overview_chain

__all__ = [
    "Stablecoin",
    "close_names",
    "find_chain",
    "find_protocol",
    "find_stablecoin",
    "is_all",
    "is_protocol_first",
    "protocol_ids",
]


@attrs.frozen
class Stablecoin:
    """A stablecoin as the charts take it.

    Attributes:
        provider_id: What its series are named by (gecko id, else symbol).
        number: DefiLlama's numeric id, the charts' `stablecoin` parameter.
    """

    provider_id: str
    number: str


def _folded(value: object) -> str | None:
    return value.casefold() if isinstance(value, str) and value.strip() else None


def find_chain(chains: pl.DataFrame, name: str, *, by_gecko_id: bool = True) -> str | None:
    """The display name of the chain `name` names, or `None`.

    Args:
        chains: The chains list.
        name: A display name or overview key (any case), or a gecko id.
        by_gecko_id: Whether a gecko id finds a chain too.
    """
    names = chains.get_column("name").to_list()
    if name in names:
        return name
    wanted = name.casefold()
    for column in (names, [overview_chain(item) for item in names]):
        for display, candidate in zip(names, column, strict=True):
            if _folded(candidate) == wanted:
                return str(display)
    if not by_gecko_id:
        return None
    for display, gecko in zip(names, chains.get_column("gecko_id").to_list(), strict=True):
        if _folded(gecko) == wanted:
            return str(display)
    return None


def is_protocol_first(name: str, chains: pl.DataFrame) -> bool:
    """Whether `name` means a protocol though a chain answers to it (see the module)."""
    exact = name in chains.get_column("name").to_list()
    return not exact and name.casefold() in PROTOCOLS_NAMED_LIKE_CHAINS


def protocol_ids(protocols: pl.DataFrame) -> list[str | None]:
    """Each protocol's id: its slug, else its name made a slug, else its gecko id."""
    return [
        item_slug or (slug(name) if name else None) or gecko
        for item_slug, name, gecko in zip(
            protocols.get_column("slug").to_list(),
            protocols.get_column("name").to_list(),
            protocols.get_column("gecko_id").to_list(),
            strict=True,
        )
    ]


def find_protocol(protocols: pl.DataFrame, name: str) -> str | None:
    """The id of the protocol `name` names (slug > name > gecko id), or `None`."""
    ids = protocol_ids(protocols)
    wanted = name.casefold()
    for column in (
        ids,
        protocols.get_column("name").to_list(),
        protocols.get_column("gecko_id").to_list(),
    ):
        for found, candidate in zip(ids, column, strict=True):
            if found is not None and _folded(candidate) == wanted:
                return found
    return None


def find_stablecoin(stablecoins: pl.DataFrame, name: str) -> Stablecoin | None:
    """The stablecoin `name` names (gecko id, symbol, name or numeric id), or `None`."""
    rows = stablecoins.select("id", "name", "symbol", "gecko_id").rows()
    wanted = name.casefold()
    for position in (3, 2, 1, 0):
        for number, coin_name, symbol, gecko in rows:
            if number is None or _folded((number, coin_name, symbol, gecko)[position]) != wanted:
                continue
            return Stablecoin(gecko or symbol or coin_name or number, number)
    return None


def close_names(name: str, candidates: Iterable[str | None]) -> list[str]:
    """Up to three candidates spelt like `name`, for a "did you mean" hint."""
    known = {item.casefold(): item for item in candidates if item}
    return [known[item] for item in difflib.get_close_matches(name.casefold(), list(known), n=3)]


def is_all(name: str) -> bool:
    """Whether `name` asks for the whole market (`all`, any case)."""
    return name.casefold() == ALL
