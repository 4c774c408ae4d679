"""Coin Metrics' metric names mapped to the canonical ones, with the units they come in.

Facts from `shared/providers/coinmetrics.md` and Coin Metrics' metric pages: every mapped
metric but `HashRate` is already in the canonical unit (`PriceUSD`, `CapMrktCurUSD` and
`IssTotUSD` in dollars, `SplyCur` in native units, counts as counts, `CapMVRVCur` a ratio).
`HashRate`'s unit depends on the chain: terahashes per second for the SHA-256 chains, LTC,
ETH and ETC; gigahashes for DASH, BTG, VTC and ZEC; megahashes for XMR. It is converted to
terahashes per second per asset; for an asset whose unit is not listed here it is left out of
the rows (with a warning), never written in a unit that would be a guess.

Examples:
    >>> provider_metric("active_addresses"), provider_metric("NVTAdj")
    ('AdrActCnt', 'NVTAdj')
    >>> canonical_metric("TxCnt"), canonical_metric("NVTAdj")
    ('transaction_count', 'nvt_adj')
    >>> value_scale("HashRate", "zec"), value_scale("HashRate", "newcoin")
    (0.001, None)
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Final

from cryptodata.core.errors import ValidationError
from cryptodata.core.metric_names import MetricMap, metric_name

__all__ = [
    "HASH_RATE_SCALES",
    "MAPPINGS",
    "canonical_metric",
    "metric_unit",
    "provider_metric",
    "value_scale",
]

HASH_RATE: Final = "HashRate"

MAPPINGS: Final = (
    MetricMap("AdrActCnt", "active_addresses"),
    MetricMap("TxCnt", "transaction_count"),
    MetricMap("TxTfrCnt", "transfer_count"),
    MetricMap("SplyCur", "circulating_supply"),
    MetricMap("CapMrktCurUSD", "market_cap"),
    MetricMap("PriceUSD", "price"),
    MetricMap(HASH_RATE, "hash_rate"),
    MetricMap("BlkCnt", "block_count"),
    MetricMap("CapMVRVCur", "mvrv"),
    MetricMap("IssTotUSD", "issuance_usd"),
    MetricMap("FeeTotUSD", "fees_24h"),
    MetricMap("CapRealUSD", "realized_cap"),
    MetricMap("AdrBalCnt", "addresses_with_balance"),
    MetricMap("DiffMean", "difficulty"),
    MetricMap("FlowInExUSD", "exchange_inflow_usd"),
    MetricMap("FlowOutExUSD", "exchange_outflow_usd"),
)
"""Every mapped Coin Metrics metric; the others keep their own name in snake case."""

HASH_RATE_SCALES: Final = MappingProxyType(
    {
        **dict.fromkeys(("btc", "bch", "bsv", "ltc", "eth", "etc"), 1.0),
        **dict.fromkeys(("dash", "btg", "vtc", "zec"), 1e-3),
        "xmr": 1e-6,
    }
)
"""What turns each asset's `HashRate` into terahashes per second (Coin Metrics: TH/s, GH/s, MH/s)."""

_BY_PROVIDER: Final = MappingProxyType({entry.provider_name: entry for entry in MAPPINGS})
_BY_CANONICAL: Final = MappingProxyType({entry.name: entry for entry in MAPPINGS})
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.]*")


def provider_metric(name: str) -> str:
    """The Coin Metrics name to ask for: a mapped canonical name's, else `name` itself.

    Raises:
        ValidationError: For text that is no metric name (empty, a comma, a space).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValidationError(
            f"malformed metric {name!r}: give a canonical name such as 'active_addresses' or "
            "Coin Metrics' own, such as 'AdrActCnt' (letters, digits, '_' and '.')"
        )
    entry = _BY_CANONICAL.get(name)
    return name if entry is None else entry.provider_name


def canonical_metric(name: str) -> str:
    """The `metric` column of a Coin Metrics metric: its canonical name, else snake case."""
    entry = _BY_PROVIDER.get(name)
    return metric_name(name) if entry is None else entry.name


def metric_unit(name: str) -> str:
    """The unit of a Coin Metrics metric's rows: the canonical one, else `""` (unknown)."""
    entry = _BY_PROVIDER.get(name)
    return "" if entry is None else entry.unit


def value_scale(name: str, asset: str) -> float | None:
    """What multiplies a value of `name` about `asset` into its unit; `None` where unknown."""
    if name == HASH_RATE:
        return HASH_RATE_SCALES.get(asset)
    entry = _BY_PROVIDER.get(name)
    return 1.0 if entry is None else entry.scale
