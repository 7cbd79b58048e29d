"""paywall.js on a publisher's page of another origin than Boxoffice, in Chromium: the viewer opens the overlay,
signs up, pays by card (and by a card its bank challenges), sees the content unlocked in place, subscribes with a
trial, and in My Account cancels, keeps, replaces the card, switches plan and downloads a receipt; the page's
script hears `authenticated`, `payment`, `access` and `logout`, and a page of an origin the merchant does not
list is told nothing."""

from __future__ import annotations

import http.server
import re
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect

from tests.compat.inplayer.merchant_setup import PAID, access_type_id, add_fee, create_item
from tests.compat.inplayer.merchant_setup import expect as expect_ok
from tests.web.pages.browser import Shop, Steps, only_this_machine

PASSWORD = "viewer pass 12"
expect.set_options(timeout=20_000)

PUBLISHER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Publisher</title></head>
<body>
<h1>Tonight on Publisher TV</h1>
<div id="inplayer-{film}"></div>
<div id="inplayer-{concert}"></div>
<script src="{base}/pages/static/paywall.js"></script>
<script>
  window.heard = [];
  var paywall = new InplayerPaywall('{merchant}', [{{id: {film}}}, {{id: {concert}}}], {{language: 'en'}});
  ['authenticated', 'payment', 'access', 'logout'].forEach(function (name) {{
    paywall.on(name, function () {{ window.heard.push(name); }});
  }});
</script>
</body></html>
"""


class Publisher:
    """The publisher's own site: one page, on its own origin (`localhost`, where Boxoffice is `127.0.0.1`)."""

    def __init__(self, html: str) -> None:
        page = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *_: object) -> None:
                pass

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def concert_of(shop: Shop) -> int:
    with httpx.Client(base_url=shop.base_url, headers={"Authorization": f"Bearer {shop.merchant.token}"}) as http:
        concert = create_item(
            http, item_type="html_asset", title="The Concert", access_control_type_id=PAID, content="<p>Live!</p>"
        )
        add_fee(
            http,
            concert["id"],
            access_type_id=str(access_type_id(http, "ppv", 48, "hour")),
            amount="2.50",
            currency="EUR",
            description="Watch tonight",
        )
    return int(concert["id"])


@pytest.fixture
def publisher(shop: Shop) -> Iterator[Publisher]:
    concert = concert_of(shop)
    html = PUBLISHER_PAGE.format(film=shop.film, concert=concert, base=shop.base_url, merchant=shop.merchant.uuid)
    site = Publisher(html)
    yield site
    site.close()


def allow(shop: Shop, *origins: str) -> None:
    with httpx.Client(base_url=shop.base_url, headers={"Authorization": f"Bearer {shop.merchant.token}"}) as http:
        expect_ok(http.put("/v2/allowed-origins", data={"origins[]": list(origins)}))


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="en-GB")
    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def fill_card(frame: FrameLocator, number: str) -> None:
    frame.get_by_label("Name on the card").fill("Vera Viewer")
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiry month (MM)").fill("12")
    frame.get_by_label("Expiry year (YYYY)").fill("2031")
    frame.get_by_label("Security code").fill("123")


def pay(frame: FrameLocator, number: str) -> None:
    fill_card(frame, number)
    frame.get_by_role("button", name=re.compile("^Pay €")).click()


def test_the_paywall_sells_in_an_overlay_and_unlocks_the_content_in_place(
    shop: Shop, publisher: Publisher, browser: Browser, tmp_path: Path
) -> None:
    allow(shop, publisher.origin)
    page = new_page(browser)
    steps = Steps(page, tmp_path)
    film = page.locator(f"#inplayer-{shop.film}")
    with steps.step("the preview"):
        page.goto(publisher.origin + "/")
        expect(film.get_by_text("The Film")).to_be_visible()
        film.get_by_role("button", name="Watch").click()
        overlay = page.frame_locator("iframe[title='Buy access']")
        expect(overlay.get_by_role("heading", name="The Film")).to_be_visible()

    with steps.step("sign up in the overlay"):
        overlay.get_by_role("link", name=re.compile("^Buy")).click()
        overlay.get_by_role("link", name="Create an account").click()
        overlay.get_by_label(re.compile("^Full name")).fill("Vera Viewer")
        overlay.get_by_label(re.compile("^E-mail address")).fill("vera@example.com")
        overlay.locator("#field-password").fill(PASSWORD)
        overlay.locator("#field-password_confirmation").fill(PASSWORD)
        overlay.get_by_label("https://publisher.example.com/terms").check()
        overlay.get_by_role("button", name="Create an account").click()
        expect(overlay.get_by_role("heading", name="Checkout")).to_be_visible()

    with steps.step("pay and see the film in place"):
        pay(overlay, "4242 4242 4242 4242")
        expect(film.get_by_text("Roll film")).to_be_visible()
        expect(page.locator("iframe")).to_have_count(0)  # the overlay closed
        assert page.evaluate("window.heard") == ["authenticated", "payment", "access"]

    concert = page.locator("[id^='inplayer-']").nth(1)
    with steps.step("pay through the bank's challenge"):
        concert.get_by_role("button", name="Watch").click()
        overlay = page.frame_locator("iframe[title='Buy access']")
        overlay.get_by_role("link", name=re.compile("^Buy")).click()
        pay(overlay, "4000 0025 0000 3155")
        overlay.get_by_role("link", name="Complete authentication").click()
        expect(concert.get_by_text("Live!")).to_be_visible()

    with steps.step("subscribe with a trial in the overlay"):
        page.evaluate(f"paywall.open('offers/{shop.film}')")
        overlay = page.frame_locator("iframe[title='Buy access']")
        overlay.get_by_role("link", name=re.compile("^Subscribe — Monthly pass")).click()
        expect(overlay.get_by_text("Free trial: 7 days. You pay nothing today.")).to_be_visible()
        fill_card(overlay, "4242 4242 4242 4242")
        overlay.get_by_role("button", name="Start the subscription").click()
        expect(page.locator("iframe")).to_have_count(0)  # granted: the overlay closed
        # The overlay closes on the payment; the access event follows the page's own check of access.
        page.wait_for_function("window.heard.filter(function (name) { return name === 'access'; }).length === 3")

    with steps.step("my account in the overlay"):
        page.evaluate("paywall.openAccount()")
        account = page.frame_locator("iframe[title='Buy access']")
        expect(account.get_by_role("heading", name="My account")).to_be_visible()
        account.get_by_role("button", name="Cancel The Film").click()
        expect(account.get_by_text(re.compile("Cancelled: ends on"))).to_be_visible()
        account.get_by_role("button", name="Keep it The Film").click()
        expect(account.get_by_text("The subscription goes on.")).to_be_visible()
        account.get_by_text("Replace the card").click()
        fill_card(account, "5555 5555 5555 4444")
        account.get_by_role("button", name="Save the card").click()
        expect(account.get_by_text("Card ending in 4444")).to_be_visible()
        account.get_by_role("button", name="Switch to Yearly pass (€99.00)").click()
        expect(account.get_by_text("Your subscription is on its new plan.")).to_be_visible()
        with page.expect_download() as downloading:
            account.get_by_role("link", name=re.compile("Receipt \\(PDF\\)")).first.click()
        saved = tmp_path / downloading.value.suggested_filename
        downloading.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF-")
        page.get_by_role("button", name="Close").click()
        expect(page.locator("iframe")).to_have_count(0)

    with steps.step("come back later"):
        page.reload()
        expect(film.get_by_text("Roll film")).to_be_visible()  # the kept token, asked for access
        expect(concert.get_by_text("Live!")).to_be_visible()
        page.evaluate("paywall.logout()")
        expect(film.get_by_role("button", name="Watch")).to_be_visible()
        assert "logout" in page.evaluate("window.heard")


def test_a_site_the_merchant_does_not_list_can_neither_frame_the_pages_nor_hear_them(
    shop: Shop, publisher: Publisher, browser: Browser
) -> None:
    allow(shop, "https://only-this.example.com")
    page = new_page(browser)
    page.goto(publisher.origin + "/")
    film = page.locator(f"#inplayer-{shop.film}")
    # The pages refuse to be framed here (frame-ancestors): Chromium shows its error page in the frame instead.
    with page.expect_event("framenavigated", predicate=lambda frame: frame.url.startswith("chrome-error://")):
        film.get_by_role("button", name="Watch").click()
    expect(page.frame_locator("iframe[title='Buy access']").get_by_role("heading")).to_have_count(0)
    framed = httpx.get(f"{shop.page(f'offers/{shop.film}')}?embed=1&origin={publisher.origin}")
    policy = framed.headers["content-security-policy"]
    assert publisher.origin not in policy and "data-opener" not in framed.text
