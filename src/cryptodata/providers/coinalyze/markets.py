"""The market catalogue: which symbols exist, on which venue, for which base, in which unit.

Built from `/exchanges`, `/future-markets` and `/spot-markets`; the client caches it with a
TTL and checks every symbol against it before a data request is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, overload

import attrs
import polars as pl

from cryptodata.core._args import names
from cryptodata.core.errors import ValidationError
from cryptodata.core.records import Exchange, Market
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table

from .endpoints import ENDPOINTS, PROVIDER

__all__ = [
    "QUOTE_PREFERENCE",
    "MarketCatalog",
    "ResolvedSymbols",
    "quote_preference",
]

QUOTE_PREFERENCE: Final[tuple[str, ...]] = ("USDT", "USD", "USDC")
"""Quotes `resolve_many` tries, in order, when no `quote` is given.

USDT perpetuals are the deepest market on most venues; USD comes next because it is the main
contract where no USDT one exists (BitMEX's and Deribit's inverse perpetuals, Hyperliquid's
USDC-settled perpetuals, which Coinalyze quotes in USD); USDC last.
"""


def quote_preference(quote: str | Sequence[str] | None) -> tuple[str, ...]:
    """Quotes to try, in order, in upper case: `quote` itself, or `QUOTE_PREFERENCE` when `None`.

    Raises:
        ValidationError: If `quote` is empty or holds something else than strings.

    Examples:
        >>> quote_preference(None)
        ('USDT', 'USD', 'USDC')
        >>> quote_preference(["usdc", "usdt"])
        ('USDC', 'USDT')
    """
    if quote is None:
        return QUOTE_PREFERENCE
    return tuple(dict.fromkeys(name.upper() for name in names("quote", quote)))


@attrs.frozen
class ResolvedSymbols(Sequence[str]):
    """What `resolve_many` found: a symbol per (base, venue) pair that has a market, and the rest.

    It is a sequence of the symbols, so it can be passed wherever symbols are expected.

    Attributes:
        symbols: The Coinalyze symbols, bases in the order given, venues within each base.
        pairs: `(base, exchange, symbol)` for each symbol; bases in upper case, venues by
            canonical name.
        missing: `(base, exchange)` pairs without a matching market.

    Examples:
        >>> found = ResolvedSymbols(["BTCUSDT_PERP.A"], [("BTC", "binance", "BTCUSDT_PERP.A")],
        ...                         [("BTC", "kraken")])
        >>> list(found), len(found), found[0]
        (['BTCUSDT_PERP.A'], 1, 'BTCUSDT_PERP.A')
    """

    symbols: list[str]
    pairs: list[tuple[str, str, str]]
    missing: list[tuple[str, str]]

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self.symbols[index]

    def __len__(self) -> int:
        return len(self.symbols)

    def __iter__(self) -> Iterator[str]:
        return iter(self.symbols)


_COVERAGE_FLAGS = sorted(
    {e.coverage_flag for e in ENDPOINTS.values() if e.coverage_flag is not None}
)
_PER_SYMBOL = ("exchange", "base", "unit", *_COVERAGE_FLAGS)


def _per_symbol(markets: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """What a data call needs of each symbol's first row (`MarketCatalog.build` keeps one per
    symbol): its index in `markets` (`row`), venue, base, unit and coverage flags."""
    found: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(markets.select("symbol", *_PER_SYMBOL).to_dicts()):
        found.setdefault(row.pop("symbol"), {"row": index, **row})
    return found


# Compared by identity: equality of polars frames is a frame, not a bool.
@attrs.frozen(eq=False)
class MarketCatalog:
    """Every Coinalyze market with its venue name, as one frame of the `markets` schema."""

    markets: pl.DataFrame
    exchanges: pl.DataFrame
    # Each symbol's row, made once per catalogue: every data call checks and looks up its
    # symbols, and a set or a join over thousands of markets costs ~0.2 ms each time.
    _fields: dict[str, dict[str, Any]] = attrs.field(
        init=False,
        repr=False,
        eq=False,
        default=attrs.Factory(lambda self: _per_symbol(self.markets), takes_self=True),
    )

    @classmethod
    def build(
        cls, exchanges: pl.DataFrame, futures: pl.DataFrame, spots: pl.DataFrame
    ) -> MarketCatalog:
        """Join raw market lists with the exchange table (codes → canonical names).

        Display names become canonical names through core's venue table
        (`normalize_venue`); a venue the table
        does not list yet keeps its display name lower-cased, letters and digits only, and a
        market whose code is missing from `/exchanges` keeps its raw code, lower-cased.

        Args:
            exchanges: `code`, `display_name` from `/exchanges`.
            futures: Parsed `/future-markets`.
            spots: Parsed `/spot-markets`.
        """
        from cryptodata.core.venues import normalize_venue  # deferred: first catalogue only

        venues = exchanges.with_columns(
            provider=pl.lit(PROVIDER),
            name=pl.col("display_name").map_elements(normalize_venue, return_dtype=pl.String),
        ).select(schema(Kind.EXCHANGES).names())
        markets = (
            pl.concat([futures, spots])
            .join(
                venues.select(exchange_code="code", exchange="name"), on="exchange_code", how="left"
            )
            .with_columns(
                provider=pl.lit(PROVIDER),
                # A market on a venue missing from /exchanges keeps its raw code as the name.
                exchange=pl.coalesce("exchange", pl.col("exchange_code").str.to_lowercase()),
                expire_at=pl.from_epoch("expire_at", time_unit="ms"),
                # Coinalyze says nothing of contract sizes, leverage or order sizes.
                contract_size=pl.lit(None, pl.Float64),
                max_leverage=pl.lit(None, pl.Float64),
                size_decimals=pl.lit(None, pl.Int64),
            )
            .unique(subset="symbol", keep="first", maintain_order=True)
        )
        return cls(Table.from_frame(Kind.MARKETS, markets).to_polars(), venues)

    def exchanges_table(self) -> Table[Exchange]:
        """The venues as a table of kind `exchanges`."""
        return Table.from_frame(Kind.EXCHANGES, self.exchanges)

    def markets_table(self, market_type: str | None = None) -> Table[Market]:
        """The markets as a table of kind `markets`, optionally only `future` or `spot` ones."""
        frame = (
            self.markets
            if market_type is None
            else self.markets.filter(pl.col("market_type") == market_type)
        )
        return Table.from_frame(Kind.MARKETS, frame)

    def check_known(self, symbols: Sequence[str]) -> None:
        """Raise if a symbol is not a Coinalyze market, naming its close matches.

        Raises:
            ValidationError: For the first unknown symbol.
        """
        known = self._fields
        for symbol in symbols:
            if symbol not in known:
                import difflib  # deferred: only a misspelt symbol needs it, costly to import

                matches = difflib.get_close_matches(symbol, list(known), n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(map(repr, matches))}?" if matches else ""
                raise ValidationError(
                    f"unknown Coinalyze symbol {symbol!r}{hint} (symbols are case-sensitive; "
                    "find them with resolve() or future_markets())"
                )

    def info(self, symbols: Sequence[str]) -> pl.DataFrame:
        """Catalogue rows of `symbols`, in the order given (unknown symbols have none)."""
        fields = self._fields
        return self.markets[[fields[symbol]["row"] for symbol in symbols if symbol in fields]]

    def venue_base_unit(self, symbols: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """Each known symbol's venue name, base asset and unit."""
        fields = self._fields
        return {
            symbol: (row["exchange"], row["base"], row["unit"])
            for symbol in symbols
            if (row := fields.get(symbol)) is not None
        }

    def lacking(self, symbols: Iterable[str], flag: str) -> list[str]:
        """The known symbols whose coverage `flag` (e.g. `has_ohlcv_data`) is false."""
        fields = self._fields
        return [symbol for symbol in symbols if symbol in fields and not fields[symbol][flag]]

    def venue_names(self) -> list[str]:
        """Canonical names of every venue."""
        return sorted(self.exchanges.get_column("name").to_list())

    def select(
        self,
        *,
        base: str | None = None,
        exchanges: Iterable[str] | None = None,
        quote: str | None = None,
        perpetual: bool | None = True,
        spot: bool = False,
    ) -> pl.DataFrame:
        """Markets matching every given criterion (base and quote compare case-insensitively).

        Raises:
            ValidationError: If an exchange name is not a Coinalyze venue.
        """
        frame = self.markets.filter(pl.col("market_type") == ("spot" if spot else "future"))
        if not spot and perpetual is not None:
            frame = frame.filter(pl.col("is_perpetual") == perpetual)
        if base is not None:
            frame = frame.filter(pl.col("base").str.to_uppercase() == base.upper())
        if quote is not None:
            frame = frame.filter(pl.col("quote").str.to_uppercase() == quote.upper())
        if exchanges is not None:
            names = [self._venue(name) for name in exchanges]
            frame = frame.filter(pl.col("exchange").is_in(names))
        return frame

    def resolve(
        self,
        *,
        exchange: str,
        base: str,
        quote: str | None = None,
        perpetual: bool = True,
        spot: bool = False,
    ) -> str:
        """The one symbol for a venue, base and quote.

        Raises:
            ValidationError: If no market or several markets match.
        """
        found = self.select(
            base=base, exchanges=[exchange], quote=quote, perpetual=perpetual, spot=spot
        )
        what = f"{'spot' if spot else 'perpetual' if perpetual else 'dated future'} {base}/{quote or '*'} on {exchange}"
        if found.height == 0:
            raise ValidationError(f"no Coinalyze market for {what}")
        if found.height > 1:
            options = ", ".join(
                f"{s} ({q})" for s, q in found.select("symbol", "quote").iter_rows()
            )
            raise ValidationError(
                f"several Coinalyze markets for {what}: {options}; pass quote= to choose"
            )
        symbol: str = found.item(0, "symbol")
        return symbol

    def resolve_many(
        self,
        bases: str | Iterable[str],
        exchanges: str | Iterable[str],
        *,
        quote: str | Sequence[str] | None = None,
        perpetual: bool = True,
    ) -> ResolvedSymbols:
        """One futures symbol per (base, venue) pair, and the pairs that have none.

        Per pair, the market is chosen among those whose quote is in the preference
        (`quote`, or `QUOTE_PREFERENCE`
        when `None`): the most preferred quote first, then for dated futures the nearest
        expiry, then the first symbol in alphabetical order.

        Args:
            bases: Base assets, compared case-insensitively with Coinalyze's `base_asset`.
            exchanges: Canonical venue names (`"binance"`, `"okx"`; spelling as in `resolve`).
            quote: One quote, or quotes in order of preference.
            perpetual: Perpetual (True) or dated (False) futures.

        Raises:
            ValidationError: Empty or malformed arguments, or an exchange Coinalyze does not
                cover (the message names close matches).
        """
        wanted = list(dict.fromkeys(base.upper() for base in names("bases", bases)))
        venues = list(dict.fromkeys(self._venue(name) for name in names("exchanges", exchanges)))
        quotes = quote_preference(quote)
        ranking = pl.DataFrame(
            {"quote_key": list(quotes), "preference": list(range(len(quotes)))},
            schema={"quote_key": pl.String, "preference": pl.Int64},
        )
        best = (
            self.markets.filter(
                (pl.col("market_type") == "future")
                & (pl.col("is_perpetual") == perpetual)
                & pl.col("exchange").is_in(venues)
            )
            .with_columns(
                base_key=pl.col("base").str.to_uppercase(),
                quote_key=pl.col("quote").str.to_uppercase(),
            )
            .filter(pl.col("base_key").is_in(wanted))
            .join(ranking, on="quote_key", how="inner")
            .sort("preference", "expire_at", "symbol", nulls_last=True)
            .unique(subset=["base_key", "exchange"], keep="first", maintain_order=True)
        )
        chosen = {
            (base, venue): symbol
            for base, venue, symbol in best.select("base_key", "exchange", "symbol").iter_rows()
        }
        pairs: list[tuple[str, str, str]] = []
        missing: list[tuple[str, str]] = []
        for base in wanted:
            for venue in venues:
                symbol = chosen.get((base, venue))
                if symbol is None:
                    missing.append((base, venue))
                else:
                    pairs.append((base, venue, symbol))
        return ResolvedSymbols([symbol for _, _, symbol in pairs], pairs, missing)

    def _venue(self, name: str) -> str:
        # Lenient, so that a venue Coinalyze lists before core's table does stays reachable.
        from cryptodata.core.venues import normalize_venue  # deferred: see `MarketCatalog.build`

        canonical = normalize_venue(name)
        venues = self.venue_names()
        if canonical not in venues:
            import difflib  # deferred: only a misspelt venue needs it, costly to import

            matches = difflib.get_close_matches(canonical, venues, n=3)
            hint = f"; did you mean {', '.join(map(repr, matches))}?" if matches else ""
            raise ValidationError(
                f"unknown Coinalyze exchange {name!r}{hint} (known: {', '.join(venues)})"
            )
        return canonical
