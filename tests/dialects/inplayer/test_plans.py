"""JW Player's `/v3/sites/{siteId}/…` plan routes (the SDK's npm-only methods), read off the same catalog rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boxoffice.catalog.models import Product
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, bearer, make_merchant, sign_up
from tests.dialects.inplayer.seed import add_price, add_product, entitle


async def catalog(server: Server, merchant: Merchant) -> dict[str, Product]:
    """One product sold by subscription, and several that are not plans for one reason or another."""
    now = clock.now()
    club = await add_product(server, merchant, title="Club pass")
    await add_price(server, merchant, club, description="Monthly")
    await add_price(
        server,
        merchant,
        club,
        access_type_id=10,
        amount=9900,
        period_unit="year",
        description="",
        trial_period_unit="day",
        trial_period_quantity=7,
    )
    await add_price(server, merchant, club, description="Retired", active=False)
    await add_price(server, merchant, club, kind="one_time", access_type_id=1, period_unit="hour", period_quantity=24)
    rental = await add_product(server, merchant, title="Rental")
    await add_price(server, merchant, rental, kind="one_time", access_type_id=3, period_unit="day", period_quantity=7)
    retired = await add_product(server, merchant, title="Retired plan")
    await add_price(server, merchant, retired, active=False)
    hidden = await add_product(server, merchant, title="Withdrawn", active=False)
    await add_price(server, merchant, hidden)
    ended = await add_product(server, merchant, title="Sale over")
    await add_price(server, merchant, ended, expires_at=now - timedelta(days=1))
    coming = await add_product(server, merchant, title="Sale to come")
    await add_price(server, merchant, coming, starts_at=now + timedelta(days=1))
    return {"club": club, "rental": rental, "retired": retired, "hidden": hidden, "ended": ended, "coming": coming}


async def plans_of(server: Server, site: str, query: str = "") -> dict[str, Any]:
    response = await server.http.get(f"/v3/sites/{site}/plans{query}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_site_plans_are_the_products_sold_by_subscription(server: Server, merchant: Merchant) -> None:
    products = await catalog(server, merchant)
    club = products["club"]
    body = await plans_of(server, merchant.uuid)
    assert (body["page"], body["total"], body["page_length"]) == (1, 1, 20)
    [plan] = body["plans"]
    prices = (await server.http.get(f"/v3/sites/{merchant.uuid}/plans/{plan['id']}/prices")).json()["prices"]
    assert plan == {
        "id": str(club.id),
        "original_id": club.id,
        "metadata": {
            "name": "Club pass",
            "access_model": "svod",
            "tags": {"include": [], "exclude": []},
            "custom_params": {"include": {}, "exclude": {}},
        },
        "relationships": {"prices": [{"id": p["id"], "type": "price"} for p in prices]},
        "created": plan["created"],
        "last_modified": plan["last_modified"],
        "type": "plan",
        "schema": "plan",
    }
    assert plan["created"].endswith("+00:00") and "T" in plan["created"]


async def test_a_plans_prices(server: Server, merchant: Merchant) -> None:
    club = (await catalog(server, merchant))["club"]
    response = await server.http.get(f"/v3/sites/{merchant.uuid}/plans/{club.id}/prices")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["page"], body["total"], body["page_length"]) == (1, 2, 20)
    monthly, yearly = body["prices"]
    assert monthly == {
        "id": monthly["id"],
        "access": {"period": "month", "quantity": 1, "type": "subscription"},
        "metadata": {"amount": 9.99, "currency": "EUR", "name": "Monthly", "trial": None},
        "original_id": int(monthly["id"]),
        "relationships": {"plans": [{"id": str(club.id), "type": "plan"}]},
        "schema": "price",
        "type": "price",
    }
    assert yearly["access"] == {"period": "year", "quantity": 1, "type": "subscription"}
    # A price without a description goes by its plan's name.
    assert yearly["metadata"] == {
        "amount": 99.0,
        "currency": "EUR",
        "name": "Club pass",
        "trial": {"period": "day", "quantity": 7},
    }


async def test_plans_page_and_filter(server: Server, merchant: Merchant) -> None:
    first = (await catalog(server, merchant))["club"]
    second = await add_product(server, merchant, title="Second pass")
    await add_price(server, merchant, second)
    third = await add_product(server, merchant, title="Third pass")
    await add_price(server, merchant, third)
    assert [p["original_id"] for p in (await plans_of(server, merchant.uuid))["plans"]] == [
        first.id,
        second.id,
        third.id,
    ]
    page = await plans_of(server, merchant.uuid, "?page=2&page_length=2")
    assert (page["page"], page["total"], page["page_length"]) == (2, 3, 2)
    assert [p["original_id"] for p in page["plans"]] == [third.id]
    # The SDK builds `?<ids joined by commas>` from the list an app gives it.
    picked = await plans_of(server, merchant.uuid, f"?{third.id},{first.id},nonsense,99999999")
    assert [p["original_id"] for p in picked["plans"]] == [first.id, third.id]
    assert [p["original_id"] for p in (await plans_of(server, merchant.uuid, f"?ids={second.id}"))["plans"]] == [
        second.id
    ]
    assert (await plans_of(server, merchant.uuid, "?ids=")) == {"page": 1, "total": 0, "page_length": 20, "plans": []}


async def test_plan_refusals(server: Server, merchant: Merchant) -> None:
    products = await catalog(server, merchant)
    other = await make_merchant(server, "owner@rival.example.com")
    theirs = await add_product(server, other, title="Their pass")
    await add_price(server, other, theirs)
    for site in ("00000000-0000-0000-0000-000000000000", "nope"):
        assert_error(await server.http.get(f"/v3/sites/{site}/plans"), 404)
        assert_error(await server.http.get(f"/v3/sites/{site}/plans/{products['club'].id}/prices"), 404)
        assert_error(await server.http.get(f"/v3/sites/{site}/entitlements"), 404)
    not_plans = [p.id for name, p in products.items() if name != "club"]
    for plan_id in [*not_plans, theirs.id, 0, "abc", "-1", "99999999999999999999999", "٣"]:
        assert_error(await server.http.get(f"/v3/sites/{merchant.uuid}/plans/{plan_id}/prices"), 404)
    for query in ("?page=0", "?page=x", "?page_length=0", "?page_length=101"):
        assert_error(await server.http.get(f"/v3/sites/{merchant.uuid}/plans{query}"), 422)
    # Their plan is listed at their site only.
    assert [p["original_id"] for p in (await plans_of(server, other.uuid))["plans"]] == [theirs.id]


async def test_entitlements_are_the_plans_a_viewer_holds(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    products = await catalog(server, merchant)
    club, rental, retired = products["club"], products["rental"], products["retired"]
    path = f"/v3/sites/{merchant.uuid}/entitlements"
    nobody = await server.http.get(path)
    assert nobody.status_code == 200
    assert nobody.json() == {"page": 1, "total": 0, "page_length": 20, "plans": []}
    assert (await server.http.get(path, headers={"Authorization": "Bearer "})).json()["plans"] == []
    assert (await server.http.get(path, headers=viewer.auth)).json()["plans"] == []

    held = await entitle(server, merchant, viewer.id, club, days=30)
    await entitle(server, merchant, viewer.id, club, days=10)
    await entitle(server, merchant, viewer.id, rental)  # bought, but not a plan
    await entitle(server, merchant, viewer.id, retired)  # a plan no longer sold still counts while it runs
    body = (await server.http.get(path, headers=viewer.auth)).json()
    assert body["total"] == 2
    first, second = body["plans"]
    assert first["id"] == str(club.id) and first["original_id"] == club.id
    assert first["name"] == "Club pass" and first["access_model"] == "svod"
    assert first["access_plan"] == {"id": str(club.id), "exp": clock.unix(held.expires_at)}
    assert first["access"] == {"drm_policy_id": None, "tags": {"include": [], "exclude": []}}
    assert first["metadata"]["external_providers"] == {}
    assert first["type"] == "plan" and len(first["relationships"]["prices"]) == 2
    assert second["original_id"] == retired.id and second["relationships"]["prices"] == []


async def test_entitlements_ignore_what_is_not_in_force(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    club = (await catalog(server, merchant))["club"]
    now = clock.now()
    await entitle(server, merchant, viewer.id, club, expires_at=now - timedelta(seconds=1))
    await entitle(server, merchant, viewer.id, club, starts_at=now + timedelta(hours=1))
    await entitle(server, merchant, viewer.id, club, revoked_at=now, revoked_reason="refund")
    path = f"/v3/sites/{merchant.uuid}/entitlements"
    assert (await server.http.get(path, headers=viewer.auth)).json()["plans"] == []


async def test_entitlement_tokens(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    club = (await catalog(server, merchant))["club"]
    await entitle(server, merchant, viewer.id, club)
    other = await make_merchant(server, "owner@rival.example.com")
    outsider = await sign_up(server, other, email="fan@rival.example.com")
    path = f"/v3/sites/{merchant.uuid}/entitlements"
    assert_error(await server.http.get(path, headers=bearer("not-a-token")), 401)
    assert_error(await server.http.get(path, headers={"Authorization": "Basic abc"}), 401)
    assert_error(await server.http.get(path, headers=merchant.auth), 403)
    # A viewer of another merchant holds nothing at this site, and this viewer nothing at theirs.
    assert (await server.http.get(path, headers=outsider.auth)).json()["plans"] == []
    theirs = await server.http.get(f"/v3/sites/{other.uuid}/entitlements", headers=viewer.auth)
    assert theirs.status_code == 200 and theirs.json()["plans"] == []
