"""Offers' localizations: `POST /offers/{offerId}/localizations`, `PATCH /offers/{offerId}/localizations/{country}`
and `POST /offers/{offerId}/localizations/{country}/activate|deactivate`. A localization is the offer's version for
buyers in one country, at its own price in its own currency, on sale on its own; each answer is the offer as
`GET /offers/{offerId}` shows it (offers.rendered: with its `localizations`) and its `ETag`, which is of the offer
with its localizations. With `If-Match`, a change is made only if the offer is as `GET /offers/{offerId}` (or the
last change) showed it (else 412)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from boxoffice.catalog import localizations
from boxoffice.catalog.localizations import FreeTrial, LocalizationTerms, TrialUnit
from boxoffice.dialects.api31.answers import Answer, tagged
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.offers import Offer31, OfferParam, named, rendered, unchanged_since_read
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Shaped, Text, declare

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


@router.post("/offers/{offer_id}/localizations")
async def create_localization(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(CREATE)],
    offer_id: str = OfferParam,
) -> Answer[Offer31]:
    """Localize an offer for one country: buyers there are sold it at this price, in this currency.

    Refused (409) when the offer has a localization for the country already, on sale or not."""
    kind, price_id = named(offer_id)
    terms = _terms(body, creating=True)
    country = COUNTRY.read(body)
    if not country:
        raise Refused(422, "Invalid parameter countryCode: required")
    await unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.create_localization(session, publisher, price_id, country, terms, kind.access_type_ids)
    return tagged(request, rendered(found))


@router.patch("/offers/{offer_id}/localizations/{country}")
async def update_localization(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(UPDATE)],
    offer_id: str = OfferParam,
    country: str = CountryParam,
) -> Answer[Offer31]:
    """Change a localization: what the body leaves out (or sends as null) stays as it is; its currency never
    changes."""
    kind, price_id = named(offer_id)
    terms = _terms(body, creating=False)
    await unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.change_localization(session, publisher, price_id, country, terms, kind.access_type_ids)
    return tagged(request, rendered(found))


@router.post("/offers/{offer_id}/localizations/{country}/activate")
async def activate_localization(
    request: Request, session: Session, publisher: Publisher, offer_id: str = OfferParam, country: str = CountryParam
) -> Answer[Offer31]:
    """Put a localization back on sale (only while its offer is on sale: 422 otherwise)."""
    kind, price_id = named(offer_id)
    await unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.activate_localization(session, publisher, price_id, country, kind.access_type_ids)
    return tagged(request, rendered(found))


@router.post("/offers/{offer_id}/localizations/{country}/deactivate")
async def deactivate_localization(
    request: Request, session: Session, publisher: Publisher, offer_id: str = OfferParam, country: str = CountryParam
) -> Answer[Offer31]:
    """Take a localization off sale: buyers in its country are sold the offer at its own price again."""
    kind, price_id = named(offer_id)
    await unchanged_since_read(request, session, publisher, kind, price_id)
    found = await localizations.deactivate_localization(session, publisher, price_id, country, kind.access_type_ids)
    return tagged(request, rendered(found))
