"""Access tokens (signed JWTs naming their session) and opaque, single-use refresh tokens."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
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
RSA_PURPOSE = "rs256"
_rsa_cache: dict[str, RsaKey] = {}


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
class RsaKey:
    """The server's RS256 key pair: tokens a client may check against the published public key."""

    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, Any]


# Makes a session's access token: (token, expiry in Unix seconds). A dialect whose clients read their own claims
# passes its own; the default is the HS256 token of `issue_access_token`.
Issuer = Callable[[AsyncSession, Settings, Merchant, AuthSession, Customer | None], Awaitable[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires: int  # absolute Unix time, seconds


async def _secret(session: AsyncSession, settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    cache_key = (str(session.get_bind().engine.url), "access_tokens")
    if cache_key not in _key_cache:
        stored = await _signing_key(session, "access_tokens", lambda: secrets.token_urlsafe(48))
        _key_cache[cache_key] = stored.secret
    return _key_cache[cache_key]


async def _signing_key(session: AsyncSession, purpose: str, make: Callable[[], str]) -> SigningKey:
    """The server-wide key kept for `purpose`, made on first use (by whichever process gets there first)."""
    key = await repo.signing_key(session, purpose)
    if key is None:
        try:
            async with session.begin_nested():
                key = SigningKey(purpose=purpose, secret=make())
                session.add(key)
        except IntegrityError:
            key = await repo.signing_key(session, purpose)
            assert key is not None
    return key


def _new_rsa_pem() -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


async def rsa_key(session: AsyncSession) -> RsaKey:
    cache_key = str(session.get_bind().engine.url)
    if cache_key not in _rsa_cache:
        stored = await _signing_key(session, RSA_PURPOSE, _new_rsa_pem)
        private = serialization.load_pem_private_key(stored.secret.encode(), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
        kid = hashlib.sha256(jwk["n"].encode()).hexdigest()[:16]
        _rsa_cache[cache_key] = RsaKey(kid, private, jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
    return _rsa_cache[cache_key]


async def public_jwks(session: AsyncSession) -> dict[str, Any]:
    """The JSON Web Key Set clients check RS256 tokens against."""
    return {"keys": [(await rsa_key(session)).public_jwk]}


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


async def sign_rs256(session: AsyncSession, claims: dict[str, Any]) -> str:
    key = await rsa_key(session)
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


async def verify_rs256(session: AsyncSession, token: str) -> tuple[Principal, dict[str, Any]]:
    """The principal of an RS256 token this server signed and whose session is in force, with its claims."""
    key = await rsa_key(session)
    claims = _checked(token, key.private_key.public_key(), "RS256")
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
    token = jwt.encode(claims, await _secret(session, settings), algorithm=ALGORITHM)
    return token, expires


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


def decode_claims(token: str, secret: str) -> dict[str, Any]:
    """The claims of a well-formed, correctly signed, unexpired token; Unauthenticated otherwise."""
    return _checked(token, secret, ALGORITHM)


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
