"""Access tokens (signed JWTs naming their session) and opaque, single-use refresh tokens."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice import clock
from boxoffice.errors import Unauthenticated
from boxoffice.identity import repository as repo
from boxoffice.identity.models import AuthSession, Customer, Merchant, RefreshToken, SigningKey
from boxoffice.passwords import digest, new_token
from boxoffice.settings import Settings

ALGORITHM = "HS256"
ISSUER = "boxoffice"
_key_cache: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a merchant, or one of its customers (optionally inside a profile)."""

    merchant_id: int
    merchant_uuid: str
    session_id: int
    customer_id: int | None
    profile_id: int | None = None

    @property
    def is_merchant(self) -> bool:
        return self.customer_id is None


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires: int  # absolute Unix time, seconds


async def _secret(session: AsyncSession, settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    cache_key = (str(session.get_bind().engine.url), "access_tokens")
    if cache_key in _key_cache:
        return _key_cache[cache_key]
    key = await repo.signing_key(session, "access_tokens")
    if key is None:
        try:
            async with session.begin_nested():
                key = SigningKey(purpose="access_tokens", secret=secrets.token_urlsafe(48))
                session.add(key)
        except IntegrityError:
            # Another process created it first; use theirs.
            key = await repo.signing_key(session, "access_tokens")
            assert key is not None
    _key_cache[cache_key] = key.secret
    return key.secret


async def issue_access_token(
    session: AsyncSession,
    settings: Settings,
    *,
    merchant: Merchant,
    auth_session: AuthSession,
    customer: Customer | None,
    profile_id: int | None = None,
) -> tuple[str, int]:
    now = clock.now()
    expires = min(now + timedelta(seconds=settings.access_token_ttl), auth_session.expires_at)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": merchant.uuid,
        "sub": customer.uuid if customer else merchant.uuid,
        "jti": str(uuid.uuid4()),
        "iat": clock.unix(now),
        "nbf": clock.unix(now),
        "exp": clock.unix(expires),
        "mid": merchant.id,
        "mui": merchant.uuid,
        "aid": customer.id if customer else merchant.id,
        "sid": auth_session.id,
        "ctx": ["consumer"] if customer else ["merchant"],
    }
    if profile_id is not None:
        claims["pid"] = profile_id
    token = jwt.encode(claims, await _secret(session, settings), algorithm=ALGORITHM)
    return token, clock.unix(expires)


async def issue_refresh_token(session: AsyncSession, settings: Settings, auth_session: AuthSession) -> str:
    token = new_token()
    session.add(
        RefreshToken(
            merchant_id=auth_session.merchant_id,
            session_id=auth_session.id,
            token_hash=digest(token),
            expires_at=clock.now() + timedelta(seconds=settings.refresh_token_ttl),
        )
    )
    return token


def decode_claims(token: str, secret: str) -> dict[str, Any]:
    """The claims of a well-formed, correctly signed, unexpired token; Unauthenticated otherwise."""
    if not token:
        raise Unauthenticated()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            # Expiry is checked below against `clock`, not the wall, so moving time in tests expires tokens.
            options={
                "verify_aud": False,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "require": ["exp", "sid", "mid", "mui"],
            },
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated() from exc
    if not isinstance(claims["exp"], int) or claims["exp"] < clock.unix(clock.now()):
        raise Unauthenticated()
    if not all(isinstance(claims.get(k), int) for k in ("sid", "mid")) or not isinstance(claims.get("pid", 0), int):
        raise Unauthenticated()
    return claims


def principal_of(claims: dict[str, Any], auth_session: AuthSession | None) -> Principal:
    """The principal a decoded token stands for, if its session is still in force."""
    if auth_session is None or auth_session.revoked_at is not None or auth_session.expires_at <= clock.now():
        raise Unauthenticated()
    return Principal(
        merchant_id=auth_session.merchant_id,
        merchant_uuid=str(claims["mui"]),
        session_id=auth_session.id,
        customer_id=auth_session.customer_id,
        profile_id=claims.get("pid"),
    )


async def token_secret(session: AsyncSession, settings: Settings) -> str:
    return await _secret(session, settings)


async def verify_access_token(session: AsyncSession, settings: Settings, token: str) -> Principal:
    claims = decode_claims(token, await _secret(session, settings))
    principal = principal_of(claims, await repo.auth_session(session, claims["mid"], claims["sid"]))
    if (
        principal.profile_id is not None
        and principal.customer_id is not None
        and await repo.profile(session, principal.merchant_id, principal.customer_id, principal.profile_id) is None
    ):
        raise Unauthenticated()  # the profile it was issued for is gone
    return principal
