"""blockchain.info's chart catalogue: each chart's name, canonical metric, unit and interval.

blockchain.info names charts in kebab case (`hash-rate`, `n-transactions`). The charts below
are the ones the API is known to answer (`shared/providers/blockchaininfo.md`); a chart not
listed is refused before any request. Charts with a canonical name carry it (`n-transactions`
→ `transaction_count`), the others their own name in snake case (`n-unique-addresses` →
`n_unique_addresses`).

Two charts need a scale into their canonical unit: `avg-block-size` comes in megabytes
(times 1,000,000 → bytes) and `hash-rate` in terahashes per second (times 1, already the canonical
`terahashes_per_second`; the scale is stated so that a change shows here). Each of them names
the unit it is expected in (`expected_units`): an answer giving another unit is flagged.

Most charts have one point a day (`period` `day`); the mempool charts and
`transactions-per-second` have one every 15 minutes (`period` `minute`, M: points are 900 s
apart), so their rows are `15m` bars, never `1d`.

Examples:
    >>> resolve_chart("hash_rate").name, resolve_chart("n-transactions").metric
    ('hash-rate', 'transaction_count')
    >>> resolve_chart("n_unique_addresses").metric, resolve_chart("mempool-size").interval.value
    ('n_unique_addresses', '15m')
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from cryptodata.core.errors import ValidationError
from cryptodata.core.intervals import Interval
from cryptodata.core.metric_names import METRIC_NAMES, MetricMap, metric_name

__all__ = ["CHARTS", "METRICS", "BlockchainChart", "resolve_chart"]


@attrs.frozen
class BlockchainChart:
    """One chart of `https://api.blockchain.info/charts/{name}` as rows carry it.

    Attributes:
        name: blockchain.info's chart name, sent in the request path (`hash-rate`).
        metric: The canonical metric (`hash_rate`), else `name` in snake case.
        unit: The canonical metric's unit; for an unmapped chart, the unit blockchain.info
            states (an answer's own `unit` is what its rows carry).
        description: What it measures.
        interval: The spacing of its points: `1d` for daily charts, `15m` for the mempool
            and transactions-per-second charts.
        scale: What multiplies blockchain.info's value into `unit`.
        expected_units: For a scaled chart, the words one of which the answer's `unit`
            holds (`TH/s`; `MB` or `Megabytes`), else `()`: a chart answered in another
            unit is flagged.
    """

    name: str
    metric: str
    unit: str
    description: str
    interval: Interval = Interval.D1
    scale: float = 1.0
    expected_units: tuple[str, ...] = ()

    @property
    def mapped(self) -> bool:
        """Whether `metric` is a canonical name (else it is the chart's name in snake case)."""
        return self.metric in METRIC_NAMES


def _mapped(
    name: str,
    metric: str,
    description: str,
    *,
    interval: Interval = Interval.D1,
    scale: float = 1.0,
    expected_units: tuple[str, ...] = (),
) -> BlockchainChart:
    unit = METRIC_NAMES[metric].unit
    return BlockchainChart(name, metric, unit, description, interval, scale, expected_units)


def _unmapped(name: str, unit: str, description: str) -> BlockchainChart:
    return BlockchainChart(name, metric_name(name), unit, description)


CHARTS: Final[tuple[BlockchainChart, ...]] = (
    _mapped("market-price", "price", "Average USD market price across major bitcoin exchanges."),
    _mapped("market-cap", "market_cap", "Total USD value of the bitcoin supply in circulation."),
    _mapped(
        "hash-rate",
        "hash_rate",
        "Estimated terahashes per second the bitcoin network performs.",
        expected_units=("TH/s",),
    ),
    _mapped("difficulty", "difficulty", "How hard it is to find a new block (relative)."),
    _mapped("n-transactions", "transaction_count", "Confirmed transactions per day."),
    _mapped("total-bitcoins", "circulating_supply", "Bitcoins mined so far."),
    _mapped(
        "miners-revenue",
        "miners_revenue_usd",
        "Block rewards and transaction fees paid to miners, in USD.",
    ),
    _mapped(
        "mempool-size",
        "mempool_size",
        "Aggregate size of the transactions waiting to be confirmed.",
        interval=Interval.M15,
    ),
    _mapped(
        "mempool-count",
        "mempool_count",
        "Transactions waiting to be confirmed.",
        interval=Interval.M15,
    ),
    _mapped(
        "avg-block-size",
        "avg_block_size",
        "Average block size over the day (blockchain.info gives megabytes).",
        scale=1_000_000.0,
        expected_units=("MB", "megabyte"),
    ),
    _mapped(
        "transactions-per-second",
        "transactions_per_second",
        "Transactions added to the mempool per second.",
        interval=Interval.M15,
    ),
    _mapped(
        "estimated-transaction-volume-usd",
        "transfer_volume_usd",
        "Estimated value of on-chain transactions, in USD.",
    ),
    _unmapped("trade-volume", "USD", "USD value of trading volume on major bitcoin exchanges."),
    _unmapped("n-unique-addresses", "Addresses", "Unique addresses used per day."),
    _unmapped("transaction-fees", "BTC", "Fees paid to miners, without block rewards."),
    _unmapped("transaction-fees-usd", "USD", "Fees paid to miners, without block rewards."),
    _unmapped("cost-per-transaction", "USD", "Miners' revenue divided by transactions."),
    _unmapped("cost-per-transaction-percent", "Percent", "Miners' revenue as a share of volume."),
    _unmapped("n-transactions-per-block", "Transactions", "Average transactions per block."),
    _unmapped("n-transactions-total", "Transactions", "Transactions since the first block."),
    _unmapped("median-confirmation-time", "Minutes", "Median time to a transaction's block."),
    _unmapped("blocks-size", "Megabytes", "Size of the whole blockchain (headers, transactions)."),
    _unmapped("estimated-transaction-volume", "BTC", "Estimated value of transactions, in BTC."),
)
"""Every chart this client asks for, mapped ones first."""

METRICS: Final[tuple[MetricMap, ...]] = tuple(
    MetricMap(chart.name, chart.metric, chart.scale) for chart in CHARTS if chart.mapped
)
"""blockchain.info's chart names mapped to canonical metrics (the registry's `metric_map`)."""

_BY_NAME: Final[Mapping[str, BlockchainChart]] = MappingProxyType(
    {
        **{chart.name: chart for chart in CHARTS},
        **{chart.metric: chart for chart in CHARTS},
        **{metric_name(chart.name): chart for chart in CHARTS},
    }
)


def resolve_chart(given: str) -> BlockchainChart:
    """The chart a name means: a chart name (`hash-rate`), its metric (`hash_rate`) or the
    chart name in snake case (`n_unique_addresses`), in any case.

    Raises:
        ValidationError: For a name no catalogued chart answers to; the message names close
            ones and points at `charts()`.
    """
    if not isinstance(given, str) or not given.strip():
        raise ValidationError(f"a chart name must be a non-empty string, got {given!r}")
    wanted = given.strip().lower()
    found = _BY_NAME.get(wanted)
    if found is not None:
        return found
    close = difflib.get_close_matches(wanted, [chart.name for chart in CHARTS], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ValidationError(
        f"unknown blockchain.info chart {given!r}{hint} (charts() lists the "
        f"{len(CHARTS)} charts offered)"
    )
