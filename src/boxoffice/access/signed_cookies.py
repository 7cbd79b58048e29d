"""CloudFront signed cookies for streaming: an HLS or DASH player fetches a playlist and then hundreds of segments,
which one signed URL can't cover. A custom policy whose resource ends in a wildcard covers the whole folder, and
the three cookies (CloudFront-Policy, CloudFront-Signature, CloudFront-Key-Pair-Id) go with every request to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import service as access_service
from boxoffice.access.playback import check_url, cloudfront_base64, cloudfront_key, expiry, is_under
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.sealing import Sealer

POLICY, SIGNATURE, KEY_PAIR_ID = "CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"
MAX_DOMAIN_LENGTH = 253


@dataclass(frozen=True, slots=True)
class SignedCookies:
    resource: str  # what the policy lets through, such as https://cdn.example.com/videos/42/*
    cookies: dict[str, str]  # the three cookies' names and values
    domain: str  # the cookies' Domain: the video's host, or a parent domain of it the caller named
    path: str  # the cookies' Path: the folder the resource covers
    expires_at: datetime


def custom_policy(resource: str, expires: int) -> bytes:
    """CloudFront's custom policy: `resource` may end in `*`, which matches any characters (sub-folders too)."""
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


def cloudfront_cookies(resource: str, key_pair_id: str, private_key: rsa.RSAPrivateKey, expires: int) -> dict[str, str]:
    """The three cookie values: the policy and its RSA-SHA1 signature (the only algorithm CloudFront checks) in
    CloudFront's URL-safe base64, and the key pair's id."""
    policy = custom_policy(resource, expires)
    signature = private_key.sign(policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return {POLICY: cloudfront_base64(policy), SIGNATURE: cloudfront_base64(signature), KEY_PAIR_ID: key_pair_id}


def _folder(url: str) -> str:
    """What the wildcard follows: the folder of the playlist, its query dropped (the segments have their own).
    Under a product's prefix (always a folder) it lies under the prefix as well."""
    parts = urlsplit(url)
    if any(segment in (".", "..") for segment in parts.path.split("/")) or "%2e" in parts.path.lower():
        raise InvalidInput({"url": "The url must not climb with . or .. segments"})
    return f"{parts.scheme}://{parts.netloc}{parts.path.rpartition('/')[0]}/"


def _cookie_domain(host: str, domain: str | None) -> str:
    """The video's host, or a parent domain of it (so that a page's API on api.example.com can set cookies that
    a CDN on video.example.com is sent); a browser keeps them only where the answering host lies in it as well."""
    wanted = (domain or "").strip().lower().lstrip(".")
    if not wanted:
        return host
    if len(wanted) > MAX_DOMAIN_LENGTH or "." not in wanted or not (host == wanted or host.endswith("." + wanted)):
        raise InvalidInput({"cookie_domain": "The cookie domain must be the video's host or a parent domain of it"})
    return wanted


async def signed_cloudfront_cookies(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    product_id: int,
    url: str | None,
    cookie_domain: str | None,
    client: ClientInfo,
    sealer: Sealer,
) -> SignedCookies:
    """Signed cookies for the folder of a product's playlist, for a viewer entitled to the product; where the
    product names the address its video lives under, only a playlist under it."""
    checked = check_url(url)
    access = await access_service.require_access(session, merchant, customer, product_id, client)
    if not is_under(checked, access.product.playback_url_prefix):
        raise InvalidInput({"url": "This URL is not this item's video"})
    folder = _folder(checked)
    parts = urlsplit(folder)
    domain = _cookie_domain((parts.hostname or "").lower(), cookie_domain)
    key_pair_id, private_key = await cloudfront_key(session, merchant.id, sealer)
    expires_at = expiry(access.entitlement.expires_at if access.entitlement else None)
    resource = folder + "*"
    cookies = cloudfront_cookies(resource, key_pair_id, private_key, clock.unix(expires_at))
    return SignedCookies(resource, cookies, domain, parts.path.rpartition("/")[0] + "/", expires_at)
