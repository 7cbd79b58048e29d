"""Reading request bodies the way the InPlayer SDK sends them: brackets, lists, JSON, multipart."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from boxoffice.dialects.inplayer.forms import MAX_BODY, MAX_DEPTH, MalformedBody, nest, read_body
from boxoffice.kit.errors import InvalidInput
from tests.conftest import Server

# ----------------------------------------------------------------------------------------------------
# nest(): flat pairs to nested values.


def test_brackets_nest_into_maps() -> None:
    assert nest([("metadata[a]", "1"), ("metadata[b]", "2"), ("email", "x@example.com")]) == {
        "metadata": {"a": "1", "b": "2"},
        "email": "x@example.com",
    }


def test_deep_brackets() -> None:
    assert nest([("a[b][c][d]", "1"), ("a[b][e]", "2")]) == {"a": {"b": {"c": {"d": "1"}, "e": "2"}}}


def test_empty_brackets_append_to_a_list() -> None:
    assert nest([("ids[]", "2"), ("ids[]", "3"), ("ids[]", "5")]) == {"ids": ["2", "3", "5"]}


def test_numbered_brackets_make_a_list_in_index_order() -> None:
    assert nest([("x[10]", "ten"), ("x[2]", "two"), ("x[0]", "zero")]) == {"x": ["zero", "two", "ten"]}


def test_lists_of_maps() -> None:
    pairs = [("rows[0][name]", "a"), ("rows[0][size]", "1"), ("rows[1][name]", "b")]
    assert nest(pairs) == {"rows": [{"name": "a", "size": "1"}, {"name": "b"}]}


def test_mixed_keys_stay_a_map() -> None:
    assert nest([("m[0]", "a"), ("m[k]", "b")]) == {"m": {"0": "a", "k": "b"}}


def test_blank_values_are_kept() -> None:
    assert nest([("a", ""), ("m[k]", "")]) == {"a": "", "m": {"k": ""}}


def test_a_later_scalar_replaces_an_earlier_map_and_vice_versa() -> None:
    assert nest([("a[b]", "1"), ("a", "2")]) == {"a": "2"}
    assert nest([("a", "1"), ("a[b]", "2")]) == {"a": {"b": "2"}}


def test_digits_that_are_not_ascii_are_map_keys() -> None:
    """`"²".isdigit()` is true but `int("²")` fails: such keys must not be taken for list indexes."""
    assert nest([("m[²]", "x"), ("m[1]", "y")]) == {"m": {"²": "x", "1": "y"}}


def test_nesting_too_deep_is_malformed_not_a_crash() -> None:
    assert nest([("a" + "[b]" * (MAX_DEPTH - 1), "ok")])  # as deep as allowed
    with pytest.raises(MalformedBody):
        nest([("a" + "[b]" * 10_000, "x")])


flat_keys = st.text(st.characters(blacklist_characters="[", blacklist_categories=("Cs",)), max_size=12)


@given(st.lists(st.tuples(flat_keys, st.text(max_size=8)), max_size=20))
def test_flat_keys_are_the_identity_mapping(pairs: list[tuple[str, str]]) -> None:
    assert nest(pairs) == dict(pairs)


names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
leaves = st.text(max_size=6)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.dictionaries(names, children, min_size=1, max_size=3),
        st.lists(children, min_size=1, max_size=3),
    ),
    max_leaves=12,
)


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _flatten(f"{prefix}[{k}]", v)]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _flatten(f"{prefix}[{i}]", v)]
    return [(prefix, value)]


@given(st.dictionaries(names, trees, max_size=4))
def test_flattened_brackets_nest_back_to_the_same_value(body: dict[str, Any]) -> None:
    pairs = [pair for key, value in body.items() for pair in _flatten(key, value)]
    assert nest(pairs) == body


@given(st.lists(st.tuples(st.text(max_size=30), st.text(max_size=5)), max_size=10))
def test_any_keys_nest_or_are_refused_as_malformed(pairs: list[tuple[str, str]]) -> None:
    try:
        result = nest(pairs)
    except MalformedBody:
        return
    assert isinstance(result, dict)


# ----------------------------------------------------------------------------------------------------
# read_body(): every encoding the SDKs use.


def _request(body: bytes, content_type: str | None, method: str = "POST", length: int | None = None) -> Request:
    headers = [(b"content-length", str(len(body) if length is None else length).encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    scope = {"type": "http", "method": method, "path": "/", "query_string": b"", "headers": headers}
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    return Request(scope, receive)


async def test_urlencoded_with_brackets() -> None:
    body = urlencode([("email", "a@example.com"), ("metadata[plan]", "gold"), ("ids[]", "1"), ("ids[]", "2")])
    request = _request(body.encode(), "application/x-www-form-urlencoded; charset=UTF-8")
    assert await read_body(request) == {
        "email": "a@example.com",
        "metadata": {"plan": "gold"},
        "ids": ["1", "2"],
    }


async def test_json_object() -> None:
    request = _request(b'{"email": "a@example.com", "metadata": {"n": 1}, "ids": [1, 2]}', "application/json")
    assert await read_body(request) == {"email": "a@example.com", "metadata": {"n": 1}, "ids": [1, 2]}


@pytest.mark.parametrize("body", [b'{"email": ', b"{'single': 'quotes'}", b"\xff\xfe", b'{"a": 1} trailing'])
async def test_malformed_json_is_malformed_body(body: bytes) -> None:
    with pytest.raises(MalformedBody) as refused:
        await read_body(_request(body, "application/json"))
    assert refused.value.errors == {"body": "The request body is not valid JSON"}


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"null", b"3"])
async def test_json_that_is_not_an_object_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedBody, match="must be an object"):
        await read_body(_request(body, "application/json"))


async def test_multipart_fields_and_files() -> None:
    built = httpx.Request(
        "POST",
        "http://testserver/",
        data={"full_name": "Vera", "metadata[city]": "Skopje"},
        files={"avatar": ("me.png", b"\x89PNG...", "image/png")},
    )
    body = built.read()
    request = _request(body, built.headers["content-type"])
    assert await read_body(request) == {
        "full_name": "Vera",
        "metadata": {"city": "Skopje"},
        "avatar": "me.png",
    }


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=zz"])
async def test_malformed_multipart_is_malformed_body(content_type: str) -> None:
    with pytest.raises(MalformedBody, match="multipart"):
        await read_body(_request(b"this is not multipart", content_type))


async def test_body_that_is_not_utf8_is_malformed() -> None:
    with pytest.raises(MalformedBody, match="UTF-8"):
        await read_body(_request(b"name=\xff\xfe", "application/x-www-form-urlencoded"))


async def test_empty_body_and_get_are_empty() -> None:
    assert await read_body(_request(b"", "application/json")) == {}
    assert await read_body(_request(b"a=1", "application/x-www-form-urlencoded", method="GET")) == {}


async def test_no_content_type_is_read_as_a_form() -> None:
    assert await read_body(_request(b"a=1&m[k]=2", None)) == {"a": "1", "m": {"k": "2"}}


async def test_too_large_a_body_is_refused() -> None:
    with pytest.raises(InvalidInput, match="too large"):
        await read_body(_request(b"a=" + b"x" * MAX_BODY, "application/x-www-form-urlencoded"))


async def test_too_large_a_declared_length_is_refused_before_reading() -> None:
    request = _request(b"a=1", "application/x-www-form-urlencoded", length=MAX_BODY + 1)
    with pytest.raises(InvalidInput, match="too large"):
        await read_body(request)


# ----------------------------------------------------------------------------------------------------
# Over HTTP: a malformed body is InPlayer's 400, never a 500.


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"username": ', "application/json"),
        (b"garbage", "multipart/form-data; boundary=zz"),
        (("username" + "[a]" * 5000 + "=x").encode(), "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_bodies_are_400(server: Server, content: bytes, content_type: str) -> None:
    response = await server.http.post("/accounts/authenticate", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 400 and body["message"] and "body" in body["errors"]


def test_an_appended_item_never_overwrites_a_numbered_one() -> None:
    assert nest([("x[1]", "a"), ("x[]", "b")]) == {"x": ["a", "b"]}
    assert nest([("r[][a]", "1"), ("r[][a]", "2")]) == {"r": [{"a": "1"}, {"a": "2"}]}


def test_an_index_too_long_for_a_number_is_a_map_key() -> None:
    """`int()` refuses strings of thousands of digits: such a key must not be taken for a list index."""
    huge = "9" * 5000
    assert nest([(f"x[{huge}]", "a")]) == {"x": {huge: "a"}}
