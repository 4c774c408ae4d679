"""CoinGecko response bodies → typed rows (msgspec), validated while decoding.

A body that is not what the API documents is a
`ResponseFormatError` naming the endpoint, except CoinGecko's
error envelope `{"status": {"error_code": ..., "error_message": ...}}`: some error answers come
with HTTP 200, so a successful status does not prove success, and the envelope becomes the typed
error it stands for.
"""

from __future__ import annotations

from typing import Final, TypeVar

import msgspec

from cryptodata.core.errors import ResponseFormatError, excerpt

from .endpoints import CATEGORIES_PATH, MARKETS_PATH, PROVIDER, envelope_error

__all__ = ["Category", "MarketCoin", "parse_categories", "parse_markets"]

S = TypeVar("S")


class MarketCoin(msgspec.Struct, frozen=True):
    """One row of `/coins/markets`: only the fields the universe uses.

    Attributes:
        id: CoinGecko coin id (`"bitcoin"`, `"avalanche-2"`); unlike `symbol`, unique.
        symbol: Ticker as CoinGecko spells it, lower case (`"btc"`).
        name: Display name.
        market_cap: Market cap in USD; null for coins without supply data.
        market_cap_rank: CoinGecko's global rank; null when it has none.
    """

    id: str
    symbol: str
    name: str
    market_cap: float | None = None
    market_cap_rank: int | None = None


class Category(msgspec.Struct, frozen=True):
    """One row of `/coins/categories`.

    Attributes:
        id: Category id, the value `/coins/markets?category=` takes (`"stablecoins"`).
        name: Display name (`"Stablecoins"`), as coin pages list it.
        market_cap: Sum of its coins' market caps in USD; null when CoinGecko has none.
    """

    id: str
    name: str
    market_cap: float | None = None


_MARKETS: Final = msgspec.json.Decoder(list[MarketCoin])
_CATEGORIES: Final = msgspec.json.Decoder(list[Category])


def parse_markets(body: bytes) -> list[MarketCoin]:
    """Decode a `/coins/markets` page.

    Raises:
        RateLimitError: The body is CoinGecko's rate-limit envelope (seen with HTTP 200).
        ResponseFormatError: The body is not a list of coins.

    Examples:
        >>> parse_markets(b'[{"id":"bitcoin","symbol":"btc","name":"Bitcoin","market_cap":1.3e12,"market_cap_rank":1}]')
        [MarketCoin(id='bitcoin', symbol='btc', name='Bitcoin', market_cap=1300000000000.0, market_cap_rank=1)]
    """
    return _decode(_MARKETS, body, MARKETS_PATH)


def parse_categories(body: bytes) -> list[Category]:
    """Decode `/coins/categories`.

    Raises:
        ProviderError: The body is CoinGecko's error envelope.
        ResponseFormatError: The body is not a list of categories.

    Examples:
        >>> parse_categories(b'[{"id":"stablecoins","name":"Stablecoins","market_cap":2.5e11}]')
        [Category(id='stablecoins', name='Stablecoins', market_cap=250000000000.0)]
    """
    return _decode(_CATEGORIES, body, CATEGORIES_PATH)


def _decode(decoder: msgspec.json.Decoder[list[S]], body: bytes, path: str) -> list[S]:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        error = envelope_error(body, path, status=200)
        if error is not None:
            raise error from None
        raise ResponseFormatError(
            str(exc), provider=PROVIDER, endpoint=path, body=excerpt(body)
        ) from None
