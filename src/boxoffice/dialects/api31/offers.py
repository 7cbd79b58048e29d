"""The publisher's offers: `GET /offers/{offerId}` (with an `ETag`), `POST /offers`, `PATCH /offers/{offerId}`
(conditionally with `If-Match`) and `POST /offers/{offerId}/activate|deactivate`. An offer is a core price and the
product it sells, shown as Cleeng's offer object (OfferV2) with its `period`, its `seasonGroupId` and its
`localizations` (`rendered`: every answer about an offer, its localizations' too, shows it so, and its `ETag` is of
all of it); its id's letter names its type, and an id of another type, of another publisher or of no offer is 404.
A subscription of `period` `season` is billed season by season, by the seasons of its `seasonGroupId`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.catalog import localizations, offer_changes
from boxoffice.catalog.localizations import LocalizedOffer
from boxoffice.catalog.offer_changes import BilledBy, Countries, Labels, ProductSide
from boxoffice.catalog.service import PriceChanges
from boxoffice.dialects.api31.answers import Answer, answer, require_match, tagged
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Flag, Shaped, Text, Whole, declare
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import price_id_of, short_id
from boxoffice.dialects.cleeng.offer_types import EVENT, FREE_PERIODS, PASS, RENTAL, SINGLE, SUBSCRIPTION, OfferType
from boxoffice.dialects.cleeng.offers_v2 import CLOSED, OfferPrice, OfferV2, v2
from boxoffice.dialects.cleeng.offers_v2 import FreeTrial as TrialBody
from boxoffice.dialects.cleeng.periods import SEASON
from boxoffice.kit import clock
from boxoffice.kit.money import Money

router = APIRouter(route_class=Api31Route, tags=["api31"])
OfferParam = Path(min_length=1, max_length=40, description="The offer's id, such as `S000000042_EU`")

# The offer types a publisher makes here, by the name `type` gives and by the letter of their ids.
KINDS = {"subscription": SUBSCRIPTION, "pass": PASS, "event": EVENT, "rental": RENTAL, "single": SINGLE}
BY_LETTER = {kind.letter: kind for kind in KINDS.values()}
MAX_TITLE = 70
MAX_DESCRIPTION = 110
MAX_VIDEO_ID = 200
MAX_FREE_DAYS = 365
MAX_FREE_PERIODS = 12
MAX_TAGS = 20
MAX_COUNTRIES = 250
MAX_AMOUNT = 1_000_000
SEASONAL_ACCESS = SUBSCRIPTION.periods["month"]  # what a new seasonal subscription gives access by, between renewals
LATEST = 253402300799  # the last second of the year 9999

_TAGS = {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": MAX_TAGS}
_COUNTRIES = {"type": "array", "items": {"type": "string", "maxLength": 2}, "maxItems": MAX_COUNTRIES}
TYPE = Text("type", "The offer's type", enum=tuple(KINDS), required=True)
TITLE = Text("title", "What the offer sells, up to 70 characters", max_length=MAX_TITLE)
NEW_TITLE = Text("title", "What the offer sells, up to 70 characters", max_length=MAX_TITLE, required=True)
DESCRIPTION = Text("description", "The offer's description, up to 110 characters", max_length=MAX_DESCRIPTION)
PRICE = Shaped("price", "The price, tax included, in `currency`", {"type": ["number", "null"], "minimum": 0})
CURRENCY = Text("currency", "An ISO 4217 code (required with `price`)", max_length=3)
PERIOD = Text(
    "period",
    "A subscription's billing period (`week`, `month`, `3months`, `6months`, `year`), a pass's (`week`, `month`), "
    "a rental's hours (`24`, `48`); `season` for a subscription billed season by season (with `seasonGroupId`)",
    max_length=20,
)
SEASON_GROUP = Whole(
    "seasonGroupId", "With `period` `season`: the season group whose seasons a subscription is billed by"
)
FREE_DAYS = Whole("freeDays", "A subscription's free trial in days (0: none)")
FREE_PERIODS_FIELD = Whole("freePeriods", "A subscription's free trial in billing periods (0: none)")
TAGS = Shaped("accessToTags", "The tags access through the offer opens", {"anyOf": [_TAGS, {"type": "null"}]})
VIDEO_ID = Text("videoId", "The video's id on its hosting platform: its offers share one item", max_length=MAX_VIDEO_ID)
ACTIVE = Flag("active", "On sale (true) or not")
START_TIME = Whole("startTime", "When an event begins (Unix seconds)")
END_TIME = Whole("endTime", "When access to an event, and its sale, end (Unix seconds; required for an event)")
GEO_ENABLED = Flag("geoRestrictionEnabled", "Sold only in some countries (or in all but some)")
GEO_TYPE = Text("geoRestrictionType", "`whitelist` (default) or `blacklist`", enum=("whitelist", "blacklist"))
GEO_COUNTRIES = Shaped("geoRestrictionCountries", "ISO 3166 alpha-2 codes", {"anyOf": [_COUNTRIES, {"type": "null"}]})
_TERMS = (
    DESCRIPTION, PRICE, CURRENCY, PERIOD, SEASON_GROUP, FREE_DAYS, FREE_PERIODS_FIELD, TAGS, VIDEO_ID, ACTIVE,
    START_TIME, END_TIME, GEO_ENABLED, GEO_TYPE, GEO_COUNTRIES,
)  # fmt: skip
CREATE = declare(TYPE, NEW_TITLE, *_TERMS)
UPDATE = declare(TITLE, *_TERMS)


def _bad(name: str, what: str) -> Refused:
    return Refused(422, f"Invalid parameter {name}: {what}")


def _texts(field: Shaped, body: Fields, max_length: int) -> list[str] | None:
    value = field.read(body)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= max_length for v in value):
        raise Refused(400, f"Invalid parameter {field.name}: a list of texts")
    return value


def _money(body: Fields, *, creating: bool) -> Money | None:
    amount, currency = PRICE.read(body), CURRENCY.read(body)
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
        raise Refused(400, "Invalid parameter price: a number")
    if amount is None:
        if creating or currency is not None:
            raise _bad("price", "required (with its currency)")
        return None
    if currency is None:
        raise _bad("currency", "required with price")
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise _bad("currency", "an ISO 4217 code such as EUR")
    if not 0 <= amount <= MAX_AMOUNT:
        raise _bad("price", "too large")
    try:
        return Money.from_decimal(Decimal(str(amount)), currency.upper())
    except (ValueError, InvalidOperation):
        raise _bad("price", f"more decimals than {currency.upper()} has") from None


def _period(body: Fields, kind: OfferType, *, creating: bool) -> int | None:
    """The access type of the period named."""
    if len(kind.periods) == 1:
        return next(iter(kind.periods.values())) if creating else None
    name = PERIOD.read(body)
    names = ", ".join([*kind.periods, SEASON] if kind is SUBSCRIPTION else kind.periods)
    if name is None:
        if creating:
            raise _bad("period", "required: " + names)
        return None
    found = kind.periods.get(name.lower())
    if found is None:
        raise _bad("period", "one of " + names)
    return found


def _billing(body: Fields, kind: OfferType, *, creating: bool) -> tuple[int | None, BilledBy | None]:
    """(access type, how it is billed) of the period named: a subscription of period `season` is billed by the
    seasons of its `seasonGroupId`; another period of a subscription is billed by itself."""
    name, group = PERIOD.read(body), SEASON_GROUP.read(body)
    if (name or "").lower() != SEASON and group is None:
        access_type = _period(body, kind, creating=creating)
        return access_type, (BilledBy(None) if kind is SUBSCRIPTION and access_type is not None else None)
    if kind is not SUBSCRIPTION:
        raise _bad("period", "only a subscription is billed by seasons")
    if name is None or name.lower() != SEASON:
        raise _bad("seasonGroupId", "only with period season")
    if group is None:
        raise _bad("seasonGroupId", "required with period season")
    if FREE_PERIODS_FIELD.read(body):
        raise _bad("freePeriods", "a seasonal subscription's free trial is in days (freeDays)")
    return (SEASONAL_ACCESS if creating else None), BilledBy(group)


def _trial(body: Fields, terms: PriceChanges, kind: OfferType, access_type: int | None) -> None:
    days, periods = FREE_DAYS.read(body), FREE_PERIODS_FIELD.read(body)
    if kind is not SUBSCRIPTION:
        if days or periods:
            raise _bad("freeDays", "only a subscription has a free trial")
        return
    if (days or 0) > MAX_FREE_DAYS or (periods or 0) > MAX_FREE_PERIODS:
        raise _bad("freeDays", f"at most {MAX_FREE_DAYS} days or {MAX_FREE_PERIODS} periods")
    if days and periods:
        raise _bad("freePeriods", "give free days or free periods, not both")
    if days:
        terms.trial_quantity, terms.trial_unit = days, "day"
    elif periods:
        name = kind.period_of(access_type) if access_type is not None else None
        if name is None:
            raise _bad("period", "required with freePeriods")
        quantity, unit = FREE_PERIODS[name]
        terms.trial_quantity, terms.trial_unit = quantity * periods, unit
    elif days == 0 or periods == 0:
        terms.clear_trial = True


def _moment(field: Whole, body: Fields) -> datetime | None:
    seconds = field.read(body)
    if seconds is None:
        return None
    if seconds > LATEST:
        raise _bad(field.name, "a moment before the year 10000")
    return clock.from_unix(seconds)


def _countries(body: Fields, terms: PriceChanges) -> Countries | None:
    enabled = GEO_ENABLED.read(body)
    codes = _texts(GEO_COUNTRIES, body, 2)
    if enabled is None:
        if codes is not None or GEO_TYPE.read(body) is not None:
            raise _bad("geoRestrictionEnabled", "required with the countries")
        return None
    if not enabled:
        terms.clear_country_set = True
        return None
    if not codes:
        raise _bad("geoRestrictionCountries", "required when geoRestrictionEnabled is true")
    kind = GEO_TYPE.read(body) or "whitelist"
    if kind not in GEO_TYPE.enum:
        raise _bad("geoRestrictionType", "whitelist or blacklist")
    return Countries(kind, codes)


def _labels(body: Fields, kind: OfferType, terms: PriceChanges, *, creating: bool) -> Labels:
    starts = None
    if kind is EVENT:
        terms.expires_at = _moment(END_TIME, body)
        if creating and terms.expires_at is None:
            raise _bad("endTime", "required for an event")
        starts = _moment(START_TIME, body)
    elif START_TIME.read(body) is not None or END_TIME.read(body) is not None:
        raise _bad("startTime", "only an event has times")
    return Labels(tags=_texts(TAGS, body, 100), event_starts_at=starts)


def _offer_data(
    body: Fields, kind: OfferType, *, creating: bool
) -> tuple[ProductSide, PriceChanges, Countries | None, Labels, BilledBy | None]:
    """What the body says of the offer, read before anything is written."""
    access_type, billed_by = _billing(body, kind, creating=creating)
    terms = PriceChanges(
        access_type_id=access_type,
        money=_money(body, creating=creating),
        description=DESCRIPTION.read(body),
        active=ACTIVE.read(body),
    )
    _trial(body, terms, kind, access_type)
    labels = _labels(body, kind, terms, creating=creating)
    countries = _countries(body, terms)
    title = TITLE.read(body)
    if creating and not title:
        raise _bad("title", "required")
    side = ProductSide(title=title, external_asset_id=VIDEO_ID.read(body))
    return side, terms, countries, labels, billed_by


def named(offer_id: str) -> tuple[OfferType, int]:
    """(type, price id) of the offer an id names; 404 when it names none."""
    parsed = price_id_of(offer_id)
    kind = BY_LETTER.get(parsed[0]) if parsed else None
    if parsed is None or kind is None:
        raise Refused(404, "Offer not found")
    return kind, parsed[1]


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


@with_config(CLOSED)
class Offer31(OfferV2):
    """Cleeng's offer object with the period it is sold for and the season group a seasonal subscription is billed
    by."""

    period: str | None
    seasonGroupId: int | None


def _period_name(found: LocalizedOffer) -> str | None:
    price = found.offer.price
    if price.season_group_id is not None:
        return SEASON
    names = (kind.period_of(price.access_type_id) for kind in KINDS.values())
    return next((name for name in names if name), None)


def _localizations(found: LocalizedOffer) -> list[OfferLocalization]:
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
    return shown


def rendered(found: LocalizedOffer) -> Offer31:
    """The offer as every answer about it shows it, with its localizations: its `ETag` is this one's."""
    offer = v2(found.offer)
    group = found.offer.price.season_group_id
    return {
        **offer,
        "localizations": list(_localizations(found)),
        "period": _period_name(found),
        "seasonGroupId": group,
    }


async def _found(
    session: Session, publisher: Publisher, kind: OfferType, price_id: int, *, to_change: bool = False
) -> LocalizedOffer:
    return await localizations.offer_localizations(
        session, publisher, price_id, kind.access_type_ids, to_change=to_change
    )


async def unchanged_since_read(
    request: Request, session: Session, publisher: Publisher, kind: OfferType, price_id: int
) -> None:
    """412 when `If-Match` names another version of the offer (with its localizations) than the current one."""

    async def current() -> Offer31:
        return rendered(await _found(session, publisher, kind, price_id, to_change=True))

    await require_match(request, session, ("offer", price_id), current)


@router.get("/offers/{offer_id}")
async def read_offer(
    request: Request, session: Session, publisher: Publisher, offer_id: str = OfferParam
) -> Answer[Offer31]:
    """One of the publisher's offers, on sale or not, with its localizations and an `ETag` (a `GET` with
    `If-None-Match` naming it is answered 304)."""
    kind, price_id = named(offer_id)
    return tagged(request, rendered(await _found(session, publisher, kind, price_id)))


@router.post("/offers", status_code=201)
async def create_offer(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[Offer31]:
    """A new offer: a subscription, a pass, an event, a rental or a single, at a price in a currency.

    An offer for a video (`videoId`) that has offers already is one more price of the same item. A subscription of
    `period` `season` is billed by the seasons of its `seasonGroupId`: bought during a season, until its end."""
    kind = KINDS.get(TYPE.read(body) or "")
    if kind is None:
        raise _bad("type", "one of " + ", ".join(KINDS))
    side, terms, countries, labels, billed_by = _offer_data(body, kind, creating=True)
    offer = await offer_changes.create_offer(session, publisher, side, terms, countries, labels, billed_by)
    return answer(rendered(LocalizedOffer(offer, [])), 201)


@router.patch("/offers/{offer_id}")
async def update_offer(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(UPDATE)],
    offer_id: str = OfferParam,
) -> Answer[Offer31]:
    """Change an offer: what the body leaves out (or sends as null) stays as it is; its type is its id's. With
    `If-Match`, only if the offer (with its localizations) is as last read (else 412)."""
    kind, price_id = named(offer_id)
    side, terms, countries, labels, billed_by = _offer_data(body, kind, creating=False)
    await unchanged_since_read(request, session, publisher, kind, price_id)
    await offer_changes.change_offer(
        session, publisher, price_id, side, terms, kind.access_type_ids, countries, labels, billed_by
    )
    return tagged(request, rendered(await _found(session, publisher, kind, price_id)))


@router.post("/offers/{offer_id}/activate")
async def activate_offer(session: Session, publisher: Publisher, offer_id: str = OfferParam) -> Answer[Offer31]:
    """Put an offer back on sale."""
    kind, price_id = named(offer_id)
    await offer_changes.activate_offer(session, publisher, price_id, kind.access_type_ids)
    return answer(rendered(await _found(session, publisher, kind, price_id)))


@router.post("/offers/{offer_id}/deactivate")
async def deactivate_offer(session: Session, publisher: Publisher, offer_id: str = OfferParam) -> Answer[Offer31]:
    """Take an offer off sale; what customers bought through it stays theirs."""
    kind, price_id = named(offer_id)
    await offer_changes.deactivate_offer(session, publisher, price_id, kind.access_type_ids)
    return answer(rendered(await _found(session, publisher, kind, price_id)))
