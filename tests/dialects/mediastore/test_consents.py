"""Consents: terms the merchant defines (and versions by changing them), read by anyone through the publisher's
id, and answered by each customer, who is asked again when a term they answered has a newer version."""

from __future__ import annotations

from typing import Any

from boxoffice.identity.models import CustomerConsent
from tests.conftest import Server
from tests.dialects.inplayer.conftest import assert_error, count_rows
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, refused, register


async def define(server: Server, publisher: Publisher, name: str, **form: str) -> dict[str, Any]:
    response = await server.http.put(f"/v2/consents/{name}", headers=publisher.merchant.auth, data=form)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def standing(server: Server, customer: Customer) -> dict[str, dict[str, Any]]:
    found = data(await call(server, "GET", f"/customers/{customer.id}/consents", headers=customer.auth))
    return {c["name"]: c for c in found["consents"]}


async def test_customers_answer_the_terms_and_are_asked_again_after_a_new_version(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    await define(server, publisher, "terms", label="I accept the terms", required="true")
    await define(server, publisher, "marketing", label="Send me offers", enabled_by_default="true")
    listed = data(await call(server, "GET", f"/publishers/{publisher.id}/consents"))["consents"]
    assert [(c["name"], c["version"], c["required"], c["enabledByDefault"]) for c in listed] == [
        ("terms", "1", True, False),
        ("marketing", "1", False, True),
    ]
    assert {c["broadcasterId"] for c in listed} == {publisher.id}
    before = await standing(server, customer)
    assert (before["terms"]["state"], before["terms"]["needsUpdate"], before["terms"]["version"]) == (
        "declined",
        True,
        "0",
    )
    answers = {
        "consents": [
            {"name": "terms", "version": "1", "state": "accepted"},
            {"name": "marketing", "version": "1", "state": "declined"},
        ]
    }
    data(await call(server, "PUT", f"/customers/{customer.id}/consents", answers, headers=customer.auth))
    after = await standing(server, customer)
    assert {n: (c["state"], c["needsUpdate"]) for n, c in after.items()} == {
        "terms": ("accepted", False),
        "marketing": ("declined", False),
    }
    assert isinstance(after["terms"]["date"], int) and after["terms"]["customerId"] == customer.id
    # New wording is a new version: asked again, with the version answered and the newest side by side.
    changed = await define(server, publisher, "terms", label="I accept the new terms")
    assert changed["version"] == 2
    again = await standing(server, customer)
    assert (again["terms"]["version"], again["terms"]["newestVersion"], again["terms"]["needsUpdate"]) == (
        "1",
        "2",
        True,
    )
    assert again["marketing"]["needsUpdate"] is False
    # A change that is only the default is no new version.
    assert (await define(server, publisher, "marketing", enabled_by_default="false"))["version"] == 1


async def test_bad_answers_are_refused_and_write_nothing(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    await define(server, publisher, "terms", label="I accept the terms", required="true")
    path = f"/customers/{customer.id}/consents"
    for body, status in (
        ({"consents": [{"name": "terms", "state": "declined"}]}, 422),  # required
        ({"consents": [{"name": "unheard-of", "state": "accepted"}]}, 422),
        ({"consents": [{"name": "terms", "version": "7", "state": "accepted"}]}, 422),
        ({"consents": [{"name": "terms", "state": "maybe"}]}, 400),
        ({"consents": "terms"}, 400),
        ({}, 400),
    ):
        refused(await call(server, "PUT", path, body, headers=customer.auth), status)
    other = await register(server, publisher, "other@example.com")
    accepted = {"consents": [{"name": "terms", "state": "accepted"}]}
    refused(await call(server, "PUT", f"/customers/{other.id}/consents", accepted, headers=customer.auth), 403)
    refused(await call(server, "GET", f"/customers/{other.id}/consents", headers=customer.auth), 403)
    assert await count_rows(server, CustomerConsent, publisher.merchant.id) == 0
    refused(await call(server, "GET", "/publishers/123/consents"), 422, text="Invalid param publisherId")
    bad_name = await server.http.put("/v2/consents/9lives", headers=publisher.merchant.auth, data={"label": "x"})
    assert_error(bad_name, 422, "name")
    no_label = await server.http.put("/v2/consents/fresh", headers=publisher.merchant.auth, data={})
    assert_error(no_label, 422, "label")
