"""An identity provider's ID token is taken only as OpenID Connect says: signed by the issuer's published key with an
asymmetric algorithm, from that issuer, for this client, unexpired on Boxoffice's clock, with the sign-in's nonce.
The provider here is a key pair of the test's own, its public half published as a JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from boxoffice.identity.id_tokens import Expected, IdTokenRefusal, IdTokenRefused, verify_id_token
from boxoffice.kit import clock

ISSUER = "https://accounts.example.com"
CLIENT = "boxoffice-client"
NONCE = "n-0S6_WzA2Mj"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private: Any, kid: str, **extra: str) -> dict[str, Any]:
    public = private.public_key()
    if isinstance(private, rsa.RSAPrivateKey):
        made = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    else:
        made = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
    return {**made, "kid": kid, "use": "sig", **extra}


KEYS = {"keys": [jwk(RSA_KEY, "rsa-1", alg="RS256"), jwk(EC_KEY, "ec-1")]}


def expected(**changes: Any) -> Expected:
    return Expected(**({"issuer": ISSUER, "client_id": CLIENT, "nonce": NONCE, "keys": KEYS} | changes))


def claims(**changes: Any) -> dict[str, Any]:
    now = clock.unix(clock.now())
    given = {
        "iss": ISSUER,
        "sub": "10769150350006150715113082367",
        "aud": CLIENT,
        "exp": now + 3600,
        "iat": now,
        "nonce": NONCE,
        "email": "jane@example.com",
        "email_verified": True,
        "name": "Jane Doe",
    } | changes
    return {name: value for name, value in given.items() if value is not None}


def signed(key: Any = RSA_KEY, kid: str | None = "rsa-1", algorithm: str = "RS256", **changes: Any) -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims(**changes), key, algorithm=algorithm, headers=headers)


def refused(token: str, reason: IdTokenRefusal, **changes: Any) -> None:
    with pytest.raises(IdTokenRefused) as caught:
        verify_id_token(token, expected(**changes))
    assert caught.value.reason == reason


def test_a_token_signed_by_the_issuers_key_names_whom_it_vouches_for(frozen: clock.FrozenClock) -> None:
    identity = verify_id_token(signed(), expected())
    assert (identity.subject, identity.email, identity.email_verified, identity.name) == (
        "10769150350006150715113082367",
        "jane@example.com",
        True,
        "Jane Doe",
    )
    # An EC key, and Apple's habit of sending `email_verified` as a string.
    apple = verify_id_token(signed(EC_KEY, "ec-1", "ES256", email_verified="true", name=None), expected())
    assert (apple.email_verified, apple.name) == (True, None)
    unverified = verify_id_token(signed(email_verified="false"), expected())
    assert unverified.email_verified is False
    # Several audiences, this client the authorized party among them.
    assert verify_id_token(signed(aud=[CLIENT, "another"], azp=CLIENT), expected()).subject


def test_a_tampered_token_or_one_signed_by_another_key_is_refused(frozen: clock.FrozenClock) -> None:
    header, payload, signature = signed().split(".")
    forged = base64.urlsafe_b64encode(b'{"sub":"admin"}').rstrip(b"=").decode()
    refused(f"{header}.{forged}.{signature}", IdTokenRefusal.SIGNATURE)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    refused(f"{header}.{payload}.{flipped}", IdTokenRefusal.SIGNATURE)
    refused(signed(OTHER_KEY), IdTokenRefusal.SIGNATURE)  # another key, under the issuer's key id
    refused(signed(OTHER_KEY, "rsa-2"), IdTokenRefusal.UNKNOWN_KEY)  # a key id the issuer doesn't publish
    refused(signed(kid=None), IdTokenRefusal.UNKNOWN_KEY)  # no key id, and the issuer has two keys
    single = {"keys": [jwk(RSA_KEY, "rsa-1")]}
    assert verify_id_token(signed(kid=None), expected(keys=single)).subject
    refused(signed(), IdTokenRefusal.UNKNOWN_KEY, keys={"keys": "nothing"})
    for garbage in ("", "abc", "a.b.c", signed().replace(".", "", 1)):
        refused(garbage, IdTokenRefusal.MALFORMED)


def test_an_unsigned_token_or_one_signed_with_a_shared_secret_is_refused(frozen: clock.FrozenClock) -> None:
    refused(jwt.encode(claims(), None, algorithm="none", headers={"kid": "rsa-1"}), IdTokenRefusal.ALGORITHM)
    # The old confusion: the issuer's public key used as an HMAC secret.
    public_pem = RSA_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing_input = ".".join(
        jwt.utils.base64url_encode(json.dumps(part).encode()).decode()
        for part in ({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims())
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    confused = f"{signing_input}.{jwt.utils.base64url_encode(mac).decode()}"
    refused(confused, IdTokenRefusal.ALGORITHM)
    refused(signed(algorithm="RS384"), IdTokenRefusal.ALGORITHM)  # the key is published for RS256 only
    refused(signed(EC_KEY, "ec-1", "ES256"), IdTokenRefusal.ALGORITHM, algorithms=["RS256"])  # not the provider's


def test_a_token_for_another_issuer_client_or_sign_in_is_refused(frozen: clock.FrozenClock) -> None:
    refused(signed(iss="https://evil.example.com"), IdTokenRefusal.ISSUER)
    refused(signed(aud="another-client"), IdTokenRefusal.AUDIENCE)
    refused(signed(aud=["another-client"], azp=CLIENT), IdTokenRefusal.AUDIENCE)
    refused(signed(aud=[CLIENT, "another"]), IdTokenRefusal.AUDIENCE)  # several audiences and no azp
    refused(signed(aud=[CLIENT, "another"], azp="another"), IdTokenRefusal.AUDIENCE)
    refused(signed(nonce="another sign-in's"), IdTokenRefusal.NONCE)
    refused(signed(nonce=None), IdTokenRefusal.NONCE)
    for missing in ("sub", "exp", "iat", "aud", "iss"):
        refused(signed(**{missing: None}), IdTokenRefusal.MALFORMED)


def test_a_token_is_taken_until_it_expires_give_or_take_a_minute(frozen: clock.FrozenClock) -> None:
    token = signed()
    frozen.advance(seconds=3600 + 59)
    assert verify_id_token(token, expected()).subject
    frozen.advance(seconds=1)
    refused(token, IdTokenRefusal.EXPIRED)
    frozen.advance(seconds=-7200)  # a token issued more than a minute from now
    refused(token, IdTokenRefusal.EXPIRED)
