"""A merchant's publisher token: the one secret Cleeng's publisher APIs (JSON-RPC 3.0, API 3.1) authenticate it
by. Sealed at rest so the merchant can read it again, and found by its digest, so no look-up opens a seal."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import Credential, Unauthenticated
from boxoffice.kit.sealing import Sealer

# Cleeng's tokens are 48 characters; clients store them in fields of that size.
TOKEN_BYTES = 24


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_publisher_token(merchant: Merchant, sealer: Sealer) -> str:
    """A new token in place of the merchant's last, which stops working once this is flushed."""
    token = secrets.token_hex(TOKEN_BYTES)
    merchant.publisher_token, merchant.publisher_token_digest = sealer.seal(token), _digest(token)
    return token


async def rotate_publisher_token(session: AsyncSession, merchant: Merchant, sealer: Sealer) -> str:
    token = issue_publisher_token(merchant, sealer)
    await session.flush()
    return token


async def publisher_token_of(session: AsyncSession, merchant: Merchant, sealer: Sealer) -> str:
    """The merchant's token, given one first if it has none yet."""
    if merchant.publisher_token is None:
        return await rotate_publisher_token(session, merchant, sealer)
    return sealer.open(merchant.publisher_token)


async def merchant_by_publisher_token(session: AsyncSession, token: object) -> Merchant:
    """The active merchant a publisher token names; Unauthenticated (PUBLISHER_TOKEN) for any other value."""
    if not isinstance(token, str) or not 0 < len(token) <= 200:
        raise Unauthenticated("Invalid publisher token", credential=Credential.PUBLISHER_TOKEN)
    merchant = await repo.merchant_by_publisher_token_digest(session, _digest(token))
    if merchant is None or not merchant.active:
        raise Unauthenticated("Invalid publisher token", credential=Credential.PUBLISHER_TOKEN)
    return merchant
