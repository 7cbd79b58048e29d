"""A publisher runs the business in Chromium: each area's main task as a publisher would do it, checked on the
page and through the API, every write then found in the audit log, and axe-core finding no serious violation on
any page seen. A failing step leaves a screenshot."""

from __future__ import annotations

import asyncio
import email
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qsl

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from boxoffice.app import create_app, webhook_sender
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

    def send_webhooks(self) -> None:
        async def send() -> None:
            engine = create_engine(self.settings.database_url)
            sender = webhook_sender(session_factory(engine), self.settings)
            try:
                await sender.run_until_idle()
            finally:
                await sender.aclose()
                await engine.dispose()

        off_the_loop(lambda: asyncio.run(send()))

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
        webhooks_allow_private=True,  # the journeys' webhook receiver is on this machine
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
    customer: int
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
        account = expect_ok(http.post("/accounts", data=viewer))
        token = account["access_token"]
        paid = http.post(
            "/payments", headers={"Authorization": f"Bearer {token}"}, data=CARD | {"access_fee": str(shop.rent)}
        )
        assert paid.status_code == 200, paid.text
    with merchant_client(shop.base_url, shop.merchant) as http:
        [row] = expect_ok(http.get("/payments/transactions"))["collection"]
    return Viewer(token, account["account"]["id"], int(row["transaction_token"].split("-")[1]))


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


class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint on this machine: it keeps each body it is sent and answers 200."""

    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        Receiver.received.append(dict(parse_qsl(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        """Quiet: the test reads what arrived."""


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        thread.join()


def test_a_publisher_sells_a_new_item_and_runs_the_developers_settings(
    desk: Desk, browser: Browser, receiver: str, tmp_path: Path
) -> None:
    shop, base = desk.shop, desk.shop.base_url
    viewer = buy_the_film(shop)
    _context, page = open_page(browser)
    steps = Steps(page, tmp_path)
    sign_in(page, base, shop.merchant.email, PASSWORD)
    with steps.step("create an item and its price"):
        page.get_by_role("link", name="Catalog").click()
        accessible(page)
        page.get_by_role("link", name="Add an item").click()
        page.get_by_label("Title").fill("Cup Final")
        page.get_by_label("Content buyers open (HTML)").fill("<p>Kick-off!</p>")
        page.get_by_role("button", name="Add the item").click()
        expect(page.get_by_role("heading", name="Cup Final")).to_be_visible()
        item = int(page.url.rsplit("/", 1)[1].split("?")[0])
        page.get_by_role("link", name="Add a price").click()
        accessible(page)
        page.get_by_label("What it buys").select_option(label="48 hours of access")
        page.get_by_label("Amount").fill("3.50")
        page.get_by_label("Currency (ISO 4217, such as EUR)").fill("EUR")
        page.get_by_label("Description viewers see").fill("The match, for two days")
        page.get_by_role("button", name="Add the price").click()
        expect(page.get_by_text("€3.50", exact=False).first).to_be_visible()
        with merchant_client(base, shop.merchant) as http:
            [fee] = expect_ok(http.get(f"/v2/items/{item}"))["access_fees"]
            assert (fee["amount"], fee["currency"], fee["description"]) == (3.5, "EUR", "The match, for two days")

    with steps.step("the item is sold on the demo page"):
        demo = page.locator("[data-demo]").get_attribute("href")
        assert demo is not None
        publisher = page.context.new_page()
        publisher.goto(f"{base}{demo}")
        section = publisher.locator(f"#inplayer-{item}")
        expect(section.get_by_text("Cup Final")).to_be_visible()
        section.get_by_role("button", name="Watch").click()
        overlay = publisher.frame_locator("iframe[title='Buy access']")
        expect(overlay.get_by_role("heading", name="Cup Final")).to_be_visible()
        expect(overlay.get_by_text("€3.50").first).to_be_visible()
        publisher.close()

    with steps.step("replay a webhook"):
        desk.send_webhooks()  # the worker has sent what was due before the endpoint is added: nothing
        before = clock.now()
        page.goto(f"{base}/dashboard/developers")
        accessible(page)
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_label("URL").fill(receiver)
        page.get_by_label("customer.registered").check()
        page.get_by_role("button", name="Add the endpoint").click()
        expect(page.get_by_role("heading", name=receiver)).to_be_visible()
        accessible(page)
        assert Receiver.received == []  # Vera registered before the endpoint was added
        page.get_by_label("Since (UTC)").fill((before - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Replay").click()
        desk.send_webhooks()
        [sent] = Receiver.received
        assert sent["type"] == "customer.registered" and "vera@example.com" in str(sent), sent
        page.reload()
        expect(page.locator("[data-deliveries] tbody tr")).to_have_count(1)
        expect(page.locator("[data-deliveries]")).to_contain_text("delivered")

    with steps.step("edit an e-mail template and see the preview"):
        page.goto(f"{base}/dashboard/developers/emails")
        accessible(page)
        page.get_by_role("link", name="purchase receipt").click()
        page.get_by_label("Subject").fill("Your ticket for {{ item_title }}")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("[data-preview-subject]")).to_have_text("Your ticket for Cup final")
        accessible(page)
        page.get_by_role("button", name="Save").click()
        expect(page.locator("[data-in-use]")).to_have_text("your version")
        with merchant_client(base, shop.merchant) as http:
            saved = expect_ok(http.get("/v2/email-templates/purchase_receipt"))
            assert "Your ticket for {{ item_title }}" in str(saved), saved

    with steps.step("advance a test clock a month and see the renewal in the overview"):
        page.goto(f"{base}/dashboard/developers/clocks")
        accessible(page)
        page.get_by_label("Name").fill("Renewals")
        start = clock.now() - timedelta(days=35)
        page.get_by_label("Its time (UTC; now if left empty)").fill(start.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Create the clock").click()
        page.get_by_label("Customer's e-mail address or id").fill("vera@example.com")
        page.get_by_role("button", name="Attach the customer").click()
        with httpx.Client(base_url=base, headers=viewer.auth) as http:
            started = http.post("/subscriptions", data=CARD | {"access_fee": str(shop.monthly)})
            assert started.status_code == 200, started.text  # a week's trial, begun on the clock 35 days ago
        page.get_by_role("button", name="By a month").click()
        expect(page.locator("[data-renewed]")).to_have_text("1")
        accessible(page)
        page.get_by_role("link", name="Overview").click()
        revenue = page.get_by_role("region", name="EUR")

        def figure(label: str) -> Locator:
            return revenue.locator("dl.figures > div").filter(has=page.get_by_text(label, exact=True)).locator("dd")

        expect(figure("Today")).to_have_text("€4.99")  # the rental
        expect(figure("Last 30 days")).to_have_text("€14.98")  # and the subscription's first month, on the clock
        expect(figure("MRR")).to_have_text("€9.99")  # the subscription the renewal paid for
        accessible(page)
        with merchant_client(base, shop.merchant) as http:
            rows = expect_ok(http.get("/payments/transactions"))["collection"]
            charged = sorted((row["charged_amount"], row["created_at"] < clock.unix(clock.now())) for row in rows)
            # The trial's start (nothing charged), today's rental, and the renewal on the clock's time.
            assert charged == [(0.0, True), (4.99, False), (9.99, True)], rows

    with steps.step("the audit log shows each write"):
        page.get_by_role("link", name="Audit log").click()
        log = page.locator("[data-audit] tbody")
        for action in (
            "Created an item",
            "Created a price",
            "Added a webhook endpoint",
            "Replayed webhook events",
            "Changed an e-mail template",
            "Created a test clock",
            "Attached a customer to a test clock",
            "Advanced a test clock",
        ):
            expect(log).to_contain_text(action)
        accessible(page)
