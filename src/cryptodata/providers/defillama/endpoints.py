"""The DefiLlama API described as data: hosts, Pro path prefixes, limits and request builders.

Nothing here does I/O. Facts from `shared/providers/defillama.md`: the free API is spread over
three hosts (`api.llama.fi`, `coins.llama.fi`, `stablecoins.llama.fi`) and needs no key; Pro
puts every family on `pro-api.llama.fi` behind a path of `/<KEY>/<family prefix>`
(`/<KEY>/api/protocols`, `/<KEY>/coins/prices/...`), so a plain host swap does not work. The
key is a `Secret` path segment: the transport shows it as `***` everywhere.

Examples:
    >>> request("api", "/v2/chains", key=None).base
    'api'
    >>> from cryptodata.core.request import Secret
    >>> request("api", "/v2/chains", key=Secret("k")).label
    '/***/api/v2/chains'
    >>> overview_chain("Avalanche"), overview_chain("Ethereum"), overview_chain("zkSync Era")
    ('avax', 'ethereum', 'era')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Final, Literal
from urllib.parse import quote

import attrs

from cryptodata.core.request import Request, Secret

__all__ = [
    "ALL",
    "DIMENSIONS",
    "FREE_CALLS_PER_MINUTE",
    "HOSTS",
    "KEY_VARIABLE",
    "MAX_COINS_PER_REQUEST",
    "MAX_DAYS_PER_CHART",
    "PROTOCOLS_NAMED_LIKE_CHAINS",
    "PROVIDER",
    "PRO_CALLS_PER_MINUTE",
    "PRO_ONLY",
    "Dimension",
    "Family",
    "overview_chain",
    "request",
]

PROVIDER: Final = "defillama"
KEY_VARIABLE: Final = "DEFILLAMA_API_KEY"

Family = Literal["api", "coins", "stablecoins", "bridges"]
"""An API family: which free host serves it, and its prefix on the Pro host."""

HOSTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "api": "https://api.llama.fi",
        "coins": "https://coins.llama.fi",
        "stablecoins": "https://stablecoins.llama.fi",
        "pro": "https://pro-api.llama.fi",
    }
)
"""The free hosts by family, and the Pro host (`"pro"`); `hosts=` of the clients overrides them."""

_PRO_PREFIX: Final = {
    "api": "/api",
    "coins": "/coins",
    "stablecoins": "/stablecoins",
    "bridges": "/bridges",
}

FREE_CALLS_PER_MINUTE: Final = 10
"""The free tier's documented limit is a vague 10-200 a minute: the bottom of it is safe."""
PRO_CALLS_PER_MINUTE: Final = 1_000

ALL: Final = "all"
"""The provider id of the whole-market series (every chain, every stablecoin)."""

MAX_COINS_PER_REQUEST: Final = 10
"""Coins asked together in one price chart request (no cap is documented: kept small)."""
MAX_DAYS_PER_CHART: Final = 365
"""Daily points asked per price chart request (`span`; no cap is documented)."""

PROTOCOLS_NAMED_LIKE_CHAINS: Final = frozenset({"dydx", "hyperliquid", "thorchain"})
"""Names, in lower case, that mean the protocol though a chain answers to them in another
case or as its overview key (`dYdX`; `Hyperliquid L1`, whose key is `hyperliquid`): spell the
chain as the chains list does to reach it."""

_OVERVIEW_NAMES: Final = MappingProxyType(
    {
        "Avalanche": "avax",
        "OP Mainnet": "optimism",
        "Hyperliquid L1": "hyperliquid",
        "zkSync Era": "era",
        "Polygon zkEVM": "polygon_zkevm",
        "Gnosis": "xdai",
        "Arbitrum Nova": "arbitrum_nova",
        "Rootstock": "rsk",
    }
)


def overview_chain(display: str) -> str:
    """The name the fees / volume overviews take for a chain the TVL endpoints call `display`.

    TVL, stablecoin and bridge endpoints name chains as `/v2/chains` does (`Ethereum`,
    `BSC`); the overviews take DefiLlama's lower-case chain keys, which are the display name
    in lower case with `_` for spaces except for the few chains renamed since (`Avalanche` is
    `avax`, `OP Mainnet` is `optimism`).
    """
    return _OVERVIEW_NAMES.get(display) or display.lower().replace(" ", "_")


@attrs.frozen
class Dimension:
    """A fees / volume series of the overview and summary endpoints.

    Attributes:
        metric: Its canonical metric name.
        family: The path segment (`fees`, `dexs`, `options`, `derivatives`).
        data_type: The `dataType` asked for, or `None` for the endpoint's default.
        pro_only: Whether only the Pro API serves it.
    """

    metric: str
    family: str
    data_type: str | None = None
    pro_only: bool = False

    def overview(self, chain: str | None, *, key: Secret | None) -> Request:
        """`/overview/{family}[/{chain}]`: the daily total over a chain's (or every) protocol.

        The breakdown by protocol is very large: it is always excluded, explicitly.
        """
        path = f"/overview/{self.family}" + ("" if chain is None else f"/{_segment(chain)}")
        params = [("excludeTotalDataChart", "false"), ("excludeTotalDataChartBreakdown", "true")]
        return request("api", path, (*params, *self._data_type()), key=key)

    def summary(self, protocol: str, *, key: Secret | None) -> Request:
        """`/summary/{family}/{protocol}`: one protocol's daily total."""
        path = f"/summary/{self.family}/{_segment(protocol)}"
        return request("api", path, self._data_type(), key=key)

    def _data_type(self) -> tuple[tuple[str, str], ...]:
        return () if self.data_type is None else (("dataType", self.data_type),)


DIMENSIONS: Final[Mapping[str, Dimension]] = MappingProxyType(
    {
        dimension.metric: dimension
        for dimension in (
            Dimension("fees_24h", "fees", "dailyFees"),
            Dimension("revenue_24h", "fees", "dailyRevenue"),
            Dimension("dex_volume_24h", "dexs"),
            Dimension("options_volume_24h", "options", "dailyNotionalVolume"),
            Dimension("derivatives_volume_24h", "derivatives", pro_only=True),
        )
    }
)
"""The fees / volume series by canonical metric name."""

PRO_ONLY: Final = frozenset(
    {"bridge_volume_24h", *(name for name, item in DIMENSIONS.items() if item.pro_only)}
)
"""Metrics only the Pro API serves (`x-api-plan-only` in the OpenAPI)."""


def request(
    family: Family,
    path: str,
    params: Sequence[tuple[str, str]] = (),
    *,
    key: Secret | None,
) -> Request:
    """A request of `family` at `path` (its free path): on its free host, or on Pro with `key`."""
    if key is None:
        return Request(path, tuple(params), base=family)
    return Request(("/", key, _PRO_PREFIX[family] + path), tuple(params), base="pro")


def chains(*, key: Secret | None) -> Request:
    """`/v2/chains`: every chain with its display name, gecko id and current TVL."""
    return request("api", "/v2/chains", key=key)


def protocols(*, key: Secret | None) -> Request:
    """`/protocols`: every protocol (a multi-MB answer: read once per catalogue TTL)."""
    return request("api", "/protocols", key=key)


def stablecoins(*, key: Secret | None) -> Request:
    """`/stablecoins`: every stablecoin with its numeric id."""
    return request("stablecoins", "/stablecoins", key=key)


def chain_tvl(chain: str | None, *, key: Secret | None) -> Request:
    """`/v2/historicalChainTvl[/{chain}]`: daily TVL of a chain (display name) or of all."""
    suffix = "" if chain is None else f"/{_segment(chain)}"
    return request("api", f"/v2/historicalChainTvl{suffix}", key=key)


def protocol(slug: str, *, key: Secret | None) -> Request:
    """`/protocol/{slug}`: a protocol with its daily TVL history."""
    return request("api", f"/protocol/{_segment(slug)}", key=key)


def stablecoin_chart(chain: str | None, stablecoin: str | None, *, key: Secret | None) -> Request:
    """`/stablecoincharts/{chain or all}[?stablecoin=id]`: daily circulating stablecoins."""
    params = () if stablecoin is None else (("stablecoin", stablecoin),)
    where = ALL if chain is None else _segment(chain)
    return request("stablecoins", f"/stablecoincharts/{where}", params, key=key)


def bridge_volume(chain: str | None, *, key: Secret | None) -> Request:
    """`/bridges/bridgevolume/{chain or all}`: daily deposits and withdrawals.

    Pro only: without a key the request names the `bridges` host, which no free tier has,
    and the transport refuses it before sending (clients refuse the series earlier still).
    """
    where = ALL if chain is None else _segment(chain)
    return request("bridges", f"/bridgevolume/{where}", key=key)


def price_chart(coins: Sequence[str], start: datetime, days: int, *, key: Secret | None) -> Request:
    """`/chart/{coins}?start=&span=&period=1d`: daily prices of up to 10 coins from `start`."""
    params = (("start", str(int(start.timestamp()))), ("span", str(days)), ("period", "1d"))
    return request("coins", f"/chart/{_coins(coins)}", params, key=key)


def prices_current(coins: Sequence[str], *, key: Secret | None) -> Request:
    """`/prices/current/{coins}`: the newest price of each coin."""
    return request("coins", f"/prices/current/{_coins(coins)}", key=key)


def prices_historical(coins: Sequence[str], at: datetime, *, key: Secret | None) -> Request:
    """`/prices/historical/{timestamp}/{coins}`: each coin's price closest to `at`."""
    return request("coins", f"/prices/historical/{int(at.timestamp())}/{_coins(coins)}", key=key)


def _segment(name: str) -> str:
    # Chain display names hold spaces (`OP Mainnet`); a `/` must not open another segment.
    return quote(name, safe="")


def _coins(coins: Sequence[str]) -> str:
    return ",".join(quote(coin, safe=":") for coin in coins)
