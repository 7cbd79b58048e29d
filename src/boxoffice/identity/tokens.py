"""Access tokens (signed JWTs naming their session) and opaque, single-use refresh tokens."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity import signing_keys
from boxoffice.identity.models import AuthSession, Customer, Merchant, RefreshToken
from boxoffice.kit import clock
from boxoffice.kit.errors import Unauthenticated
from boxoffice.kit.passwords import digest, new_token
from boxoffice.kit.settings import Settings

ALGORITHM = "HS256"
ISSUER = "boxoffice"


class _HS256CheckingEachSecretOnce(HMACAlgorithm):
    """PyJWT's HS256, which checks that a secret is not a PEM, SSH or DER key each time it is used: a few secrets
    sign and verify every token, so each is checked once (per process) and what PyJWT made of it kept."""

    def __init__(self) -> None:
        super().__init__(HMACAlgorithm.SHA256)

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one instance, for the life of the process
    def prepare_key(self, key: str | bytes) -> bytes:
        return super().prepare_key(key)


jwt.unregister_algorithm(ALGORITHM)
jwt.register_algorithm(ALGORITHM, _HS256CheckingEachSecretOnce())


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


# Makes a session's access token: (token, expiry in Unix seconds). A dialect whose clients read their own claims
# passes its own; the default is the HS256 token of `issue_access_token`.
Issuer = Callable[[AsyncSession, Settings, Merchant, AuthSession, Customer | None], Awaitable[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires: int  # absolute Unix time, seconds


def _kid(token: str) -> str | None:
    """The key a token says signed it (read before it is checked, so trusted for nothing else: PyJWT reads the
    whole token again when it checks it). Only the header is decoded, which costs a tenth of PyJWT's reading."""
    segment = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise Unauthenticated() from exc
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def session_claims(
    merchant: Merchant, auth_session: AuthSession, customer: Customer | None, expires: int
) -> dict[str, Any]:
    """What every token names, whatever else its dialect adds: its session, merchant and expiry."""
    now = clock.unix(clock.now())
    return {
        "iss": ISSUER,
        "sub": customer.uuid if customer else merchant.uuid,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": expires,
        "mid": merchant.id,
        "mui": merchant.uuid,
        "sid": auth_session.id,
    }


def token_expiry(settings: Settings, auth_session: AuthSession, ttl: int | None = None) -> int:
    expires = clock.now() + timedelta(seconds=ttl if ttl is not None else settings.access_token_ttl)
    return clock.unix(min(expires, auth_session.expires_at))


async def sign_rs256(session: AsyncSession, settings: Settings, claims: dict[str, Any]) -> str:
    key = await signing_keys.signing_key(session, settings, signing_keys.RS256)
    return jwt.encode(claims, key.signer, algorithm="RS256", headers={"kid": key.kid})


async def verify_rs256(session: AsyncSession, settings: Settings, token: str) -> tuple[Principal, dict[str, Any]]:
    """The principal of an RS256 token this server signed and whose session is in force, with its claims."""
    claims = await _verified(session, settings, signing_keys.RS256, token)
    return principal_of(claims, await repo.auth_session(session, claims["mid"], claims["sid"])), claims


async def issue_access_token(
    session: AsyncSession,
    settings: Settings,
    *,
    merchant: Merchant,
    auth_session: AuthSession,
    customer: Customer | None,
    profile_id: int | None = None,
) -> tuple[str, int]:
    expires = token_expiry(settings, auth_session)
    claims = session_claims(merchant, auth_session, customer, expires) | {
        "aud": merchant.uuid,
        "aid": customer.id if customer else merchant.id,
        "ctx": ["consumer"] if customer else ["merchant"],
    }
    if profile_id is not None:
        claims["pid"] = profile_id
    key = await signing_keys.signing_key(session, settings, signing_keys.HS256)
    return jwt.encode(claims, key.signer, algorithm=ALGORITHM, headers={"kid": key.kid}), expires


async def default_issuer(
    session: AsyncSession, settings: Settings, merchant: Merchant, auth_session: AuthSession, customer: Customer | None
) -> tuple[str, int]:
    return await issue_access_token(session, settings, merchant=merchant, auth_session=auth_session, customer=customer)


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


async def decode_claims(session: AsyncSession, settings: Settings, token: str) -> dict[str, Any]:
    """The claims of a well-formed, correctly signed, unexpired HS256 token; Unauthenticated otherwise."""
    return await _verified(session, settings, signing_keys.HS256, token)


def known_claims(engine: AsyncEngine, settings: Settings, token: str) -> dict[str, Any] | None:
    """`decode_claims` without a session, when this process knows the keys of `engine`'s database without reading
    them (it read them less than a minute ago, and the token names one of them); None when it must read them."""
    if not token:
        raise Unauthenticated()
    keys = signing_keys.known_verifying_keys(engine, settings, signing_keys.HS256, _kid(token))
    return None if keys is None else _verified_by_one(token, keys, ALGORITHM)


async def _verified(session: AsyncSession, settings: Settings, purpose: str, token: str) -> dict[str, Any]:
    if not token:
        raise Unauthenticated()
    algorithm = ALGORITHM if purpose == signing_keys.HS256 else "RS256"
    keys = await signing_keys.verifying_keys(session, settings, purpose, _kid(token))
    return _verified_by_one(token, keys, algorithm)


def _verified_by_one(token: str, keys: list[signing_keys.Key], algorithm: str) -> dict[str, Any]:
    for key in keys:
        try:
            return _checked(token, key.verifier, algorithm)
        except Unauthenticated:
            continue
    raise Unauthenticated()


def _checked(token: str, key: Any, algorithm: str) -> dict[str, Any]:
    if not token:
        raise Unauthenticated()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
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
    """The HS256 secret that signs now (report links are signed with a key derived from it)."""
    return (await signing_keys.signing_key(session, settings, signing_keys.HS256)).secret


async def token_secrets(session: AsyncSession, settings: Settings) -> list[str]:
    """Every HS256 secret that still verifies what it signed."""
    return [key.secret for key in await signing_keys.verifying_keys(session, settings, signing_keys.HS256, None)]


async def verify_access_token(session: AsyncSession, settings: Settings, token: str) -> Principal:
    claims = await decode_claims(session, settings, token)
    principal = principal_of(claims, await repo.auth_session(session, claims["mid"], claims["sid"]))
    if (
        principal.profile_id is not None
        and principal.customer_id is not None
        and await repo.profile(session, principal.merchant_id, principal.customer_id, principal.profile_id) is None
    ):
        raise Unauthenticated()  # the profile it was issued for is gone
    return principal
