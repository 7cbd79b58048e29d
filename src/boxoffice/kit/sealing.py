"""Secrets kept in the database (a merchant's playback keys, its gateway's credentials) are sealed with keys kept
outside it.

`BOXOFFICE_ENCRYPTION_KEYS` lists Fernet keys (AES-128-CBC with an HMAC-SHA256 tag, from `cryptography`): the first
seals, every one of them opens, so a key is rotated by putting a new one first and running
`boxoffice secrets reseal`. A value stored before any key was configured is read as it is and sealed when it is
next written or resealed. Without keys, values are stored as they come — a database dump then shows them.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SEALED = "sealed:v1:"
SEALED_INFO = "sealed"


def sealed_column() -> dict[str, Any]:
    """The `info` of a column that keeps values sealed with `Sealer.seal`: `boxoffice secrets reseal` finds every
    column so marked, so a secret stored anywhere else is resealed with the others."""
    return {SEALED_INFO: True}


class SealingError(Exception):
    """A sealed value that none of the configured keys opens."""


class Sealer:
    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def seal(self, plain: str) -> str:
        if self._fernet is None:
            return plain
        return SEALED + self._fernet.encrypt(plain.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(SEALED):
            return stored
        if self._fernet is None:
            raise SealingError("a sealed secret was found but BOXOFFICE_ENCRYPTION_KEYS is not set")
        try:
            return self._fernet.decrypt(stored[len(SEALED) :].encode()).decode()
        except InvalidToken as exc:
            raise SealingError("no configured encryption key opens this secret") from exc

    def reseal(self, stored: str) -> str:
        """The value sealed with the first key, whatever it was sealed with before (or if it wasn't)."""
        return self.seal(self.open(stored))


def new_key() -> str:
    return Fernet.generate_key().decode()
