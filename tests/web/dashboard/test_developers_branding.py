"""Looks at the dashboard: a draft previewed without being written, a bad colour refused with nothing written, a look
saved that the API and the hosted pages then wear, changed and removed; closed to roles without the settings."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.dialects.inplayer.test_branding import png
from tests.web.dashboard.desk import Desk, invite, owner

BRANDING = "/dashboard/developers/branding"
LOOK = {
    "brand_name": "Acme Video",
    "logo": "https://cdn.example.com/logo.png",
    "primary_color": "#A1B",
    "button_color": "#112233",
    "footer": "Acme Video, 1 Main Street",
    "terms_url": "https://acme.example.com/terms",
    "dark_mode": "on",
}


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def default_look(server: Server, merchant: Merchant) -> dict[str, object]:
    answer = await server.http.get(f"/branding/paywall/{merchant.uuid}/default")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def save(boss: Desk, path: str, form: dict[str, str]) -> str:
    saved = await boss.post(path, form | {"action": "save"})
    assert saved.status_code == 303, saved.text
    found = re.fullmatch(rf"{BRANDING}/(\d+)\?told=saved", saved.headers["location"])
    assert found, saved.headers["location"]
    return f"{BRANDING}/{found.group(1)}"


async def test_a_look_is_previewed_saved_worn_changed_and_removed(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    assert "No look yet" in (await boss.get(BRANDING)).text
    previewed = await boss.post(BRANDING, LOOK | {"action": "preview"})
    assert previewed.status_code == 200
    preview = previewed.text.split("data-look-preview")[1]
    assert 'src="https://cdn.example.com/logo.png"' in preview and "Acme Video, 1 Main Street" in preview
    assert "--primary: #aa11bb;" in previewed.text and "look-preview dark" in previewed.text
    assert (await default_look(server, merchant))["exists"] is False  # a preview writes nothing

    bad = await boss.post(BRANDING, LOOK | {"primary_color": "red", "action": "save"})
    assert bad.status_code == 422 and "#rrggbb or #rgb" in bad.text and 'value="red"' in bad.text
    assert (await default_look(server, merchant))["exists"] is False

    here = await save(boss, BRANDING, LOOK)
    worn = await default_look(server, merchant)
    assert (worn["brand_name"], worn["paywall_primary_color"], worn["dark_mode"]) == ("Acme Video", "#aa11bb", True)
    assert 'value="#aa11bb"' in (await boss.get(here)).text
    pages = await server.http.get(f"/pages/{merchant.uuid}/sign-in")
    assert pages.status_code == 200 and "--primary: #aa11bb;" in pages.text

    changed = LOOK | {"primary_color": "#000000", "logo": "", "dark_mode": ""}
    draft = await boss.post(here, changed | {"action": "preview"})
    assert "--primary: #000000;" in draft.text and "logo.png" not in draft.text.split("data-look-preview")[1]
    assert (await default_look(server, merchant))["paywall_primary_color"] == "#aa11bb"
    await save(boss, here, changed)
    worn = await default_look(server, merchant)
    assert (worn["paywall_primary_color"], worn["paywall_brand_logo"], worn["dark_mode"]) == ("#000000", None, False)

    removed = await boss.post(f"{here}/remove")
    assert removed.headers["location"] == f"{BRANDING}?told=removed"
    assert (await default_look(server, merchant))["exists"] is False
    assert (await boss.get(here)).status_code == 404
    log = (await boss.get("/dashboard/audit", q="look")).text
    assert "Saved a look" in log and "Removed a look" in log


async def test_an_uploaded_logo_is_kept_and_worn(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    image = png()
    form = {"csrf_token": await boss.token(BRANDING), "brand_name": "Acme", "logo": "", "action": "save"}
    too_big = await boss.http.post(
        BRANDING, data=form, files={"logo_file": ("logo.png", image + b"\x00" * 2 * 1024 * 1024, "image/png")}
    )
    assert too_big.status_code == 422 and "problem-logo" in too_big.text
    not_an_image = await boss.http.post(BRANDING, data=form, files={"logo_file": ("logo.png", b"%PDF", "image/png")})
    assert not_an_image.status_code == 422 and (await default_look(server, merchant))["exists"] is False

    saved = await boss.http.post(BRANDING, data=form, files={"logo_file": ("logo.png", image, "image/png")})
    assert saved.status_code == 303, saved.text
    logo = str((await default_look(server, merchant))["paywall_brand_logo"])
    assert logo.startswith(f"http://testserver/branding/images/{merchant.uuid}/")
    assert (await server.http.get(logo)).content == image
    assert f'src="{logo}"' in (await boss.get(saved.headers["location"])).text  # the saved look's preview wears it


async def test_only_roles_with_the_settings_change_looks(server: Server, mailbox: Mailbox, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    here = await save(boss, BRANDING, LOOK)
    other = await owner(server, await make_merchant(server, "other@publisher.example.com"))
    assert (await other.get(here)).status_code == 404
    assert (await other.post(f"{here}/remove")).status_code == 404
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    for path in (BRANDING, here):
        assert (await support.get(path)).status_code == 403, path
    assert (await support.post(here, LOOK | {"brand_name": "Evil", "action": "save"})).status_code == 403
    assert (await support.post(f"{here}/remove")).status_code == 403
    assert (await default_look(server, merchant))["brand_name"] == "Acme Video"
