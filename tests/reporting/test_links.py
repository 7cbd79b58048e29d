"""Signed download links: only this server makes them, for one merchant, one file and one expiry."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from boxoffice.reporting import links

KEY = "test-signing-key-" + "x" * 32
UUID = "5f3c2a8e-1d2b-4c7a-9e0f-0123456789ab"
NOW = 1_767_225_600  # 2026-01-01
LATER = NOW + 3600


def parse(path: str) -> tuple[str, str, int, str]:
    """(merchant_uuid, name, expires, signature) as the download route reads them from a link."""
    parts = urlsplit(path)
    prefix, merchant_uuid, name = parts.path.lstrip("/").split("/")
    assert prefix == "reports"
    query = parse_qs(parts.query, strict_parsing=True)
    assert set(query) == {"expires", "signature"}
    return unquote(merchant_uuid), unquote(name), int(query["expires"][0]), query["signature"][0]


def test_a_link_names_the_merchant_and_file_and_verifies() -> None:
    path = links.signed_path(KEY, UUID, "transactions 2026-01.csv", LATER)
    assert path.startswith(f"/reports/{UUID}/transactions%202026-01.csv?expires={LATER}&signature=")
    merchant_uuid, name, expires, signature = parse(path)
    assert (merchant_uuid, name, expires) == (UUID, "transactions 2026-01.csv", LATER)
    assert len(signature) == 64 and int(signature, 16) >= 0
    assert links.verify(KEY, merchant_uuid, name, expires, signature, now=NOW)


def test_a_name_that_looks_like_a_path_stays_one_segment() -> None:
    path = links.signed_path(KEY, UUID, "../a/b?c=d&e#f é.csv", LATER)
    assert urlsplit(path).path.count("/") == 3
    assert parse(path)[1] == "../a/b?c=d&e#f é.csv"


def test_signing_is_deterministic_and_depends_on_the_key() -> None:
    assert links.signed_path(KEY, UUID, "a.csv", LATER) == links.signed_path(KEY, UUID, "a.csv", LATER)
    signature = parse(links.signed_path(KEY, UUID, "a.csv", LATER))[3]
    assert not links.verify(KEY + "y", UUID, "a.csv", LATER, signature, now=NOW)


@pytest.mark.parametrize(
    ("merchant_uuid", "name", "expires"),
    [
        ("5f3c2a8e-1d2b-4c7a-9e0f-0123456789ac", "a.csv", LATER),  # another merchant
        (UUID, "b.csv", LATER),  # another file
        (UUID, "a.csv ", LATER),
        (UUID, "a.csv", LATER + 1),  # a longer life
        (UUID, "a.csv", LATER - 1),
    ],
)
def test_changing_what_a_link_names_breaks_it(merchant_uuid: str, name: str, expires: int) -> None:
    signature = parse(links.signed_path(KEY, UUID, "a.csv", LATER))[3]
    assert links.verify(KEY, UUID, "a.csv", LATER, signature, now=NOW)
    assert not links.verify(KEY, merchant_uuid, name, expires, signature, now=NOW)


def test_a_link_works_until_the_second_it_expires() -> None:
    signature = parse(links.signed_path(KEY, UUID, "a.csv", LATER))[3]
    assert links.verify(KEY, UUID, "a.csv", LATER, signature, now=LATER - 1)
    assert not links.verify(KEY, UUID, "a.csv", LATER, signature, now=LATER)
    assert not links.verify(KEY, UUID, "a.csv", LATER, signature, now=LATER + 86400)


def test_a_signature_in_capitals_is_the_same_signature() -> None:
    signature = parse(links.signed_path(KEY, UUID, "a.csv", LATER))[3]
    assert links.verify(KEY, UUID, "a.csv", LATER, signature.upper(), now=NOW)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"),  # one digit off
        lambda s: s[:-2],  # cut short
        lambda s: s + "00",  # too long
        lambda s: "",
        lambda s: s[:-1] + "g",  # not hex
        lambda s: s[:-1] + "é",  # not even ASCII
        lambda s: " " + s[1:],
        lambda s: s[:32] + " " + s[33:],  # bytes.fromhex would skip the space
        lambda s: "0x" + s[2:],
    ],
)
def test_a_forged_or_mangled_signature_is_refused(mangle: Callable[[str], str]) -> None:
    signature = parse(links.signed_path(KEY, UUID, "a.csv", LATER))[3]
    forged = mangle(signature)
    assert forged != signature
    assert not links.verify(KEY, UUID, "a.csv", LATER, forged, now=NOW)


def test_the_secret_itself_does_not_sign_links() -> None:
    """The key is derived for links alone: a MAC made with the raw secret (as access tokens are) is no link."""
    signature = parse(links.signed_path(KEY, UUID, "a.csv", LATER))[3]
    for message in (
        json.dumps([UUID, "a.csv", LATER], separators=(",", ":")),
        f"{UUID}\na.csv\n{LATER}",
        f"{UUID}/a.csv/{LATER}",
    ):
        raw = hmac.new(KEY.encode(), message.encode(), hashlib.sha256).hexdigest()
        assert raw != signature
        assert not links.verify(KEY, UUID, "a.csv", LATER, raw, now=NOW)


def test_field_boundaries_cannot_shift() -> None:
    """A name holding a separator cannot make one merchant's link pass for another merchant's."""
    signature = parse(links.signed_path(KEY, "a", "b\nc", LATER))[3]
    assert not links.verify(KEY, "a\nb", "c", LATER, signature, now=NOW)
    assert not links.verify(KEY, 'a","b', "c", LATER, signature, now=NOW)


_texts = st.text(min_size=1, max_size=40)
_expiries = st.integers(min_value=NOW + 1, max_value=2**40)


@given(
    merchant_uuid=_texts,
    name=_texts,
    expires=_expiries,
    field=st.sampled_from([0, 1, 2]),  # merchant_uuid, name, expires
    other_text=_texts,
    other_expires=_expiries,
)
def test_any_change_of_one_field_breaks_verification(
    merchant_uuid: str, name: str, expires: int, field: int, other_text: str, other_expires: int
) -> None:
    signature = parse(links.signed_path(KEY, merchant_uuid, name, expires))[3]
    assert links.verify(KEY, merchant_uuid, name, expires, signature, now=NOW)
    changed = [merchant_uuid, name, expires]
    changed[field] = other_expires if field == 2 else other_text
    assume(changed != [merchant_uuid, name, expires])
    assert not links.verify(KEY, str(changed[0]), str(changed[1]), int(changed[2]), signature, now=NOW)
