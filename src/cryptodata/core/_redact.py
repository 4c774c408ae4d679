"""The registry of live secrets, and `redact_known`, which hides their values in any text.

Kept apart from `Secret` (in `cryptodata.core.request`) so that the error classes can redact
what they are given without importing the request model, which imports them.
"""

from __future__ import annotations

import re
import weakref
from typing import Protocol
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "redact_known", "remember"]

REDACTED = "***"
"""What a secret looks like wherever a request is shown."""

_PATH_SAFE = "/:@!$&'()*+,;="
_WHOLE_WORD_BELOW = 8
"""Spellings shorter than this are redacted only where they stand as a word of their own.

A real key is long, and hidden wherever it shows; a placeholder such as `"k"` or `"demo"`
would otherwise turn every error that mentions `market_ttl` into `mar***et_ttl`."""
"""Characters a URL path keeps unescaped (RFC 3986), as httpx writes paths."""


class _Revealing(Protocol):
    def reveal(self) -> str: ...


_LIVE: weakref.WeakValueDictionary[int, _Revealing] = weakref.WeakValueDictionary()
"""Every secret alive in the process by identity, for redacting text we do not build ourselves.

Keyed by `id` rather than held in a `WeakSet`: secrets compare by value, and a set would keep
only the first of two equal secrets, then forget the value when that one dies."""


def remember(secret: _Revealing) -> None:
    """Register `secret` for `redact_known` for as long as it is alive."""
    _LIVE[id(secret)] = secret


def _spellings(value: str) -> set[str]:
    """The ways `value` shows in text we did not write: raw, URL-encoded, and as the body of
    a `str` or `bytes` repr (h11's `Illegal header value b'...'` escapes a newline as `\\n`)."""
    forms = {value, quote(value, safe=""), quote_plus(value), quote(value, safe=_PATH_SAFE)}
    forms.add(repr(value)[1:-1])
    forms.add(repr(value.encode("utf-8", "replace"))[2:-1])
    return forms


def redact_known(text: str) -> str:
    """`text` with the value of every live `Secret` as `***`.

    Covers the raw value, its URL-encoded spellings and its spelling inside a `str` or
    `bytes` repr, so log lines of libraries that print full URLs (httpx does) and their
    exception messages stay clean. Values shorter than 8 characters (placeholders, never
    real keys) are hidden only where they stand as a word of their own.

    Examples:
        >>> from cryptodata.core.request import Secret
        >>> key = Secret("k-123")
        >>> redact_known("GET https://x.test/a?key=k-123")
        'GET https://x.test/a?key=***'
    """
    values = {secret.reveal() for secret in list(_LIVE.values())}
    spellings = {form for value in values for form in _spellings(value) if form}
    for spelling in sorted(spellings, key=len, reverse=True):
        if len(spelling) >= _WHOLE_WORD_BELOW:
            text = text.replace(spelling, REDACTED)
        else:
            text = _as_word(spelling).sub(REDACTED, text)
    return text


def _as_word(spelling: str) -> re.Pattern[str]:
    """A pattern for `spelling` not glued to a letter or digit at a word-character edge."""
    before = r"(?<![^\W_])" if spelling[0].isalnum() else ""
    after = r"(?![^\W_])" if spelling[-1].isalnum() else ""
    return re.compile(before + re.escape(spelling) + after)
