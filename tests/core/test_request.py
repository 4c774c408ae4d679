"""Request, Response, Headers and Secret as values: defaults, validation, labels, redaction."""

from __future__ import annotations

import gc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptodata.core.errors import RateLimitError, ResponseFormatError, ValidationError
from cryptodata.core.request import Headers, Request, Response, Secret, redact_known

KEY = "K3Y-of/the+test"


# --- Request ---------------------------------------------------------------------------------


def test_request_defaults_to_a_get_on_the_default_base_costing_one() -> None:
    request = Request("/coins")

    assert (request.method, request.base, request.params, request.headers) == (
        "GET",
        "default",
        (),
        (),
    )
    assert (request.json, request.cost, request.check, request.label) == (None, 1, None, "/coins")


def test_request_label_defaults_to_the_path() -> None:
    assert Request("/open-interest-history", (("symbols", "A"),)).label == "/open-interest-history"


def test_an_explicit_label_wins_over_the_path() -> None:
    assert Request("/info", label="candleSnapshot").label == "candleSnapshot"


def test_the_label_of_an_absolute_url_has_no_host_and_no_query() -> None:
    assert Request("https://coins.llama.fi/prices/current/x?key=1").label == "/prices/current/x"


def test_a_secret_path_segment_is_shown_as_stars_in_the_label() -> None:
    request = Request(("/", Secret(KEY), "/api/protocols"))

    assert request.label == "/***/api/protocols"
    assert request.shown_path() == "/***/api/protocols"


def test_a_secret_in_the_params_is_shown_as_stars_in_the_description() -> None:
    request = Request("/x", (("api_key", Secret(KEY)), ("a", "1")))

    assert request.describe() == "api_key=*** a=1"
    assert KEY not in repr(request)


def test_a_secret_in_the_headers_is_not_in_the_repr() -> None:
    assert KEY not in repr(Request("/x", headers=(("X-Key", Secret(KEY)),)))


def test_params_may_be_given_as_a_mapping() -> None:
    assert Request("/x", {"a": "1", "b": "2"}).params == (("a", "1"), ("b", "2"))


def test_endpoint_and_param_dict_read_the_label_and_params() -> None:
    request = Request("/x", (("a", "1"),), label="x")

    assert (request.endpoint, request.param_dict) == ("x", {"a": "1"})


def test_a_post_carries_a_json_body() -> None:
    request = Request("/info", method="POST", json={"type": "meta"})

    assert (request.method, request.json) == ("POST", {"type": "meta"})


def test_a_json_body_on_a_get_is_rejected() -> None:
    with pytest.raises(ValidationError, match="needs method='POST'"):
        Request("/info", json={"type": "meta"})


@pytest.mark.parametrize("method", ["PUT", "get", "DELETE"])
def test_methods_other_than_get_and_post_are_rejected(method: str) -> None:
    with pytest.raises(ValidationError, match="method must be 'GET' or 'POST'"):
        Request("/x", method=method)  # type: ignore[arg-type]


@pytest.mark.parametrize("cost", [0, -1, True, 1.5, 1.9, float("nan"), "1"])
def test_a_cost_below_one_or_not_an_integer_is_rejected(cost: object) -> None:
    with pytest.raises(ValidationError, match="cost must be an integer"):
        Request("/x", cost=cost)  # type: ignore[arg-type]


def test_params_that_are_not_text_pairs_are_rejected() -> None:
    with pytest.raises(ValidationError, match="pairs"):
        Request("/x", (("page", 2),))  # type: ignore[arg-type]


def test_is_absolute_tells_urls_from_paths() -> None:
    assert Request("https://a.test/x").is_absolute
    assert Request("HTTP://a.test/x").is_absolute
    assert not Request("/https://a.test").is_absolute


def test_requests_with_equal_fields_are_equal() -> None:
    assert Request("/x", (("k", Secret(KEY)),)) == Request("/x", (("k", Secret(KEY)),))


# --- Response and Headers --------------------------------------------------------------------


def test_response_headers_are_case_insensitive() -> None:
    response = Response(200, [("X-Next-Page", "p2")])

    assert response.headers["x-next-page"] == response.headers["X-NEXT-PAGE"] == "p2"
    assert "x-NEXT-page" in response.headers


def test_a_header_sent_twice_reads_as_both_values() -> None:
    assert Headers([("Link", "a"), ("link", "b")])["LINK"] == "a, b"


def test_response_json_decodes_the_body() -> None:
    assert Response(200, body=b'{"data": [1, 2]}').json() == {"data": [1, 2]}


def test_response_json_of_a_non_json_body_is_a_response_format_error() -> None:
    with pytest.raises(ResponseFormatError) as caught:
        Response(200, body=b"<html>", label="/x", provider="demo").json()

    assert (caught.value.provider, caught.value.endpoint, caught.value.body) == (
        "demo",
        "/x",
        "<html>",
    )


def test_response_repr_shows_the_body_size_not_the_body() -> None:
    assert "body=<5 bytes>" in repr(Response(200, body=b"hello"))


def test_response_error_fills_provider_label_status_and_body() -> None:
    response = Response(200, body=b'{"error": "quota"}', label="/x", provider="demo")

    error = response.error(RateLimitError, "quota exceeded", retry_after=60.0)

    assert (error.provider, error.endpoint, error.status, error.body, error.retry_after) == (
        "demo",
        "/x",
        200,
        '{"error": "quota"}',
        60.0,
    )


def test_response_error_redacts_a_key_the_body_echoes() -> None:
    secret = Secret(KEY)
    response = Response(401, body=f"bad key {KEY}".encode(), label="/x", provider="demo")

    assert KEY not in str(response.error(RateLimitError, "no"))
    assert secret.reveal() == KEY


# --- Secret and redaction --------------------------------------------------------------------


def test_equal_secrets_compare_equal_and_hash_alike() -> None:
    assert Secret(KEY) == Secret(KEY)
    assert hash(Secret(KEY)) == hash(Secret(KEY))
    assert Secret(KEY) != Secret("other-key-77b2")


def test_redact_known_hides_live_secrets_raw_and_url_encoded() -> None:
    secret = Secret(KEY)

    spaced = Secret("a key ü")

    text = redact_known(
        f"GET https://a.test/{KEY}/a%20key%20%C3%BC?k=K3Y-of%2Fthe%2Btest&j=a+key+%C3%BC"
    )

    assert text == "GET https://a.test/***/***?k=***&j=***"
    assert spaced.reveal() == "a key ü"
    assert secret.reveal() == KEY


def test_a_secret_stays_redacted_after_an_equal_one_is_gone() -> None:
    first = Secret("TWIN-VALUE-1")
    second = Secret("TWIN-VALUE-1")
    del first
    gc.collect()

    assert redact_known("k=TWIN-VALUE-1") == "k=***"
    assert second.reveal() == "TWIN-VALUE-1"


def test_redact_known_hides_a_secret_as_spelled_inside_a_bytes_repr() -> None:
    # h11 reports a bad header as `Illegal header value b'<value>'`, newline escaped.
    secret = Secret("NEWLINE-KEY-31\n")

    text = redact_known(f"Illegal header value {secret.reveal().encode()!r}")

    assert text == "Illegal header value b'***'"


def test_redact_known_leaves_text_without_secrets_alone() -> None:
    assert redact_known("GET https://a.test/x?page=2") == "GET https://a.test/x?page=2"


@given(st.text(alphabet=st.characters(codec="ascii"), min_size=4, max_size=40))
def test_no_secret_value_survives_redaction(value: str) -> None:
    secret = Secret(value)

    assert value not in redact_known(f"before {value} after")
    assert secret  # alive until here: only live secrets are redacted


@given(
    key=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=8, max_size=40),
    placement=st.sampled_from(["path", "query", "header"]),
)
def test_a_secret_shows_in_no_label_description_or_repr(key: str, placement: str) -> None:
    secret = Secret(key)
    if placement == "path":
        request = Request(("/v1/", secret, "/protocols"), (("chain", "eth"),))
    elif placement == "query":
        request = Request("/protocols", (("chain", "eth"), ("api_key", secret)))
    else:
        request = Request("/protocols", headers=(("x-api-key", secret),))

    for text in (request.label, request.describe(), request.shown_path(), repr(request)):
        assert key not in text


# --- Secret.credential: a key as a user supplies it ------------------------------------------


@pytest.mark.parametrize(
    "raw", ["CRED-KEY-1\n", "  CRED-KEY-1\r\n", "\tCRED-KEY-1 ", "\u00a0CRED-KEY-1"]
)
def test_a_credential_loses_its_surrounding_whitespace(raw: str) -> None:
    assert Secret.credential(raw, name="api_key").reveal() == "CRED-KEY-1"


def test_a_credential_keeps_a_space_inside() -> None:
    assert Secret.credential("two words", name="api_key").reveal() == "two words"


@pytest.mark.parametrize("inside", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f"])
def test_a_credential_with_a_control_character_inside_is_refused_without_showing_it(
    inside: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        Secret.credential(f"CRED{inside}SECRET", name="COINALYZE_API_KEY")

    assert str(caught.value) == (
        "COINALYZE_API_KEY holds a control character (CR, LF, tab, ...) at position 5; "
        "copy the key again without it"
    )


@pytest.mark.parametrize("inside", ["\ufeff", "\u201c", "\u200b", "\u00e9"])
def test_a_credential_with_a_non_ascii_character_is_refused_without_showing_it(
    inside: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        Secret.credential(f"{inside}CREDSECRET", name="api_key")

    assert str(caught.value) == (
        "api_key holds a non-ASCII character (a byte-order mark, a curly quote, ...) at "
        "position 1; copy the key again without it"
    )
    assert "CREDSECRET" not in repr(caught.value.args)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", "api_key is empty"), (" \r\n", "api_key is blank: it holds nothing but whitespace")],
)
def test_a_blank_credential_is_refused(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=f"^{message}$"):
        Secret.credential(raw, name="api_key")


def test_a_credential_must_be_text() -> None:
    with pytest.raises(ValidationError) as caught:
        Secret.credential(b"CRED-BYTES-KEY", name="api_key")

    assert str(caught.value) == "api_key must be text (a str), got bytes"
