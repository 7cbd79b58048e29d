"""Sealing secrets kept in the database with keys kept outside it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from boxoffice.sealing import SEALED, Sealer, SealingError, new_key
from boxoffice.settings import Settings


def test_a_sealed_value_opens_with_its_key_and_hides_its_text() -> None:
    sealer = Sealer([new_key()])
    sealed = sealer.seal("jw-api-secret")
    assert sealed.startswith(SEALED) and "jw-api-secret" not in sealed
    assert sealed != sealer.seal("jw-api-secret")  # a fresh nonce every time
    assert sealer.open(sealed) == "jw-api-secret"


def test_rotation_opens_with_any_key_and_reseals_with_the_first() -> None:
    old, new = new_key(), new_key()
    sealed_before = Sealer([old]).seal("secret")
    rotated = Sealer([new, old])
    assert rotated.open(sealed_before) == "secret"
    resealed = rotated.reseal(sealed_before)
    assert Sealer([new]).open(resealed) == "secret"
    with pytest.raises(SealingError):
        Sealer([old]).open(resealed)


def test_values_stored_before_any_key_read_as_they_are_and_get_sealed() -> None:
    plain = Sealer([])
    assert not plain.enabled and plain.seal("secret") == "secret" and plain.open("secret") == "secret"
    sealer = Sealer([new_key()])
    assert sealer.open("secret") == "secret"
    assert sealer.reseal("secret").startswith(SEALED)


def test_a_sealed_value_without_its_key_is_an_error_not_garbage() -> None:
    sealed = Sealer([new_key()]).seal("secret")
    with pytest.raises(SealingError):
        Sealer([]).open(sealed)
    with pytest.raises(SealingError):
        Sealer([new_key()]).open(sealed)
    with pytest.raises(SealingError):
        Sealer([new_key()]).open(SEALED + "not-a-token")


def test_settings_take_a_comma_separated_list_and_refuse_what_is_not_a_key() -> None:
    first, second = new_key(), new_key()
    assert Settings(encryption_keys=f" {first}, {second} ").encryption_keys == [first, second]  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Fernet key"):
        Settings(encryption_keys="not-a-key")  # type: ignore[arg-type]
