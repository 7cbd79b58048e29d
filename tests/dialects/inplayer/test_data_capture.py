"""A viewer without an account leaves contact details for a merchant's data-capture assets."""

from __future__ import annotations

import httpx

from boxoffice.access.models import DataCaptureLead
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, assert_error, count_rows, fetch_rows, make_merchant


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
