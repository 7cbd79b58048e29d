"""Offers as Cleeng's JSON-RPC entities show them (SubscriptionOffer, PassOffer, EventOffer, RentalOffer,
SingleOffer, VodOffer): the fields every type has, and each type's own. Money in decimals, times in Unix
seconds, the id the one MediaStore shows for the same price."""

from __future__ import annotations

from typing import Any

from boxoffice.catalog.models import Price
from boxoffice.catalog.offers import Offer
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.dialects.cleeng.offer_types import (
    EVENT,
    FREE_PERIODS,
    PASS,
    RENTAL,
    SINGLE,
    SUBSCRIPTION,
    VOD,
    OfferType,
)
from boxoffice.dialects.jsonrpc.offer_data import URL
from boxoffice.kit import clock

TRIAL_DAYS = {"day": 1, "week": 7, "month": 30}


def _unix(moment: Any) -> int | None:
    return clock.unix(moment) if moment is not None else None


def _common(offer: Offer) -> dict[str, Any]:
    price, product = offer.price, offer.product
    countries = sorted(price.country_set.countries) if price.country_set else []
    url = product.attributes.get(URL)
    return {
        "id": offer_id(price),
        "publisherEmail": offer.merchant.email,
        "url": url if isinstance(url, str) else None,
        "title": product.title,
        "description": price.description,
        "price": decimal(price.amount, price.currency),
        "applicableTaxRate": 0.0,  # prices include their tax; the rate is the buyer's country's
        "currency": price.currency,
        "country": price.currency[:2],
        "accessToTags": list(price.tags),
        "active": price.active and product.active,
        "createdAt": clock.unix(price.created_at),
        "updatedAt": clock.unix(price.updated_at),
        "geoRestrictionEnabled": bool(countries),
        "geoRestrictionType": price.country_set.type if price.country_set else None,
        "geoRestrictionCountries": countries,
    }


def _content(offer: Offer) -> dict[str, Any]:
    product = offer.product
    return {
        "videoId": product.external_asset_id,
        "contentType": None,
        "contentExternalId": product.external_asset_id,
        "contentExternalData": None,
        "contentAgeRestriction": product.min_age,
    }


def _free(price: Price, period: str | None) -> tuple[int, int]:
    """(free periods, free days) of a subscription's trial: whole periods where the trial is, days otherwise."""
    unit, quantity = price.trial_period_unit, price.trial_period_quantity
    if not unit or not quantity:
        return 0, 0
    per_period = FREE_PERIODS.get(period or "")
    if unit != "day" and per_period is not None and per_period[1] == unit and quantity % per_period[0] == 0:
        return quantity // per_period[0], 0
    return 0, TRIAL_DAYS.get(unit, 0) * quantity


def offer_object(offer: Offer, kind: OfferType) -> dict[str, Any]:
    """The offer as a `kind` offer."""
    price = offer.price
    rendered = _common(offer)
    period = kind.period_of(price.access_type_id)
    if kind is SUBSCRIPTION:
        free_periods, free_days = _free(price, period)
        rendered |= {"period": period, "freePeriods": free_periods, "freeDays": free_days}
    elif kind is PASS:
        rendered |= {"period": period, "expiresAt": None}
    elif kind is EVENT:
        rendered |= _content(offer) | {
            # When the event begins; an offer made before events had their own start kept it as its sale's.
            "startTime": _unix(price.event_starts_at or price.starts_at),
            "endTime": _unix(price.expires_at),
            "timeZone": "UTC",
        }
    elif kind in (RENTAL, VOD):
        rendered |= _content(offer) | {"period": int(period) if period else None}
    elif kind is SINGLE:
        rendered |= _content(offer)
    return rendered
