"""A viewer's whole journey through the hosted pages, in Chromium: signing up with the merchant's register
fields, renting a film by card, subscribing with a trial through the bank's challenge (3-D Secure), and in My
Account cancelling, keeping, replacing the card, switching plan and downloading a receipt; each page checked by
axe-core."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.dialects.inplayer.test_branding import png
from tests.web.pages.browser import Shop, Steps, only_this_machine, serious_violations, shown

PASSWORD = "viewer pass 12"
GOOD_CARD, CHALLENGED_CARD, NEW_CARD = "4242 4242 4242 4242", "4000 0025 0000 3155", "5555 5555 5555 4444"
expect.set_options(timeout=20_000)


def new_page(browser: Browser, locale: str) -> Page:
    """A page of a browser whose language is `locale`, reaching nothing but this machine."""
    # axe-core is injected as a script of the test's own: the pages' Content-Security-Policy would refuse it.
    context = browser.new_context(locale=locale, bypass_csp=True)
    context.route("**/*", only_this_machine)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    return opened


@pytest.fixture
def page(browser: Browser) -> Page:
    return new_page(browser, "en-GB")


def fill_card(page: Page, number: str) -> None:
    page.get_by_label("Name on the card").fill("Vera Viewer")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month (MM)").fill("12")
    page.get_by_label("Expiry year (YYYY)").fill("2031")
    page.get_by_label("Security code").fill("123")


def accessible(page: Page) -> None:
    violations = serious_violations(page)
    assert violations == [], f"{page.url}: {shown(violations)}"


def test_a_viewer_signs_up_buys_subscribes_and_manages_the_account(shop: Shop, page: Page, tmp_path: Path) -> None:
    steps = Steps(page, tmp_path)
    with steps.step("sign up"):
        page.goto(shop.page(f"offers/{shop.film}"))
        expect(page.get_by_role("heading", name="The Film")).to_be_visible()
        accessible(page)
        page.get_by_role("link", name=re.compile("^Buy")).click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        accessible(page)
        page.get_by_role("link", name="Create an account").click()
        accessible(page)
        page.get_by_label("Full name").fill("Vera Viewer")
        page.get_by_label("E-mail address").fill("vera@example.com")
        page.locator("#field-password").fill(PASSWORD)
        page.locator("#field-password_confirmation").fill(PASSWORD)
        page.get_by_role("button", name="Create an account").click()
        # The terms are required: the form comes back saying so, the rest kept.
        expect(page.get_by_text("The terms field is required")).to_be_visible()
        expect(page.get_by_label("Full name")).to_have_value("Vera Viewer")
        accessible(page)
        page.get_by_label("Country").select_option("DE")
        page.locator("#field-password").fill(PASSWORD)
        page.locator("#field-password_confirmation").fill(PASSWORD)
        page.get_by_label("https://publisher.example.com/terms").check()
        page.get_by_role("button", name="Create an account").click()
        expect(page.get_by_role("heading", name="Checkout")).to_be_visible()  # on to what they were buying

    with steps.step("rent the film by card"):
        accessible(page)
        fill_card(page, GOOD_CARD)
        page.get_by_role("button", name="Pay €4.99").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        expect(page.get_by_text("You can now watch The Film.")).to_be_visible()
        accessible(page)

    with steps.step("subscribe with a trial through the bank's challenge"):
        page.goto(shop.page(f"checkout/{shop.monthly}"))
        expect(page.get_by_text("Free trial: 7 days. You pay nothing today.")).to_be_visible()
        fill_card(page, CHALLENGED_CARD)
        page.get_by_role("button", name="Start the subscription").click()
        page.get_by_role("link", name="Complete authentication").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    with steps.step("my account"):
        page.get_by_role("link", name="Go to my account").click()
        expect(page.get_by_role("heading", name="My account")).to_be_visible()
        owned = page.get_by_role("region", name="What you can watch")
        expect(owned.get_by_text("The Film")).to_have_count(2)  # rented, and by the pass
        expect(page.get_by_text("Card ending in 3155")).to_be_visible()
        accessible(page)

    with steps.step("cancel and keep the subscription"):
        page.get_by_role("button", name="Cancel The Film").click()
        expect(page.get_by_text("The subscription is cancelled.")).to_be_visible()
        expect(page.get_by_text(re.compile("Cancelled: ends on"))).to_be_visible()
        page.get_by_role("button", name="Keep it The Film").click()
        expect(page.get_by_text("The subscription goes on.")).to_be_visible()
        expect(page.get_by_text(re.compile("Renews on"))).to_be_visible()

    with steps.step("replace the card"):
        page.get_by_text("Replace the card").click()
        fill_card(page, NEW_CARD)
        page.get_by_role("button", name="Save the card").click()
        expect(page.get_by_text("Your card is saved.")).to_be_visible()
        expect(page.get_by_text("Card ending in 4444")).to_be_visible()

    with steps.step("switch plan"):
        page.get_by_role("button", name="Switch to Yearly pass (€99.00)").click()
        expect(page.get_by_text("Your subscription is on its new plan.")).to_be_visible()
        expect(page.get_by_role("cell", name="The Film — Yearly pass")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Switch to Monthly pass"))).to_be_visible()

    with steps.step("download a receipt"):
        with page.expect_download() as downloading:
            page.get_by_role("link", name=re.compile("Receipt \\(PDF\\)")).first.click()
        receipt = downloading.value
        saved = tmp_path / receipt.suggested_filename
        receipt.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF-")

    with steps.step("sign out"):
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.goto(shop.page("account"))
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_pages_wear_the_merchants_look_and_speak_the_viewers_language(
    shop: Shop, browser: Browser, tmp_path: Path
) -> None:
    page = new_page(browser, "fr-FR")
    steps = Steps(page, tmp_path)
    with steps.step("french"):
        page.goto(shop.page("sign-in"))
        expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        page.get_by_role("link", name="Créer un compte").click()
        expect(page.get_by_label(re.compile("^Nom complet"))).to_be_visible()
        page.get_by_role("button", name="Créer un compte").click()
        expect(page.get_by_text("Veuillez corriger ce qui est signalé ci-dessous.")).to_be_visible()
        accessible(page)
        page.get_by_role("link", name="English").click()
        expect(page.get_by_role("heading", name="Create an account")).to_be_visible()

    with steps.step("the merchant's look"):
        page.goto(shop.page("sign-in"))
        before = page.screenshot(full_page=True)
        button = page.get_by_role("button", name="Sign in")
        plain = button.evaluate("element => getComputedStyle(element).backgroundColor")
        look = {
            "brand_name": "Acme Cinema",
            "paywall_primary_color": "#8a1538",
            "paywall_buttons_bg_color": "#0b5e2a",
            "paywall_buttons_text_color": "#ffffff",
            "paywall_footer": "Acme Cinema, 1 Main Street",
            "dark_mode": "true",
        }
        with httpx.Client(base_url=shop.base_url, headers={"Authorization": f"Bearer {shop.merchant.token}"}) as api:
            made = api.post(
                "/branding/paywall", data=look, files={"paywall_brand_logo": ("logo.png", png(), "image/png")}
            )
            assert made.status_code == 201, made.text
        page.reload()
        expect(page.get_by_role("img", name="Acme Cinema")).to_be_visible()
        expect(page.get_by_text("Acme Cinema, 1 Main Street")).to_be_visible()
        worn = button.evaluate("element => getComputedStyle(element).backgroundColor")
        assert (plain, worn) == ("rgb(21, 88, 176)", "rgb(11, 94, 42)")
        assert (
            page.locator("body").evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(21, 21, 21)"
        )
        after = page.screenshot(full_page=True)
        (tmp_path / "before.png").write_bytes(before)
        (tmp_path / "after.png").write_bytes(after)
        assert before != after
        accessible(page)
