"""An offer's `offerData` (and a multi-currency offer's `localizedData`) read into the core's terms: what the offer
sells and the price it sells at. Anything ill-typed, too long or unknown is refused (code 11) before anything is
written. An event's `startTime` is when the event begins, not when its sale does: it is sold before it begins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from boxoffice.catalog.offer_changes import Countries, Labels, ProductSide
from boxoffice.catalog.service import PriceChanges
from boxoffice.dialects.cleeng.offer_ids import price_id_of
from boxoffice.dialects.cleeng.offer_types import EVENT, FREE_PERIODS, PASS, SUBSCRIPTION, OfferType
from boxoffice.dialects.jsonrpc.errors import Code, InvalidParams, Refused
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.kit.money import Money

MAX_OFFER_ID = 40
MAX_TITLE = 70
MAX_DESCRIPTION = 110
MAX_URL = 2048
MAX_VIDEO_ID = 200
MAX_AGE = 99
MAX_FREE_DAYS = 365
MAX_FREE_PERIODS = 12
URL = "url"  # the product's metadata key an offer's URL is kept under
LOCALIZED_ITEMS = 50
GEO_TYPES = ("whitelist", "blacklist")
MAX_COUNTRIES = 250


def price_id(params: Params, kind: OfferType, name: str = "offerId") -> int:
    """The price an offer id of `kind` names; an id of no offer, or of another type, is not found (code 4)."""
    parsed = price_id_of(params.text(name, max_length=MAX_OFFER_ID))
    if parsed is None or parsed[0] != kind.letter:
        raise Refused(Code.OFFER_NOT_FOUND, "Offer not found")
    return parsed[1]


def members(params: Params, name: str, *, required: bool = True) -> Params:
    """An object param (`offerData`, `criteria`); PHP encodes an empty associative array as `[]`, so the SDK's
    default `criteria` arrives as an empty list."""
    if params.values.get(name) == []:
        return Params({}, name)
    return params.object(name, required=required)


@dataclass(frozen=True, slots=True)
class OfferData:
    side: ProductSide
    terms: PriceChanges
    countries: Countries | None  # a restriction to where it is sold, when `offerData` sets one
    labels: Labels


def _required(data: Params, name: str) -> InvalidParams:
    return InvalidParams(f"{data.where}.{name}", f"Invalid arguments: {data.where}.{name} is required")


def _unsupported(data: Params, name: str, what: str) -> InvalidParams:
    return InvalidParams(f"{data.where}.{name}", f"Invalid arguments: {data.where}.{name}: {what}")


def currency_of(data: Params, name: str = "currency") -> str | None:
    code = data.optional_text(name, max_length=3)
    if code is None:
        return None
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise _unsupported(data, name, "an ISO-4217 code such as EUR is expected")
    return code.upper()


def money_of(data: Params, currency: str, name: str = "price") -> Money:
    number = data.number(name)
    try:
        return Money.from_decimal(Decimal(str(number)), currency)
    except (ValueError, InvalidOperation):
        raise _unsupported(data, name, f"more decimals than {currency} has") from None


def _money(data: Params, *, creating: bool) -> Money | None:
    currency = currency_of(data)
    if not data.has("price"):
        if creating:
            raise _required(data, "price")
        if currency is not None:
            raise _required(data, "price")  # a currency alone would leave the amount in the wrong one
        return None
    if currency is None:
        raise _required(data, "currency")
    return money_of(data, currency)


def _period(data: Params, kind: OfferType, *, creating: bool) -> int | None:
    """The access type of the period named (`period`: a name, or hours for a rental)."""
    if len(kind.periods) == 1:
        return next(iter(kind.periods.values())) if creating else None
    name = data.optional_text("period", max_length=20)
    if name is None:
        if creating:
            raise _required(data, "period")
        return None
    found = kind.periods.get(name.lower())
    if found is None:
        raise _unsupported(data, "period", "one of " + ", ".join(kind.periods))
    return found


def _trial(data: Params, terms: PriceChanges, period: str | None) -> None:
    """A subscription's free days or free periods as the core's trial."""
    days = data.optional_integer("freeDays", maximum=MAX_FREE_DAYS)
    periods = data.optional_integer("freePeriods", maximum=MAX_FREE_PERIODS)
    if days and periods:
        raise _unsupported(data, "freePeriods", "give free days or free periods, not both")
    if days:
        terms.trial_quantity, terms.trial_unit = days, "day"
    elif periods:
        if period is None:
            raise _required(data, "period")  # the free periods' length is the period's
        quantity, unit = FREE_PERIODS[period]
        terms.trial_quantity, terms.trial_unit = quantity * periods, unit
    elif days == 0 or periods == 0:
        terms.clear_trial = True


def _event_times(data: Params, terms: PriceChanges, *, creating: bool) -> datetime | None:
    """When the event begins (None: as it is); its end is when access through it, and its sale, end."""
    terms.expires_at = data.timestamp("endTime", required=creating)
    data.optional_text("timeZone", max_length=64)  # the times are Unix seconds: a zone changes none of them
    return data.timestamp("startTime", required=False)


def _labels(data: Params, kind: OfferType, terms: PriceChanges, *, creating: bool) -> Labels:
    """Tags (a list, or one comma-separated text) and an event's start; the core checks their limits."""
    tags = data.texts("accessToTags") if data.has("accessToTags") else None
    starts = _event_times(data, terms, creating=creating) if kind is EVENT else None
    return Labels(tags=tags, event_starts_at=starts)


def _refuse_what_the_core_lacks(data: Params, kind: OfferType) -> None:
    if kind is PASS and data.has("expiresAt"):
        raise _unsupported(data, "expiresAt", "a pass lasts its period; access until a date is an event offer")


def _countries(data: Params, terms: PriceChanges) -> Countries | None:
    """Where the offer is sold, when `geoRestrictionEnabled` is given: off, or on with a type and countries."""
    if not data.has("geoRestrictionEnabled"):
        return None
    if not data.boolean("geoRestrictionEnabled"):
        terms.clear_country_set = True
        return None
    kind = (data.optional_text("geoRestrictionType", max_length=20) or "whitelist").lower()
    if kind not in GEO_TYPES:
        raise _unsupported(data, "geoRestrictionType", "whitelist or blacklist")
    codes = data.texts("geoRestrictionCountries", required=True, max_items=MAX_COUNTRIES, max_length=2)
    return Countries(kind, codes)


def _side(data: Params, kind: OfferType, *, creating: bool) -> ProductSide:
    title = data.optional_text("title", max_length=MAX_TITLE)
    if title is None and creating:
        raise _required(data, "title")
    video = data.optional_text("videoId", max_length=MAX_VIDEO_ID)
    video = video or data.optional_text("contentExternalId", max_length=MAX_VIDEO_ID)
    if video is None and creating and kind.assets_only:
        raise _required(data, "videoId")
    url = data.optional_text(URL, max_length=MAX_URL)
    return ProductSide(
        title=title,
        external_asset_id=video,
        min_age=data.optional_integer("contentAgeRestriction", maximum=MAX_AGE),
        attributes={URL: url} if url is not None else None,
    )


def offer_data(data: Params, kind: OfferType, *, creating: bool, priced: bool = True) -> OfferData:
    """`offerData` for an offer of `kind`; `priced` when it carries its price (a multi-currency offer's come in
    `localizedData`)."""
    _refuse_what_the_core_lacks(data, kind)
    side = _side(data, kind, creating=creating)
    access_type = _period(data, kind, creating=creating)
    terms = PriceChanges(
        access_type_id=access_type,
        money=_money(data, creating=creating) if priced else None,
        description=data.optional_text("description", max_length=MAX_DESCRIPTION),
    )
    if data.has("active"):
        terms.active = data.boolean("active")
    if kind is SUBSCRIPTION:
        _trial(data, terms, kind.period_of(access_type) if access_type is not None else None)
    labels = _labels(data, kind, terms, creating=creating)
    return OfferData(side, terms, _countries(data, terms), labels)


def localized_amounts(params: Params, name: str = "localizedData", *, required: bool = True) -> list[Money]:
    """`localizedData`: one `{currency, price}` (with a `country` the id's suffix ignores) per currency."""
    entries = params.items(name, required=required, max_items=LOCALIZED_ITEMS)
    if required and not entries:
        raise InvalidParams(name, f"Invalid arguments: {name} is required")
    amounts = []
    for number, value in enumerate(entries):
        where = f"{name}[{number}]"
        if not isinstance(value, dict):
            raise InvalidParams(where, f"Invalid arguments: {where} must be an object")
        entry = Params(value, where)
        currency = currency_of(entry)
        if currency is None:
            raise _required(entry, "currency")
        entry.optional_text("country", max_length=2)
        amounts.append(money_of(entry, currency))
    return amounts
