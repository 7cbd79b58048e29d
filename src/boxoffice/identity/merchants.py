"""Becoming a merchant and proving to be one."""

from __future__ import annotations

import re
import secrets
import uuid
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import Merchant
from boxoffice.identity.publisher_tokens import issue_publisher_token
from boxoffice.kit import clock, passwords, validation
from boxoffice.kit.errors import Conflict, InvalidCredentials, InvalidInput, NotFound
from boxoffice.kit.sealing import Sealer


async def create_merchant(
    session: AsyncSession,
    *,
    email: str | None,
    password: str | None,
    password_confirmation: str | None,
    full_name: str | None,
    sealer: Sealer,
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
        password_hash=await passwords.hash(password or ""),
        client_secret=secrets.token_urlsafe(32),
    )
    issue_publisher_token(merchant, sealer)
    session.add(merchant)
    await session.flush()
    return merchant


async def authenticate_merchant(session: AsyncSession, email: str, password: str) -> Merchant:
    merchant = await repo.merchant_by_email(session, email)
    if not await passwords.verify(merchant.password_hash if merchant else None, password) or merchant is None:
        raise InvalidCredentials()
    if not merchant.active:
        raise InvalidCredentials("Account is deactivated")
    await rehash_if_due(merchant, password)
    return merchant


async def rehash_if_due(merchant: Merchant, password: str) -> None:
    """Once `password` is verified: a hash made with other argon2id parameters than those in force is made anew,
    so that signing in moves it to them."""
    if passwords.needs_rehash(merchant.password_hash):
        merchant.password_hash = await passwords.hash(password)


async def merchant_by_email(session: AsyncSession, email: str) -> Merchant | None:
    return await repo.merchant_by_email(session, email)


async def change_merchant_password(session: AsyncSession, merchant: Merchant, password: str) -> None:
    """The merchant account's new password (already checked as a new password by the caller)."""
    merchant.password_hash = await passwords.hash(password)
    await session.flush()


async def find_merchant(session: AsyncSession, merchant_uuid: str | None) -> Merchant:
    """The tenant a client names with its `client_id`."""
    merchant = await repo.merchant_by_uuid(session, merchant_uuid) if merchant_uuid else None
    if merchant is None or not merchant.active:
        raise NotFound("Merchant not found")
    return merchant


async def rotate_client_secret(session: AsyncSession, merchant: Merchant) -> str:
    """A new client secret in place of the old one, which stops working at once; so do the merchant's API tokens
    issued until now, since whoever held the old secret may have made some. Webhooks are signed with the new one
    from their next attempt. The new secret is returned for the merchant to see once."""
    merchant.client_secret = secrets.token_urlsafe(32)
    await repo.revoke_merchant_sessions(session, merchant.id, "secret_rotated", clock.now())
    await session.flush()
    return merchant.client_secret


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
_DEFAULT_PORTS = {"http": 80, "https": 443}
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


def serves_page(merchant: Merchant, url: str) -> bool:
    """Whether `url` is an absolute http(s) address of a page on one of the merchant's allowed origins: the only
    pages a link this server sends may lead to (never an open redirect). Anything a browser could read as another
    host than Python does (a backslash, user info, whitespace or control characters) is no such page."""
    if not url.isascii() or "\\" in url or any(c.isspace() or not c.isprintable() for c in url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return False
    return _origin(parts.scheme, parts.hostname, port) in {_bare(origin) for origin in merchant.allowed_origins}


def _origin(scheme: str, host: str, port: int | None) -> str:
    """`scheme://host[:port]` as browsers name an origin: without the scheme's own port."""
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def _bare(origin: str) -> str:
    parts = urlsplit(origin)
    try:
        return _origin(parts.scheme, parts.hostname or "", parts.port)
    except ValueError:  # a port past 65535: no page is there
        return origin


async def allowed_origins_everywhere(session: AsyncSession) -> set[str]:
    return await repo.allowed_origins_everywhere(session)
