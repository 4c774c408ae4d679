"""Typed records: one frozen, slotted attrs class per row kind.

The field list of each class *is* the column contract of its kind: the polars schemas in
`schema` are derived from these annotations, so a column is declared
once. Records are built from a table's frame on demand (`Table.to_records()` or iteration).
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = [
    "AccountSummary",
    "AggregateLiquidationBar",
    "AggregateOpenInterestBar",
    "AssetContext",
    "BookLevel",
    "Exchange",
    "FundingRateBar",
    "FundingRateSnapshot",
    "FundingSettlement",
    "LeaderboardEntry",
    "LiquidationBar",
    "LiquidationEvent",
    "LongShortRatioBar",
    "Market",
    "Metric",
    "OhlcvBar",
    "OpenInterestBar",
    "OpenInterestSnapshot",
    "Position",
    "PredictedFundingRateBar",
    "PredictedFundingRateSnapshot",
    "PullLog",
    "Record",
    "Trade",
]


class _Record:
    """Every record's `__repr__`, `__eq__` and `__hash__`, as attrs would generate them: one
    shared implementation instead of three that attrs compiles for each class (import time).

    Records compare equal when they are of the same class and their fields are equal, hash
    alike when equal, and show as `OhlcvBar(provider='coinalyze', ...)`.
    """

    __slots__ = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, field.name) for field in attrs.fields(type(self)))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        fields = attrs.fields(type(self))  # type: ignore[arg-type]
        shown = ", ".join(f"{field.name}={getattr(self, field.name)!r}" for field in fields)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, *self._values()))


# The four bases only hand their fields to the records (which generate `__init__`, match args
# and pickling, and take repr, eq and hash from `_Record`): never built, shown, compared,
# matched or pickled themselves, they skip generating those (import time).
@attrs.frozen(repr=False, eq=False, match_args=False, getstate_setstate=False)
class _MarketColumns(_Record):
    """The columns that name a market; every market row starts with them."""

    provider: str
    exchange: str
    symbol: str
    base: str


@attrs.frozen(repr=False, eq=False, match_args=False, getstate_setstate=False)
class _Snapshot(_MarketColumns):
    """A market's value at one moment: `ts` is the provider's update time."""

    ts: datetime


@attrs.frozen(repr=False, eq=False, match_args=False, getstate_setstate=False)
class _Bar(_MarketColumns):
    """A market's value over one bar: `interval` is its canonical name (`"1h"`), `ts` its start."""

    interval: str
    ts: datetime


@attrs.frozen(repr=False, eq=False, match_args=False, getstate_setstate=False)
class _OhlcBar(_Bar):
    open: float | None
    high: float | None
    low: float | None
    close: float | None


@attrs.frozen(repr=False, eq=False)
class OpenInterestBar(_OhlcBar):
    """Open interest over one bar: value at open, highest, lowest and at close, in `unit`."""

    unit: str


@attrs.frozen(repr=False, eq=False)
class FundingRateBar(_OhlcBar):
    """Funding rate over one bar, as a fraction per funding period (0.0001 = 0.01 %).

    `period_hours` is the market's funding period (8 on most venues, 1 on Hyperliquid), or
    `None` where the provider does not say; `rate * 24 * 365 / period_hours` annualises.
    """

    period_hours: float | None


@attrs.frozen(repr=False, eq=False)
class PredictedFundingRateBar(_OhlcBar):
    """Predicted funding rate over one bar, as a fraction per `period_hours` funding period."""

    period_hours: float | None


@attrs.frozen(repr=False, eq=False)
class LiquidationBar(_Bar):
    """Long and short positions liquidated during one bar, in `unit`."""

    longs: float | None
    shorts: float | None
    unit: str


@attrs.frozen(repr=False, eq=False)
class LongShortRatioBar(_Bar):
    """Ratio of accounts long to short; `long_pct + short_pct = 100`."""

    ratio: float | None
    long_pct: float | None
    short_pct: float | None


@attrs.frozen(repr=False, eq=False)
class OhlcvBar(_Bar):
    """A price bar; `volume` and `buy_volume` are in `unit`, `trades` counts trades."""

    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: float | None
    buy_volume: float | None
    trades: int | None
    buy_trades: int | None
    unit: str


@attrs.frozen(repr=False, eq=False)
class OpenInterestSnapshot(_Snapshot):
    """Current open interest; `ts` is the provider's update time."""

    value: float | None
    unit: str


@attrs.frozen(repr=False, eq=False)
class FundingRateSnapshot(_Snapshot):
    """Current funding rate, a fraction per `period_hours` funding period; `ts` is the update time."""

    value: float | None
    period_hours: float | None


@attrs.frozen(repr=False, eq=False)
class PredictedFundingRateSnapshot(_Snapshot):
    """Predicted next funding rate, a fraction per `period_hours` period; `ts` is the update time."""

    value: float | None
    period_hours: float | None


@attrs.frozen(repr=False, eq=False)
class FundingSettlement(_MarketColumns):
    """One funding payment as the venue settled it: `ts` is the settlement's hour boundary.

    `rate` is the fraction applied for the period (0.0001 = 0.01 %), `period_hours` the period
    in force at that settlement, `premium` the premium component where the venue gives it.
    """

    ts: datetime
    rate: float | None
    premium: float | None
    period_hours: float | None


@attrs.frozen(repr=False, eq=False)
class AssetContext(_Snapshot):
    """A perpetual's (or spot pair's) live state at `ts`, the moment it was fetched.

    Prices are in the quote currency as the venue quotes the market; `open_interest` counts
    base units (contracts of `base` for a 1,000x market such as `kPEPE`), `open_interest_usd`
    is it times `mark_price`; `funding_rate` is the ongoing period's predicted rate, a fraction
    per `period_hours`. Fields the venue leaves out (spot has no funding) are `None`.
    """

    mark_price: float | None
    oracle_price: float | None
    mid_price: float | None
    prev_day_price: float | None
    impact_bid: float | None
    impact_ask: float | None
    funding_rate: float | None
    premium: float | None
    period_hours: float | None
    open_interest: float | None
    open_interest_usd: float | None
    day_volume_usd: float | None
    day_volume_base: float | None


@attrs.frozen(repr=False, eq=False)
class LeaderboardEntry(_Record):
    """A trader's standing over one window (`day`, `week`, `month`, `allTime`) at `ts`.

    `pnl`, `volume` and `account_value` are in USD; `roi` is a fraction (0.25 = 25 %).
    """

    provider: str
    address: str
    window: str
    ts: datetime
    display_name: str | None
    account_value: float | None
    pnl: float | None
    roi: float | None
    volume: float | None


@attrs.frozen(repr=False, eq=False)
class Position(_Record):
    """One open position of a trader at `ts`, the moment it was fetched.

    `size` is signed in base units (negative = short) and `side` says `long` or `short`;
    money columns are in USD; `return_on_equity` is a fraction; `leverage_type` is `cross` or
    `isolated`; `liquidation_price` is `None` where the venue computes none.
    """

    provider: str
    exchange: str
    address: str
    symbol: str
    base: str
    ts: datetime
    size: float | None
    side: str
    entry_price: float | None
    position_value: float | None
    unrealized_pnl: float | None
    return_on_equity: float | None
    leverage_type: str | None
    leverage: float | None
    max_leverage: float | None
    liquidation_price: float | None
    margin_used: float | None
    cumulative_funding: float | None


@attrs.frozen(repr=False, eq=False)
class AccountSummary(_Record):
    """A trader's account at `ts`: value, margin in use, notional and what can be withdrawn (USD)."""

    provider: str
    exchange: str
    address: str
    ts: datetime
    account_value: float | None
    margin_used: float | None
    total_notional: float | None
    withdrawable: float | None
    maintenance_margin: float | None


@attrs.frozen(repr=False, eq=False)
class Trade(_MarketColumns):
    """One public trade: `ts` is its time, `side` the taker's (`buy` or `sell`).

    `trade_id` is the venue's id as text; `amount` is in `unit` at `price`.
    """

    ts: datetime
    trade_id: str
    side: str
    price: float | None
    amount: float | None
    unit: str


@attrs.frozen(repr=False, eq=False)
class LiquidationEvent(_MarketColumns):
    """One forced liquidation: `ts` is its time, `side` the side of the liquidated position.

    `side` is `long` or `short` on every venue (the venues say it their own ways; the
    provider normalises it). `amount` is in `unit` (`base`) at `price`; `value` is the
    quote-currency notional. `event_id` is the venue's id of the event as text; where the
    venue gives none it is derived from the event itself: the first 16 hex digits of the
    SHA-256 of the venue's raw row as canonical JSON (sorted keys), so the same event always
    gets the same id and two liquidations in one millisecond stay apart.
    """

    ts: datetime
    event_id: str
    side: str
    price: float | None
    amount: float | None
    value: float | None
    unit: str


@attrs.frozen(repr=False, eq=False)
class BookLevel(_MarketColumns):
    """One price level of an order book snapshot taken at `ts`.

    `side` is `bid` or `ask`; `level` counts from 0 at the best price; `size` is in `unit`;
    `orders` is how many orders rest there, where the venue says.
    """

    ts: datetime
    side: str
    level: int
    price: float | None
    size: float | None
    orders: int | None
    unit: str


@attrs.frozen(repr=False, eq=False)
class Market(_Record):
    """An instrument a provider serves data for.

    `unit` is the unit of its open interest, liquidations and volume (`base`, `quote`,
    `contracts`); `market_type` is `future` or `spot`. `contract_size` is how many `base`
    units one contract holds (1,000 for Hyperliquid's `kPEPE`), `max_leverage` and
    `size_decimals` (the decimals an order size may have) are the venue's; each is `None`
    where the provider does not say.
    """

    provider: str
    exchange: str
    symbol: str
    symbol_on_exchange: str
    base: str
    quote: str
    market_type: str
    is_perpetual: bool
    margined: str | None
    expire_at: datetime | None
    unit: str
    has_long_short_ratio_data: bool
    has_ohlcv_data: bool
    has_buy_sell_data: bool
    contract_size: float | None = None
    max_leverage: float | None = None
    size_decimals: int | None = None


@attrs.frozen(repr=False, eq=False)
class Exchange(_Record):
    """A venue as a provider names it: `name` is the canonical lowercase name, `code` the provider's."""

    provider: str
    name: str
    code: str
    display_name: str


@attrs.frozen(repr=False, eq=False)
class AggregateOpenInterestBar(_Record):
    """Open interest summed over venues (USD).

    `venues` counts the venues in the sum at this `ts` and `exchanges` names them
    (comma-separated, sorted).
    """

    provider: str
    base: str
    interval: str
    ts: datetime
    open: float | None
    close: float | None
    unit: str
    venues: int
    exchanges: str


@attrs.frozen(repr=False, eq=False)
class AggregateLiquidationBar(_Record):
    """Liquidations summed over venues (USD).

    `venues` counts the venues in the sum at this `ts` and `exchanges` names them
    (comma-separated, sorted).
    """

    provider: str
    base: str
    interval: str
    ts: datetime
    longs: float | None
    shorts: float | None
    unit: str
    venues: int
    exchanges: str


@attrs.frozen(repr=False, eq=False)
class Metric(_Record):
    """One value of a named metric about an entity over one bar: the research providers' long format.

    `provider_id` is the provider's own id of what is measured, byte for byte (Artemis'
    `"sol"`, DefiLlama's `"Ethereum"`): with the provider, the metric and the interval it names
    the series, as `symbol` names a market's. `entity` is the canonical id of the same thing
    (`cryptodata.core.entities`: `"bitcoin"`, a chain, a protocol), which may be revised without
    making a new series.

    Examples:
        >>> from datetime import UTC, datetime
        >>> Metric("coinmetrics", "bitcoin", "active_addresses", "1d",
        ...        datetime(2025, 6, 1, tzinfo=UTC), 812345.0, "addresses", "btc").metric
        'active_addresses'
    """

    provider: str
    entity: str
    metric: str
    interval: str
    ts: datetime
    value: float | None
    unit: str
    provider_id: str


@attrs.frozen(repr=False, eq=False)
class PullLog(_Record):
    """One run of a scheduled pull: when it started and finished, and what it did.

    `status` is `ok` (every series answered), `partial` (some series failed; the rest were
    written) or `failed` (nothing written, or the run stopped). `rows` and `requests` count
    what the run wrote and sent; `error` is the first error's type and message, else `None`.
    """

    pull: str
    provider: str
    ts: datetime
    finished: datetime
    status: str
    rows: int
    requests: int
    error: str | None


Record = (
    OpenInterestBar
    | FundingRateBar
    | PredictedFundingRateBar
    | LiquidationBar
    | LongShortRatioBar
    | OhlcvBar
    | OpenInterestSnapshot
    | FundingRateSnapshot
    | PredictedFundingRateSnapshot
    | Market
    | Metric
    | Exchange
    | AggregateOpenInterestBar
    | AggregateLiquidationBar
    | FundingSettlement
    | AssetContext
    | LeaderboardEntry
    | Position
    | AccountSummary
    | Trade
    | LiquidationEvent
    | BookLevel
    | PullLog
)
"""Any record a `Table` can hold."""
