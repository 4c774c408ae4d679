"""Requests and responses as values, and the `Secret` that keeps a key out of everything shown.

A `Request` says what to ask (method, path on one of the
transport's base URLs or an absolute URL, query, JSON body, headers, cost, a label for logs and
an optional `check` of the answer); a `Response` is what a
sender got back (status, headers, body), handed as a whole to the parser. Neither does I/O: the
transport's run loop sends requests through a sender (see `cryptodata.core.senders`).

A key may travel in a header, a query parameter or a path segment: put a
`Secret` there. Only the sender sees the value; labels, log
lines, error messages and reprs show `***` (or `Secret('********')`) instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import attrs

from ._checks import count
from ._redact import REDACTED, redact_known, remember
from .errors import ProviderError, ResponseFormatError, ValidationError, excerpt

__all__ = [
    "Headers",
    "Method",
    "PreparedRequest",
    "Request",
    "Response",
    "Secret",
    "redact_known",
]

Method = Literal["GET", "POST"]
E = TypeVar("E", bound=ProviderError)


class Secret:
    """A credential that never shows itself in `repr`, `str`, logs or tracebacks.

    Put one in a request's headers, params or path; only a sender calls `reveal()`.

    Examples:
        >>> Secret("abc123")
        Secret('********')
    """

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        if value:
            remember(self)

    @classmethod
    def credential(cls, value: object, *, name: str) -> Secret:
        """A key as a user supplies it (an argument, a file, an environment variable), checked.

        Surrounding whitespace is stripped: `open("key.txt").read()` ends with a newline that
        no HTTP header may hold. What is left must be printable ASCII (spaces inside are
        kept), so that a pasted control or invisible character is refused here, before any
        request, instead of failing inside the HTTP library on every attempt.

        Args:
            value: The key.
            name: What to call it in errors: the argument or variable it came from, e.g.
                `"api_key"` or `"COINALYZE_API_KEY"`.

        Raises:
            ValidationError: If `value` is not a `str`, is blank, or holds a control or
                non-ASCII character. The message gives the position, never the key.

        Examples:
            >>> Secret.credential("  k-123\\n", name="api_key").reveal()
            'k-123'
            >>> Secret.credential("k-1\\r\\n23", name="api_key")
            Traceback (most recent call last):
            ...
            cryptodata.core.errors.ValidationError: api_key holds a control character (CR, LF, tab, ...) at position 4; copy the key again without it
        """
        if not isinstance(value, str):
            raise ValidationError(f"{name} must be text (a str), got {type(value).__name__}")
        key = value.strip()
        if not key:
            shape = "blank: it holds nothing but whitespace" if value else "empty"
            raise ValidationError(f"{name} is {shape}")
        for position, char in enumerate(key, start=1):
            if char.isascii() and char.isprintable():
                continue
            what = "a control character (CR, LF, tab, ...)"
            if not char.isascii():
                what = "a non-ASCII character (a byte-order mark, a curly quote, ...)"
            raise ValidationError(
                f"{name} holds {what} at position {position}; copy the key again without it"
            )
        return cls(key)

    def reveal(self) -> str:
        """The credential itself; only senders call this, to build the outgoing request."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))


Value = str | Secret
"""A header, query or path value: plain text, or a secret to keep out of logs."""
Pairs = tuple[tuple[str, Value], ...]
PathInput = str | Secret | tuple[Value, ...]


def _shown(value: Value) -> str:
    return REDACTED if isinstance(value, Secret) else value


def _revealed(value: Value) -> str:
    return value.reveal() if isinstance(value, Secret) else value


def _path(value: PathInput) -> str | tuple[Value, ...]:
    if isinstance(value, Secret):
        return (value,)
    if isinstance(value, str):
        return value
    parts = tuple(value)
    if not all(isinstance(part, str | Secret) for part in parts):
        raise ValidationError(f"a path is text and Secret parts, got {value!r}")
    return parts


def _pairs(value: Iterable[tuple[str, Value]] | Mapping[str, Value]) -> Pairs:
    items = value.items() if isinstance(value, Mapping) else value
    pairs = tuple((name, item) for name, item in items)
    for name, item in pairs:
        if not isinstance(name, str) or not isinstance(item, str | Secret):
            raise ValidationError(f"expected (name, text or Secret) pairs, got {(name, item)!r}")
    return pairs


def _method(instance: Request, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("GET", "POST"):
        raise ValidationError(f"method must be 'GET' or 'POST', got {value!r}")


def _cost(instance: Request, attribute: attrs.Attribute[int], value: int) -> None:
    # The limiters check costs again (against their capacity): the same rule, one place.
    count("cost", value)


def _statuses(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


def _json(instance: Request, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and instance.method != "POST":
        raise ValidationError(f"a JSON body needs method='POST', not {instance.method!r}")


def _joined(path: str | tuple[Value, ...], show: Callable[[Value], str]) -> str:
    return path if isinstance(path, str) else "".join(show(part) for part in path)


def _is_absolute(text: str) -> bool:
    return text[:8].lower().startswith(("http://", "https://"))


def _default_label(request: Request) -> str:
    shown = _joined(request.path, _shown)
    if _is_absolute(shown):
        # The label is for logs and errors: no host, no query.
        return urlsplit(shown).path or "/"
    return shown


@attrs.frozen
class Request:
    """One request, described as a value; the transport's run loop sends it.

    Attributes:
        path: A path on the base URL named by `base` (e.g. `"/coins/markets"`), or an absolute
            URL on one of the transport's origins. Give a tuple to place a `Secret` in it:
            `("/", Secret(key), "/api/protocols")`.
        params: Query parameters, in order; a value may be a `Secret`.
        method: `"GET"` or `"POST"`.
        base: Name of one of the transport's base URLs (`"default"` unless it has several).
        json: JSON body (POST only), or `None`.
        headers: Extra headers of this request; a value may be a `Secret`.
        label: Human name in logs and errors; the path by default (secrets as `***`,
            absolute URLs without host and query).
        cost: Units of rate-limit budget the request consumes.
        check: Called with every 2xx response inside the retry loop; raise a
            `ProviderError` subclass (e.g. `RateLimitError`, which
            pauses the shared limiter as a 429 does) or a `ResponseFormatError` for an error
            envelope in a successful answer.
        accept: Statuses outside 2xx that are answers rather than errors, returned to the
            caller as they are: a conditional GET's `(304,)` (Not Modified, no body). `check`
            is not called for them.

    Raises:
        ValidationError: For a method other than GET/POST, a JSON body on a GET, a cost below 1
            or params/headers that are not `(name, value)` pairs.

    Examples:
        >>> Request("/coins/markets", (("page", "2"),))
        Request(path='/coins/markets', params=(('page', '2'),), method='GET', base='default', json=None, headers=(), label='/coins/markets', cost=1, check=None, accept=())
        >>> Request(("/", Secret("k"), "/api/tvl")).label
        '/***/api/tvl'
        >>> Request("https://coins.llama.fi/prices?coins=x").label
        '/prices'
    """

    path: str | tuple[Value, ...] = attrs.field(converter=_path)
    params: Pairs = attrs.field(default=(), converter=_pairs)
    method: Method = attrs.field(default="GET", kw_only=True, validator=_method)
    base: str = attrs.field(default="default", kw_only=True)
    json: Any = attrs.field(default=None, kw_only=True, validator=_json)
    headers: Pairs = attrs.field(default=(), kw_only=True, converter=_pairs)
    label: str = attrs.field(kw_only=True, default=attrs.Factory(_default_label, takes_self=True))
    cost: int = attrs.field(default=1, kw_only=True, validator=_cost)
    check: Callable[[Response], None] | None = attrs.field(default=None, kw_only=True)
    accept: tuple[int, ...] = attrs.field(default=(), kw_only=True, converter=_statuses)

    @property
    def endpoint(self) -> str:
        """The label; the name plans and errors have always used for it."""
        return self.label

    @property
    def param_dict(self) -> dict[str, Value]:
        """The query parameters as a dict."""
        return dict(self.params)

    @property
    def is_absolute(self) -> bool:
        """Whether `path` is a full URL (then `base` is not used)."""
        return _is_absolute(_joined(self.path, _shown))

    def shown_path(self) -> str:
        """The path with every secret as `***`."""
        return _joined(self.path, _shown)

    def describe(self) -> str:
        """The query as `name=value` words, secrets as `***`, for log lines."""
        return " ".join(f"{name}={_shown(value)}" for name, value in self.params)

    def __repr__(self) -> str:
        # A path can hold a live key as plain text (a next-page URL a provider echoes with
        # it): every secret the process holds is hidden, whatever field carries it.
        fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in attrs.fields(Request))
        return redact_known(f"Request({fields})")


@attrs.frozen
class PreparedRequest:
    """A request resolved against its transport: what a sender sends.

    Holds the revealed URL, query and headers, so its repr shows only the method and label;
    senders are the one place that reads the other fields.

    Attributes:
        request: The request as the client built it (non-HTTP senders, such as a ccxt
            adapter, read the call to make from its path, params and json).
        provider: Provider name, for the errors a sender raises.
        method: HTTP method.
        url: Full URL (secrets revealed); only an absolute request URL has a query in it.
        params: Query parameters (secrets revealed): the request's, then the transport's.
        headers: Every header to send (secrets revealed).
    """

    request: Request
    provider: str
    method: Method
    url: str
    params: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """The request's label, for logs and errors."""
        return self.request.label

    def __repr__(self) -> str:
        return f"PreparedRequest({self.provider!r}, {self.method} {self.label})"


def reveal_pairs(pairs: Iterable[tuple[str, Value]]) -> tuple[tuple[str, str], ...]:
    """Pairs with every secret replaced by its value (for preparing a request)."""
    return tuple((name, _revealed(value)) for name, value in pairs)


def reveal_path(request: Request) -> str:
    """The request's path with every secret revealed."""
    return _joined(request.path, _revealed)


class Headers(Mapping[str, str]):
    """Response headers: a read-only mapping with case-insensitive names.

    A header sent several times reads as its values joined by `", "`. The repr shows any
    live secret a server echoed as `***`.

    Examples:
        >>> headers = Headers([("X-Next-Page", "abc"), ("Set-Cookie", "a"), ("set-cookie", "b")])
        >>> headers["x-next-page"], headers["SET-COOKIE"]
        ('abc', 'a, b')
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        merged: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        self._items = merged

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        # A careless server may echo a key in a header (a Location, a debug header).
        return redact_known(f"Headers({self._items!r})")


def _headers(value: Headers | Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
    return value if isinstance(value, Headers) else Headers(value)


@attrs.frozen
class Response:
    """What a sender got back, handed as a whole to the parser and to `Request.check`.

    Attributes:
        status: HTTP status code.
        headers: Response headers, names case-insensitive.
        body: The response body.
        label: The request's label (never the URL).
        provider: Provider name, for the errors a parser or check raises.

    Examples:
        >>> answer = Response(200, {"X-Next": "p2"}, b'{"data": [1, 2]}', label="/items")
        >>> answer.headers["x-next"], answer.json()["data"]
        ('p2', [1, 2])
    """

    status: int
    headers: Headers = attrs.field(factory=Headers, converter=_headers)
    body: bytes = attrs.field(default=b"", repr=lambda body: f"<{len(body)} bytes>")
    label: str = ""
    provider: str = ""

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON.

        Raises:
            ResponseFormatError: If the body is not JSON.
        """
        import msgspec  # deferred: providers that decode bodies themselves never load it here

        try:
            return msgspec.json.decode(self.body)
        except msgspec.DecodeError as exc:
            raise ResponseFormatError(
                f"not JSON ({exc})",
                provider=self.provider,
                endpoint=self.label,
                body=excerpt(self.body),
            ) from None

    def error(self, kind: type[E], message: str, **extra: Any) -> E:
        """An error of type `kind` about this answer: provider, label, status and body filled in.

        For `Request.check` functions: `raise response.error(RateLimitError, "quota", retry_after=60)`.

        Examples:
            >>> from cryptodata import RateLimitError
            >>> str(Response(200, body=b'{"error":"quota"}', label="/x", provider="demo").error(RateLimitError, "quota"))
            'demo /x answered HTTP 200: quota (body: {"error":"quota"})'
        """
        return kind(
            message,
            provider=self.provider,
            endpoint=self.label,
            status=self.status,
            body=excerpt(self.body),
            **extra,
        )
