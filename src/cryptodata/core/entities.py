"""The entity master: one canonical id for each asset, chain, protocol and stablecoin, and every
id a research provider gives it.

A `metric` row names what it measures twice: `provider_id`, the provider's own id byte for
byte (Artemis' `sol`, DefiLlama's `Ethereum`, Coin Metrics' `btc`), which with the metric
names the series; and `entity`, the canonical id the master gives that id (`solana`,
`ethereum`, `bitcoin`), so rows of several providers about one thing line up. An id the
master does not know still gets a stable canonical id: its `slug` (`Hyperliquid L1` →
`hyperliquid-l1`), so nothing is dropped for want of an entry.

Canonical ids are lower-case slugs: CoinGecko's id for assets and the chains they are the
native asset of (one entity, `ethereum`, is both the ETH asset and the Ethereum chain, as
Artemis' `eth` is), DefiLlama's slug for protocols. An entity that is an asset names its
asset registry id in `asset` (`BTC`), which links it to the market-data facade.

The data ships with the package (`core/data/entities.json`, read on first use) and a user's
mapping or JSON file can be merged over it (`EntityMaster.load`). Merge rules: an override
entry with a shipped id replaces the fields it gives and keeps the others (its `ids` are
merged per provider, the override's first); a new id is a new entity. After the merge, one
provider id claimed by two entities is an error naming both, so a lookup is never a guess.

Examples:
    >>> master = EntityMaster.default()
    >>> master.canonical("artemis", "sol"), master.canonical("defillama", "BSC")
    ('solana', 'bnb')
    >>> master.canonical("defillama", "Hyperliquid L1"), master.canonical("artemis", "newchain")
    ('hyperliquid', 'newchain')
    >>> master.entity("ETH").id, master.provider_id("ethereum", "coinmetrics")
    ('ethereum', 'eth')
"""

from __future__ import annotations

import difflib
import enum
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import attrs

from .errors import ValidationError

__all__ = [
    "AmbiguousEntityError",
    "Entity",
    "EntityKind",
    "EntityMaster",
    "EntityOverrides",
    "UnknownEntityError",
    "slug",
]

EntityOverrides: TypeAlias = "Mapping[str, Mapping[str, Any]] | str | PathLike[str]"
"""What `EntityMaster.load` merges over the shipped data: canonical id → fields (`name`,
`kinds`, `asset`, `coingecko`, `ids`: `{provider: [id, ...]}`), or the path of a JSON file
holding that mapping."""

_FIELDS: Final = frozenset({"name", "kinds", "asset", "coingecko", "ids"})
_COINGECKO: Final = "coingecko"
"""The provider whose ids are the entities' `coingecko_id`."""
_NOT_SLUG = re.compile(r"[^a-z0-9.]+")


class EntityKind(enum.StrEnum):
    """What an entity is (one entity can be several: Ethereum is an asset and a chain)."""

    ASSET = "asset"
    CHAIN = "chain"
    PROTOCOL = "protocol"
    STABLECOIN = "stablecoin"
    MARKET = "market"
    """The crypto market as a whole (what a market-wide index such as Fear & Greed measures)."""


def slug(name: str) -> str:
    """The canonical id of a name the master does not know: lower case, other runs as `-`.

    Examples:
        >>> slug("Hyperliquid L1"), slug(" OP Mainnet "), slug("usd-coin")
        ('hyperliquid-l1', 'op-mainnet', 'usd-coin')
    """
    return _NOT_SLUG.sub("-", name.strip().lower()).strip("-")


@attrs.frozen
class Entity:
    """One canonical entity and every id providers give it.

    Attributes:
        id: Canonical id (a lower-case slug): the `entity` of `metric` rows.
        name: Display name.
        kinds: What it is.
        asset: Its asset registry id (`BTC`) where it is an asset, else `None`.
        coingecko_id: CoinGecko's id, where it has one.
        ids: `(provider, ids)`: each provider's own ids of it, the one it is asked by first.
    """

    id: str
    name: str
    kinds: tuple[EntityKind, ...]
    asset: str | None = None
    coingecko_id: str | None = None
    ids: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def ids_of(self, provider: str) -> tuple[str, ...]:
        """The provider's own ids of this entity (empty where the master knows none).

        CoinGecko's is the entity's `coingecko_id`, unless `ids` names others.
        """
        return dict(self.ids_by_provider()).get(provider, ())

    def ids_by_provider(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """`ids`, with the `coingecko_id` as CoinGecko's where `ids` gives it none."""
        if self.coingecko_id is None or any(provider == _COINGECKO for provider, _ in self.ids):
            return self.ids
        return (*self.ids, (_COINGECKO, (self.coingecko_id,)))


class UnknownEntityError(ValidationError):
    """A name no entity answers to; the message names close matches.

    Attributes:
        name: The name looked up.
        matches: Canonical ids of entities with a similar name, closest first.
    """

    def __init__(self, name: str, matches: tuple[str, ...]) -> None:
        hint = f"; did you mean {', '.join(matches)}?" if matches else ""
        super().__init__(f"no entity is named {name!r}{hint}")
        self.name = name
        self.matches = matches


class AmbiguousEntityError(ValidationError):
    """A name several entities answer to; the message lists their canonical ids.

    Attributes:
        name: The name looked up.
        choices: The entities it names.
    """

    def __init__(self, name: str, choices: tuple[Entity, ...]) -> None:
        listed = ", ".join(f"{entity.id} ({entity.name})" for entity in choices)
        super().__init__(f"{name!r} names several entities: {listed}; ask by canonical id")
        self.name = name
        self.choices = choices


class EntityMaster:
    """Canonical entities and their provider ids (see the module).

    Args:
        entities: The entities, in data order.

    Raises:
        ValidationError: When two entities claim one provider id, or share a canonical id.
    """

    def __init__(self, entities: Mapping[str, Entity] | Iterator[Entity] | list[Entity]) -> None:
        listed = list(entities.values()) if isinstance(entities, Mapping) else list(entities)
        self._entities: dict[str, Entity] = {}
        for entity in listed:
            if entity.id in self._entities:
                raise ValidationError(f"two entities have the canonical id {entity.id!r}")
            self._entities[entity.id] = entity
        self._by_provider: dict[tuple[str, str], str] = {}
        for entity in listed:
            for provider, ids in entity.ids_by_provider():
                for provider_id in ids:
                    claimed = self._by_provider.setdefault((provider, provider_id), entity.id)
                    if claimed != entity.id:
                        raise ValidationError(
                            f"{provider} id {provider_id!r} is claimed by two entities: "
                            f"{claimed} and {entity.id}; keep it on one"
                        )
        self._by_name: dict[str, list[str]] = {}
        for entity in listed:
            for name in _names(entity):
                owners = self._by_name.setdefault(name.casefold(), [])
                if entity.id not in owners:
                    owners.append(entity.id)

    @classmethod
    def default(cls) -> EntityMaster:
        """The shipped entities (read once per process)."""
        return _shipped()

    def load(self, overrides: EntityOverrides) -> EntityMaster:
        """This master with `overrides` merged over it (see the module's merge rules).

        Raises:
            ValidationError: For an unreadable file, an unknown field, a bad value, or a
                provider id the merge leaves claimed by two entities.
        """
        entries = _read(overrides)
        for key, fields in entries.items():
            _entity(key, fields)  # each entry checked as given, before it is merged
        merged = {key: _raw(entity) for key, entity in self._entities.items()}
        for key, fields in entries.items():
            base = merged.get(key, {})
            ids = dict(base.get("ids", {}))
            for provider, given in fields.get("ids", {}).items():
                ids[provider] = [*given, *(i for i in ids.get(provider, []) if i not in given)]
            merged[key] = {**base, **fields, "ids": ids}
        return EntityMaster([_entity(key, fields) for key, fields in merged.items()])

    def entity(self, name: str) -> Entity:
        """The entity `name` names: a canonical id, display name, asset id, CoinGecko id or
        any provider's id (compared without case).

        Raises:
            UnknownEntityError: When no entity answers to it.
            AmbiguousEntityError: When several do.
        """
        owners = self._by_name.get(name.strip().casefold(), [])
        if len(owners) == 1:
            return self._entities[owners[0]]
        if owners:
            raise AmbiguousEntityError(name, tuple(self._entities[key] for key in owners))
        close = difflib.get_close_matches(name.strip().casefold(), list(self._by_name), n=3)
        matches = tuple(dict.fromkeys(self._by_name[key][0] for key in close))
        raise UnknownEntityError(name, matches)

    def canonical(self, provider: str, provider_id: str) -> str:
        """The canonical id of a provider's own id: the entity claiming it, else its `slug`."""
        return self._by_provider.get((provider, provider_id)) or slug(provider_id)

    def provider_id(self, entity: str, provider: str) -> str | None:
        """The id `provider` is asked for `entity` by, or `None` where the master knows none."""
        found = self._entities.get(entity)
        ids = () if found is None else found.ids_of(provider)
        return ids[0] if ids else None

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._entities.values())

    def __len__(self) -> int:
        return len(self._entities)

    def __repr__(self) -> str:
        return f"EntityMaster({len(self)} entities)"


def _names(entity: Entity) -> Iterator[str]:
    yield entity.id
    yield entity.name
    if entity.asset is not None:
        yield entity.asset
    if entity.coingecko_id is not None:
        yield entity.coingecko_id
    for _, ids in entity.ids_by_provider():
        yield from ids


def _raw(entity: Entity) -> dict[str, Any]:
    return {
        "name": entity.name,
        "kinds": [kind.value for kind in entity.kinds],
        "asset": entity.asset,
        "coingecko": entity.coingecko_id,
        "ids": {provider: list(ids) for provider, ids in entity.ids},
    }


def _entity(key: object, fields: Mapping[str, Any]) -> Entity:
    if not isinstance(key, str) or key != slug(key):
        raise ValidationError(f"an entity id is a lower-case slug such as 'ethereum', got {key!r}")
    if unknown := sorted(set(fields) - _FIELDS):
        raise ValidationError(f"entity {key!r}: unknown field(s) {', '.join(unknown)}")
    try:
        kinds = tuple(EntityKind(kind) for kind in fields.get("kinds", ()))
    except ValueError as exc:
        raise ValidationError(f"entity {key!r}: {exc}; use {', '.join(EntityKind)}") from None
    ids = fields.get("ids", {})
    if not isinstance(ids, Mapping) or not all(
        isinstance(given, list) and all(isinstance(i, str) and i for i in given)
        for given in ids.values()
    ):
        raise ValidationError(f"entity {key!r}: ids is {{provider: [id, ...]}}, got {ids!r}")
    name = fields.get("name", key)
    if not isinstance(name, str) or not name:
        raise ValidationError(f"entity {key!r}: name is text, got {name!r}")
    return Entity(
        key,
        name,
        kinds,
        fields.get("asset"),
        fields.get("coingecko"),
        tuple((provider, tuple(given)) for provider, given in ids.items()),
    )


def _read(overrides: EntityOverrides) -> Mapping[str, Mapping[str, Any]]:
    if isinstance(overrides, Mapping):
        return overrides
    try:
        loaded = json.loads(Path(overrides).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"cannot read the entity overrides {overrides!s}: {exc}") from None
    if not isinstance(loaded, dict):
        raise ValidationError(f"{overrides!s} holds no mapping of entity id to fields")
    return loaded


@cache
def _shipped() -> EntityMaster:
    text = resources.files("cryptodata.core").joinpath("data/entities.json").read_text("utf-8")
    data = json.loads(text)
    return EntityMaster([_entity(key, MappingProxyType(fields)) for key, fields in data.items()])
