"""The Hyperliquid leaderboard document → one `leaderboard` frame for one window.

The stats host answers the whole leaderboard at once (~40 MB, ~45k traders), undocumented:

```
{"leaderboardRows": [{"ethAddress": "0x…", "accountValue": "…", "displayName": str | null,
                      "prize": …, "windowPerformances": [["day", {"pnl": "…", "roi": "…",
                      "vlm": "…"}], ["week", {…}], ["month", {…}], ["allTime", {…}]]}]}
```

Every number is a JSON string. msgspec reads each one straight into a float while decoding
(its string-to-float parse is correctly rounded: `"0.1"` is the double nearest 0.1, as
`float("0.1")`), into typed structs: no row becomes a dict of Python strings. A string that is not a
number (`"abc"`, `""`, `"1_000"`) makes the whole body a `ResponseFormatError` naming where it
sits: the parser returns a bare frame, with no channel for a per-row warning, and a number
the venue cannot write is a format change worth hearing about rather than a silent gap.

Windows are `[name, performance]` pairs looked up by name, never by position: rows carry
extra names (`perpDay`) and some lack a window; a row without the asked window is skipped.
"""

from __future__ import annotations

import math
from datetime import datetime
from operator import attrgetter
from typing import Final

import msgspec
import polars as pl

from cryptodata.core.errors import ResponseFormatError, ValidationError, excerpt
from cryptodata.core.schema import Kind, schema
from cryptodata.core.time import to_utc

from .endpoints import PROVIDER

__all__ = ["RANKS", "WINDOWS", "parse_leaderboard", "validate_leaderboard_args"]

WINDOWS: Final = ("day", "week", "month", "allTime")
"""The windows a leaderboard row reports, as Hyperliquid names them."""
RANKS: Final = ("pnl", "roi", "volume", "account_value")
"""The columns a leaderboard can be ranked by (descending)."""

_ENDPOINT: Final = "leaderboard"


class _Performance(msgspec.Struct, gc=False):
    pnl: float | None = None
    roi: float | None = None
    vlm: float | None = None


class _Row(msgspec.Struct, gc=False, rename="camel"):
    eth_address: str
    account_value: float | None = None
    display_name: str | None = None
    # Kept as its bytes and decoded row by row (`_PAIRS`): decoding every row's pairs in one
    # go leaves ~225k lists and tuples alive, which the garbage collector walks again and
    # again during the decode (measured: 2x slower). Row by row, only the asked window's
    # performance (an untracked struct) outlives its row.
    window_performances: msgspec.Raw = msgspec.Raw(b"[]")


class _Board(msgspec.Struct, gc=False, rename="camel"):
    leaderboard_rows: list[_Row]


# `strict=False` lets a float field take a numeric JSON string, parsed in C; it also takes a
# plain JSON number, which is the same value.
_BOARD: Final = msgspec.json.Decoder(_Board, strict=False)
_PAIRS: Final = msgspec.json.Decoder(list[tuple[str, _Performance]], strict=False)


def validate_leaderboard_args(
    *,
    window: str,
    top: int | None = None,
    min_account_value: float | None = None,
    rank_by: str = "pnl",
) -> None:
    """Check a leaderboard query before anything is fetched (the document is tens of MB).

    Args:
        window: One of `WINDOWS`.
        top: Rows to keep after ranking, at least 1; `None` keeps all.
        min_account_value: Keep traders whose account value (USD) is at least this; `None`
            keeps all.
        rank_by: One of `RANKS`.

    Raises:
        ValidationError: For any argument outside what is listed above.

    Examples:
        >>> validate_leaderboard_args(window="week", top=10, rank_by="roi")
        >>> validate_leaderboard_args(window="weekly")
        Traceback (most recent call last):
        ...
        cryptodata.core.errors.ValidationError: unknown leaderboard window 'weekly'; use one of day, week, month, allTime
    """
    if window not in WINDOWS:
        raise ValidationError(
            f"unknown leaderboard window {window!r}; use one of {', '.join(WINDOWS)}"
        )
    if rank_by not in RANKS:
        raise ValidationError(
            f"cannot rank the leaderboard by {rank_by!r}; use one of {', '.join(RANKS)}"
        )
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ValidationError(f"top must be a whole number of rows, at least 1; got {top!r}")
    if min_account_value is not None and (
        isinstance(min_account_value, bool)
        or not isinstance(min_account_value, int | float)
        or not math.isfinite(min_account_value)
    ):
        raise ValidationError(
            f"min_account_value must be a finite number of USD; got {min_account_value!r}"
        )


def parse_leaderboard(
    body: bytes,
    *,
    window: str,
    ts: datetime,
    top: int | None = None,
    min_account_value: float | None = None,
    rank_by: str = "pnl",
) -> pl.DataFrame:
    """The leaderboard body as a frame of exactly `schema(Kind.LEADERBOARD)`, for one window.

    Rows come ranked by `rank_by`, highest first, nulls last, ties in the body's order, and
    cut to `top`. Addresses are lower-cased (the document mixes cases); `volume` is the
    window's `vlm`; `account_value` is the trader's current one, the same in every window.

    Args:
        body: The leaderboard document, as the stats host sent it.
        window: Which window's pnl, roi and volume to report (one of `WINDOWS`); rows
            without it are skipped.
        ts: When the document was fetched (it carries no time of its own); every row's `ts`.
        top: Rows to keep after ranking; `None` keeps all.
        min_account_value: Drop traders whose account value is below this (or unknown).
        rank_by: The column to rank by (one of `RANKS`).

    Raises:
        ValidationError: For arguments `validate_leaderboard_args` refuses, before parsing.
        ResponseFormatError: The body is not JSON, not the document's shape, or holds a
            number string that is not a number.

    Examples:
        >>> from datetime import UTC, datetime
        >>> body = (b'{"leaderboardRows":[{"ethAddress":"0xAB","accountValue":"10.5",'
        ...         b'"displayName":null,"windowPerformances":[["week",'
        ...         b'{"pnl":"-1.25","roi":"0.1","vlm":"300"}]]}]}')
        >>> frame = parse_leaderboard(body, window="week", ts=datetime(2026, 1, 1, tzinfo=UTC))
        >>> frame.select("address", "account_value", "pnl", "roi", "volume").row(0)
        ('0xab', 10.5, -1.25, 0.1, 300.0)
    """
    validate_leaderboard_args(
        window=window, top=top, min_account_value=min_account_value, rank_by=rank_by
    )
    at = to_utc(ts, name="ts")
    try:
        rows = _BOARD.decode(body).leaderboard_rows
    except msgspec.DecodeError as exc:
        raise _format_error(str(exc), body) from None
    if min_account_value is not None:
        # Most of the document is small accounts: dropping them first spares decoding their
        # windows and building their columns.
        rows = [
            row
            for row in rows
            if row.account_value is not None and row.account_value >= min_account_value
        ]
    # `dict` over the pairs runs in C; a name repeated within a row keeps its last pair.
    try:
        found = [(row, dict(_PAIRS.decode(row.window_performances)).get(window)) for row in rows]
    except msgspec.DecodeError as exc:
        raise _format_error(f"in a row's windowPerformances: {exc}", body) from None
    kept = [row for row, performance in found if performance is not None]
    performances = [performance for _, performance in found if performance is not None]
    frame = pl.DataFrame(
        {
            "address": pl.Series(list(map(attrgetter("eth_address"), kept)), dtype=pl.String),
            "display_name": pl.Series(list(map(attrgetter("display_name"), kept)), dtype=pl.String),
            "account_value": _floats(kept, "account_value"),
            "pnl": _floats(performances, "pnl"),
            "roi": _floats(performances, "roi"),
            "volume": _floats(performances, "vlm"),
        }
    )
    frame = frame.sort(rank_by, descending=True, nulls_last=True, maintain_order=True)
    if top is not None:
        frame = frame.head(top)
    board = schema(Kind.LEADERBOARD)
    return frame.select(
        provider=pl.lit(PROVIDER, dtype=board["provider"]),
        address=pl.col("address").str.to_lowercase(),
        window=pl.lit(window, dtype=board["window"]),
        ts=pl.lit(at, dtype=board["ts"]),
        display_name=pl.col("display_name"),
        account_value=pl.col("account_value"),
        pnl=pl.col("pnl"),
        roi=pl.col("roi"),
        volume=pl.col("volume"),
    )


def _floats(items: list[_Row] | list[_Performance], field: str) -> pl.Series:
    return pl.Series(list(map(attrgetter(field), items)), dtype=pl.Float64)


def _format_error(message: str, body: bytes) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER, endpoint=_ENDPOINT, body=excerpt(body))
