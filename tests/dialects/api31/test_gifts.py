"""Gifts through API 3.1: one bought through MediaStore read by the publisher whoever bought it, its delivery
changed until it is sent, its code checked and redeemed for a customer once. Bad input writes nothing; another
publisher's gifts, codes and customers are 404."""

from __future__ import annotations

from datetime import timedelta

from boxoffice.access.models import Entitlement
from boxoffice.billing.models import Gift
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, customer, shop
from tests.dialects.inplayer.conftest import count_rows, fetch_rows
from tests.dialects.inplayer.test_payments import VISA
from tests.dialects.mediastore.conftest import Customer, data, register
from tests.dialects.mediastore.conftest import Publisher as MediaStorePublisher
from tests.dialects.mediastore.test_connectors import pay
from tests.dialects.mediastore.test_gifts import deliver, details, gift_order

__all__ = ["shop"]  # the fixture, used here

FRIEND = "friend@example.com"


async def bought_gift(server: Server, api: Api31, shop: Shop) -> tuple[Customer, Gift]:
    """A pass bought as a gift through MediaStore, to be sent to a friend in three days."""
    buyer = await register(server, MediaStorePublisher(api.publisher.merchant, api.publisher.id), "buyer@example.com")
    made = await gift_order(server, buyer, shop.pass_id)
    later = clock.unix(clock.now() + timedelta(days=3))
    data(await deliver(server, buyer, made["id"], details(FRIEND, later, "")))
    data(await pay(server, buyer, made["id"], VISA))
    [gift] = await fetch_rows(server, Gift, api.publisher.merchant.id)
    return buyer, gift


async def test_a_gift_is_read_changed_checked_and_redeemed_once(server: Server, api: Api31, shop: Shop) -> None:
    _, gift = await bought_gift(server, api, shop)
    read = ok(await api.get(f"/gifts/{gift.id}"))
    assert (read["id"], read["code"], read["offerId"], read["redeemedAt"]) == (gift.id, gift.code, shop.pass_id, None)
    assert read["deliveryDetails"]["recipientEmail"] == FRIEND
    later = clock.unix(clock.now() + timedelta(days=5))
    details = {"recipientEmail": "pal@example.com", "deliveryDate": later, "personalNote": "Enjoy"}
    changed = ok(await api.patch(f"/gifts/{gift.id}", {"deliveryDetails": details}))
    assert changed["deliveryDetails"] == details and changed["sentAt"] is None
    checked = ok(await api.get(f"/gifts/{gift.code}/verification"))
    assert (checked["redeemable"], checked["redeemRefusalReason"], checked["offerId"]) == (True, None, shop.pass_id)
    pal = await customer(server, api, "pal@example.com")
    redeemed = ok(await api.post(f"/gifts/{gift.code}/redeem", {"redeemerId": pal.id, "customerIp": "85.214.132.117"}))
    assert (redeemed["redeemable"], redeemed["redeemRefusalReason"]) == (False, "REDEEMED")
    [entitlement] = await fetch_rows(server, Entitlement, api.publisher.merchant.id, Entitlement.customer_id == pal.id)
    assert entitlement.source == "gift"
    refused(await api.post(f"/gifts/{gift.code}/redeem", {"redeemerId": pal.id}), 409)
    refused(await api.patch(f"/gifts/{gift.id}", {"deliveryDetails": details}), 409)
    assert ok(await api.get(f"/gifts/{gift.id}"))["redeemedAt"] is not None


async def test_bad_gift_requests_write_nothing_and_other_publishers_see_nothing(
    server: Server, api: Api31, other: Api31, shop: Shop
) -> None:
    _, gift = await bought_gift(server, api, shop)
    pal = await customer(server, api, "pal@example.com")
    merchant_id = api.publisher.merchant.id
    path = f"/gifts/{gift.id}"
    refused(await api.patch(path, {"deliveryDetails": "soon"}), 400)
    refused(await api.patch(path, {"deliveryDetails": {"deliveryDate": "tomorrow"}}), 400)
    refused(await api.patch(path, {}), 400)
    refused(await api.patch(path, {"deliveryDetails": {"recipientEmail": "not an address"}}), 422)
    refused(await api.get("/gifts/abc"), 400)
    refused(await api.get("/gifts/999999"), 404)
    refused(await api.get("/gifts/NOSUCHCODE12/verification"), 404)
    refused(await api.post(f"/gifts/{gift.code}/redeem", {}), 422)
    refused(await api.post(f"/gifts/{gift.code}/redeem", {"redeemerId": "pal"}), 400)
    refused(await api.post(f"/gifts/{gift.code}/redeem", {"redeemerId": pal.id, "customerIp": "nowhere"}), 422)
    refused(await api.post(f"/gifts/{gift.code}/redeem", {"redeemerId": 999_999}), 404)
    refused(await api.post("/gifts/NOSUCHCODE12/redeem", {"redeemerId": pal.id}), 404)
    refused(await other.get(path), 404)
    refused(await other.patch(path, {"deliveryDetails": {"recipientEmail": "mallory@example.com"}}), 404)
    refused(await other.get(f"/gifts/{gift.code}/verification"), 404)
    refused(await other.post(f"/gifts/{gift.code}/redeem", {"redeemerId": pal.id}), 404)
    refused(await api.http.get(f"/3.1{path}"), 401)
    [row] = await fetch_rows(server, Gift, merchant_id)
    assert (row.receiver_email, row.redeemed_at, row.personal_note) == (FRIEND, None, gift.personal_note)
    assert await count_rows(server, Entitlement, merchant_id, Entitlement.customer_id == pal.id) == 0
