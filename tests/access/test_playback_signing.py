"""CloudFront signing (canned-policy URLs, custom-policy cookies), checked the way CloudFront checks it."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from boxoffice.access.playback import canned_policy, sign_cloudfront_url
from boxoffice.access.signed_cookies import cloudfront_cookies

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _signature(signed: str) -> bytes:
    value = signed.split("Signature=", 1)[1].split("&", 1)[0]
    assert not set(value) & set("+=/"), "CloudFront's base64 has no +, = or /"
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def test_the_canned_policy_is_compact_json_in_cloudfronts_order() -> None:
    policy = canned_policy("https://d1.cloudfront.net/a.mp4?x=1", 1700000000)
    assert policy == (
        b'{"Statement":[{"Resource":"https://d1.cloudfront.net/a.mp4?x=1",'
        b'"Condition":{"DateLessThan":{"AWS:EpochTime":1700000000}}}]}'
    )
    assert json.loads(policy)["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"] == 1700000000


@pytest.mark.parametrize(
    ("url", "joiner"),
    [("https://d1.cloudfront.net/a.mp4", "?"), ("https://d1.cloudfront.net/a.mp4?quality=hd&lang=en", "&")],
)
def test_a_signed_url_verifies_with_the_public_key(url: str, joiner: str) -> None:
    signed = sign_cloudfront_url(url, "K2JCJMDEHXQW5F", KEY, 1700000000)
    assert signed.startswith(f"{url}{joiner}Expires=1700000000&Signature=")
    assert signed.endswith("&Key-Pair-Id=K2JCJMDEHXQW5F")
    signature = _signature(signed)
    KEY.public_key().verify(signature, canned_policy(url, 1700000000), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    with pytest.raises(InvalidSignature):  # another expiry is another policy
        KEY.public_key().verify(
            signature,
            canned_policy(url, 1700000001),
            padding.PKCS1v15(),
            hashes.SHA1(),  # noqa: S303
        )


def test_signed_cookies_carry_a_custom_policy_with_a_wildcard_that_verifies() -> None:
    resource = "https://d1.cloudfront.net/videos/42/*"
    cookies = cloudfront_cookies(resource, "K2JCJMDEHXQW5F", KEY, 1700000000)
    assert set(cookies) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    assert cookies["CloudFront-Key-Pair-Id"] == "K2JCJMDEHXQW5F"
    for name in ("CloudFront-Policy", "CloudFront-Signature"):
        assert not set(cookies[name]) & set("+=/"), "CloudFront's base64 has no +, = or /"
    policy = _cloudfront_decode(cookies["CloudFront-Policy"])
    assert json.loads(policy) == {
        "Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": 1700000000}}}]
    }
    signature = _cloudfront_decode(cookies["CloudFront-Signature"])
    # CloudFront checks the signature over the policy exactly as the cookie carries it.
    KEY.public_key().verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    with pytest.raises(InvalidSignature):  # a policy widened to the whole distribution is not what was signed
        KEY.public_key().verify(
            signature,
            policy.replace(b"/videos/42/*", b"/*"),
            padding.PKCS1v15(),
            hashes.SHA1(),  # noqa: S303
        )


def _cloudfront_decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))
