"""Offers set up in one step: a product and its price (or one price per currency) made, changed and taken off sale
together, through the same use cases, and so the same checks, as a product and a price one at a time. An offer
for an asset that already has a product (by the hosting platform's id) is one more price of that product."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as repo
from boxoffice.catalog import seasons, service
from boxoffice.catalog.asset_types import DEFAULT
from boxoffice.catalog.models import Price, Product
from boxoffice.catalog.offers import Offer
from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound
from boxoffice.kit.money import Money
from boxoffice.restrictions import service as restrictions

MAX_PAGE = 100
MAX_TAGS = 20
MAX_TAG = 100


@dataclass(slots=True)
class ProductSide:
    """What an offer sells: its product's terms. None leaves a field as it is (on create: none)."""

    title: str | None = None
    external_asset_id: str | None = None  # the asset's id on its hosting platform; its product is shared
    min_age: int | None = None
    attributes: dict[str, Any] | None = None  # merged into the product's metadata, "" removing a key


@dataclass(frozen=True, slots=True)
class Countries:
    """Where an offer is sold: only in these countries (whitelist), or everywhere but in them (blacklist)."""

    type: str
    codes: list[str]


@dataclass(frozen=True, slots=True)
class Labels:
    """What an offer's prices tell besides their terms of sale: the tags access through them opens, and when the
    event they sell begins. None leaves a field as it is (on create: none)."""

    tags: Sequence[str] | None = None
    event_starts_at: datetime | None = None


NO_LABELS = Labels()


@dataclass(frozen=True, slots=True)
class BilledBy:
    """How a subscription offer is billed: season by season, by the seasons of one of the merchant's season groups
    (`season_group_id`), or by its own billing period (None)."""

    season_group_id: int | None


async def _billed(session: AsyncSession, merchant: Merchant, price: Price, billed_by: BilledBy | None) -> Price:
    """`price` billed as `billed_by` says (None: as it is): a group of another merchant's or of none is NotFound,
    a price that is no subscription's is refused (catalog.seasons: attach_season_group)."""
    if billed_by is None or billed_by.season_group_id == price.season_group_id:
        return price
    return await seasons.attach_season_group(session, merchant.id, price.id, billed_by.season_group_id)


def _checked_tags(tags: Sequence[str] | None) -> list[str] | None:
    """The tags, trimmed, blank and repeated ones dropped; InvalidInput when too many or too long."""
    if tags is None:
        return None
    kept = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    if len(kept) > MAX_TAGS:
        raise InvalidInput({"tags": f"At most {MAX_TAGS} tags"})
    if any(len(tag) > MAX_TAG for tag in kept):
        raise InvalidInput({"tags": f"A tag may not be longer than {MAX_TAG} characters"})
    return kept


def _checked_labels(labels: Labels, price: Price | None, terms: service.PriceChanges) -> Labels:
    """`labels` checked against the price they label as `terms` would make it: an event begins before access
    through it (and its sale) ends."""
    starts = labels.event_starts_at or (price.event_starts_at if price else None)
    ends = None if terms.clear_expires_at else terms.expires_at or (price.expires_at if price else None)
    if starts is not None and ends is not None and starts >= ends:
        raise InvalidInput({"event_starts_at": "The event must begin before access to it ends"})
    return replace(labels, tags=_checked_tags(labels.tags))


async def _labelled(session: AsyncSession, price: Price, labels: Labels) -> Price:
    if labels.tags is not None:
        price.tags = list(labels.tags)
    if labels.event_starts_at is not None:
        price.event_starts_at = labels.event_starts_at
    await session.flush()
    return price


async def _sold_in(
    session: AsyncSession, merchant: Merchant, terms: service.PriceChanges, countries: Countries | None, name: str
) -> service.PriceChanges:
    """`terms` restricted to a country set of the offer's own: a set shared with other prices is never changed."""
    if countries is None:
        return terms
    found = await restrictions.create_country_set(
        session, merchant.id, name=name[: restrictions.MAX_NAME], type_=countries.type, countries=countries.codes
    )
    return replace(terms, country_set_id=found.id, clear_country_set=False)


def _merged(current: dict[str, Any], changes: dict[str, Any] | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    merged = {**current, **changes}
    return {key: value for key, value in merged.items() if value != ""}


async def _product_for(session: AsyncSession, merchant: Merchant, side: ProductSide) -> Product:
    """The product a new offer prices: the asset's own when it has one already, else a new one."""
    external = (side.external_asset_id or "").strip() or None
    found = await repo.products_with_external_id(session, merchant.id, external) if external else []
    if found and not found[0].active:
        raise InvalidInput({"external_asset_id": "The asset with this id is inactive: activate it first"})
    if not found:
        return await service.create_product(
            session,
            merchant.id,
            title=side.title or "",
            asset_type=DEFAULT.name,
            external_asset_id=external,
            min_age=side.min_age,
            attributes=_merged({}, side.attributes),
        )
    # What the asset's product says of it (title, age, metadata) stays as it is: its other offers show it too.
    return found[0]


async def _change_product(session: AsyncSession, merchant: Merchant, product: Product, side: ProductSide) -> Product:
    external = (side.external_asset_id or "").strip()
    if external and external != product.external_asset_id:
        taken = await repo.products_with_external_id(session, merchant.id, external)
        if any(other.id != product.id for other in taken):
            # Its offers are another product's prices: an offer is made for that asset rather than moved to it.
            raise InvalidInput({"external_asset_id": "Another asset of yours has this id: make its offers there"})
    changes = service.ProductChanges(
        title=side.title,
        external_asset_id=side.external_asset_id,
        min_age=side.min_age,
        attributes=_merged(product.attributes, side.attributes),
    )
    if changes == service.ProductChanges():
        return product
    return await service.update_product(session, merchant.id, product.id, changes)


async def create_offer(
    session: AsyncSession,
    merchant: Merchant,
    side: ProductSide,
    terms: service.PriceChanges,
    countries: Countries | None = None,
    labels: Labels = NO_LABELS,
    billed_by: BilledBy | None = None,
) -> Offer:
    """A new price of the asset's product (a new product when the asset has none), sold where `countries` say and
    billed as `billed_by` says (None: by its own period)."""
    labels = _checked_labels(labels, None, terms)
    product = await _product_for(session, merchant, side)
    terms = await _sold_in(session, merchant, terms, countries, product.title)
    price = await service.create_price(session, merchant.id, product.id, terms)
    price = await _billed(session, merchant, price, billed_by)
    return Offer(await _labelled(session, price, labels), product, merchant)


async def merchant_offer(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    of_types: Collection[int] | None = None,
    *,
    to_change: bool = False,
) -> Offer:
    """One of the merchant's offers, on sale or not; only one of these access types when `of_types` names some.
    `to_change`: its price as it is now, and no other transaction changes it until this ends."""
    price = await repo.price_by_id(session, merchant.id, price_id, lock=to_change)
    product = await repo.product_by_id(session, merchant.id, price.product_id) if price else None
    if price is None or product is None or (of_types is not None and price.access_type_id not in of_types):
        raise NotFound(what=Missing.OFFER)
    return Offer(price, product, merchant)


async def change_offer(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    side: ProductSide,
    terms: service.PriceChanges,
    of_types: Collection[int] | None = None,
    countries: Countries | None = None,
    labels: Labels = NO_LABELS,
    billed_by: BilledBy | None = None,
) -> Offer:
    """Changes an offer's price and what it sells (the product, shared by the asset's other offers), and how it is
    billed (`billed_by`; None: as it is): its period and its season group change together."""
    offer = await merchant_offer(session, merchant, price_id, of_types)
    labels = _checked_labels(labels, offer.price, terms)
    product = await _change_product(session, merchant, offer.product, side)
    terms = await _sold_in(session, merchant, terms, countries, product.title)
    price = await service.update_price(session, merchant.id, product.id, offer.price.id, terms)
    price = await _billed(session, merchant, price, billed_by)
    return Offer(await _labelled(session, price, labels), product, merchant)


async def deactivate_offer(
    session: AsyncSession, merchant: Merchant, price_id: int, of_types: Collection[int] | None = None
) -> Offer:
    """Takes an offer off sale; what was bought through it stays."""
    offer = await merchant_offer(session, merchant, price_id, of_types)
    price = await service.deactivate_price(session, merchant.id, offer.product.id, price_id)
    return Offer(price, offer.product, merchant)


async def activate_offer(
    session: AsyncSession, merchant: Merchant, price_id: int, of_types: Collection[int] | None = None
) -> Offer:
    """Puts an offer back on sale (its product must be active: an inactive item sells nothing)."""
    offer = await merchant_offer(session, merchant, price_id, of_types)
    if not offer.product.active:
        raise Conflict("The item is not active: activate it before putting its offers on sale")
    price = await service.update_price(
        session, merchant.id, offer.product.id, price_id, service.PriceChanges(active=True)
    )
    return Offer(price, offer.product, merchant)


async def offers_page(
    session: AsyncSession,
    merchant: Merchant,
    access_type_ids: Sequence[int],
    *,
    active: bool | None = None,
    external_asset_id: str | None = None,
    assets_only: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[Offer]]:
    """The merchant's offers of some access types, oldest first, a page at a time."""
    total, rows = await repo.priced_products_page(
        session,
        merchant.id,
        access_type_ids,
        active=active,
        external_id=external_asset_id,
        with_external_id=assets_only,
        offset=offset,
        limit=min(limit, MAX_PAGE),
    )
    return total, [Offer(price, product, merchant) for price, product in rows]


async def offers_of_asset(session: AsyncSession, merchant: Merchant, external_asset_id: str) -> list[Offer]:
    """The offers on sale for an asset, by its hosting platform's id."""
    products = [p for p in await repo.products_with_external_id(session, merchant.id, external_asset_id) if p.active]
    by_id = {product.id: product for product in products}
    prices = await repo.prices_of_products(session, merchant.id, list(by_id))
    return [Offer(price, by_id[price.product_id], merchant) for price in prices if price.active]


def _distinct(amounts: Sequence[Money]) -> None:
    currencies = [money.currency for money in amounts]
    if not amounts:
        raise InvalidInput({"amount": "At least one amount is required"})
    if len(set(currencies)) != len(currencies):
        raise InvalidInput({"currency": "One amount per currency"})


async def create_offer_in_currencies(
    session: AsyncSession,
    merchant: Merchant,
    side: ProductSide,
    terms: service.PriceChanges,
    amounts: Sequence[Money],
    countries: Countries | None = None,
    labels: Labels = NO_LABELS,
) -> list[Offer]:
    """One product at one price per currency, each on the same terms."""
    _distinct(amounts)
    labels = _checked_labels(labels, None, terms)
    product = await _product_for(session, merchant, side)
    terms = await _sold_in(session, merchant, terms, countries, product.title)
    offers = []
    for money in amounts:
        price = await service.create_price(session, merchant.id, product.id, replace(terms, money=money))
        offers.append(Offer(await _labelled(session, price, labels), product, merchant))
    return offers


async def change_offer_in_currencies(
    session: AsyncSession,
    merchant: Merchant,
    price_id: int,
    side: ProductSide,
    terms: service.PriceChanges,
    amounts: Sequence[Money],
    of_types: Collection[int] | None = None,
    countries: Countries | None = None,
    labels: Labels = NO_LABELS,
) -> list[Offer]:
    """Changes the terms of every price of an offer in several currencies (the product's prices of the same
    access type as `price_id`'s): each currency named gets its amount, a currency it lacked a new price."""
    if amounts:
        _distinct(amounts)
    offer = await merchant_offer(session, merchant, price_id, of_types)
    labels = _checked_labels(labels, offer.price, terms)
    product = await _change_product(session, merchant, offer.product, side)
    terms = await _sold_in(session, merchant, terms, countries, product.title)
    siblings = [
        price
        for price in await repo.prices_of(session, merchant.id, product.id)
        if price.access_type_id == offer.price.access_type_id
    ]
    by_currency: dict[str, Price] = {}
    for price in siblings:
        by_currency.setdefault(price.currency, price)
    if not product.active and any(money.currency not in by_currency for money in amounts):
        raise InvalidInput({"currency": "The item is not active: activate it before pricing it in a new currency"})
    changed: dict[int, Price] = {}
    for money in amounts:
        existing = by_currency.get(money.currency)
        if existing is None:
            created = replace(terms, money=money, access_type_id=offer.price.access_type_id)
            price = await service.create_price(session, merchant.id, product.id, created)
        else:
            price = await service.update_price(
                session, merchant.id, product.id, existing.id, replace(terms, money=money)
            )
        changed[price.id] = price
    for price in siblings:
        if price.id not in changed:
            changed[price.id] = await service.update_price(session, merchant.id, product.id, price.id, terms)
    ordered = sorted(changed.values(), key=lambda p: p.id)
    return [Offer(await _labelled(session, price, labels), product, merchant) for price in ordered]
