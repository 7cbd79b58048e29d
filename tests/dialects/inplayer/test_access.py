"""The access check: `GET /items/{id}/access`, entitlements granted and revoked, and the rules enforced inside it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from boxoffice.access.models import ContentRequest, Entitlement
from boxoffice.catalog.models import PackageMember, Product
from boxoffice.kit import clock
from boxoffice.restrictions.models import CountrySet
from tests.conftest import Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    make_merchant,
    sign_in,
    sign_up,
)

US_IP, GB_IP = "8.8.8.8", "81.2.69.142"


async def add_product(server: Server, merchant: Merchant, **fields: Any) -> Product:
    async with server.app.state.sessions() as session, session.begin():
        product = Product(merchant_id=merchant.id, title=fields.pop("title", "Film"), content="secret-stream", **fields)
        session.add(product)
    return product


async def add_country_set(server: Server, merchant: Merchant, kind: str, *countries: str) -> int:
    async with server.app.state.sessions() as session, session.begin():
        country_set = CountrySet(merchant_id=merchant.id, name=kind, type=kind, countries=list(countries))
        session.add(country_set)
    return country_set.id


async def grant(server: Server, merchant: Merchant, viewer: Viewer, product_id: int, days: float = 2) -> httpx.Response:
    expires = clock.unix(clock.now() + timedelta(days=days))
    return await server.http.post(
        "/items/access",
        headers=merchant.auth,
        data={"item_id": str(product_id), "consumer_id": str(viewer.id), "expires_at": str(expires)},
    )


async def from_ip(server: Server, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=server.app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_no_entitlement_is_402_and_a_grant_opens_the_content(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    refused = await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)
    assert refused.status_code == 402
    assert refused.json() == {"code": 402, "message": "No access"}

    granted = await grant(server, merchant, viewer, film.id)
    assert granted.status_code == 200, granted.text
    access = await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)
    assert access.status_code == 200, access.text
    body = access.json()
    assert body["item"]["id"] == film.id and body["item"]["content"] == "secret-stream"
    assert body["customer_id"] == viewer.id and body["account_id"] == merchant.id
    assert body["expires_at"] == granted.json()["expires_at"] > clock.unix(clock.now())


async def test_an_expired_entitlement_is_history_not_access(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id, days=1)
    assert (await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 200
    frozen.advance(days=1, seconds=1)
    assert (await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 402
    history = await server.http.get("/items/access/customers", headers=viewer.auth, params={"status": "inactive"})
    assert [row["item_id"] for row in history.json()["collection"]] == [film.id]
    active = await server.http.get("/items/access/customers", headers=viewer.auth, params={"status": "active"})
    assert active.json()["total"] == 0


async def test_revoking_ends_access_and_a_second_revoke_is_404(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    revoked = await server.http.delete(
        f"/items/{film.id}/access", headers=merchant.auth, params={"consumer_id": viewer.id}
    )
    assert revoked.status_code == 200, revoked.text
    assert (await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 402
    again = await server.http.delete(
        f"/items/{film.id}/access", headers=merchant.auth, params={"consumer_id": viewer.id}
    )
    assert_error(again, 404)
    history = await server.http.get("/items/access/customers", headers=viewer.auth, params={"status": "all"})
    assert history.json()["collection"][0]["revoked"] == 1


async def test_a_package_entitlement_opens_every_member(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    film, other = await add_product(server, merchant), await add_product(server, merchant, title="Other")
    bundle = await add_product(server, merchant, title="Bundle", kind="package", asset_type="package")
    async with server.app.state.sessions() as session, session.begin():
        session.add(PackageMember(merchant_id=merchant.id, package_id=bundle.id, product_id=film.id))
    await grant(server, merchant, viewer, bundle.id)
    assert (await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 200
    assert (await server.http.get(f"/items/{other.id}/access", headers=viewer.auth)).status_code == 402


async def test_auth_items_open_to_any_signed_in_viewer(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    article = await add_product(server, merchant, access_control="auth")
    response = await server.http.get(f"/items/{article.id}/access", headers=viewer.auth)
    assert response.status_code == 200 and response.json()["item"]["content"] == "secret-stream"
    assert (await server.http.get(f"/items/{article.id}/access")).status_code == 401


async def test_geo_whitelist_on_the_item(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    us_only = await add_country_set(server, merchant, "whitelist", "US")
    film = await add_product(server, merchant, country_set_id=us_only)
    await grant(server, merchant, viewer, film.id)
    async for client in from_ip(server, US_IP):
        assert (await client.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 200
    async for client in from_ip(server, GB_IP):
        refused = await client.get(f"/items/{film.id}/access", headers=viewer.auth)
        body = assert_error(refused, 403, "restriction")
        assert body["errors"]["restriction"] == "geo"


async def test_geo_blacklist_on_the_fee_it_was_bought_with(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    from boxoffice.catalog.models import Price

    no_gb = await add_country_set(server, merchant, "blacklist", "GB")
    film = await add_product(server, merchant)
    async with server.app.state.sessions() as session, session.begin():
        fee = Price(
            merchant_id=merchant.id,
            product_id=film.id,
            access_type_id=2,
            kind="one_time",
            amount=499,
            currency="USD",
            period_unit="hour",
            period_quantity=48,
            country_set_id=no_gb,
        )
        session.add(fee)
    granted = await server.http.post(
        "/items/access",
        headers=merchant.auth,
        data={"item_id": str(film.id), "consumer_id": str(viewer.id), "access_fee_id": str(fee.id)},
    )
    assert granted.status_code == 200, granted.text
    # The fee's access type is 48 hours: the expiry follows from it.
    assert granted.json()["expires_at"] - granted.json()["starts_at"] == 48 * 3600
    async for client in from_ip(server, US_IP):
        assert (await client.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 200
    async for client in from_ip(server, GB_IP):
        assert assert_error(await client.get(f"/items/{film.id}/access", headers=viewer.auth), 403)["errors"] == {
            "restriction": "geo"
        }


async def test_domain_allow_list(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    settings = await server.http.put(
        "/restrictions/settings", headers=merchant.auth, data={"domains[0]": "*.example.com", "domains[1]": "tv.test"}
    )
    assert settings.status_code == 200, settings.text
    url = f"/items/{film.id}/access"
    assert (
        await server.http.get(url, headers=viewer.auth | {"Referer": "https://app.example.com/x"})
    ).status_code == 200
    assert (await server.http.get(url, headers=viewer.auth | {"Referer": "https://tv.test/"})).status_code == 200
    for referer in ("https://evil.example.org/", "https://example.com.evil.org/"):
        refused = await server.http.get(url, headers=viewer.auth | {"Referer": referer})
        assert assert_error(refused, 403)["errors"] == {"restriction": "domain"}, referer
    missing = await server.http.get(url, headers=viewer.auth)
    assert assert_error(missing, 403)["errors"] == {"restriction": "domain"}


async def test_age_by_date_of_birth(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    film = await add_product(server, merchant, min_age=18)
    await grant(server, merchant, viewer, film.id)
    url = f"/items/{film.id}/access"
    assert assert_error(await server.http.get(url, headers=viewer.auth), 403)["errors"] == {"restriction": "age"}
    today = clock.now().date()
    too_young = date(today.year - 17, today.month, 1).isoformat()
    await server.http.put("/accounts", headers=viewer.auth, data={"date_of_birth": too_young})
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 403
    await server.http.put("/accounts", headers=viewer.auth, data={"date_of_birth": "1990-05-01"})
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200


async def test_age_by_pin_when_the_merchant_verifies_with_pins(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Any
) -> None:
    film = await add_product(server, merchant, min_age=18)
    await grant(server, merchant, viewer, film.id)
    await server.http.put(
        "/restrictions/settings",
        headers=merchant.auth,
        data={"age_verification_enabled": "true", "age_verification_type": "pin_code"},
    )
    url = f"/items/{film.id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 403
    await server.http.post("/v2/accounts/pin-codes/send", headers=viewer.auth)
    await server.run_jobs()
    pin = mailbox.last(viewer.email).get_body(("plain",)).get_content().split("PIN code is ")[1][:6]
    validated = await server.http.post("/v2/accounts/pin-codes/validate", headers=viewer.auth, data={"pin_code": pin})
    assert validated.status_code == 200, validated.text
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200


async def test_the_oldest_session_is_logged_out_past_the_limit(server: Server, merchant: Merchant) -> None:
    await server.http.put("/restrictions/settings", headers=merchant.auth, data={"max_concurrent_sessions": "2"})
    viewer = await sign_up(server, merchant, email="many@example.com")
    second = (await sign_in(server, merchant, viewer.email, viewer.password)).json()["access_token"]
    third = (await sign_in(server, merchant, viewer.email, viewer.password)).json()["access_token"]
    assert (await server.http.get("/accounts", headers=viewer.auth)).status_code == 401
    for token in (second, third):
        assert (await server.http.get("/accounts", headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_every_check_is_logged_off_the_request_path(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    film = await add_product(server, merchant, min_age=21)
    url = f"/items/{film.id}/access"
    await server.http.get(url, headers=viewer.auth | {"Referer": "https://app.example.com/"})
    assert await count_rows(server, ContentRequest, merchant.id) == 0  # buffered, not written by the request
    written = await server.app.state.content_log.flush(server.app.state.sessions)
    assert written == 1
    (logged,) = await fetch_rows(server, ContentRequest, merchant.id)
    assert (logged.product_id, logged.customer_id, logged.outcome) == (film.id, viewer.id, "age")
    assert logged.ip_address == "203.0.113.7" and logged.referrer == "https://app.example.com/"


async def test_grant_bad_input_writes_nothing(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    film = await add_product(server, merchant)
    past = str(clock.unix(clock.now()) - 10)
    cases = [
        ({"consumer_id": str(viewer.id), "expires_at": past}, 422, "item_id"),
        ({"item_id": str(film.id), "consumer_id": str(viewer.id)}, 422, "expires_at"),
        ({"item_id": str(film.id), "consumer_id": str(viewer.id), "expires_at": past}, 422, "expires_at"),
        ({"item_id": str(film.id), "consumer_id": str(viewer.id), "expires_at": "soon"}, 422, "expires_at"),
        ({"item_id": str(film.id), "consumer_id": str(viewer.id), "expires_at": "9" * 15}, 422, "expires_at"),
        ({"item_id": "999999", "consumer_id": str(viewer.id), "expires_at": str(int(past) + 99999)}, 404, None),
        ({"item_id": str(film.id), "consumer_id": "999999", "expires_at": str(int(past) + 99999)}, 404, None),
        ({"item_id": str(film.id), "consumer_id": str(viewer.id), "access_fee_id": "999999"}, 404, None),
    ]
    for form, status, field in cases:
        response = await server.http.post("/items/access", headers=merchant.auth, data=form)
        assert_error(response, status, *([field] if field else []))
    assert await count_rows(server, Entitlement, merchant.id) == 0
    assert_error(await server.http.post("/items/access", headers=viewer.auth, data={}), 403)


async def test_another_merchants_items_and_customers_are_404(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_product(server, other)
    mine = await add_product(server, merchant)
    assert_error(await grant(server, merchant, viewer, theirs.id), 404)
    outsider = await sign_up(server, other, email="outsider@example.com")
    assert_error(await grant(server, merchant, outsider, mine.id), 404)
    await grant(server, other, outsider, theirs.id)
    revoke = await server.http.delete(
        f"/items/{theirs.id}/access", headers=merchant.auth, params={"consumer_id": outsider.id}
    )
    assert_error(revoke, 404)
    assert (await server.http.get(f"/items/{theirs.id}/access", headers=outsider.auth)).status_code == 200
    assert_error(await server.http.get(f"/items/{theirs.id}/access", headers=viewer.auth), 404)
    assert await count_rows(server, Entitlement, merchant.id) == 0


async def test_used_trial_period(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    film = await add_product(server, merchant)
    url = f"/items/used-trial-period/{film.id}"
    assert (await server.http.get(url, headers=viewer.auth)).json() is False
    async with server.app.state.sessions() as session, session.begin():
        session.add(
            Entitlement(
                merchant_id=merchant.id,
                customer_id=viewer.id,
                product_id=film.id,
                source="subscription",
                is_trial=True,
                starts_at=clock.now(),
                expires_at=clock.now() + timedelta(days=7),
            )
        )
    assert (await server.http.get(url, headers=viewer.auth)).json() is True
    assert_error(await server.http.get("/items/used-trial-period/999999", headers=viewer.auth), 404)


async def test_purchase_history_status_must_be_known(server: Server, viewer: Viewer) -> None:
    response = await server.http.get("/items/access/customers", headers=viewer.auth, params={"status": "bogus"})
    assert_error(response, 422, "status")


async def test_entitlement_rows_record_where_they_were_granted(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    async with server.app.state.sessions() as session:
        (row,) = (await session.scalars(select(Entitlement).where(Entitlement.merchant_id == merchant.id))).all()
    assert row.source == "grant" and row.revoked_at is None


async def test_a_revocation_by_another_process_reaches_this_one_through_the_feed(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    from sqlalchemy import insert, update

    from boxoffice.kit.cache import CacheInvalidation, InvalidationFeed

    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    feed = InvalidationFeed()
    await feed.poll(server.app.state.sessions)  # starts following from here
    url = f"/items/{film.id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    # Another worker revokes: what it commits reaches this process only through the database.
    async with server.app.state.engine.begin() as connection:
        await connection.execute(
            update(Entitlement.__table__)
            .where(Entitlement.__table__.c.merchant_id == merchant.id)
            .values(revoked_at=clock.now(), revoked_reason="elsewhere")
        )
        await connection.execute(
            insert(CacheInvalidation.__table__).values(
                scope_merchant_id=merchant.id, scope_customer_id=viewer.id, created_at=clock.now()
            )
        )
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200  # still cached here
    assert await feed.poll(server.app.state.sessions) == 1
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 402


async def test_writes_outside_the_orm_are_seen_when_the_entry_expires(
    server: Server, merchant: Merchant, viewer: Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import update

    from boxoffice.kit import cache

    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    url = f"/items/{film.id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    async with server.app.state.engine.begin() as connection:
        await connection.execute(
            update(Entitlement.__table__)
            .where(Entitlement.__table__.c.merchant_id == merchant.id)
            .values(revoked_at=clock.now())
        )
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    later = cache.now() + cache.STALE_AFTER + 0.01
    monkeypatch.setattr(cache, "now", lambda: later)
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 402


async def test_a_grant_revoke_and_logout_take_effect_at_once_in_this_process(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    url = f"/items/{film.id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 402  # caches "no entitlement"
    await grant(server, merchant, viewer, film.id)
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    await server.http.delete(url, headers=merchant.auth, params={"consumer_id": viewer.id})
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 402
    await grant(server, merchant, viewer, film.id)
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    await server.http.get("/accounts/logout", headers=viewer.auth)
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 401


async def test_the_fast_path_and_the_full_route_answer_alike(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    fast = await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)
    # The same request with the fast path taken out of the app.
    server.app.fast_access = None
    full = await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)
    assert fast.status_code == full.status_code == 200
    assert fast.json() == full.json()
    refused_fast_path_off = await server.http.get("/items/999999/access", headers=viewer.auth)
    assert refused_fast_path_off.json() == {"code": 404, "message": "Item not found"}
