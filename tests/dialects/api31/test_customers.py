"""Customers through API 3.1: read with an ETag, changed (conditionally with `If-Match`), erased, and sent a
password-reset link to the publisher's page. Bad input is a 400 or 422 `{message}` that writes nothing, and another
publisher's customers are 404."""

from __future__ import annotations

import asyncio
import re

from boxoffice.identity.models import Customer
from tests.conftest import Mailbox, Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.inplayer.conftest import fetch_rows, plain_text, sign_up


async def test_a_customer_is_read_and_changed(server: Server, api: Api31) -> None:
    viewer = await sign_up(server, api.publisher.merchant, full_name="Vera Lind")
    customer_id = viewer.account["id"]
    shown = ok(await api.get(f"/customers/{customer_id}"))
    assert (shown["success"], shown["data"]["email"], shown["data"]["firstName"], shown["data"]["lastName"]) == (
        True,
        viewer.email,
        "Vera",
        "Lind",
    )
    body = {"lastName": "Berg", "country": "de", "locale": "de_DE", "externalId": "crm-1", "externalData": {"a": 1}}
    changed = ok(await api.patch(f"/customers/{customer_id}", body | {"firstName": None}))["data"]
    assert (changed["firstName"], changed["lastName"], changed["country"], changed["currency"]) == (
        "Vera",
        "Berg",
        "DE",
        "EUR",
    )
    assert (changed["externalId"], changed["externalData"]) == ("crm-1", {"a": 1})
    moved = ok(await api.patch(f"/customers/{customer_id}", {"email": "vera.berg@example.com"}))["data"]
    assert moved["email"] == "vera.berg@example.com"
    [row] = await fetch_rows(server, Customer, api.publisher.merchant.id)
    assert (row.full_name, row.email, row.country_code) == ("Vera Berg", "vera.berg@example.com", "DE")


async def test_a_conditional_update_needs_the_version_read(server: Server, api: Api31) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    path = f"/customers/{viewer.account['id']}"
    read = await api.get(path)
    etag = read.headers["ETag"]
    assert (await api.get(path, If_None_Match=etag)).status_code == 304
    ok(await api.patch(path, {"firstName": "Ada"}, If_Match=etag))
    assert "changed" in refused(await api.patch(path, {"firstName": "Eve"}, If_Match=etag), 412)
    fresh = await api.get(path)
    assert fresh.headers["ETag"] != etag and fresh.json()["data"]["firstName"] == "Ada"
    ok(await api.patch(path, {"firstName": "Eve"}, If_Match=fresh.headers["ETag"]))


async def test_two_updates_from_one_version_at_once_make_one_change(server: Server, api: Api31) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    path = f"/customers/{viewer.id}"
    etag = (await api.get(path)).headers["ETag"]
    answers = await asyncio.gather(
        *(api.patch(path, {"firstName": name}, If_Match=etag) for name in ("Ada", "Eve", "Joan", "Mary"))
    )
    assert sorted(answer.status_code for answer in answers) == [200, 412, 412, 412]
    [won] = [answer.json()["data"]["firstName"] for answer in answers if answer.status_code == 200]
    assert ok(await api.get(path))["data"]["firstName"] == won


async def test_bad_changes_write_nothing(server: Server, api: Api31, other: Api31) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    path = f"/customers/{viewer.account['id']}"
    taken = await sign_up(server, api.publisher.merchant, "taken@example.com")
    refused(await api.patch(path, {"firstName": 7}), 400)
    refused(await api.patch(path, {"lastName": "Berg", "currency": "XXQ"}), 422)
    refused(await api.patch(path, {"lastName": "Berg", "email": "not an address"}), 422)
    refused(await api.patch(path, {"lastName": "Berg", "email": taken.email}), 409)
    refused(await api.patch(path, {"lastName": "Berg", "country": "ZZ"}), 422)
    refused(await api.patch(path, {"externalData": [1]}), 400)
    refused(await api.patch("/customers/abc", {"firstName": "A"}), 400)
    refused(await api.get("/customers/0"), 400)
    assert refused(await other.get(path), 404) == "Customer not found"
    refused(await other.patch(path, {"firstName": "Mallory"}), 404)
    refused(await other.delete(path), 404)
    refused(await api.http.get(f"/3.1{path}"), 401)
    refused(await api.http.get(f"/3.1{path}", headers={"X-Publisher-Token": "guess"}), 401)
    rows = await fetch_rows(server, Customer, api.publisher.merchant.id)
    assert [(r.email, r.full_name, r.country_code) for r in rows] == [
        (viewer.email, "Vera Viewer", None),
        (taken.email, "Vera Viewer", None),
    ]


async def test_an_erased_customer_is_gone(server: Server, api: Api31) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    path = f"/customers/{viewer.account['id']}"
    assert ok(await api.delete(path))["success"] is True
    refused(await api.get(path), 404)
    [row] = await fetch_rows(server, Customer, api.publisher.merchant.id)
    assert row.erased_at is not None and row.email != viewer.email


async def test_a_password_reset_links_to_the_publishers_page(server: Server, api: Api31, mailbox: Mailbox) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    page = "https://app.example.com/reset?from=mail&email=old"
    ok(await api.post("/customers/request_password_reset", {"resetUrl": page, "customerId": viewer.account["id"]}))
    await server.run_jobs()
    found = re.search(
        r"https://app\.example\.com/reset\?from=mail&resetPasswordToken=(\S+)&email=(\S+)",
        plain_text(mailbox.last(viewer.email)),
    )
    assert found and found.group(2) == viewer.email.replace("@", "%40")
    unknown = {"resetUrl": page, "customerEmail": "ghost@example.com"}
    ok(await api.post("/customers/request_password_reset", unknown))  # no probing for accounts by address
    refused(await api.post("/customers/request_password_reset", {"resetUrl": page, "customerId": 999_999}), 404)
    refused(await api.post("/customers/request_password_reset", {"resetUrl": page}), 422)
    refused(await api.post("/customers/request_password_reset", {"customerId": viewer.account["id"]}), 422)
    refused(
        await api.post("/customers/request_password_reset", {"resetUrl": "javascript:alert(1)", "customerId": 1}), 422
    )
    refused(await api.post("/customers/request_password_reset", [page]), 400)
