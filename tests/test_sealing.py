"""Sealing secrets kept in the database with keys kept outside it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import playback_repository as playback_repo
from boxoffice.access.playback import playback_settings, set_cloudfront_keys, set_jw_secret
from boxoffice.billing.store_settings import StoreAppChange, set_store_app
from boxoffice.gateways import repository as gateways_repo
from boxoffice.gateways.merchant_settings import gateway_settings, set_gateway
from boxoffice.gateways.stores import Store
from boxoffice.identity import publisher_tokens
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.identity_providers import ProviderChange, set_identity_provider
from boxoffice.identity.merchants import create_merchant
from boxoffice.kit.db import transaction
from boxoffice.kit.sealing import SEALED, Sealer, SealingError, new_key
from boxoffice.kit.settings import Settings
from boxoffice.promotions import associates_repository
from boxoffice.promotions.associates import AssociateFields, Issuer, create_associate
from boxoffice.sealed_repository import sealed_columns
from boxoffice.team import members
from boxoffice.team import repository as team_repo


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


# ----------------------------------------------------------------------------------------------------
# A whole rotation of the operator's keys, through the command line, over every sealed column.

PLAIN = {
    ("merchant_gateways", "stripe_secret_key"): "sk_test_" + "k" * 24,
    ("merchant_gateways", "stripe_webhook_secret"): "whsec_" + "w" * 24,
    ("playback_keys", "jw_secret"): "jw-api-secret-0123456789",
    ("playback_keys", "cloudfront_private_key"): rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    .decode(),
    ("team_members", "totp_secret"): "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    # The merchant's own and its associate's, random: the test reads what was issued.
    ("merchants", "publisher_token"): "",
    ("associates", "token"): "",
    ("identity_providers", "client_secret"): "google-client-secret-0123456789",
    ("store_apps", "secret"): "amazon-shared-secret-0123456789",
}


async def _reseal(database_url: str, *keys: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"BOXOFFICE_DATABASE_URL": database_url, "BOXOFFICE_ENCRYPTION_KEYS": ",".join(keys)}
    command = [sys.executable, "-m", "boxoffice.cli", "secrets", "reseal"]
    return await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)


async def _stored(sessions: async_sessionmaker[AsyncSession], merchant_id: int) -> dict[tuple[str, str], str]:
    """What each sealed column holds for the merchant, as stored."""
    async with sessions() as session:
        gateway = await gateways_repo.merchant_gateway(session, merchant_id)
        keys = await playback_repo.keys_of(session, merchant_id)
        holder = await team_repo.holder_of(session, merchant_id)
        merchant = await identity_repo.merchant_by_id(session, merchant_id)
        associate = await associates_repository.associate_by_email(session, merchant_id, "partner@example.com")
        provider = await identity_repo.identity_provider(session, merchant_id, "google")
        store_app = await gateways_repo.store_app(session, merchant_id, Store.AMAZON)
    assert gateway is not None and keys is not None and holder is not None and merchant is not None
    assert associate is not None and provider is not None and store_app is not None
    rows = {
        "merchant_gateways": gateway,
        "playback_keys": keys,
        "team_members": holder,
        "merchants": merchant,
        "associates": associate,
        "identity_providers": provider,
        "store_apps": store_app,
    }
    return {(table, column): getattr(rows[table], column) for table, column in PLAIN}


def _opened(stored: dict[tuple[str, str], str], sealer: Sealer) -> dict[tuple[str, str], str]:
    return {place: sealer.open(value) for place, value in stored.items()}


async def test_a_rotation_through_the_command_line_reseals_every_sealed_column(
    sessions: async_sessionmaker[AsyncSession], migrated_database_url: str
) -> None:
    # The test knows every column marked sealed: one added later must be added here too.
    assert {(t, c) for t, columns in sealed_columns().items() for c in columns} == set(PLAIN)
    old, new = new_key(), new_key()
    async with transaction(sessions) as session:
        merchant = await create_merchant(
            session,
            email="keys@example.com",
            password="merchant-pass-1",
            password_confirmation="merchant-pass-1",
            full_name=None,
            sealer=Sealer([old]),
        )
        merchant_id = merchant.id
        sealed_by_old = Sealer([old])
        await set_gateway(
            session,
            merchant_id,
            gateway="stripe",
            stripe_secret_key=PLAIN["merchant_gateways", "stripe_secret_key"],
            stripe_webhook_secret=PLAIN["merchant_gateways", "stripe_webhook_secret"],
            stripe_publishable_key=None,
            sealer=sealed_by_old,
        )
        await set_cloudfront_keys(
            session,
            merchant_id,
            key_pair_id="K2JCJMDEHXQW5F",
            private_key=PLAIN["playback_keys", "cloudfront_private_key"],
            sealer=sealed_by_old,
        )
        await set_jw_secret(session, merchant_id, PLAIN["playback_keys", "jw_secret"], sealed_by_old)
        holder = await members.holder_of(session, merchant)
        holder.totp_secret = sealed_by_old.seal(PLAIN["team_members", "totp_secret"])
        token = await publisher_tokens.publisher_token_of(session, merchant, sealed_by_old)
        _, associate_token = await create_associate(
            session, Issuer(merchant), AssociateFields(email="partner@example.com"), sealed_by_old
        )
        google = ProviderChange(client_id="c", client_secret=PLAIN["identity_providers", "client_secret"])
        await set_identity_provider(session, merchant_id, "google", google, sealer=sealed_by_old, allow_private=False)
        amazon = StoreAppChange(app_id="amzn1.application.1", secret=PLAIN["store_apps", "secret"])
        await set_store_app(session, merchant_id, Store.AMAZON, amazon, sealer=sealed_by_old, allow_private=False)
    plain = PLAIN | {("merchants", "publisher_token"): token, ("associates", "token"): associate_token}
    before = await _stored(sessions, merchant_id)
    assert all(value.startswith(SEALED) for value in before.values())
    assert _opened(before, Sealer([old])) == plain

    # A key that opens none of them: refused, and nothing is written.
    lost = await _reseal(migrated_database_url, new)
    assert lost.returncode == 1 and "keep the old key" in lost.stdout, lost.stdout + lost.stderr
    assert await _stored(sessions, merchant_id) == before

    # The new key first, the old one kept while resealing; then the new one alone opens every secret.
    resealed = await _reseal(migrated_database_url, new, old)
    assert resealed.returncode == 0, resealed.stdout + resealed.stderr
    assert "resealed 9 secret(s)" in resealed.stdout
    after = await _stored(sessions, merchant_id)
    assert _opened(after, Sealer([new])) == plain
    for value in after.values():
        with pytest.raises(SealingError):
            Sealer([old]).open(value)
    async with sessions() as session:
        assert (await gateway_settings(session, merchant_id, Sealer([new]))).stripe_secret_key_hint
        shown = await playback_settings(session, merchant_id, Sealer([new]))
        assert shown.cloudfront_key_bits == 2048 and shown.jw_secret_hint
    async with sessions() as session:
        found = await publisher_tokens.merchant_by_publisher_token(session, token)
        assert found.id == merchant_id
    again = await _reseal(migrated_database_url, new)
    assert again.returncode == 0 and _opened(await _stored(sessions, merchant_id), Sealer([new])) == plain
