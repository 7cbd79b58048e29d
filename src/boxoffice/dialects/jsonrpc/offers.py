"""Offers of every type (single, event, rental, subscription, pass, VOD): the core's products and prices in
Cleeng's offer objects, with the ids MediaStore shows for the same price. An id of another type, of another
publisher or of no offer at all is "offer not found" (code 4)."""

from __future__ import annotations

from functools import partial
from typing import Any

from boxoffice.catalog import offer_changes
from boxoffice.catalog.offers import Offer, find_offer
from boxoffice.dialects.cleeng.offer_ids import letter, offer_id
from boxoffice.dialects.cleeng.offer_types import EVENT, TYPES, VOD, OfferType
from boxoffice.dialects.jsonrpc import multi_currency_offers
from boxoffice.dialects.jsonrpc.calls import Call, Method, Methods
from boxoffice.dialects.jsonrpc.errors import Code, Refused
from boxoffice.dialects.jsonrpc.offer_data import MAX_VIDEO_ID, members, offer_data, price_id
from boxoffice.dialects.jsonrpc.offer_objects import offer_object

DEFAULT_PAGE = 20
MAX_PAGE = 100


def _of_kind(offer: Offer, kind: OfferType) -> Offer:
    if letter(offer.price) != kind.letter:
        raise Refused(Code.OFFER_NOT_FOUND, "Offer not found")
    return offer


async def get_offer(call: Call, kind: OfferType) -> dict[str, Any]:
    """Any publisher's offer on sale, by its id alone; with a publisher token (which a VOD offer's needs), the
    publisher's own, on sale or not."""
    found = price_id(call.params, kind)
    if kind is VOD or call.params.has("publisherToken"):
        merchant = await call.publisher()
        offer = await offer_changes.merchant_offer(call.session, merchant, found, kind.access_type_ids)
        return offer_object(_of_kind(offer, kind), kind)
    offer = await find_offer(call.session, found)
    # Read by anyone: the publisher's e-mail is its sign-in, shown to itself only.
    return offer_object(_of_kind(offer, kind), kind) | {"publisherEmail": None}


async def list_offers(call: Call, kind: OfferType) -> dict[str, Any]:
    """The publisher's offers of the type, oldest first; `criteria` may ask for those on sale or off it
    (`active`) and for one video's (`videoId`)."""
    merchant = await call.publisher()
    criteria = members(call.params, "criteria", required=False)
    active = criteria.boolean("active") if criteria.has("active") else None
    total, offers = await offer_changes.offers_page(
        call.session,
        merchant,
        sorted(kind.access_type_ids),
        active=active,
        external_asset_id=criteria.optional_text("videoId", max_length=MAX_VIDEO_ID),
        assets_only=kind.assets_only,
        offset=call.params.integer("offset", 0),
        limit=call.params.integer("limit", DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE),
    )
    return {"items": [offer_object(offer, kind) for offer in offers], "totalItemCount": total}


async def create_offer(call: Call, kind: OfferType) -> dict[str, Any]:
    merchant = await call.publisher()
    data = offer_data(members(call.params, "offerData"), kind, creating=True)
    offer = await offer_changes.create_offer(call.session, merchant, data.side, data.terms, data.countries, data.labels)
    return offer_object(offer, kind)


async def update_offer(call: Call, kind: OfferType) -> dict[str, Any]:
    merchant = await call.publisher()
    found = price_id(call.params, kind)
    data = offer_data(members(call.params, "offerData"), kind, creating=False)
    offer = await offer_changes.change_offer(
        call.session, merchant, found, data.side, data.terms, kind.access_type_ids, data.countries, data.labels
    )
    return offer_object(offer, kind)


async def deactivate_offer(call: Call, kind: OfferType) -> dict[str, Any]:
    """Takes the offer off sale; what customers bought through it stays theirs."""
    merchant = await call.publisher()
    found = price_id(call.params, kind)
    offer = await offer_changes.deactivate_offer(call.session, merchant, found, kind.access_type_ids)
    return offer_object(offer, kind)


async def list_offer_ids_by_video_id(call: Call) -> dict[str, Any]:
    """The ids of the publisher's offers on sale for a video (its id on the hosting platform)."""
    merchant = await call.publisher()
    video = call.params.text("videoId", max_length=MAX_VIDEO_ID)
    offers = await offer_changes.offers_of_asset(call.session, merchant, video)
    return {"offerIds": [offer_id(offer.price) for offer in offers]}


def _methods(kind: OfferType) -> Methods:
    deactivate = "cancelEventOffer" if kind is EVENT else f"deactivate{kind.name}Offer"
    methods: dict[str, Method] = {
        f"get{kind.name}Offer": partial(get_offer, kind=kind),
        f"list{kind.name}Offers": partial(list_offers, kind=kind),
        f"create{kind.name}Offer": partial(create_offer, kind=kind),
        f"update{kind.name}Offer": partial(update_offer, kind=kind),
        deactivate: partial(deactivate_offer, kind=kind),
    }
    return methods


METHODS: Methods = {
    **{name: method for kind in TYPES for name, method in _methods(kind).items()},
    **multi_currency_offers.METHODS,
    "listOfferIdsByVideoId": list_offer_ids_by_video_id,
}
