"""What a `rows` call or a pipeline's symbols ask for, checked before any request.

A `rows` call names exchanges with products *or* coins (never both: Velo's clients refuse
it) and the columns; Velo's `/rows` always needs the exchanges, except for the annualised
3-month basis (`3m_basis_ann`), which is asked alone, by coin (BTC, ETH) and with no
exchange or product. A pipeline names each series by a symbol
`"<metric>@<provider id>"`, the provider id being `<exchange>:<product>`,
`<exchange>:coin:<coin>` (a coin's rows on one exchange) or the coin alone (the basis).

Examples:
    >>> cells = series_of(["price@binance-futures:BTCUSDT", "3m_basis_ann@BTC"],
    ...                   Interval.H1, "futures")
    >>> [(cell.exchange, cell.identifier, cell.selector, cell.column) for cell in cells]
    [('binance-futures', 'BTCUSDT', 'products', 'close_price'), ('', 'BTC', 'coins', '3m_basis_ann')]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs

from cryptodata.core._args import names
from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import metric_symbol, split_metric_symbol

from .endpoints import BASIS_COINS, BASIS_COLUMN, ProductType, check_columns
from .metrics import canonical_metric, velo_column
from .planner import Selector, Want

__all__ = ["Cell", "cell_symbol", "series_of", "want_of"]

_COIN: Final = ":coin:"


@attrs.frozen
class Cell:
    """One series: a column of one product (or coin) on one exchange.

    Attributes:
        exchange: Velo exchange id (`""` for the basis, which names none).
        identifier: The product, or the coin.
        selector: `products` or `coins`.
        column: The Velo column.
    """

    exchange: str
    identifier: str
    selector: Selector
    column: str

    @property
    def provider_id(self) -> str:
        """The `provider_id` of its rows."""
        if not self.exchange:
            return self.identifier
        if self.selector == "coins":
            return f"{self.exchange}{_COIN}{self.identifier}"
        return f"{self.exchange}:{self.identifier}"


def cell_symbol(cell: Cell, interval: Interval) -> str:
    """The pipeline symbol of a cell's series at `interval`."""
    return metric_symbol(cell.provider_id, canonical_metric(cell.column, interval))


def _check_basis(columns: Sequence[str], coins: Sequence[str], alone: bool) -> None:
    if BASIS_COLUMN not in columns:
        return
    if len(columns) > 1 or not alone:
        raise ValidationError(
            f"{BASIS_COLUMN} is asked alone, by coins only: no other column, no exchanges, "
            "no products"
        )
    if other := [coin for coin in coins if coin not in BASIS_COINS]:
        raise ValidationError(
            f"Velo has {BASIS_COLUMN} for {' and '.join(BASIS_COINS)} only, not {', '.join(other)}"
        )


def want_of(
    product_type: ProductType,
    columns: str | Sequence[str],
    exchanges: str | Sequence[str] | None,
    products: str | Sequence[str] | None,
    coins: str | Sequence[str] | None,
) -> Want:
    """The grid a `rows` call asks for.

    Raises:
        ValidationError: Products and coins both (or neither), no exchanges (outside the
            basis), unknown columns, or a basis asked with anything else.
    """
    wanted = names("columns", columns)
    check_columns(product_type, wanted)
    if (products is None) == (coins is None):
        raise ValidationError("name products= or coins= (one of them, not both)")
    selector: Selector = "products" if products is not None else "coins"
    ids = names(selector, products if products is not None else coins or ())
    venues = [] if exchanges is None else names("exchanges", exchanges)
    if BASIS_COLUMN in wanted:
        _check_basis(wanted, ids, alone=selector == "coins" and not venues)
        return Want((), tuple(ids), "coins", tuple(wanted))
    if not venues:
        raise ValidationError(
            "name exchanges= as well: Velo's rows are per exchange "
            f"(only {BASIS_COLUMN} is asked by coin alone)"
        )
    return Want(tuple(venues), tuple(ids), selector, tuple(wanted))


def _cell(symbol: str, interval: Interval, product_type: ProductType) -> Cell:
    provider_id, metric = split_metric_symbol(symbol)
    column = velo_column(metric, interval) or metric
    check_columns(product_type, [column])
    if canonical_metric(column, interval) != metric:
        raise ValidationError(
            f"{symbol!r}: at {interval.value} Velo's {column} rows are called "
            f"{canonical_metric(column, interval)!r}, not {metric!r}"
        )
    exchange, colon, rest = provider_id.partition(":")
    if not colon:
        _check_basis([column], [provider_id], alone=True)
        if column != BASIS_COLUMN:
            raise ValidationError(
                f"{symbol!r}: a Velo provider id is '<exchange>:<product>' or "
                f"'<exchange>:coin:<coin>' (only {BASIS_COLUMN} names a coin alone)"
            )
        return Cell("", provider_id, "coins", column)
    _check_basis([column], [], alone=False)
    if rest.startswith(_COIN[1:]):
        coin = rest[len(_COIN) - 1 :]
        selector: Selector = "coins"
        identifier = coin
    else:
        selector, identifier = "products", rest
    if not exchange or not identifier:
        raise ValidationError(f"{symbol!r}: the provider id names no exchange or no product")
    return Cell(exchange, identifier, selector, column)


def series_of(symbols: Sequence[str], interval: Interval, product_type: ProductType) -> list[Cell]:
    """The cells pipeline symbols name, in order, each once.

    Raises:
        ValidationError: For a malformed symbol, an unknown column, or a basis symbol that
            names an exchange.
    """
    return list(dict.fromkeys(_cell(symbol, interval, product_type) for symbol in symbols))
