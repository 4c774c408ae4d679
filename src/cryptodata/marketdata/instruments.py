"""Instruments: which market of a venue stands for an asset, what kind it is and what it counts.

`AssetRegistry.resolve` finds the candidates (rows of a `markets` table on the venue whose
base is one of the asset's names) and `choose` picks one by kind, in `INSTRUMENT_PREFERENCE`
order unless told otherwise. A market's kind comes from the table's columns alone, so every
provider's table reads the same way:

- `spot`: `market_type` is `spot`;
- `future`: a dated future (not perpetual); never chosen by kind, only by its symbol;
- `inverse`: a perpetual margined in coin (Coinalyze's `COIN`, or a settle currency that
  is the base: ccxt's `BTC/USD:BTC`);
- `linear_usdt`, `linear_usdc`, `linear_usd`: a perpetual settled in USDT, in USDC, or in
  USD or another stablecoin (Coinalyze's `STABLE` reads the quote: it quotes Hyperliquid's
  USDC perpetuals in `USD`);
- `quanto`: a perpetual settled in a coin that is not its base (BitMEX's `ETH/USD:BTC`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs
import polars as pl

from cryptodata.core.errors import UnsupportedError, ValidationError
from cryptodata.core.schema import Kind
from cryptodata.core.table import Table
from cryptodata.core.venues import canonical_venue

from .assets import name_key

if TYPE_CHECKING:
    from .assets import AssetInfo

__all__ = ["INSTRUMENT_PREFERENCE", "Instrument", "InstrumentKind", "choose"]


class InstrumentKind(enum.StrEnum):
    """What kind of market an instrument is (see the module's description for each)."""

    LINEAR_USDT = "linear_usdt"
    LINEAR_USDC = "linear_usdc"
    LINEAR_USD = "linear_usd"
    INVERSE = "inverse"
    QUANTO = "quanto"
    FUTURE = "future"
    SPOT = "spot"


INSTRUMENT_PREFERENCE: Final[tuple[InstrumentKind, ...]] = (
    InstrumentKind.LINEAR_USDT,
    InstrumentKind.LINEAR_USDC,
    InstrumentKind.LINEAR_USD,
    InstrumentKind.INVERSE,
    InstrumentKind.SPOT,
)
"""The kinds `resolve` tries, in order, when no `instrument` is given.

The USDT-margined perpetual first: on most venues it is the deepest market, the one with
open interest, funding and liquidations, and its quantities are in the base. USDC
perpetuals next (Hyperliquid's only perpetuals, a second book on Binance and Bybit), then
other linear perpetuals, then inverse ones (BitMEX's and Deribit's main contracts, whose
sizes count USD, not coins), then spot, which has prices and volume but no open interest or
funding. Quanto and dated futures are chosen only by symbol.

Within a kind: markets under the asset's current names before those under an alias or a
former ticker, then USDT, USDC and USD quotes before others, then plain markets before
multiplied ones, then by symbol.
"""

_ORDER: Final = tuple(dict.fromkeys([*INSTRUMENT_PREFERENCE, *InstrumentKind]))
"""Every kind, the preferred ones first: the order candidates are listed in."""
_STABLE_QUOTES: Final = ("USDT", "USDC", "USD")
"""Spot quotes in order of preference; other quotes come after, in alphabetical order."""
_STABLECOINS: Final = frozenset({"USD", "USDT", "USDC", "FDUSD", "DAI", "USDE", "TUSD", "BUSD"})
_NEEDED: Final = (
    "provider",
    "exchange",
    "symbol",
    "symbol_on_exchange",
    "base",
    "quote",
    "market_type",
    "is_perpetual",
    "margined",
    "contract_size",
)


@attrs.frozen
class Instrument:
    """The market chosen for an asset on a venue, and why.

    Attributes:
        asset: Canonical asset id.
        venue: Canonical venue name.
        provider: The provider whose markets table it comes from.
        symbol: The provider's symbol, byte for byte: what its data calls take.
        symbol_on_exchange: The venue's own id of the market.
        kind: What kind of market it is.
        provider_base: The base as the table gives it (`1000PEPE`, `KPEPE`, `PEPE`).
        quote: The quote currency.
        settle: The settle currency of a perpetual or future (`None` for spot).
        multiplier: Units of the asset one unit of `provider_base` counts: 1,000 for
            `1000PEPE`, 1 where the base is the asset itself.
        contract_size: Units of `provider_base` one contract holds (of the quote, for
            inverse contracts), as the table says; `None` where it does not.
        reason: Why this market was chosen, in words.
        alternatives: The other candidates' symbols, in order of preference.

    Examples:
        >>> from cryptodata.marketdata.assets import AssetRegistry
        >>> from cryptodata.providers.hyperliquid.replay import sample_client
        >>> pepe = AssetRegistry.default().resolve("PEPE", "hyperliquid", sample_client().markets())
        >>> pepe.provider_base, pepe.multiplier, pepe.contract_size
        ('PEPE', 1, 1000.0)
    """

    asset: str
    venue: str
    provider: str
    symbol: str
    symbol_on_exchange: str
    kind: InstrumentKind
    provider_base: str
    quote: str
    settle: str | None
    multiplier: int
    contract_size: float | None
    reason: str
    alternatives: tuple[str, ...] = ()

    @property
    def units_per_contract(self) -> float | None:
        """Units of the asset one contract holds: `multiplier` times `contract_size` (1 where
        the table gives none); `None` for inverse contracts, which count the quote.

        1,000 for Hyperliquid's `kPEPE` (a `PEPE` base of contract size 1,000) and for
        Binance's `1000PEPE/USDT:USDT` (a `1000PEPE` base of contract size 1) alike.
        """
        if self.kind is InstrumentKind.INVERSE:
            return None
        return self.multiplier * (1.0 if self.contract_size is None else self.contract_size)

    def asset_units(self, unit: str) -> float | None:
        """The factor that turns a quantity of this instrument in `unit` into units of the
        asset: `multiplier` for `base`, `units_per_contract` for `contracts`; `None` for
        `quote` and `usd` (they need a price) and for inverse contracts.

        Examples:
            >>> inst = Instrument("PEPE", "binance", "ccxt", "1000PEPE/USDT:USDT", "1000PEPEUSDT",
            ...                   InstrumentKind.LINEAR_USDT, "1000PEPE", "USDT", "USDT", 1000, 1.0, "")
            >>> inst.asset_units("base"), inst.asset_units("contracts"), inst.asset_units("usd")
            (1000.0, 1000.0, None)
        """
        if unit == "base":
            return float(self.multiplier)
        if unit == "contracts":
            return self.units_per_contract
        return None


def _kind_of(row: Mapping[str, Any]) -> tuple[InstrumentKind, str | None]:
    """A market row's kind and settle currency, from its columns alone."""
    if row["market_type"] == "spot":
        return InstrumentKind.SPOT, None
    base, quote = str(row["base"]).upper(), str(row["quote"]).upper()
    margined = str(row["margined"] or "").upper()
    settle = quote if margined in ("", "STABLE") else base if margined == "COIN" else margined
    if not row["is_perpetual"]:
        return InstrumentKind.FUTURE, settle
    if settle == base:
        return InstrumentKind.INVERSE, settle
    if settle == "USDT":
        return InstrumentKind.LINEAR_USDT, settle
    if settle == "USDC":
        return InstrumentKind.LINEAR_USDC, settle
    if settle in _STABLECOINS:
        return InstrumentKind.LINEAR_USD, settle
    return InstrumentKind.QUANTO, settle


def _frame(markets: Table[Any] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(markets, Table):
        if markets.kind is not Kind.MARKETS:
            raise ValidationError(f"resolve needs a markets table, got a {markets.kind} table")
        return markets.to_polars()
    if not isinstance(markets, pl.DataFrame):
        raise ValidationError(
            f"markets must be a markets Table or a polars DataFrame, got {type(markets).__name__}"
        )
    missing = [column for column in _NEEDED if column not in markets.columns]
    if missing:
        raise ValidationError(
            f"markets lacks the column(s) {', '.join(missing)} of the markets schema"
        )
    return markets


def _kinds(instrument: str | Sequence[str] | None) -> tuple[InstrumentKind, ...] | None:
    """The kinds asked for in order, or `None` when `instrument` is a symbol."""
    if instrument is None:
        return INSTRUMENT_PREFERENCE
    asked = (
        [instrument]
        if isinstance(instrument, str)
        else list(instrument)
        if isinstance(instrument, Sequence)
        else []
    )
    if not asked or not all(isinstance(item, str) for item in asked):
        raise ValidationError(
            f"instrument must be a kind, a list of kinds or a symbol, got {instrument!r}"
        )
    known = {kind.value for kind in InstrumentKind}
    if isinstance(instrument, str) and instrument.lower() not in known:
        return None
    unknown = [item for item in asked if item.lower() not in known]
    if unknown:
        raise ValidationError(
            f"unknown instrument kind(s) {', '.join(map(repr, unknown))}; "
            f"kinds are {', '.join(known)}"
        )
    return tuple(dict.fromkeys(InstrumentKind(item.lower()) for item in asked))


@attrs.frozen
class _Candidate:
    row: Mapping[str, Any]
    kind: InstrumentKind
    settle: str | None
    multiplier: int
    name_rank: int

    def order(self, kinds: Sequence[InstrumentKind]) -> tuple[int, int, int, int, str]:
        quote = str(self.row["quote"]).upper()
        quote_rank = _STABLE_QUOTES.index(quote) if quote in _STABLE_QUOTES else 3
        return (
            kinds.index(self.kind),
            # A market under a former ticker is likely a stale listing: the current one first.
            self.name_rank,
            quote_rank,
            0 if self.multiplier == 1 else 1,
            str(self.row["symbol"]),
        )


def choose(
    asset: AssetInfo,
    venue: str,
    markets: Table[Any] | pl.DataFrame,
    *,
    names: Callable[[str], Mapping[str, int]],
    instrument: str | Sequence[str] | None = None,
    provider: str | None = None,
) -> Instrument:
    """The market of `markets` on `venue` that stands for `asset` (see `AssetRegistry.resolve`).

    Args:
        asset: The asset.
        venue: The venue, by any spelling `canonical_venue` knows.
        markets: A `markets` table or frame.
        names: For a provider, the asset's names a row's base may hold there (by
            `name_key`), each with its rank: 0 for current names, 1 for aliases and former
            tickers, which yield to them.
        instrument: As `AssetRegistry.resolve`'s.
        provider: As `AssetRegistry.resolve`'s.
    """
    venue = canonical_venue(venue)
    kinds = _kinds(instrument)
    frame = _frame(markets).filter(pl.col("exchange") == venue)
    if provider is not None:
        frame = frame.filter(pl.col("provider") == provider)
    providers = sorted(set(frame.get_column("provider").to_list()))
    if len(providers) > 1:
        raise ValidationError(
            f"the markets hold {venue} markets of several providers ({', '.join(providers)}); "
            "pass provider= to choose one"
        )
    source = providers[0] if providers else (provider or "markets")
    rows = frame.select(_NEEDED).to_dicts()
    ranks = names(source)
    factors = {name_key(name): factor for name, factor in asset.multiplied}
    candidates = [c for row in rows if (c := _candidate(row, ranks, factors)) is not None]
    if kinds is None:
        listed = sorted(candidates, key=lambda c: c.order(_ORDER))
        return _by_symbol(asset, venue, source, str(instrument), rows, listed)
    if not candidates:
        raise UnsupportedError(
            f"{source} lists no {venue} market for {asset.id}",
            provider=source,
            what=f"{asset.id} on {venue}",
        )
    # Candidates of kinds not asked for follow in the default order: the alternatives and
    # the error's list read best first.
    order = tuple(dict.fromkeys([*kinds, *_ORDER]))
    ranked = sorted(candidates, key=lambda c: c.order(order))
    best = ranked[0]
    if best.kind not in kinds:
        offered = ", ".join(f"{c.row['symbol']} ({c.kind})" for c in ranked)
        raise UnsupportedError(
            f"{source} lists no {' or '.join(kinds)} market for {asset.id} on {venue}; "
            f"it has {offered}",
            provider=source,
            what=f"{asset.id} {'/'.join(kinds)} on {venue}",
        )
    why = (
        f"the first of {' > '.join(kinds)} that {venue} has for {asset.id}"
        if instrument is None or not isinstance(instrument, str)
        else f"the {best.kind} market asked for"
    )
    return _instrument(asset, venue, source, best, why, ranked[1:])


def _candidate(
    row: Mapping[str, Any], ranks: Mapping[str, int], factors: Mapping[str, int]
) -> _Candidate | None:
    base = name_key(str(row["base"]))
    rank = ranks.get(base)
    if rank is None:
        return None
    kind, settle = _kind_of(row)
    multiplier = factors.get(base, 1)
    if multiplier == 1 and row["contract_size"] is None:
        # A provider that gives no contract size may give the asset's own name as the base of
        # a multiplied market (`PEPE` for `1000PEPEUSDT`): the venue's id tells the factor.
        venue_id = str(row["symbol_on_exchange"]).upper()
        multiplier = next(
            (factor for name, factor in factors.items() if venue_id.startswith(name)), 1
        )
    return _Candidate(row, kind, settle, multiplier, rank)


def _by_symbol(
    asset: AssetInfo,
    venue: str,
    source: str,
    symbol: str,
    rows: Sequence[Mapping[str, Any]],
    candidates: Sequence[_Candidate],
) -> Instrument:
    for candidate in candidates:
        if symbol in (candidate.row["symbol"], candidate.row["symbol_on_exchange"]):
            return _instrument(asset, venue, source, candidate, "the symbol asked for", ())
    other = next(
        (row for row in rows if symbol in (row["symbol"], row["symbol_on_exchange"])), None
    )
    if other is not None:
        raise ValidationError(
            f"{symbol!r} on {venue} is a market of {other['base']}, not of {asset.id}"
        )
    listed = ", ".join(str(c.row["symbol"]) for c in candidates) or "none"
    raise ValidationError(
        f"{source} lists no {venue} market {symbol!r}; its {asset.id} markets: {listed} "
        f"(or pass a kind: {', '.join(InstrumentKind)})"
    )


def _instrument(
    asset: AssetInfo,
    venue: str,
    source: str,
    chosen: _Candidate,
    why: str,
    others: Sequence[_Candidate],
) -> Instrument:
    row = chosen.row
    reason = f"{row['symbol']} ({chosen.kind}): {why}"
    if chosen.multiplier != 1:
        reason += f"; {row['base']} counts {chosen.multiplier:,} {asset.id}"
    return Instrument(
        asset=asset.id,
        venue=venue,
        provider=source,
        symbol=str(row["symbol"]),
        symbol_on_exchange=str(row["symbol_on_exchange"]),
        kind=chosen.kind,
        provider_base=str(row["base"]),
        quote=str(row["quote"]),
        settle=chosen.settle,
        multiplier=chosen.multiplier,
        contract_size=row["contract_size"],
        reason=reason,
        alternatives=tuple(str(c.row["symbol"]) for c in others),
    )
