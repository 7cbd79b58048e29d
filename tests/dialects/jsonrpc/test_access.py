"""Access over JSON-RPC: `getAccessStatus` (with the customer token as a param or Cleeng's cookie) and
`getAccessStatusForDevice` on the same check as MediaStore's entitlements, and access granted from outside:
`registerSubscription`, `grantAccessWithCoupon`; `isTrialAllowed`, `getAccessibleTags`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from boxoffice.access.models import AccessSighting, Entitlement
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Viewer, count_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, customer_token, publisher_of


@dataclass
class Shop:
    """A publisher's pass (a week, 12.30) and monthly subscription (9.99, with a week's trial), and a viewer."""

    publisher: Publisher
    viewer: Viewer
    pass_item: int
    pass_fee: int
    season_item: int
    monthly_fee: int

    @property
    def pass_id(self) -> str:
        return f"P{self.pass_fee:09d}_EU"

    @property
    def monthly_id(self) -> str:
        return f"S{self.monthly_fee:09d}_EU"


async def open_shop(server: Server, publisher: Publisher, email: str = "viewer@example.com") -> Shop:
    merchant = publisher.merchant
    item = await add_item(server, merchant, title="Cup final")
    week = await add_fee(server, merchant, item["id"], access_type_id="3", amount="12.30", description="A week")
    season = await add_item(server, merchant, title="Season")
    trial = {"trial_period_period": "day", "trial_period_quantity": "7"}
    monthly = await add_fee(server, merchant, season["id"], access_type_id="7", amount="9.99", **trial)
    viewer = await sign_up(server, merchant, email)
    return Shop(publisher, viewer, item["id"], week["id"], season["id"], monthly["id"])


@pytest.fixture
async def shop(server: Server, publisher: Publisher) -> Shop:
    return await open_shop(server, publisher)


async def buy_pass(server: Server, shop: Shop) -> None:
    """The viewer buys the pass with the sandbox's test card, through InPlayer."""
    paid = await server.http.post("/payments", headers=shop.viewer.auth, data=card_form(shop.pass_fee))
    assert paid.status_code == 200, paid.text


async def subscribe(server: Server, shop: Shop) -> None:
    """The viewer subscribes monthly with the sandbox's test card, through InPlayer."""
    form = card_form(shop.monthly_fee, return_url="https://app.example.com/plans")
    started = await server.http.post("/subscriptions", headers=shop.viewer.auth, data=form)
    assert started.status_code == 200, started.text


async def other_shop(server: Server) -> Shop:
    """Another publisher's shop, with a viewer of the same e-mail."""
    other = await publisher_of(server, await make_merchant(server, "owner@other.example.com"))
    return await open_shop(server, other)


async def test_access_is_told_before_and_after_buying(server: Server, rpc: JsonRpc, shop: Shop) -> None:
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    before = await rpc.call("getAccessStatus", customerToken=token, offerId=shop.pass_id, ipAddress="81.2.69.160")
    assert before == {"accessGranted": False, "grantType": None, "expiresAt": None, "purchasedDirectly": False}
    await buy_pass(server, shop)
    [entitlement] = await _entitlements(server, shop)
    for offer in (shop.pass_id, shop.pass_id.partition("_")[0]):
        after = await rpc.call("getAccessStatus", customerToken=token, offerId=offer, ipAddress="81.2.69.160")
        assert after["accessGranted"] is True and after["purchasedDirectly"] is True
        assert after["expiresAt"] == clock.unix(entitlement.expires_at)
    device = await rpc.call(
        "getAccessStatusForDevice", customerToken=token, offerId=shop.pass_id, deviceId="tv-1", deviceType="tv"
    )
    assert device == after
    # What MediaStore's entitlement route answers for the same offer.
    held = await server.http.get(
        f"/mediastore/entitlements/{shop.pass_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert held.json()["responseData"] == {"accessGranted": True, "expiresAt": after["expiresAt"]}


async def _entitlements(server: Server, shop: Shop) -> list[Entitlement]:
    async with server.app.state.sessions() as session:
        rows = await session.scalars(
            select(Entitlement).where(
                Entitlement.merchant_id == shop.publisher.merchant.id, Entitlement.customer_id == shop.viewer.id
            )
        )
        return list(rows)


async def test_the_customer_token_may_come_from_cleengs_cookie(server: Server, shop: Shop) -> None:
    rpc = JsonRpc(server.http)
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    await buy_pass(server, shop)
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": "1", "method": "getAccessStatus"}
    cookie = {"Cookie": f"CleengClientAccessToken={token}"}
    body["params"] = {"offerId": shop.pass_id}
    answered = (await server.http.post("/3.0/json-rpc", json=body, headers=cookie)).json()
    assert answered["error"] is None and answered["result"]["accessGranted"] is True
    # A token in the params comes first; the device check takes it from its params only.
    body["params"] = {"offerId": shop.pass_id, "customerToken": "not-a-token"}
    assert (await server.http.post("/3.0/json-rpc", json=body, headers=cookie)).json()["error"]["code"] == 1
    body["method"], body["params"] = "getAccessStatusForDevice", {"offerId": shop.pass_id, "deviceId": "tv-1"}
    assert (await server.http.post("/3.0/json-rpc", json=body, headers=cookie)).json()["error"]["code"] == 1


@pytest.mark.parametrize("method", ["getAccessStatus", "getAccessStatusForDevice"])
async def test_an_offer_not_the_publishers_is_not_found(server: Server, rpc: JsonRpc, shop: Shop, method: str) -> None:
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    theirs = await other_shop(server)
    await buy_pass(server, theirs)
    device: dict[str, Any] = {"deviceId": "tv-1"} if method == "getAccessStatusForDevice" else {}
    wrong_letter = f"S{shop.pass_fee:09d}_EU"  # a pass named as a subscription
    for offer in (theirs.pass_id, "P999999999_EU", "X12", "P12_eu", wrong_letter, ""):
        code = 11 if offer == "" else 4
        await rpc.refused(code, method, customerToken=token, offerId=offer, **device)
    # Their customer's token, asking for this publisher's offer, finds no such offer either.
    their_token = await customer_token(rpc, theirs.publisher, theirs.viewer.email)
    await rpc.refused(4, method, customerToken=their_token, offerId=shop.pass_id, **device)
    # Nothing was noted of the refused calls.
    assert await count_rows(server, AccessSighting, shop.publisher.merchant.id) == 0


@pytest.mark.parametrize("method", ["getAccessStatus", "getAccessStatusForDevice"])
async def test_bad_tokens_and_params_are_refused(server: Server, rpc: JsonRpc, shop: Shop, method: str) -> None:
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    device: dict[str, Any] = {"deviceId": "tv-1"} if method == "getAccessStatusForDevice" else {}
    await rpc.refused(1, method, offerId=shop.pass_id, **device)
    await rpc.refused(1, method, customerToken="not-a-token", offerId=shop.pass_id, **device)
    await rpc.refused(1, method, customerToken=["a"], offerId=shop.pass_id, **device)
    await rpc.refused(11, method, customerToken=token, **device)
    await rpc.refused(11, method, customerToken=token, offerId=["P1"], **device)
    await rpc.refused(11, method, customerToken=token, offerId={"id": 1}, **device)
    if method == "getAccessStatus":
        for address in ("not-an-address", "999.1.1.1", 12, "x" * 100):
            await rpc.refused(11, method, customerToken=token, offerId=shop.pass_id, ipAddress=address)
    else:
        await rpc.refused(11, method, customerToken=token, offerId=shop.pass_id)
        await rpc.refused(11, method, customerToken=token, offerId=shop.pass_id, deviceId="x" * 201)
        await rpc.refused(11, method, customerToken=token, offerId=shop.pass_id, deviceId={"a": 1})
        await rpc.refused(11, method, customerToken=token, offerId=shop.pass_id, deviceId="d", deviceType="t" * 51)
    assert await count_rows(server, AccessSighting, shop.publisher.merchant.id) == 0
