"""A publisher runs the business in Chromium: each area's main task as a publisher would do it, checked on the
page and through the API, every write then found in the audit log, and axe-core finding no serious violation on
any page seen. A failing step leaves a screenshot."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from boxoffice.app import create_app
from boxoffice.kit import clock, jobs
from boxoffice.kit.db import create_engine, session_factory
from boxoffice.kit.settings import Settings
from tests.compat.inplayer.merchant_setup import expect as expect_ok
from tests.compat.inplayer.merchant_setup import merchant_client
from tests.compat.live_server import empty_database, serving
from tests.compat.mediastore.harness import require_chromium
from tests.conftest import free_port, off_the_loop
from tests.web.pages.browser import Shop, Steps, launch, only_this_machine, open_shop, serious_violations, shown

expect.set_options(timeout=20_000)
PASSWORD = "publisher pass 1"
SUPPORT_PASSWORD = "support pass 12"
CARD = {"number": "4242424242424242", "card_name": "Vera", "exp_month": "12", "exp_year": "2031", "cvv": "123"}


class Desk:
    """Boxoffice served for real, with a merchant's shop open, its settings (to run its jobs and read its mail),
    and a clock the test moves: the server runs in this process, so it reads the same clock."""

    def __init__(self, shop: Shop, settings: Settings, moving: clock.FrozenClock) -> None:
        self.shop, self.settings, self.clock = shop, settings, moving

    def run_jobs(self) -> None:
        async def run() -> None:
            engine = create_engine(self.settings.database_url)
            try:
                while await jobs.run_due_jobs(session_factory(engine), self.settings):
                    pass
            finally:
                await engine.dispose()

        off_the_loop(lambda: asyncio.run(run()))

    def last_mail_to(self, address: str) -> EmailMessage:
        sent = []
        for path in sorted(self.settings.mail_dir.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
            assert isinstance(message, EmailMessage)
            if message["To"] == address:
                sent.append(message)
        assert sent, f"no e-mail to {address}"
        return sent[-1]


@pytest.fixture
def desk(migrated_database_url: str, tmp_path: Path) -> Iterator[Desk]:
    require_chromium("the dashboard's browser tests")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=migrated_database_url,
        mail_dir=tmp_path / "mail",
        reports_dir=tmp_path / "files",
        public_url=base,
        secret_key="browser-test-signing-key-" + "x" * 32,
    )
    moving = clock.FrozenClock(clock.now().replace(microsecond=0))
    previous = clock.set_clock(moving)
    try:
        with serving(create_app(settings), port):
            yield Desk(open_shop(base), settings, moving)
    finally:
        clock.set_clock(previous)
        empty_database(migrated_database_url)


@pytest.fixture
def browser(desk: Desk) -> Iterator[Browser]:
    with sync_playwright() as driver:
        opened = launch(driver)
        yield opened
        opened.close()


def open_page(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="en-GB", bypass_csp=True)  # axe-core is added to each page by the test
    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def accessible(page: Page) -> None:
    violations = serious_violations(page)
    assert violations == [], shown(violations)


def code_now(secret: str) -> str:
    return pyotp.TOTP(secret).at(clock.now().replace(tzinfo=UTC))


def sign_in(page: Page, base_url: str, email_address: str, password: str) -> None:
    page.goto(f"{base_url}/dashboard")
    expect(page.get_by_role("heading", name="Sign in to your dashboard")).to_be_visible()
    page.get_by_label("E-mail address").fill(email_address)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@dataclass(frozen=True)
class Viewer:
    token: str
    payment: int

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def buy_the_film(shop: Shop) -> Viewer:
    """Vera signs up and rents the film through the API, as an app would."""
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
    with merchant_client(shop.base_url, shop.merchant) as http:
        [row] = expect_ok(http.get("/payments/transactions"))["collection"]
    return Viewer(token, int(row["transaction_token"].split("-")[1]))


def test_a_publisher_secures_the_account_and_brings_in_support(desk: Desk, browser: Browser, tmp_path: Path) -> None:
    shop, base = desk.shop, desk.shop.base_url
    viewer = buy_the_film(shop)
    _context, page = open_page(browser)
    steps = Steps(page, tmp_path)
    with steps.step("turn on two-factor sign-in"):
        sign_in(page, base, shop.merchant.email, PASSWORD)
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        page.get_by_role("link", name=re.compile(r"\(owner\)")).click()
        page.get_by_role("button", name="Set up two-factor sign-in").click()
        expect(page.get_by_role("img", name="QR code for the authenticator app")).to_be_visible()
        accessible(page)
        secret = page.locator("[data-totp-secret]").inner_text()
        page.get_by_label("Code from the app").fill(code_now(secret))
        page.get_by_role("button", name="Turn two-factor sign-in on").click()
        expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
        page.get_by_role("button", name="Sign out").click()

    with steps.step("sign in with the app's code"):
        desk.clock.advance(seconds=30)  # the app shows its next code
        sign_in(page, base, shop.merchant.email, PASSWORD)
        expect(page.get_by_role("heading", name="Your sign-in code")).to_be_visible()
        accessible(page)
        page.get_by_label("Code").fill(code_now(secret))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    with steps.step("invite a support member"):
        page.get_by_role("link", name="Team").click()
        expect(page.get_by_role("heading", name="Team")).to_be_visible()
        accessible(page)
        page.get_by_label("E-mail address").fill("sam@publisher.example.com")
        page.get_by_label("Role").select_option("support")
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.get_by_role("status")).to_have_text("The invitation is sent.")
        expect(page.locator('[data-member="sam@publisher.example.com"]')).to_contain_text("invited")

    support_context, support = open_page(browser)
    support_steps = Steps(support, tmp_path)
    with support_steps.step("the support member joins"):
        desk.run_jobs()
        html = desk.last_mail_to("sam@publisher.example.com").get_body(("html",))
        assert html is not None
        link = re.search(r'href="([^"]+)" data-link="team-invitation"', html.get_content())
        assert link, html.get_content()
        support.goto(link.group(1).replace("&amp;", "&"))
        expect(support.get_by_role("heading", name="Join the team as support")).to_be_visible()
        accessible(support)
        support.get_by_label("Your name").fill("Sam Support")
        support.get_by_label("Password", exact=True).fill(SUPPORT_PASSWORD)
        support.get_by_label("The password again").fill(SUPPORT_PASSWORD)
        support.get_by_role("button", name="Join").click()
        expect(support.get_by_role("link", name="Sam Support (support)")).to_be_visible()
        expect(support.get_by_role("link", name="Developers")).to_have_count(0)

    with support_steps.step("the support member refunds a payment"):
        support.get_by_label("Search by e-mail, name or id").fill("vera@")
        support.get_by_role("button", name="Search").click()
        support.get_by_role("link", name="vera@example.com").click()
        expect(support.get_by_role("heading", name="Vera Viewer")).to_be_visible()
        accessible(support)
        support.get_by_role("link", name=f"Refund payment {viewer.payment}").click()
        accessible(support)
        support.get_by_label(re.compile("^Amount in EUR")).fill("2.00")
        support.get_by_role("button", name="Refund").click()
        expect(support.get_by_role("status")).to_have_text("The refund is made.")
        expect(support.locator(f'[data-payment="{viewer.payment}"]')).to_contain_text("€2.00")
        with merchant_client(base, shop.merchant) as http:
            [row] = expect_ok(http.get("/payments/transactions"))["collection"]
            assert row["refunded_amount"] == 2.0, row

    with support_steps.step("the support member revokes the viewer's access"):
        with httpx.Client(base_url=base, headers=viewer.auth) as http:
            assert http.get(f"/items/{shop.film}/access").status_code == 200
        support.get_by_role("button", name="Revoke access to The Film").click()
        expect(support.get_by_role("status")).to_contain_text("Access is revoked")
        with httpx.Client(base_url=base, headers=viewer.auth) as http:
            assert http.get(f"/items/{shop.film}/access").status_code == 402  # the viewer's very next check

    with support_steps.step("the support member is refused the settings"):
        for settings in ("/dashboard/developers", "/dashboard/developers/webhooks", "/dashboard/team"):
            answer = support.goto(f"{base}{settings}")
            assert answer is not None and answer.status == 403, settings
        expect(support.get_by_text("You are not allowed to do this.")).to_be_visible()
        support_context.close()

    with steps.step("the audit log shows each write"):
        page.get_by_role("link", name="Audit log").click()
        log = page.locator("[data-audit] tbody")
        for action in ("Turned two-factor sign-in on", "Signed in with a second factor", "Invited a member"):
            expect(log).to_contain_text(action)
        expect(log).to_contain_text("sam@publisher.example.com")  # who joined, and whom the owner invited
        page.get_by_label("Search by who, what, on what or address").fill("sam@")
        page.get_by_role("button", name="Search").click()
        # The invitation, the joining (which signed Sam in), the refund and the revocation.
        expect(log.locator("tr")).to_have_count(4)
        for action in ("Refunded a payment", "Revoked access", "Joined the team"):
            expect(log).to_contain_text(action)
        accessible(page)
