"""A fake DefiLlama shaped as `shared/providers/defillama.md` documents it, quirks included.

Free hosts (`api.llama.fi`, `coins.llama.fi`, `stablecoins.llama.fi`) and the Pro host, whose
paths start with `/<KEY>/api`, `/<KEY>/coins`, `/<KEY>/stablecoins` or `/<KEY>/bridges`.
Timestamps are Unix seconds (integers in TVL and overview charts, strings in stablecoin and
bridge charts); the overviews take lower-case chain keys (`avax`), TVL and stablecoin charts
display names (`Avalanche`); every chart ends with the still-filling current day; unknown
routes answer plain-text `404 page not found`. Every series is synthetic and known to the
test (`truth`), so results can be compared value for value.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx

from cryptodata import ManualClock

DAY = 86_400
FIRST = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
NOW_DT = datetime(2025, 1, 10, 12, tzinfo=UTC)
NOW = NOW_DT.timestamp()
TODAY = int(datetime(2025, 1, 10, tzinfo=UTC).timestamp())
KEY = "SUPERSECRET-DEFILLAMA-PRO-KEY-7"

CHAINS = [
    {
        "gecko_id": "ethereum",
        "tvl": 6.5e10,
        "tokenSymbol": "ETH",
        "cmcId": "1027",
        "name": "Ethereum",
        "chainId": 1,
    },
    {
        "gecko_id": "binancecoin",
        "tvl": 5.1e9,
        "tokenSymbol": "BNB",
        "cmcId": "1839",
        "name": "BSC",
        "chainId": 56,
    },
    {
        "gecko_id": "avalanche-2",
        "tvl": 1.2e9,
        "tokenSymbol": "AVAX",
        "cmcId": "5805",
        "name": "Avalanche",
        "chainId": 43114,
    },
    {
        "gecko_id": None,
        "tvl": 2.0e8,
        "tokenSymbol": None,
        "cmcId": None,
        "name": "dYdX",
        "chainId": None,
    },
    {
        "gecko_id": None,
        "tvl": 3.0e8,
        "tokenSymbol": None,
        "cmcId": None,
        "name": "OP Mainnet",
        "chainId": 10,
    },
    {
        "gecko_id": "hyperliquid",
        "tvl": 2.0e9,
        "tokenSymbol": "HYPE",
        "cmcId": None,
        "name": "Hyperliquid L1",
        "chainId": 999,
    },
    {
        "gecko_id": "uniswap",
        "tvl": 1.0e8,
        "tokenSymbol": "UNI",
        "cmcId": None,
        "name": "Unichain",
        "chainId": 130,
    },
]
OVERVIEW_KEYS = {
    "ethereum": "Ethereum",
    "bsc": "BSC",
    "avax": "Avalanche",
    "dydx": "dYdX",
    "optimism": "OP Mainnet",
    "hyperliquid": "Hyperliquid L1",
    "unichain": "Unichain",
}

PROTOCOLS = [
    {
        "id": "111",
        "name": "Aave",
        "slug": "aave",
        "symbol": "AAVE",
        "category": "Lending",
        "chains": ["Ethereum", "Avalanche"],
        "gecko_id": "aave",
        "cmcId": "7278",
        "tvl": 2.0e10,
        "chainTvls": {"Ethereum": 1.8e10, "Ethereum-borrowed": 9e9},
        "parentProtocol": "parent#aave",
    },
    {
        "id": "1",
        "name": "Uniswap",
        "slug": "uniswap",
        "symbol": "UNI",
        "category": "Dexes",
        "chains": ["Ethereum"],
        "gecko_id": "uniswap",
        "cmcId": "7083",
        "tvl": 4.29e9,
        "chainTvls": {"Ethereum": 4.29e9},
        "change_1d": 4.59,
    },
    {
        "id": "182",
        "name": "Lido",
        "slug": "lido",
        "symbol": "LDO",
        "category": "Liquid Staking",
        "chains": ["Ethereum"],
        "gecko_id": "lido-dao",
        "cmcId": None,
        "tvl": 3.0e10,
    },
    {
        "id": "9001",
        "name": "lido",
        "slug": "lido-v9",
        "symbol": "-",
        "category": "Dexes",
        "chains": ["Ethereum"],
        "gecko_id": None,
        "cmcId": None,
        "tvl": 1.0,
    },
    {
        "id": "118",
        "name": "Sky",
        "slug": "sky",
        "symbol": "SKY",
        "category": "CDP",
        "chains": ["Ethereum"],
        "gecko_id": "maker",
        "cmcId": "1518",
        "tvl": 5.0e9,
    },
    {
        "id": "3000",
        "name": "",
        "slug": "nameless-vault",
        "symbol": "-",
        "category": "Yield",
        "chains": ["BSC"],
        "gecko_id": None,
        "cmcId": None,
        "tvl": 1.0e6,
    },
    {
        "id": "3001",
        "name": "Curve DEX",
        "slug": "",
        "symbol": "CRV",
        "category": "Dexes",
        "chains": ["Ethereum"],
        "gecko_id": "curve-dao-token",
        "cmcId": None,
        "tvl": 2.0e9,
    },
    {
        "id": "3002",
        "name": "",
        "slug": "",
        "symbol": "-",
        "category": "Yield",
        "chains": ["BSC"],
        "gecko_id": "ghostcoin",
        "cmcId": None,
        "tvl": 5.0,
    },
    {
        "id": "4000",
        "name": "dYdX",
        "slug": "dydx",
        "symbol": "DYDX",
        "category": "Derivatives",
        "chains": ["dYdX"],
        "gecko_id": "dydx",
        "cmcId": None,
        "tvl": 3.0e8,
    },
    {
        "id": "5000",
        "name": "Hyperliquid",
        "slug": "hyperliquid",
        "symbol": "HYPE",
        "category": "Derivatives",
        "chains": ["Hyperliquid L1"],
        "gecko_id": "hyperliquid",
        "cmcId": None,
        "tvl": 2.0e9,
    },
]
PROTOCOL_IDS = {
    "aave",
    "uniswap",
    "lido",
    "lido-v9",
    "sky",
    "nameless-vault",
    "curve-dex",
    "ghostcoin",
    "dydx",
    "hyperliquid",
}

STABLECOINS = {
    "peggedAssets": [
        {
            "id": "1",
            "name": "Tether",
            "symbol": "USDT",
            "gecko_id": "tether",
            "pegType": "peggedUSD",
            "pegMechanism": "fiat-backed",
            "circulating": {"peggedUSD": 1.5e11},
            "chains": ["Ethereum", "Tron"],
            "chainCirculating": {"Ethereum": {"current": {"peggedUSD": 5.0e10}}},
            "price": 1.001,
        },
        {
            "id": "2",
            "name": "USD Coin",
            "symbol": "USDC",
            "gecko_id": "usd-coin",
            "pegType": "peggedUSD",
            "pegMechanism": "fiat-backed",
            "circulating": {"peggedUSD": 4.0e10},
            "chains": ["Ethereum"],
            "price": 1.0,
        },
        {
            "id": "50",
            "name": "Euro Coin",
            "symbol": "EURC",
            "pegType": "peggedEUR",
            "pegMechanism": "fiat-backed",
            "circulating": {"peggedEUR": 1.0e8},
            "chains": ["Ethereum"],
            "price": 1.08,
        },
    ]
}
STABLE_NAMES = {"1": "tether", "2": "usd-coin", "50": "EURC"}
COINS = {"coingecko:bitcoin": "BTC", "coingecko:ethereum": "ETH", "ethereum:0xdf57": "cDAI"}

_FAMILY_METRIC = {
    ("fees", "dailyFees"): "fees_24h",
    ("fees", None): "fees_24h",
    ("fees", "dailyRevenue"): "revenue_24h",
    ("dexs", None): "dex_volume_24h",
    ("options", "dailyNotionalVolume"): "options_volume_24h",
    ("options", None): "options_volume_24h",
    ("derivatives", None): "derivatives_volume_24h",
}


def days(start: int = FIRST) -> list[int]:
    """Every day the fake holds, today (still filling) included."""
    return list(range(start, TODAY + DAY, DAY))


def value(provider_id: str, metric: str, day: int) -> float:
    """The fake's value of a series on a day (a deterministic line, distinct per series)."""
    seed = zlib.crc32(f"{metric}@{provider_id}".encode()) % 1000
    return float(seed * 1000 + (day - FIRST) // DAY)


def truth(provider_id: str, metric: str, start: datetime, end: datetime) -> dict[datetime, float]:
    """The begun days of a series inside `[start, end)` (today's so far included), as the
    client must answer them."""
    found = {}
    for day in days():
        ts = datetime.fromtimestamp(day, UTC)
        if start <= ts < end and day <= NOW:
            found[ts] = value(provider_id, metric, day)
    return found


def _json(payload: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )


def _not_found(text: str = "404 page not found") -> httpx.Response:
    return httpx.Response(404, text=text)


class FakeDefiLlama:
    """The fake server; mount `handle` in an `httpx.MockTransport`."""

    def __init__(self, clock: ManualClock, *, key: str = KEY) -> None:
        self.clock = clock
        self.key = key
        self.requests: list[httpx.Request] = []
        self._failures: list[tuple[str, Callable[[], httpx.Response]]] = []
        self._raises: list[tuple[str, Exception]] = []
        self.silent: set[str] = set()

    # Failure injection -------------------------------------------------------------------

    def fail_next(
        self, status: int, *, path: str = "", headers: dict[str, str] | None = None, count: int = 1
    ) -> None:
        """Answer the next `count` requests whose path holds `path` with `status`."""
        for _ in range(count):
            self._failures.append(
                (path, lambda: httpx.Response(status, headers=headers or {}, text="oops"))
            )

    def raise_next(self, error: Exception, *, path: str = "", count: int = 1) -> None:
        """Raise `error` for the next `count` requests whose path holds `path`."""
        self._raises.extend((path, error) for _ in range(count))

    # Routing ------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        for index, (where, error) in enumerate(self._raises):
            if where in path:
                del self._raises[index]
                raise error
        for index, (where, answer) in enumerate(self._failures):
            if where in path:
                del self._failures[index]
                return answer()
        host = request.url.host
        if host == "pro-api.llama.fi":
            _, given, family, rest = [*path.split("/", 3), "", ""][:4]
            if given != self.key:
                return httpx.Response(401, text="Invalid API key")
            return self._route(family, "/" + rest, request, pro=True)
        family = {
            "api.llama.fi": "api",
            "coins.llama.fi": "coins",
            "stablecoins.llama.fi": "stablecoins",
        }.get(host)
        if family is None:
            return _not_found()
        return self._route(family, path, request, pro=False)

    def _route(
        self, family: str, path: str, request: httpx.Request, *, pro: bool
    ) -> httpx.Response:
        parts = [unquote(part) for part in path.strip("/").split("/")]
        params = request.url.params
        if family == "api":
            return self._api(parts, params, pro=pro)
        if family == "stablecoins":
            return self._stablecoins(parts, params)
        if family == "coins":
            return self._coins(parts, params)
        if family == "bridges" and pro and parts[:1] == ["bridgevolume"] and len(parts) == 2:
            return self._bridges(parts[1])
        return _not_found()

    def _api(self, parts: list[str], params: httpx.QueryParams, *, pro: bool) -> httpx.Response:
        if parts == ["protocols"]:
            return _json(PROTOCOLS)
        if parts == ["v2", "chains"]:
            return _json(CHAINS)
        if parts[:2] == ["v2", "historicalChainTvl"]:
            chain = parts[2] if len(parts) == 3 else "all"
            if chain != "all" and chain not in {row["name"] for row in CHAINS}:
                return _json({"message": "Chain not found"}, 404)
            return _json(self._points(chain, "chain_tvl", lambda day, v: {"date": day, "tvl": v}))
        if parts[0] == "protocol" and len(parts) == 2:
            if parts[1] not in PROTOCOL_IDS:
                return _json({"message": "Protocol not found"}, 404)
            tvl = self._points(
                parts[1], "tvl", lambda day, v: {"date": day, "totalLiquidityUSD": v}
            )
            # Histories end at the current hour: a second point inside today.
            tvl.append({"date": int(NOW) - 3600, "totalLiquidityUSD": 1.0})
            return _json(
                {
                    "id": "111",
                    "name": parts[1],
                    "chains": ["Ethereum"],
                    "currentChainTvls": {},
                    "chainTvls": {},
                    "tvl": tvl,
                }
            )
        if parts[0] in {"overview", "summary"} and len(parts) in {2, 3}:
            return self._dimension(parts, params, pro=pro)
        return _not_found()

    def _dimension(
        self, parts: list[str], params: httpx.QueryParams, *, pro: bool
    ) -> httpx.Response:
        kind, family = parts[0], parts[1]
        metric = _FAMILY_METRIC.get((family, params.get("dataType")))
        if metric is None or (family == "derivatives" and not pro):
            return _not_found()
        if kind == "overview":
            if (
                params.get("excludeTotalDataChartBreakdown") != "true"
                or "excludeTotalDataChart" not in params
            ):
                return _json({"message": "send the exclude flags"}, 400)
            if len(parts) == 2:
                provider_id = "all"
            elif parts[2] in OVERVIEW_KEYS:
                provider_id = OVERVIEW_KEYS[parts[2]]
            else:
                return _json({"message": "Chain not found"}, 404)
        else:
            if len(parts) != 3 or parts[2] not in PROTOCOL_IDS:
                return _json({"message": "Protocol not found"}, 404)
            provider_id = parts[2]
        chart = self._points(provider_id, metric, lambda day, v: [day, v])
        return _json(
            {
                "protocols": [],
                "totalDataChart": chart,
                "totalDataChartBreakdown": [],
                "allChains": ["Ethereum", "Arbitrum"],
                "total24h": 9.1e7,
                "total7d": 6.0e8,
                "change_1d": 3.2,
            }
        )

    def _stablecoins(self, parts: list[str], params: httpx.QueryParams) -> httpx.Response:
        if parts == ["stablecoins"]:
            return _json(STABLECOINS)
        if parts[0] == "stablecoincharts" and len(parts) == 2:
            chain = parts[1]
            if chain != "all" and chain not in {row["name"] for row in CHAINS}:
                return _not_found()
            number = params.get("stablecoin")
            stable = None if number is None else STABLE_NAMES.get(number)
            if number is not None and stable is None:
                return _json([])
            provider_id = (
                chain if stable is None else stable if chain == "all" else f"{chain}:{stable}"
            )

            def point(day: int, v: float) -> dict[str, Any]:
                # Per peg; the USD value is the sum over pegs. Dates as strings.
                item: dict[str, Any] = {
                    "date": str(day),
                    "totalCirculating": {"peggedUSD": v - 1},
                    "totalCirculatingUSD": {"peggedUSD": v - 100.0, "peggedEUR": 100.0},
                }
                if chain != "all":
                    item["totalMintedUSD"] = {"peggedUSD": v}
                return item

            return _json(self._points(provider_id, "stablecoin_supply", point))
        return _not_found()

    def _bridges(self, chain: str) -> httpx.Response:
        if chain != "all" and chain not in {row["name"] for row in CHAINS}:
            return _not_found()
        return _json(
            self._points(
                chain,
                "bridge_volume_24h",
                lambda day, v: {
                    "date": str(day),
                    "depositUSD": v - 10.0,
                    "withdrawUSD": 10.0,
                    "depositTxs": 218,
                    "withdrawTxs": 56,
                },
            )
        )

    def _coins(self, parts: list[str], params: httpx.QueryParams) -> httpx.Response:
        if parts[0] == "chart" and len(parts) == 2:
            start, span = int(params["start"]), int(params["span"])
            assert params.get("period") == "1d"
            answer = {}
            for coin in parts[1].split(","):
                if coin.lower() not in COINS or coin in self.silent:
                    continue
                prices = [
                    {"timestamp": day + 300, "price": value(coin, "price", day)}
                    for day in days()
                    if start <= day < start + span * DAY and day <= NOW
                ]
                answer[coin.lower()] = {
                    "symbol": COINS[coin.lower()],
                    "confidence": 0.99,
                    "prices": prices,
                }
            return _json({"coins": answer})
        if parts[:2] == ["prices", "current"] and len(parts) == 3:
            return _json({"coins": self._quotes(parts[2], int(NOW))})
        if parts[:2] == ["prices", "historical"] and len(parts) == 4:
            return _json({"coins": self._quotes(parts[3], int(parts[2]))})
        return _not_found()

    def _quotes(self, coins: str, at: int) -> dict[str, Any]:
        found = {}
        for coin in coins.split(","):
            if coin.lower() not in COINS:
                continue
            quote: dict[str, Any] = {
                "price": value(coin, "price", at - at % DAY),
                "symbol": COINS[coin.lower()],
                "timestamp": at - 30,
                "confidence": 0.99,
            }
            if not coin.startswith("coingecko:"):
                quote["decimals"] = 8
            found[coin] = quote
        return found

    def _points(
        self, provider_id: str, metric: str, shape: Callable[[int, float], Any]
    ) -> list[Any]:
        if provider_id in self.silent:
            return []
        return [shape(day, value(provider_id, metric, day)) for day in days()]


def expected_window(start: datetime, end: datetime) -> list[datetime]:
    """The complete days inside `[start, end)` as `ts` values."""
    found = []
    moment = start
    while moment < end and moment.timestamp() + DAY <= NOW:
        found.append(moment)
        moment += timedelta(days=1)
    return found
