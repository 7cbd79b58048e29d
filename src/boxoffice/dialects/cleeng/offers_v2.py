"""Cleeng's offer object of its newer APIs (OfferV2): MediaStore shows it at `GET /offers` and
`GET /v2/offers/{shortId}`, API 3.1 at `GET /offers/{offerId}`. The core's price and product, with the ids MediaStore
shows for the same price; money in decimals, times in Unix seconds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from boxoffice.catalog.models import Price
from boxoffice.catalog.offers import Offer
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import TYPES, letter, offer_id, short_id
from boxoffice.dialects.cleeng.periods import SEASON, seasonal
from boxoffice.kit import clock

# What a response's TypedDict is checked with in the document: no field it does not name.
CLOSED = ConfigDict(extra="forbid")


@with_config(CLOSED)
class OfferPrice(TypedDict):
    amount: float
    currency: str
    taxIncluded: bool
    rules: list[Any]


@with_config(CLOSED)
class BillingCycle(TypedDict):
    periodUnit: str
    amount: int


@with_config(CLOSED)
class Duration(TypedDict):
    period: str
    amount: int


@with_config(CLOSED)
class Entitlement(TypedDict):
    expirationPolicy: Literal["subscription", "date", "period"]
    expiresAt: int | None
    duration: Duration | None


@with_config(CLOSED)
class FreeTrial(TypedDict):
    type: str
    duration: int


@with_config(CLOSED)
class OfferV2(TypedDict):
    """The offer as `GET /offers` and `GET /v2/offers/{shortId}` show it."""

    id: str
    longId: str
    title: str
    description: str | None
    price: OfferPrice
    active: bool
    type: Literal["subscription", "pass", "live", "vod"]
    geoRestriction: list[str]
    tags: list[str]
    billingCycle: BillingCycle | None
    entitlement: Entitlement
    event: None
    freeTrial: FreeTrial | None
    createdAt: int
    updatedAt: int
    externalProperties: dict[str, Any]
    appStoreProductIds: dict[str, Any]
    imageUrl: None
    hasLandingPage: bool
    localizations: list[Any]
    sessionsLimit: None
    giftable: bool


def _entitlement(offer: Offer) -> Entitlement:
    price = offer.price
    if price.kind == "subscription":
        return {"expirationPolicy": "subscription", "expiresAt": None, "duration": None}
    if price.period_unit == "custom":
        expires = clock.unix(price.expires_at) if price.expires_at else None
        return {"expirationPolicy": "date", "expiresAt": expires, "duration": None}
    duration: Duration = {"period": price.period_unit, "amount": price.period_quantity}
    return {"expirationPolicy": "period", "expiresAt": None, "duration": duration}


def _billing_cycle(price: Price) -> BillingCycle:
    if seasonal(price):
        return {"periodUnit": SEASON, "amount": 1}
    return {"periodUnit": price.period_unit, "amount": price.period_quantity}


def v2(offer: Offer) -> OfferV2:
    price, product = offer.price, offer.product
    trial: FreeTrial | None = None
    if price.trial_period_unit and price.trial_period_quantity:
        trial = {"type": price.trial_period_unit, "duration": price.trial_period_quantity}
    return {
        "id": short_id(price),
        "longId": offer_id(price),
        "title": product.title,
        "description": price.description,
        "price": {
            "amount": decimal(price.amount, price.currency),
            "currency": price.currency,
            "taxIncluded": True,
            "rules": [],
        },
        "active": price.active and product.active,
        "type": TYPES[letter(price)],
        "geoRestriction": sorted(price.country_set.countries) if price.country_set else [],
        "tags": list(price.tags),
        "billingCycle": _billing_cycle(price) if price.kind == "subscription" else None,
        "entitlement": _entitlement(offer),
        "event": None,
        "freeTrial": trial,
        "createdAt": clock.unix(price.created_at),
        "updatedAt": clock.unix(price.updated_at),
        "externalProperties": {},
        "appStoreProductIds": {},
        "imageUrl": None,
        "hasLandingPage": False,
        "localizations": [],
        "sessionsLimit": None,
        "giftable": price.kind == "one_time",
    }
