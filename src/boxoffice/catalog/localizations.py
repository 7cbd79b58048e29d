"""Offers' localizations: an offer's version for buyers in one country, at a price (and in a currency) of its own,
put on sale and taken off it on its own. A localization is a price of the offer's product, on the offer's terms
(its access type, its sale window, its tags) but at its own amount, sold only in its country (a country set of
its own); a buyer there is sold it instead of the offer's price (catalog.offers: `localized`,
`localized_price_id`) while both are on sale. An offer has at most one localization per country, and a
localization has none of its own."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import localizations_repository as repo
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog import service
from boxoffice.catalog.currencies import is_currency, refusal
from boxoffice.catalog.models import OfferLocalization, Price
from boxoffice.catalog.offer_changes import merchant_offer
from boxoffice.catalog.offers import Offer
from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound
from boxoffice.kit.geography import alpha2_of
from boxoffice.kit.money import Money
from boxoffice.restrictions import service as restrictions

MAX_TITLE = 255
MAX_DESCRIPTION = 255


class TrialUnit(StrEnum):
    """What a free trial's length counts: days, or the offer's billing periods."""

    DAY = "day"
    PERIOD = "period"


@dataclass(frozen=True, slots=True)
class FreeTrial:
    """A free trial of `length` days or billing periods; a length of 0 is none."""

    unit: TrialUnit
    length: int


@dataclass(frozen=True, slots=True)
class LocalizationTerms:
    """What a localization says. None leaves a field as it is (on create: the offer's own, except the title and
    the amount, which a new localization needs)."""

    title: str | None = None
    description: str | None = None
    amount: Decimal | None = None  # in the currency's major units (9.99)
    currency: str | None = None  # only when creating: a localization's currency never changes
    trial: FreeTrial | None = None


@dataclass(frozen=True, slots=True)
class Localization:
    """One country's version of an offer: what it is called there and the price it is sold at."""

    record: OfferLocalization
    price: Price


@dataclass(frozen=True, slots=True)
class LocalizedOffer:
    """An offer with every localization it has, by country."""

    offer: Offer
    localizations: list[Localization]


class LocalizationExists(Conflict):
    """The offer has a localization for the country already (on sale or not)."""

    def __init__(self, country_code: str) -> None:
        self.country_code = country_code
        super().__init__(f"The offer already has a localization for {country_code}")


def _country(code: str) -> str:
    """An ISO 3166 alpha-2 code, upper-cased; InvalidInput for anything else."""
    upper = code.strip().upper()
    if len(upper) != 2 or alpha2_of(upper) != upper:
        raise InvalidInput({"country_code": f"{code!r} is not an ISO 3166 alpha-2 country code"})
    return upper


def _money(amount: Decimal, currency: str) -> Money:
    if not is_currency(currency):
        raise InvalidInput({"currency": refusal(currency)})
    try:
        return Money.from_decimal(amount, currency)
    except (ValueError, InvalidOperation):
        raise InvalidInput({"amount": f"The amount has more decimals than {currency} has"}) from None


def _texts(terms: LocalizationTerms, *, creating: bool) -> None:
    if creating and not (terms.title or "").strip():
        raise InvalidInput({"title": "A localization needs a title"})
    if terms.title is not None and not terms.title.strip():
        raise InvalidInput({"title": "The title may not be empty"})
    if terms.title is not None and len(terms.title.strip()) > MAX_TITLE:
        raise InvalidInput({"title": f"The title may not be longer than {MAX_TITLE} characters"})
    if terms.description is not None and len(terms.description.strip()) > MAX_DESCRIPTION:
        raise InvalidInput({"description": f"The description may not be longer than {MAX_DESCRIPTION} characters"})


def _trial(changes: service.PriceChanges, trial: FreeTrial | None, offer_price: Price) -> None:
    """`trial` as the price's trial: days, or the offer's billing periods counted in the unit they are billed in."""
    if trial is None:
        return
    if trial.length == 0:
        changes.clear_trial = True
        return
    if trial.unit is TrialUnit.DAY:
        changes.trial_quantity, changes.trial_unit = trial.length, "day"
        return
    unit, quantity = offer_price.period_unit, offer_price.period_quantity * trial.length
    if unit == "year":
        unit, quantity = "month", quantity * 12
    changes.trial_quantity, changes.trial_unit = quantity, unit


async def _localizations(session: AsyncSession, offer: Offer) -> LocalizedOffer:
    rows = await repo.localizations_of(session, offer.merchant.id, offer.price.id)
    return LocalizedOffer(offer, [Localization(record, price) for record, price in rows])


async def _offer(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    of_types: Collection[int] | None,
    *,
    to_change: bool = False,
) -> Offer:
    """The merchant's offer, which is no localization itself (a localization's own price is no offer here)."""
    offer = await merchant_offer(session, merchant, price_id, of_types, to_change=to_change)
    if await repo.localization_selling(session, merchant.id, price_id) is not None:
        raise NotFound(what=Missing.OFFER)
    return offer


async def _found(
    session: AsyncSession, merchant: Merchant, price_id: int, country_code: str, of_types: Collection[int] | None
) -> tuple[Offer, Localization]:
    offer = await _offer(session, merchant, price_id, of_types)
    record = await repo.localization(session, merchant.id, price_id, country_code.strip().upper())
    price = await catalog_repo.price_by_id(session, merchant.id, record.localized_price_id) if record else None
    if record is None or price is None:
        raise NotFound(what=Missing.OFFER)
    return offer, Localization(record, price)


async def offer_localizations(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    of_types: Collection[int] | None = None,
    *,
    to_change: bool = False,
) -> LocalizedOffer:
    """One of the merchant's offers with its localizations; `to_change`: as it is now, and no other transaction
    changes the offer's price until this ends."""
    offer = await _offer(session, merchant, price_id, of_types, to_change=to_change)
    return await _localizations(session, offer)


async def create_localization(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    country_code: str,
    terms: LocalizationTerms,
    of_types: Collection[int] | None = None,
) -> LocalizedOffer:
    """A new localization of an offer, on sale in its country at once: the offer's terms at its own amount and
    currency (and its own trial and description, when given). LocalizationExists when the offer has one for the
    country already."""
    offer = await _offer(session, merchant, price_id, of_types)
    country = _country(country_code)
    _texts(terms, creating=True)
    if terms.amount is None or terms.currency is None:
        raise InvalidInput({"amount": "A localization needs an amount and its currency"})
    money = _money(terms.amount, terms.currency)
    if await repo.localization(session, merchant.id, price_id, country) is not None:
        raise LocalizationExists(country)
    main = offer.price
    changes = service.PriceChanges(
        access_type_id=main.access_type_id,
        money=money,
        description=main.description if terms.description is None else terms.description,
        starts_at=main.starts_at,
        expires_at=main.expires_at,
        trial_quantity=main.trial_period_quantity,
        trial_unit=main.trial_period_unit,
        trial_description=main.trial_description,
        active=True,
    )
    _trial(changes, terms.trial, main)
    title = (terms.title or "").strip()
    sold_in = await restrictions.create_country_set(
        session, merchant.id, name=f"{title[:190]} ({country})", type_="whitelist", countries=[country]
    )
    changes.country_set_id = sold_in.id
    price = await service.create_price(session, merchant.id, offer.product.id, changes)
    price.tags, price.event_starts_at = list(main.tags), main.event_starts_at
    price.season_group_id = main.season_group_id  # billed season by season as the offer is
    session.add(
        OfferLocalization(
            merchant_id=merchant.id, price_id=main.id, localized_price_id=price.id, country_code=country, title=title
        )
    )
    await session.flush()
    return await _localizations(session, offer)


async def change_localization(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    country_code: str,
    terms: LocalizationTerms,
    of_types: Collection[int] | None = None,
) -> LocalizedOffer:
    """Changes a localization's title, description, amount (in its own currency, which never changes) or trial."""
    offer, found = await _found(session, merchant, price_id, country_code, of_types)
    _texts(terms, creating=False)
    if terms.currency is not None and terms.currency != found.price.currency:
        raise InvalidInput({"currency": "A localization's currency can't be changed"})
    changes = service.PriceChanges(description=terms.description)
    if terms.amount is not None:
        changes.money = _money(terms.amount, found.price.currency)
    _trial(changes, terms.trial, offer.price)
    await service.update_price(session, merchant.id, offer.product.id, found.price.id, changes)
    if terms.title is not None:
        found.record.title = terms.title.strip()
    await session.flush()
    return await _localizations(session, offer)


async def activate_localization(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    country_code: str,
    of_types: Collection[int] | None = None,
) -> LocalizedOffer:
    """Puts a localization back on sale; only while its offer is on sale (InvalidInput otherwise)."""
    offer, found = await _found(session, merchant, price_id, country_code, of_types)
    if not (offer.price.active and offer.product.active):
        raise InvalidInput({"active": "A localization of an offer off sale can't be put on sale"})
    changes = service.PriceChanges(active=True)
    await service.update_price(session, merchant.id, offer.product.id, found.price.id, changes)
    return await _localizations(session, offer)


async def deactivate_localization(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    country_code: str,
    of_types: Collection[int] | None = None,
) -> LocalizedOffer:
    """Takes a localization off sale: buyers in its country are sold the offer's own price again; what was
    bought through it stays."""
    offer, found = await _found(session, merchant, price_id, country_code, of_types)
    changes = service.PriceChanges(active=False)
    await service.update_price(session, merchant.id, offer.product.id, found.price.id, changes)
    return await _localizations(session, offer)
