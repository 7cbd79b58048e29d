"""The server's own signing keys: HS256 secrets for access tokens and report links, RS256 pairs for the JWTs clients
may check against the published key set (JWKS).

They are kept in the database so that every process, on every host, signs and verifies alike. A key is made in a
transaction of its own (when the schema is migrated, or by a process that finds none), never inside a request's:
a request that is refused rolls back, and a process that had kept a key made there would go on signing with a key
no other process knows.

Of a purpose's live keys the newest signs. `rotate` adds a newer one; the older ones go on verifying what they
signed until the longest such token has expired, then leave the key set. Each process keeps a copy of the keys and
reads them again every `REREAD_AFTER` seconds (so a rotation reaches every signer within that), and at once when a
token names a key it does not know (one that another process has just made), at most once a second.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from boxoffice.identity import signing_keys_repository as repo
from boxoffice.identity.models import SigningKey
from boxoffice.kit import cache, clock
from boxoffice.kit.db import session_factory, transaction
from boxoffice.kit.settings import Settings

HS256 = "access_tokens"
RS256 = "rs256"
PURPOSES = (HS256, RS256)
# Seconds a process signs with the keys it last read: a rotation reaches every process within this.
REREAD_AFTER = 60.0
# A token naming a key this process doesn't know has it read the keys again, but not sooner than this after the
# last reading: the key id is read before the signature is checked, so anyone can send ones that don't exist.
REREAD_AT_MOST_EVERY = 1.0


@dataclass(frozen=True, slots=True)
class Key:
    """One key as a process uses it. `secret` is the HS256 secret; an RS256 key carries its parsed pair instead."""

    kid: str
    purpose: str
    expires_at: datetime | None
    secret: str = field(repr=False)
    private_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)
    public_jwk: dict[str, Any] | None = None

    def live(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now

    @property
    def signer(self) -> str | rsa.RSAPrivateKey:
        return self.secret if self.private_key is None else self.private_key

    @property
    def verifier(self) -> str | rsa.RSAPublicKey:
        return self.secret if self.private_key is None else self.private_key.public_key()


@dataclass(slots=True)
class _Ring:
    """What one process knows of a database's keys: newest first, as last read."""

    keys: tuple[Key, ...] = ()
    read_at: float = float("-inf")

    def newest(self, purpose: str, now: datetime) -> Key | None:
        return next((key for key in self.keys if key.purpose == purpose and key.live(now)), None)

    def named(self, purpose: str, kid: str, now: datetime) -> Key | None:
        return next((k for k in self.keys if k.purpose == purpose and k.kid == kid and k.live(now)), None)

    def live(self, purpose: str, now: datetime) -> list[Key]:
        return [key for key in self.keys if key.purpose == purpose and key.live(now)]


_rings: dict[str, _Ring] = {}
# Parsing an RSA key checks it, which is slow: each stored key is parsed once per process.
_parsed: dict[str, tuple[rsa.RSAPrivateKey, dict[str, Any]]] = {}


def _new_secret(purpose: str) -> str:
    if purpose == HS256:
        return secrets.token_urlsafe(48)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


@functools.lru_cache(maxsize=256)  # asked at every token checked; a key is the same for the same secret and expiry
def _hs256_key(secret: str, expires_at: datetime | None) -> Key:
    # Named by a digest, so that tokens say which key signed them without saying anything of the key.
    kid = hashlib.sha256(b"hs256:" + secret.encode()).hexdigest()[:16]
    return Key(kid, HS256, expires_at, secret)


def _rs256_key(pem: str, expires_at: datetime | None) -> Key:
    if pem not in _parsed:
        private = serialization.load_pem_private_key(pem.encode(), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
        kid = hashlib.sha256(jwk["n"].encode()).hexdigest()[:16]
        _parsed[pem] = private, jwk | {"kid": kid, "use": "sig", "alg": "RS256"}
    private, jwk = _parsed[pem]
    return Key(jwk["kid"], RS256, expires_at, pem, private, jwk)


def _key(row: SigningKey) -> Key:
    if row.purpose == HS256:
        return _hs256_key(row.secret, row.expires_at)
    return _rs256_key(row.secret, row.expires_at)


def _known(rows: Sequence[SigningKey]) -> tuple[Key, ...]:
    return tuple(_key(row) for row in rows if row.purpose in PURPOSES)


def _engine_of(session: AsyncSession) -> AsyncEngine:
    bind = session.bind
    if isinstance(bind, AsyncConnection):
        return bind.engine
    assert isinstance(bind, AsyncEngine), "sessions are bound to an engine"
    return bind


async def make_missing_keys(sessions: async_sessionmaker[AsyncSession]) -> tuple[Key, ...]:
    """Make a key for each purpose that has no live one, in a transaction of its own; every key, as committed.

    Two processes doing this at once each make one: both verify, and the newer signs everywhere."""
    async with sessions() as session:
        now = clock.now()
        missing = [p for p in PURPOSES if p not in await repo.purposes_with_live_keys(session, now)]
    if missing:
        async with transaction(sessions) as session:
            session.add_all([SigningKey(purpose=purpose, secret=_new_secret(purpose)) for purpose in missing])
    async with sessions() as session:
        return _known(await repo.signing_keys(session))


def _ring_of(database: URL) -> _Ring:
    return _rings.setdefault(str(database), _Ring())


async def _ring(session: AsyncSession, *, reread: bool = False) -> _Ring:
    ring = _ring_of(session.get_bind().engine.url)
    since = cache.now() - ring.read_at
    if since > REREAD_AFTER or (reread and since >= REREAD_AT_MOST_EVERY):
        read_at = cache.now()
        # Read in the caller's session: only committed keys are ever there, and it needs no second connection.
        keys = _known(await repo.signing_keys(session))
        now = clock.now()
        if any(not any(key.purpose == purpose and key.live(now) for key in keys) for purpose in PURPOSES):
            keys = await make_missing_keys(session_factory(_engine_of(session)))
        ring.keys, ring.read_at = keys, read_at
    return ring


def _configured(settings: Settings, purpose: str) -> Key | None:
    """The operator's own HS256 secret (`BOXOFFICE_SECRET_KEY`): when set, it alone signs and verifies."""
    return _hs256_key(settings.secret_key, None) if purpose == HS256 and settings.secret_key else None


async def signing_key(session: AsyncSession, settings: Settings, purpose: str) -> Key:
    """The key that signs `purpose`'s tokens now."""
    configured = _configured(settings, purpose)
    if configured is not None:
        return configured
    key = (await _ring(session)).newest(purpose, clock.now())
    if key is None:  # the newest this process knew has expired since it last read them
        key = (await _ring(session, reread=True)).newest(purpose, clock.now())
    assert key is not None, "reading the keys makes any that are missing"
    return key


async def verifying_keys(session: AsyncSession, settings: Settings, purpose: str, kid: str | None) -> list[Key]:
    """The keys that may have signed a token naming `kid` (none named: every live key of the purpose)."""
    configured = _configured(settings, purpose)
    if configured is not None:
        return [configured]
    ring = await _ring(session)
    if kid is None:
        return ring.live(purpose, clock.now())
    key = ring.named(purpose, kid, clock.now())
    if key is None:
        key = (await _ring(session, reread=True)).named(purpose, kid, clock.now())
    return [key] if key is not None else []


def known_verifying_keys(engine: AsyncEngine, settings: Settings, purpose: str, kid: str | None) -> list[Key] | None:
    """What `verifying_keys` would answer, when this process has it without reading the keys of `engine`'s database
    (they were read less than a minute ago and name `kid`); None when only `verifying_keys` can tell."""
    configured = _configured(settings, purpose)
    if configured is not None:
        return [configured]
    ring = _ring_of(engine.url)
    if cache.now() - ring.read_at > REREAD_AFTER:
        return None
    if kid is None:
        return ring.live(purpose, clock.now())
    key = ring.named(purpose, kid, clock.now())
    return None if key is None else [key]


async def public_jwks(session: AsyncSession) -> dict[str, Any]:
    """The JSON Web Key Set clients check RS256 tokens against: every key that still verifies."""
    keys = (await _ring(session)).live(RS256, clock.now())
    return {"keys": [key.public_jwk for key in keys]}


def lifetime(settings: Settings, purpose: str) -> timedelta:
    """How long after a key stops signing something it signed may still be presented."""
    if purpose == HS256:
        return timedelta(seconds=max(settings.access_token_ttl, settings.reports_link_ttl))
    return timedelta(seconds=settings.mediastore_token_ttl)


async def rotate(session: AsyncSession, settings: Settings, *, drop_old: bool = False) -> list[Key]:
    """New keys that sign from now on (within `REREAD_AFTER`, in every process). The old ones verify until what
    they signed has expired, or, with `drop_old` (a leaked key), no longer at all. The operator's own
    `BOXOFFICE_SECRET_KEY` is not rotated here but by changing it."""
    now = clock.now()
    made = []
    for purpose in PURPOSES:
        if _configured(settings, purpose) is not None:
            continue
        until = now if drop_old else now + lifetime(settings, purpose) + timedelta(seconds=REREAD_AFTER)
        await repo.expire_keys(session, purpose, until)
        row = SigningKey(purpose=purpose, secret=_new_secret(purpose))
        session.add(row)
        made.append(row)
    await session.flush()
    await repo.delete_expired_keys(session, now)
    return [_key(row) for row in made]
