"""Offers: the core's prices in MediaStore's two shapes, the v1 offer (`GET /offers/{offerId}`, public) and the
v2 offer (`GET /offers`, `GET /v2/offers/{shortId}`), and what a customer holds (`GET /entitlements/{offerId}`,
`GET /offers/{offerId}/customers/{email}`, `GET /customers/{customerId}/offers`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Path, Query
from pydantic import with_config
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from boxoffice.access import service as access
from boxoffice.billing import holdings
from boxoffice.billing.offer_terms import offer_terms
from boxoffice.catalog import taxes
from boxoffice.catalog.models import Price
from boxoffice.catalog.offers import Offer, find_offer, list_offers, taxed_offer
from boxoffice.dialects.cleeng.holdings import CustomerOffer, held_offer
from boxoffice.dialects.cleeng.money import currency_symbol, decimal
from boxoffice.dialects.cleeng.offer_ids import letter, offer_id, price_id_of
from boxoffice.dialects.cleeng.offers_v2 import OfferV2, v2
from boxoffice.dialects.cleeng.periods import price_period
from boxoffice.dialects.mediastore.deps import Client, CurrentCustomer, CurrentMerchant, Session, own
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.errors import Refused
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity.merchants import merchant_of
from boxoffice.kit import client_info, clock
from boxoffice.kit.errors import Missing, NotFound

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
OfferParam = Path(min_length=1, max_length=40)


@with_config(CLOSED)
class OfferV1(TypedDict):
    """The offer as `GET /offers/{offerId}` shows it: money as numbers, times in Unix seconds."""

    offerId: str
    offerTitle: str
    offerDescription: str | None
    offerPrice: float
    offerCurrency: str
    offerCurrencySymbol: str
    offerCountry: str
    customerPriceInclTax: float
    customerPriceExclTax: float
    customerCurrency: str
    customerCurrencySymbol: str
    customerCountry: str
    discountedCustomerPriceInclTax: None
    discountedCustomerPriceExclTax: None
    discountPeriods: None
    period: str | None  # `month`, `3months`, `year` … for a subscription
    freePeriods: int
    freeDays: int
    expiresAt: int | None  # a pass's days (under 1,000), or the moment a dated pass ends
    accessToTags: list[str]
    active: bool
    createdAt: int
    updatedAt: int
    applicableTaxRate: float
    geoRestrictionEnabled: bool
    geoRestrictionType: str | None
    geoRestrictionCountries: list[str]
    videoId: str | None
    contentExternalId: str | None
    contentExternalData: None
    contentAgeRestriction: int | None
    trialAvailable: bool
    applyServiceFeeOnCustomer: bool
    timeZone: str
    startTime: int | None
    endTime: int | None
    averageRating: int
    socialCommissionRate: int
    offerUrl: None
    contentType: None


@with_config(CLOSED)
class OfferForCustomer(OfferV1):
    accessGranted: bool


@with_config(CLOSED)
class EntitlementStatus(TypedDict):
    accessGranted: bool
    expiresAt: int | None


@with_config(CLOSED)
class CustomerOffers(TypedDict):
    items: list[CustomerOffer]


def _parsed(given: str) -> tuple[str, int]:
    """(letter, price id) of an offer id; the SDK reads this refusal's text."""
    parsed = price_id_of(given)
    if parsed is None:
        raise Refused(422, "Invalid param offerId")
    return parsed


def _missing(given: str) -> Refused:
    return Refused(404, f"Offer {given} does not exist")


@contextmanager
def _offer_named(given: str) -> Iterator[None]:
    """The core's "no such offer", in the words the SDK reads."""
    try:
        yield
    except NotFound as missing:
        if missing.what is not Missing.OFFER:
            raise
        raise _missing(given) from None


def _agreeing(given: str, expected: str, offer: Offer) -> Offer:
    """The offer an id names, the id's letter agreeing with its kind."""
    if letter(offer.price) != expected:
        raise _missing(given)
    return offer


async def offer_by_id(session: AsyncSession, given: str, *, merchant_id: int | None = None) -> Offer:
    """The offer an id names, its letter agreeing."""
    expected, price_id = _parsed(given)
    with _offer_named(given):
        found = await find_offer(session, price_id, merchant_id=merchant_id)
    return _agreeing(given, expected, found)


def _trial_days(offer: Offer) -> int:
    price = offer.price
    if not price.trial_period_unit or not price.trial_period_quantity:
        return 0
    days = {"day": 1, "week": 7, "month": 30, "year": 365}.get(price.trial_period_unit, 0)
    return days * price.trial_period_quantity


def _pass_expiry(price: Price) -> int | None:
    """A pass's `expiresAt` as clients read it: under 1,000 it is the pass's length in days, above that the moment
    a pass sold until a date ends."""
    if price.kind == "subscription":
        return None
    if price.period_unit == "custom":
        return clock.unix(price.expires_at) if price.expires_at else None
    hours = {"hour": 1, "day": 24, "week": 7 * 24, "month": 30 * 24, "year": 365 * 24}[price.period_unit]
    return min(-(-hours * price.period_quantity // 24), 999)


def v1(offer: Offer, *, country: str | None, rate: int) -> OfferV1:
    price, product = offer.price, offer.product
    net, _ = taxes.split(price.amount, rate)
    symbol = currency_symbol(price.currency)
    countries = sorted(price.country_set.countries) if price.country_set else []
    return {
        "offerId": offer_id(price),
        "offerTitle": product.title,
        "offerDescription": price.description,
        "offerPrice": decimal(net, price.currency),
        "offerCurrency": price.currency,
        "offerCurrencySymbol": symbol,
        "offerCountry": price.currency[:2],
        "customerPriceInclTax": decimal(price.amount, price.currency),
        "customerPriceExclTax": decimal(net, price.currency),
        "customerCurrency": price.currency,
        "customerCurrencySymbol": symbol,
        "customerCountry": country or "",
        "discountedCustomerPriceInclTax": None,
        "discountedCustomerPriceExclTax": None,
        "discountPeriods": None,
        "period": price_period(price) if price.kind == "subscription" else None,
        "freePeriods": 0,
        "freeDays": _trial_days(offer),
        "expiresAt": _pass_expiry(price),
        "accessToTags": list(price.tags),
        "active": price.active and product.active,
        "createdAt": clock.unix(price.created_at),
        "updatedAt": clock.unix(price.updated_at),
        "applicableTaxRate": rate / taxes.BASIS,
        "geoRestrictionEnabled": bool(countries),
        "geoRestrictionType": price.country_set.type if price.country_set else None,
        "geoRestrictionCountries": countries,
        "videoId": product.external_asset_id,
        "contentExternalId": product.external_asset_id,
        "contentExternalData": None,
        "contentAgeRestriction": product.min_age,
        "trialAvailable": _trial_days(offer) > 0,
        "applyServiceFeeOnCustomer": False,
        "timeZone": "UTC",
        "startTime": _event_start(price),
        "endTime": clock.unix(price.expires_at) if price.expires_at else None,
        "averageRating": 0,
        "socialCommissionRate": 0,
        "offerUrl": None,
        "contentType": None,
    }


def _event_start(price: Price) -> int | None:
    """When the event begins; a price made before events had their own start shows its sale's."""
    starts = price.event_starts_at or price.starts_at
    return clock.unix(starts) if starts else None


@router.get("/offers")
async def offers(
    session: Session, customer: CurrentCustomer, page_limit: int = Query(100, alias="pageLimit", ge=1, le=500)
) -> Answer[list[OfferV2]]:
    """The publisher's offers (v2)."""
    merchant = await merchant_of(session, customer.merchant_id)
    return answer([v2(offer) for offer in await list_offers(session, merchant, page_limit)])


@router.get("/offers/{offer}")
async def offer_details(
    session: Session,
    client: Client,
    offer: str = OfferParam,
    customer_ip: str | None = Query(None, alias="customerIP", max_length=64),
) -> Answer[OfferV1]:
    """An offer (v1), its price taxed for where the customer is.

    No JWT: a storefront shows it to anyone. The customer's country (their address's, or `customerIP`'s) sets
    the tax shown."""
    expected, price_id = _parsed(offer)
    address = client_info.parse_address(customer_ip) if customer_ip else None
    country = client_info.country_of(str(address)) if address else client.country_code
    with _offer_named(offer):
        found = await taxed_offer(session, price_id, country)
    return answer(v1(_agreeing(offer, expected, found.offer), country=country, rate=found.tax_rate))


@router.get("/v2/offers/{offer}")
async def offer_v2(session: Session, customer: CurrentCustomer, offer: str = OfferParam) -> Answer[OfferV2]:
    """An offer (v2), by its id with or without the country suffix."""
    return answer(v2(await offer_by_id(session, offer, merchant_id=customer.merchant_id)))


@router.get("/entitlements/{offer}")
async def entitlement(
    session: Session, customer: CurrentCustomer, merchant: CurrentMerchant, client: Client, offer: str = OfferParam
) -> Answer[EntitlementStatus]:
    """Whether the customer has access through an offer now, and until when."""
    expected, price_id = _parsed(offer)
    with _offer_named(offer):
        found = await access.offer_access(session, merchant, customer, price_id, client)
    _agreeing(offer, expected, found.offer)
    until = clock.unix(found.decision.until) if found.decision.until else None
    return answer({"accessGranted": found.decision.granted, "expiresAt": until})


@router.get("/offers/{offer}/customers/{email}")
async def offer_for_customer(
    session: Session,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    client: Client,
    offer: str = OfferParam,
    email: str = Path(max_length=320),
) -> Answer[OfferForCustomer]:
    """An offer as the customer (the JWT's, by e-mail) would buy it: their tax, whether a trial is left.

    Refused with `Access already granted` when they have access already."""
    if email.strip().lower() != customer.email.lower():
        raise Refused(403, "Customer email does not match the JWT")
    expected, price_id = _parsed(offer)
    with _offer_named(offer):
        terms = await offer_terms(session, merchant, customer, price_id, client)
    found = _agreeing(offer, expected, terms.offer)
    if terms.has_access:
        raise Refused(422, "Access already granted")
    rendered = v1(found, country=terms.country_code, rate=terms.tax_rate)
    return answer({**rendered, "trialAvailable": terms.trial_available, "accessGranted": False})


@router.get("/customers/{customer_id}/offers")
async def customer_offers(
    session: Session, customer: CurrentCustomer, merchant: CurrentMerchant, customer_id: int = Path(ge=1)
) -> Answer[CustomerOffers]:
    """What the customer holds or held.

    Newest first, each as the offer (price) it came through; a subscription's with its renewal."""
    own(customer, customer_id)
    return answer({"items": [held_offer(h) for h in await holdings.holdings_of(session, merchant, customer)]})
