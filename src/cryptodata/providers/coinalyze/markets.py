"""The market catalogue: which symbols exist, on which venue, for which base, in which unit.

Built from `/exchanges`, `/future-markets` and `/spot-markets`; the client caches it with a
TTL and checks every symbol against it before a data request is sent.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

import attrs
import polars as pl

from cryptodata.core.errors import ValidationError
from cryptodata.core.schema import Kind, schema
from cryptodata.core.table import Table

from .endpoints import PROVIDER

__all__ = ["MarketCatalog", "exchange_name"]


def exchange_name(display_name: str) -> str:
    """Canonical venue name: lower case, letters and digits only (`"Gate.io"` → `"gateio"`).

    These match ccxt's exchange ids for the venues both know (`binance`, `bybit`, `okx`,
    `gateio`, `bitmex`, `hyperliquid`, ...).
    """
    return re.sub(r"[^a-z0-9]", "", display_name.lower())


@attrs.frozen
class MarketCatalog:
    """Every Coinalyze market with its venue name, as one frame of the `markets` schema."""

    markets: pl.DataFrame
    exchanges: pl.DataFrame

    @classmethod
    def build(
        cls, exchanges: pl.DataFrame, futures: pl.DataFrame, spots: pl.DataFrame
    ) -> MarketCatalog:
        """Join raw market lists with the exchange table (codes → canonical names).

        Args:
            exchanges: `code`, `display_name` from `/exchanges`.
            futures: Parsed `/future-markets`.
            spots: Parsed `/spot-markets`.
        """
        venues = exchanges.with_columns(
            provider=pl.lit(PROVIDER),
            name=pl.col("display_name").map_elements(exchange_name, return_dtype=pl.String),
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
            )
            .unique(subset="symbol", keep="first", maintain_order=True)
        )
        return cls(Table.from_frame(Kind.MARKETS, markets).to_polars(), venues)

    def exchanges_table(self) -> Table:
        """The venues as a table of kind `exchanges`."""
        return Table.from_frame(Kind.EXCHANGES, self.exchanges)

    def markets_table(self, market_type: str | None = None) -> Table:
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
        known = set(self.markets.get_column("symbol").to_list())
        for symbol in symbols:
            if symbol not in known:
                matches = difflib.get_close_matches(symbol, known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(map(repr, matches))}?" if matches else ""
                raise ValidationError(
                    f"unknown Coinalyze symbol {symbol!r}{hint} (symbols are case-sensitive; "
                    "find them with resolve() or future_markets())"
                )

    def info(self, symbols: Sequence[str]) -> pl.DataFrame:
        """Catalogue rows of `symbols`, in the order given."""
        order = pl.DataFrame({"symbol": list(symbols)}, schema={"symbol": pl.String})
        return order.join(self.markets, on="symbol", how="inner", maintain_order="left")

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

    def _venue(self, name: str) -> str:
        canonical = exchange_name(name)
        venues = self.venue_names()
        if canonical not in venues:
            matches = difflib.get_close_matches(canonical, venues, n=3)
            hint = f"; did you mean {', '.join(map(repr, matches))}?" if matches else ""
            raise ValidationError(
                f"unknown Coinalyze exchange {name!r}{hint} (known: {', '.join(venues)})"
            )
        return canonical
