"""ccxt's loaded markets on disk, so that a new client within `market_ttl` sends no request.

One JSON file per market set in the cache directory: `<exchange id>-<digest>.json`, the
digest taken over what makes two instances of one exchange list different markets, namely
the API URLs (sandbox and testnet modes swap them), the `hostname` they are built on and the
`fetchMarkets` option (the market types loaded, e.g. Hyperliquid's `types`). Everything else
about an instance (its credentials above all) is neither hashed nor written: a file holds the
markets, ccxt's currencies and the wall-clock time they were loaded, nothing more.

A file is used while younger than the TTL on the client's clock; an older one, one "from the
future" (the clock moved back), a missing, unreadable or malformed one is ignored (logged) and
the markets are loaded from the venue again. Files are written to a temp file in the same
directory, then renamed over the old one, so that a reader in another process never sees
half a file. Failing to write only costs the next process the market requests: it is logged,
never raised.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Final

import msgspec

from cryptodata.core._files import write_atomically

__all__ = ["MarketCache"]

logger = logging.getLogger("cryptodata.ccxt")

_FORMAT: Final = 1
"""The file layout's version: a file of another one is ignored."""


class _CacheFile(msgspec.Struct):
    format: int
    exchange: str
    loaded_at: float
    markets: list[dict[str, Any]]
    currencies: dict[str, Any] | None = None


_DECODER: Final = msgspec.json.Decoder(_CacheFile)


def _market_set(exchange: Any) -> dict[str, Any]:
    """What decides which markets an instance lists, beside its id (hashed, not written)."""
    options = getattr(exchange, "options", None)
    return {
        "api": getattr(exchange, "urls", {}).get("api"),
        "hostname": getattr(exchange, "hostname", None),
        "fetchMarkets": options.get("fetchMarkets") if isinstance(options, dict) else None,
    }


class MarketCache:
    """The cache directory's file for one ccxt exchange instance.

    Args:
        directory: Where the files are kept (made on the first write).
        exchange: The ccxt instance whose markets are read and written.
    """

    def __init__(self, directory: str | os.PathLike[str], exchange: Any) -> None:
        self._exchange = exchange
        self._id = str(exchange.id)
        # `enc_hook=str`: an option ccxt holds as an object still gives a digest.
        key = msgspec.json.encode(_market_set(exchange), enc_hook=str, order="sorted")
        digest = hashlib.sha256(key).hexdigest()[:16]
        self.path = Path(directory) / f"{self._id}-{digest}.json"

    def load(self, now: float, ttl: float) -> float | None:
        """Set the file's markets on the instance if it is younger than `ttl` seconds.

        Args:
            now: The wall-clock time, in epoch seconds.
            ttl: The markets' time to live, in seconds.

        Returns:
            The markets' age in seconds, or `None` when the file was not used (the instance
            is then untouched, or left for a reload).
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("cannot read the ccxt market cache %s: %s", self.path, exc)
            return None
        try:
            cached = _DECODER.decode(raw)
        except msgspec.DecodeError as exc:
            logger.warning("ignoring the unreadable ccxt market cache %s: %s", self.path, exc)
            return None
        age = now - cached.loaded_at
        if cached.format != _FORMAT or cached.exchange != self._id or not cached.markets:
            logger.warning(
                "ignoring the ccxt market cache %s: it holds no %s markets of format %d",
                self.path,
                self._id,
                _FORMAT,
            )
            return None
        if not 0 <= age < ttl:
            logger.debug("the ccxt market cache %s is stale (%.0f s old)", self.path, age)
            return None
        try:
            self._exchange.set_markets(cached.markets, cached.currencies or None)
        except Exception as exc:  # whatever ccxt makes of a malformed market
            logger.warning("ignoring the malformed ccxt market cache %s: %r", self.path, exc)
            return None
        logger.debug("ccxt markets from the cache %s (%.0f s old)", self.path, age)
        return age

    def store(self, now: float) -> None:
        """Write the instance's markets and currencies, loaded at `now` (epoch seconds)."""
        markets = getattr(self._exchange, "markets", None) or {}
        currencies = getattr(self._exchange, "currencies", None) or None
        try:
            body = msgspec.json.encode(
                _CacheFile(
                    format=_FORMAT,
                    exchange=self._id,
                    loaded_at=now,
                    markets=list(markets.values()),
                    currencies=dict(currencies) if currencies else None,
                )
            )
            write_atomically(self.path, body)
        except (OSError, msgspec.EncodeError, TypeError) as exc:
            # The markets are loaded all the same; only the next client pays the requests.
            logger.warning("cannot write the ccxt market cache %s: %s", self.path, exc)

    def __repr__(self) -> str:
        return f"MarketCache({str(self.path)!r})"
