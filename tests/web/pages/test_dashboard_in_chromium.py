"""The dashboard in Chromium: a publisher signs in and reads the overview's revenue, chart and figures; axe-core
finds no serious violation on either page."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from tests.compat.inplayer.merchant_setup import expect as expect_ok
from tests.web.pages.browser import Shop, Steps, only_this_machine, serious_violations, shown

CARD = {"number": "4242424242424242", "card_name": "Vera", "exp_month": "12", "exp_year": "2031", "cvv": "123"}
expect.set_options(timeout=20_000)


def sell_the_film(shop: Shop) -> None:
    viewer = {
        "client_id": shop.merchant.uuid,
        "type": "consumer",
        "grant_type": "password",
        "full_name": "Vera Viewer",
        "username": "vera@example.com",
        "email": "vera@example.com",
        "password": "viewer pass 12",
        "password_confirmation": "viewer pass 12",
        "metadata[terms]": "true",
    }
    with httpx.Client(base_url=shop.base_url) as http:
        token = expect_ok(http.post("/accounts", data=viewer))["access_token"]
        paid = http.post(
            "/payments", headers={"Authorization": f"Bearer {token}"}, data=CARD | {"access_fee": str(shop.rent)}
        )
        assert paid.status_code == 200, paid.text


def test_a_publisher_signs_in_and_reads_the_overview(shop: Shop, browser: Browser, tmp_path: Path) -> None:
    sell_the_film(shop)
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.set_default_timeout(20_000)
    steps = Steps(page, tmp_path)
    with steps.step("sign in"):
        page.goto(f"{shop.base_url}/dashboard")
        expect(page.get_by_role("heading", name="Sign in to your dashboard")).to_be_visible()
        assert serious_violations(page) == [], shown(serious_violations(page))
        page.get_by_label("E-mail address").fill(shop.merchant.email)
        page.get_by_label("Password").fill("wrong password here")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("The e-mail address or the password is wrong.")).to_be_visible()
        page.get_by_label("Password").fill("publisher pass 1")
        page.get_by_role("button", name="Sign in").click()

    with steps.step("the overview"):
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        revenue = page.get_by_role("region", name="Revenue in EUR")
        expect(revenue.locator("dd")).to_have_text(["€4.99", "€4.99", "€4.99"])  # today, 7 days, 30 days
        expect(revenue.get_by_role("img", name=re.compile("Net revenue per day in EUR"))).to_be_visible()
        violations = serious_violations(page)
        assert violations == [], shown(violations)
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in to your dashboard")).to_be_visible()
