"""Access: whether a customer may watch an offer now (`getAccessStatus`, per device), their tags, trials, and
access granted from outside (`registerSubscription`, `grantAccessWithCoupon`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from boxoffice.access.price_grants import grant_through_price
from boxoffice.access.service import OfferAccess
from boxoffice.access.sightings import MAX_DEVICE_TYPE, MAX_VALUE, Place, Sighting, offer_access_from
from boxoffice.access.tags import accessible_tags
from boxoffice.billing.offer_terms import offer_terms
from boxoffice.billing.voucher_access import redeem_for_access
from boxoffice.catalog.models import Price
from boxoffice.dialects.cleeng.offer_ids import letter, price_id_of
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import MESSAGES, Code, InvalidParams, Refused
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.identity.customers import customer_by_email
from boxoffice.identity.models import Customer
from boxoffice.kit import client_info, clock

MAX_OFFER_ID = 40
MAX_ADDRESS = 64
MAX_EMAIL = 320
MAX_COUPON = 100
# What a payment made outside Boxoffice is described by: read, to refuse what no client sends, and not kept.
MAX_PAYMENT_TEXT = 200


async def customer_named(call: Call) -> Customer:
    """The publisher's customer that `customerEmail` names (code 10 otherwise)."""
    merchant = await call.publisher()
    return await customer_by_email(call.session, merchant, call.params.text("customerEmail", max_length=MAX_EMAIL))


def offer_named(params: Params, name: str = "offerId") -> tuple[str, int]:
    """(letter, price id) of the offer id a call names, with or without its suffix; code 4 when it is none."""
    parsed = price_id_of(params.text(name, max_length=MAX_OFFER_ID))
    if parsed is None:
        raise Refused(Code.OFFER_NOT_FOUND, MESSAGES[Code.OFFER_NOT_FOUND])
    return parsed


def agreeing(expected: str, price: Price) -> None:
    """An id's letter names the kind of its price: `S…` of a pass is no offer (as MediaStore answers too)."""
    if letter(price) != expected:
        raise Refused(Code.OFFER_NOT_FOUND, MESSAGES[Code.OFFER_NOT_FOUND])


def _viewer(call: Call) -> client_info.ClientInfo:
    """The client the access is asked for: the viewer at `ipAddress` (a publisher's back end asks for them), or the
    caller itself when no address is given."""
    given = call.params.optional_text("ipAddress", max_length=MAX_ADDRESS)
    if given is None:
        return call.client
    address = client_info.parse_address(given)
    if address is None:
        raise InvalidParams("ipAddress", "Invalid arguments: ipAddress is not an IP address")
    return dataclasses.replace(call.client, ip_address=str(address), country_code=client_info.country_of(str(address)))


def _status(found: OfferAccess) -> dict[str, Any]:
    decision = found.decision
    until = decision.until
    return {
        "accessGranted": decision.granted,
        "grantType": "purchase" if decision.granted else None,
        "expiresAt": clock.unix(until) if until is not None else None,
        # Through this very offer, rather than a package holding its item, another offer of it or a grant by hand.
        "purchasedDirectly": decision.granted and decision.price_id == found.offer.price.id,
    }


async def get_access_status(call: Call) -> dict[str, Any]:
    """Whether the customer may watch what an offer sells now, asked from an address that counts towards their
    limit of addresses."""
    customer = await call.customer(cookie=True)
    expected, price_id = offer_named(call.params)
    viewer = _viewer(call)
    seen = Sighting(Place.IP_ADDRESS, viewer.ip_address) if viewer.ip_address else None
    found = await offer_access_from(call.session, await call.merchant(), customer, price_id, viewer, seen)
    agreeing(expected, found.offer.price)
    return _status(found)


async def get_access_status_for_device(call: Call) -> dict[str, Any]:
    """`getAccessStatus` from a device, which counts towards the customer's limit of devices."""
    customer = await call.customer()
    expected, price_id = offer_named(call.params)
    device = call.params.text("deviceId", max_length=MAX_VALUE)
    device_type = call.params.optional_text("deviceType", max_length=MAX_DEVICE_TYPE)
    seen = Sighting(Place.DEVICE, device, device_type)
    found = await offer_access_from(call.session, await call.merchant(), customer, price_id, call.client, seen)
    agreeing(expected, found.offer.price)
    return _status(found)


async def get_accessible_tags(call: Call) -> dict[str, Any]:
    """The tags (`accessToTags`) of every offer the customer has access through now."""
    merchant = await call.publisher()
    customer = await call.customer()
    return {"tags": await accessible_tags(call.session, merchant, customer)}


async def is_trial_allowed(call: Call) -> dict[str, Any]:
    """Whether subscribing to the offer now would begin with its free trial, for this customer."""
    customer = await customer_named(call)
    expected, price_id = offer_named(call.params)
    terms = await offer_terms(call.session, await call.publisher(), customer, price_id, call.client)
    agreeing(expected, terms.offer.price)
    return {"success": terms.trial_available}


async def register_subscription(call: Call) -> dict[str, Any]:
    """Access through an offer until `expirationDate`, for a subscription paid outside Boxoffice."""
    customer = await customer_named(call)
    expected, price_id = offer_named(call.params)
    expires_at = call.params.timestamp("expirationDate")
    for name in ("paymentGateway", "paymentMethod", "paymentExternalId"):
        call.params.optional_text(name, max_length=MAX_PAYMENT_TEXT)
    call.params.object("paymentMethodSpecificParams", required=False)
    assert expires_at is not None  # required
    granted = await grant_through_price(call.session, await call.publisher(), customer, price_id, expires_at)
    agreeing(expected, granted.price)
    return {"success": True}


async def grant_access_with_coupon(call: Call) -> dict[str, Any]:
    """Access through an offer with a coupon that leaves nothing to pay for it."""
    customer = await customer_named(call)
    expected, price_id = offer_named(call.params)
    code = call.params.text("couponCode", max_length=MAX_COUPON)
    call.params.object("couponOptions", required=False)
    redeemed = await redeem_for_access(call.session, await call.publisher(), customer, price_id, code, call.client)
    agreeing(expected, redeemed.price)
    return {"success": True}


METHODS: Methods = {
    "getAccessStatus": get_access_status,
    "getAccessStatusForDevice": get_access_status_for_device,
    "getAccessibleTags": get_accessible_tags,
    "isTrialAllowed": is_trial_allowed,
    "registerSubscription": register_subscription,
    "grantAccessWithCoupon": grant_access_with_coupon,
}
