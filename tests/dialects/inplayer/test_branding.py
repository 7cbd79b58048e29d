"""Branding over InPlayer's API: a merchant's looks, their uploaded images, the public read the SDK calls, and the
e-mails wearing the look."""

from __future__ import annotations

import struct
import zlib

import pytest

from boxoffice.branding.models import Branding
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, assert_error, count_rows, make_merchant, sign_up

DETAILS = {
    "id",
    "exists",
    "brand_name",
    "paywall_cover_photo",
    "paywall_brand_logo",
    "paywall_primary_color",
    "paywall_secondary_color",
    "paywall_buttons_bg_color",
    "paywall_buttons_text_color",
    "preview_buttons_bg_color",
    "preview_buttons_text_color",
    "preview_top_border",
    "inplayer_protected_label",
    "paywall_footer",
    "default",
    "template_id",
    "terms_url",
    "dark_mode",
    "created_at",
    "updated_at",
}


def png(width: int = 2, height: int = 1) -> bytes:
    """A real, decodable PNG of `width` x `height` white pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def create(server: Server, merchant: Merchant, **fields: str) -> dict[str, object]:
    response = await server.http.post("/branding/paywall", headers=merchant.auth, data=fields)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_merchant_makes_reads_changes_and_removes_looks(server: Server, merchant: Merchant) -> None:
    first = await create(
        server,
        merchant,
        brand_name=" Acme Video ",
        paywall_primary_color="#1A73E8",
        paywall_buttons_bg_color="#0f0",
        paywall_footer="Acme Video, 1 Main Street",
        terms_url="https://watch.example.com/terms",
        dark_mode="true",
        template_id="2",
    )
    assert set(first) == DETAILS
    assert (first["brand_name"], first["exists"], first["default"]) == ("Acme Video", True, True)  # the first one
    assert (first["paywall_primary_color"], first["paywall_buttons_bg_color"]) == ("#1a73e8", "#00ff00")
    assert (first["dark_mode"], first["template_id"], first["preview_top_border"]) == (True, 2, True)
    url = f"/branding/paywall/{first['id']}"
    assert (await server.http.get(url, headers=merchant.auth)).json() == first

    second = await create(server, merchant, brand_name="Acme Sports", default="true")
    assert second["default"] is True
    listed = (await server.http.get("/branding/paywall", headers=merchant.auth)).json()
    assert [(look["id"], look["default"]) for look in listed] == [(first["id"], False), (second["id"], True)]

    changed = await server.http.put(
        url, headers=merchant.auth, data={"paywall_footer": "", "paywall_secondary_color": "#abcdef"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["paywall_footer"], changed.json()["paywall_secondary_color"]) == (None, "#abcdef")
    assert changed.json()["brand_name"] == "Acme Video"  # not sent: kept
    # Making a look no longer the default is not how a default changes: another one is made default instead.
    kept = await server.http.put(f"/branding/paywall/{second['id']}", headers=merchant.auth, data={"default": "0"})
    assert kept.json()["default"] is True

    removed = await server.http.delete(f"/branding/paywall/{second['id']}", headers=merchant.auth)
    assert removed.status_code == 200, removed.text
    assert (await server.http.get(url, headers=merchant.auth)).json()["default"] is True  # the oldest took its place
    assert_error(await server.http.get(f"/branding/paywall/{second['id']}", headers=merchant.auth), 404)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"brand_name": ""}, "brand_name"),
        ({"paywall_footer": "x"}, "brand_name"),
        ({"brand_name": "A", "paywall_primary_color": "blue"}, "paywall_primary_color"),
        ({"brand_name": "A", "preview_buttons_text_color": "#12345"}, "preview_buttons_text_color"),
        ({"brand_name": "A", "paywall_brand_logo": "javascript:alert(1)"}, "paywall_brand_logo"),
        ({"brand_name": "A", "terms_url": "/terms"}, "terms_url"),
        ({"brand_name": "A", "dark_mode": "maybe"}, "dark_mode"),
        ({"brand_name": "A", "template_id": "-1"}, "template_id"),
        ({"brand_name": "A" * 201}, "brand_name"),
    ],
)
async def test_a_bad_look_is_refused_naming_the_field_and_nothing_is_written(
    server: Server, merchant: Merchant, fields: dict[str, str], named: str
) -> None:
    response = await server.http.post("/branding/paywall", headers=merchant.auth, data=fields)
    assert_error(response, 422, named)
    assert await count_rows(server, Branding, merchant.id) == 0


async def test_an_uploaded_logo_is_kept_and_served_for_ever(server: Server, merchant: Merchant) -> None:
    image = png()
    response = await server.http.post(
        "/branding/paywall",
        headers=merchant.auth,
        data={"brand_name": "Acme"},
        files={"paywall_brand_logo": ("logo.png", image, "image/png")},
    )
    assert response.status_code == 201, response.text
    logo = response.json()["paywall_brand_logo"]
    assert logo.startswith(f"http://testserver/branding/images/{merchant.uuid}/") and logo.endswith(".png")
    served = await server.http.get(logo)
    assert served.status_code == 200 and served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    again = await server.http.get(logo, headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    # The cover, uploaded on a change; the same bytes are the same file.
    look = response.json()["id"]
    changed = await server.http.put(
        f"/branding/paywall/{look}",
        headers=merchant.auth,
        files={"paywall_cover_photo": ("cover.png", image, "image/png")},
        data={"brand_name": "Acme"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["paywall_cover_photo"] == logo

    # Only the merchant the URL names has the image.
    other = await make_merchant(server, "owner@other.example.com")
    assert (await server.http.get(logo.replace(merchant.uuid, other.uuid))).status_code == 404
    assert (await server.http.get(logo.replace(".png", ".gif"))).status_code == 404
    assert (await server.http.get(f"/branding/images/{merchant.uuid}/..%2Fsecret.png")).status_code == 404


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "PNG, JPEG, GIF or WebP"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "2 MiB"),
    ],
)
async def test_an_upload_that_is_no_small_image_is_refused(
    server: Server, merchant: Merchant, content: bytes, says: str
) -> None:
    response = await server.http.post(
        "/branding/paywall",
        headers=merchant.auth,
        data={"brand_name": "Acme"},
        files={"paywall_cover_photo": ("cover.png", content, "image/png")},  # whatever the upload claims to be
    )
    body = assert_error(response, 422, "paywall_cover_photo")
    assert says in body["errors"]["paywall_cover_photo"]
    assert await count_rows(server, Branding, merchant.id) == 0


async def test_the_public_read_gives_a_look_by_id_or_the_default(server: Server, merchant: Merchant) -> None:
    public = f"/branding/paywall/{merchant.uuid}"
    none = (await server.http.get(f"{public}/default")).json()
    assert set(none) == DETAILS
    assert (none["exists"], none["brand_name"], none["default"]) == (False, "Publisher", True)

    first = await create(server, merchant, brand_name="Acme", paywall_primary_color="#112233")
    second = await create(server, merchant, brand_name="Acme Sports")
    assert (await server.http.get(f"{public}/default")).json() == first
    assert (await server.http.get(f"{public}/{second['id']}")).json() == second
    assert_error(await server.http.get(f"{public}/999999"), 404)
    assert_error(await server.http.get(f"{public}/not-a-number"), 404)
    assert_error(await server.http.get(f"/branding/paywall/{'0' * 8}-0000-0000-0000-{'0' * 12}/default"), 404)


async def test_looks_are_each_merchants_own(server: Server, merchant: Merchant) -> None:
    mine = await create(server, merchant, brand_name="Acme")
    other = await make_merchant(server, "owner@other.example.com")
    theirs = f"/branding/paywall/{mine['id']}"
    assert_error(await server.http.get(theirs, headers=other.auth), 404)
    assert_error(await server.http.put(theirs, headers=other.auth, data={"brand_name": "Mine now"}), 404)
    assert_error(await server.http.delete(theirs, headers=other.auth), 404)
    assert_error(await server.http.get(f"/branding/paywall/{other.uuid}/{mine['id']}"), 404)
    assert (await server.http.get("/branding/paywall", headers=other.auth)).json() == []
    assert (await server.http.get(theirs, headers=merchant.auth)).json()["brand_name"] == "Acme"


async def test_the_merchants_emails_wear_its_default_look(server: Server, merchant: Merchant, mailbox: Mailbox) -> None:
    plain = await sign_up(server, merchant, "before@example.com")
    await create(
        server,
        merchant,
        brand_name="Acme Video",
        paywall_brand_logo="https://cdn.example.com/acme.png",
        paywall_primary_color="#1a73e8",
        paywall_footer="Acme Video, 1 Main Street",
        terms_url="https://watch.example.com/terms",
        dark_mode="true",
    )
    vera = await sign_up(server, merchant, "vera@example.com")
    await server.run_jobs()

    before = mailbox.last(plain.email)
    assert before["Subject"] == "Welcome to Publisher" and "Sent by Publisher." in html_of(before)
    worn = mailbox.last(vera.email)
    assert worn["Subject"] == "Welcome to Acme Video"
    html = html_of(worn)
    assert '<img src="https://cdn.example.com/acme.png" alt="Acme Video"' in html
    assert "Acme Video, 1 Main Street" in html and 'href="https://watch.example.com/terms"' in html
    assert 'content="dark"' in html and "#1a73e8" in html


def html_of(message: object) -> str:
    part = message.get_body(("html",))  # type: ignore[attr-defined]
    assert part is not None
    content: str = part.get_content()
    return content


async def test_a_template_id_past_what_the_column_holds_is_refused(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/branding/paywall", headers=merchant.auth, data={"brand_name": "Acme", "template_id": "3000000000"}
    )
    assert_error(response, 422, "template_id")
    assert await count_rows(server, Branding, merchant.id) == 0


async def test_an_image_never_uploaded_is_not_modified_for_nobody(server: Server, merchant: Merchant) -> None:
    missing = f"/branding/images/{merchant.uuid}/{'a' * 32}.png"
    response = await server.http.get(missing, headers={"If-None-Match": f'"{"a" * 32}.png"'})
    assert response.status_code == 404
