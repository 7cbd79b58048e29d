"""Becoming a merchant and proving to be one."""

from __future__ import annotations

import re
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice import validation
from boxoffice.errors import Conflict, InvalidCredentials, InvalidInput, NotFound
from boxoffice.identity import repository as repo
from boxoffice.identity.models import Merchant
from boxoffice.passwords import hash_password, verify_password


async def create_merchant(
    session: AsyncSession,
    *,
    email: str | None,
    password: str | None,
    password_confirmation: str | None,
    full_name: str | None,
) -> Merchant:
    problems = validation.Problems()
    address = validation.email(email, problems)
    name = validation.full_name(full_name, problems, required=False) or address
    validation.new_password(password, password_confirmation, problems)
    problems.raise_any()
    if await repo.merchant_by_email(session, address):
        raise Conflict("A merchant with this email already exists")
    merchant = Merchant(
        uuid=str(uuid.uuid4()),
        email=address,
        full_name=name,
        password_hash=hash_password(password or ""),
        client_secret=secrets.token_urlsafe(32),
    )
    session.add(merchant)
    await session.flush()
    return merchant


async def authenticate_merchant(session: AsyncSession, email: str, password: str) -> Merchant:
    merchant = await repo.merchant_by_email(session, email)
    if not verify_password(merchant.password_hash if merchant else None, password) or merchant is None:
        raise InvalidCredentials()
    if not merchant.active:
        raise InvalidCredentials("Account is deactivated")
    return merchant


async def find_merchant(session: AsyncSession, merchant_uuid: str | None) -> Merchant:
    """The tenant a client names with its `client_id`."""
    merchant = await repo.merchant_by_uuid(session, merchant_uuid) if merchant_uuid else None
    if merchant is None or not merchant.active:
        raise NotFound("Merchant not found")
    return merchant


async def authenticate_client(session: AsyncSession, merchant_uuid: str, client_secret: str) -> Merchant:
    merchant = await repo.merchant_by_uuid(session, merchant_uuid)
    if (
        merchant is None
        or not merchant.active
        or not secrets.compare_digest(merchant.client_secret.encode(), client_secret.encode())
    ):
        raise InvalidCredentials("Invalid client credentials")
    return merchant


async def merchant_of(session: AsyncSession, merchant_id: int) -> Merchant:
    merchant = await repo.merchant_by_id(session, merchant_id)
    if merchant is None:
        raise NotFound("Merchant not found")
    return merchant


# A merchant as a stable nine-digit number (the form Cleeng's publisher ids take): this plus its id.
PUBLIC_NUMBER_BASE = 100_000_000


def public_number(merchant: Merchant) -> int:
    return PUBLIC_NUMBER_BASE + merchant.id


async def merchant_by_public_number(session: AsyncSession, number: int) -> Merchant:
    if number <= PUBLIC_NUMBER_BASE:
        raise NotFound("Merchant not found")
    return await merchant_of(session, number - PUBLIC_NUMBER_BASE)


MAX_ORIGINS = 20
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


async def set_allowed_origins(session: AsyncSession, merchant: Merchant, origins: list[str]) -> Merchant:
    """The web origins whose pages may call the APIs from a browser: `scheme://host[:port]`, nothing more."""
    cleaned = sorted({origin.strip().lower().rstrip("/") for origin in origins if origin.strip()})
    bad = [origin for origin in cleaned if not _ORIGIN.fullmatch(origin)]
    if bad or len(cleaned) > MAX_ORIGINS:
        message = f"An origin is scheme://host[:port], such as https://app.example.com (at most {MAX_ORIGINS})"
        raise InvalidInput({"origins": message})
    merchant.allowed_origins = cleaned
    await session.flush()
    return merchant


async def allowed_origins_everywhere(session: AsyncSession) -> set[str]:
    return await repo.allowed_origins_everywhere(session)
