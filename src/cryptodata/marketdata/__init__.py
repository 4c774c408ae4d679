"""The market-data layer above the providers: the asset registry, instruments, routing by
coverage, the capability table and the fan-out across providers.

It imports only `cryptodata.core`: providers reach it through the markets tables they return
and the source protocol (`cryptodata.core.source`), never by import.
"""

from __future__ import annotations

from .assets import AmbiguousAssetError, AssetInfo, AssetRegistry, UnknownAssetError
from .instruments import INSTRUMENT_PREFERENCE, Instrument, InstrumentKind

__all__ = [
    "INSTRUMENT_PREFERENCE",
    "AmbiguousAssetError",
    "AssetInfo",
    "AssetRegistry",
    "Instrument",
    "InstrumentKind",
    "UnknownAssetError",
]
