"""Access over JSON-RPC: `getAccessStatus` (with the customer token as a param or Cleeng's cookie) and
`getAccessStatusForDevice` on the same check as MediaStore's entitlements, and access granted from outside:
`registerSubscription`, `grantAccessWithCoupon`; `isTrialAllowed`, `getAccessibleTags`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from boxoffice.access.models import AccessSighting, Entitlement
from boxoffice.billing.models import Payment
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Viewer, count_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_access import grant
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.inplayer.test_vouchers import add_voucher
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


async def test_access_not_through_the_offer_itself_is_not_purchased_directly(
    server: Server, rpc: JsonRpc, shop: Shop
) -> None:
    granted = await grant(server, shop.publisher.merchant, shop.viewer, shop.pass_item, days=2)
    assert granted.status_code in (200, 201), granted.text
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    by_hand = await rpc.call("getAccessStatus", customerToken=token, offerId=shop.pass_id)
    assert (by_hand["accessGranted"], by_hand["purchasedDirectly"]) == (True, False)
    day = await add_fee(server, shop.publisher.merchant, shop.pass_item, access_type_id="2", amount="1.00")
    other_offer = await rpc.call("getAccessStatus", customerToken=token, offerId=f"R{day['id']:09d}_EU")
    assert (other_offer["accessGranted"], other_offer["purchasedDirectly"]) == (True, False)


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


def _as(shop: Shop, **params: Any) -> dict[str, Any]:
    return {"publisherToken": shop.publisher.token, "customerEmail": shop.viewer.email} | params


async def test_accessible_tags_are_the_publishers_own_customers(server: Server, rpc: JsonRpc, shop: Shop) -> None:
    await buy_pass(server, shop)
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    # The pass has no tags: access through it reaches none (tests/dialects/jsonrpc/test_offer_tags.py has some).
    assert await rpc.call("getAccessibleTags", publisherToken=shop.publisher.token, customerToken=token) == {"tags": []}
    theirs = await other_shop(server)
    their_token = await customer_token(rpc, theirs.publisher, theirs.viewer.email)
    await rpc.refused(1, "getAccessibleTags", publisherToken=shop.publisher.token, customerToken=their_token)
    await rpc.refused(1, "getAccessibleTags", publisherToken=shop.publisher.token, customerToken="not-a-token")
    await rpc.refused(1, "getAccessibleTags", publisherToken=shop.publisher.token)
    await rpc.refused(3, "getAccessibleTags", publisherToken="not-a-token", customerToken=token)
    await rpc.refused(3, "getAccessibleTags", customerToken=token)


async def test_a_trial_is_allowed_once(server: Server, rpc: JsonRpc, shop: Shop) -> None:
    assert await rpc.call("isTrialAllowed", **_as(shop, offerId=shop.monthly_id)) == {"success": True}
    short = shop.monthly_id.partition("_")[0]
    assert await rpc.call("isTrialAllowed", **_as(shop, offerId=short)) == {"success": True}
    assert await rpc.call("isTrialAllowed", **_as(shop, offerId=shop.pass_id)) == {"success": False}  # no trial
    await subscribe(server, shop)
    assert await rpc.call("isTrialAllowed", **_as(shop, offerId=shop.monthly_id)) == {"success": False}
    theirs = await other_shop(server)
    stranger = await sign_up(server, theirs.publisher.merchant, "only-theirs@example.com")
    for offer in (theirs.monthly_id, f"P{shop.monthly_fee:09d}_EU", "S999999999_EU", "S1x"):
        await rpc.refused(4, "isTrialAllowed", **_as(shop, offerId=offer))
    await rpc.refused(10, "isTrialAllowed", **_as(shop, customerEmail=stranger.email, offerId=shop.monthly_id))
    await rpc.refused(10, "isTrialAllowed", **_as(shop, customerEmail="nobody@example.com", offerId=shop.monthly_id))
    await rpc.refused(3, "isTrialAllowed", **_as(shop, publisherToken="nope", offerId=shop.monthly_id))
    await rpc.refused(11, "isTrialAllowed", **_as(shop))
    await rpc.refused(11, "isTrialAllowed", **_as(shop, offerId=[shop.monthly_id]))
    await rpc.refused(11, "isTrialAllowed", **_as(shop, customerEmail=None, offerId=shop.monthly_id))


async def test_a_subscription_paid_elsewhere_is_registered_until_its_expiry(
    server: Server, rpc: JsonRpc, shop: Shop
) -> None:
    until = clock.unix(clock.now() + timedelta(days=30))
    paid = {
        "paymentGateway": "app-store",
        "paymentMethod": "in-app",
        "paymentMethodSpecificParams": {"receipt": "abc"},
        "paymentExternalId": "1000000123",
    }
    params = _as(shop, offerId=shop.monthly_id, expirationDate=until, **paid)
    assert await rpc.call("registerSubscription", **params) == {"success": True}
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    access = await rpc.call("getAccessStatus", customerToken=token, offerId=shop.monthly_id)
    assert (access["accessGranted"], access["expiresAt"]) == (True, until)
    [entitlement] = await _entitlements(server, shop)
    assert (entitlement.source, entitlement.price_id) == ("grant", shop.monthly_fee)


async def test_registering_a_subscription_refuses_what_is_not_the_publishers(
    server: Server, rpc: JsonRpc, shop: Shop
) -> None:
    until = clock.unix(clock.now() + timedelta(days=30))
    theirs = await other_shop(server)
    stranger = await sign_up(server, theirs.publisher.merchant, "only-theirs@example.com")
    given = _as(shop, offerId=shop.monthly_id, expirationDate=until)
    for offer in (theirs.monthly_id, f"P{shop.monthly_fee:09d}_EU", "S999999999_EU", "subscription"):
        await rpc.refused(4, "registerSubscription", **(given | {"offerId": offer}))
    await rpc.refused(10, "registerSubscription", **(given | {"customerEmail": stranger.email}))
    await rpc.refused(3, "registerSubscription", **(given | {"publisherToken": "nope"}))
    past = clock.unix(clock.now() - timedelta(days=1))
    for bad in (
        {"expirationDate": None},
        {"expirationDate": past},
        {"expirationDate": "next month"},
        {"paymentGateway": ["x"]},
        {"paymentExternalId": "x" * 201},
        {"paymentMethodSpecificParams": "receipt"},
        {"offerId": None},
    ):
        await rpc.refused(11, "registerSubscription", **(given | bad))
    assert await _entitlements(server, shop) == []


async def test_a_full_coupon_grants_access(server: Server, rpc: JsonRpc, shop: Shop) -> None:
    made = await add_voucher(server, shop.publisher.merchant, code="FREEWEEK", discount="100", usage_limit="1")
    assert made.status_code == 201, made.text
    params = _as(shop, couponCode="freeweek", offerId=shop.pass_id, couponOptions={})
    assert await rpc.call("grantAccessWithCoupon", **params) == {"success": True}
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    assert (await rpc.call("getAccessStatus", customerToken=token, offerId=shop.pass_id))["accessGranted"] is True
    [entitlement] = await _entitlements(server, shop)
    assert (entitlement.source, entitlement.price_id) == ("voucher", shop.pass_fee)
    other = await sign_up(server, shop.publisher.merchant, "other@example.com")
    used_up = await rpc.refused(11, "grantAccessWithCoupon", **(params | {"customerEmail": other.email}))
    assert "used up" in used_up
    assert await count_rows(server, Payment, shop.publisher.merchant.id) == 0


async def test_a_coupon_refused_grants_nothing(server: Server, rpc: JsonRpc, shop: Shop) -> None:
    for code, discount in (("HALF", "50"), ("FREE", "100")):
        made = await add_voucher(server, shop.publisher.merchant, code=code, discount=discount)
        assert made.status_code == 201, made.text
    theirs = await other_shop(server)
    their_coupon = await add_voucher(server, theirs.publisher.merchant, code="THEIRS", discount="100")
    assert their_coupon.status_code == 201
    stranger = await sign_up(server, theirs.publisher.merchant, "only-theirs@example.com")
    given = _as(shop, couponCode="FREE", offerId=shop.pass_id)
    assert "not valid" in await rpc.refused(11, "grantAccessWithCoupon", **(given | {"couponCode": "NOPE"}))
    assert "not valid" in await rpc.refused(11, "grantAccessWithCoupon", **(given | {"couponCode": "THEIRS"}))
    assert "doesn't apply" in await rpc.refused(11, "grantAccessWithCoupon", **(given | {"couponCode": "HALF"}))
    assert "subscription" in await rpc.refused(11, "grantAccessWithCoupon", **(given | {"offerId": shop.monthly_id}))
    for offer in (theirs.pass_id, f"R{shop.pass_fee:09d}_EU", "P999999999_EU", "free"):
        await rpc.refused(4, "grantAccessWithCoupon", **(given | {"offerId": offer}))
    await rpc.refused(10, "grantAccessWithCoupon", **(given | {"customerEmail": stranger.email}))
    await rpc.refused(3, "grantAccessWithCoupon", **(given | {"publisherToken": "nope"}))
    for bad in ({"couponCode": None}, {"couponCode": ["FREE"]}, {"couponOptions": "x"}, {"offerId": True}):
        await rpc.refused(11, "grantAccessWithCoupon", **(given | bad))
    assert await _entitlements(server, shop) == []
    await buy_pass(server, shop)
    await rpc.refused(999, "grantAccessWithCoupon", **given)  # already held: nothing to grant
    assert len(await _entitlements(server, shop)) == 1
