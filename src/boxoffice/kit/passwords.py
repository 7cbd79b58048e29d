"""Password and PIN hashing: argon2id, with rehash-on-login when the parameters change."""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(type=Type.ID)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when an account doesn't exist, so that a missing account is as slow as a wrong password.
    Made on first use, not on import: commands that never check a password don't pay argon2id's 64 MiB."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """An opaque bearer secret (refresh tokens, reset links)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Opaque tokens are stored as their SHA-256: high-entropy, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()
