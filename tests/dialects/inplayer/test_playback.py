"""Signed playback: the merchant's CloudFront and JW Player keys, and signed URLs and tokens for entitled viewers.
Signatures are checked here the way CloudFront and JW Player check them, not with the server's own code."""

from __future__ import annotations

import base64
import json
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from boxoffice.access.models import PlaybackKeys
from boxoffice.catalog.models import Product
from boxoffice.kit import clock
from boxoffice.kit.sealing import Sealer, SealingError, new_key
from boxoffice.sealed_repository import reseal_all
from tests.conftest import Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    make_merchant,
    sign_up,
)
from tests.dialects.inplayer.seed import add_product, entitle

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
# The form AWS hands out: PKCS#1 ("BEGIN RSA PRIVATE KEY").
PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
).decode()
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
JW_SECRET = "jw-api-secret-0123456789abcdef-0123456789abcdef"
VIDEO = "https://d111111abcdef8.cloudfront.net/videos/intro.mp4"


async def set_cloudfront(server: Server, merchant: Merchant, **form: str) -> httpx.Response:
    values = {"key_pair_id": KEY_PAIR_ID, "private_key": PEM}
    return await server.http.put("/v2/playback/cloudfront", headers=merchant.auth, data=values | form)


async def set_jw(server: Server, merchant: Merchant, secret: str = JW_SECRET) -> httpx.Response:
    return await server.http.put("/v2/playback/jw", headers=merchant.auth, data={"secret": secret})


def cloudfront_base64_decode(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def verify_cloudfront(signed: str, resource: str, public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """What CloudFront does with a canned-policy URL: rebuild the policy from the URL and Expires, check the
    signature with the key pair's public key. Returns the signing parameters."""
    head, _, signing = signed.rpartition("Expires=")
    assert head == resource + ("&" if "?" in resource else "?")
    params = {k: v[0] for k, v in parse_qs("Expires=" + signing, keep_blank_values=True).items()}
    assert set(params) == {"Expires", "Signature", "Key-Pair-Id"}
    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": int(params["Expires"])}}}
            ]
        },
        separators=(",", ":"),
    ).encode()
    signature = cloudfront_base64_decode(params["Signature"])
    # Raises when it does not match. SHA-1 is what CloudFront's canned policies use.
    public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return params


async def cloudfront(server: Server, viewer: Viewer, item_id: int | str, query: str) -> httpx.Response:
    """As the SDK's `getCloudfrontURL` sends it: the video URL pasted after `url=`, not encoded."""
    return await server.http.get(f"/items/{item_id}/access/cloudfront?{query}", headers=viewer.auth)


async def media_token(server: Server, viewer: Viewer, media_id: str, config: str = "cfg12345") -> httpx.Response:
    return await server.http.get(
        f"/v2/items/jw-media/token?app_config_id={config}&media_id={media_id}", headers=viewer.auth
    )


async def test_merchant_sets_keys_and_sees_them_masked(server: Server, merchant: Merchant) -> None:
    blank = await server.http.get("/v2/playback", headers=merchant.auth)
    assert blank.status_code == 200
    assert blank.json() == {
        "cloudfront": {"configured": False, "key_pair_id": None, "private_key": None, "key_bits": None},
        "jw": {"configured": False, "secret": None},
    }
    response = await set_cloudfront(server, merchant)
    assert response.status_code == 200, response.text
    assert response.json()["cloudfront"] == {
        "configured": True,
        "key_pair_id": KEY_PAIR_ID,
        "private_key": "********",
        "key_bits": 2048,
    }
    jw_set = await set_jw(server, merchant)
    assert jw_set.json()["jw"] == {"configured": True, "secret": "****cdef"}
    shown = (await server.http.get("/v2/playback", headers=merchant.auth)).json()
    assert shown == jw_set.json()
    assert "PRIVATE KEY" not in json.dumps(shown) and JW_SECRET not in json.dumps(shown)

    [keys] = await fetch_rows(server, PlaybackKeys, merchant.id)
    stored = serialization.load_pem_private_key(keys.cloudfront_private_key.encode(), password=None)
    assert isinstance(stored, rsa.RSAPrivateKey)
    assert stored.public_key().public_numbers() == KEY.public_key().public_numbers()

    # A key pasted with its line breaks escaped is read too; a short secret is masked whole.
    escaped = PEM.replace("\n", "\\n")
    assert (await set_cloudfront(server, merchant, private_key=escaped, key_pair_id="APKAEXAMPLE")).status_code == 200
    assert (await set_jw(server, merchant, "short-secret")).json()["jw"]["secret"] == "****"
    assert await count_rows(server, PlaybackKeys, merchant.id) == 1


async def test_bad_keys_are_refused_and_write_nothing(server: Server, merchant: Merchant) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (refused)
    curve = ec.generate_private_key(ec.SECP256R1())
    plain = serialization.NoEncryption()
    pkcs8 = serialization.PrivateFormat.PKCS8
    encrypted = KEY.private_bytes(
        serialization.Encoding.PEM, pkcs8, serialization.BestAvailableEncryption(b"passphrase")
    ).decode()
    cases: list[tuple[dict[str, str], str]] = [
        ({"key_pair_id": ""}, "key_pair_id"),
        ({"key_pair_id": "has space"}, "key_pair_id"),
        ({"key_pair_id": "K" * 101}, "key_pair_id"),
        ({"private_key": ""}, "private_key"),
        ({"private_key": "not a key"}, "private_key"),
        ({"private_key": PEM[:200]}, "private_key"),
        ({"private_key": encrypted}, "private_key"),
        ({"private_key": curve.private_bytes(serialization.Encoding.PEM, pkcs8, plain).decode()}, "private_key"),
        ({"private_key": small.private_bytes(serialization.Encoding.PEM, pkcs8, plain).decode()}, "private_key"),
        ({"private_key": "x" * 20_000}, "private_key"),
    ]
    for change, field in cases:
        assert_error(await set_cloudfront(server, merchant, **change), 422, field)
    public = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert_error(await set_cloudfront(server, merchant, private_key=public.decode()), 422, "private_key")
    for secret in ("", "short", "has a space in it", "x" * 201):
        assert_error(await set_jw(server, merchant, secret), 422, "secret")
    assert await count_rows(server, PlaybackKeys, merchant.id) == 0


async def test_entitled_viewer_gets_a_cloudfront_signed_url(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item = await add_product(server, merchant, asset_type="cloudfront_asset", content=VIDEO)
    await entitle(server, merchant, viewer.id, item)
    await set_cloudfront(server, merchant)

    response = await cloudfront(server, viewer, item.id, f"url={VIDEO}")
    assert response.status_code == 200, response.text
    signed = response.json()["video_url"]
    params = verify_cloudfront(signed, VIDEO, KEY.public_key())
    assert params["Key-Pair-Id"] == KEY_PAIR_ID
    assert int(params["Expires"]) == clock.unix(frozen.now()) + 3600

    # The SDK doesn't encode the URL: its own query string is part of it, and is what gets signed.
    with_query = VIDEO + "?quality=hd&lang=en"
    signed = (await cloudfront(server, viewer, item.id, f"url={with_query}")).json()["video_url"]
    verify_cloudfront(signed, with_query, KEY.public_key())
    # Nor must the signature verify for any other URL.
    with pytest.raises(InvalidSignature):
        verify_cloudfront(signed.replace("quality=hd", "quality=4k"), with_query.replace("hd", "4k"), KEY.public_key())
    # A client that does encode it is understood as well.
    encoded = "url=https%3A%2F%2Fd111111abcdef8.cloudfront.net%2Fvideos%2Fintro.mp4&extra=1"
    verify_cloudfront((await cloudfront(server, viewer, item.id, encoded)).json()["video_url"], VIDEO, KEY.public_key())
    later = (await cloudfront(server, viewer, item.id, f"other=1&url={VIDEO}")).json()["video_url"]
    verify_cloudfront(later, VIDEO, KEY.public_key())


async def test_a_signed_url_ends_with_the_entitlement(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item = await add_product(server, merchant)
    entitlement = await entitle(server, merchant, viewer.id, item, days=0.01)  # about a quarter of an hour
    await set_cloudfront(server, merchant)
    signed = (await cloudfront(server, viewer, item.id, f"url={VIDEO}")).json()["video_url"]
    params = verify_cloudfront(signed, VIDEO, KEY.public_key())
    assert int(params["Expires"]) == clock.unix(entitlement.expires_at)


async def test_cloudfront_refusals(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item = await add_product(server, merchant)
    free = await add_product(server, merchant, title="Members only", access_control="auth")
    other = await make_merchant(server, "owner@rival.example.com")
    theirs = await add_product(server, other)

    # Not entitled: 402, whatever the keys.
    assert_error(await cloudfront(server, viewer, item.id, f"url={VIDEO}"), 402)
    # Entitled, but the merchant has set no keys: a clear 422.
    await entitle(server, merchant, viewer.id, item)
    unset = assert_error(await cloudfront(server, viewer, item.id, f"url={VIDEO}"), 422)
    assert unset["message"] == "CloudFront signing is not configured for this merchant"
    assert_error(await cloudfront(server, viewer, free.id, f"url={VIDEO}"), 422)  # open to any signed-in viewer

    await set_cloudfront(server, merchant)
    for query in (
        "",
        "url=",
        "url=ftp://host/a.mp4",
        "url=/videos/a.mp4",
        "url=https://",
        f"url={VIDEO}?Expires=1&Signature=x&Key-Pair-Id=y",
        "url=https://h:99999/a.mp4",
        "u=" + VIDEO,
    ):
        assert_error(await cloudfront(server, viewer, item.id, query), 422, "url")
    assert_error(await cloudfront(server, viewer, 999_999, f"url={VIDEO}"), 404)
    assert_error(await cloudfront(server, viewer, theirs.id, f"url={VIDEO}"), 404)
    assert_error(await cloudfront(server, viewer, "abc", f"url={VIDEO}"), 422)
    path = f"/items/{item.id}/access/cloudfront?url={VIDEO}"
    assert_error(await server.http.get(path), 401)
    assert_error(await server.http.get(path, headers=merchant.auth), 403)


async def test_entitled_viewer_gets_a_jw_media_token(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    # The same media sold as two items: holding either one is enough.
    await add_product(server, merchant, asset_type="jw_asset", external_asset_id="AbCd1234", title="Rental")
    season = await add_product(server, merchant, asset_type="jw_asset", external_asset_id="AbCd1234", title="Season")
    await entitle(server, merchant, viewer.id, season)
    await set_jw(server, merchant)

    response = await media_token(server, viewer, "AbCd1234")
    assert response.status_code == 200, response.text
    claims: dict[str, Any] = jwt.decode(response.json()["token"], JW_SECRET, algorithms=["HS256"])
    assert claims == {"resource": "/v2/media/AbCd1234", "exp": clock.unix(frozen.now()) + 3600}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(response.json()["token"], "another-secret-entirely-0123456789abcdef", algorithms=["HS256"])
    # app_config_id may be left out.
    assert (await server.http.get("/v2/items/jw-media/token?media_id=AbCd1234", headers=viewer.auth)).status_code == 200


async def test_jw_media_token_refusals(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item = await add_product(server, merchant, asset_type="jw_asset", external_asset_id="MEDIA001")
    await add_product(server, merchant, asset_type="html_asset", external_asset_id="HTML0001")
    await add_product(server, merchant, asset_type="jw_asset", external_asset_id="GONE0001", active=False)
    other = await make_merchant(server, "owner@rival.example.com")
    await add_product(server, other, asset_type="jw_asset", external_asset_id="THEIRS01")

    assert_error(await media_token(server, viewer, "MEDIA001"), 402)
    await entitle(server, merchant, viewer.id, item)
    unset = assert_error(await media_token(server, viewer, "MEDIA001"), 422)
    assert unset["message"] == "JW Player signing is not configured for this merchant"
    await set_jw(server, merchant)
    assert (await media_token(server, viewer, "MEDIA001")).status_code == 200
    for media in ("NOSUCH01", "HTML0001", "GONE0001", "THEIRS01"):
        assert_error(await media_token(server, viewer, media), 404)
    for media in ("", "has%20space", "x" * 101, "a/b"):
        assert_error(await media_token(server, viewer, media), 422, "media_id")
    assert_error(await server.http.get("/v2/items/jw-media/token", headers=viewer.auth), 422, "media_id")
    assert_error(await server.http.get("/v2/items/jw-media/token?media_id=MEDIA001"), 401)
    assert_error(await server.http.get("/v2/items/jw-media/token?media_id=MEDIA001", headers=merchant.auth), 403)
    # Another merchant's viewer, even with the same media id at their merchant, gets nothing of this one's.
    outsider = await sign_up(server, other, email="fan@rival.example.com")
    assert_error(await media_token(server, outsider, "MEDIA001"), 404)


async def test_keys_belong_to_their_merchant(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    other = await make_merchant(server, "owner@rival.example.com")
    await set_jw(server, other)
    await set_cloudfront(server, other)
    item = await add_product(server, merchant, asset_type="jw_asset", external_asset_id="MEDIA001")
    await entitle(server, merchant, viewer.id, item)
    # The other merchant's keys sign nothing for this one's viewers.
    assert_error(await media_token(server, viewer, "MEDIA001"), 422)
    assert_error(await cloudfront(server, viewer, item.id, f"url={VIDEO}"), 422)
    mine = (await server.http.get("/v2/playback", headers=merchant.auth)).json()
    assert mine["cloudfront"]["configured"] is False and mine["jw"]["configured"] is False
    assert await count_rows(server, PlaybackKeys, merchant.id) == 0


async def test_keys_are_sealed_at_rest_and_survive_a_key_rotation(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    first, second = new_key(), new_key()
    server.app.state.sealer = Sealer([first])
    item = await add_product(server, merchant, asset_type="jw_asset", external_asset_id="MEDIA001")
    await entitle(server, merchant, viewer.id, item)
    assert (await set_cloudfront(server, merchant)).status_code == 200
    assert (await set_jw(server, merchant)).json()["jw"] == {"configured": True, "secret": "****cdef"}

    [keys] = await fetch_rows(server, PlaybackKeys, merchant.id)
    for stored in (keys.cloudfront_private_key, keys.jw_secret):
        assert stored.startswith("sealed:v1:")
        assert "PRIVATE KEY" not in stored and JW_SECRET not in stored
    assert Sealer([first]).open(keys.jw_secret) == JW_SECRET

    async def signing_works() -> None:
        verify_cloudfront(
            (await cloudfront(server, viewer, item.id, f"url={VIDEO}")).json()["video_url"], VIDEO, KEY.public_key()
        )
        token = (await media_token(server, viewer, "MEDIA001")).json()["token"]
        assert jwt.decode(token, JW_SECRET, algorithms=["HS256"])["resource"] == "/v2/media/MEDIA001"
        shown = (await server.http.get("/v2/playback", headers=merchant.auth)).json()
        assert shown["cloudfront"]["key_bits"] == 2048 and shown["jw"]["secret"] == "****cdef"

    await signing_works()
    # Rotation: the new key first, the old one kept until every secret is resealed.
    server.app.state.sealer = Sealer([second, first])
    await signing_works()
    async with server.app.state.sessions() as session, session.begin():
        assert (await reseal_all(session, server.app.state.sealer))["playback_keys"] == 2
    [keys] = await fetch_rows(server, PlaybackKeys, merchant.id)
    assert Sealer([second]).open(keys.cloudfront_private_key).startswith("-----BEGIN PRIVATE KEY-----")
    with pytest.raises(SealingError):
        Sealer([first]).open(keys.jw_secret)
    server.app.state.sealer = Sealer([second])
    await signing_works()


async def test_a_playback_url_prefix_limits_what_is_signed(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    folder = "https://d111111abcdef8.cloudfront.net/videos/"
    created = await server.http.post(
        "/v2/items",
        headers=merchant.auth,
        data={"item_type": "cloudfront_asset", "title": "Intro", "content": VIDEO, "playback_url_prefix": folder},
    )
    assert created.status_code == 201, created.text
    assert created.json()["playback_url_prefix"] == folder
    item_id = created.json()["id"]
    [item] = await fetch_rows(server, Product, merchant.id)
    await entitle(server, merchant, viewer.id, item)
    await set_cloudfront(server, merchant)

    inside = folder + "intro/master.m3u8?quality=hd"
    verify_cloudfront(
        (await cloudfront(server, viewer, item_id, f"url={inside}")).json()["video_url"], inside, KEY.public_key()
    )
    for outside in (
        "https://d111111abcdef8.cloudfront.net/premium/final.mp4",
        "https://d111111abcdef8.cloudfront.net/videos-extra/a.mp4",
        "https://other.cloudfront.net/videos/intro.mp4",
        folder + "../premium/final.mp4",
        folder + "intro/%2E%2E/%2e%2e/premium/final.mp4",
        folder + "./intro.mp4",
    ):
        assert_error(await cloudfront(server, viewer, item_id, f"url={outside}"), 422, "url")

    # An empty value lifts the limit.
    cleared = await server.http.put(f"/v2/items/{item_id}", headers=merchant.auth, data={"playback_url_prefix": ""})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["playback_url_prefix"] is None
    elsewhere = "https://d111111abcdef8.cloudfront.net/premium/final.mp4"
    assert (await cloudfront(server, viewer, item_id, f"url={elsewhere}")).status_code == 200


async def test_bad_playback_url_prefixes_are_refused_and_write_nothing(server: Server, merchant: Merchant) -> None:
    for prefix in (
        "https://cdn.example.com/videos",  # not a folder
        "cdn.example.com/videos/",
        "ftp://cdn.example.com/videos/",
        "https:///videos/",
        "https://cdn.example.com/videos/?signed=1",
        "https://cdn.example.com/my videos/",
        "https://cdn.example.com/" + "v" * 2048 + "/",
    ):
        refused = await server.http.post(
            "/v2/items",
            headers=merchant.auth,
            data={"item_type": "cloudfront_asset", "title": "Intro", "playback_url_prefix": prefix},
        )
        assert_error(refused, 422, "playback_url_prefix")
    assert await count_rows(server, Product, merchant.id) == 0


PLAYLIST = "https://video.example.com/hls/intro/master.m3u8"


async def cloudfront_cookies(server: Server, viewer: Viewer, item_id: int | str, query: str) -> httpx.Response:
    return await server.http.get(f"/items/{item_id}/access/cloudfront/cookies?{query}", headers=viewer.auth)


def set_cookies(response: httpx.Response) -> dict[str, dict[str, str]]:
    """Each Set-Cookie header as its value and attributes (names lower-cased; a flag's value is "")."""
    found: dict[str, dict[str, str]] = {}
    for header in response.headers.get_list("set-cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        name, _, value = first.partition("=")
        found[name] = {"value": value} | {
            key.lower(): val for key, _, val in (attribute.partition("=") for attribute in attributes)
        }
    return found


async def test_entitled_viewer_gets_signed_cookies_for_the_playlists_folder(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item = await add_product(server, merchant, asset_type="cloudfront_asset", content=PLAYLIST)
    await entitle(server, merchant, viewer.id, item)
    await set_cloudfront(server, merchant)

    response = await cloudfront_cookies(server, viewer, item.id, f"cookie_domain=example.com&url={PLAYLIST}?v=2")
    assert response.status_code == 200, response.text
    body = response.json()
    expires = clock.unix(frozen.now()) + 3600
    assert (body["resource"], body["expires"], body["domain"], body["path"]) == (
        "https://video.example.com/hls/intro/*",
        expires,
        "example.com",
        "/hls/intro/",
    )
    # What CloudFront does with the cookies: decode the policy, check its signature with the public key, then
    # match the request's URL against the policy's resource and the time against its condition.
    policy = cloudfront_base64_decode(body["cookies"]["CloudFront-Policy"])
    KEY.public_key().verify(
        cloudfront_base64_decode(body["cookies"]["CloudFront-Signature"]),
        policy,
        padding.PKCS1v15(),
        hashes.SHA1(),  # noqa: S303
    )
    [statement] = json.loads(policy)["Statement"]
    assert statement == {
        "Resource": "https://video.example.com/hls/intro/*",
        "Condition": {"DateLessThan": {"AWS:EpochTime": expires}},
    }
    resource = statement["Resource"]
    for segment in ("master.m3u8", "720p/index.m3u8", "720p/segment00042.ts"):
        assert fnmatchcase(f"https://video.example.com/hls/intro/{segment}", resource)
    assert not fnmatchcase("https://video.example.com/hls/final/master.m3u8", resource)
    assert body["cookies"]["CloudFront-Key-Pair-Id"] == KEY_PAIR_ID

    cookies = set_cookies(response)
    assert set(cookies) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    for name, cookie in cookies.items():
        assert cookie["value"] == body["cookies"][name]
        assert (cookie["domain"], cookie["path"], cookie["samesite"].lower()) == ("example.com", "/hls/intro/", "none")
        assert "secure" in cookie and "httponly" in cookie
        assert parsedate_to_datetime(cookie["expires"]) == frozen.now().replace(tzinfo=UTC) + timedelta(hours=1)

    # Without a cookie domain the cookies are the video host's own; an entitlement ending sooner ends them sooner.
    short = await add_product(server, merchant, asset_type="cloudfront_asset", content=PLAYLIST, title="Short")
    entitlement = await entitle(server, merchant, viewer.id, short, days=0.01)
    own = (await cloudfront_cookies(server, viewer, short.id, f"url={PLAYLIST}")).json()
    assert (own["domain"], own["expires"]) == ("video.example.com", clock.unix(entitlement.expires_at))


async def test_signed_cookie_refusals(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item = await add_product(server, merchant, asset_type="cloudfront_asset", content=PLAYLIST)
    assert_error(await cloudfront_cookies(server, viewer, item.id, f"url={PLAYLIST}"), 402)
    await entitle(server, merchant, viewer.id, item)
    unset = assert_error(await cloudfront_cookies(server, viewer, item.id, f"url={PLAYLIST}"), 422)
    assert unset["message"] == "CloudFront signing is not configured for this merchant"
    await set_cloudfront(server, merchant)
    for domain in ("other.com", "com", "ample.com", "video.example.com.evil.net"):
        response = await cloudfront_cookies(server, viewer, item.id, f"cookie_domain={domain}&url={PLAYLIST}")
        assert_error(response, 422, "cookie_domain")
        assert "set-cookie" not in response.headers
    for query in ("", "url=", "url=/hls/intro/master.m3u8", "url=https://video.example.com/hls/../premium/a.m3u8"):
        assert_error(await cloudfront_cookies(server, viewer, item.id, query), 422, "url")
    assert_error(await server.http.get(f"/items/{item.id}/access/cloudfront/cookies?url={PLAYLIST}"), 401)
