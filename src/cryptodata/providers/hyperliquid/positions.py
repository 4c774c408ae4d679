"""A trader's `clearinghouseState` answer → a `positions` frame and a one-row `account_summary`.

The answer (`POST /info {"type": "clearinghouseState", "user": "0x…"}`) holds the open perp
positions under `assetPositions[].position` and the account under `marginSummary` (cross and
isolated margin together; `crossMarginSummary` is the cross part only, and is not read).
Numbers are JSON strings, read straight into floats while decoding, except the integers
`leverage.value`, `maxLeverage` and `time`. A position's:

- `size` is the signed `szi` (negative = short) and `side` follows its sign;
- `leverage_type` / `leverage` are `leverage.type` and `leverage.value`;
- `cumulative_funding` is `cumFunding.sinceOpen`: the funding this position has paid (positive)
  or received since it was opened, which is what its own P&L carries (`allTime` spans every
  position the trader ever held in the coin, `sinceChange` only the last resize);
- `symbol` is the coin byte for byte (`kPEPE`, `xyz:TSLA`) and `base` its asset (`PEPE`, `TSLA`).
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import Final, Literal

import msgspec
import polars as pl

from cryptodata.core.errors import ResponseFormatError, excerpt
from cryptodata.core.schema import Kind, schema
from cryptodata.core.time import from_ms, to_utc

from .endpoints import PROVIDER, VENUE
from .symbols import base_of, validate_address

__all__ = ["parse_clearinghouse"]

_ENDPOINT: Final = "info clearinghouseState"
_MIN_MS: Final = 100_000_000_000
"""1973-03-03: a `time` below it is in seconds, not milliseconds."""
_MAX_MS: Final = 32_503_680_000_000
"""The year 3000."""


class _Leverage(msgspec.Struct, gc=False):
    type: Literal["cross", "isolated"]
    value: float


class _Funding(msgspec.Struct, gc=False, rename="camel"):
    since_open: float | None = None


class _Position(msgspec.Struct, gc=False, rename="camel"):
    coin: str
    szi: float
    leverage: _Leverage
    entry_px: float | None = None
    liquidation_px: float | None = None
    margin_used: float | None = None
    max_leverage: float | None = None
    position_value: float | None = None
    return_on_equity: float | None = None
    unrealized_pnl: float | None = None
    cum_funding: _Funding | None = None


class _AssetPosition(msgspec.Struct, gc=False):
    position: _Position


class _Summary(msgspec.Struct, gc=False, rename="camel"):
    account_value: float | None = None
    total_margin_used: float | None = None
    total_ntl_pos: float | None = None


class _State(msgspec.Struct, gc=False, rename="camel"):
    margin_summary: _Summary
    asset_positions: list[_AssetPosition] = []
    withdrawable: float | None = None
    cross_maintenance_margin_used: float | None = None
    time: int | None = None


# `strict=False` lets a float field take a numeric JSON string, parsed in C (correctly rounded,
# as `float(text)`); a string that is not a number still fails the decode.
_DECODER: Final = msgspec.json.Decoder(_State, strict=False)


def parse_clearinghouse(
    body: bytes, *, address: str, ts: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The trader's open positions and account, as frames of the `positions` and
    `account_summary` schemas exactly.

    Every row's `ts` is the answer's own `time` (the server's clock, epoch ms) when it has one,
    else `ts`: the server's time is when the state was true, the fetch time only brackets it.

    Args:
        body: The `clearinghouseState` answer.
        address: The trader asked about (`0x` and 40 hex digits); stored lower-cased.
        ts: When the answer was fetched; the rows' time when the answer has no `time`.

    Returns:
        `(positions, account)`: one row per open position (none when the trader holds
        nothing, still with every column), and exactly one account row.

    Raises:
        ValidationError: `address` is not an address, or `ts` is not a time.
        ResponseFormatError: The body is not JSON or not the answer's shape: a number string
            that is not a number, a leverage type other than `cross` / `isolated`, a position
            of size 0 (which has no side), or a `time` that is not epoch milliseconds.

    Examples:
        >>> from datetime import UTC, datetime
        >>> body = (b'{"assetPositions":[{"type":"oneWay","position":{"coin":"ETH","szi":"-0.5",'
        ...         b'"leverage":{"type":"cross","value":20},"entryPx":"2986.3"}}],'
        ...         b'"marginSummary":{"accountValue":"100.0"},"time":1708622398623}')
        >>> positions, account = parse_clearinghouse(
        ...     body, address="0x" + "ab" * 20, ts=datetime(2026, 1, 1, tzinfo=UTC))
        >>> positions.select("symbol", "size", "side", "leverage_type", "leverage").row(0)
        ('ETH', -0.5, 'short', 'cross', 20.0)
        >>> str(account.item(0, "ts")), account.item(0, "account_value")
        ('2024-02-22 17:19:58.623000+00:00', 100.0)
    """
    trader = validate_address(address)
    fetched = to_utc(ts, name="ts")
    try:
        state = _DECODER.decode(body)
    except msgspec.DecodeError as exc:
        raise _format_error(str(exc), body) from None
    at = _server_time(state.time, body) if state.time is not None else fetched
    positions = [entry.position for entry in state.asset_positions]
    # A size of 0 (or NaN) has no sign, so no side: Hyperliquid lists open positions only.
    if not all(position.szi > 0 or position.szi < 0 for position in positions):
        raise _format_error("a position of size 0 has no side", body)
    coins = list(map(attrgetter("coin"), positions))
    sizes = list(map(attrgetter("szi"), positions))
    leverages = list(map(attrgetter("leverage"), positions))
    count = len(positions)
    # A trader holds tens of positions at most: row-sized constant lists cost nothing here.
    frame = pl.DataFrame(
        {
            "provider": [PROVIDER] * count,
            "exchange": [VENUE] * count,
            "address": [trader] * count,
            "symbol": coins,
            "base": list(map(base_of, coins)),
            "ts": [at] * count,
            "size": sizes,
            "side": ["long" if size > 0 else "short" for size in sizes],
            "entry_price": list(map(attrgetter("entry_px"), positions)),
            "position_value": list(map(attrgetter("position_value"), positions)),
            "unrealized_pnl": list(map(attrgetter("unrealized_pnl"), positions)),
            "return_on_equity": list(map(attrgetter("return_on_equity"), positions)),
            "leverage_type": list(map(attrgetter("type"), leverages)),
            "leverage": list(map(attrgetter("value"), leverages)),
            "max_leverage": list(map(attrgetter("max_leverage"), positions)),
            "liquidation_price": list(map(attrgetter("liquidation_px"), positions)),
            "margin_used": list(map(attrgetter("margin_used"), positions)),
            "cumulative_funding": [
                None if p.cum_funding is None else p.cum_funding.since_open for p in positions
            ],
        },
        schema=schema(Kind.POSITIONS),
    )
    summary = state.margin_summary
    account = pl.DataFrame(
        {
            "provider": [PROVIDER],
            "exchange": [VENUE],
            "address": [trader],
            "ts": [at],
            "account_value": [summary.account_value],
            "margin_used": [summary.total_margin_used],
            "total_notional": [summary.total_ntl_pos],
            "withdrawable": [state.withdrawable],
            "maintenance_margin": [state.cross_maintenance_margin_used],
        },
        schema=schema(Kind.ACCOUNT_SUMMARY),
    )
    return frame, account


def _server_time(ms: int, body: bytes) -> datetime:
    if not _MIN_MS <= ms <= _MAX_MS:
        raise _format_error(f"time {ms} is not epoch milliseconds", body)
    return from_ms(ms)


def _format_error(message: str, body: bytes) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER, endpoint=_ENDPOINT, body=excerpt(body))
