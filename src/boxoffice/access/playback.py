"""Signed playback: a merchant keeps its CloudFront key pair and JW Player secret here, and an entitled viewer gets
a CloudFront signed URL or a JW Player media token, signed with them, that expires soon."""

from __future__ import annotations

import base64
import json
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import playback_repository as repo
from boxoffice.access import service as access_service
from boxoffice.access.models import PlaybackKeys
from boxoffice.catalog import repository as catalog_repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import DomainError, InvalidInput, Missing, NotFound
from boxoffice.kit.sealing import Sealer

# How long a signed URL or token is good for (never beyond the viewer's entitlement).
SIGNED_LIFETIME = timedelta(hours=1)
JW_ASSET = "jw_asset"
MIN_KEY_BITS, MAX_KEY_BITS = 2048, 4096
MAX_PEM_LENGTH = 16_000
MAX_URL_LENGTH = 4096
_KEY_PAIR_ID = re.compile(r"^[A-Za-z0-9]{1,100}$")
_JW_SECRET = re.compile(r"^[!-~]{8,200}$")
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_URL_TEXT = re.compile(r"^[!-~]+$")  # printable ASCII, no spaces: a URL as it goes on the wire
_SIGNING_PARAMS = ("expires", "signature", "key-pair-id", "policy")
CLOUDFRONT_OFF = "CloudFront signing is not configured for this merchant"
JW_OFF = "JW Player signing is not configured for this merchant"


@dataclass(frozen=True, slots=True)
class PlaybackSettings:
    """What may be shown of a merchant's keys: never the private key or the whole secret."""

    cloudfront_key_pair_id: str | None
    cloudfront_key_bits: int | None
    jw_secret_hint: str | None


@dataclass(frozen=True, slots=True)
class Signed:
    value: str  # a signed URL or a token
    expires_at: datetime


def _settings(keys: PlaybackKeys | None, sealer: Sealer) -> PlaybackSettings:
    if keys is None:
        return PlaybackSettings(None, None, None)
    bits = None
    if keys.cloudfront_private_key:
        bits = load_key(sealer.open(keys.cloudfront_private_key)).key_size
    secret = sealer.open(keys.jw_secret) if keys.jw_secret else None
    hint = None if not secret else "****" + (secret[-4:] if len(secret) >= 16 else "")
    return PlaybackSettings(keys.cloudfront_key_pair_id, bits, hint)


def load_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    return key


async def _keys_for_update(session: AsyncSession, merchant_id: int) -> PlaybackKeys:
    keys = await repo.keys_of(session, merchant_id)
    if keys is None:
        keys = PlaybackKeys(merchant_id=merchant_id)
        session.add(keys)
    return keys


async def playback_settings(session: AsyncSession, merchant_id: int, sealer: Sealer) -> PlaybackSettings:
    return _settings(await repo.keys_of(session, merchant_id), sealer)


async def set_cloudfront_keys(
    session: AsyncSession, merchant_id: int, *, key_pair_id: str | None, private_key: str | None, sealer: Sealer
) -> PlaybackSettings:
    """Keep the CloudFront key pair (its id, and the RSA private key as PEM) that playback URLs are signed with."""
    errors: dict[str, str] = {}
    pair_id = (key_pair_id or "").strip()
    if not _KEY_PAIR_ID.match(pair_id):
        errors["key_pair_id"] = "The key pair id is 1 to 100 letters and digits, as CloudFront shows it"
    pem = (private_key or "").strip()
    if "\\n" in pem and "\n" not in pem:  # pasted with its line breaks escaped
        pem = pem.replace("\\n", "\n")
    key = None
    if not pem:
        errors["private_key"] = "The private key is required"
    elif len(pem) > MAX_PEM_LENGTH:
        errors["private_key"] = "The private key is too long"
    else:
        try:
            key = load_key(pem)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            errors["private_key"] = "The private key must be an unencrypted RSA private key in PEM form"
        if key is not None and not MIN_KEY_BITS <= key.key_size <= MAX_KEY_BITS:
            errors["private_key"] = f"The RSA key must be {MIN_KEY_BITS} to {MAX_KEY_BITS} bits long"
    if errors or key is None:
        raise InvalidInput(errors)
    keys = await _keys_for_update(session, merchant_id)
    keys.cloudfront_key_pair_id = pair_id
    keys.cloudfront_private_key = sealer.seal(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    )
    await session.flush()
    return _settings(keys, sealer)


async def set_jw_secret(
    session: AsyncSession, merchant_id: int, secret: str | None, sealer: Sealer
) -> PlaybackSettings:
    """Keep the JW Player property's API secret that media tokens are signed with."""
    value = (secret or "").strip()
    if not _JW_SECRET.match(value):
        raise InvalidInput({"secret": "The secret is 8 to 200 printable characters without spaces"})
    keys = await _keys_for_update(session, merchant_id)
    keys.jw_secret = sealer.seal(value)
    await session.flush()
    return _settings(keys, sealer)


def check_url(url: str | None) -> str:
    value = (url or "").strip()
    if not value:
        raise InvalidInput({"url": "The url is required"})
    if len(value) > MAX_URL_LENGTH or not _URL_TEXT.match(value):
        raise InvalidInput({"url": "The url must be an absolute http(s) URL without spaces"})
    try:
        parts = urlsplit(value)
        well_formed = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # a port out of range, a malformed IPv6 host
        well_formed = False
    if not well_formed:
        raise InvalidInput({"url": "The url must be an absolute http(s) URL without spaces"})
    params = {pair.partition("=")[0].lower() for pair in parts.query.split("&")}
    if params & set(_SIGNING_PARAMS):
        raise InvalidInput({"url": "The url is already signed"})
    return value


def is_under(url: str, prefix: str | None) -> bool:
    """Whether `url` lies under `prefix` (no prefix: anywhere). A path that climbs with dot segments is never under
    anything: the signature covers the URL as written, the CDN serves it as resolved."""
    if prefix is None:
        return True
    path = urlsplit(url).path
    if any(segment in (".", "..") for segment in path.split("/")) or "%2e" in path.lower():
        return False
    return url.startswith(prefix)


def cloudfront_base64(data: bytes) -> str:
    return base64.b64encode(data).decode().replace("+", "-").replace("=", "_").replace("/", "~")


def canned_policy(url: str, expires: int) -> bytes:
    """CloudFront's canned policy for `url`, exactly as CloudFront rebuilds it to check a signature."""
    statement = {"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


def sign_cloudfront_url(url: str, key_pair_id: str, private_key: rsa.RSAPrivateKey, expires: int) -> str:
    signature = private_key.sign(canned_policy(url, expires), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    query = f"Expires={expires}&Signature={cloudfront_base64(signature)}&Key-Pair-Id={key_pair_id}"
    return f"{url}{'&' if '?' in url else '?'}{query}"


def expiry(entitlement_end: datetime | None) -> datetime:
    expires = clock.now().replace(microsecond=0) + SIGNED_LIFETIME
    return min(expires, entitlement_end) if entitlement_end else expires


async def signed_cloudfront_url(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    product_id: int,
    url: str | None,
    client: ClientInfo,
    sealer: Sealer,
) -> Signed:
    """A CloudFront signed URL (canned policy) for a product's video, for a viewer entitled to the product; where
    the product names the address its video lives under, only a URL under it."""
    checked = check_url(url)
    access = await access_service.require_access(session, merchant, customer, product_id, client)
    if not is_under(checked, access.product.playback_url_prefix):
        raise InvalidInput({"url": "This URL is not this item's video"})
    key_pair_id, private_key = await cloudfront_key(session, merchant.id, sealer)
    expires_at = expiry(access.entitlement.expires_at if access.entitlement else None)
    signed = sign_cloudfront_url(checked, key_pair_id, private_key, clock.unix(expires_at))
    return Signed(signed, expires_at)


async def cloudfront_key(session: AsyncSession, merchant_id: int, sealer: Sealer) -> tuple[str, rsa.RSAPrivateKey]:
    """The merchant's CloudFront key pair id and private key; a clear refusal when it has set none."""
    keys = await repo.keys_of(session, merchant_id)
    if keys is None or not keys.cloudfront_key_pair_id or not keys.cloudfront_private_key:
        raise InvalidInput({"cloudfront": CLOUDFRONT_OFF}, CLOUDFRONT_OFF)
    return keys.cloudfront_key_pair_id, load_key(sealer.open(keys.cloudfront_private_key))


async def signed_media_token(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    media_id: str | None,
    client: ClientInfo,
    sealer: Sealer,
) -> Signed:
    """A JW Player URL-signing token for one media, for a viewer entitled to a product that carries it."""
    media = (media_id or "").strip()
    if not _MEDIA_ID.match(media):
        raise InvalidInput({"media_id": "The media id is 1 to 100 letters, digits, dashes or underscores"})
    products = [
        p for p in await catalog_repo.products_by_external_id(session, merchant.id, JW_ASSET, media) if p.active
    ]
    if not products:
        raise NotFound(what=Missing.PRODUCT)
    access, refusal = None, None
    for product in products:  # the same media may be sold as more than one item: any of them will do
        try:
            access = await access_service.require_access(session, merchant, customer, product.id, client)
            break
        except DomainError as error:
            refusal = refusal or error
    if access is None:
        assert refusal is not None
        raise refusal
    keys = await repo.keys_of(session, merchant.id)
    if keys is None or not keys.jw_secret:
        raise InvalidInput({"jw": JW_OFF}, JW_OFF)
    expires_at = expiry(access.entitlement.expires_at if access.entitlement else None)
    claims = {"resource": f"/v2/media/{media}", "exp": clock.unix(expires_at)}
    with warnings.catch_warnings():
        # JW Player issues the secret; one shorter than HS256's recommended 32 bytes is still the one it checks.
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        token = jwt.encode(claims, sealer.open(keys.jw_secret), algorithm="HS256")
    return Signed(token, expires_at)
