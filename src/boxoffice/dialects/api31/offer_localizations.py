"""Offers' localizations: `POST /offers/{offerId}/localizations`, `PATCH /offers/{offerId}/localizations/{country}`
and `POST /offers/{offerId}/localizations/{country}/activate|deactivate`. A localization is the offer's version for
buyers in one country, at its own price in its own currency, on sale on its own; each answer is the offer (Cleeng's
offer object) with its `localizations` and the offer's `ETag`. With `If-Match`, a change is made only if the offer
is as `GET /offers/{offerId}` (or the last change) showed it (else 412)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.catalog import localizations
from boxoffice.catalog.localizations import FreeTrial, LocalizationTerms, LocalizedOffer, TrialUnit
from boxoffice.dialects.api31.answers import Answer, answer, etag_of, require_match
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.offers import BY_LETTER, OfferParam
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Shaped, Text, declare
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import price_id_of, short_id
from boxoffice.dialects.cleeng.offer_types import OfferType
from boxoffice.dialects.cleeng.offers_v2 import CLOSED, OfferPrice, OfferV2, v2
from boxoffice.dialects.cleeng.offers_v2 import FreeTrial as TrialBody

router = APIRouter(route_class=Api31Route, tags=["api31"])
CountryParam = Path(min_length=1, max_length=8, description="The localization's country, such as `PL`")

MAX_TEXT = 255
_PRICE_RULES = {"type": "array", "maxItems": 0, "description": "Price rules (none are supported)"}
_PRICE_PARTS = {
    "amount": {"type": "number", "minimum": 0},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "rules": {"anyOf": [_PRICE_RULES, {"type": "null"}]},
}
_PRICE = {"type": "object", "properties": _PRICE_PARTS, "additionalProperties": False}
_TRIAL = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["day", "period"]},
        "duration": {"type": "integer", "minimum": 0},
    },
    "required": ["type", "duration"],
    "additionalProperties": False,
}
NEW_TITLE = Text("title", "The offer's title in the country, up to 255 characters", MAX_TEXT, required=True)
TITLE = Text("title", "The offer's title in the country, up to 255 characters", MAX_TEXT)
DESCRIPTION = Text("description", "The offer's description in the country, up to 255 characters", MAX_TEXT)
COUNTRY = Text("countryCode", "The country (ISO 3166 alpha-2) whose buyers are sold the localization", 8, required=True)
NEW_PRICE = Shaped(
    "price",
    "The price in the country, tax included: its `amount` and `currency` (ISO 4217)",
    {**_PRICE, "required": ["amount", "currency"]},
    required=True,
)
PRICE = Shaped(
    "price", "A new amount, in the localization's currency (which never changes)", {"anyOf": [_PRICE, {"type": "null"}]}
)
FREE_TRIAL = Shaped(
    "freeTrial",
    "A subscription's free trial in the country: `day`s or billing `period`s (a duration of 0: none)",
    {"anyOf": [_TRIAL, {"type": "null"}]},
)
GEO = Shaped(
    "geoRestriction",
    "Not supported: a localization is sold in its country only (null or absent)",
    {"type": "null"},
)
CREATE = declare(NEW_TITLE, DESCRIPTION, COUNTRY, NEW_PRICE, FREE_TRIAL, GEO)
UPDATE = declare(TITLE, DESCRIPTION, PRICE, FREE_TRIAL, GEO)


@with_config(CLOSED)
class OfferLocalization(TypedDict):
    """One country's version of an offer."""

    id: str
    title: str
    description: str
    price: OfferPrice
    active: bool
    countryCode: str
    geoRestriction: None
    freeTrial: TrialBody | None


def _named(offer_id: str) -> tuple[OfferType, int]:
    """(type, price id) of the offer an id names; 404 when it names none."""
    parsed = price_id_of(offer_id)
    kind = BY_LETTER.get(parsed[0]) if parsed else None
    if parsed is None or kind is None:
        raise Refused(404, "Offer not found")
    return kind, parsed[1]


def _amount(value: Any, *, creating: bool) -> tuple[Decimal | None, str | None]:
    """(amount, currency) of a `price` object."""
    if value is None:
        if creating:
            raise Refused(422, "Invalid parameter price: required")
        return None, None
    if not isinstance(value, dict) or not set(value) <= set(_PRICE_PARTS):
        raise Refused(400, "Invalid parameter price: an object of amount, currency and rules")
    amount, currency, rules = value.get("amount"), value.get("currency"), value.get("rules")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
        raise Refused(400, "Invalid parameter price.amount: a number")
    if currency is not None and not isinstance(currency, str):
        raise Refused(400, "Invalid parameter price.currency: a text")
    if rules is not None and not isinstance(rules, list):
        raise Refused(400, "Invalid parameter price.rules: a list")
    if rules:
        raise Refused(422, "Invalid parameter price.rules: price rules are not supported")
    if amount is None and (creating or currency is not None):
        raise Refused(422, "Invalid parameter price.amount: required")
    if creating and currency is None:
        raise Refused(422, "Invalid parameter price.currency: required")
    return (None if amount is None else Decimal(str(amount))), currency


def _trial(value: Any) -> FreeTrial | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {"type", "duration"}:
        raise Refused(400, "Invalid parameter freeTrial: an object of type and duration")
    unit, duration = value.get("type"), value.get("duration")
    if not isinstance(unit, str) or isinstance(duration, bool) or not isinstance(duration, int):
        raise Refused(400, "Invalid parameter freeTrial: a type (text) and a duration (whole number)")
    if unit not in set(TrialUnit) or duration < 0:
        raise Refused(422, "Invalid parameter freeTrial: a type of day or period and a duration of 0 or more")
    return FreeTrial(TrialUnit(unit), duration)


def _terms(body: Fields, *, creating: bool) -> LocalizationTerms:
    """What the body says of the localization, read before anything is written."""
    if GEO.read(body) is not None:
        raise Refused(422, "Invalid parameter geoRestriction: a localization is sold in its country only")
    amount, currency = _amount((NEW_PRICE if creating else PRICE).read(body), creating=creating)
    return LocalizationTerms(
        title=(NEW_TITLE if creating else TITLE).read(body),
        description=DESCRIPTION.read(body),
        amount=amount,
        currency=currency,
        trial=_trial(FREE_TRIAL.read(body)),
    )


def _rendered(found: LocalizedOffer) -> OfferV2:
    """The offer as `GET /offers/{offerId}` shows it, with its localizations."""
    offer = v2(found.offer)
    main = short_id(found.offer.price)
    shown: list[OfferLocalization] = []
    for localization in found.localizations:
        price, record = localization.price, localization.record
        trial: TrialBody | None = None
        if price.trial_period_unit and price.trial_period_quantity:
            trial = {"type": price.trial_period_unit, "duration": price.trial_period_quantity}
        shown.append(
            {
                "id": f"{main}_{record.country_code}",
                "title": record.title,
                "description": price.description,
                "price": {
                    "amount": decimal(price.amount, price.currency),
                    "currency": price.currency,
                    "taxIncluded": True,
                    "rules": [],
                },
                "active": price.active,
                "countryCode": record.country_code,
                "geoRestriction": None,
                "freeTrial": trial,
            }
        )
    offer["localizations"] = list(shown)
    return offer


def _answered(found: LocalizedOffer) -> Answer[OfferV2]:
    """The offer with its localizations, and the `ETag` of the offer as `GET /offers/{offerId}` shows it, which the
    next change's `If-Match` may name."""
    response = answer(_rendered(found))
    response.headers["ETag"] = etag_of(v2(found.offer))
    return response


async def _unchanged_since_read(
    request: Request, session: Session, publisher: Publisher, kind: OfferType, price_id: int
) -> None:
    """412 when `If-Match` names another version of the offer than the current one."""
    if request.headers.get("if-match") is None:
        return
    current = await localizations.offer_localizations(session, publisher, price_id, kind.access_type_ids)
    require_match(request, v2(current.offer))


@router.post("/offers/{offer_id}/localizations")
async def create_localization(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(CREATE)],
    offer_id: str = OfferParam,
) -> Answer[OfferV2]:
    """Localize an offer for one country: buyers there are sold it at this price, in this currency.

    Refused (409) when the offer has a localization for the country already, on sale or not."""
    kind, price_id = _named(offer_id)
    terms = _terms(body, creating=True)
    country = COUNTRY.read(body)
    if not country:
        raise Refused(422, "Invalid parameter countryCode: required")
    await _unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.create_localization(session, publisher, price_id, country, terms, kind.access_type_ids)
    return _answered(found)


@router.patch("/offers/{offer_id}/localizations/{country}")
async def update_localization(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(UPDATE)],
    offer_id: str = OfferParam,
    country: str = CountryParam,
) -> Answer[OfferV2]:
    """Change a localization: what the body leaves out (or sends as null) stays as it is; its currency never
    changes."""
    kind, price_id = _named(offer_id)
    terms = _terms(body, creating=False)
    await _unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.change_localization(session, publisher, price_id, country, terms, kind.access_type_ids)
    return _answered(found)


@router.post("/offers/{offer_id}/localizations/{country}/activate")
async def activate_localization(
    request: Request, session: Session, publisher: Publisher, offer_id: str = OfferParam, country: str = CountryParam
) -> Answer[OfferV2]:
    """Put a localization back on sale (only while its offer is on sale: 422 otherwise)."""
    kind, price_id = _named(offer_id)
    await _unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.activate_localization(session, publisher, price_id, country, kind.access_type_ids)
    return _answered(found)


@router.post("/offers/{offer_id}/localizations/{country}/deactivate")
async def deactivate_localization(
    request: Request, session: Session, publisher: Publisher, offer_id: str = OfferParam, country: str = CountryParam
) -> Answer[OfferV2]:
    """Take a localization off sale: buyers in its country are sold the offer at its own price again."""
    kind, price_id = _named(offer_id)
    await _unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.deactivate_localization(session, publisher, price_id, country, kind.access_type_ids)
    return _answered(found)
