"""cryptodata: a typed SDK for crypto market data."""

from cryptodata._version import __version__

__all__ = ["__version__"]
