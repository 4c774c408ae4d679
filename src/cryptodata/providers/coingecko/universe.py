"""The asset universe: the top `n` coins by market cap, without pegged or duplicate tokens.

`top_assets` ranks coins with CoinGecko's
`/coins/markets`, drops stablecoins, wrapped, bridged and liquid-staking tokens by CoinGecko's
own categories, names each asset's *narrative*, and keeps the answer in a JSON file on disk
for `ttl` seconds. The work is one sans-I/O flow, run by `SyncTransport` for `top_assets` and by
`AsyncTransport` for `atop_assets`.

How categories are read (the fewest calls the API supports): `/coins/categories` once, for
every category's id, name and total market cap; then, per category that matters, pages of
`/coins/markets?category=<id>` sorted by market cap. A coin belongs to a category when it is on
one of those pages; a page only needs fetching while it could still hold the coin being tested:

- a category whose total market cap is below half the coin's cannot hold it (a member's cap
  never exceeds its category's sum), so it costs no call at all;
- a category whose last fetched page already reaches below half the coin's market cap has
  listed it if it is a member. "Half" leaves room for prices moving between calls.

For the default top 50 that is about 20 calls: 1 category list, 1 page of 250 candidates,
one page per exclusion category large enough to matter, one per narrative category.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import httpx
import msgspec
import polars as pl

from cryptodata.core._args import names
from cryptodata.core._checks import MAX_TIMEOUT, finite
from cryptodata.core._files import write_atomically
from cryptodata.core.clock import Clock, SystemClock
from cryptodata.core.errors import ValidationError
from cryptodata.core.limiters import RateLimiter, SlidingWindowLimiter
from cryptodata.core.request import Request, Response, Secret
from cryptodata.core.retry import RetryPolicy
from cryptodata.core.transport import AsyncTransport, Flow, SyncTransport

from . import endpoints as ep
from .parse import Category, MarketCoin, parse_categories, parse_markets

__all__ = [
    "ASSET_SCHEMA",
    "DEFAULT_EXCLUDED_IDS",
    "DEFAULT_EXCLUSIONS",
    "DEFAULT_NARRATIVES",
    "MAX_ASSETS",
    "Asset",
    "assets_frame",
    "atop_assets",
    "default_cache_dir",
    "top_assets",
]

logger = logging.getLogger("cryptodata.coingecko")

DEFAULT_EXCLUSIONS: Final[tuple[str, ...]] = (
    "stablecoins",
    "wrapped-tokens",
    "liquid-staking-tokens",
    "liquid-restaking-tokens",
    "*bridged*",
)
"""Category ids whose coins are left out; entries with `*`, `?` or `[` are globs matched
against every category id and lower-cased name (CoinGecko has many `bridged-*` categories,
one per bridged asset or chain, and no single one for all of them)."""

DEFAULT_EXCLUDED_IDS: Final[frozenset[str]] = frozenset(
    {
        "tether",
        "usd-coin",
        "dai",
        "usds",
        "ethena-usde",
        "first-digital-usd",
        "wrapped-bitcoin",
        "coinbase-wrapped-btc",
        "weth",
        "staked-ether",
        "wrapped-steth",
        "wrapped-eeth",
        "rocket-pool-eth",
    }
)
"""Coin ids always left out, whatever their categories say: tagging is incomplete and changes,
so the largest stablecoins, wrapped and staked tokens are named here too."""

DEFAULT_NARRATIVES: Final[tuple[str, ...]] = (
    "meme-token",
    "artificial-intelligence",
    "real-world-assets-rwa",
    "depin",
    "gaming",
    "oracle",
    "privacy-coins",
    "decentralized-exchange",
    "decentralized-finance-defi",
    "exchange-based-tokens",
    "payment-solutions",
    "layer-2",
    "layer-1",
    "smart-contract-platform",
)
"""Narrative category ids, most specific theme first: an asset's narrative is the first of
these it belongs to. Generic groupings (ecosystems, investor portfolios, consensus
mechanisms, "made in" lists) are never narratives, so they are not listed."""

MAX_ASSETS: Final = 1_000
"""Largest `n`: four pages of candidates plus those the exclusions remove."""

_SYSTEM_CLOCK: Final = SystemClock()
_DEFAULT_LIMITERS: weakref.WeakKeyDictionary[Clock, dict[int, SlidingWindowLimiter]] = (
    weakref.WeakKeyDictionary()
)
_DEFAULT_LIMITERS_LOCK: Final = threading.Lock()
_COVERAGE_MARGIN: Final = 0.5
_CACHE_FORMAT: Final = 1
_GLOB_CHARS: Final = frozenset("*?[")


@attrs.frozen
class Asset:
    """One asset of the universe.

    Attributes:
        id: CoinGecko coin id (`"bitcoin"`, `"avalanche-2"`), the unique key.
        symbol: Ticker in upper case (`"BTC"`), the `base` Coinalyze and exchanges use. Not
            unique across coins; check `id` when two assets share one.
        name: Display name.
        rank: Position in this universe, 1 for the largest asset kept.
        market_cap_rank: CoinGecko's global rank, stablecoins and wrapped tokens included.
        market_cap_usd: Market capitalisation in USD when fetched.
        narrative: Display name of the asset's main category (the first of `narratives` it
            belongs to), or `None` when it is in none of them.
        categories: Display names of every narrative category it belongs to, in
            `narratives` order.

    Examples:
        >>> Asset("dogecoin", "DOGE", "Dogecoin", 3, 9, 2.6e10, "Meme", ("Meme", "Layer 1 (L1)")).narrative
        'Meme'
    """

    id: str
    symbol: str
    name: str
    rank: int
    market_cap_rank: int | None
    market_cap_usd: float
    narrative: str | None
    categories: tuple[str, ...]


ASSET_SCHEMA: Final = pl.Schema(
    {
        "id": pl.String(),
        "symbol": pl.String(),
        "name": pl.String(),
        "rank": pl.Int64(),
        "market_cap_rank": pl.Int64(),
        "market_cap_usd": pl.Float64(),
        "narrative": pl.String(),
        "categories": pl.List(pl.String()),
    }
)
"""Columns of `assets_frame`, one per `Asset` field."""


def assets_frame(assets: Iterable[Asset]) -> pl.DataFrame:
    """The assets as a polars frame with `ASSET_SCHEMA`.

    Examples:
        >>> frame = assets_frame([Asset("bitcoin", "BTC", "Bitcoin", 1, 1, 1.3e12, "Layer 1 (L1)", ("Layer 1 (L1)",))])
        >>> frame.select("symbol", "narrative").row(0)
        ('BTC', 'Layer 1 (L1)')
    """
    rows = list(assets)
    columns: dict[str, list[Any]] = {
        name: [getattr(asset, name) for asset in rows] for name in ASSET_SCHEMA.names()
    }
    columns["categories"] = [list(categories) for categories in columns["categories"]]
    return pl.DataFrame(columns, schema=ASSET_SCHEMA)


def default_cache_dir() -> Path:
    """Where the universe is cached unless `cache_dir` is given.

    `$CRYPTODATA_CACHE_DIR` when set; otherwise the platform's user cache directory:
    `%LOCALAPPDATA%\\cryptodata\\Cache` on Windows, `~/Library/Caches/cryptodata` on macOS,
    `$XDG_CACHE_HOME/cryptodata` (default `~/.cache/cryptodata`) elsewhere.
    """
    if override := os.environ.get("CRYPTODATA_CACHE_DIR"):
        return Path(override)
    if sys.platform == "win32":
        root = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(root) / "cryptodata" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "cryptodata"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cryptodata"


def top_assets(
    n: int = 50,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    ttl: float = 86_400.0,
    api_key: str | None = None,
    exclude: Collection[str] = DEFAULT_EXCLUSIONS,
    exclude_ids: Collection[str] = DEFAULT_EXCLUDED_IDS,
    narratives: Sequence[str] = DEFAULT_NARRATIVES,
    limiter: RateLimiter | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock | None = None,
    base_url: str = ep.BASE_URL,
    timeout: float = 30.0,
    http_transport: httpx.BaseTransport | None = None,
) -> list[Asset]:
    """The `n` largest assets by market cap, without stablecoins, wrapped, bridged or staked tokens.

    The answer is read from the cache file when one younger than `ttl` exists for the same
    arguments; otherwise it costs about 20 CoinGecko calls (see the module notes) and is
    written to the cache.

    Args:
        n: Number of assets, 1 to 1,000. Fewer come back only if CoinGecko runs out of coins.
        cache_dir: Directory of the cache file; defaults to
            `default_cache_dir()`.
        ttl: Seconds a cached answer stays valid, a finite number; 0 always asks CoinGecko
            (and still writes the cache).
        api_key: CoinGecko Demo key, sent in the `x-cg-demo-api-key` header; defaults to
            `$COINGECKO_API_KEY`; without one, the keyless (shared per IP) API is used.
            Surrounding whitespace is stripped; a blank key or one holding a control or
            non-ASCII character is refused.
        exclude: Category ids (or globs over ids and names) whose coins are left out.
        exclude_ids: Coin ids left out whatever their categories.
        narratives: Category ids that can be an asset's narrative, main one first. Each
            costs about one call.
        limiter: Rate limiter to charge. By default one limiter per process (per `clock`)
            shared by every call: 30 calls a minute with a key, 10 without. Pass your own to
            share a budget with other CoinGecko users of the same key or IP.
        retry: Retry policy; by default backoffs of 15 to 60 seconds (CoinGecko sends no
            usable `Retry-After`).
        clock: Time source for the limiter, backoffs and the cache's age.
        base_url: API root; only the keyless/Demo root is supported.
        timeout: Seconds before a request is abandoned (then retried): above 0, at most 3600.
        http_transport: An httpx transport to send through (a proxy, a replay, a mock).

    Returns:
        The assets, largest first, `rank` 1 to `n`.

    Raises:
        ValidationError: Bad arguments, before any request or cache read.
        RateLimitError: CoinGecko still refused after the retries.
        AuthenticationError: The key is invalid or not a Demo key.

    Examples:
        >>> assets = top_assets(50)                                  # doctest: +SKIP
        >>> [(a.symbol, a.narrative) for a in assets[:3]]            # doctest: +SKIP
        [('BTC', 'Layer 1 (L1)'), ('ETH', 'Layer 1 (L1)'), ('XRP', 'Payment Solutions')]
    """
    job = _Job(
        n,
        cache_dir=cache_dir,
        ttl=ttl,
        api_key=api_key,
        exclude=exclude,
        exclude_ids=exclude_ids,
        narratives=narratives,
        limiter=limiter,
        retry=retry,
        clock=clock,
        base_url=base_url,
        timeout=timeout,
    )
    cached = job.cached()
    if cached is not None:
        return cached
    transport = SyncTransport(http_transport=http_transport, **job.transport_options)
    try:
        assets = transport.run(_universe(transport.fetch, job.query))
    finally:
        transport.close()
    job.store(assets)
    return assets


async def atop_assets(
    n: int = 50,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    ttl: float = 86_400.0,
    api_key: str | None = None,
    exclude: Collection[str] = DEFAULT_EXCLUSIONS,
    exclude_ids: Collection[str] = DEFAULT_EXCLUDED_IDS,
    narratives: Sequence[str] = DEFAULT_NARRATIVES,
    limiter: RateLimiter | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock | None = None,
    base_url: str = ep.BASE_URL,
    timeout: float = 30.0,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> list[Asset]:
    """The asyncio twin of `top_assets`: same arguments, same result.

    The cache file is read and written with blocking I/O: it is a few kilobytes, once a call.

    Examples:
        >>> assets = await atop_assets(50)                           # doctest: +SKIP
    """
    job = _Job(
        n,
        cache_dir=cache_dir,
        ttl=ttl,
        api_key=api_key,
        exclude=exclude,
        exclude_ids=exclude_ids,
        narratives=narratives,
        limiter=limiter,
        retry=retry,
        clock=clock,
        base_url=base_url,
        timeout=timeout,
    )
    cached = job.cached()
    if cached is not None:
        return cached
    transport = AsyncTransport(http_transport=http_transport, **job.transport_options)
    try:
        assets = await transport.run(_universe(transport.fetch, job.query))
    finally:
        await transport.aclose()
    job.store(assets)
    return assets


# ---------------------------------------------------------------------------------- the flow


@attrs.frozen
class _Query:
    """The arguments that decide the answer: validated, and the cache key."""

    n: int
    exclude: tuple[str, ...]
    exclude_ids: frozenset[str]
    narratives: tuple[str, ...]
    base_url: str

    def key(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "exclude": sorted(self.exclude),
            "exclude_ids": sorted(self.exclude_ids),
            "narratives": list(self.narratives),
            "base_url": self.base_url,
            "vs_currency": ep.VS_CURRENCY,
        }


Fetch = Callable[[Request], Flow[Response]]


class _Scan:
    """What is known of one category's members: the pages of it fetched so far."""

    def __init__(self, category: Category) -> None:
        self.category = category
        self.ids: set[str] = set()
        self._pages = 0
        self._floor: float | None = None
        self._exhausted = False

    def holds(self, coin_id: str, market_cap: float, fetch: Fetch) -> Flow[bool]:
        """Whether a coin is a member, fetching only the pages that could still list it."""
        while coin_id not in self.ids and not self._covers(market_cap):
            request = ep.plan_markets(self._pages + 1, self.category.id)
            self._add(parse_markets((yield from fetch(request)).body))
        return coin_id in self.ids

    def _covers(self, market_cap: float) -> bool:
        threshold = market_cap * _COVERAGE_MARGIN
        if self._exhausted:
            return True
        if self.category.market_cap is not None and self.category.market_cap < threshold:
            return True
        return self._floor is not None and self._floor < threshold

    def _add(self, page: list[MarketCoin]) -> None:
        self._pages += 1
        self.ids.update(coin.id for coin in page)
        if len(page) < ep.MAX_PER_PAGE:
            self._exhausted = True
        else:
            # Coins without a market cap sort last: a page ending with one has listed every
            # coin that has a market cap.
            self._floor = page[-1].market_cap or 0.0


def _universe(fetch: Fetch, query: _Query) -> Flow[list[Asset]]:
    categories = parse_categories((yield from fetch(ep.plan_categories())).body)
    exclusions = [_Scan(category) for category in _matching(categories, query.exclude)]
    by_id = {category.id: category for category in categories}
    narratives = [_Scan(category) for category in _named(by_id, query.narratives)]
    kept: list[tuple[MarketCoin, float]] = []
    seen: set[str] = set()
    page_number, last_page = 0, False
    while len(kept) < query.n and not last_page:
        page_number += 1
        page = parse_markets((yield from fetch(ep.plan_markets(page_number))).body)
        last_page = len(page) < ep.MAX_PER_PAGE
        for coin in page:
            cap = coin.market_cap
            if not cap:
                # Coins without a market cap sort last and have no rank to speak of.
                last_page = True
                break
            # Ranks shift between page calls, so a coin can show up on two pages.
            if coin.id in seen or coin.id in query.exclude_ids:
                continue
            seen.add(coin.id)
            if not (yield from _held_by_any(coin.id, cap, exclusions, fetch)):
                kept.append((coin, cap))
                if len(kept) == query.n:
                    break
    if len(kept) < query.n:
        logger.warning(
            "CoinGecko listed only %d assets after exclusions, not %d", len(kept), query.n
        )
    member_of: dict[str, list[str]] = {coin.id: [] for coin, _ in kept}
    for scan in narratives:
        for coin, cap in kept:
            if (yield from scan.holds(coin.id, cap, fetch)):
                member_of[coin.id].append(scan.category.name)
    return [
        Asset(
            id=coin.id,
            symbol=coin.symbol.upper(),
            name=coin.name,
            rank=rank,
            market_cap_rank=coin.market_cap_rank,
            market_cap_usd=cap,
            narrative=member_of[coin.id][0] if member_of[coin.id] else None,
            categories=tuple(member_of[coin.id]),
        )
        for rank, (coin, cap) in enumerate(kept, start=1)
    ]


def _held_by_any(coin_id: str, market_cap: float, scans: list[_Scan], fetch: Fetch) -> Flow[bool]:
    for scan in scans:
        if (yield from scan.holds(coin_id, market_cap, fetch)):
            return True
    return False


def _matching(categories: list[Category], patterns: tuple[str, ...]) -> list[Category]:
    """Categories named by exact ids or matched by globs, in pattern order, each once."""
    by_id = {category.id: category for category in categories}
    found: dict[str, Category] = {}
    for pattern in patterns:
        if _GLOB_CHARS.isdisjoint(pattern):
            hits = _named(by_id, (pattern,))
        else:
            hits = [
                category
                for category in categories
                if fnmatch.fnmatchcase(category.id, pattern)
                or fnmatch.fnmatchcase(category.name.lower(), pattern)
            ]
        for hit in hits:
            found.setdefault(hit.id, hit)
    return list(found.values())


def _named(by_id: dict[str, Category], ids: Iterable[str]) -> list[Category]:
    """Categories by id, in the order given; unknown ids are logged and skipped."""
    found = []
    for category_id in ids:
        if category_id in by_id:
            found.append(by_id[category_id])
        else:
            logger.warning(
                "CoinGecko has no category %r (renamed or removed?); it is ignored. "
                "Valid ids are listed by /coins/categories",
                category_id,
            )
    return found


# ---------------------------------------------------------------------------- the call itself


class _Job:
    """One validated `top_assets` call: its query, its cache file and its transport options."""

    def __init__(
        self,
        n: int,
        *,
        cache_dir: str | os.PathLike[str] | None,
        ttl: float,
        api_key: str | None,
        exclude: Collection[str],
        exclude_ids: Collection[str],
        narratives: Sequence[str],
        limiter: RateLimiter | None,
        retry: RetryPolicy | None,
        clock: Clock | None,
        base_url: str,
        timeout: float,
    ) -> None:
        # bool is an int subclass: top_assets(True) is a mistake, not "one asset".
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_ASSETS:
            raise ValidationError(f"n must be an integer from 1 to {MAX_ASSETS:,}, got {n!r}")
        ttl = finite("ttl", ttl, minimum=0, unit="seconds")
        # The transport checks it too, but is built only after the cache was read.
        timeout = finite("timeout", timeout, above=0, maximum=MAX_TIMEOUT, unit="seconds")
        self.query = _Query(
            n=n,
            exclude=tuple(names("exclude", exclude, allow_empty=True)),
            exclude_ids=frozenset(names("exclude_ids", exclude_ids, allow_empty=True)),
            narratives=tuple(names("narratives", narratives, allow_empty=True)),
            base_url=base_url.rstrip("/"),
        )
        self.ttl = float(ttl)
        self.clock: Clock = clock or _SYSTEM_CLOCK
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.cache = _DiskCache(directory, self.query.key())
        key = api_key if api_key is not None else os.environ.get("COINGECKO_API_KEY", "")
        name = "api_key" if api_key is not None else "COINGECKO_API_KEY"
        # An empty key means the keyless API; anything else must be a usable key.
        secret = Secret.credential(key, name=name) if key else None
        budget = ep.CALLS_PER_MINUTE_DEMO if secret is not None else ep.CALLS_PER_MINUTE_KEYLESS
        self.transport_options: dict[str, Any] = {
            "provider": ep.PROVIDER,
            "base_url": self.query.base_url,
            "limiter": limiter or _default_limiter(budget, self.clock),
            "retry": retry or ep.RETRY,
            "secret_headers": {ep.DEMO_KEY_HEADER: secret} if secret is not None else {},
            "clock": self.clock,
            "timeout": timeout,
        }

    def cached(self) -> list[Asset] | None:
        if self.ttl <= 0:
            return None
        return self.cache.load(self.clock.time(), self.ttl)

    def store(self, assets: list[Asset]) -> None:
        self.cache.store(self.clock.time(), assets)


def _default_limiter(budget: int, clock: Clock) -> SlidingWindowLimiter:
    """The limiter every call without one shares, per clock and budget.

    The budget belongs to the IP or the key, not to one call: a fresh limiter per call would
    let two calls in the same minute spend twice the budget.
    """
    with _DEFAULT_LIMITERS_LOCK:
        by_budget = _DEFAULT_LIMITERS.setdefault(clock, {})
        if budget not in by_budget:
            by_budget[budget] = SlidingWindowLimiter(budget, 60.0, clock=clock)
        return by_budget[budget]


class _CacheFile(msgspec.Struct):
    format: int
    key: dict[str, Any]
    fetched_at: float
    assets: list[Asset]


_CACHE_DECODER: Final = msgspec.json.Decoder(_CacheFile)


class _DiskCache:
    """One JSON file per set of arguments, replaced atomically, valid for a TTL."""

    def __init__(self, directory: Path, key: dict[str, Any]) -> None:
        digest = hashlib.sha256(msgspec.json.encode(key)).hexdigest()[:16]
        self.path = directory / f"coingecko-top-assets-{digest}.json"
        self._key = key

    def load(self, now: float, ttl: float) -> list[Asset] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("cannot read the universe cache %s: %s", self.path, exc)
            return None
        try:
            cached = _CACHE_DECODER.decode(raw)
        except msgspec.DecodeError as exc:
            logger.warning(
                "ignoring the unreadable universe cache %s (%s); refetching", self.path, exc
            )
            return None
        age = now - cached.fetched_at
        # A file written "in the future" (clock moved back) is stale: its age is unknown.
        if cached.format != _CACHE_FORMAT or cached.key != self._key or not 0 <= age < ttl:
            return None
        logger.debug("universe from cache %s (%.0f s old)", self.path, age)
        return cached.assets

    def store(self, now: float, assets: list[Asset]) -> None:
        body = msgspec.json.encode(
            _CacheFile(format=_CACHE_FORMAT, key=self._key, fetched_at=now, assets=assets)
        )
        try:
            write_atomically(self.path, body)
        except OSError as exc:
            # The answer is still good; only the next call pays the calls again.
            logger.warning("cannot write the universe cache %s: %s", self.path, exc)
