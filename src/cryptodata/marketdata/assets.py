"""The canonical asset registry: one id per coin, and every name providers and venues give it.

Each asset has a canonical id (its ticker in upper case: `BTC`, `PEPE`, `POL`), a display
name, its CoinGecko id, and the other names it answers to: aliases (`XBT` for BTC), former
tickers with the date they changed (`MATIC` until 2024-09-04 for POL), multiplied tickers
with their factor (`1000PEPE` and Hyperliquid's `kPEPE` count 1,000 PEPE), and provider
names where a provider's own name is not the ticker (ccxt's `1000PEPE` on Binance); the
research providers' ids of an asset are the entity master's (`cryptodata.core.entities`). The data ships with the package (`marketdata/data/assets.json`, read on first
use, not on import) and a user's file or mapping can be merged over it.

Names are compared in upper case with surrounding spaces removed, so `btc`, `BTC` and
`Btc ` are one name, and Hyperliquid's `kPEPE` and ccxt's `KPEPE` too. A name two assets
claim is ambiguous: looking it up raises `AmbiguousAssetError` listing both.

Examples:
    >>> registry = AssetRegistry.default()
    >>> registry.lookup("xbt").id, registry.lookup("MATIC").id, registry.lookup("kPEPE").id
    ('BTC', 'POL', 'PEPE')
    >>> registry.lookup("kPEPE").multiplier_of("kPEPE")
    1000
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs

from cryptodata.core.errors import ValidationError
from cryptodata.core.venues import canonical_venue

if TYPE_CHECKING:
    import polars as pl

    from cryptodata.core.table import Table

    from .instruments import Instrument

__all__ = [
    "FIELDS",
    "AmbiguousAssetError",
    "AssetInfo",
    "AssetRegistry",
    "Overrides",
    "Rename",
    "UnknownAssetError",
    "name_key",
]

Overrides: TypeAlias = "Mapping[str, Mapping[str, Any]] | str | PathLike[str]"
"""What `AssetRegistry.load` merges over the shipped data: a mapping of canonical id to
fields, or the path of a JSON file holding one, or of a CSV file with one asset per row."""

FIELDS: Final[Mapping[str, str]] = {
    "name": "display name (text)",
    "ticker": "the ticker venues list it by, when it differs from the id (text)",
    "coingecko": "CoinGecko id (text, or null)",
    "aliases": "other names that resolve to it (list of text)",
    "renamed_from": 'former tickers: a list of {"ticker": text, "until": "YYYY-MM-DD" or null}',
    "multiplied": "multiplied tickers and their factor: {name: whole number}",
    "names": 'provider names that are not the ticker: {"provider" or "provider:venue": name}',
}
"""Every field an entry of the data or of an override may hold, with what it holds."""


def name_key(name: str) -> str:
    """The form asset names are compared in: surrounding spaces removed, upper case.

    Examples:
        >>> name_key(" kPEPE"), name_key("bitcoin")
        ('KPEPE', 'BITCOIN')
    """
    return name.strip().upper()


@attrs.frozen
class Rename:
    """A ticker an asset was listed under before.

    Attributes:
        ticker: The former ticker, e.g. `MATIC`.
        until: The day the new ticker replaced it, where known.

    Examples:
        >>> Rename("MATIC", date(2024, 9, 4)).until.year
        2024
    """

    ticker: str
    until: date | None = None


@attrs.frozen
class AssetInfo:
    """One asset of the registry: its canonical id and every name it answers to.

    Attributes:
        id: Canonical id: upper case, the value of the `asset` column the facade writes.
        name: Display name, e.g. `"Bitcoin"`.
        ticker: The ticker venues list it by (the id, unless the entry says otherwise).
        coingecko_id: CoinGecko's id, e.g. `"bitcoin"`; `None` where the data does not know it.
        aliases: Other names that resolve to it (`XBT` for BTC).
        renamed_from: Tickers it was listed under before.
        multiplied: `(name, factor)` for tickers that count `factor` units of the asset:
            `("1000PEPE", 1000)`, `("kPEPE", 1000)`.
        provider_names: `(key, name)` where a provider names the asset otherwise than by its
            ticker; `key` is a provider (`"hyperliquid"`) or a provider and a venue
            (`"ccxt:binance"`).

    Examples:
        >>> pepe = AssetRegistry.default().get("PEPE")
        >>> pepe.coingecko_id, pepe.provider_name("ccxt", "binance"), pepe.provider_name("ccxt", "okx")
        ('pepe', '1000PEPE', 'PEPE')
    """

    id: str
    name: str
    ticker: str
    coingecko_id: str | None = None
    aliases: tuple[str, ...] = ()
    renamed_from: tuple[Rename, ...] = ()
    multiplied: tuple[tuple[str, int], ...] = ()
    provider_names: tuple[tuple[str, str], ...] = ()

    def names(self) -> Iterator[str]:
        """Every name that resolves to this asset anywhere: id, ticker, CoinGecko id, aliases,
        former and multiplied tickers (provider names resolve only at their provider)."""
        yield self.id
        yield self.ticker
        if self.coingecko_id is not None:
            yield self.coingecko_id
        yield from self.aliases
        yield from (rename.ticker for rename in self.renamed_from)
        yield from (name for name, _ in self.multiplied)

    def multiplier_of(self, name: str) -> int:
        """How many units of the asset one unit of `name` counts: the factor of a multiplied
        ticker (compared by `name_key`), else 1.

        Examples:
            >>> shib = AssetRegistry.default().get("SHIB")
            >>> shib.multiplier_of("SHIB1000"), shib.multiplier_of("SHIB")
            (1000, 1)
        """
        key = name_key(name)
        return next((factor for other, factor in self.multiplied if name_key(other) == key), 1)

    def provider_name(self, provider: str, venue: str | None = None) -> str:
        """The name `provider` gives the asset (on `venue`, for providers of several venues).

        The entry for the provider and venue, else the provider's own, else the ticker:
        venues and most providers name assets by their ticker.

        Examples:
            >>> pepe = AssetRegistry.default().get("PEPE")
            >>> pepe.provider_name("ccxt", "binance"), pepe.provider_name("ccxt", "kraken")
            ('1000PEPE', 'PEPE')
        """
        names = dict(self.provider_names)
        if venue is not None and f"{provider}:{venue}" in names:
            return names[f"{provider}:{venue}"]
        return names.get(provider, self.ticker)

    def describe(self) -> str:
        """One line naming the asset for messages: id, display name, CoinGecko id, renames.

        Examples:
            >>> AssetRegistry.default().get("LUNC").describe()
            'LUNC (Terra Classic, CoinGecko terra-luna; was LUNA until 2022-05-28)'
        """
        parts = [self.name]
        if self.coingecko_id is not None:
            parts.append(f"CoinGecko {self.coingecko_id}")
        text = ", ".join(parts)
        renames = [
            f"{r.ticker} until {r.until.isoformat()}" if r.until else r.ticker
            for r in self.renamed_from
        ]
        if renames:
            text += f"; was {', '.join(renames)}"
        return f"{self.id} ({text})"


class AmbiguousAssetError(ValidationError):
    """A name several assets answer to: the message lists them and a name that picks each.

    Attributes:
        name: The name looked up.
        choices: The assets it names, in registry order.

    Examples:
        >>> try:
        ...     AssetRegistry.default().lookup("LUNA")
        ... except AmbiguousAssetError as exc:
        ...     [asset.id for asset in exc.choices]
        ['LUNA', 'LUNC']
    """

    def __init__(self, name: str, choices: Sequence[AssetInfo], picks: Sequence[str]) -> None:
        self.name = name
        self.choices = tuple(choices)
        listed = "; ".join(
            f"{asset.describe()}: pick it with {pick}"
            for asset, pick in zip(self.choices, picks, strict=True)
        )
        super().__init__(
            f"{name!r} names {len(self.choices)} assets: {listed}. Or merge an override that "
            "takes the name from the asset you do not mean (see AssetRegistry.load)"
        )


class UnknownAssetError(ValidationError):
    """A name no asset of the registry answers to; the message names close matches.

    Attributes:
        name: The name looked up.
        matches: Canonical ids of assets with a similar name, closest first.

    Examples:
        >>> try:
        ...     AssetRegistry.default().lookup("BTCC")
        ... except UnknownAssetError as exc:
        ...     exc.matches[0]
        'BTC'
    """

    def __init__(self, name: str, matches: Sequence[str]) -> None:
        self.name = name
        self.matches = tuple(matches)
        hint = (
            f"did you mean {', '.join(map(repr, self.matches))}?"
            if self.matches
            else "no asset has a similar name"
        )
        super().__init__(
            f"unknown asset {name!r}; {hint} (add it with an override: see AssetRegistry.load)"
        )


def _read_only(assets: Mapping[str, AssetInfo]) -> Mapping[str, AssetInfo]:
    return MappingProxyType(dict(assets))


@attrs.frozen(eq=False)
class AssetRegistry:
    """The assets cryptodata knows, looked up by any of their names.

    Build it with `AssetRegistry.default()` (the shipped data) or `AssetRegistry.load(...)`
    (the shipped data with your overrides merged over it).

    Attributes:
        assets: Every asset by canonical id, in the data's order (largest market cap first;
            read-only).

    Examples:
        >>> registry = AssetRegistry.load({"WBTC": {"name": "Wrapped Bitcoin"}})
        >>> registry.lookup("wbtc").name, registry.lookup("BTC").name
        ('Wrapped Bitcoin', 'Bitcoin')
    """

    assets: Mapping[str, AssetInfo] = attrs.field(converter=_read_only)
    _index: Mapping[str, tuple[str, ...]] = attrs.field(init=False)

    @_index.default
    def _build_index(self) -> Mapping[str, tuple[str, ...]]:
        index: dict[str, dict[str, None]] = {}
        for asset in self.assets.values():
            for name in asset.names():
                index.setdefault(name_key(name), {})[asset.id] = None
        return {key: tuple(ids) for key, ids in index.items()}

    @classmethod
    def default(cls) -> AssetRegistry:
        """The registry of the shipped data, read once on first use."""
        return _shipped()

    @classmethod
    def load(cls, overrides: Overrides | None = None) -> AssetRegistry:
        """The shipped data with `overrides` merged over it.

        An override entry for an id the data has replaces the fields it gives and keeps the
        others (`names` and `multiplied` merge key by key); an entry for a new id adds an
        asset (`name` required). Assets an override does not name stay as shipped.

        Args:
            overrides: A mapping of canonical id to fields (see `FIELDS`), or the path of a
                JSON file holding one, or of a `.csv` file with an `id` column and a column
                per field (lists separated by `;`, `multiplied` and `names` as
                `key=value;...`, `renamed_from` as `TICKER@YYYY-MM-DD;...`; an empty cell
                leaves the field as shipped).

        Raises:
            ValidationError: For a file that cannot be read or parsed, an unknown field, or a
                value of the wrong shape; the message names the entry and the field.

        Examples:
            >>> AssetRegistry.load({"PEPE": {"names": {"ccxt:okx": "PEPE"}}}).get("PEPE").name
            'Pepe'
        """
        base = _shipped()
        if overrides is None:
            return base
        entries = _read_overrides(overrides)
        assets = dict(base.assets)
        for raw_id, fields in entries.items():
            asset_id = _asset_id(raw_id)
            where = f"override {raw_id!r}"
            current = assets.get(asset_id)
            assets[asset_id] = (
                _merge(current, fields, where) if current else _entry(asset_id, fields, where)
            )
        return cls(assets)

    def get(self, asset_id: str) -> AssetInfo:
        """The asset of a canonical id (compared in upper case), and nothing else.

        Unlike `lookup`, aliases and tickers are not tried: an id always names one asset.

        Raises:
            UnknownAssetError: If no asset has that id.

        Examples:
            >>> AssetRegistry.default().get("luna").coingecko_id
            'terra-luna-2'
        """
        found = self.assets.get(name_key(asset_id)) if isinstance(asset_id, str) else None
        if found is None:
            raise UnknownAssetError(str(asset_id), self._close_matches(str(asset_id)))
        return found

    def lookup(
        self, name: str, *, provider: str | None = None, venue: str | None = None
    ) -> AssetInfo:
        """The asset a name stands for: a canonical id, ticker, alias, CoinGecko id, former
        or multiplied ticker, compared in upper case.

        With `provider` (and `venue`), the names that provider gives assets there are tried
        first (ccxt's `SHIB1000` on Bybit).

        Raises:
            AmbiguousAssetError: If several assets answer to the name (`LUNA`: today's Terra,
                and Terra Classic before 2022-05-28); the message says how to pick one.
            UnknownAssetError: If none does; the message names close matches.
            ValidationError: If `name` is not a non-empty string.

        Examples:
            >>> AssetRegistry.default().lookup("avalanche-2").id
            'AVAX'
        """
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"an asset name must be a non-empty string, got {name!r}")
        key = name_key(name)
        if provider is not None:
            scoped = self._provider_matches(
                key, provider, None if venue is None else canonical_venue(venue)
            )
            if scoped:
                return self._one(name, scoped)
        ids = self._index.get(key, ())
        if not ids:
            raise UnknownAssetError(name, self._close_matches(name))
        return self._one(name, ids)

    def resolve(
        self,
        asset: str,
        venue: str,
        markets: Table[Any] | pl.DataFrame,
        *,
        instrument: str | Sequence[str] | None = None,
        provider: str | None = None,
    ) -> Instrument:
        """The instrument of `markets` that stands for `asset` on `venue`, and why.

        No I/O: `markets` is a `markets` table (`Coinalyze.markets()`, `Hyperliquid.markets()`,
        `Ccxt.markets()`, or several concatenated). Rows of `venue` whose base is one of the
        asset's names (or, where the provider does not say a contract size, whose venue id
        starts with one of its multiplied tickers) are the candidates; `instrument` picks
        among them.

        Args:
            asset: Any name of the asset (see `lookup`).
            venue: A venue, by any spelling `canonical_venue` knows.
            markets: The markets to choose from.
            instrument: `None` for the default preference (`INSTRUMENT_PREFERENCE`: linear
                USDT perpetual, then USDC, then other linear, then inverse, then spot); a kind
                (`"linear_usdt"`, `"linear_usdc"`, `"linear_usd"`, `"inverse"`, `"spot"`) or
                several in order of preference; or an explicit symbol (the provider's
                `symbol`, or the venue's own `symbol_on_exchange`).
            provider: The provider whose rows to use, when `markets` holds several for the
                venue.

        Raises:
            UnsupportedError: If the venue has no market for the asset of the kinds asked
                for; the message lists what it has.
            ValidationError: For an unknown venue or kind, a symbol of another asset or
                venue, rows of several providers without `provider`, or a frame that is not
                a markets table. `AmbiguousAssetError` and `UnknownAssetError` as `lookup`.

        Examples:
            >>> from cryptodata.providers.hyperliquid.replay import sample_client
            >>> pepe = AssetRegistry.default().resolve("PEPE", "hyperliquid", sample_client().markets())
            >>> pepe.symbol, pepe.kind, pepe.units_per_contract
            ('kPEPE', <InstrumentKind.LINEAR_USDC: 'linear_usdc'>, 1000.0)
        """
        from .instruments import choose  # deferred: instruments imports this module

        venue = canonical_venue(venue)
        found = self.lookup(asset, provider=provider, venue=venue)
        return choose(
            found,
            venue,
            markets,
            names=lambda source: self.market_names(found, source, venue),
            instrument=instrument,
            provider=provider,
        )

    def market_names(self, asset: AssetInfo, provider: str, venue: str) -> dict[str, int]:
        """The names (by `name_key`) a `provider`'s market on `venue` may give `asset` as its
        base, each with a rank: 0 for its id, ticker, multiplied tickers and the provider's
        names for it; 1 for its CoinGecko id, aliases and former tickers, and only those no
        other asset answers to (Binance's `LUNA` is today's Terra, not Terra Classic).

        Examples:
            >>> registry = AssetRegistry.default()
            >>> names = registry.market_names(registry.get("POL"), "ccxt", "binance")
            >>> names["POL"], names["MATIC"]
            (0, 1)
        """
        wanted = {provider, f"{provider}:{venue}"}
        ranks = {
            name_key(name): 1
            for name in asset.names()
            if self._index.get(name_key(name)) == (asset.id,)
        }
        current = [asset.id, asset.ticker, *(name for name, _ in asset.multiplied)]
        current += [name for key, name in asset.provider_names if key in wanted]
        return ranks | {name_key(name): 0 for name in current}

    def _provider_matches(self, key: str, provider: str, venue: str | None) -> tuple[str, ...]:
        wanted = {provider} if venue is None else {provider, f"{provider}:{venue}"}
        return tuple(
            asset.id
            for asset in self.assets.values()
            if any(
                where in wanted and name_key(name) == key for where, name in asset.provider_names
            )
        )

    def _one(self, name: str, ids: Sequence[str]) -> AssetInfo:
        if len(ids) == 1:
            return self.assets[ids[0]]
        choices = [self.assets[asset_id] for asset_id in ids]
        raise AmbiguousAssetError(name, choices, [self._pick(asset) for asset in choices])

    def _pick(self, asset: AssetInfo) -> str:
        """How to name `asset` alone: its first name only it answers to, else `get(id)`."""
        for candidate in asset.names():
            if self._index.get(name_key(candidate)) == (asset.id,):
                return repr(candidate)
        return f"AssetRegistry.get({asset.id!r})"

    def _close_matches(self, name: str) -> list[str]:
        import difflib  # deferred: only a misspelt name needs it, and it is costly to import

        found = difflib.get_close_matches(name_key(name), self._index, n=8, cutoff=0.6)
        return list(dict.fromkeys(i for key in found for i in self._index[key]))[:5]


@cache
def _shipped() -> AssetRegistry:
    text = resources.files(__package__).joinpath("data", "assets.json").read_text("utf-8")
    entries = json.loads(text)
    return AssetRegistry(
        {
            (asset_id := _asset_id(raw)): _entry(asset_id, fields, f"shipped asset {raw!r}")
            for raw, fields in entries.items()
        }
    )


def _read_overrides(overrides: Overrides) -> Mapping[str, Mapping[str, Any]]:
    if isinstance(overrides, Mapping):
        entries: object = overrides
    elif isinstance(overrides, str | PathLike):
        path = Path(overrides)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ValidationError(f"cannot read the asset overrides {str(path)!r}: {exc}") from exc
        entries = _csv_entries(text, path) if path.suffix.lower() == ".csv" else _json(text, path)
    else:
        raise ValidationError(
            "asset overrides must be a mapping of canonical id to fields, or the path of a "
            f"JSON or CSV file, got {type(overrides).__name__}"
        )
    if not isinstance(entries, Mapping):
        raise ValidationError(
            f"asset overrides must map canonical ids to fields, got {type(entries).__name__}"
        )
    for raw_id, fields in entries.items():
        if not isinstance(fields, Mapping):
            raise ValidationError(
                f"override {raw_id!r}: the fields must be a mapping, got {type(fields).__name__}"
            )
    return entries


def _json(text: str, path: Path) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the asset overrides {str(path)!r} are not JSON: {exc}") from exc


def _csv_entries(text: str, path: Path) -> dict[str, dict[str, Any]]:
    rows = list(csv.DictReader(text.splitlines()))
    columns = set(rows[0]) if rows else set()
    unknown = sorted(columns - {"id", *FIELDS})
    if "id" not in columns or unknown:
        problem = f"unknown columns {unknown}" if unknown else "no 'id' column"
        raise ValidationError(
            f"the asset overrides {str(path)!r}: {problem}; columns are id, {', '.join(FIELDS)}"
        )
    entries: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(rows, start=2):
        where = f"{path.name} line {line}"
        fields: dict[str, Any] = {}
        for field, cell in row.items():
            if field == "id" or not (cell or "").strip():
                continue
            fields[field] = _csv_cell(field, cell.strip(), where)
        entries[row["id"] or ""] = fields
    return entries


def _csv_cell(field: str, cell: str, where: str) -> object:
    items = [item.strip() for item in cell.split(";") if item.strip()]
    if field == "aliases":
        return items
    if field == "renamed_from":
        return [
            {"ticker": ticker, "until": until or None}
            for ticker, _, until in (item.partition("@") for item in items)
        ]
    if field in ("multiplied", "names"):
        pairs = [item.partition("=") for item in items]
        if any(not sep for _, sep, _ in pairs):
            raise ValidationError(f"{where}: {field} must be key=value pairs separated by ';'")
        return {
            key.strip(): int(value) if field == "multiplied" and value.strip().isdigit() else value
            for key, _, value in pairs
        }
    return None if field == "coingecko" and cell.lower() == "null" else cell


def _asset_id(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or any(c.isspace() for c in raw.strip()):
        raise ValidationError(f"an asset id must be a non-empty word, got {raw!r}")
    return name_key(raw)


def _entry(asset_id: str, fields: Mapping[str, Any], where: str) -> AssetInfo:
    if "name" not in fields:
        raise ValidationError(f"{where}: a new asset needs a 'name'")
    return _merge(AssetInfo(asset_id, "", asset_id), fields, where)


def _merge(asset: AssetInfo, fields: Mapping[str, Any], where: str) -> AssetInfo:
    _check_fields(fields, where)
    changes: dict[str, Any] = {}
    if "name" in fields:
        changes["name"] = _text(fields["name"], where, "name")
    if "ticker" in fields:
        changes["ticker"] = name_key(_text(fields["ticker"], where, "ticker"))
    if "coingecko" in fields:
        value = fields["coingecko"]
        changes["coingecko_id"] = None if value is None else _text(value, where, "coingecko")
    if "aliases" in fields:
        changes["aliases"] = tuple(_texts(fields["aliases"], where, "aliases"))
    if "renamed_from" in fields:
        changes["renamed_from"] = _renames(fields["renamed_from"], where)
    if "multiplied" in fields:
        merged = dict(asset.multiplied) | _factors(fields["multiplied"], where)
        changes["multiplied"] = tuple(merged.items())
    if "names" in fields:
        names = _mapping(fields["names"], where, "names")
        merged_names = dict(asset.provider_names) | {
            _provider_key(key, where): _text(value, where, f"names[{key!r}]")
            for key, value in names.items()
        }
        changes["provider_names"] = tuple(merged_names.items())
    return attrs.evolve(asset, **changes)


def _provider_key(key: object, where: str) -> str:
    """`provider` or `provider:venue`, the venue by its canonical name."""
    text = _text(key, where, "a names key")
    provider, colon, venue = text.partition(":")
    if not provider.strip() or (colon and not venue.strip()):
        raise ValidationError(
            f"{where}: a names key is 'provider' or 'provider:venue', got {text!r}"
        )
    if not colon:
        return provider.strip()
    try:
        return f"{provider.strip()}:{canonical_venue(venue)}"
    except ValidationError as exc:
        raise ValidationError(f"{where}: names key {text!r}: {exc}") from exc


def _check_fields(fields: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
            f"fields are {', '.join(FIELDS)}"
        )


def _text(value: object, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where}: {field} must be non-empty text, got {value!r}")
    return value.strip()


def _texts(value: object, where: str, field: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(f"{where}: {field} must be a list of text, got {value!r}")
    return [_text(item, where, field) for item in value]


def _mapping(value: object, where: str, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}: {field} must be a mapping, got {value!r}")
    return value


def _factors(value: object, where: str) -> dict[str, int]:
    factors: dict[str, int] = {}
    for name, factor in _mapping(value, where, "multiplied").items():
        text = _text(name, where, "multiplied")
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 1:
            raise ValidationError(
                f"{where}: multiplied[{text!r}] must be a whole number above 1, got {factor!r}"
            )
        if isinstance(factor, float) and not (math.isfinite(factor) and factor.is_integer()):
            raise ValidationError(
                f"{where}: multiplied[{text!r}] must be a whole number above 1, got {factor!r}"
            )
        factors[text] = int(factor)
    return factors


def _renames(value: object, where: str) -> tuple[Rename, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(f"{where}: renamed_from must be a list, got {value!r}")
    renames = []
    for item in value:
        spec = _mapping(item, where, "renamed_from")
        if set(spec) - {"ticker", "until"} or "ticker" not in spec:
            raise ValidationError(
                f'{where}: each renamed_from entry is {{"ticker": ..., "until": ...}}, got {item!r}'
            )
        until = spec.get("until")
        try:
            day = None if until is None else date.fromisoformat(_text(until, where, "until"))
        except ValueError as exc:
            raise ValidationError(f"{where}: until must be YYYY-MM-DD, got {until!r}") from exc
        renames.append(Rename(name_key(_text(spec["ticker"], where, "ticker")), day))
    return tuple(renames)
