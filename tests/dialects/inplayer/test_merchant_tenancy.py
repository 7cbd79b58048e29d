"""One merchant never sees or touches another's rows, and each kind of token stays on its side of the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from boxoffice.dialects.inplayer import deps
from boxoffice.identity.models import AuthSession, Customer, RegisterField
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    add_register_field,
    assert_error,
    count_rows,
    make_merchant,
    sign_up,
)

MERCHANT_MODULE = "boxoffice.dialects.inplayer.merchant"


@dataclass
class Tenant:
    merchant: Merchant
    viewer: Viewer
    field: dict[str, Any]


async def tenant(server: Server, name: str) -> Tenant:
    merchant = await make_merchant(server, f"owner@{name}.example.com")
    viewer = await sign_up(server, merchant, email=f"viewer@{name}.example.com")
    field = await add_register_field(server, merchant, name="club", label=f"{name} club", type="input")
    flag = await server.http.put("/v2/features/Organization", headers=merchant.auth, data={"enabled": "true"})
    limits = await server.http.put(
        "/restrictions/settings",
        headers=merchant.auth,
        data={"age_verification_enabled": "true", "domains[0]": f"{name}.example.com"},
    )
    assert flag.status_code == limits.status_code == 200
    return Tenant(merchant, viewer, field)


async def snapshot(server: Server, owner: Tenant) -> dict[str, Any]:
    """What a tenant's merchant and viewer see of its rows, and how many of each it has."""
    auth = owner.merchant.auth
    return {
        "customer": (await server.http.get(f"/accounts/customers/{owner.viewer.id}", headers=auth)).json(),
        "fields": (await server.http.get("/accounts/register-fields", headers=auth)).json(),
        "features": (await server.http.get("/v2/features", headers=owner.viewer.auth)).json(),
        "restrictions": (await server.http.get(f"/restrictions/settings/{owner.merchant.uuid}")).json(),
        "sessions": await count_rows(server, AuthSession, owner.merchant.id),
        "customers": await count_rows(server, Customer, owner.merchant.id),
        "field_rows": await count_rows(server, RegisterField, owner.merchant.id),
    }


@dataclass
class Endpoint:
    method: str
    template: str  # as declared: `/accounts/customers/{customer_id}`
    route: APIRoute

    @property
    def path(self) -> str:
        """The path with every parameter filled with a plausible id."""
        return re.sub(r"\{[^}]+\}", "1", self.template)

    def depends_on(self, call: Any) -> bool:
        pending = list(self.route.dependant.dependencies)
        while pending:
            dependency = pending.pop()
            if dependency.call is call:
                return True
            pending.extend(dependency.dependencies)
        return False


def endpoints(server: Server) -> list[Endpoint]:
    """Every method of every API route the app serves, however its routers are nested."""
    found = []
    for context in iter_route_contexts(server.app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found.extend(Endpoint(m, str(context.path), route) for m in sorted(context.methods or ()))
    return found


def merchant_endpoints(server: Server) -> list[Endpoint]:
    return [
        e
        for e in endpoints(server)
        if e.route.endpoint.__module__ == MERCHANT_MODULE or e.depends_on(deps.get_merchant)
    ]


def customer_endpoints(server: Server) -> list[Endpoint]:
    return [e for e in endpoints(server) if e.depends_on(deps.get_customer)]


# Every merchant route that names a row by its id in the path; the test below tries each with another's ids.
ROUTES_WITH_IDS = {
    ("GET", "/accounts/customers/{customer_id}"),
    ("PUT", "/accounts/register-fields/{field_id}"),
    ("DELETE", "/accounts/register-fields/{field_id}"),
    # Tried across tenants in test_catalog_tenancy.py.
    ("GET", "/v2/items/{item_id}"),
    ("PUT", "/v2/items/{item_id}"),
    ("DELETE", "/v2/items/{item_id}"),
    ("PATCH", "/v2/items/packages/{package_id}/bulk"),
    ("POST", "/v2/items/{item_id}/access-fees"),
    ("PUT", "/v2/items/{item_id}/access-fees/{fee_id}"),
    ("DELETE", "/v2/items/{item_id}/access-fees/{fee_id}"),
    ("GET", "/restrictions/country-sets/{set_id}"),
    ("PUT", "/restrictions/country-sets/{set_id}"),
    ("DELETE", "/restrictions/country-sets/{set_id}"),
    # Tried across tenants in test_access.py.
    ("DELETE", "/items/{item_id}/access"),
    # Tried across tenants in test_access_codes.py (test_codes_stay_inside_their_merchant).
    ("POST", "/v2/items/{item_id}/access-codes"),
    ("GET", "/v2/items/{item_id}/access-codes"),
    ("DELETE", "/v2/items/{item_id}/access-codes/{code_id}"),
    # Tried across tenants in test_donations.py (test_donations_stay_inside_their_merchant).
    ("POST", "/v2/items/{item_id}/donations"),
    ("DELETE", "/v2/items/{item_id}/donations/{donation_id}"),
    ("PUT", "/v2/items/{item_id}/donation-options"),
    # Tried across tenants in test_vouchers.py (test_bad_vouchers_are_refused_and_write_nothing).
    ("GET", "/vouchers/{voucher_id}"),
    ("PUT", "/vouchers/{voucher_id}"),
    ("DELETE", "/vouchers/{voucher_id}"),
    # Tried across tenants in test_subscriptions.py (test_bad_subscriptions_are_refused_and_write_nothing).
    ("POST", "/subscriptions/{subscription_id}/cancel"),
    # Tried across tenants in test_sandbox_clocks.py (test_clocks_refuse_bad_moves_and_other_tenants).
    ("GET", "/v2/sandbox/clocks/{clock_id}"),
    ("POST", "/v2/sandbox/clocks/{clock_id}/customers"),
    ("POST", "/v2/sandbox/clocks/{clock_id}/advance"),
    # Tried across tenants in test_webhooks.py (test_webhooks_are_the_merchants_alone).
    ("GET", "/webhooks/{webhook_id}"),
    ("PUT", "/webhooks/{webhook_id}"),
    ("DELETE", "/webhooks/{webhook_id}"),
    ("GET", "/webhooks/{webhook_id}/deliveries"),
    ("GET", "/webhooks/{webhook_id}/deliveries/{delivery_id}"),
    ("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"),
    ("POST", "/webhooks/{webhook_id}/replay"),
    # Tried across tenants in test_branding.py (test_looks_are_each_merchants_own).
    ("GET", "/branding/paywall/{branding_id}"),
    ("PUT", "/branding/paywall/{branding_id}"),
    ("DELETE", "/branding/paywall/{branding_id}"),
    # Tried across tenants in test_analytics.py (test_bad_input_is_a_clear_error_in_inplayers_shape).
    ("GET", "/v2/analytics/customers/{customer_id}/activity"),
    ("GET", "/v2/analytics/customers/{customer_id}/lifetime"),
}


async def test_every_merchant_route_with_an_id_is_tried_across_tenants(server: Server) -> None:
    with_ids = {(e.method, e.template) for e in merchant_endpoints(server) if re.search(r"\{\w*id\}", e.template)}
    assert with_ids == ROUTES_WITH_IDS, "a new merchant route takes an id: try it with another tenant's"


async def test_a_merchant_token_reaches_no_other_merchants_rows(server: Server) -> None:
    a, b = await tenant(server, "alpha"), await tenant(server, "bravo")
    before = await snapshot(server, b)
    assert before["customer"]["email"] == "viewer@bravo.example.com"

    attempts = [
        await server.http.get(f"/accounts/customers/{b.viewer.id}", headers=a.merchant.auth),
        await server.http.put(
            f"/accounts/register-fields/{b.field['id']}",
            headers=a.merchant.auth,
            data={"label": "hijacked", "name": "hijacked"},
        ),
        await server.http.delete(f"/accounts/register-fields/{b.field['id']}", headers=a.merchant.auth),
        await server.http.post(
            "/v2/accounts/impersonate", headers=a.merchant.auth, data={"customer_id": str(b.viewer.id)}
        ),
    ]
    for response in attempts:
        assert_error(response, 404)
    # Settings a merchant writes by name land in its own tenant, never in another's.
    own_flag = await server.http.put("/v2/features/Organization", headers=a.merchant.auth, data={"enabled": "false"})
    own_limits = await server.http.put(
        "/restrictions/settings",
        headers=a.merchant.auth,
        data={"age_verification_enabled": "false", "domains[0]": "hijack.example.com"},
    )
    assert own_flag.status_code == own_limits.status_code == 200
    assert await snapshot(server, b) == before


async def test_a_merchants_lists_hold_only_its_own_rows(server: Server) -> None:
    a, b = await tenant(server, "alpha"), await tenant(server, "bravo")
    listed = await server.http.get("/accounts/customers", headers=a.merchant.auth)
    assert [c["email"] for c in listed.json()["collection"]] == [a.viewer.email]
    searched = await server.http.get("/accounts/customers", headers=a.merchant.auth, params={"search": "bravo"})
    assert searched.json()["total"] == 0 and searched.json()["collection"] == []
    fields = await server.http.get("/accounts/register-fields", headers=a.merchant.auth)
    assert [f["id"] for f in fields.json()["collection"]] == [a.field["id"]]
    # The same field name is free in each tenant.
    assert a.field["name"] == b.field["name"]


async def test_a_customer_of_one_merchant_cannot_use_another_merchants_client_id(
    server: Server, mailbox: Mailbox
) -> None:
    a, b = await tenant(server, "alpha"), await tenant(server, "bravo")
    response = await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": b.merchant.uuid,
            "grant_type": "password",
            "username": a.viewer.email,
            "password": a.viewer.password,
        },
    )
    assert_error(response, 403)
    await server.run_jobs()
    mailbox.messages.clear()
    reset = await server.http.post(
        "/accounts/forgot-password", data={"email": a.viewer.email, "merchant_uuid": b.merchant.uuid}
    )
    assert reset.status_code == 200
    assert await server.run_jobs() == 0 and mailbox.messages == []


async def test_a_consumer_token_passes_no_merchant_route(server: Server) -> None:
    a = await tenant(server, "alpha")
    before = await snapshot(server, a)
    guarded = merchant_endpoints(server)
    assert len([e for e in guarded if e.route.endpoint.__module__ == MERCHANT_MODULE]) >= 11
    assert ("GET", "/accounts/keys") in {(e.method, e.path) for e in guarded}
    form = {
        "customer_id": str(a.viewer.id),
        "enabled": "true",
        "name": "club",
        "label": "x",
        "type": "input",
        "email": "new@alpha.example.com",
        "age_verification_enabled": "true",
    }
    for endpoint in guarded:
        response = await server.http.request(
            endpoint.method,
            endpoint.path,
            headers=a.viewer.auth,
            data=None if endpoint.method == "GET" else form,
        )
        assert response.status_code == 403, (endpoint.method, endpoint.path, response.text)
        assert response.json() == {"code": 403, "message": "Invalid privileges"}
    # Nothing they sent got through.
    assert await snapshot(server, a) == before
    assert await count_rows(server, AuthSession, a.merchant.id, AuthSession.customer_id == a.viewer.id) == 1


async def test_a_merchant_token_passes_no_customer_route(server: Server) -> None:
    a = await tenant(server, "alpha")
    guarded = customer_endpoints(server)
    assert len(guarded) >= 22
    for endpoint in guarded:
        response = await server.http.request(endpoint.method, endpoint.path, headers=a.merchant.auth)
        assert response.status_code == 403, (endpoint.method, endpoint.path, response.text)
        assert response.json()["code"] == 403


async def test_no_token_passes_a_merchant_or_customer_route(server: Server) -> None:
    guarded = merchant_endpoints(server) + customer_endpoints(server)
    for endpoint in guarded:
        response = await server.http.request(endpoint.method, endpoint.path)
        assert response.status_code == 401, (endpoint.method, endpoint.path, response.text)
        assert response.json() == {"code": 401, "message": "Invalid auth token"}
