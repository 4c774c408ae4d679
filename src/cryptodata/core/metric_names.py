"""The canonical metric names of `metric` rows, and how a metric series is named to a source.

Research providers name one measure many ways (Artemis' `FEES`, DefiLlama's `totalDataChart` of
`/overview/fees`, Coin Metrics' `AdrActCnt`): each provider's package maps its names to the
canonical ones below (`MetricMap`), so rows of several providers about one measure line up.
Every canonical name has one unit, so a provider whose value comes in another unit converts
it (`scale`). A provider name without a mapping keeps the provider's own name in snake case
(`metric_name`), so nothing is dropped for want of an entry.

To pipelines a `metric` source names a series by a *symbol*, `"<metric>@<provider id>"`
(`"tvl@Ethereum"`, `"price@sol"`): a canonical metric name never holds `@`, so the split at
the first `@` is exact whatever the provider's id holds.

Examples:
    >>> METRIC_NAMES["fees_24h"].unit
    'usd'
    >>> metric_symbol("Ethereum", "tvl"), split_metric_symbol("tvl@Ethereum")
    ('tvl@Ethereum', ('Ethereum', 'tvl'))
    >>> metric_name("24H_VOLUME"), metric_name("AdrActCnt")
    ('24h_volume', 'adr_act_cnt')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from .errors import ValidationError

__all__ = [
    "METRIC_NAMES",
    "MetricMap",
    "MetricName",
    "metric_name",
    "metric_symbol",
    "split_metric_symbol",
]


@attrs.frozen
class MetricName:
    """A canonical metric: its name, its one unit and what it measures.

    Attributes:
        name: The canonical name (snake case).
        unit: What its values count (`usd`, `addresses`, `fraction`, ...).
        description: What it measures, in a sentence.
        elsewhere: Where it can be had when no provider here offers it (or not keyless),
            for the error that says so; empty when the providers here cover it.
    """

    name: str
    unit: str
    description: str
    elsewhere: str = ""


def _vocabulary(*names: MetricName) -> Mapping[str, MetricName]:
    return MappingProxyType({name.name: name for name in names})


METRIC_NAMES: Final = _vocabulary(
    MetricName("tvl", "usd", "Total value locked in a protocol."),
    MetricName("chain_tvl", "usd", "Total value locked in a chain's protocols."),
    MetricName("fees_24h", "usd", "Fees users paid over the day."),
    MetricName("revenue_24h", "usd", "Fees kept by the protocol or chain over the day."),
    MetricName("dex_volume_24h", "usd", "Spot DEX volume over the day."),
    MetricName("derivatives_volume_24h", "usd", "Perpetuals and futures DEX volume over the day."),
    MetricName("options_volume_24h", "usd", "Options notional volume over the day."),
    MetricName(
        "bridge_volume_24h", "usd", "Value bridged (deposits plus withdrawals) over the day."
    ),
    MetricName("stablecoin_supply", "usd", "Stablecoins in circulation, in dollars."),
    MetricName(
        "stablecoin_transfer_volume_24h", "usd", "Value of stablecoin transfers over the day."
    ),
    MetricName("price", "usd", "Price of one unit of the asset."),
    MetricName("market_cap", "usd", "Circulating supply times price."),
    MetricName("fdv", "usd", "Fully diluted valuation: total (or max) supply times price."),
    MetricName("volume_usd_24h", "usd", "Trading volume over the day, in dollars."),
    MetricName("circulating_supply", "native", "Units of the asset in circulation."),
    MetricName("total_supply", "native", "Units of the asset in existence."),
    MetricName("max_supply", "native", "Units of the asset there will ever be."),
    MetricName("realized_cap", "usd", "Every unit valued at the price it last moved at."),
    MetricName("open_interest_usd", "usd", "Open interest of derivatives on the asset."),
    MetricName("funding_rate", "fraction", "Perpetual funding rate per funding period."),
    MetricName("active_addresses", "addresses", "Addresses active (sending or receiving)."),
    MetricName("daily_active_users", "users", "Distinct users (addresses) active over the day."),
    MetricName("transaction_count", "transactions", "Transactions over the day."),
    MetricName("transfer_count", "transfers", "Transfers of the native asset over the day."),
    MetricName("hash_rate", "terahashes_per_second", "Mean hash rate over the bar."),
    MetricName("block_count", "blocks", "Blocks produced over the bar."),
    MetricName("difficulty", "difficulty", "Mean mining difficulty over the bar."),
    MetricName("addresses_with_balance", "addresses", "Addresses holding a non-zero balance."),
    MetricName("mvrv", "ratio", "Market value over realised value."),
    MetricName("issuance_usd", "usd", "Value of newly issued units over the day."),
    MetricName("lending_deposits", "usd", "Value deposited in lending markets."),
    MetricName("lending_borrows", "usd", "Value borrowed from lending markets."),
    MetricName("block_height", "blocks", "Blocks in the chain: the newest block's height."),
    MetricName("transactions_per_second", "transactions", "Transactions per second, on average."),
    MetricName("mempool_size", "bytes", "Bytes of transactions waiting in the mempool."),
    MetricName("mempool_count", "transactions", "Transactions waiting in the mempool."),
    MetricName("miners_revenue_usd", "usd", "Block rewards and fees miners earned over the day."),
    MetricName("avg_block_size", "bytes", "Mean size of the bar's blocks."),
    MetricName("transfer_volume_usd", "usd", "Estimated value of on-chain transfers over the day."),
    MetricName("fear_greed", "index", "Crypto Fear & Greed index: 0 extreme fear, 100 greed."),
    MetricName("cbbi_confidence", "fraction", "Bitcoin Bull Run Index: confidence, 0 to 1."),
    MetricName("cbbi_pi_cycle", "fraction", "CBBI component: Pi Cycle Top score, 0 to 1."),
    MetricName("cbbi_rupl", "fraction", "CBBI component: RUPL/NUPL score, 0 to 1."),
    MetricName("cbbi_rhodl", "fraction", "CBBI component: RHODL ratio score, 0 to 1."),
    MetricName("cbbi_puell", "fraction", "CBBI component: Puell multiple score, 0 to 1."),
    MetricName("cbbi_two_year_ma", "fraction", "CBBI component: 2-year MA score, 0 to 1."),
    MetricName("cbbi_trolololo", "fraction", "CBBI component: Trolololo trend score, 0 to 1."),
    MetricName("cbbi_mvrv", "fraction", "CBBI component: MVRV Z-score score, 0 to 1."),
    MetricName("cbbi_reserve_risk", "fraction", "CBBI component: reserve risk score, 0 to 1."),
    MetricName("cbbi_woobull", "fraction", "CBBI component: Woobull top cap score, 0 to 1."),
    MetricName(
        "sopr",
        "ratio",
        "Spent output profit ratio: value spent over value paid.",
        "no public, documented, keyless API serves it (the seed read it from Bitview, which "
        "documents none; Glassnode and CryptoQuant sell it)",
    ),
    MetricName(
        "nupl",
        "fraction",
        "Net unrealised profit or loss over market cap.",
        "no keyless API serves it: it is 1 - realized_cap / market_cap, and realized_cap is "
        "Coin Metrics Pro's (CapRealUSD); CBBI's cbbi_rupl is a 0-1 score of it, not NUPL",
    ),
    MetricName(
        "hodl_waves",
        "fraction",
        "Share of the supply last moved in each age band.",
        "no public, documented, keyless API serves it (the seed read it from Bitview)",
    ),
    MetricName(
        "exchange_inflow_usd",
        "usd",
        "Value sent to exchanges over the day.",
        "Coin Metrics Pro (FlowInExUSD); its community API refuses it for most assets",
    ),
    MetricName(
        "exchange_outflow_usd",
        "usd",
        "Value withdrawn from exchanges over the day.",
        "Coin Metrics Pro (FlowOutExUSD); its community API refuses it for most assets",
    ),
)
"""Every canonical metric, by name."""

# Words start at a capital after a lower-case letter, or at the last capital of a run before a
# lower-case one (`CurUSD` → cur usd, `USDPrice` → usd price); digits stay with their word.
_SNAKE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[^A-Za-z0-9]+")


def metric_name(provider_name: str) -> str:
    """A provider's metric name in snake case: what an unmapped metric is called.

    Examples:
        >>> metric_name("CapMrktCurUSD"), metric_name("dollar_open_interest_close")
        ('cap_mrkt_cur_usd', 'dollar_open_interest_close')
    """
    return "_".join(part for part in _SNAKE.split(provider_name.strip()) if part).lower()


@attrs.frozen
class MetricMap:
    """One provider name of a metric mapped to its canonical name.

    Attributes:
        provider_name: The provider's name, byte for byte (`FEES`, `AdrActCnt`).
        name: The canonical name (a key of `METRIC_NAMES`).
        scale: What multiplies the provider's value into the canonical unit (1 where they
            agree; 0.01 for a percent of a `fraction`).

    Raises:
        ValidationError: For a name that is not canonical, or a scale that is not a positive
            finite number.
    """

    provider_name: str
    name: str = attrs.field()
    scale: float = 1.0

    @name.validator
    def _canonical(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in METRIC_NAMES:
            raise ValidationError(
                f"{self.provider_name!r} maps to {value!r}, which is no canonical metric; "
                f"add it to METRIC_NAMES or use one of {', '.join(sorted(METRIC_NAMES))}"
            )

    @property
    def unit(self) -> str:
        """The canonical unit of the values."""
        return METRIC_NAMES[self.name].unit


def metric_symbol(provider_id: str, metric: str) -> str:
    """The symbol a `metric` source names the series of `metric` about `provider_id` by."""
    return f"{metric}@{provider_id}"


def split_metric_symbol(symbol: str) -> tuple[str, str]:
    """`(provider_id, metric)` of a metric series' symbol.

    Raises:
        ValidationError: For text that is not `"<metric>@<provider id>"`.
    """
    metric, at, provider_id = symbol.partition("@") if isinstance(symbol, str) else ("", "", "")
    if not (metric and at and provider_id):
        raise ValidationError(
            f"a metric series is named '<metric>@<provider id>' (e.g. 'tvl@Ethereum'), "
            f"got {symbol!r}"
        )
    return provider_id, metric
