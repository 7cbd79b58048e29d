"""Access codes: the merchant hands them out, a viewer opens a code-controlled item with one in a browser."""

from __future__ import annotations

import re
from typing import Any

import httpx

from boxoffice.access.codes import ALPHABET
from boxoffice.access.models import AccessCode, AccessCodeSession
from boxoffice.catalog.models import Product
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, assert_error, count_rows, make_merchant
from tests.dialects.inplayer.seed import add_product

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


async def code_item(server: Server, merchant: Merchant, **fields: Any) -> Product:
    values = {"title": "Private screening", "access_control": "code", "content": "<iframe src=screening>"}
    return await add_product(server, merchant, **(values | fields))


async def create_codes(server: Server, merchant: Merchant, item_id: int | str, **form: str) -> httpx.Response:
    return await server.http.post(f"/v2/items/{item_id}/access-codes", headers=merchant.auth, data=form)


async def make_codes(server: Server, merchant: Merchant, item_id: int, **form: str) -> list[dict[str, Any]]:
    response = await create_codes(server, merchant, item_id, **form)
    assert response.status_code == 201, response.text
    return list(response.json())


async def enter(server: Server, item_id: int | str, code: str, fingerprint: str) -> httpx.Response:
    """As the SDK's `requestCodeAccess` sends it: multipart form data, no auth."""
    fields = {"item_id": str(item_id), "code": code, "browser_fingerprint": fingerprint}
    return await server.http.post(
        "/items/access/codes/entry",
        files={name: (None, value) for name, value in fields.items()},
        headers={"User-Agent": BROWSER},
    )


async def code_rows(server: Server, merchant: Merchant) -> tuple[int, int]:
    return await count_rows(server, AccessCode, merchant.id), await count_rows(server, AccessCodeSession, merchant.id)


async def test_merchant_creates_lists_and_deletes_codes(server: Server, merchant: Merchant) -> None:
    item = await code_item(server, merchant)
    later = clock.unix(clock.now()) + 86400
    created = await make_codes(
        server,
        merchant,
        item.id,
        **{"codes[0]": "VIP-2024", "codes[1]": " press ", "max_sessions": "3"},
        expires_at=str(later),
    )
    assert [c["code"] for c in created] == ["VIP-2024", "press"]
    first = created[0]
    assert first["item_id"] == item.id and first["max_sessions"] == 3
    assert first["expires_at"] == later and first["starts_at"] is None
    assert first["active_sessions"] == 0 and first["in_use"] is False
    assert isinstance(first["created_at"], int)

    listed = await server.http.get(f"/v2/items/{item.id}/access-codes", headers=merchant.auth)
    assert listed.status_code == 200
    page = listed.json()
    assert page["total"] == 2 and page["page"] == 0 and page["limit"] == 15
    assert [c["id"] for c in page["collection"]] == [c["id"] for c in created]
    second_page = await server.http.get(
        f"/v2/items/{item.id}/access-codes", headers=merchant.auth, params={"page": "1", "limit": "1"}
    )
    assert [c["code"] for c in second_page.json()["collection"]] == ["press"]

    assert (await enter(server, item.id, "VIP-2024", "fp-1")).status_code == 200
    listed = await server.http.get(f"/v2/items/{item.id}/access-codes", headers=merchant.auth)
    assert listed.json()["collection"][0]["active_sessions"] == 1
    assert listed.json()["collection"][0]["in_use"] is True

    deleted = await server.http.delete(f"/v2/items/{item.id}/access-codes/{first['id']}", headers=merchant.auth)
    assert deleted.status_code == 200 and deleted.json() == {"code": 200, "message": "Access code deleted"}
    assert await code_rows(server, merchant) == (1, 0)
    # The browser it let in is out, and the code opens nothing any more.
    assert_error(await enter(server, item.id, "VIP-2024", "fp-1"), 401)
    again = await server.http.delete(f"/v2/items/{item.id}/access-codes/{first['id']}", headers=merchant.auth)
    assert_error(again, 404)


async def test_merchant_generates_codes(server: Server, merchant: Merchant) -> None:
    item = await code_item(server, merchant)
    created = await make_codes(server, merchant, item.id, quantity="25")
    values = [c["code"] for c in created]
    assert len(values) == len(set(values)) == 25
    assert all(re.fullmatch(f"[{ALPHABET}]{{10}}", v) for v in values)
    assert all(c["max_sessions"] == 1 for c in created)
    more = await make_codes(server, merchant, item.id, quantity="3")
    assert not {c["code"] for c in more} & set(values)
    assert await code_rows(server, merchant) == (28, 0)


async def test_bad_code_definitions_are_refused_and_write_nothing(server: Server, merchant: Merchant) -> None:
    item = await code_item(server, merchant)
    paid = await add_product(server, merchant, title="Paid match")
    past, now = clock.unix(clock.now()) - 60, clock.unix(clock.now())
    cases: list[tuple[int, dict[str, str], str]] = [
        (paid.id, {"codes[0]": "OK"}, "item_id"),
        (item.id, {}, "codes"),
        (item.id, {"codes[0]": "A", "quantity": "2"}, "codes"),
        (item.id, {"codes": ""}, "codes"),
        (item.id, {"quantity": "0"}, "quantity"),
        (item.id, {"quantity": "1001"}, "quantity"),
        (item.id, {"quantity": "many"}, "quantity"),
        (item.id, {"codes[0]": "has space"}, "codes[0]"),
        (item.id, {"codes[0]": "x" * 101}, "codes[0]"),
        (item.id, {"codes[0]": "SAME", "codes[1]": "SAME"}, "codes[1]"),
        (item.id, {"codes[0]": "A", "max_sessions": "0"}, "max_sessions"),
        (item.id, {"codes[0]": "A", "max_sessions": "1001"}, "max_sessions"),
        (item.id, {"codes[0]": "A", "expires_at": str(past)}, "expires_at"),
        (item.id, {"codes[0]": "A", "starts_at": str(now + 7200), "expires_at": str(now + 3600)}, "expires_at"),
        (item.id, {"codes[0]": "A", "starts_at": "tomorrow"}, "starts_at"),
        (item.id, {"codes[0]": "A", "expires_at": "99999999999999"}, "expires_at"),
    ]
    for item_id, form, field in cases:
        assert_error(await create_codes(server, merchant, item_id, **form), 422, field)
    assert_error(await create_codes(server, merchant, 999_999, **{"codes[0]": "A"}), 404)
    assert_error(await create_codes(server, merchant, "x", **{"codes[0]": "A"}), 422)
    assert await code_rows(server, merchant) == (0, 0)

    await make_codes(server, merchant, item.id, **{"codes[0]": "TAKEN"})
    clash = await create_codes(server, merchant, item.id, **{"codes[0]": "FRESH", "codes[1]": "TAKEN"})
    assert_error(clash, 409)
    assert "TAKEN" in clash.json()["message"]
    assert await code_rows(server, merchant) == (1, 0)
    for query in ({"page": "-1"}, {"limit": "0"}, {"limit": "101"}, {"size": "x"}):
        assert_error(
            await server.http.get(f"/v2/items/{item.id}/access-codes", headers=merchant.auth, params=query), 422
        )


async def test_viewer_enters_a_code(server: Server, merchant: Merchant, frozen: clock.FrozenClock) -> None:
    item = await code_item(server, merchant)
    [code] = await make_codes(server, merchant, item.id, **{"codes[0]": "OPEN-SESAME"})
    response = await enter(server, item.id, "OPEN-SESAME", "a1b2c3")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "item_id": item.id,
        "content": "<iframe src=screening>",
        "in_use": True,
        "browser_fingerprint": "a1b2c3",
        "code": "OPEN-SESAME",
        "type": "html_asset",
        "code_id": code["id"],
    }
    sessions = await server.http.get(f"/items/access/codes/{code['id']}/sessions")
    assert sessions.status_code == 200
    [held] = sessions.json()
    assert held["code"] == "OPEN-SESAME" and held["code_id"] == code["id"]
    assert held["browser_fingerprint"] == "a1b2c3" and held["agent_info"] == BROWSER
    assert held["last_used"] == clock.unix(frozen.now())
    assert isinstance(held["id"], int)

    # The same browser again refreshes its session rather than taking another place.
    frozen.advance(hours=2)
    assert (await enter(server, item.id, "OPEN-SESAME", "a1b2c3")).status_code == 200
    [held] = (await server.http.get(f"/items/access/codes/{code['id']}/sessions")).json()
    assert held["last_used"] == clock.unix(frozen.now())
    assert await code_rows(server, merchant) == (1, 1)

    # Plain urlencoded works as well as multipart.
    form = {"item_id": str(item.id), "code": "OPEN-SESAME", "browser_fingerprint": "a1b2c3"}
    assert (await server.http.post("/items/access/codes/entry", data=form)).status_code == 200


async def test_a_code_opens_as_many_browsers_as_it_allows(server: Server, merchant: Merchant) -> None:
    item = await code_item(server, merchant)
    [single] = await make_codes(server, merchant, item.id, **{"codes[0]": "SOLO"})
    [double] = await make_codes(server, merchant, item.id, **{"codes[0]": "DUO", "max_sessions": "2"})

    assert (await enter(server, item.id, "SOLO", "laptop")).status_code == 200
    busy = assert_error(await enter(server, item.id, "SOLO", "phone"), 400)
    assert "in use" in busy["message"]
    assert await code_rows(server, merchant) == (2, 1)

    released = await server.http.delete(f"/items/access/codes/{single['id']}/laptop")
    assert released.status_code == 200
    assert released.json() == {"code": 200, "message": "Successfully deleted session"}
    assert (await server.http.get(f"/items/access/codes/{single['id']}/sessions")).json() == []
    assert (await enter(server, item.id, "SOLO", "phone")).status_code == 200
    assert_error(await server.http.delete(f"/items/access/codes/{single['id']}/laptop"), 404)

    assert (await enter(server, item.id, "DUO", "one")).status_code == 200
    assert (await enter(server, item.id, "DUO", "two")).status_code == 200
    assert_error(await enter(server, item.id, "DUO", "three"), 400)
    assert (await enter(server, item.id, "DUO", "two")).status_code == 200
    listed = (await server.http.get(f"/items/access/codes/{double['id']}/sessions")).json()
    assert [s["browser_fingerprint"] for s in listed] == ["one", "two"]


async def test_invalid_expired_and_early_codes_are_401(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    item = await code_item(server, merchant)
    other = await code_item(server, merchant, title="Another screening")
    now = clock.unix(frozen.now())
    await make_codes(server, merchant, item.id, **{"codes[0]": "SOON"}, expires_at=str(now + 3600))
    await make_codes(server, merchant, item.id, **{"codes[0]": "LATER"}, starts_at=str(now + 3600))
    await make_codes(server, merchant, other.id, **{"codes[0]": "ELSEWHERE"})

    assert "Invalid access code" in assert_error(await enter(server, item.id, "NOPE", "fp"), 401)["message"]
    assert_error(await enter(server, item.id, "soon", "fp"), 401)  # codes are exact
    assert_error(await enter(server, item.id, "ELSEWHERE", "fp"), 401)  # a code opens its own item only
    assert "not valid yet" in assert_error(await enter(server, item.id, "LATER", "fp"), 401)["message"]
    assert (await enter(server, item.id, "SOON", "fp")).status_code == 200

    frozen.advance(hours=1)
    assert "expired" in assert_error(await enter(server, item.id, "SOON", "fp"), 401)["message"]
    assert (await enter(server, item.id, "LATER", "fp")).status_code == 200


async def test_bad_entries_are_refused_and_write_nothing(server: Server, merchant: Merchant) -> None:
    item = await code_item(server, merchant)
    paid = await add_product(server, merchant, title="Paid match")
    hidden = await code_item(server, merchant, title="Withdrawn", active=False)
    await make_codes(server, merchant, item.id, **{"codes[0]": "GOOD"})
    await make_codes(server, merchant, hidden.id, **{"codes[0]": "HIDDEN"})

    assert_error(await enter(server, item.id, "", "fp"), 422, "code")
    assert_error(await enter(server, item.id, "GOOD", ""), 422, "browser_fingerprint")
    assert_error(await enter(server, item.id, "GOOD", "f" * 201), 422, "browser_fingerprint")
    assert_error(await enter(server, "", "GOOD", "fp"), 422, "item_id")
    assert_error(await enter(server, "abc", "GOOD", "fp"), 422, "item_id")
    assert_error(await enter(server, 999_999, "GOOD", "fp"), 404)
    assert_error(await enter(server, hidden.id, "HIDDEN", "fp"), 404)
    assert_error(await enter(server, paid.id, "GOOD", "fp"), 422, "item_id")
    assert_error(await enter(server, item.id, "x" * 5000, "fp"), 401)
    assert await code_rows(server, merchant) == (2, 0)

    assert_error(await server.http.get("/items/access/codes/x/sessions"), 422)
    assert_error(await server.http.get("/items/access/codes/999999/sessions"), 404)
    assert_error(await server.http.delete("/items/access/codes/999999/fp"), 404)
    assert_error(await server.http.delete("/items/access/codes/0/fp"), 422)


async def test_codes_stay_inside_their_merchant(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "owner@rival.example.com")
    mine = await code_item(server, merchant, content="mine")
    theirs = await code_item(server, other, content="theirs")
    # The same code may exist at both: each opens its own merchant's item.
    [my_code] = await make_codes(server, merchant, mine.id, **{"codes[0]": "SHARED"})
    [their_code] = await make_codes(server, other, theirs.id, **{"codes[0]": "SHARED"})
    [their_private] = await make_codes(server, other, theirs.id, **{"codes[0]": "THEIRS-ONLY"})
    assert (await enter(server, mine.id, "SHARED", "fp")).json()["content"] == "mine"
    assert (await enter(server, theirs.id, "SHARED", "fp")).json()["content"] == "theirs"
    # One merchant's code never opens the other's item.
    assert_error(await enter(server, mine.id, "THEIRS-ONLY", "fp"), 401)
    sessions = (await server.http.get(f"/items/access/codes/{my_code['id']}/sessions")).json()
    assert [s["code_id"] for s in sessions] == [my_code["id"]]

    before = await code_rows(server, other)
    # A merchant reaches none of the other's codes, through either item.
    attempts = [
        await create_codes(server, merchant, theirs.id, **{"codes[0]": "PLANTED"}),
        await server.http.get(f"/v2/items/{theirs.id}/access-codes", headers=merchant.auth),
        await server.http.delete(f"/v2/items/{theirs.id}/access-codes/{their_code['id']}", headers=merchant.auth),
        await server.http.delete(f"/v2/items/{mine.id}/access-codes/{their_private['id']}", headers=merchant.auth),
    ]
    for response in attempts:
        assert_error(response, 404)
    assert await code_rows(server, other) == before
    assert await code_rows(server, merchant) == (1, 1)
