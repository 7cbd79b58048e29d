"""A viewer without an account leaves contact details for a merchant's data-capture assets."""

from __future__ import annotations

import httpx

from boxoffice.access.models import DataCaptureLead
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, assert_error, count_rows, fetch_rows, make_merchant, sign_up


async def capture(server: Server, **form: str) -> httpx.Response:
    """As the SDK's `requestDataCaptureNoAuthAccess` sends it: urlencoded, no auth."""
    return await server.http.post("/v2/accounts/customers/data-capture", data=form)


async def test_a_lead_is_kept_for_its_merchant(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "owner@rival.example.com")
    response = await capture(
        server, email="Ada@Example.com", full_name=" Ada Lovelace ", company="Engines Ltd", merchant_uuid=merchant.uuid
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"code": 200, "message": "Access successfully granted"}
    [lead] = await fetch_rows(server, DataCaptureLead, merchant.id)
    assert (lead.email, lead.full_name, lead.company) == ("Ada@example.com", "Ada Lovelace", "Engines Ltd")
    assert await count_rows(server, DataCaptureLead, other.id) == 0

    # Name and company are optional; each capture is kept.
    assert (await capture(server, email="ada@example.com", merchant_uuid=merchant.uuid)).status_code == 200
    assert await count_rows(server, DataCaptureLead, merchant.id) == 2


async def test_bad_leads_are_refused_and_write_nothing(server: Server, merchant: Merchant) -> None:
    good = {"email": "ada@example.com", "full_name": "Ada", "company": "Engines", "merchant_uuid": merchant.uuid}
    cases = [
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"full_name": "x" * 251}, "full_name"),
        ({"company": "x" * 251}, "company"),
        ({"merchant_uuid": ""}, "merchant_uuid"),
    ]
    for change, field in cases:
        assert_error(await capture(server, **(good | change)), 422, field)
    missing = {k: v for k, v in good.items() if k != "merchant_uuid"}
    assert_error(await capture(server, **missing), 422, "merchant_uuid")
    everything = assert_error(await capture(server), 422)
    assert set(everything["errors"]) == {"email", "merchant_uuid"}
    assert_error(await capture(server, **(good | {"merchant_uuid": "00000000-0000-0000-0000-000000000000"})), 404)
    assert_error(await capture(server, **(good | {"merchant_uuid": "x" * 500})), 404)
    assert await count_rows(server, DataCaptureLead, merchant.id) == 0


async def test_the_merchant_reads_its_leads_newest_first(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "owner@rival.example.com")
    for email, company in [("ada@example.com", "Engines 50%"), ("grace@example.com", "Navy"), ("alan@example.com", "")]:
        assert (await capture(server, email=email, company=company, merchant_uuid=merchant.uuid)).status_code == 200
    assert (await capture(server, email="rival@example.com", merchant_uuid=other.uuid)).status_code == 200

    listed = await server.http.get("/v2/accounts/data-capture", headers=merchant.auth, params={"limit": 2})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["total"], body["page"], body["offset"], body["limit"]) == (3, 0, 0, 2)
    assert [lead["email"] for lead in body["collection"]] == ["alan@example.com", "grace@example.com"]
    assert set(body["collection"][0]) == {"id", "email", "full_name", "company", "created_at"}
    second = await server.http.get("/v2/accounts/data-capture", headers=merchant.auth, params={"page": 1, "size": 2})
    assert [lead["email"] for lead in second.json()["collection"]] == ["ada@example.com"]

    # The search is literal text over e-mail, name and company: `%` is a percent sign, not a wildcard.
    for search, found in [("NAVY", ["grace@example.com"]), ("50%", ["ada@example.com"]), ("%", ["ada@example.com"])]:
        searched = await server.http.get("/v2/accounts/data-capture", headers=merchant.auth, params={"search": search})
        assert [lead["email"] for lead in searched.json()["collection"]] == found, search

    theirs = await server.http.get("/v2/accounts/data-capture", headers=other.auth)
    assert [lead["email"] for lead in theirs.json()["collection"]] == ["rival@example.com"]


async def test_leads_are_for_merchants_only_and_bad_paging_is_refused(server: Server, merchant: Merchant) -> None:
    assert_error(await server.http.get("/v2/accounts/data-capture"), 401)
    viewer = await sign_up(server, merchant)
    assert_error(await server.http.get("/v2/accounts/data-capture", headers=viewer.auth), 403)
    for params in ({"page": "-1"}, {"limit": "0"}, {"limit": "101"}, {"size": "x"}, {"search": "x" * 201}):
        assert_error(await server.http.get("/v2/accounts/data-capture", headers=merchant.auth, params=params), 422)
