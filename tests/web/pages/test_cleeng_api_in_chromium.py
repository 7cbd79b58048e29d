"""Cleeng's JS API (`/js-api/3.0/api.js`) on a publisher's page of another origin, in Chromium: a checkout in a
popup and one inline (two offers to choose from, the bank's challenge), My Account from an HTML trigger in an
overlay, and the helpers; each callback gets Cleeng's result shape, and the customer token is kept in the
`CleengClientAccessToken` cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Frame, FrameLocator, Page, expect

from boxoffice.identity.merchants import PUBLIC_NUMBER_BASE
from tests.compat.inplayer.merchant_setup import expect as expect_ok
from tests.web.pages.browser import Shop, Steps, only_this_machine
from tests.web.pages.test_paywall_in_chromium import Publisher

PASSWORD = "viewer pass 12"
expect.set_options(timeout=20_000)

PUBLISHER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Publisher</title></head>
<body>
<h1>Subscribe to Publisher TV</h1>
<button type="button" id="rent">Rent in a popup</button>
<button type="button" id="plans">Choose a plan here</button>
<div id="checkout-here"></div>
<a href="#" data-cleeng-trigger data-action="my-account" data-display-type="overlay"
   data-publisher-id="{publisher}" data-completed-callback="accountClosed">My account</a>
<script src="{base}/js-api/3.0/api.js"></script>
<script>
  window.results = [];
  CleengApi.setAuthOption('publisherId', '{publisher}');
  function accountClosed(result) {{ window.results.push(['account', result]); }}
  document.getElementById('rent').addEventListener('click', function () {{
    CleengApi.checkout({{displayType: 'popup', offerId: '{rent}',
      completed: function (result) {{ window.results.push(['popup', result]); }}}});
  }});
  document.getElementById('plans').addEventListener('click', function () {{
    CleengApi.checkout({{displayType: 'inline', containerId: 'checkout-here', offerId: '{monthly},{yearly}',
      completed: function (result) {{ window.results.push(['inline', result]); }}}});
  }});
</script>
</body></html>
"""


def publisher_number(shop: Shop) -> int:
    with httpx.Client(base_url=shop.base_url, headers={"Authorization": f"Bearer {shop.merchant.token}"}) as http:
        account = expect_ok(http.get("/accounts"))
    return PUBLIC_NUMBER_BASE + int(account["id"])


@pytest.fixture
def publisher(shop: Shop) -> Iterator[Publisher]:
    html = PUBLISHER_PAGE.format(
        base=shop.base_url,
        publisher=publisher_number(shop),
        rent=f"R{shop.rent:09d}_EU",
        monthly=f"S{shop.monthly:09d}_EU",
        yearly=f"S{shop.yearly:09d}_EU",
    )
    site = Publisher(html)
    with httpx.Client(base_url=shop.base_url, headers={"Authorization": f"Bearer {shop.merchant.token}"}) as http:
        expect_ok(http.put("/v2/allowed-origins", data={"origins[]": [site.origin]}))
    yield site
    site.close()


def results(page: Page, count: int) -> list[list[Any]]:
    page.wait_for_function(f"window.results.length >= {count}")
    found: list[list[Any]] = page.evaluate("window.results")
    return found


def sign_up(flow: Page | Frame | FrameLocator) -> None:
    flow.get_by_role("link", name="Create an account").click()
    flow.get_by_label(re.compile("^Full name")).fill("Vera Viewer")
    flow.get_by_label(re.compile("^E-mail address")).fill("vera@example.com")
    flow.locator("#field-password").fill(PASSWORD)
    flow.locator("#field-password_confirmation").fill(PASSWORD)
    flow.get_by_label("https://publisher.example.com/terms").check()
    flow.get_by_role("button", name="Create an account").click()


def pay(flow: Page | Frame | FrameLocator, number: str, button: re.Pattern[str]) -> None:
    flow.get_by_label("Name on the card").fill("Vera Viewer")
    flow.get_by_label("Card number").fill(number)
    flow.get_by_label("Expiry month (MM)").fill("12")
    flow.get_by_label("Expiry year (YYYY)").fill("2031")
    flow.get_by_label("Security code").fill("123")
    flow.get_by_role("button", name=button).click()


def test_cleeng_api_checkouts_my_account_and_helpers_from_a_publishers_page(
    shop: Shop, publisher: Publisher, browser: Browser, tmp_path: Any
) -> None:
    context = browser.new_context(locale="en-GB")
    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.set_default_timeout(20_000)
    steps = Steps(page, tmp_path)
    page.goto(publisher.origin + "/")

    with steps.step("a checkout in a popup"):
        with page.expect_popup() as opening:
            page.get_by_role("button", name="Rent in a popup").click()
        popup = opening.value
        expect(popup.get_by_role("heading", name="Sign in")).to_be_visible()
        sign_up(popup)
        pay(popup, "4242 4242 4242 4242", re.compile("^Pay €"))
        [(kind, result)] = results(page, 1)
        token = result.pop("customerToken")
        assert (kind, result) == (
            "popup",
            {"authorizationSuccessful": True, "accessGranted": True, "offerId": f"R{shop.rent:09d}_EU"},
        )
        assert token and page.evaluate("CleengApi.getToken()") == token
        assert f"CleengClientAccessToken={token}" in page.evaluate("document.cookie")

    with steps.step("two offers inline, through the bank's challenge"):
        page.get_by_role("button", name="Choose a plan here").click()
        inline = page.frame_locator("#checkout-here iframe")
        expect(inline.get_by_role("heading", name="Choose how to watch")).to_be_visible()
        expect(inline.get_by_text("Yearly pass — The Film")).to_be_visible()
        inline.get_by_role("link", name=re.compile("^Subscribe — Monthly pass")).click()
        inline.get_by_label(re.compile("^E-mail address")).fill("vera@example.com")
        inline.locator("#field-password").fill(PASSWORD)
        inline.get_by_role("button", name="Sign in").click()
        pay(inline, "4000 0025 0000 3155", re.compile("^Start the subscription"))
        inline.get_by_role("link", name="Complete authentication").click()
        (kind, result) = results(page, 2)[1]
        assert kind == "inline" and result["accessGranted"] is True
        assert result["offerId"] == f"S{shop.monthly:09d}_EU" and result["authorizationSuccessful"] is True
        expect(page.locator("#checkout-here iframe")).to_have_count(0)

    with steps.step("my account from an HTML trigger"):
        page.get_by_role("link", name="My account").click()
        overlay = page.frame_locator("[role=dialog] iframe")
        expect(overlay.get_by_role("heading", name="My account")).to_be_visible()
        expect(overlay.get_by_text(re.compile("Renews on"))).to_be_visible()
        page.get_by_role("button", name="Close").click()
        (kind, result) = results(page, 3)[2]
        kept = page.evaluate("CleengApi.getToken()")
        assert (kind, result) == ("account", {"authorizationSuccessful": True, "customerToken": kept})

    with steps.step("the helpers"):
        customer = page.evaluate("new Promise((done) => CleengApi.getCustomer(done))")
        assert set(customer) == {"country", "currency", "displayName", "firstName", "id", "lastName", "locale"}
        assert (customer["displayName"], customer["firstName"], customer["lastName"]) == (
            "Vera Viewer",
            "Vera",
            "Viewer",
        )
        assert page.evaluate("new Promise((done) => CleengApi.autologin(done))") == {"success": True}
        token = page.evaluate("CleengApi.getToken()")
        assert page.evaluate("new Promise((done) => CleengApi.logout(done))") == [{"success": True}]
        assert page.evaluate("CleengApi.getToken()") is None
        assert page.evaluate("new Promise((done) => CleengApi.autologin(done))") == {"success": False}
        assert page.evaluate("new Promise((done) => CleengApi.getCustomer(done))") is None
        # The token kept no longer works anywhere: logging out ended its session.
        assert httpx.get(f"{shop.base_url}/accounts", headers={"Authorization": f"Bearer {token}"}).status_code == 401
