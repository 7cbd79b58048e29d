"""The InPlayer API called from a page on another origin, by Chromium itself: the browser sends its own pre-flights
and decides from the answers whether the page may read them. The page is at `http://localhost:<port>`, the API at
`http://127.0.0.1:<port>` (one server, two origins)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, sync_playwright

from boxoffice.app import create_app
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.compat.inplayer.merchant_setup import Merchant, create_merchant, expect, merchant_client
from tests.compat.live_server import empty_database, serving
from tests.compat.mediastore.harness import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.conftest import free_port

# Run in the page: the call as the InPlayer SDK makes it, and what the page could read of its answer.
FETCH = """async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    return {status: response.status, body: await response.json()};
  } catch (error) {
    return {error: String(error)};
  }
}"""


@pytest.fixture
def api(migrated_database_url: str, tmp_path: Path) -> Iterator[str]:
    require_chromium("the browser CORS test")
    port = free_port()
    settings = Settings(
        database_url=migrated_database_url,
        mail_dir=tmp_path / "mail",
        public_url=f"http://127.0.0.1:{port}",
        cors_cache_seconds=0.0,
    )
    try:
        with serving(create_app(settings), port):
            yield f"http://127.0.0.1:{port}"
    finally:
        empty_database(migrated_database_url)


@pytest.fixture
def page(api: str) -> Iterator[Page]:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        opened = browser.new_page()
        opened.goto(api.replace("127.0.0.1", "localhost") + "/healthz")  # any page of the other origin
        yield opened
        browser.close()


def call(page: Page, url: str, **init: Any) -> dict[str, Any]:
    answer: dict[str, Any] = page.evaluate(FETCH, [url, init])
    return answer


def test_a_page_on_another_origin_uses_the_inplayer_api(api: str, page: Page) -> None:
    merchant = create_merchant(api)
    item, viewer_token = _set_up(api, merchant)
    fields = call(page, f"{api}/accounts/register-fields/{merchant.uuid}", headers={"Content-Type": "application/json"})
    assert fields["status"] == 200 and fields["body"]["collection"][0]["name"] == "terms", fields
    fees = call(page, f"{api}/items/{item}/access-fees")
    assert fees["status"] == 200 and fees["body"][0]["amount"] == 4.99, fees
    form = f"client_id={merchant.uuid}&grant_type=password&username=nobody%40example.com&password=wrong-pass"
    signed_in = call(
        page,
        f"{api}/accounts/authenticate",
        method="POST",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert signed_in.get("status", 0) >= 400 and signed_in["body"]["message"], signed_in  # the page reads why
    # A viewer's token is sent only from an origin a merchant lists.
    viewer = {"Authorization": f"Bearer {viewer_token}"}
    assert "error" in call(page, f"{api}/items/{item}/access", headers=viewer)
    with merchant_client(api, merchant) as http:
        expect(http.put("/v2/allowed-origins", data={"origins[0]": api.replace("127.0.0.1", "localhost")}))
    access = call(page, f"{api}/items/{item}/access", headers=viewer)
    assert access["status"] == 200 and access["body"]["item"]["id"] == item, access
    account = call(page, f"{api}/accounts", headers=viewer)
    assert account["status"] == 200 and account["body"]["email"] == "viewer@example.com", account


def _set_up(api: str, merchant: Merchant) -> tuple[int, str]:
    """A register field, an item with a fee, and a viewer who holds access to it."""
    with merchant_client(api, merchant) as http:
        field = {"name": "terms", "label": "Terms", "type": "checkbox", "required": "false"}
        expect(http.post("/accounts/register-fields", data=field), 201)
        form = {"title": "Film", "item_type": "html_asset", "access_control_type_id": "1", "content": "<p>on</p>"}
        item = int(expect(http.post("/v2/items", data=form), 201)["id"])
        fee = {"access_type_id": "3", "amount": "4.99", "currency": "EUR", "description": "Week"}
        expect(http.post(f"/v2/items/{item}/access-fees", data=fee), 201)
        signed_up = expect(
            httpx.post(
                f"{api}/accounts",
                data={
                    "full_name": "Vera Viewer",
                    "username": "viewer@example.com",
                    "password": "viewer-pass-1",
                    "password_confirmation": "viewer-pass-1",
                    "client_id": merchant.uuid,
                    "type": "consumer",
                    "grant_type": "password",
                },
            ),
            200,
        )
        expires = str(clock.unix(clock.now()) + 86400)
        grant = {"item_id": str(item), "consumer_id": str(signed_up["account"]["id"]), "expires_at": expires}
        expect(http.post("/items/access", data=grant))
    return item, str(signed_up["access_token"])
