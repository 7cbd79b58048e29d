"""Gifts through MediaStore: one bought through the InPlayer API is read by its buyer, checked and redeemed by
its receiver, once."""

from __future__ import annotations

from boxoffice.billing.models import Gift
from tests.conftest import Server
from tests.dialects.inplayer.conftest import fetch_rows, sign_in
from tests.dialects.inplayer.test_gifts import gift_form
from tests.dialects.mediastore.conftest import PASSWORD, Customer, Publisher, call, data, refused, register
from tests.dialects.mediastore.test_offers import Shop, shop

__all__ = ["shop"]  # the offers' fixture, used here too


async def test_a_gift_is_read_by_its_buyer_and_redeemed_once_by_its_receiver(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    signed = await sign_in(server, publisher.merchant, customer.email, PASSWORD)
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    bought = await server.http.post(
        "/payments", headers=headers, data=gift_form(shop.pass_fee["id"], "friend@example.com")
    )
    assert bought.status_code == 200, bought.text
    [gift] = await fetch_rows(server, Gift, publisher.merchant.id)
    read = data(await call(server, "GET", f"/gifts/{gift.id}", headers=customer.auth))
    assert (read["code"], read["offerId"], read["redeemedAt"]) == (gift.code, shop.pass_id, None)
    assert read["deliveryDetails"]["recipientEmail"] == "friend@example.com"
    friend = await register(server, publisher, "friend@example.com")
    refused(await call(server, "GET", f"/gifts/{gift.id}", headers=friend.auth), 404)  # the buyer's alone
    checked = data(await call(server, "GET", f"/gifts/verification/{gift.code}", headers=friend.auth))
    assert (checked["redeemable"], checked["redeemRefusalReason"], checked["offerId"]) == (True, None, shop.pass_id)
    redeemed = data(await call(server, "POST", f"/gifts/redeem/{gift.code}", headers=friend.auth))
    assert (redeemed["redeemable"], redeemed["redeemRefusalReason"]) == (False, "GIFT_ALREADY_REDEEMED")
    held = data(await call(server, "GET", f"/entitlements/{shop.pass_id}", headers=friend.auth))
    assert held["accessGranted"] is True
    refused(await call(server, "POST", f"/gifts/redeem/{gift.code}", headers=customer.auth), 422, text="redeemed")
    refused(await call(server, "GET", "/gifts/verification/NOSUCHCODE", headers=friend.auth), 404)
