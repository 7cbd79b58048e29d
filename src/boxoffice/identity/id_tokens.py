"""ID tokens an identity provider issues at a social sign-in (OpenID Connect Core, 3.1.3.7): who signed in, as the
provider vouches for them. A token counts only when it is

* signed with an asymmetric algorithm (never `none`, never a shared-secret HMAC, which anyone holding the client
  secret could forge) by one of the keys its issuer publishes (its JWKS), the one its `kid` names;
* issued by that issuer, for this client (`aud`; with other audiences besides, `azp` must be this client);
* unexpired on Boxoffice's clock, with a minute's leeway for the provider's, and not issued in the future;
* carrying the nonce the sign-in sent, so that a token taken from another sign-in is worth nothing here.

Anything else is refused with its reason (`IdTokenRefusal`). An unknown `kid` is a reason of its own: a provider
rotating its keys publishes the new one before it signs with it, so the caller fetches the keys once more."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jwt

from boxoffice.kit import clock
from boxoffice.kit.errors import DomainError

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)  # fmt: skip
LEEWAY_SECONDS = 60


class IdTokenRefusal(StrEnum):
    MALFORMED = "malformed"  # not a signed JWT with the claims every ID token has
    ALGORITHM = "algorithm"  # signed with an algorithm not allowed
    UNKNOWN_KEY = "unknown_key"  # none of the issuer's keys has its `kid`
    SIGNATURE = "signature"  # not signed by the key its `kid` names, or changed since
    ISSUER = "issuer"
    AUDIENCE = "audience"  # issued for another client
    EXPIRED = "expired"  # past its `exp`, or issued in the future
    NONCE = "nonce"  # not the sign-in's


MESSAGES = {
    IdTokenRefusal.MALFORMED: "The ID token is malformed",
    IdTokenRefusal.ALGORITHM: "The ID token is signed with an algorithm that is not allowed",
    IdTokenRefusal.UNKNOWN_KEY: "The ID token is signed with a key the issuer does not publish",
    IdTokenRefusal.SIGNATURE: "The ID token's signature does not verify",
    IdTokenRefusal.ISSUER: "The ID token is from another issuer",
    IdTokenRefusal.AUDIENCE: "The ID token is for another client",
    IdTokenRefusal.EXPIRED: "The ID token has expired",
    IdTokenRefusal.NONCE: "The ID token is not this sign-in's",
}


class IdTokenRefused(DomainError):
    """An ID token that proves nothing; `reason` says why."""

    def __init__(self, reason: IdTokenRefusal) -> None:
        self.reason = reason
        super().__init__(MESSAGES[reason])


@dataclass(frozen=True, slots=True)
class Expected:
    """What a sign-in expects of its ID token: the provider's issuer and keys, its own client id and nonce."""

    issuer: str
    client_id: str
    nonce: str
    keys: Mapping[str, Any]  # the issuer's JWKS, `{"keys": [...]}`
    algorithms: Collection[str] = ASYMMETRIC  # those the provider declares it signs with, of ASYMMETRIC


@dataclass(frozen=True, slots=True)
class Identity:
    """Whom an ID token names: `subject` is the provider's id for them, stable and never reassigned."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    claims: Mapping[str, Any] = field(default_factory=dict)


def verify_id_token(token: str, expected: Expected) -> Identity:
    """The identity an ID token vouches for; IdTokenRefused when it vouches for nothing here."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise IdTokenRefused(IdTokenRefusal.MALFORMED) from exc
    algorithm = header.get("alg")
    if algorithm not in ASYMMETRIC or algorithm not in expected.algorithms:
        raise IdTokenRefused(IdTokenRefusal.ALGORITHM)
    key = _key(expected.keys, header.get("kid"), algorithm)
    claims = _claims(token, key, algorithm)
    _check(claims, expected)
    email = claims.get("email")
    name = claims.get("name")
    return Identity(
        subject=claims["sub"],
        email=email if isinstance(email, str) and email else None,
        # Apple sends it as a string.
        email_verified=claims.get("email_verified") in (True, "true"),
        name=name if isinstance(name, str) and name.strip() else None,
        claims=claims,
    )


def _key(keys: Mapping[str, Any], kid: object, algorithm: str) -> Any:
    published = keys.get("keys")
    signing = (
        [k for k in published if isinstance(k, dict) and k.get("use", "sig") == "sig"]
        if isinstance(published, list)
        else []
    )
    # A token without a `kid` is only taken from an issuer with one key, as OpenID Connect Core (10.1) allows.
    found = [k for k in signing if k.get("kid") == kid] if kid is not None else signing
    if len(found) != 1:
        raise IdTokenRefused(IdTokenRefusal.UNKNOWN_KEY)
    [jwk] = found
    if jwk.get("alg", algorithm) != algorithm:  # a key published for one algorithm signs with no other
        raise IdTokenRefused(IdTokenRefusal.ALGORITHM)
    try:
        return jwt.PyJWK(jwk, algorithm=algorithm).key
    except (jwt.PyJWTError, TypeError, ValueError) as exc:
        raise IdTokenRefused(IdTokenRefusal.UNKNOWN_KEY) from exc


def _claims(token: str, key: Any, algorithm: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            # Times, issuer and audience are checked below: against Boxoffice's clock, and each with its reason.
            options={
                "verify_aud": False,
                "verify_iss": False,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "require": ["iss", "sub", "aud", "exp", "iat"],
            },
        )
    except jwt.MissingRequiredClaimError as exc:
        raise IdTokenRefused(IdTokenRefusal.MALFORMED) from exc
    except jwt.InvalidSignatureError as exc:
        raise IdTokenRefused(IdTokenRefusal.SIGNATURE) from exc
    except jwt.PyJWTError as exc:
        raise IdTokenRefused(IdTokenRefusal.MALFORMED) from exc
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise IdTokenRefused(IdTokenRefusal.MALFORMED)
    return claims


def _check(claims: Mapping[str, Any], expected: Expected) -> None:
    if claims["iss"] != expected.issuer:
        raise IdTokenRefused(IdTokenRefusal.ISSUER)
    audience = claims["aud"]
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if expected.client_id not in audiences:
        raise IdTokenRefused(IdTokenRefusal.AUDIENCE)
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != expected.client_id:
        raise IdTokenRefused(IdTokenRefusal.AUDIENCE)
    now = clock.unix(clock.now())
    expires, issued = claims["exp"], claims["iat"]
    if not isinstance(expires, int | float) or not isinstance(issued, int | float):
        raise IdTokenRefused(IdTokenRefusal.MALFORMED)
    if expires + LEEWAY_SECONDS <= now or issued - LEEWAY_SECONDS > now:
        raise IdTokenRefused(IdTokenRefusal.EXPIRED)
    if claims.get("nonce") != expected.nonce:
        raise IdTokenRefused(IdTokenRefusal.NONCE)
