"""Multi-currency offers: one product at one price per currency (`localizedData`), on the same terms
(`offerData`). Cleeng names the whole by an offer id without its country suffix (`S000000042`): here, its first
price's."""

from __future__ import annotations

from functools import partial
from typing import Any

from boxoffice.catalog import offer_changes
from boxoffice.catalog.offers import Offer
from boxoffice.dialects.cleeng.offer_ids import short_id
from boxoffice.dialects.cleeng.offer_types import PASS, RENTAL, SINGLE, SUBSCRIPTION, OfferType
from boxoffice.dialects.jsonrpc.calls import Call, Method, Methods
from boxoffice.dialects.jsonrpc.offer_data import localized_amounts, members, offer_data, price_id
from boxoffice.dialects.jsonrpc.offer_objects import offer_object


def _multi(offers: list[Offer], kind: OfferType) -> dict[str, Any]:
    return {
        "multiCurrencyOfferId": short_id(offers[0].price),
        "offers": [offer_object(offer, kind) for offer in offers],
    }


async def create_offer(call: Call, kind: OfferType) -> dict[str, Any]:
    merchant = await call.publisher()
    data = offer_data(members(call.params, "offerData"), kind, creating=True, priced=False)
    amounts = localized_amounts(call.params)
    offers = await offer_changes.create_offer_in_currencies(
        call.session, merchant, data.side, data.terms, amounts, data.countries, data.labels
    )
    return _multi(offers, kind)


async def update_offer(call: Call, kind: OfferType) -> dict[str, Any]:
    """Changes every currency's price; a currency `localizedData` adds gets a price of its own."""
    merchant = await call.publisher()
    found = price_id(call.params, kind, "multiCurrencyOfferId")
    data = offer_data(members(call.params, "offerData", required=False), kind, creating=False, priced=False)
    amounts = localized_amounts(call.params, required=False)
    offers = await offer_changes.change_offer_in_currencies(
        call.session,
        merchant,
        found,
        data.side,
        data.terms,
        amounts,
        kind.access_type_ids,
        data.countries,
        data.labels,
    )
    return _multi(offers, kind)


def _methods(kind: OfferType) -> Methods:
    methods: dict[str, Method] = {
        f"createMultiCurrency{kind.name}Offer": partial(create_offer, kind=kind),
        f"updateMultiCurrency{kind.name}Offer": partial(update_offer, kind=kind),
    }
    return methods


METHODS: Methods = {
    name: method for kind in (SINGLE, RENTAL, SUBSCRIPTION, PASS) for name, method in _methods(kind).items()
}
