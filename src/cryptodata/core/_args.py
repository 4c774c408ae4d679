"""Argument normalisation shared by every client and pipeline: checked before any request.

One rule for the whole library: where a collection of names (symbols, exchanges, bases,
kinds) is expected, a lone string is one name, never a collection of one-letter names; every
item must be a non-empty string. Anything else is a
`ValidationError` naming the argument, raised before a request
is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeGuard

from .errors import ValidationError

__all__ = ["names", "text"]


def names(argument: str, values: str | Iterable[str], *, allow_empty: bool = False) -> list[str]:
    """Non-empty strings from a string or a collection of them, in order, each once.

    `str` subclasses (such as `Kind`) are kept as they are.

    Args:
        argument: The argument's name, for error messages.
        values: One string, or an iterable of strings.
        allow_empty: Accept an empty collection (and return `[]`).

    Raises:
        ValidationError: If `values` is not a string or an iterable, an item is not a
            non-empty string, or (unless `allow_empty`) there are none.

    Examples:
        >>> names("symbols", "BTCUSDT_PERP.A")
        ['BTCUSDT_PERP.A']
        >>> names("bases", ["BTC", "ETH", "BTC"])
        ['BTC', 'ETH']
    """
    if isinstance(values, str):
        given: list[object] = [values]
    elif isinstance(values, bytes | bytearray) or not isinstance(values, Iterable):
        raise ValidationError(
            f"{argument} must be a string or a list of strings, not {type(values).__name__} "
            f"({values!r})"
        )
    else:
        given = list(values)
    if not given and not allow_empty:
        raise ValidationError(f"{argument} must not be empty")
    found: list[str] = []
    for value in given:
        if not _is_text(value):
            raise ValidationError(f"{argument} must hold non-empty strings, got {value!r}")
        found.append(value)
    return list(dict.fromkeys(found))


def text(argument: str, value: object) -> str:
    """`value` itself if it is a string with something besides whitespace.

    Raises:
        ValidationError: Otherwise, naming the argument and the value.

    Examples:
        >>> text("base", "BTC")
        'BTC'
    """
    if not _is_text(value):
        raise ValidationError(f"{argument} must be a non-empty string, got {value!r}")
    return value


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())
