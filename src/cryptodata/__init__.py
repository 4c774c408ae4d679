"""cryptodata: a typed SDK for crypto market data.

Public names are resolved lazily, so `import cryptodata` costs almost nothing until a client
or a table is used.

Examples:
    >>> from cryptodata import Coinalyze, Interval
    >>> Interval.parse("1h")
    <Interval.H1: '1h'>
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cryptodata._version import __version__

if TYPE_CHECKING:
    from cryptodata.core.clock import Clock, ManualClock, SystemClock
    from cryptodata.core.entities import (
        AmbiguousEntityError,
        Entity,
        EntityKind,
        EntityMaster,
        UnknownEntityError,
    )
    from cryptodata.core.errors import (
        AuthenticationError,
        BadRequestError,
        CryptoDataError,
        MissingDependencyError,
        NotFoundError,
        ProviderError,
        RateLimitError,
        ResponseFormatError,
        ServerError,
        SinkError,
        TransportError,
        UnsupportedError,
        ValidationError,
    )
    from cryptodata.core.intervals import Interval
    from cryptodata.core.limiters import (
        CompositeLimiter,
        RateLimiter,
        SlidingWindowLimiter,
        TokenBucketLimiter,
    )
    from cryptodata.core.links import Link, LinkError, WebsocketLink, open_websocket
    from cryptodata.core.planning import CursorPaginator
    from cryptodata.core.records import (
        AccountSummary,
        AggregateLiquidationBar,
        AggregateOpenInterestBar,
        AssetContext,
        BookLevel,
        Exchange,
        FundingRateBar,
        FundingRateSnapshot,
        FundingSettlement,
        LeaderboardEntry,
        LiquidationBar,
        LiquidationEvent,
        LongShortRatioBar,
        Market,
        OhlcvBar,
        OpenInterestBar,
        OpenInterestSnapshot,
        Position,
        PredictedFundingRateBar,
        PredictedFundingRateSnapshot,
        PullLog,
        Trade,
    )
    from cryptodata.core.redis_limiter import RedisRateLimiter
    from cryptodata.core.replay import ReplayTransport
    from cryptodata.core.request import Request, Response, Secret
    from cryptodata.core.retry import RetryPolicy
    from cryptodata.core.schema import Kind, primary_key, schema
    from cryptodata.core.senders import AsyncSender, Sender
    from cryptodata.core.source import AsyncSource, Coverage, KindCoverage, Source, Step
    from cryptodata.core.stream import (
        Ack,
        Connected,
        Data,
        Disconnected,
        Incoming,
        Malformed,
        Payload,
        Pong,
        Reconnected,
        Refusal,
        Refused,
        Stream,
        StreamAdapter,
        StreamItem,
        StreamStats,
        Subscribed,
        Subscription,
        SyncStream,
    )
    from cryptodata.core.table import Table
    from cryptodata.core.time import to_utc
    from cryptodata.core.transport import PlannedRequest, RequestStats
    from cryptodata.core.venues import VENUES, Venue, canonical_venue
    from cryptodata.marketdata import (
        AmbiguousAssetError,
        AssetInfo,
        AssetRegistry,
        Instrument,
        UnknownAssetError,
    )
    from cryptodata.marketdata.facade import AsyncMarketData, MarketData, MarketTable
    from cryptodata.pipeline import (
        AcrossPlan,
        AcrossReport,
        BackfillPlan,
        BackfillReport,
        Cadence,
        PullsConfig,
        PullSpec,
        WatchStats,
        abackfill,
        abackfill_across,
        aplan_across,
        aupdate,
        aupdate_across,
        awatch,
        awatch_across,
        backfill,
        backfill_across,
        load_pulls,
        loop_pulls,
        plan_across,
        plan_backfill,
        run_pulls,
        update,
        update_across,
        watch,
        watch_across,
    )
    from cryptodata.providers.artemis import Artemis, AsyncArtemis
    from cryptodata.providers.blockchaininfo import AsyncBlockchainInfo, BlockchainInfo
    from cryptodata.providers.cbbi import AsyncCbbi, Cbbi
    from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
    from cryptodata.providers.coinalyze import AsyncCoinalyze, Coinalyze
    from cryptodata.providers.coinalyze.markets import ResolvedSymbols
    from cryptodata.providers.coingecko import Asset, assets_frame, atop_assets, top_assets
    from cryptodata.providers.coinmetrics import (
        AsyncCoinMetrics,
        CoinMetrics,
        ForbiddenMetricsError,
    )
    from cryptodata.providers.defillama import AsyncDefiLlama, DefiLlama
    from cryptodata.providers.feargreed import AsyncFearGreed, FearGreed
    from cryptodata.providers.hyperliquid import AsyncHyperliquid, Hyperliquid
    from cryptodata.providers.velo import AsyncVelo, Velo
    from cryptodata.sinks.base import Sink
    from cryptodata.sinks.jsonl import JsonlSink
    from cryptodata.sinks.parquet import ParquetSink
    from cryptodata.sinks.postgres import PostgresSink

_EXPORTS: dict[str, str] = {
    name: module
    for module, names in {
        "cryptodata.pipeline": (
            "AcrossPlan",
            "AcrossReport",
            "BackfillPlan",
            "BackfillReport",
            "Cadence",
            "PullSpec",
            "PullsConfig",
            "WatchStats",
            "abackfill",
            "abackfill_across",
            "aplan_across",
            "aupdate",
            "aupdate_across",
            "awatch",
            "awatch_across",
            "backfill",
            "backfill_across",
            "load_pulls",
            "loop_pulls",
            "plan_across",
            "plan_backfill",
            "run_pulls",
            "update",
            "update_across",
            "watch",
            "watch_across",
        ),
        "cryptodata.marketdata": (
            "AmbiguousAssetError",
            "AssetInfo",
            "AssetRegistry",
            "Instrument",
            "UnknownAssetError",
        ),
        "cryptodata.marketdata.facade": ("AsyncMarketData", "MarketData", "MarketTable"),
        "cryptodata.sinks.base": ("Sink",),
        "cryptodata.sinks.jsonl": ("JsonlSink",),
        "cryptodata.sinks.parquet": ("ParquetSink",),
        "cryptodata.sinks.postgres": ("PostgresSink",),
        "cryptodata.providers.coinalyze.markets": ("ResolvedSymbols",),
        "cryptodata.providers.coingecko": ("Asset", "assets_frame", "atop_assets", "top_assets"),
        "cryptodata.providers.artemis": ("Artemis", "AsyncArtemis"),
        "cryptodata.providers.cbbi": ("AsyncCbbi", "Cbbi"),
        "cryptodata.providers.blockchaininfo": ("AsyncBlockchainInfo", "BlockchainInfo"),
        "cryptodata.providers.ccxt": ("AsyncCcxt", "Ccxt"),
        "cryptodata.providers.coinalyze": ("AsyncCoinalyze", "Coinalyze"),
        "cryptodata.providers.coinmetrics": (
            "AsyncCoinMetrics",
            "CoinMetrics",
            "ForbiddenMetricsError",
        ),
        "cryptodata.providers.defillama": ("AsyncDefiLlama", "DefiLlama"),
        "cryptodata.providers.feargreed": ("AsyncFearGreed", "FearGreed"),
        "cryptodata.providers.hyperliquid": ("AsyncHyperliquid", "Hyperliquid"),
        "cryptodata.providers.velo": ("AsyncVelo", "Velo"),
        "cryptodata.core.clock": ("Clock", "ManualClock", "SystemClock"),
        "cryptodata.core.errors": (
            "AuthenticationError",
            "BadRequestError",
            "CryptoDataError",
            "MissingDependencyError",
            "NotFoundError",
            "ProviderError",
            "RateLimitError",
            "ResponseFormatError",
            "ServerError",
            "SinkError",
            "TransportError",
            "UnsupportedError",
            "ValidationError",
        ),
        "cryptodata.core.intervals": ("Interval",),
        "cryptodata.core.limiters": (
            "CompositeLimiter",
            "RateLimiter",
            "RedisRateLimiter",
            "SlidingWindowLimiter",
            "TokenBucketLimiter",
        ),
        "cryptodata.core.records": (
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
            "OhlcvBar",
            "OpenInterestBar",
            "OpenInterestSnapshot",
            "Position",
            "PredictedFundingRateBar",
            "PredictedFundingRateSnapshot",
            "PullLog",
            "Trade",
        ),
        "cryptodata.core.entities": (
            "AmbiguousEntityError",
            "Entity",
            "EntityKind",
            "EntityMaster",
            "UnknownEntityError",
        ),
        "cryptodata.core.redis_limiter": ("RedisRateLimiter",),
        "cryptodata.core.planning": ("CursorPaginator",),
        "cryptodata.core.replay": ("ReplayTransport",),
        "cryptodata.core.request": ("Request", "Response", "Secret"),
        "cryptodata.core.senders": ("AsyncSender", "Sender"),
        "cryptodata.core.retry": ("RetryPolicy",),
        "cryptodata.core.schema": ("Kind", "primary_key", "schema"),
        "cryptodata.core.source": ("AsyncSource", "Coverage", "KindCoverage", "Source", "Step"),
        "cryptodata.core.stream": (
            "Ack",
            "Connected",
            "Data",
            "Disconnected",
            "Incoming",
            "Malformed",
            "Payload",
            "Pong",
            "Reconnected",
            "Refusal",
            "Refused",
            "Stream",
            "StreamAdapter",
            "StreamItem",
            "StreamStats",
            "Subscribed",
            "Subscription",
            "SyncStream",
        ),
        "cryptodata.core.links": ("Link", "LinkError", "WebsocketLink", "open_websocket"),
        "cryptodata.core.table": ("Table",),
        "cryptodata.core.time": ("to_utc",),
        "cryptodata.core.transport": ("PlannedRequest", "RequestStats"),
        "cryptodata.core.venues": ("VENUES", "Venue", "canonical_venue"),
    }.items()
    for name in names
}

__all__ = [
    "VENUES",
    "AccountSummary",
    "Ack",
    "AcrossPlan",
    "AcrossReport",
    "AggregateLiquidationBar",
    "AggregateOpenInterestBar",
    "AmbiguousAssetError",
    "AmbiguousEntityError",
    "Artemis",
    "Asset",
    "AssetContext",
    "AssetInfo",
    "AssetRegistry",
    "AsyncArtemis",
    "AsyncBlockchainInfo",
    "AsyncCbbi",
    "AsyncCcxt",
    "AsyncCoinMetrics",
    "AsyncCoinalyze",
    "AsyncDefiLlama",
    "AsyncFearGreed",
    "AsyncHyperliquid",
    "AsyncMarketData",
    "AsyncSender",
    "AsyncSource",
    "AsyncVelo",
    "AuthenticationError",
    "BackfillPlan",
    "BackfillReport",
    "BadRequestError",
    "BlockchainInfo",
    "BookLevel",
    "Cadence",
    "Cbbi",
    "Ccxt",
    "Clock",
    "CoinMetrics",
    "Coinalyze",
    "CompositeLimiter",
    "Connected",
    "Coverage",
    "CryptoDataError",
    "CursorPaginator",
    "Data",
    "DefiLlama",
    "Disconnected",
    "Entity",
    "EntityKind",
    "EntityMaster",
    "Exchange",
    "FearGreed",
    "ForbiddenMetricsError",
    "FundingRateBar",
    "FundingRateSnapshot",
    "FundingSettlement",
    "Hyperliquid",
    "Incoming",
    "Instrument",
    "Interval",
    "JsonlSink",
    "Kind",
    "KindCoverage",
    "LeaderboardEntry",
    "Link",
    "LinkError",
    "LiquidationBar",
    "LiquidationEvent",
    "LongShortRatioBar",
    "Malformed",
    "ManualClock",
    "Market",
    "MarketData",
    "MarketTable",
    "MissingDependencyError",
    "NotFoundError",
    "OhlcvBar",
    "OpenInterestBar",
    "OpenInterestSnapshot",
    "ParquetSink",
    "Payload",
    "PlannedRequest",
    "Pong",
    "Position",
    "PostgresSink",
    "PredictedFundingRateBar",
    "PredictedFundingRateSnapshot",
    "ProviderError",
    "PullLog",
    "PullSpec",
    "PullsConfig",
    "RateLimitError",
    "RateLimiter",
    "Reconnected",
    "RedisRateLimiter",
    "Refusal",
    "Refused",
    "ReplayTransport",
    "Request",
    "RequestStats",
    "ResolvedSymbols",
    "Response",
    "ResponseFormatError",
    "RetryPolicy",
    "Secret",
    "Sender",
    "ServerError",
    "Sink",
    "SinkError",
    "SlidingWindowLimiter",
    "Source",
    "Step",
    "Stream",
    "StreamAdapter",
    "StreamItem",
    "StreamStats",
    "Subscribed",
    "Subscription",
    "SyncStream",
    "SystemClock",
    "Table",
    "TokenBucketLimiter",
    "Trade",
    "TransportError",
    "UnknownAssetError",
    "UnknownEntityError",
    "UnsupportedError",
    "ValidationError",
    "Velo",
    "Venue",
    "WatchStats",
    "WebsocketLink",
    "__version__",
    "abackfill",
    "abackfill_across",
    "aplan_across",
    "assets_frame",
    "atop_assets",
    "aupdate",
    "aupdate_across",
    "awatch",
    "awatch_across",
    "backfill",
    "backfill_across",
    "canonical_venue",
    "load_pulls",
    "loop_pulls",
    "open_websocket",
    "plan_across",
    "plan_backfill",
    "primary_key",
    "run_pulls",
    "schema",
    "to_utc",
    "top_assets",
    "update",
    "update_across",
    "watch",
    "watch_across",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cryptodata' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
