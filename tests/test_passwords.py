"""Password hashing: argon2id, verified in constant shape whether or not the account exists."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from boxoffice.kit.passwords import digest, hash_password, needs_rehash, new_token, verify_password


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password("correct horse battery staple")


def test_hashes_are_argon2id(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


def test_the_same_password_hashes_differently_each_time(stored: str) -> None:
    again = hash_password("correct horse battery staple")
    assert again != stored  # a fresh salt
    assert verify_password(again, "correct horse battery staple")


def test_verify_the_right_password(stored: str) -> None:
    assert verify_password(stored, "correct horse battery staple") is True


@pytest.mark.parametrize("attempt", ["wrong", "", "correct horse battery staple ", "Correct horse battery staple"])
def test_verify_a_wrong_password(stored: str, attempt: str) -> None:
    assert verify_password(stored, attempt) is False


def test_verify_of_no_hash_is_false() -> None:
    """A missing account (or one that signed up without a password) never verifies, whatever is typed."""
    assert verify_password(None, "") is False
    assert verify_password(None, "anything") is False


@pytest.mark.parametrize("garbage", ["", "plaintext", "$argon2id$v=19$m=65536,t=3,p=4$bm90LWEtaGFzaA", "$2b$12$abc"])
def test_verify_against_a_corrupt_hash_is_false(garbage: str) -> None:
    assert verify_password(garbage, "plaintext") is False


def test_unicode_passwords(stored: str) -> None:
    hashed = hash_password("pässwörd-密码-🔑")
    assert verify_password(hashed, "pässwörd-密码-🔑")
    assert not verify_password(hashed, "passwort-密码-🔑")


def test_weaker_parameters_need_a_rehash(stored: str) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID).hash("pw")
    assert needs_rehash(weak) is True
    assert needs_rehash(stored) is False
    assert verify_password(weak, "pw")  # still accepted, so it can be upgraded at sign-in


def test_tokens_are_unique_and_stored_as_digests() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) >= 43 for t in tokens)
    token = next(iter(tokens))
    assert digest(token) == digest(token) and len(digest(token)) == 64
    assert digest(token) != digest(token + "x")
