"""A merchant's view of its customers: list and search, open accounts for them, act as one."""

from __future__ import annotations

from boxoffice.identity.models import LoginRecord, RegistrationRecord
from tests.conftest import Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    add_register_field,
    assert_error,
    bearer,
    count_rows,
    fetch_rows,
    sign_in,
    sign_up,
)

PEOPLE = [
    ("ann.lee@example.com", "Ann Lee"),
    ("bob_stone@example.com", "Bob Stone"),
    ("cara@example.com", "Cara Leeds"),
    ("dan@example.org", "Dan Brown"),
    ("eve@example.org", "Eve Adams"),
]


async def open_accounts(server: Server, merchant: Merchant) -> list[Viewer]:
    return [await sign_up(server, merchant, email=email, full_name=name) for email, name in PEOPLE]


async def customers(server: Server, merchant: Merchant, **query: str) -> dict:  # type: ignore[type-arg]
    response = await server.http.get("/accounts/customers", headers=merchant.auth, params=query)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_list_pages_through_every_customer(server: Server, merchant: Merchant) -> None:
    await open_accounts(server, merchant)
    seen: list[str] = []
    for page in range(3):
        body = await customers(server, merchant, page=str(page), limit="2")
        assert (body["total"], body["page"], body["limit"], body["offset"]) == (5, page, 2, page * 2)
        seen += [c["email"] for c in body["collection"]]
    assert len(seen) == len(set(seen)) == 5
    assert sorted(seen) == sorted(email for email, _ in PEOPLE)
    assert (await customers(server, merchant, page="3", limit="2"))["collection"] == []
    by_size = await customers(server, merchant, size="4")
    assert by_size["limit"] == 4 and len(by_size["collection"]) == 4
    first = by_size["collection"][0]
    assert first["roles"] == ["consumer"] and first["merchant_uuid"] == merchant.uuid


async def test_search_matches_email_or_name_case_insensitively(server: Server, merchant: Merchant) -> None:
    await open_accounts(server, merchant)

    async def emails(search: str) -> list[str]:
        body = await customers(server, merchant, search=search)
        assert body["total"] == len(body["collection"])
        return sorted(c["email"] for c in body["collection"])

    assert await emails("LEE") == ["ann.lee@example.com", "cara@example.com"]
    assert await emails("example.org") == ["dan@example.org", "eve@example.org"]
    assert await emails("nobody") == []
    # Search text is literal: LIKE wildcards in it match only themselves.
    assert await emails("_") == ["bob_stone@example.com"]
    assert await emails("%") == []


async def test_bad_paging_is_422(server: Server, merchant: Merchant) -> None:
    for query in ({"limit": "0"}, {"limit": "101"}, {"page": "-1"}, {"page": "first"}, {"size": "1000"}):
        response = await server.http.get("/accounts/customers", headers=merchant.auth, params=query)
        assert_error(response, 422, *query)


async def test_read_one_customer(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    response = await server.http.get(f"/accounts/customers/{viewer.id}", headers=merchant.auth)
    assert response.status_code == 200
    assert response.json()["email"] == viewer.email and response.json()["id"] == viewer.id
    assert_error(await server.http.get("/accounts/customers/999999", headers=merchant.auth), 404)


async def test_merchant_creates_a_passwordless_customer(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/v2/accounts/customers",
        headers=merchant.auth,
        data={"email": "made@example.com", "full_name": "Made For", "metadata[crm_id]": "C-17"},
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["email"] == "made@example.com" and made["metadata"] == {"crm_id": "C-17"}
    (record,) = await fetch_rows(server, RegistrationRecord, merchant.id, RegistrationRecord.customer_id == made["id"])
    assert record.source == "merchant"
    # No password was set, so no password opens it.
    assert_error(await sign_in(server, merchant, "made@example.com", ""), 422, "password")
    assert_error(await sign_in(server, merchant, "made@example.com", "any-password-1"), 403)

    duplicate = await server.http.post(
        "/v2/accounts/customers", headers=merchant.auth, data={"email": "MADE@example.com"}
    )
    assert_error(duplicate, 409)
    no_email = await server.http.post("/v2/accounts/customers", headers=merchant.auth, data={"full_name": "No Mail"})
    assert_error(no_email, 422, "email")
    assert (await customers(server, merchant))["total"] == 1


async def test_merchant_created_customers_answer_the_register_fields_too(server: Server, merchant: Merchant) -> None:
    await add_register_field(
        server,
        merchant,
        name="tier",
        label="Tier",
        type="select",
        required="true",
        **{"options[gold]": "Gold", "options[silver]": "Silver"},
    )
    refused = await server.http.post(
        "/v2/accounts/customers",
        headers=merchant.auth,
        data={"email": "made@example.com", "metadata[tier]": "bronze"},
    )
    assert_error(refused, 422, "tier")
    assert (await customers(server, merchant))["total"] == 0


async def test_v2_sign_up_with_a_merchant_bearer_opens_an_account_for_a_customer(
    server: Server, merchant: Merchant
) -> None:
    response = await server.http.post(
        "/v2/accounts",
        headers=merchant.auth,
        data={"username": "sso@example.com", "full_name": "Sso User", "metadata[sso_id]": "abc"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "expires", "account"}
    assert body["account"]["roles"] == ["consumer"] and body["account"]["metadata"] == {"sso_id": "abc"}
    me = await server.http.get("/accounts", headers=bearer(body["access_token"]))
    assert me.json()["email"] == "sso@example.com"
    assert await count_rows(server, LoginRecord, merchant.id) == 0
    (record,) = await fetch_rows(server, RegistrationRecord, merchant.id)
    assert record.source == "merchant"


async def test_v2_sign_up_with_a_customer_bearer_is_403(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    response = await server.http.post(
        "/v2/accounts", headers=viewer.auth, data={"username": "sneaky@example.com", "full_name": "Sneaky"}
    )
    assert_error(response, 403)
    assert (await customers(server, merchant))["total"] == 1


async def test_impersonation_acts_as_the_customer_without_a_login_record(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    logins_before = await count_rows(server, LoginRecord, merchant.id)
    response = await server.http.post(
        "/v2/accounts/impersonate", headers=merchant.auth, data={"customer_id": str(viewer.id)}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body and body["account"]["id"] == viewer.id
    me = await server.http.get("/accounts", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["email"] == viewer.email
    favorites = await server.http.get("/v2/accounts/media/favorites", headers=bearer(body["access_token"]))
    assert favorites.status_code == 200
    assert await count_rows(server, LoginRecord, merchant.id) == logins_before


async def test_bad_impersonation_requests(server: Server, merchant: Merchant) -> None:
    async def impersonate(form: dict[str, str]) -> object:
        return await server.http.post("/v2/accounts/impersonate", headers=merchant.auth, data=form)

    assert_error(await impersonate({}), 422, "customer_id")  # type: ignore[arg-type]
    assert_error(await impersonate({"customer_id": "abc"}), 422, "customer_id")  # type: ignore[arg-type]
    assert_error(await impersonate({"customer_id": "9" * 20}), 422, "customer_id")  # type: ignore[arg-type]
    assert_error(await impersonate({"customer_id": "424242"}), 404)  # type: ignore[arg-type]
