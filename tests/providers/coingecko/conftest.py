"""A fake CoinGecko server for the universe tests, and the fixtures that mount it.

`FakeCoinGecko` answers the two endpoints the universe uses, the way the reference
(`/work/shared/providers/coingecko.md`) documents them:

- `/coins/markets` (`vs_currency` required, `order=market_cap_desc`, `per_page` capped at 250,
  1-based `page`, optional `category`): coins sorted by market cap, descending; a category
  answers only its members;
- `/coins/categories`: the sample rows of `tests/fixtures/coingecko/coins-categories.json`, with
  `market_cap` recomputed as the sum of the members' caps (what CoinGecko reports), sorted by
  market cap, descending.

The coins are the 40 sample rows of `coins-markets.json` followed by 600 synthetic
`filler-NNN` coins with caps from 900 M down to 301 M USD, so that pages 2 and 3 exist.
Membership is the `MEMBERS` table below plus arithmetic rules for the fillers.

It enforces a per-minute budget on the injected clock (429 with CoinGecko's documented body
and no `Retry-After`), checks the `x-cg-demo-api-key` header when given a key, can script
failures, and records every request.
"""

from __future__ import annotations

import copy
import json
import re
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from cryptodata import ManualClock
from cryptodata.providers.coingecko import Asset, top_assets

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "coingecko"
BASE_URL = "https://api.coingecko.com/api/v3"
NOW = 1_751_328_000.0
"""2025-07-01 00:00:00 UTC."""
KEY_HEADER = "x-cg-demo-api-key"
WINDOW = 60.0
MAX_PER_PAGE = 250
FILLERS = 600

MEMBERS: dict[str, list[str]] = {
    "stablecoins": ["tether", "usd-coin", "usds", "ethena-usde", "dai"],
    "wrapped-tokens": [
        "wrapped-bitcoin",
        "wrapped-steth",
        "wrapped-eeth",
        "weth",
        "coinbase-wrapped-btc",
    ],
    "liquid-staking-tokens": ["staked-ether", "wrapped-steth"],
    "liquid-restaking-tokens": ["wrapped-eeth"],
    "bridged-usdt": ["binance-bridged-usdt-bnb-smart-chain"],
    "tokenized-gold": ["pax-gold"],
    "meme-token": ["dogecoin", "shiba-inu", "pepe"],
    "artificial-intelligence": ["bittensor", "near"],
    "oracle": ["chainlink"],
    "privacy-coins": ["monero"],
    "decentralized-exchange": ["hyperliquid", "uniswap"],
    "decentralized-finance-defi": ["hyperliquid", "chainlink", "uniswap", "aave"],
    "exchange-based-tokens": ["binancecoin", "leo-token", "bitget-token"],
    "payment-solutions": ["ripple", "bitcoin-cash", "stellar", "litecoin"],
    "layer-1": [
        "bitcoin",
        "ethereum",
        "ripple",
        "binancecoin",
        "solana",
        "tron",
        "dogecoin",
        "cardano",
        "hyperliquid",
        "sui",
        "bitcoin-cash",
        "stellar",
        "avalanche-2",
        "the-open-network",
        "litecoin",
        "hedera-hashgraph",
        "monero",
        "bittensor",
        "near",
    ],
    "smart-contract-platform": [
        "ethereum",
        "binancecoin",
        "solana",
        "tron",
        "cardano",
        "sui",
        "avalanche-2",
        "polkadot",
        "near",
    ],
    "proof-of-work-pow": ["bitcoin", "dogecoin", "bitcoin-cash", "litecoin", "monero"],
}
"""Category → sample coins in it."""

FILLER_RULES: dict[str, Callable[[int], bool]] = {
    "stablecoins": lambda i: i % 7 == 3,
    "wrapped-tokens": lambda i: i % 11 == 5,
    "liquid-staking-tokens": lambda i: i % 13 == 6,
    "bridged-weth": lambda i: i in (1, 2),
    "meme-token": lambda i: i % 5 == 0,
    "layer-2": lambda i: i % 2 == 1,
    "real-world-assets-rwa": lambda i: i in (10, 11),
    "depin": lambda i: i == 20,
    "gaming": lambda i: i in (30, 31, 32),
    "ethereum-ecosystem": lambda i: i % 2 == 0,
}
"""Category → which fillers are in it."""

EXCLUDED_BY_DEFAULT = ("stablecoins", "wrapped-tokens", "liquid-staking-tokens")
"""Filler categories that the default exclusions drop (with `bridged-weth`)."""


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def filler(i: int) -> dict[str, Any]:
    """The i-th synthetic coin, shaped like a `/coins/markets` row."""
    cap = 900_000_000 - i * 1_000_000
    return {
        "id": f"filler-{i:03d}",
        "symbol": f"f{i:03d}",
        "name": f"Filler {i:03d}",
        "image": f"https://coin-images.coingecko.com/coins/images/{1000 + i}/large/filler.png",
        "current_price": 1.0,
        "market_cap": cap,
        "market_cap_rank": 41 + i,
        "fully_diluted_valuation": cap,
        "total_volume": cap // 50,
        "high_24h": 1.01,
        "low_24h": 0.99,
        "price_change_24h": 0.0,
        "price_change_percentage_24h": 0.0,
        "market_cap_change_24h": 0,
        "market_cap_change_percentage_24h": 0.0,
        "circulating_supply": cap,
        "total_supply": cap,
        "max_supply": None,
        "ath": 2.0,
        "ath_change_percentage": -50.0,
        "ath_date": "2024-12-01T00:00:00.000Z",
        "atl": 0.5,
        "atl_change_percentage": 100.0,
        "atl_date": "2023-01-01T00:00:00.000Z",
        "roi": None,
        "last_updated": "2025-07-01T00:00:12.123Z",
    }


@dataclass
class Call:
    """One request the fake received."""

    path: str
    params: dict[str, str]
    time: float
    url: str
    headers: dict[str, str] = field(repr=False)
    status: int | None = None

    @property
    def category(self) -> str | None:
        return self.params.get("category")

    @property
    def page(self) -> int:
        return int(self.params.get("page", "1"))


@dataclass
class _Scripted:
    count: int
    status: int
    body: bytes
    path: str | None


class FakeCoinGecko:
    """An in-memory CoinGecko v3 (keyless / Demo) driven by a `ManualClock`.

    Args:
        clock: The simulated clock (the same one the client gets).
        api_key: When set, the only Demo key accepted (sent in `x-cg-demo-api-key`).
        limit: Calls granted per rolling minute.
    """

    def __init__(self, clock: ManualClock, *, api_key: str | None = None, limit: int = 30) -> None:
        self.clock = clock
        self.api_key = api_key
        self.limit = limit
        self.coins: list[dict[str, Any]] = [
            *fixture_json("coins-markets.json"),
            *(filler(i) for i in range(FILLERS)),
        ]
        self.members: dict[str, set[str]] = {
            category: {coin["id"] for coin in self.coins if self.is_member(category, coin["id"])}
            for category in {row["id"] for row in fixture_json("coins-categories.json")}
        }
        self.calls: list[Call] = []
        self._grants: deque[float] = deque()
        self._script: list[_Scripted] = []

    def mount(self, httpx_mock: HTTPXMock) -> FakeCoinGecko:
        httpx_mock.add_callback(
            self.handle,
            url=re.compile(re.escape(BASE_URL) + r"/.*"),
            is_reusable=True,
            is_optional=True,
        )
        return self

    @staticmethod
    def is_member(category: str, coin_id: str) -> bool:
        if coin_id.startswith("filler-"):
            rule = FILLER_RULES.get(category)
            return rule is not None and rule(int(coin_id.removeprefix("filler-")))
        return coin_id in MEMBERS.get(category, [])

    def answer_next(
        self, status: int, body: bytes, *, count: int = 1, path: str | None = None
    ) -> None:
        """Answer the next `count` requests (on `path`, or any) with `status` and `body`."""
        self._script.append(_Scripted(count, status, body, path))

    # ---------------------------------------------------------------- request log

    def requests(self) -> list[tuple[str, str | None, int]]:
        """`(path, category, page)` of every request, in order."""
        return [(call.path, call.category, call.page) for call in self.calls]

    def statuses(self) -> list[int | None]:
        return [call.status for call in self.calls]

    def most_in_any_window(self) -> int:
        """Most successful calls that fell in one rolling minute."""
        granted = [call.time for call in self.calls if call.status == 200]
        return max(
            (sum(1 for other in granted if t - WINDOW < other <= t) for t in granted), default=0
        )

    # ---------------------------------------------------------------- truth

    def category_cap(self, category: str) -> float | None:
        caps = [coin["market_cap"] for coin in self.coins if coin["id"] in self.members[category]]
        return float(sum(caps)) if caps else None

    def ranked(self, category: str | None = None) -> list[dict[str, Any]]:
        coins = (
            self.coins
            if category is None
            else [coin for coin in self.coins if coin["id"] in self.members[category]]
        )
        return sorted(coins, key=lambda coin: -(coin["market_cap"] or 0))

    def kept_ids(self, n: int, categories: Collection[str], ids: Collection[str] = ()) -> list[str]:
        """The first `n` coin ids in no category of `categories` and not in `ids`, each once."""
        kept = [
            coin["id"]
            for coin in self.ranked()
            if coin["id"] not in ids
            and not any(coin["id"] in self.members[category] for category in categories)
        ]
        return list(dict.fromkeys(kept))[:n]

    # ---------------------------------------------------------------- the server

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(httpx.URL(BASE_URL).path)
        call = Call(
            path=path,
            params=dict(request.url.params),
            time=self.clock.time(),
            url=str(request.url),
            headers=dict(request.headers),
        )
        self.calls.append(call)
        response = self._respond(request, path, call.params)
        call.status = response.status_code
        return response

    def _respond(self, request: httpx.Request, path: str, params: dict[str, str]) -> httpx.Response:
        for scripted in self._script:
            if scripted.count > 0 and scripted.path in (None, path):
                scripted.count -= 1
                return httpx.Response(scripted.status, content=scripted.body)
        if self.api_key is not None and request.headers.get(KEY_HEADER) != self.api_key:
            return httpx.Response(
                401, json={"status": {"error_code": 10002, "error_message": "API Key Missing"}}
            )
        now = self.clock.time()
        while self._grants and self._grants[0] + WINDOW <= now:
            self._grants.popleft()
        if len(self._grants) >= self.limit:
            return httpx.Response(429, content=fixture_bytes("rate-limit.json"))
        self._grants.append(now)
        if path == "/coins/categories":
            return httpx.Response(200, json=self._categories())
        if path == "/coins/markets":
            return self._markets(params)
        return httpx.Response(404, json={"error": "Not Found"})

    def _categories(self) -> list[dict[str, Any]]:
        rows = copy.deepcopy(fixture_json("coins-categories.json"))
        for row in rows:
            row["market_cap"] = self.category_cap(row["id"])
        return sorted(rows, key=lambda row: -(row["market_cap"] or 0))

    def _markets(self, params: dict[str, str]) -> httpx.Response:
        if "vs_currency" not in params:
            return httpx.Response(400, json={"error": "Missing parameter vs_currency"})
        if params.get("order", "market_cap_desc") != "market_cap_desc":
            return httpx.Response(400, json={"error": "the fake only sorts by market cap"})
        category = params.get("category")
        if category is not None and category not in self.members:
            return httpx.Response(404, json={"error": "category not found"})
        per_page = min(int(params.get("per_page", "100")), MAX_PER_PAGE)
        page = int(params.get("page", "1"))
        ranked = self.ranked(category)
        return httpx.Response(200, json=ranked[(page - 1) * per_page : page * per_page])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake(httpx_mock: HTTPXMock, clock: ManualClock) -> FakeCoinGecko:
    return FakeCoinGecko(clock).mount(httpx_mock)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture(autouse=True)
def _no_ambient_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # A key in the developer's environment must not change what the tests send.
    monkeypatch.delenv("COINGECKO_API_KEY", raising=False)
    monkeypatch.delenv("COINGECKO_PLAN", raising=False)


Universe = Callable[..., list[Asset]]


@pytest.fixture
def universe(fake: FakeCoinGecko, clock: ManualClock, cache_dir: Path) -> Universe:
    """`top_assets` against the fake, on the simulated clock, caching under `tmp_path`."""

    def run(n: int = 50, **options: Any) -> list[Asset]:
        options.setdefault("cache_dir", cache_dir)
        options.setdefault("clock", clock)
        return top_assets(n, **options)

    return run
