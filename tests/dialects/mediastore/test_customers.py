"""The customer's own account through MediaStore: reading and changing it (names, e-mail, `externalData` within
its 4,000 characters), another customer's refused, the password reset pair, and `/locales`."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from ipaddress import ip_network
from urllib.parse import parse_qsl, urlsplit

import pytest

from boxoffice.identity.models import Customer as CustomerRow
from boxoffice.identity.models import PasswordReset
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import count_rows, fetch_rows, plain_text
from tests.dialects.mediastore.conftest import (
    PASSWORD,
    Customer,
    Publisher,
    call,
    data,
    log_in,
    refused,
    register,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"trusted_proxies": [ip_network("203.0.113.7/32")]})


async def test_a_customer_reads_and_changes_their_account(
    server: Server, publisher: Publisher, mailbox: Mailbox
) -> None:
    customer = await register(
        server, publisher, "vera@example.com", firstName="Vera", lastName="Viewer", country="GB", externalId="app-7"
    )
    shown = data(await call(server, "GET", f"/customers/{customer.id}", headers=customer.auth))
    assert {k: shown[k] for k in ("id", "email", "firstName", "lastName", "country", "externalId", "externalData")} == {
        "id": customer.id,
        "email": "vera@example.com",
        "firstName": "Vera",
        "lastName": "Viewer",
        "country": "GB",
        "externalId": "app-7",
        "externalData": {},
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown["regDate"]) and shown["lastLoginDate"]
    history = {"history": [{"mediaid": f"m{n}", "progress": 0.5} for n in range(40)]}
    changed = data(
        await call(
            server,
            "PATCH",
            f"/customers/{customer.id}",
            {"lastName": "Watcher", "externalData": history},
            headers=customer.auth,
        )
    )
    assert (changed["firstName"], changed["lastName"], changed["externalData"]) == ("Vera", "Watcher", history)
    again = data(await call(server, "GET", f"/customers/{customer.id}", headers=customer.auth))
    assert again["externalData"] == history


async def test_external_data_beyond_4000_characters_is_refused_and_keeps_the_old(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    kept = {"favourites": ["a", "b"]}
    data(await call(server, "PATCH", f"/customers/{customer.id}", {"externalData": kept}, headers=customer.auth))
    # {"x":"…"} is 8 characters around the text: 3,992 of text make exactly 4,000.
    exactly = {"x": "y" * 3992}
    data(await call(server, "PATCH", f"/customers/{customer.id}", {"externalData": exactly}, headers=customer.auth))
    over = {"x": "y" * 3993}
    response = await call(server, "PATCH", f"/customers/{customer.id}", {"externalData": over}, headers=customer.auth)
    refused(response, 422, "REQ0001", "4000")
    not_object = await call(
        server, "PATCH", f"/customers/{customer.id}", {"externalData": [1, 2]}, headers=customer.auth
    )
    refused(not_object, 422, "REQ0001")
    [row] = await fetch_rows(server, CustomerRow, publisher.merchant.id)
    assert row.external_data == exactly


async def test_the_email_changes_only_with_the_password(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    path = f"/customers/{customer.id}"
    wrong = await call(
        server, "PATCH", path, {"email": "new@example.com", "confirmationPassword": "nope"}, headers=customer.auth
    )
    refused(wrong, 422, text="confirmationPassword")
    other = await register(server, publisher, "taken@example.com")
    taken = await call(
        server, "PATCH", path, {"email": other.email, "confirmationPassword": PASSWORD}, headers=customer.auth
    )
    assert "mail" in refused(taken, 422)
    moved = data(
        await call(
            server, "PATCH", path, {"email": "new@example.com", "confirmationPassword": PASSWORD}, headers=customer.auth
        )
    )
    assert moved["email"] == "new@example.com"
    assert (await log_in(server, publisher, "new@example.com")).status_code == 200
    refused(await log_in(server, publisher, customer.email), 401, "USER0001")


async def test_a_customer_cannot_read_or_change_another(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    other = await register(server, publisher, "other@example.com")
    for method, body in (("GET", None), ("PATCH", {"firstName": "Mallory"})):
        refused(await call(server, method, f"/customers/{other.id}", body, headers=customer.auth), 403)
    refused(await call(server, "GET", "/customers/abc", headers=customer.auth), 400, "REQ0003")
    [row] = [r for r in await fetch_rows(server, CustomerRow, publisher.merchant.id) if r.id == other.id]
    assert row.full_name == ""


async def test_a_forgotten_password_is_reset_with_the_emailed_token(
    server: Server, publisher: Publisher, customer: Customer, mailbox: Mailbox
) -> None:
    asked = await call(
        server, "PUT", "/customers/passwords", {"customerEmail": customer.email, "publisherId": publisher.id}
    )
    data(asked)
    unknown = await call(
        server, "PUT", "/customers/passwords", {"customerEmail": "ghost@example.com", "publisherId": publisher.id}
    )
    data(unknown)  # the same answer: no probing for accounts
    await server.run_jobs()
    found = re.search(r"Your reset token is:\s+(\S+)", plain_text(mailbox.last(customer.email)))
    assert found
    form = {
        "customerEmail": customer.email,
        "publisherId": publisher.id,
        "resetPasswordToken": found.group(1),
        "newPassword": "a-brand-new-pass",
        "newPasswordConfirmation": "a-brand-new-pass",
    }
    data(await call(server, "PATCH", "/customers/passwords", form))
    refused(await call(server, "PATCH", "/customers/passwords", form), 422)  # once only
    assert (await log_in(server, publisher, customer.email, "a-brand-new-pass")).status_code == 200
    refused(await log_in(server, publisher, customer.email), 401, "USER0001")


APP = "https://app.example.com"


async def test_a_reset_e_mail_links_to_the_page_the_client_names(
    server: Server, publisher: Publisher, customer: Customer, mailbox: Mailbox
) -> None:
    listed = await server.http.put("/v2/allowed-origins", headers=publisher.merchant.auth, data={"origins[0]": APP})
    assert listed.status_code == 200, listed.text
    asked = {"customerEmail": customer.email, "publisherId": publisher.id, "resetUrl": f"{APP}/?u=edit-password#top"}
    data(await call(server, "PUT", "/customers/passwords", asked))
    await server.run_jobs()
    message = mailbox.last(customer.email)
    found = re.search(r"https://\S+", plain_text(message))
    assert found
    link = urlsplit(found.group(0))
    query = dict(parse_qsl(link.query))
    assert (link.scheme, link.netloc, link.path, link.fragment) == ("https", "app.example.com", "/", "top")
    assert query["u"] == "edit-password" and query["email"] == customer.email
    html = message.get_body(("html",))
    assert html is not None and f'href="{escape(found.group(0))}"' in str(html.get_content())
    form = {
        "customerEmail": query["email"],
        "publisherId": publisher.id,
        "resetPasswordToken": query["resetPasswordToken"],
        "newPassword": "a-brand-new-pass",
        "newPasswordConfirmation": "a-brand-new-pass",
    }
    data(await call(server, "PATCH", "/customers/passwords", form))
    assert (await log_in(server, publisher, customer.email, "a-brand-new-pass")).status_code == 200
    # The SDK sends an empty `resetUrl` when it has none: the e-mail gives the token alone.
    data(await call(server, "PUT", "/customers/passwords", asked | {"resetUrl": ""}))
    await server.run_jobs()
    assert "https://" not in plain_text(mailbox.last(customer.email))


@pytest.mark.parametrize(
    "page",
    [
        "https://elsewhere.example/reset",
        "/reset",
        "app.example.com/reset",
        "javascript:alert(1)//https://app.example.com/",
        "http://app.example.com/reset",  # another scheme: another origin
        "https://app.example.com:8443/reset",
        "https://app.example.com.elsewhere.example/reset",
        "https://app.example.com@elsewhere.example/reset",
        "https://elsewhere.example\\@app.example.com/reset",
        "https://app.example.com/re set",
    ],
)
async def test_a_reset_page_must_be_on_an_allowed_origin(
    server: Server, publisher: Publisher, customer: Customer, mailbox: Mailbox, page: str
) -> None:
    listed = await server.http.put("/v2/allowed-origins", headers=publisher.merchant.auth, data={"origins[0]": APP})
    assert listed.status_code == 200, listed.text
    for email in (customer.email, "ghost@example.com"):  # alike whether or not the account exists
        asked = {"customerEmail": email, "publisherId": publisher.id, "resetUrl": page}
        refused(await call(server, "PUT", "/customers/passwords", asked), 422, "REQ0001", "Invalid param resetUrl")
    assert await count_rows(server, PasswordReset, publisher.merchant.id) == 0
    await server.run_jobs()
    assert [m["Subject"] for m in mailbox.to(customer.email)] == ["Welcome to Publisher"]


async def test_locales_come_from_the_offline_address_database(server: Server) -> None:
    assert data(await call(server, "GET", "/locales", headers={"X-Forwarded-For": "81.2.69.142"})) == {
        "country": "GB",
        "currency": "GBP",
        "locale": "en_GB",
        "ipAddress": "81.2.69.142",
    }
    german = data(await call(server, "GET", "/locales", params={"customerIP": "85.214.132.117"}))
    assert (german["country"], german["currency"], german["ipAddress"]) == ("DE", "EUR", "85.214.132.117")
    private = data(await call(server, "GET", "/locales"))
    assert (private["country"], private["currency"]) == ("", "USD")


@pytest.mark.parametrize(
    ("day", "address", "currency"),
    [
        ("2025-12-31", "87.120.0.1", "BGN"),  # Bulgaria, before the euro
        ("2026-03-01", "87.120.0.1", "EUR"),  # Bulgaria, in the euro since 1 January 2026
        ("2026-03-01", "190.112.224.1", "XCG"),  # Curaçao, whose guilder replaced the Antillean one
        ("2026-03-01", "201.220.0.1", "XCG"),  # Sint Maarten
    ],
)
async def test_a_viewer_is_shown_their_countrys_currency_of_the_day(
    server: Server, day: str, address: str, currency: str
) -> None:
    previous = clock.set_clock(clock.FrozenClock(datetime.fromisoformat(f"{day}T12:00:00")))
    try:
        shown = data(await call(server, "GET", "/locales", params={"customerIP": address}))
    finally:
        clock.set_clock(previous)
    assert shown["currency"] == currency
