"""Quantities in US dollars: what `usd=True` does, and nothing it would have to guess.

Each row of open interest or liquidations is turned into dollars by its `unit` and its
instrument (`Question.instruments`), with a price from the same provider, symbol and bar:

| unit | instrument | dollars |
| --- | --- | --- |
| `usd` | any | the value as given |
| `quote` | quoted in USD, USDT or USDC | the value as given |
| `base` | quoted in a dollar | the amount times the price of one base unit |
| `contracts` | linear or spot, quoted in a dollar, contract size known | contracts times contract size times the price of one base unit |
| `contracts` | inverse, quoted in a dollar, contract size known | contracts times contract size (an inverse contract is that many dollars) |

The price of one base unit is the close of the same provider's candle for the same symbol
and bar, divided by the contract size where the provider prices contracts rather than base
units (`Coverage.price_unit`: Hyperliquid's `kPEPE` is one contract of 1,000 PEPE). A ticker
that counts a multiple of the asset (`1000PEPE`) needs no factor: its amounts and its price
count the same unit. Candles are asked only for the symbols with a row that needs a price.

A bar given both ways (the venue's dollar value and an amount worked out here) keeps the
venue's. Every other row (another quote, a quanto or dated contract, an unknown contract
size, a bar with no candle) stays in its unit, and the table's warnings count it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs
import polars as pl

from cryptodata.core.schema import Kind, schema, series_key
from cryptodata.core.table import Table

from .fanout import Report, Share
from .instruments import Instrument, InstrumentKind

__all__ = ["DOLLARS", "QUANTITIES", "in_usd", "price_shares"]

DOLLARS: Final = frozenset({"USD", "USDT", "USDC"})
"""Quotes taken as US dollars: the dollar and the two largest dollar-pegged stablecoins."""

QUANTITIES: Final[Mapping[Kind, tuple[str, ...]]] = {
    Kind.OPEN_INTEREST: ("open", "high", "low", "close"),
    Kind.LIQUIDATIONS: ("longs", "shorts"),
}
"""The kinds `usd=True` converts, and their columns that count a quantity."""

_PRICED_KINDS: Final = frozenset(
    {
        InstrumentKind.LINEAR_USDT,
        InstrumentKind.LINEAR_USDC,
        InstrumentKind.LINEAR_USD,
        InstrumentKind.SPOT,
    }
)
"""Instruments whose contracts count the base: dollars need a price."""

_META: Final = pl.Schema(
    {
        "provider": pl.String,
        "symbol": pl.String,
        "_pegged": pl.Boolean,
        "_linear": pl.Boolean,
        "_inverse": pl.Boolean,
        "_size": pl.Float64,
        "_per_price": pl.Float64,
    }
)


def price_shares(
    table: Table[Any],
    shares: Iterable[Share],
    instruments: Mapping[tuple[str, str], Instrument],
    price_units: Mapping[str, str],
) -> tuple[Share, ...]:
    """The candle shares that price `table`: each share's symbols with a row needing a price.

    A row needs one when its amount counts base units (an amount in the base, or linear
    contracts) and the venue gives no dollar value of its bar. Shares whose source has no
    candles at the interval are left out (their rows stay in their unit).
    """
    frame = table.to_polars().join(
        _meta(instruments, price_units), on=["provider", "symbol"], how="left"
    )
    keys = _bar_key(table.kind)
    given = frame.filter(_given()).select(keys)
    needing = frame.filter(_base_priced() | _contracts_priced()).join(given, on=keys, how="anti")
    wanted = set(needing.select("provider", "symbol").unique().iter_rows())
    priced = []
    for share in shares:
        symbols = tuple(s for s in share.symbols if (share.route.provider, s) in wanted)
        if symbols and share.route.source.coverage().supports(Kind.OHLCV, share.route.interval):
            route = attrs.evolve(share.route, kind=Kind.OHLCV)
            priced.append(Share(route, symbols, share.start, share.end))
    return tuple(priced)


def in_usd(
    table: Table[Any],
    instruments: Mapping[tuple[str, str], Instrument],
    price_units: Mapping[str, str],
    candles: Table[Any] | None,
    prices: Report | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """`table`'s rows in dollars where no guess is needed (see the module), and the notes.

    Args:
        table: Open interest or liquidations, as the providers answered.
        instruments: The instrument each `(provider, symbol)` is.
        price_units: Each provider's `Coverage.price_unit`.
        candles: The candles that price the rows (`price_shares`), or `None`.
        prices: What fetching the candles did, so a failure is named in the notes.

    Returns:
        The frame (converted rows with `unit` `usd`, the others as they were; one row per
        bar) and the notes to add to the table's warnings.
    """
    kind = table.kind
    frame = table.to_polars()
    keys = _bar_key(kind)
    price = _prices(candles, keys)
    joined = frame.join(_meta(instruments, price_units), on=["provider", "symbol"], how="left")
    joined = joined.join(price, on=keys, how="left")
    converted = joined.with_columns(_factor=_factor(), _computed=~_given().fill_null(False))
    done = converted.filter(pl.col("_factor").is_not_null()).with_columns(
        *(pl.col(c) * pl.col("_factor") for c in QUANTITIES[kind]), unit=pl.lit("usd")
    )
    # A bar the venue gives in dollars beats the one worked out from its amount.
    done = done.sort("_computed").unique(subset=keys, keep="first", maintain_order=True)
    # A bar left in its unit is dropped when the venue's dollar value of it is in `done`.
    left = converted.filter(pl.col("_factor").is_null()).join(
        done.select(keys), on=keys, how="anti"
    )
    rows = pl.concat([done.select(frame.columns), left.select(frame.columns)])
    notes = []
    if left.height:
        where = ", ".join(sorted(set(left.get_column("exchange"))))
        notes.append(
            f"{left.height} rows ({where}) stay in their unit: no USD value without a guess"
        )
    if prices is not None:
        notes.extend(
            f"no prices from {o.share.route.provider} for {o.share.route.venue}: {o.error}"
            for o in prices.failures
        )
    return rows, notes


def _bar_key(kind: Kind) -> list[str]:
    """One bar of one market: its series key without `unit`, and `ts`."""
    return [*(column for column in series_key(kind) if column != "unit"), "ts"]


def _prices(candles: Table[Any] | None, keys: list[str]) -> pl.DataFrame:
    if candles is None:
        candles = Table.from_frame(Kind.OHLCV, pl.DataFrame(schema=schema(Kind.OHLCV)))
    return candles.to_polars().select(*keys, _price="close")


def _meta(
    instruments: Mapping[tuple[str, str], Instrument], price_units: Mapping[str, str]
) -> pl.DataFrame:
    rows = []
    for (provider, symbol), pick in instruments.items():
        size = pick.contract_size
        per_contract = price_units.get(provider, "base") == "contracts"
        rows.append(
            {
                "provider": provider,
                "symbol": symbol,
                "_pegged": pick.quote.upper() in DOLLARS,
                "_linear": pick.kind in _PRICED_KINDS,
                "_inverse": pick.kind is InstrumentKind.INVERSE,
                "_size": size,
                # How many base units one price buys.
                "_per_price": size if per_contract and size is not None else 1.0,
            }
        )
    return pl.DataFrame(rows, schema=_META)


def _given() -> pl.Expr:
    """The venue's own dollar value: in USD, or in a dollar quote."""
    unit = pl.col("unit")
    return (unit == "usd") | ((unit == "quote") & pl.col("_pegged"))


def _base_priced() -> pl.Expr:
    """An amount of the base of a dollar-quoted market: priced."""
    linear_or_inverse = pl.col("_linear") | pl.col("_inverse")
    return (pl.col("unit") == "base") & pl.col("_pegged") & linear_or_inverse


def _contracts_priced() -> pl.Expr:
    """Contracts counting the base (linear ones) of a dollar-quoted market: priced."""
    return (pl.col("unit") == "contracts") & pl.col("_pegged") & pl.col("_linear")


def _contracts_sized() -> pl.Expr:
    """Inverse contracts of a dollar-quoted market: each is its size in dollars."""
    return (pl.col("unit") == "contracts") & pl.col("_pegged") & pl.col("_inverse")


def _factor() -> pl.Expr:
    """What multiplies a row's quantities into dollars; null where that needs a guess."""
    return (
        pl.when(_given())
        .then(pl.lit(1.0))
        .when(_base_priced())
        .then(pl.col("_price") / pl.col("_per_price"))
        .when(_contracts_priced())
        # The size over what one price buys first: 1 exactly where a price is a contract's.
        .then(pl.col("_price") * (pl.col("_size") / pl.col("_per_price")))
        .when(_contracts_sized())
        .then(pl.col("_size"))
        .otherwise(pl.lit(None, pl.Float64))
    )
